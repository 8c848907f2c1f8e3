// The terminal dashboard of `ftbench run`: sweep progress with ETA, the trial in flight, finished trials, pretraining.
import React, { type ReactElement } from 'react';
import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import {
  etaSeconds, formatDuration, progress, sparkline,
  type CurrentTrial, type DashboardState, type DashboardStore, type FinishedTrial,
} from './state.js';

/** Finished rows shown; older ones collapse into a count. */
export const FINISHED_ROWS = 12;

function Bar({ fraction, width = 30 }: { fraction: number; width?: number }) {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return (
    <Text>
      <Text color="green">{'█'.repeat(full)}</Text>
      <Text dimColor>{'░'.repeat(width - full)}</Text>
    </Text>
  );
}

const num = (x: number | null, d = 3) => (x == null ? '—' : Number.isFinite(x) ? x.toFixed(d) : String(x));

function SweepProgress({ s }: { s: DashboardState }) {
  const f = progress(s);
  const eta = etaSeconds(s);
  const elapsed = s.startedAt ? formatDuration((s.now - s.startedAt) / 1000) : null;
  return (
    <Box flexDirection="column">
      <Box gap={1}>
        <Text bold>Sweep</Text>
        <Bar fraction={f} />
        <Text>{`${Math.floor(f * 100)}%`}</Text>
        <Text>{`${s.finished.length}/${s.toRun} trials`}</Text>
        {elapsed && <Text dimColor>{`elapsed ${elapsed}`}</Text>}
        {eta != null && <Text>{`ETA ${formatDuration(eta)}`}</Text>}
      </Box>
      {s.alreadyDone > 0 && <Text dimColor>{`${s.alreadyDone} of ${s.planned} planned trials already in the database, skipped`}</Text>}
    </Box>
  );
}

function Pretraining({ p }: { p: NonNullable<DashboardState['pretraining']> }) {
  return (
    <Box gap={1}>
      <Text color="yellow"><Spinner type="dots" /></Text>
      <Text bold>{`Pretraining base ${p.model}`}</Text>
      <Bar fraction={p.step / p.total} width={20} />
      <Text>{`step ${p.step}/${p.total}`}</Text>
      <Text>{`loss ${num(p.loss)}`}</Text>
    </Box>
  );
}

function Current({ c }: { c: CurrentTrial }) {
  return (
    <Box flexDirection="column">
      <Box gap={1}>
        <Text color="cyan"><Spinner type="dots" /></Text>
        <Text bold>{c.label}</Text>
        {c.label !== c.technique && <Text dimColor>{`(${c.technique})`}</Text>}
        <Text>{`on ${c.model}/${c.dataset} seed ${c.seed}`}</Text>
      </Box>
      <Box gap={1} marginLeft={2}>
        <Text>{`step ${c.step}/${c.total}`}</Text>
        <Bar fraction={c.total > 0 ? c.step / c.total : 0} width={20} />
        <Text>{`loss ${num(c.loss)}`}</Text>
        <Text color="magenta">{sparkline(c.losses)}</Text>
        <Text>{c.tokensPerS == null ? '' : `${Math.round(c.tokensPerS).toLocaleString('en-US')} tok/s`}</Text>
      </Box>
    </Box>
  );
}

const COLS = [['technique', 18], ['model', 14], ['dataset', 14], ['seed', 5], ['score', 22], ['time', 7]] as const;
const cell = (v: string, w: number) => (v.length > w - 1 ? `${v.slice(0, w - 2)}… ` : v.padEnd(w));

function Finished({ rows }: { rows: FinishedTrial[] }) {
  const shown = rows.slice(-FINISHED_ROWS);
  return (
    <Box flexDirection="column">
      <Text bold>{`Finished (${rows.length})`}</Text>
      <Text dimColor>{`  ${COLS.map(([h, w]) => cell(h, w)).join('')}status`}</Text>
      {rows.length > shown.length && <Text dimColor>{`  … ${rows.length - shown.length} earlier`}</Text>}
      {shown.map((r, i) => {
        const score = r.metric ? `${r.metric} ${num(r.value)}` : '—';
        const vals = [r.label, r.model, r.dataset, String(r.seed), score, formatDuration(r.seconds)];
        const color = r.status === 'ok' ? 'green' : r.status === 'failed' ? 'red' : 'yellow';
        return (
          <Text key={i}>
            {`  ${vals.map((v, j) => cell(v, COLS[j][1])).join('')}`}
            <Text color={color}>{r.status}</Text>
            {r.error && <Text color={color}>{`: ${r.error}`}</Text>}
          </Text>
        );
      })}
    </Box>
  );
}

function Footer({ s, resume }: { s: DashboardState; resume: string }) {
  if (s.done?.stopped) return <Text color="yellow">{`Stopped after storing ${s.done.ran} trials${s.done.reason ? ` (${s.done.reason})` : ''}. Resume with: ${resume}${s.done.reason ? ' --retry-failed' : ''}`}</Text>;
  if (s.done) return <Text color="green">{`Done: ${s.done.ran} trials run, ${s.done.failed} failed.`}</Text>;
  if (s.stopping) return <Text color="yellow">{`Stopping after the trial in flight is stored (Ctrl-C again quits now). Resume later with: ${resume}`}</Text>;
  return <Text dimColor>Ctrl-C stops after the trial in flight is stored.</Text>;
}

export function DashboardView({ state, resume }: { state: DashboardState; resume: string }) {
  return (
    <Box flexDirection="column" gap={1}>
      <SweepProgress s={state} />
      {state.pretraining && <Pretraining p={state.pretraining} />}
      {state.current && <Current c={state.current} />}
      {state.finished.length > 0 && <Finished rows={state.finished} />}
      <Footer s={state} resume={resume} />
    </Box>
  );
}

/**
 * Renders the store's state with `render` (Ink's, or ink-testing-library's) and re-renders on every dispatched event.
 * Driven from outside React on purpose: Ink's rerender commits synchronously, so a frame always matches the last event.
 */
export function bindDashboard<I extends { rerender(tree: ReactElement): void }>(
  store: DashboardStore,
  resume: string,
  render: (tree: ReactElement) => I,
): I {
  const view = () => <DashboardView state={store.getState()} resume={resume} />;
  const instance = render(view());
  store.subscribe(() => instance.rerender(view()));
  return instance;
}
