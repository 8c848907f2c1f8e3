// Report charts fed by technique metrics: expert utilisation heatmaps (MoE) and perplexity vs context length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../harness/store/index.js';
import { runMeta, trial } from '../harness/store/testing.js';
import { buildReport } from '../reports/build.js';
import { metricRow } from '../harness/eval/rows.js';

test('MoE utilisation and ppl@context metrics become their own charts with drawn marks', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-report-extras-'));
  const db = path.join(dir, 'r.duckdb');
  const store = await Store.open(db);
  const run = await store.beginRun(runMeta());
  const util = [0, 1].flatMap((layer) => [0.7, 0.2, 0.1].map((share, e) => (metricRow('technique', 10, `util.layer${layer}.expert${e}`, share, 'technique'))));
  await store.recordTrial(run, trial({ technique: 'mixlora', category: 'mixture_of_experts', metrics: [metricRow('test', 10, 'accuracy', 0.8, 'primary'), ...util] }));
  for (const [technique, ppl] of [['lora', [20, 31]], ['longlora', [21, 24]]] as const) {
    await store.recordTrial(run, trial({
      technique, category: technique === 'lora' ? 'adapter' : 'application', dataset: 'sotu-long',
      metrics: [metricRow('test', 10, 'perplexity', ppl[0], 'primary'), metricRow('heldout', 10, 'perplexity', ppl[0], 'heldout', 64), metricRow('heldout', 10, 'perplexity', ppl[1], 'heldout', 128)],
    }));
  }
  await store.finishRun(run);
  await store.close();
  const html = fs.readFileSync(await buildReport({ db, out: path.join(dir, 'out') }), 'utf8');
  const figure = (id: string) => {
    const m = new RegExp(`<figure class="chart" id="chart-${id}">([\\s\\S]*?)</figure>`).exec(html);
    assert.ok(m, `no ${id} chart in the report`);
    return m[1];
  };
  // Vega's SVG renderer draws each mark as a path inside a group classed by mark type.
  const heat = figure('experts');
  assert.match(heat, /mark-rect/);
  assert.equal((heat.match(/<path /g) ?? []).length >= 6, true, 'the heatmap should draw one cell per layer × expert');
  const ctx = figure('context');
  assert.match(ctx, /mark-line/);
  assert.match(ctx, /longlora/);
});
