// Plain line output for runs off a terminal (CI, pipes, --plain): one line per event.
import type { SweepEvents } from '../harness/sweep/run.js';

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export function plainEvents(log: (line: string) => void = (l) => console.log(l)): SweepEvents {
  let total = 0;
  let n = 0;
  return {
    planned(trials, done) {
      total = trials.length - done;
      log(`plan: ${trials.length} trials, ${done} already in the database, ${total} to run`);
    },
    pretraining(model, p) {
      if (p.step === 1 || p.step % 50 === 0 || p.step === p.total) log(`pretrain ${model}: step ${p.step}/${p.total} loss ${fmt(p.loss)}`);
    },
    trialStart(t) {
      n++;
      log(`[${n}/${total}] ${t.label} on ${t.model}/${t.dataset} seed ${t.seed}: training ${t.budget.steps} steps at lr ${t.lr}`);
    },
    step(t, r) {
      const every = Math.max(1, Math.round(r.total / 5));
      if (r.step % every === 0) log(`  step ${r.step}/${r.total} loss ${fmt(r.loss)} ${Math.round(r.tokensPerS)} tok/s`);
    },
    trialEnd(t, r) {
      const primary = r.metrics.find((m) => m.split === 'test' && m.role === 'primary');
      const score = primary ? `${primary.name} ${fmt(primary.value)}` : '';
      log(`  ${r.status}${r.error ? `: ${r.error}` : ''} ${score} trainable ${r.trainableParams} of ${r.totalParams} (${Math.round(r.msPerStep)} ms/step)`);
    },
  };
}
