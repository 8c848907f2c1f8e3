// Loaders for users' own benchmarks: GLUE folders, Parquet (written through DuckDB's COPY), JSONL and CSV in their official
// layouts, and one-sentence errors naming file, line and problem for each kind of malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { fileDatasetSchema, loadFileDataset, type FileDatasetEntry } from '../datasets/files/index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-loaders-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const f = path.join(root, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}
const tsv = (rows: string[][]) => rows.map((r) => r.join('\t')).join('\n') + '\n';
const entry = (e: Record<string, unknown>): FileDatasetEntry => fileDatasetSchema.parse(e);

/** The loader's error, checked to be one sentence that names the dataset, the file and (where given) the line. */
async function failure(e: Record<string, unknown>, file: string, line: number | null, problem: RegExp): Promise<string> {
  const err = await loadFileDataset(entry(e)).then(
    () => assert.fail('expected the load to fail'),
    (x: Error) => x,
  );
  const msg = err.message;
  assert.ok(msg.startsWith(`Dataset "${e.id}": ${file}`), msg);
  if (line !== null) assert.ok(msg.includes(`, line ${line}:`) || msg.includes(`, row ${line}:`), msg);
  assert.match(msg, problem);
  assert.equal(msg.split('\n').length, 1, msg);
  assert.ok(msg.endsWith('.') && !msg.slice(0, -1).match(/\.\s+[A-Z]/), `one sentence: ${msg}`);
  return msg;
}

// ---------- GLUE ----------

const sentences = Array.from({ length: 40 }, (_, i) => `sentence number ${i} , with "quotes" and 'apostrophes'`);

test('glue: CoLA (no header in train/dev; test has one) is MCC-scored, dev becomes test, dev carved from train', async () => {
  const dir = path.join(root, 'glue', 'CoLA');
  write('glue/CoLA/train.tsv', tsv(sentences.map((s, i) => ['gj04', String(i % 3 === 0 ? 0 : 1), i % 3 === 0 ? '*' : '', s])));
  write('glue/CoLA/dev.tsv', tsv([['gj04', '1', '', 'The dog barked .'], ['gj04', '0', '*', 'Dog the barked .']]));
  write('glue/CoLA/test.tsv', tsv([['index', 'sentence'], ['0', 'Unlabelled test sentence .']]));
  const d = await loadFileDataset(entry({ id: 'cola', format: 'glue', path: dir }));
  assert.equal(d.kind, 'classification');
  assert.deepEqual(d.labels, ['unacceptable', 'acceptable']);
  assert.deepEqual(d.metrics, ['mcc', 'accuracy']);
  assert.deepEqual(d.splits.test, [{ text: 'The dog barked .', label: 1 }, { text: 'Dog the barked .', label: 0 }]);
  assert.equal(d.splits.train.length + d.splits.dev.length, 40);
  assert.ok(d.splits.dev.length > 0 && d.splits.dev.length < 12, `dev ${d.splits.dev.length}`);
  const trainTexts = new Set(d.splits.train.map((e) => e.text));
  assert.ok(d.splits.dev.every((e) => !trainTexts.has(e.text)));
  assert.match(d.card.splitBy, /test split is the provided dev/);
  assert.match(d.card.splitBy, /dev split is 10% of the training file/);
  // Deterministic: the same files give the same splits and hash.
  const again = await loadFileDataset(entry({ id: 'cola', format: 'glue', path: dir }));
  assert.deepEqual(again.splits, d.splits);
  assert.equal(again.contentHash, d.contentHash);
});

