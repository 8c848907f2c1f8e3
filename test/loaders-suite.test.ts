// File datasets inside suites: paths relative to the suite file, trials under the entry's id, a sweep end to end on a
// CSV, and a malformed file stopping the next sweep with one sentence while the database keeps what it had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { techniques } from '../techniques/index.js';
import { loadSuite } from '../harness/sweep/suite.js';
import { plan } from '../harness/sweep/plan.js';
import { runSweep } from '../harness/sweep/run.js';
import { Store } from '../harness/store/index.js';
import { initBackend } from '../harness/backend/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-filesuite-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const words = ['good', 'great', 'fine', 'bad', 'awful', 'poor'];
const csv = 'text,label\n' + Array.from({ length: 60 }, (_, i) => `"the film was ${words[i % 6]}, take ${i}",${i % 6 < 3 ? 'pos' : 'neg'}`).join('\n') + '\n';
fs.mkdirSync(path.join(dir, 'data'));
fs.writeFileSync(path.join(dir, 'data', 'reviews.csv'), csv);

function suiteFile(name: string, extra = ''): string {
  const f = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    f,
    `name: ${name}
models: [encoder-tiny]
datasets:
  - id: my-reviews
    format: csv
    path: data/reviews.csv
    task: classification
    labels: [neg, pos]${extra}
techniques: [full-ft]
budget: { steps: 3, batch_size: 8, lr: 1.0e-3, max_len: 32, eval_examples: 8 }
`,
  );
  return f;
}

test('suite: a file dataset entry parses, its path resolves against the suite file, trials use its id', () => {
  const s = loadSuite(suiteFile('ok'));
  const d = s.datasets[0];
  assert.ok(typeof d !== 'string' && 'path' in d);
  assert.equal(d.path, path.join(dir, 'data', 'reviews.csv'));
  assert.deepEqual(plan(s, techniques).map((t) => t.dataset), ['my-reviews']);
});

test('suite: a bad file entry names the field; two entries with one id are refused', () => {
  const fmt = path.join(dir, 'fmt.yaml');
  fs.writeFileSync(fmt, fs.readFileSync(suiteFile('t0'), 'utf8').replace('format: csv', 'format: xlsx'));
  assert.throws(() => loadSuite(fmt), /field "datasets\.0\.format": Invalid option: expected one of "glue"\|"parquet"\|"jsonl"\|"csv"/);
  const f = path.join(dir, 'typo.yaml');
  fs.writeFileSync(f, fs.readFileSync(suiteFile('t1'), 'utf8').replace('task: classification', 'tsak: classification'));
  assert.throws(() => loadSuite(f), /field "datasets\.0".*tsak/);
  const dup = path.join(dir, 'dup.yaml');
  fs.writeFileSync(dup, fs.readFileSync(suiteFile('t2'), 'utf8').replace('datasets:\n', 'datasets:\n  - id: my-reviews\n    format: glue\n    path: CoLA\n'));
  assert.throws(() => loadSuite(dup), /dataset id "my-reviews" appears twice/);
});

test('suite: a built-in dataset entry with a budget overrides those fields for its trials only; a bad one names the field', () => {
  const f = path.join(dir, 'override.yaml');
  fs.writeFileSync(f, `name: override
models: [encoder-tiny]
datasets: [spam, { id: wordnet-wic, budget: { steps: 40, lr: 2.0e-4, eval_examples: 800 } }]
techniques: [full-ft, lora]
budget: { steps: 3, batch_size: 8, lr: 1.0e-3, max_len: 32, eval_examples: 8 }
`);
  const trials = plan(loadSuite(f), techniques);
  const of = (dataset: string, technique: string) => trials.find((t) => t.dataset === dataset && t.technique.id === technique)!;
  assert.deepEqual([of('spam', 'full-ft').budget.steps, of('spam', 'full-ft').lr, of('spam', 'full-ft').budget.eval_examples], [3, 1e-3, 8]);
  const wic = of('wordnet-wic', 'full-ft');
  assert.deepEqual([wic.budget.steps, wic.lr, wic.budget.eval_examples, wic.budget.batch_size, wic.budget.max_len], [40, 2e-4, 800, 8, 32]);
  // The technique's rate multiplier applies to the overridden rate (LoRA ×10).
  assert.ok(Math.abs(of('wordnet-wic', 'lora').lr - 2e-3) < 1e-12);
  assert.ok(Math.abs(of('spam', 'lora').lr - 1e-2) < 1e-12);
  const bad = path.join(dir, 'override-bad.yaml');
  fs.writeFileSync(bad, fs.readFileSync(f, 'utf8').replace('steps: 40', 'steps: 0'));
  assert.throws(() => loadSuite(bad), /datasets\.1.*steps/);
});

test('sweep: runs on a CSV dataset; a malformed file then stops the sweep with one sentence and loses nothing', async () => {
  const backend = await initBackend();
  const db = path.join(dir, 'r.duckdb');
  const summary = await runSweep(loadSuite(suiteFile('run')), { db, backend, techniques });
  assert.equal(summary.ran, 1);
  assert.equal(summary.failed, 0);

  fs.writeFileSync(path.join(dir, 'data', 'reviews.csv'), csv.replace('take 7",pos', 'take 7",maybe'));
  const err = await runSweep(loadSuite(suiteFile('run')), { db, backend, techniques }).then(
    () => assert.fail('expected the sweep to stop'),
    (e: Error) => e,
  );
  assert.equal(err.message, `Dataset "my-reviews": ${path.join(dir, 'data', 'reviews.csv')}, line 9: the label "maybe" is not one of the classes 0=neg, 1=pos.`);
  const s = await Store.open(db, { readOnly: true });
  const rows = await s.query('SELECT dataset, technique, status FROM trials');
  await s.close();
  assert.deepEqual(rows, [{ dataset: 'my-reviews', technique: 'full-ft', status: 'ok' }]);
});
