// The GLUE RoBERTa-base table (LoRA Table 2) end to end at --scale 0.01: a randomly initialised RoBERTa-layout
// checkpoint (hidden 32, 2 layers: the real 768 × 12 shape is timed once in docs/tables.md, too slow for CI on 2
// cores) and official-layout GLUE folders generated here; the grid page checked in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { planTable, reproduce } from '../cli/reproduce.js';
import { Store } from '../harness/store/index.js';
import { loadTable } from '../harness/sweep/table.js';
import { writeE2eFolder, writeGlueFolders, writeGpt2Folder, writeRobertaFolder } from './helpers/glue-folders.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-table-'));
process.env.FTBENCH_CACHE ??= path.join(root, 'cache'); // the imported checkpoint is converted into the cache
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

test('lora-roberta-base-glue at scale 0.01: every trial runs, the grid has the paper\'s layout with Δ and τ, and renders', { timeout: 900_000 }, async () => {
  const model = await writeRobertaFolder(path.join(root, 'roberta-base'));
  const data = writeGlueFolders(path.join(root, 'glue'), 48, 40);
  const db = path.join(root, 'results.duckdb');
  const out = path.join(root, 'grid');
  const lines: string[] = [];

  // Bad input first: one sentence naming the folder, and nothing written.
  await assert.rejects(reproduce('lora-roberta-base-glue', { model, data: path.join(root, 'nope'), scale: 0.01, db, out, log: () => {} }), /nope\/MNLI.*does not exist/);
  await assert.rejects(reproduce('lora-roberta-base-glue', { data, scale: 0.01, db, out, log: () => {} }), /needs --model: roberta-base as a Hugging Face folder/);
  assert.ok(!fs.existsSync(db));
  // The plan alone (--plan): each suite's trials, none refused at this size, and nothing written.
  const planned: string[] = [];
  assert.equal(await planTable('lora-roberta-base-glue', { model, data, scale: 0.01, db, out, log: (l) => planned.push(l) }), 0);
  assert.equal(planned.filter((l) => /^ {2}\d+ trial\(s\), 0 cannot fit$/.test(l)).length, 16, planned.join('\n'));
  assert.ok(!fs.existsSync(db));

  const file = await reproduce('lora-roberta-base-glue', { model, data, scale: 0.01, db, out, log: (l) => lines.push(l) });
  const t = loadTable('lora-roberta-base-glue');

  const store = await Store.open(db, { readOnly: true });
  try {
    const runs = await store.query("SELECT DISTINCT suite FROM runs");
    assert.deepEqual(runs.map((r) => r.suite), ['table:lora-roberta-base-glue@0.01']); // the scale is recorded with the run
    const trials = await store.query("SELECT status, error, json_extract_string(config, '$.label') AS label, steps FROM trials");
    assert.equal(trials.length, t.columns.length * t.rows.length * t.seeds.length);
    assert.deepEqual(trials.filter((x) => x.status !== 'ok'), []);
    assert.deepEqual([...new Set(trials.map((x) => x.label))].sort(), ['BitFit', 'FT', 'LoRA']);
  } finally {
    await store.close();
  }

  assert.ok(lines.some((l) => /^grid: 3 rows run/.test(l)), lines.slice(-3).join('\n'));
  const html = fs.readFileSync(file, 'utf8');
  assert.match(html, /Smoke run at scale 0.01/);
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`${CHROMIUM} is not installed (apt-get install -y chromium; CI installs it): the page is not opened in a browser`);
    return;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
    await page.goto(url, { waitUntil: 'load' });
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    // The paper's columns in its order, then its average.
    const heads = await page.$$eval('table.grid thead th', (ths) => ths.map((th) => th.childNodes[0]?.textContent?.trim()));
    assert.deepEqual(heads, ['Method', 'MNLI', 'SST-2', 'MRPC', 'CoLA', 'QNLI', 'QQP', 'RTE', 'STS-B', 'Avg.']);
    const rows = await page.$$eval('table.grid tbody tr', (trs) => trs.map((tr) => ({
      cls: tr.className,
      name: tr.querySelector('th')?.textContent ?? '',
      cells: [...tr.querySelectorAll('td')].map((td) => ({ cls: td.className, ours: td.querySelector('.ours')?.textContent ?? '', paper: td.querySelector('.paper')?.textContent ?? '', delta: td.querySelector('.delta')?.textContent ?? '', visible: (td as HTMLElement).offsetWidth > 0 })),
    })));
    const ran = rows.filter((r) => r.cls === 'ran');
    assert.deepEqual(ran.map((r) => r.name), ['FT', 'BitFit', 'LoRA']);
    for (const r of ran) {
      assert.equal(r.cells.length, 9);
      for (const c of r.cells) {
        assert.ok(c.visible);
        assert.match(c.cls, /\bok\b/, `${r.name}: ${c.ours}`);
        assert.match(c.ours, /^-?\d+\.\d+ ± \d+\.\d+$/); // mean ± std over the 5 seeds
        assert.match(c.paper, /^paper \d+\.\d$/);
        assert.match(c.delta, /^Δ [+−±]\d+\.\d+$/);
      }
    }
    // The paper's own rows we do not run are there, marked.
    const paperOnly = rows.filter((r) => r.cls === 'paper-only');
    assert.ok(paperOnly.length >= 1 && paperOnly.every((r) => r.cells.every((c) => /not-run/.test(c.cls) && c.ours === 'not run')));
    const taus = await page.$$eval('tr.tau td', (tds) => tds.map((td) => td.textContent ?? ''));
    assert.equal(taus.length, 9);
    assert.ok(taus.some((x) => /^τ = -?\d\.\d\d \[-?\d\.\d\d, -?\d\.\d\d\] · 3 rows$/.test(x)), taus.join(' | '));
    await page.screenshot({ path: path.resolve('test-artifacts', 'table-grid.png'), fullPage: true }).catch(() => {});
  } finally {
    await browser.close();
  }
});