test('glue: SST-2, MRPC (F1 + acc), QQP, STS-B (float scores, Pearson/Spearman), MNLI (dev_matched / mismatched), RTE', async () => {
  write('glue/SST-2/train.tsv', tsv([['sentence', 'label'], ...sentences.map((s, i) => [s, String(i % 2)])]));
  write('glue/SST-2/dev.tsv', tsv([['sentence', 'label'], ['a great film ', '1'], ['dull', '0']]));
  write('glue/SST-2/test.tsv', tsv([['index', 'sentence'], ['0', 'unknown']]));
  const sst = await loadFileDataset(entry({ id: 'sst', format: 'glue', path: path.join(root, 'glue/SST-2') }));
  assert.deepEqual(sst.metrics, ['accuracy']);
  assert.deepEqual(sst.splits.test[0], { text: 'a great film ', label: 1 });

  const mrpcHead = ['Quality', '#1 ID', '#2 ID', '#1 String', '#2 String'];
  write('glue/MRPC/train.tsv', tsv([mrpcHead, ...sentences.map((s, i) => [String(i % 2), `${i}`, `${i + 100}`, s, `${s} again`])]));
  write('glue/MRPC/dev.tsv', tsv([mrpcHead, ['1', '1', '2', 'He said "yes" .', 'He agreed .']]));
  const mrpc = await loadFileDataset(entry({ id: 'mrpc', format: 'glue', path: path.join(root, 'glue/MRPC') }));
  assert.equal(mrpc.kind, 'pair-classification');
  assert.deepEqual(mrpc.metrics, ['f1', 'accuracy']);
  assert.deepEqual(mrpc.splits.test, [{ text: 'He said "yes" .', text2: 'He agreed .', label: 1 }]);

  const qqpHead = ['id', 'qid1', 'qid2', 'question1', 'question2', 'is_duplicate'];
  write('glue/QQP/train.tsv', tsv([qqpHead, ...sentences.map((s, i) => [`${i}`, '1', '2', s, `${s}?`, String(i % 2)])]));
  write('glue/QQP/dev.tsv', tsv([qqpHead, ['9', '1', '2', 'How?', 'Why?', '0']]));
  const qqp = await loadFileDataset(entry({ id: 'qqp', format: 'glue', path: path.join(root, 'glue/QQP') }));
  assert.deepEqual(qqp.metrics, ['f1', 'accuracy']);
  assert.deepEqual(qqp.labels, ['not_duplicate', 'duplicate']);

  const stsHead = ['index', 'genre', 'filename', 'year', 'old_index', 'source1', 'source2', 'sentence1', 'sentence2', 'score'];
  write('glue/STS-B/train.tsv', tsv([stsHead, ...sentences.map((s, i) => [`${i}`, 'main-captions', 'MSRvid', '2012test', '0001', 'none', 'none', s, s, (i / 8).toFixed(3)])]));
  write('glue/STS-B/dev.tsv', tsv([stsHead, ['0', 'main-captions', 'MSRvid', '2012test', '0000', 'none', 'none', 'A man with a hard hat is dancing.', 'A man wearing a hard hat is dancing.', '5.000']]));
  const sts = await loadFileDataset(entry({ id: 'stsb', format: 'glue', path: path.join(root, 'glue/STS-B') }));
  assert.equal(sts.kind, 'regression');
  assert.deepEqual(sts.metrics, ['pearson', 'spearman']);
  assert.equal(sts.splits.test[0].label, 5);
  assert.ok([...sts.splits.train, ...sts.splits.dev].some((e) => e.label === 0.125));

  const mnliHead = ['index', 'promptID', 'pairID', 'genre', 'sentence1_binary_parse', 'sentence2_binary_parse', 'sentence1_parse', 'sentence2_parse', 'sentence1', 'sentence2', 'label1', 'gold_label'];
  const devHead = [...mnliHead.slice(0, 11), 'label2', 'label3', 'label4', 'label5', 'gold_label'];
  const labels = ['entailment', 'neutral', 'contradiction'];
  write('glue/MNLI/train.tsv', tsv([mnliHead, ...sentences.map((s, i) => [`${i}`, '1', '1e', 'fiction', '( x )', '( y )', '(ROOT x)', '(ROOT y)', s, 'h', labels[i % 3], labels[i % 3]])]));
  const devRow = (s: string, l: string) => ['0', '1', '1e', 'slate', '( x )', '( y )', '(ROOT x)', '(ROOT y)', s, 'h', l, l, l, l, l, l];
  write('glue/MNLI/dev_matched.tsv', tsv([devHead, devRow('matched premise', 'neutral')]));
  write('glue/MNLI/dev_mismatched.tsv', tsv([devHead, devRow('mismatched premise', 'contradiction')]));
  const mnli = await loadFileDataset(entry({ id: 'mnli', format: 'glue', path: path.join(root, 'glue/MNLI') }));
  assert.deepEqual(mnli.splits.test, [{ text: 'matched premise', text2: 'h', label: 1 }]);
  const mm = await loadFileDataset(entry({ id: 'mnli-mm', format: 'glue', path: path.join(root, 'glue/MNLI'), mnli_dev: 'mismatched' }));
  assert.deepEqual(mm.splits.test, [{ text: 'mismatched premise', text2: 'h', label: 2 }]);
  assert.equal(mm.labels!.length, 3);

  write('glue/rte-copy/train.tsv', tsv([['index', 'sentence1', 'sentence2', 'label'], ...sentences.map((s, i) => [`${i}`, s, 'x', i % 2 ? 'entailment' : 'not_entailment'])]));
  const rte = await loadFileDataset(entry({ id: 'rte', format: 'glue', path: path.join(root, 'glue/rte-copy'), glue_task: 'RTE' }));
  assert.deepEqual(rte.labels, ['entailment', 'not_entailment']);
  assert.match(rte.card.splitBy, /test split is 10%/); // no dev, no test: both carved from train
  assert.equal(rte.splits.train.length + rte.splits.dev.length + rte.splits.test.length, 40);
});

