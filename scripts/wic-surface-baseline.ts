// `npx tsx scripts/wic-surface-baseline.ts`: how far surface cues alone go on the two WiC tasks. A logistic regression
// on hashed pairs (the target's form, previous and next word) × (the definition's first word, first two words), 10
// epochs of SGD on train, accuracy on test. wordnet-wic (senses across parts of speech) is learnable this way;
// wordnet-wic-sense (within one part of speech) is not, as SuperGLUE's WiC is not from surface cues.
import { loadWordnetWicBuild } from '../datasets/tasks/wordnet-wic.js';
import type { Example } from '../datasets/types.js';

const DIM = 1 << 18;

function hash(s: string): number {
  let x = 2166136261; // FNV-1a
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619);
  return (x >>> 0) % DIM;
}

const words = (s: string) => s.toLowerCase().split(/[^a-z()']+/).filter(Boolean);

function features(e: Example): number[] {
  const word = e.text.slice(0, e.text.indexOf(':')).toLowerCase();
  const ctx = words(e.text.slice(e.text.indexOf(':') + 1));
  const i = ctx.findIndex((t) => t.startsWith(word));
  const use = [`form:${i < 0 ? '?' : ctx[i].slice(word.length) || '='}`, `prev:${ctx[i - 1] ?? '^'}`, `next:${ctx[i + 1] ?? '$'}`];
  const d = words(e.text2 ?? '');
  const gloss = [d[0] ?? '', `${d[0] ?? ''} ${d[1] ?? ''}`];
  return use.flatMap((u) => gloss.map((g) => hash(`${u}|${g}`)));
}

function accuracy(train: Example[], test: Example[]): number {
  const w = new Float32Array(DIM);
  let bias = 0;
  const logit = (f: number[]) => f.reduce((z, j) => z + w[j], bias);
  const rows = train.map((e) => ({ f: features(e), y: e.label }));
  for (let epoch = 0; epoch < 10; epoch++) {
    for (const { f, y } of rows) {
      const g = 1 / (1 + Math.exp(-logit(f))) - y;
      for (const j of f) w[j] -= 0.1 * g;
      bias -= 0.1 * g;
    }
  }
  return test.filter((e) => (logit(features(e)) > 0 ? 1 : 0) === e.label).length / test.length;
}

for (const negatives of ['pos', 'sense'] as const) {
  const { splits } = await loadWordnetWicBuild(negatives);
  const acc = accuracy(splits.train, splits.test);
  console.log(`${negatives === 'pos' ? 'wordnet-wic' : 'wordnet-wic-sense'}: test accuracy ${(100 * acc).toFixed(1)}% of ${splits.test.length}`);
}
