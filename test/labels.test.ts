// Labels checked against the task: a stray string, a fraction or a list among integer labels, and a label of 1e9, are
// each one sentence naming the file, the line and the value (they used to invent a class, or a billion of them).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { classNames, type RawSplit } from '../datasets/files/rows.js';

const split = (labels: unknown[]): RawSplit => ({ file: 'train.csv', columns: ['text', 'label'], headerLine: 1, rows: labels.map((label, i) => ({ line: i + 2, values: { text: `t${i}`, label } })) });

it('refuses odd labels among integer labels, naming file, line and value', () => {
  const fields = { text: 'text', label: 'label' };
  assert.throws(() => classNames(split([0, 1, 'abc', 1]), fields), /^Error: train\.csv, line 4: the label "abc" \(column "label"\) is not an integer class index/);
  assert.throws(() => classNames(split(['0', '1', '0.5']), fields), /train\.csv, line 4: the label "0\.5"/);
  assert.throws(() => classNames(split([0, 1, [1, 2]]), fields), /train\.csv, line 4: the label \[1,2\]/);
  assert.throws(() => classNames(split([0, 1, 1e9]), fields), /train\.csv, line 4: the label 1000000000 would make 1000000001 classes/);
  assert.deepEqual(classNames(split(['pos', 'neg']), fields), ['neg', 'pos']);
  assert.deepEqual(classNames(split([0, 2, 1]), fields), ['0', '1', '2']);
});