test('glue: ragged row, bad label, missing file, empty split, unknown task folder', async () => {
  const dir = path.join(root, 'bad', 'SST-2');
  const train = write('bad/SST-2/train.tsv', tsv([['sentence', 'label'], ['fine', '1'], ['a\ttab inside', '0']]));
  await failure({ id: 'sst-bad', format: 'glue', path: dir }, train, 3, /3 tab-separated fields but the header has 2 \(a ragged row\)/);
  write('bad/SST-2/train.tsv', tsv([['sentence', 'label'], ['fine', '1'], ['not fine', 'positive?']]));
  await failure({ id: 'sst-bad', format: 'glue', path: dir }, train, 3, /the label "positive\?" is not one of the classes 0=negative, 1=positive/);
  fs.rmSync(train);
  await failure({ id: 'sst-bad', format: 'glue', path: dir }, train, null, /the file does not exist/);
  write('bad/SST-2/train.tsv', '');
  await failure({ id: 'sst-bad', format: 'glue', path: dir }, train, null, /empty split/);
  write('bad/SST-2/train.tsv', tsv([['sentence', 'label']]));
  await failure({ id: 'sst-bad', format: 'glue', path: dir }, train, null, /no examples \(an empty split\)/);
  write('bad/SST-2/train.tsv', tsv([['text', 'label'], ['x', '1']]));
  await failure({ id: 'sst-bad', format: 'glue', path: dir }, train, 1, /there is no column "sentence"/);
  write('bad/mystery/train.tsv', tsv([['sentence', 'label'], ['x', '1']]));
  await failure({ id: 'what', format: 'glue', path: path.join(root, 'bad/mystery') }, path.join(root, 'bad/mystery'), null, /is not a GLUE task/);
});

// ---------- Parquet (Hugging Face datasets export) ----------

async function duck(sql: string[]): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  for (const s of sql) await c.run(s);
  c.closeSync();
  db.closeSync();
}
const values = (rows: unknown[][]) => rows.map((r) => `(${r.map((v) => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v))).join(', ')})`).join(', ');

test('parquet: an HF sst2 export (train/validation/test shards, test labels -1) read through DuckDB', async () => {
  const dir = path.join(root, 'hf', 'sst2');
  fs.mkdirSync(dir, { recursive: true });
  const rows = sentences.map((s, i) => [s, i % 2, i]);
  await duck([
    `COPY (SELECT * FROM (VALUES ${values(rows)}) t(sentence, label, idx)) TO '${dir}/train-00000-of-00001.parquet' (FORMAT parquet)`,
    `COPY (SELECT * FROM (VALUES ${values([['it is good', 1, 0], ['it is bad', 0, 1]])}) t(sentence, label, idx)) TO '${dir}/validation-00000-of-00001.parquet' (FORMAT parquet)`,
    `COPY (SELECT * FROM (VALUES ${values([['hidden', -1, 0]])}) t(sentence, label, idx)) TO '${dir}/test-00000-of-00001.parquet' (FORMAT parquet)`,
  ]);
  const d = await loadFileDataset(entry({ id: 'sst2', format: 'parquet', path: dir, task: 'classification', labels: ['negative', 'positive'] }));
  assert.deepEqual(d.splits.test, [{ text: 'it is good', label: 1 }, { text: 'it is bad', label: 0 }]);
  assert.equal(d.splits.train.length + d.splits.dev.length, 40);
  assert.deepEqual(d.metrics, ['accuracy', 'f1', 'mcc']);
  assert.match(d.card.splitBy, /provided test file is missing or has no labels/);

  // Two shards of one split are read as one, in order.
  const sharded = path.join(root, 'hf', 'sharded');
  fs.mkdirSync(sharded, { recursive: true });
  await duck([
    `COPY (SELECT * FROM (VALUES ${values(rows.slice(0, 20))}) t(sentence, label, idx)) TO '${sharded}/train-00000-of-00002.parquet' (FORMAT parquet)`,
    `COPY (SELECT * FROM (VALUES ${values(rows.slice(20))}) t(sentence, label, idx)) TO '${sharded}/train-00001-of-00002.parquet' (FORMAT parquet)`,
  ]);
  const s = await loadFileDataset(entry({ id: 'sharded', format: 'parquet', path: sharded, task: 'classification' }));
  assert.equal(s.splits.train.length + s.splits.dev.length + s.splits.test.length, 40);
  assert.deepEqual(s.labels, ['0', '1']);

  // Multiple choice with a list column.
  const mc = path.join(root, 'hf', 'mc');
  fs.mkdirSync(mc, { recursive: true });
  await duck([`COPY (SELECT 'q' || i AS question, ['a' || i, 'b' || i, 'c' || i] AS choices, (i % 3)::BIGINT AS answer FROM range(30) r(i)) TO '${mc}/train.parquet' (FORMAT parquet)`]);
  const m = await loadFileDataset(entry({ id: 'mc', format: 'parquet', path: mc, task: 'multiple-choice' }));
  const q4 = [...m.splits.train, ...m.splits.dev, ...m.splits.test].find((e) => e.text === 'q4')!;
  assert.deepEqual(q4, { text: 'q4', choices: ['a4', 'b4', 'c4'], label: 1 });
});

