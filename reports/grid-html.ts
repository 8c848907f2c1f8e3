// The table run's page: the paper-layout grid (ours ± std, paper, Δ per cell; τ per column), self-contained HTML.
import type { Table } from '../harness/sweep/table.js';
import type { Grid, GridCell } from './grid.js';
import { esc } from './html.js';

const fmt = (x: number, d = 1) => (Math.abs(x) >= 100 || Number.isInteger(x) ? x.toFixed(d) : x.toFixed(Math.abs(x) < 10 ? Math.max(d, 2) : d));
const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${fmt(Math.abs(x))}`;

function cell(c: GridCell | undefined, col: string): string {
  if (!c) return '<td></td>';
  const paper = c.paper === null ? '<span class="paper none">paper: —</span>' : `<span class="paper">paper ${fmt(c.paper)}</span>`;
  if (c.state !== 'ok') {
    const why = c.why ? ` title="${esc(c.why)}"` : '';
    return `<td class="cell ${c.state === 'failed' ? 'failed' : 'not-run'}" data-col="${esc(col)}"${why}><span class="ours">${c.state}</span>${paper}</td>`;
  }
  const ours = `${fmt(c.mean!)}${c.std !== null ? ` ± ${fmt(c.std)}` : ''}`;
  const delta = c.delta === null ? '' : `<span class="delta ${c.delta >= 0 ? 'up' : 'down'}">Δ ${signed(c.delta)}</span>`;
  return `<td class="cell ok" data-col="${esc(col)}"><span class="ours">${ours}</span>${paper}${delta}</td>`;
}

export function renderGridPage(t: Table, g: Grid, meta: { generatedAt: Date; runs: { runId: string; backend: string; startedAt: Date }[] }): string {
  const head = `<tr><th>Method</th>${g.columns.map((c) => `<th>${esc(c.column)}<br><small>${esc(c.metric)}</small></th>`).join('')}</tr>`;
  const body = g.rows
    .map((r) => `<tr class="${r.run ? 'ran' : 'paper-only'}"><th scope="row">${esc(r.row)}${r.run ? '' : ' <small>(paper only)</small>'}</th>${g.columns.map((c) => cell(r.cells[c.column], c.column)).join('')}</tr>`)
    .join('\n');
  const tauRow = `<tr class="tau"><th scope="row">Kendall τ <small>(rows with both; 95% CI over seeds)</small></th>${g.columns
    .map((c) => (c.tau ? `<td class="tau-cell" data-col="${esc(c.column)}">τ = ${c.tau.tau.toFixed(2)} <small>[${c.tau.lo.toFixed(2)}, ${c.tau.hi.toFixed(2)}] · ${c.tau.rows} rows</small></td>` : `<td class="tau-cell none" data-col="${esc(c.column)}">— <small>(fewer than 2 rows with both, or our values all tie: τ undefined)</small></td>`))
    .join('')}</tr>`;
  const scaleNote = g.scale < 1
    ? `<p class="scale"><strong>Smoke run at scale ${g.scale}</strong>: ${g.scale} of the training and evaluation examples and of the epochs; the numbers test the pipeline, not the paper.</p>`
    : '<p class="scale">Full budget (scale 1).</p>';
  const specRows = t.rows.map((r) => `<li><b>${esc(r.row)}</b>: ${esc(typeof r.technique === 'string' ? r.technique : `${r.technique.id} ${JSON.stringify(r.technique.config)}`)}${r.lr !== undefined ? `, lr ${esc(typeof r.lr === 'number' ? String(r.lr) : JSON.stringify(r.lr))}` : ''}${r.source ? ` <small>(${esc(r.source)})</small>` : ''}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.title)} — ftbench</title><style>${CSS}</style></head>
<body>
<h1>${esc(t.title)}</h1>
<p class="sub">${esc(t.source.paper)}, ${esc(t.source.table)} — <a href="${esc(t.source.url)}">${esc(t.source.url)}</a>. Hyper-parameters: ${esc(t.source.hyperparameters)}.</p>
${scaleNote}
<div class="scroll"><table class="grid" id="grid">
<thead>${head}</thead>
<tbody>
${body}
</tbody>
<tfoot>${tauRow}</tfoot>
</table></div>
<p class="legend">Each cell: our mean ± std over seeds ${esc(g.seeds.join(', '))} in the paper's units, the paper's number, and Δ = ours − paper. <em>not run</em>: no trial of ours for that cell; <em>failed</em>: its trials failed (hover for why).</p>
<h2>Rows as run</h2><ul>${specRows}</ul>
${t.notes ? `<h2>Notes</h2><p>${esc(t.notes)}</p>` : ''}
<footer>Generated ${esc(meta.generatedAt.toISOString())} from ${meta.runs.length} run(s): ${meta.runs.map((r) => `${esc(r.runId.slice(0, 8))} (${esc(r.backend)})`).join(', ')}.</footer>
</body></html>
`;
}

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; margin: 0 auto; padding: 1rem 2rem 3rem; max-width: 1500px; }
.sub, footer, small, .legend { color: #667085; }
table.grid { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.grid th, table.grid td { border-bottom: 1px solid #d0d5dd; padding: .3rem .6rem; text-align: right; vertical-align: top; }
table.grid th[scope=row] { text-align: left; white-space: nowrap; }
thead th { background: #f2f4f7; }
td.cell span { display: block; white-space: nowrap; }
.ours { font-weight: 600; } .paper { color: #667085; font-size: 12px; } .delta { font-size: 12px; }
.delta.up { color: #0b6e4f; } .delta.down { color: #b42318; }
td.not-run .ours, td.failed .ours { font-weight: normal; font-style: italic; color: #98a2b3; } td.failed .ours { color: #b42318; }
tr.paper-only th { color: #667085; font-weight: normal; }
tr.tau td { background: #eef2ff; } .scale { background: #fff7e6; padding: .4rem .6rem; }
.scroll { overflow-x: auto; }
`;
