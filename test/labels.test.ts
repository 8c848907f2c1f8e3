// Labels checked against the task: a stray string, a fraction or a list among integer labels, a label of 1e9, labels that
// are all fractions or lists, and a label outside the declared (or learnt) classes are each one sentence naming the file,
// the line and the value (they used to invent a class, or a billion of them).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { classNames, toExamples, type RawSplit } from '../datasets/files/rows.js';

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

it('refuses fractional, list and object labels for classification even when every label is one (no class per value)', () => {
  const fields = { text: 'text', label: 'label' };
  assert.throws(() => classNames(split([0.5, 1.5, 0.5]), fields), /^Error: train\.csv, line 2: the label "0\.5" is a fraction \(column "label"\); classification labels are class indices 0, 1, 2, \.\.\. or names \(a numeric target is task: regression\)$/);
  assert.throws(() => classNames(split(['0.25', '0.75']), fields), /train\.csv, line 2: the label "0\.25" is a fraction/);
  assert.throws(() => classNames(split([[1], [0]]), fields), /train\.csv, line 2: the label \[1\] is a list/);
  assert.throws(() => classNames(split(['pos', { text: 'neg' }]), fields), /train\.csv, line 3: the label \{"text":"neg"\} is an object/);
  assert.throws(() => classNames({ ...split(['a', 'b', '2.5']), file: 'train.parquet', unit: 'row' }, fields), /^Error: train\.parquet, row 4: the label "2\.5" is a fraction/);
  // "1.0" is the integer 1 as pandas writes an integer column with a gap: the same class, not a new one.
  assert.deepEqual(classNames(split(['0', '1', '1.0']), fields), ['0', '1']);
});

it('a label outside the declared classes is an error naming file, line and value, never a new class', () => {
  const fields = { text: 'text', label: 'label', labels: ['neg', 'pos'] };
  const names = classNames(split(['neg']), fields);
  assert.deepEqual(names, ['neg', 'pos']);
  assert.throws(() => toExamples(split(['neg', 'pos', 'neutral']), 'classification', fields, names), /^Error: train\.csv, line 4: the label "neutral" is not one of the classes 0=neg, 1=pos$/);
  assert.throws(() => toExamples(split(['neg', 2]), 'classification', fields, names), /train\.csv, line 3: the label "2" is not one of the classes 0=neg, 1=pos/);
  assert.throws(() => toExamples(split(['pos', -1]), 'classification', fields, names), /train\.csv, line 3: the label "-1" is not one of the classes/);
  // Learnt classes: a dev label the training file never had is refused the same way.
  const learnt = classNames(split(['b', 'a']), { text: 'text', label: 'label' });
  assert.throws(() => toExamples({ ...split(['a', 'c']), file: 'dev.csv' }, 'classification', { text: 'text', label: 'label' }, learnt), /^Error: dev\.csv, line 3: the label "c" is not one of the classes 0=a, 1=b$/);
  assert.deepEqual(toExamples(split(['pos', 0, '1.0']), 'classification', fields, names).map((e) => e.label), [1, 0, 1]);
});

it('a regression label that is a list or a stray string is an error naming file, line and value', () => {
  const fields = { text: 'text', label: 'label' };
  assert.throws(() => toExamples(split([0.5, [1, 2]]), 'regression', fields, undefined), /^Error: train\.csv, line 3: the label \[1,2\] \(column "label"\) is not a number$/);
  assert.throws(() => toExamples(split(['0.5', '2', 'high']), 'regression', fields, undefined), /^Error: train\.csv, line 4: the label "high" \(column "label"\) is not a number$/);
  assert.deepEqual(toExamples(split(['0.5', 2]), 'regression', fields, undefined).map((e) => e.label), [0.5, 2]);
});