test('parquet: missing column, bad label, unreadable file, empty split', async () => {
  const dir = path.join(root, 'hf', 'bad');
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, 'train-00000-of-00001.parquet');
  await duck([`COPY (SELECT * FROM (VALUES ('a', 0), ('b', 1)) t(text, lbl)) TO '${f}' (FORMAT parquet)`]);
  await failure({ id: 'pq', format: 'parquet', path: dir, task: 'classification' }, f, null, /there is no column "label" \(the label\); the columns are "text", "lbl"/);
  await duck([`COPY (SELECT * FROM (VALUES ('a', 0), ('b', 7), ('c', 1)) t(text, label)) TO '${f}' (FORMAT parquet)`]);
  await failure({ id: 'pq', format: 'parquet', path: dir, task: 'classification', labels: ['neg', 'pos'] }, f, 2, /the label "7" is not one of the classes 0=neg, 1=pos/);
  fs.writeFileSync(f, 'this is not parquet');
  await failure({ id: 'pq', format: 'parquet', path: dir, task: 'classification' }, f, null, /not a readable Parquet file/);
  await duck([`COPY (SELECT 'a' AS text, 1 AS label WHERE false) TO '${f}' (FORMAT parquet)`]);
  await failure({ id: 'pq', format: 'parquet', path: dir, task: 'classification' }, f, null, /no examples \(an empty split\)/);
  await failure({ id: 'pq', format: 'parquet', path: path.join(root, 'hf', 'nowhere'), task: 'classification' }, path.join(root, 'hf', 'nowhere'), null, /does not exist/);
});

// ---------- JSONL ----------

test('jsonl: named fields, pair classification with string labels, generation, and a regression file', async () => {
  const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  write('jsonl/nli/train.jsonl', lines(sentences.map((s, i) => ({ premise: s, hypothesis: `h${i}`, label: i % 2 ? 'yes' : 'no' }))));
  write('jsonl/nli/validation.jsonl', lines([{ premise: 'p', hypothesis: 'h', label: 'yes' }]));
  write('jsonl/nli/test.jsonl', '\n' + lines([{ premise: 'tp', hypothesis: 'th', label: 'no' }]));
  const d = await loadFileDataset(entry({ id: 'nli', format: 'jsonl', path: path.join(root, 'jsonl/nli'), task: 'pair-classification' }));
  assert.deepEqual(d.labels, ['no', 'yes']);
  assert.deepEqual(d.splits.dev, [{ text: 'p', text2: 'h', label: 1 }]);
  assert.deepEqual(d.splits.test, [{ text: 'tp', text2: 'th', label: 0 }]);
  assert.equal(d.splits.train.length, 40);
  assert.equal(d.card.splitBy, 'the provided train, dev and test files');

  const gen = write('jsonl/gen.jsonl', lines(sentences.map((s, i) => ({ input: `name[${i}]`, output: s }))));
  const g = await loadFileDataset(entry({ id: 'gen', format: 'jsonl', path: gen, task: 'generation' }));
  assert.equal(g.kind, 'generation');
  const all = [...g.splits.train, ...g.splits.dev, ...g.splits.test];
  assert.deepEqual(all.find((e) => e.text === 'name[3]'), { text: 'name[3]', target: sentences[3], label: 0 });

  const reg = write('jsonl/reg.jsonl', lines(sentences.map((s, i) => ({ text: s, y: i * 0.5 }))));
  const r = await loadFileDataset(entry({ id: 'reg', format: 'jsonl', path: reg, task: 'regression', label: 'y' }));
  assert.deepEqual(r.metrics, ['pearson', 'spearman']);
});

