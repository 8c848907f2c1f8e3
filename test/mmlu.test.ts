// MMLU in its official CSV layout: evaluate.py's k-shot prompt, the loader's splits and its one-sentence errors, and
// the QLoRA MMLU table end to end at --scale 0.01 on a tiny LLaMA-layout checkpoint and generated MMLU + Alpaca files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mmluPrompt, readMmluFile, type MmluQuestion } from '../datasets/files/mmlu.js';
import { fileDatasetSchema, loadFileDataset } from '../datasets/files/index.js';
import { reproduce } from '../cli/reproduce.js';
import { Store } from '../harness/store/index.js';
import { loadTable } from '../harness/sweep/table.js';
import { writeLlamaFolder, writeMmluFolder } from './helpers/glue-folders.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-mmlu-'));
process.env.FTBENCH_CACHE ??= path.join(root, 'cache');
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

test('the prompt is evaluate.py\'s: subject line, solved shots, the question ending "Answer:"', () => {
  const shot: MmluQuestion = { subject: 'high_school_biology', question: 'Cells?', options: ['a', 'b', 'c', 'd'], answer: 'C' };
  const q: MmluQuestion = { ...shot, question: 'DNA?', answer: 'A' };
  assert.equal(
    mmluPrompt(q, [shot]),
    'The following are multiple choice questions (with answers) about high school biology.\n\n' +
      'Cells?\nA. a\nB. b\nC. c\nD. d\nAnswer: C\n\n' +
      'DNA?\nA. a\nB. b\nC. c\nD. d\nAnswer:',
  );
});

test('the loader: 5-shot test and val examples per subject, answer letters as targets, trained on the instruction file', async () => {
  const { mmlu, train } = writeMmluFolder(path.join(root, 'load'));
  const e = fileDatasetSchema.parse({ id: 'mmlu-x', format: 'mmlu', path: mmlu, files: { train } });
  const d = await loadFileDataset(e);
  assert.equal(d.kind, 'generation');
  assert.deepEqual(d.answerChoices, ['A', 'B', 'C', 'D']);
  assert.deepEqual(d.metrics, ['exact-match']);
  assert.equal(d.splits.train.length, 40);
  assert.equal(d.splits.dev.length, 2 * 3); // val of both subjects
  assert.equal(d.splits.test.length, 2 * 4);
  const t = d.splits.test[0]!;
  const rows = readMmluFile(mmlu, 'abstract_algebra', 'test');
  assert.equal(t.target, rows[0]!.answer);
  assert.equal(t.label, 'ABCD'.indexOf(rows[0]!.answer));
  assert.deepEqual(t.choices, ['A', 'B', 'C', 'D']);
  assert.equal(t.text.split('\nAnswer: ').length - 1, 5, 'five solved shots');
  assert.ok(t.text.endsWith('\nAnswer:'));
  assert.ok(t.text.startsWith('The following are multiple choice questions (with answers) about abstract algebra.'));
  assert.match(t.text, /, exactly/, 'a quoted field with a comma is one option');
  // Fewer shots, and one subject only.
  const zero = await loadFileDataset(fileDatasetSchema.parse({ ...e, mmlu_shots: 0, mmlu_subjects: ['elementary_mathematics'] }));
  assert.equal(zero.splits.test.length, 4);
  assert.ok(!zero.splits.test[0]!.text.includes('Answer: '));
});

test('bad MMLU input: one sentence naming the file, the line and the fix', async () => {
  const { mmlu, train } = writeMmluFolder(path.join(root, 'bad'));
  assert.throws(() => fileDatasetSchema.parse({ id: 'm', format: 'mmlu', path: mmlu }), /needs \\?"files\.train\\?": the instruction data/);
  const bad = path.join(mmlu, 'test', 'abstract_algebra_test.csv');
  const good = fs.readFileSync(bad, 'utf8');
  const e = fileDatasetSchema.parse({ id: 'm', format: 'mmlu', path: mmlu, files: { train } });
  fs.writeFileSync(bad, good.replace(/,[ABCD]\n$/, ',E\n'));
  await assert.rejects(loadFileDataset(e), /^Error: Dataset "m": .*abstract_algebra_test\.csv.* line 4.*the answer "E" is not one of A, B, C, D\.$/);
  fs.writeFileSync(bad, 'Only a question,1,2,3\n');
  await assert.rejects(loadFileDataset(e), /line 1.*the row has 4 fields; MMLU rows are question, A, B, C, D, answer \(no header\)/);
  fs.writeFileSync(bad, good);
  await assert.rejects(loadFileDataset({ ...e, mmlu_subjects: ['astronomy'] }), /has no astronomy_val\.csv/);
  fs.rmSync(path.join(mmlu, 'dev', 'abstract_algebra_dev.csv'));
  await assert.rejects(loadFileDataset(e), /abstract_algebra_dev\.csv.*the file does not exist/);
});

test('qlora-llama-7b-mmlu at scale 0.01, seed 0: both rows on both columns, answers picked among the letters, the grid filled', { timeout: 900_000 }, async () => {
  const model = await writeLlamaFolder(path.join(root, 'llama'));
  const data = path.join(root, 'data');
  const { train } = writeMmluFolder(data);
  fs.copyFileSync(train, path.join(data, 'flan_v2.json')); // the second column's instruction file
  const db = path.join(root, 'mmlu.duckdb');
  const out = path.join(root, 'grid');
  await reproduce('qlora-llama-7b-mmlu', { model, data, scale: 0.01, seeds: '0', db, out, log: () => {} });
  const t = loadTable('qlora-llama-7b-mmlu');
  const store = await Store.open(db, { readOnly: true });
  try {
    const trials = await store.query("SELECT status, error FROM trials");
    assert.equal(trials.length, t.columns.length * t.rows.length);
    assert.deepEqual(trials.filter((x) => x.status !== 'ok'), []);
    const acc = await store.query("SELECT value FROM metrics WHERE split = 'test' AND name = 'exact-match' AND role = 'primary'");
    assert.equal(acc.length, 4);
    for (const r of acc) assert.ok(Number(r.value) >= 0 && Number(r.value) <= 1, `accuracy ${String(r.value)}`); // of 8 test questions (the letter choice itself: objectives.test.ts)
  } finally {
    await store.close();
  }
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  for (const col of ['Alpaca', 'FLAN v2']) assert.match(html, new RegExp(`<th>${col}<br>`));
  assert.equal((html.match(/class="cell ok"/g) ?? []).length, 2 * 2);
});
