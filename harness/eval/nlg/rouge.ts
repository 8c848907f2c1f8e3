// ROUGE-L with several references per output, as the COCO caption evaluation (used by e2e-metrics) computes it.
import { cocoTokens, lcsLength } from './tokenize.js';

/** β of the F-measure: the COCO scorer weighs recall 1.2 times precision. */
const BETA = 1.2;

/**
 * ROUGE-L (Lin 2004) per output: P = max over references of LCS/|out|, R = max over references of LCS/|ref|
 * (each maximised on its own, as pycocoevalcap does), F = (1 + β²)PR / (R + β²P), 0 when P or R is 0; averaged over
 * outputs. On the 0-1 scale.
 */
export function e2eRougeL(outputs: string[], refs: string[][]): number {
  if (outputs.length === 0) return 0;
  let sum = 0;
  outputs.forEach((o, i) => {
    const hyp = cocoTokens(o);
    let p = 0, r = 0;
    for (const ref of refs[i].map(cocoTokens)) {
      const l = lcsLength(ref, hyp);
      p = Math.max(p, hyp.length ? l / hyp.length : 0);
      r = Math.max(r, ref.length ? l / ref.length : 0);
    }
    if (p > 0 && r > 0) sum += ((1 + BETA ** 2) * p * r) / (r + BETA ** 2 * p);
  });
  return sum / outputs.length;
}
