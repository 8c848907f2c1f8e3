// The E2E NLG and LLM-Adapters commonsense layouts as file datasets: examples, grouped references, the prompt, and
// one sentence naming the file for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileDatasetSchema, loadFileDataset } from '../datasets/files/index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-tblload-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

test('E2E: one training example per row, evaluation grouped by meaning representation with every reference', async () => {
  write('e2e/trainset.csv', 'mr,ref\n"name[Eagle], eatType[pub]","The Eagle is a pub."\n"name[Eagle], eatType[pub]","Eagle is a pub."\n"name[Cotto], food[Italian]","Cotto serves Italian food."\n');
  write('e2e/devset.csv', 'mr,ref\n"name[Mill], area[riverside]","The Mill is by the river."\n');
  write('e2e/testset_w_refs.csv', 'mr,ref\n"name[Eagle], eatType[pub]","The Eagle is a pub."\n"name[Eagle], eatType[pub]","A pub: The Eagle."\n"name[Cotto], food[Italian]","Cotto has Italian food."\n');
  const d = await loadFileDataset(fileDatasetSchema.parse({ id: 'e2e', format: 'e2e', path: path.join(root, 'e2e') }));
  assert.equal(d.kind, 'generation');
  assert.deepEqual(d.metrics, ['e2e-bleu', 'nist', 'meteor', 'e2e-rouge-l', 'cider']);
  assert.equal(d.splits.train.length, 3);
  assert.equal(d.splits.test.length, 2);
  assert.deepEqual(d.splits.test[0]!.references, ['The Eagle is a pub.', 'A pub: The Eagle.']);
  assert.equal(d.splits.test[0]!.text, 'name[Eagle], eatType[pub]');

  write('e2e-bad/trainset.csv', 'meaning,text\na,b\n');
  await assert.rejects(loadFileDataset(fileDatasetSchema.parse({ id: 'bad', format: 'e2e', path: path.join(root, 'e2e-bad') })),
    /^Error: Dataset "bad": .*trainset\.csv, line 1: there is no column "mr"; E2E files have the columns "mr" and "ref"/);
});

test('commonsense: trained on the output after the LLM-Adapters prompt, tested on the answer; errors name the record', async () => {
  const rec = (i: number, answer: string) => ({ instruction: `Please answer the following question with true or false. Question ${i}?\n\nAnswer format: true/false`, input: '', output: `the correct answer is ${answer}`, answer });
  write('la/ft-training_set/commonsense_170k.json', JSON.stringify(Array.from({ length: 20 }, (_, i) => rec(i, i % 2 ? 'true' : 'false'))));
  write('la/dataset/boolq/test.json', JSON.stringify([rec(100, 'true'), rec(101, 'false')]));
  const d = await loadFileDataset(fileDatasetSchema.parse({ id: 'boolq', format: 'commonsense', path: path.join(root, 'la'), commonsense_task: 'boolq' }));
  assert.deepEqual(d.metrics, ['choice-em']);
  assert.equal(d.splits.test.length, 2);
  assert.equal(d.splits.test[0]!.target, 'true');
  assert.match(d.splits.test[0]!.text, /^Below is an instruction that describes a task\. Write a response that appropriately completes the request\. {2}\n\n### Instruction:\nPlease answer .*\n\n### Response:\n$/s);
  assert.equal(d.splits.train.length + d.splits.dev.length, 20);
  assert.match(d.splits.train[0]!.target!, /^the correct answer is (true|false)$/);

  assert.throws(() => fileDatasetSchema.parse({ id: 'x', format: 'commonsense', path: root }), /commonsense_task/);
  write('la/dataset/piqa/test.json', JSON.stringify([{ instruction: 'q', input: '', output: 'x' }]));
  await assert.rejects(loadFileDataset(fileDatasetSchema.parse({ id: 'piqa', format: 'commonsense', path: path.join(root, 'la'), commonsense_task: 'piqa' })),
    /Dataset "piqa": .*piqa\/test\.json: record 1 has no "answer" text\./);
  await assert.rejects(loadFileDataset(fileDatasetSchema.parse({ id: 'q', format: 'commonsense', path: path.join(root, 'la'), commonsense_task: 'quiz' })),
    /"quiz" is not one of the 8 commonsense tasks/);
});