test('lora-gpt2-m-e2e at scale 0.01, seed 0: generation scored by the five E2E metrics against every reference, one set of runs for five columns', { timeout: 900_000 }, async () => {
  const model = await writeGpt2Folder(path.join(root, 'gpt2-medium'));
  const data = writeE2eFolder(path.join(root, 'e2e'));
  const db = path.join(root, 'e2e.duckdb');
  await assert.rejects(reproduce('lora-gpt2-m-e2e', { model, data, scale: 0.01, seeds: '7', db, out: root, log: () => {} }), /--seeds "7" must list seeds of the table \(0, 1, 2\)/);
  await reproduce('lora-gpt2-m-e2e', { model, data, scale: 0.01, seeds: '0', db, out: path.join(root, 'e2e-grid'), log: () => {} });
  const store = await Store.open(db, { readOnly: true });
  try {
    const trials = await store.query("SELECT status, error FROM trials");
    assert.equal(trials.length, loadTable('lora-gpt2-m-e2e').rows.length); // 5 rows × 1 dataset × seed 0, not × 5 columns
    assert.deepEqual(trials.filter((x) => x.status !== 'ok'), []);
    const names = await store.query("SELECT DISTINCT name FROM metrics WHERE split = 'test' AND name NOT LIKE '%:%' ORDER BY name");
    assert.deepEqual(names.map((r) => r.name), ['cider', 'e2e-bleu', 'e2e-rouge-l', 'meteor', 'nist']);
  } finally {
    await store.close();
  }
  const html = fs.readFileSync(path.join(root, 'e2e-grid', 'index.html'), 'utf8');
  for (const col of ['BLEU', 'NIST', 'MET', 'ROUGE-L', 'CIDEr']) assert.match(html, new RegExp(`<th>${col}<br>`));
  assert.equal((html.match(/class="cell ok"/g) ?? []).length, 5 * 5);
});
