// The terminal dashboard: fed the sweep's own events, its frames show progress with ETA, the current trial, finished rows, failures and stopping.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { render, cleanup } from 'ink-testing-library';
import { bindDashboard, FINISHED_ROWS } from '../cli/dashboard/Dashboard.js';
import { createDashboardStore, etaSeconds, reduce, initialState, sparkline, sweepEvents } from '../cli/dashboard/state.js';
import type { PlannedTrial } from '../harness/sweep/plan.js';
import { trial as record } from '../harness/store/testing.js';
import { techniques } from '../techniques/index.js';
import { metricRow } from '../harness/eval/rows.js';

const lora = techniques.get('lora');
const planned = (i: number, over: Partial<PlannedTrial> = {}): PlannedTrial => ({
  index: i, model: 'enc-tiny', dataset: 'spam', technique: lora, config: {}, label: `lora-r${i}`, lr: 1e-3, seed: i,
  budget: { steps: 10 } as PlannedTrial['budget'], ...over,
});

/** A store on a hand-driven clock, its events, and the rendered dashboard. */
function setup() {
  let now = 1_000_000;
  const store = createDashboardStore(() => now);
  const ev = sweepEvents(store);
  const ui = bindDashboard(store, 'ftbench run --suite s.yaml --db r.duckdb', render);
  const frame = () => ui.lastFrame() ?? '';
  return { ev, store, frame, tick: (s: number) => (now += s * 1000) };
}

afterEach(cleanup);

describe('dashboard', () => {
  it('shows sweep progress with ETA, the current trial with loss sparkline and tokens/s, and finished rows', () => {
    const { ev, frame, tick } = setup();
    const plan = [0, 1, 2, 3].map((i) => planned(i));
    ev.planned!(plan, 1);
    assert.match(frame(), /0\/3 trials/);
    assert.match(frame(), /1 of 4 planned trials already in the database/);

    ev.trialStart!(plan[1]);
    for (let s = 1; s <= 10; s++) {
      tick(1);
      ev.step!(plan[1], { step: s, total: 10, loss: 2 / s, lr: 1e-3, tokensPerS: 1234.4 });
      if (s === 5) {
        const f = frame();
        assert.match(f, /lora-r1 \(lora\) on enc-tiny\/spam seed 1/);
        assert.match(f, /step 5\/10/);
        assert.match(f, /loss 0\.400/);
        assert.match(f, /1,234 tok\/s/);
        assert.ok(f.includes(sparkline([2, 1, 2 / 3, 0.5, 0.4])), 'loss sparkline');
        assert.match(f, /16%/); // half of one trial out of three
        assert.match(f, /ETA 25s/); // 5 s for 1/6 of the work
      }
    }
    ev.trialEnd!(plan[1], record({ metrics: [metricRow('test', 10, 'accuracy', 0.8125, 'primary')] }));
    const f = frame();
    assert.match(f, /1\/3 trials/);
    assert.match(f, /Finished \(1\)/);
    assert.match(f, /lora-r1\s+enc-tiny\s+spam\s+1\s+accuracy 0\.813\s+10s\s+ok/);
    assert.doesNotMatch(f, /step 10\/10/, 'the finished trial is no longer current');
  });

  it('shows a failure in place with its reason, and pretraining progress while a base is pretrained', () => {
    const { ev, frame } = setup();
    ev.pretraining!('dec-tiny', { step: 40, total: 400, loss: 5.25 });
    assert.match(frame(), /Pretraining base dec-tiny.*step 40\/400.*loss 5\.250/);
    ev.pretraining!('dec-tiny', { step: 400, total: 400, loss: 3 });
    assert.doesNotMatch(frame(), /Pretraining/);
    const plan = [planned(0), planned(1, { label: 'dora' })];
    ev.planned!(plan, 0);
    ev.trialStart!(plan[0]);
    ev.trialEnd!(plan[0], record({ status: 'failed', error: 'loss became NaN at step 3', metrics: [] }));
    ev.trialStart!(plan[1]);
    const f = frame().replace(/\s+/g, ' '); // the reason may wrap at the terminal's width
    assert.match(f, /lora-r0 enc-tiny spam 0 — 0s failed: loss became NaN at step 3/);
    assert.match(f, /dora \(lora\) on enc-tiny\/spam seed 1/);
  });

  it('says it is stopping and, once stopped, how to resume', () => {
    const { ev, store, frame } = setup();
    ev.planned!([planned(0), planned(1)], 0);
    assert.match(frame(), /Ctrl-C stops after the trial in flight is stored/);
    store.dispatch({ type: 'stopping' });
    assert.match(frame(), /Stopping after the trial in flight is stored/);
    store.dispatch({ type: 'done', stopped: true, ran: 1, failed: 0 });
    assert.match(frame(), /Stopped after storing 1 trials\. Resume with: ftbench run --suite s\.yaml --db r\.duckdb/);
  });

  it(`keeps the last ${FINISHED_ROWS} finished rows and counts the earlier ones`, () => {
    const { ev, frame } = setup();
    const plan = Array.from({ length: FINISHED_ROWS + 3 }, (_, i) => planned(i));
    ev.planned!(plan, 0);
    for (const t of plan) {
      ev.trialStart!(t);
      ev.trialEnd!(t, record());
    }
    const f = frame();
    assert.match(f, /… 3 earlier/);
    assert.doesNotMatch(f, /lora-r2 /);
    assert.match(f, new RegExp(`lora-r${FINISHED_ROWS + 2} `));
    assert.match(f, /100%/);
  });
});

describe('dashboard state', () => {
  it('has no ETA before any progress, and a sparkline spans its range', () => {
    const s = reduce(initialState(0), { type: 'planned', planned: 2, alreadyDone: 0 }, 0);
    assert.equal(etaSeconds(s), null);
    assert.equal(sparkline([1, 0.5, 0, NaN]), '█▅▁·');
  });
});