test('jsonl: bad JSON line, missing field on one line, non-numeric regression label, unreadable, empty', async () => {
  const f = write('jsonl/bad/train.jsonl', '{"text": "a", "label": 0}\n{"text": "b", "label": 1\n');
  const e = { id: 'jl', format: 'jsonl', path: path.join(root, 'jsonl/bad'), task: 'classification' };
  await failure(e, f, 2, /the line is not valid JSON/);
  write('jsonl/bad/train.jsonl', '{"text": "a", "label": 0}\n\n{"label": 1}\n');
  await failure(e, f, 3, /column "text" has no value/);
  write('jsonl/bad/train.jsonl', '{"text": "a", "label": 0.5}\n{"text": "b", "label": "high"}\n');
  await failure({ ...e, task: 'regression' }, f, 2, /the label "high" \(column "label"\) is not a number/);
  write('jsonl/bad/train.jsonl', '\n\n');
  await failure(e, f, null, /no examples \(an empty split\)/);
  fs.rmSync(f);
  fs.mkdirSync(f); // a folder where the file should be
  await failure({ ...e, path: f }, f, null, /it is a folder|no training file/);
});

// ---------- CSV ----------

test('csv: BOM, quoted multi-line fields, named columns, explicit files, TSV by extension', async () => {
  const header = '\ufefftext,sentiment\n';
  const body = sentences.map((s, i) => `"${s.replace(/"/g, '""')}${i === 5 ? '\nsecond line' : ''}",${i % 2 ? 'pos' : 'neg'}`).join('\n');
  write('csv/reviews.csv', header + body + '\n');
  write('csv/held.csv', 'text,sentiment\n"a, b",pos\n');
  const d = await loadFileDataset(entry({ id: 'rev', format: 'csv', path: path.join(root, 'csv'), files: { train: 'reviews.csv', test: 'held.csv' }, task: 'classification', label: 'sentiment', labels: ['neg', 'pos'] }));
  assert.deepEqual(d.splits.test, [{ text: 'a, b', label: 1 }]);
  const all = [...d.splits.train, ...d.splits.dev];
  assert.ok(all.some((e) => e.text === `${sentences[5]}\nsecond line` && e.label === 1));
  assert.ok(all.some((e) => e.text === sentences[2]), 'doubled quotes are unescaped');

  write('csv/tsv/train.tsv', 'text\tlabel\n' + sentences.map((s, i) => `${s}\t${i % 2}`).join('\n'));
  const t = await loadFileDataset(entry({ id: 'tsv', format: 'csv', path: path.join(root, 'csv/tsv'), task: 'classification' }));
  assert.equal(t.splits.train.length + t.splits.dev.length + t.splits.test.length, 40);
});

test('csv: ragged row, unclosed quote, missing column, bad label, unreadable, empty split', async () => {
  const f = write('csv/bad/train.csv', 'text,label\n"ok",1\n"two",0,extra\n');
  const e = { id: 'cb', format: 'csv', path: path.join(root, 'csv/bad'), task: 'classification' };
  await failure(e, f, 3, /a ragged row/);
  write('csv/bad/train.csv', 'text,label\n"ok",1\n"never closed,0\n');
  await failure(e, f, null, /quoted field is never closed/);
  write('csv/bad/train.csv', 'sentence,label\nok,1\n');
  await failure({ ...e, text: 'review' }, f, 1, /there is no column "review" \(the text\); the columns are "sentence", "label"/);
  write('csv/bad/train.csv', 'text,label\nok,1\nfine,0\nhm,\n');
  await failure(e, f, 4, /the label \(column "label"\) is empty/);
  write('csv/bad/train.csv', 'text,label\n');
  await failure(e, f, null, /no examples \(an empty split\)/);
  write('csv/bad/train.csv', '');
  await failure(e, f, 1, /no header row/);
  fs.chmodSync(f, 0o000);
  if (process.getuid?.() !== 0) await failure(e, f, null, /permission denied/); // root reads anything
  fs.chmodSync(f, 0o644);
  await failure({ ...e, path: path.join(root, 'csv/none.csv') }, path.join(root, 'csv/none.csv'), null, /does not exist/);
});

test('schema: a non-GLUE entry needs a task; unknown fields are rejected', () => {
  assert.equal(fileDatasetSchema.safeParse({ id: 'x', format: 'csv', path: 'a.csv' }).success, false);
  assert.equal(fileDatasetSchema.safeParse({ id: 'x', format: 'glue', path: 'CoLA' }).success, true);
  assert.equal(fileDatasetSchema.safeParse({ id: 'x', format: 'glue', path: 'CoLA', colour: 1 }).success, false);
});
