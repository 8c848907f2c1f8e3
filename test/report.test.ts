// Tests the report builder on a synthetic results database written through the real store.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildReport } from '../reports/build.js';
import { buildSyntheticDb, type SyntheticDb } from '../reports/testing.js';

let dir: string;
let synth: SyntheticDb;
let html: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-report-'));
  synth = await buildSyntheticDb(dir);
  const file = await buildReport({ db: synth.db, out: path.join(dir, 'out'), now: new Date('2025-03-01T00:00:00Z') });
  assert.equal(file, path.join(dir, 'out', 'index.html'));
  html = fs.readFileSync(file, 'utf8');
});

/** The <table> of one model, as text. */
function modelTable(model: string): string {
  const start = html.indexOf(`<table class="results" data-model="${model}">`);
  assert.ok(start >= 0, `no table for ${model}`);
  return html.slice(start, html.indexOf('</table>', start));
}

function rowOf(table: string, technique: string): string {
  const start = table.indexOf(`<tr class="technique" data-technique="${technique}">`);
  assert.ok(start >= 0, `no row for ${technique}`);
  return table.slice(start, table.indexOf('</tr>', start));
}

test('one table per base model with the expected technique rows, grouped by category in order', () => {
  for (const [model, techniques] of Object.entries(synth.expectedRows)) {
    const t = modelTable(model);
    const rows = [...t.matchAll(/<tr class="technique" data-technique="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(rows, techniques, model);
  }
  const t = modelTable('enc-tiny');
  const groups = [...t.matchAll(/<tr class="group"><th[^>]*>([^<]+)<\/th>/g)].map((m) => m[1]);
  assert.deepEqual(groups, ['training method', 'adapter', 'quantization', 'parameter selection']);
  assert.match(t, /spam<br><small>accuracy ↑ \(%\)<\/small>/);
  assert.match(modelTable('dec-tiny'), /corpus<br><small>perplexity ↓<\/small>/);
});

test('cells are mean ± std over seeds, with a 95% CI, and the best per column is marked', () => {
  const t = modelTable('enc-tiny');
  const full = rowOf(t, 'full-ft');
  // Three seeds: a std and a CI are shown; full fine-tuning is best on both datasets and the average.
  assert.equal((full.match(/class="num best"/g) ?? []).length, 3);
  assert.match(full, /title="95% CI \[[\d.]+, [\d.]+\] over 3 seeds">\d+\.\d ± \d+\.\d</);
  assert.doesNotMatch(rowOf(t, 'bitfit'), /best/);
  assert.match(rowOf(t, 'lora'), /0\.81%/);                  // share of the backbone: 8,192 / 1,008,192, head left out
  assert.match(rowOf(t, 'full-ft'), /64\.0 MiB/);
  // Perplexity: lower is better, so full-ft (20.x) beats lora (22.x).
  assert.match(rowOf(modelTable('dec-tiny'), 'full-ft'), /class="num best"[^>]*>20\.3 ± 0\.35</);
  assert.match(t, /<tr class="baseline"><td>majority baseline<\/td><td class="num">50\.0<\/td><td class="num">50\.0<\/td>/);
});

test('run metadata, failed and skipped trials with their reasons', () => {
  assert.match(html, /<code>abc1234<\/code>/);
  assert.match(html, /<td>wasm<\/td><td>js-segsum<\/td><td>—<\/td><td class="num">2<\/td><td>testhost<\/td>/);
  assert.match(html, /<tr class="problem failed"><td>failed<\/td><td>enc-tiny<\/td><td>spam<\/td><td>dora<\/td><td class="num">0<\/td><td>loss became NaN at step 3<\/td>/);
  assert.match(html, /<tr class="problem skipped">.*bitfit needs bias terms; dec-tiny has none/);
});

test('charts are inline SVG with marks and their Vega-Lite specs embedded', () => {
  const figures = html.split('<figure class="chart"').slice(1);
  assert.deepEqual(figures.map((f) => f.match(/id="chart-([^"]+)"/)![1]), ['pareto-dec-tiny', 'pareto-enc-tiny', 'memory', 'throughput', 'curves']);
  for (const f of figures) {
    assert.match(f, /<svg[^>]*class="marks"/);
    assert.match(f, /class="mark-(symbol|rect|line)/);
    const json = f.match(/<script type="application\/json" class="vega-lite-spec" data-chart="[^"]+">([^<]*)<\/script>/);
    assert.ok(json, 'spec embedded');
    const spec = JSON.parse(json[1]!);
    assert.ok(spec.data.values.length > 0);
  }
  // Log x axis on the score-vs-parameters chart.
  assert.match(figures[1]!, /"scale":\{"type":"log"\}/);
});

test('the page is self-contained: no URL, no external resource, no script that runs', () => {
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /<link|<img|<iframe|\bsrc=|@import|url\(/i);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.ok(scripts.length >= 5);
  for (const s of scripts) assert.match(s!, /type="application\/json"/);
});

test('paired tests: bitfit is significantly worse than full-ft; lora vs full-ft not claimed', () => {
  const row = (tech: string, ref: string) => {
    const m = html.match(new RegExp(`<tr class="comparison[^"]*"><td>enc-tiny</td><td>spam</td><td>${tech}</td><td>${ref}</td>.*?</tr>`));
    assert.ok(m, `${tech} vs ${ref}`);
    return m[0];
  };
  assert.match(row('bitfit', 'full-ft'), /McNemar \(exact\).*<td class="num">&lt;0\.001<\/td>.*<td>worse<\/td>/);
  assert.match(row('lora', 'full-ft'), /no significant difference/);
  assert.match(row('full-ft', 'lora'), /<td>full-ft<\/td><td>lora<\/td>/);
});

test('reported numbers: per benchmark and model, with a source for every number and rank columns', () => {
  const start = html.indexOf('<summary>GLUE (dev) — RoBERTa-base');
  assert.ok(start >= 0);
  const block = html.slice(start, html.indexOf('</details>', start));
  assert.match(block, /<th>Paper rank<\/th><th>Our rank<\/th>/);
  assert.match(block, /BitFit <small>\(bitfit\)<\/small>/);
  assert.match(block, /arXiv:2106\.09685/);
  // Every number carries a source superscript that is listed under the table.
  const refs = new Set([...block.matchAll(/<sup>(\d+)<\/sup>/g)].map((m) => m[1]));
  const listed = new Set([...block.matchAll(/<li value="(\d+)">/g)].map((m) => m[1]));
  assert.ok(refs.size >= 1);
  for (const r of refs) assert.ok(listed.has(r), `source ${r} listed`);
  const numbers = block.match(/<span[^>]*>[\d.]+<sup>/g) ?? [];
  const numbersAll = block.match(/<td class="num">[^<—]*<span/g) ?? [];
  assert.ok(numbers.length >= numbersAll.length && numbers.length > 20);
});

test('--run limits the report to one run', async () => {
  const file = await buildReport({ db: synth.db, out: path.join(dir, 'run-b'), runId: synth.runIds[1] });
  const one = fs.readFileSync(file, 'utf8');
  assert.equal((one.match(/<tr class="technique"/g) ?? []).length, 1);
  assert.match(one, /def5678/);
  assert.doesNotMatch(one, /abc1234/);
  await assert.rejects(buildReport({ db: synth.db, out: path.join(dir, 'x'), runId: 'nope' }), /No run with id nope/);
});

test('Markdown and CSV formats carry the same tables', async () => {
  const md = fs.readFileSync(await buildReport({ db: synth.db, out: path.join(dir, 'md'), format: 'md' }), 'utf8');
  assert.match(md, /^## enc-tiny$/m);
  assert.match(md, /^\| training_method \| full-ft \| \*\*\d+\.\d ± \d+\.\d\*\* \|/m);
  assert.match(md, /_majority baseline_/);
  const csv = fs.readFileSync(await buildReport({ db: synth.db, out: path.join(dir, 'csv'), format: 'csv' }), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'model,category,technique,dataset,metric,mean,std,ci95_lo,ci95_hi,seeds,best,trainable_params,backbone_trainable_pct,peak_bytes,tokens_per_s,adapter_bytes');
  assert.equal(csv.length - 1, 4 * 2 + 2);   // enc-tiny: 4 techniques × 2 datasets; dec-tiny: 2 × 1
  assert.ok(csv.some((l) => l.startsWith('enc-tiny,adapter,lora,spam,accuracy,') && l.includes(',4,')));   // 4 seeds incl. run B
});

test('a missing database gives one clear sentence and writes nothing', async () => {
  const out = path.join(dir, 'never');
  await assert.rejects(buildReport({ db: path.join(dir, 'missing.duckdb'), out }), /^StoreError: No results database at .*missing\.duckdb/);
  assert.ok(!fs.existsSync(out));
});

test('a technique run under two suite labels gives two rows, named by label', async () => {
  const { Store } = await import('../harness/store/index.js');
  const { runMeta, trial } = await import('../harness/store/testing.js');
  const { loadReportData } = await import('../reports/load.js');
  const { collate } = await import('../reports/tables.js');
  const store = await Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-label-')), 'r.duckdb'));
  try {
    const run = await store.beginRun(runMeta());
    for (const label of ['o-lora', 'seq-lora']) {
      for (const seed of [0, 1]) await store.recordTrial(run, trial({ technique: 'o-lora', category: 'application', seed, config: { label, technique: {} } }));
    }
    const rows = collate((await loadReportData(store)).trials)[0]!.groups.flatMap((g) => g.rows);
    assert.deepEqual(rows.map((r) => [r.technique, r.seeds]), [['o-lora', 2], ['seq-lora', 2]]);
  } finally {
    await store.close();
  }
});
