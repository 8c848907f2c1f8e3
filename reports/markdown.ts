// The collated tables as GitHub-flavoured Markdown, for pasting into papers and READMEs.
import { scoreText } from './cells.js';
import { formatBytes, formatCount, formatPct, formatRate } from './format.js';
import type { RunRow } from './load.js';
import { formatScore, metricLabel } from './metrics.js';
import type { ModelTable } from './tables.js';

export function renderMarkdown(runs: RunRow[], tables: ModelTable[]): string {
  const out: string[] = ['# ftbench results', ''];
  for (const r of runs) {
    const end = r.status === 'interrupted' ? ' (interrupted: the process was killed or crashed)' : r.status === 'stopped' ? ` (stopped${r.stopReason ? `: ${r.stopReason}` : ''})` : '';
    out.push(`- run \`${r.runId}\`${end}: ${r.startedAt.toISOString()}, suite ${r.suite}, commit ${r.gitCommit ?? '—'}, backend ${r.backend} (${r.kernelPack}, BLAS ${r.blas ?? '—'}, ${r.threads} threads), ${r.host} (${r.cpu})`);
  }
  for (const t of tables) {
    out.push('', `## ${t.model}`, '');
    const head = ['Category', 'Technique', ...t.columns.map((c) => `${c.dataset} ${metricLabel(c.metric, c.higherIsBetter)}`), ...(t.hasAverage ? ['Avg'] : []), 'Trainable', 'Backbone %', 'Peak memory', 'Tokens/s'];
    out.push(row(head), row(head.map((_, i) => (i < 2 ? '---' : '---:'))));
    for (const g of t.groups) {
      for (const r of g.rows) {
        const bold = (s: string, best?: boolean) => (best ? `**${s}**` : s);
        const cells = t.columns.map((c) => bold(scoreText(c.metric, r.cells[c.dataset]), r.cells[c.dataset]?.best));
        if (t.hasAverage) cells.push(bold(scoreText(t.columns[0]!.metric, r.average), r.average?.best));
        out.push(row([g.category, r.technique, ...cells, formatCount(r.trainableParams), formatPct(r.backbonePct), formatBytes(r.peakBytes), formatRate(r.tokensPerS)]));
      }
    }
    for (const b of t.baselines) {
      out.push(row(['', b.name === 'accuracy' ? '_majority baseline_' : `_baseline (${b.name})_`, ...t.columns.map((c) => formatScore(c.metric, b.cells[c.dataset])), ...(t.hasAverage ? [''] : []), '', '', '', '']));
    }
  }
  out.push('', 'Mean ± std over seeds; **bold** is the best in its column; percent metrics ×100.', '');
  return out.join('\n');
}

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}
