// Every built-in table suite validates: schema, technique configs, the paper's numbers for each row and column, and
// its expansion into runnable suites; the grid's Δ and Kendall τ on hand-checkable cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { builtinTables, loadTable, tableSuites, withPaths, reportedOf, TABLES_DIR } from '../harness/sweep/table.js';
import { plan } from '../harness/sweep/plan.js';
import { REPORTED_CSV } from '../harness/store/reported.js';
import { techniques } from '../techniques/index.js';
import { buildGrid, paperValue, tableReference } from '../reports/grid.js';
import { kendallTauB, tauOverSeeds } from '../reports/kendall.js';
import { metric } from '../harness/eval/metrics.js';
import type { ReportedRow } from '../reports/load.js';

const reported: ReportedRow[] = (parse(fs.readFileSync(REPORTED_CSV, 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => ({
  technique: r.technique!, category: r.category!, baseModel: r.base_model!, benchmark: r.benchmark!, task: r.task!, metric: r.metric!,
  value: r.value === '' ? null : Number(r.value), trainableParams: r.trainable_params || null, sourcePaper: r.source_paper!,
  sourceYear: Number(r.source_year) || null, sourceTable: r.source_table!, sourceUrl: r.source_url || null, notes: r.notes || null,
}));

test('at least 8 built-in tables', () => {
  assert.ok(builtinTables().length >= 8, `${builtinTables().length} tables`);
});

for (const id of builtinTables()) {
  test(`table ${id} validates: techniques, metrics, the paper's numbers, suites`, () => {
    const t = loadTable(id);
    for (const c of t.columns) metric(c.metric); // throws on an unknown metric id
    const ref = tableReference(t, reported);
    assert.ok(ref.length > 0, `no reference rows for ${t.reference.source_table} / ${t.reference.base_model}`);
    // Every row and every column has at least one paper number: a typo in a name leaves a row or column empty.
    const withAverage = [...t.columns.map((c) => reportedOf(c.reported, c.column)), ...(t.average ? [reportedOf(t.average.reported, t.average.column)] : [])];
    for (const r of t.rows) {
      const vals = withAverage.map((task) => paperValue(ref, r.reported, r.reported_note, task));
      assert.ok(vals.some((v) => v !== null), `row "${r.row}" (reported "${r.reported}") has no paper number`);
    }
    for (const c of t.columns) {
      const vals = t.rows.map((r) => paperValue(ref, r.reported, r.reported_note, reportedOf(c.reported, c.column)));
      assert.ok(vals.some((v) => v !== null), `column "${c.column}" has no paper number`);
    }
    const concrete = withPaths(t, { model: '/m', data: '/d' });
    assert.ok(!JSON.stringify(concrete).includes('${'), 'placeholders left');
    const sizes = Object.fromEntries(t.columns.map((c) => [c.dataset.id, { train: 1000, eval: 200 }]));
    for (const scale of [1, 0.01]) {
      const suites = tableSuites(concrete, sizes, scale);
      for (const s of suites) plan(s, techniques); // validates every technique id and config
      const labels = new Set(suites.flatMap((s) => s.techniques.map((e) => (typeof e === 'string' ? e : e.label))));
      assert.deepEqual([...labels].sort(), t.rows.map((r) => r.row).sort());
    }
    assert.throws(() => withPaths(t, {}), new RegExp(`Table "${id}" needs --model`));
  });
}

test('expansion: steps from epochs × examples / batch, scaled; per-column lr; rows with other budgets in their own suite', () => {
  const t = withPaths(loadTable('lora-roberta-base-glue'), { model: '/m', data: '/d' });
  const sizes = Object.fromEntries(t.columns.map((c) => [c.dataset.id, { train: 3200, eval: 400 }]));
  const full = tableSuites(t, sizes, 1);
  const mnli = full.filter((s) => s.datasets.some((d) => typeof d !== 'string' && d.id === 'mnli'));
  assert.equal(mnli.length, 2); // FT (10 epochs, its own budget) and BitFit + LoRA (30 epochs)
  const lora = mnli.find((s) => s.techniques.some((e) => typeof e !== 'string' && e.label === 'LoRA'))!;
  assert.equal(lora.budget.steps, (30 * 3200) / 16);
  assert.equal((lora.techniques.find((e) => typeof e !== 'string' && e.label === 'LoRA') as { lr: number }).lr, 5e-4);
  assert.equal(lora.name, 'table:lora-roberta-base-glue@1');
  // Scale 0.01: 32 training examples, 4 evaluation examples raised to the floor of 32, 0.3 epochs →
  // ceil(0.01 · 30 · 32 / 16) = 1 step.
  const smoke = tableSuites(t, sizes, 0.01).find((s) => s.name.endsWith('@0.01') && s.techniques.some((e) => typeof e !== 'string' && e.label === 'LoRA'))!;
  assert.equal(smoke.budget.train_examples, 32);
  assert.equal(smoke.budget.eval_examples, 32);
  assert.equal(smoke.budget.steps, 1);
  assert.equal(smoke.budget.heldout_windows, 8); // forgetting on 8 held-out windows, not 64
  assert.equal(lora.budget.heldout_windows, undefined);
  assert.throws(() => tableSuites(t, sizes, 0), /--scale 0 must be in \(0, 1\]/);
});

test('expansion: a row\'s budget per column, warmup stated in steps kept as its share of the paper\'s run at any scale', () => {
  const large = withPaths(loadTable('lora-roberta-large-glue'), { model: '/m', data: '/d' });
  const sizes = Object.fromEntries(large.columns.map((c) => [c.dataset.id, { train: 3200, eval: 400 }]));
  const sst = tableSuites(large, sizes, 1).filter((s) => s.datasets.some((d) => typeof d !== 'string' && d.id === 'sst2'));
  const of = (label: string) => sst.find((s) => s.techniques.some((e) => typeof e !== 'string' && e.label === label))!;
  // LoRA Table 9: Adpt^H (6M)† trains SST-2 for 5 epochs at batch 32, LoRA† for 10 at batch 4.
  assert.equal(of('Adpt^H (6M)†').budget.steps, (5 * 3200) / 32);
  assert.equal(of('Adpt^H (6M)†').budget.batch_size, 32);
  assert.equal(of('LoRA†').budget.steps, (10 * 3200) / 4);
  assert.equal(of('LoRA†').budget.max_len, 128);
  // LoRA Table 11: 500 warmup steps of 5 epochs at batch 8 over E2E's 42,061 training pairs.
  const e2e = withPaths(loadTable('lora-gpt2-m-e2e'), { model: '/m', data: '/d' });
  const full = Math.ceil((5 * 42061) / 8);
  for (const scale of [1, 0.01]) {
    const lora = tableSuites(e2e, { e2e: { train: 42061, eval: 630 } }, scale).find((s) => s.techniques.some((e) => typeof e !== 'string' && e.label === 'LoRA'))!;
    assert.equal(lora.budget.warmup_ratio, 500 / full);
  }
  // A per-column budget for a column the table lacks is one sentence naming the row and the columns.
  const file = fs.mkdtempSync('/tmp/ftbench-table-') + '/t.yaml';
  fs.writeFileSync(file, fs.readFileSync(`${TABLES_DIR}/lora-roberta-large-glue.yaml`, 'utf8').replace('budget_per_column: { MNLI: { epochs: 10 }, SST-2: { epochs: 5 }', 'budget_per_column: { MNLII: { epochs: 10 }, SST-2: { epochs: 5 }'));
  assert.throws(() => loadTable(file), /row "Adpt\^H \(6M\)†" gives a budget for "MNLII", which is not a column \(MNLI, SST-2/);
  fs.rmSync(file);
});

test('Kendall τ-b by hand, and a bootstrap interval that is a point with one seed and spreads with noisy seeds', () => {
  // x = 1,2,3,4 vs y = 1,3,2,4: pairs (1,2)C (1,3)C (1,4)C (2,3)D (2,4)C (3,4)C → (5 - 1)/6.
  assert.equal(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6);
  // A tie in x: x = 1,1,2 vs y = 1,2,3: (1,2) tied in x, (1,3)C, (2,3)C → 2/√(3·2)... n0 = 3, tx = 1 → 2/√((3-1)·3).
  assert.ok(Math.abs(kendallTauB([1, 1, 2], [1, 2, 3]) - 2 / Math.sqrt(2 * 3)) < 1e-12);
  const one = tauOverSeeds([[1], [2], [3]], [10, 30, 20])!;
  assert.equal(one.tau, 1 / 3);
  assert.deepEqual([one.lo, one.hi], [1 / 3, 1 / 3]);
  const noisy = tauOverSeeds([[1, 5], [2, 4], [3, 3.5]], [10, 20, 30])!;
  assert.ok(noisy.lo < noisy.hi, `[${noisy.lo}, ${noisy.hi}]`);
});

test('the grid: Δ per cell in the paper\'s units, averages over seeds, not-run and failed cells, paper-only rows', () => {
  const t = loadTable('lora-roberta-base-glue');
  const trial = (dataset: string, row: string, seed: number, acc: number) => ({ dataset, row, seed, status: 'ok', error: null, metrics: { accuracy: acc, mcc: acc, pearson: acc } });
  const trials = [
    trial('sst2', 'LoRA', 0, 0.9), trial('sst2', 'LoRA', 1, 0.94), trial('sst2', 'FT', 0, 0.95), trial('sst2', 'BitFit', 0, 0.92),
    { dataset: 'rte', row: 'LoRA', seed: 0, status: 'failed', error: 'out of memory', metrics: {} },
  ];
  const g = buildGrid(t, 0.01, trials, reported);
  const lora = g.rows.find((r) => r.row === 'LoRA')!;
  const sst = lora.cells['SST-2']!;
  assert.equal(sst.mean, 92); // (90 + 94) / 2 in %
  assert.equal(sst.paper, paperValue(tableReference(t, reported), 'LoRA', undefined, { task: 'SST-2' }));
  assert.equal(sst.delta, 92 - sst.paper!);
  assert.equal(lora.cells.MNLI!.state, 'not run');
  assert.equal(lora.cells.RTE!.state, 'failed');
  assert.equal(lora.cells.RTE!.why, 'out of memory');
  assert.equal(lora.cells['Avg.']!.state, 'not run');
  assert.ok(g.rows.some((r) => !r.run && /Adapter/.test(r.row)), 'the paper\'s adapter rows appear as paper-only');
  const col = g.columns.find((c) => c.column === 'SST-2')!;
  assert.ok(col.tau && col.tau.rows === 3);
  assert.equal(g.columns.find((c) => c.column === 'MNLI')!.tau, null);
});
