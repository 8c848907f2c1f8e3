// Writes the report page: one self-contained HTML string (inline CSS, inline SVG charts, no script, no URL).
import { ciText, scoreText } from './cells.js';
import type { Chart } from './charts.js';
import { formatBytes, formatCount, formatP, formatPct, formatRate } from './format.js';
import type { RunRow, TrialRow } from './load.js';
import { formatScore, metricLabel } from './metrics.js';
import type { ReportedTable } from './reported.js';
import type { Comparison } from './significance.js';
import type { ModelTable } from './tables.js';

export interface PageInput {
  generatedAt: Date;
  runs: RunRow[];
  tables: ModelTable[];
  charts: { chart: Chart; svg: string }[];
  comparisons: Comparison[];
  problems: TrialRow[];        // failed and skipped trials
  reported: ReportedTable[];
}

export function renderPage(p: PageInput): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ftbench report</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>ftbench report</h1><p class="sub">Generated ${esc(iso(p.generatedAt))} from ${p.runs.length} run(s).</p></header>
<nav><a href="#runs">Runs</a> · <a href="#results">Results</a> · <a href="#charts">Charts</a> · <a href="#stats">Significance</a> · <a href="#problems">Failed &amp; skipped</a> · <a href="#reported">Reported numbers</a></nav>
${section('runs', 'Run metadata', runsTable(p.runs))}
${section('results', 'Results by base model', p.tables.length ? p.tables.map(modelTable).join('\n') : '<p class="empty">No finished trials in this database.</p>')}
${section('charts', 'Charts', p.charts.length ? p.charts.map(({ chart, svg }) => figure(chart, svg)).join('\n') : '<p class="empty">No data to chart.</p>')}
${section('stats', 'Paired tests against full fine-tuning and LoRA', statsTable(p.comparisons))}
${section('problems', 'Failed and skipped trials', problemsTable(p.problems))}
${section('reported', 'Numbers reported in the literature', reportedSection(p.reported))}
<footer>Cells are mean ± std over seeds (hover for the 95% confidence interval); <span class="best">bold</span> marks the best in each column. Percent metrics are shown ×100; ↑ higher is better, ↓ lower is better. Scores are each trial's primary test metric.</footer>
</body>
</html>
`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

/** When and how a run ended: a killed or crashed run has no end time and says it was interrupted. */
function runEnd(r: RunRow): string {
  const when = r.finishedAt ? esc(iso(r.finishedAt)) : '';
  if (r.status === 'interrupted') return `<em class="interrupted">interrupted${when ? ` ${when}` : ' (the process was killed or crashed)'}</em>`;
  if (r.status === 'stopped') return `${when} <em class="stopped">stopped${r.stopReason ? `: ${esc(r.stopReason)}` : ''}</em>`;
  return when || '<em>unfinished</em>';
}

function runsTable(runs: RunRow[]): string {
  if (!runs.length) return '<p class="empty">No runs recorded.</p>';
  const rows = runs.map((r) => `<tr class="run"><td>${esc(iso(r.startedAt))}</td><td>${runEnd(r)}</td><td>${esc(r.suite)}</td><td><code>${esc(r.gitCommit ?? '—')}</code></td><td>${esc(r.backend)}</td><td>${esc(r.kernelPack)}</td><td>${esc(r.blas ?? '—')}</td><td class="num">${r.threads}</td><td>${esc(r.host)}</td><td>${esc(r.cpu)}</td></tr>`);
  const pkgs = runs.map((r) => `<li><code>${esc(r.runId)}</code>: ${Object.entries(r.packages).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ') || '—'}</li>`);
  return `<table class="meta"><thead><tr><th>Started</th><th>Finished</th><th>Suite</th><th>Git commit</th><th>Backend</th><th>Kernel pack</th><th>BLAS</th><th>Threads</th><th>Host</th><th>CPU</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<details><summary>Package versions</summary><ul>${pkgs.join('')}</ul></details>`;
}

function modelTable(t: ModelTable): string {
  const cols = t.columns;
  const head = `<tr><th>Technique</th>${cols.map((c) => `<th>${esc(c.dataset)}<br><small>${esc(metricLabel(c.metric, c.higherIsBetter))}</small></th>`).join('')}${t.hasAverage ? '<th>Avg</th>' : ''}<th>Trainable</th><th title="Trainable share of the base model, the new task head excluded (the papers' convention)">Backbone %</th><th>Peak memory</th><th>Tokens/s</th><th>Adapter</th><th>Seeds</th></tr>`;
  const width = cols.length + (t.hasAverage ? 1 : 0) + 7;
  const body: string[] = [];
  for (const g of t.groups) {
    body.push(`<tr class="group"><th colspan="${width}">${esc(g.category.replaceAll('_', ' '))}</th></tr>`);
    for (const r of g.rows) {
      const cells = cols.map((c) => scoreTd(c.metric, r.cells[c.dataset]));
      if (t.hasAverage) cells.push(scoreTd(cols[0]!.metric, r.average));
      body.push(`<tr class="technique" data-technique="${esc(r.technique)}"><td>${esc(r.technique)}</td>${cells.join('')}<td class="num">${formatCount(r.trainableParams)}</td><td class="num">${formatPct(r.backbonePct)}</td><td class="num">${formatBytes(r.peakBytes)}</td><td class="num">${formatRate(r.tokensPerS)}</td><td class="num">${formatBytes(r.adapterBytes)}</td><td class="num">${r.seeds}</td></tr>`);
    }
  }
  for (const b of t.baselines) {
    const cells = cols.map((c) => `<td class="num">${b.cells[c.dataset] != null ? formatScore(c.metric, b.cells[c.dataset]) : '—'}</td>`);
    body.push(`<tr class="baseline"><td>${b.name === 'accuracy' ? 'majority baseline' : `baseline (${esc(b.name)})`}</td>${cells.join('')}<td colspan="${width - cols.length - 1}"></td></tr>`);
  }
  return `<h3 id="model-${esc(t.model)}">${esc(t.model)}</h3>
<div class="scroll"><table class="results" data-model="${esc(t.model)}"><thead>${head}</thead><tbody>${body.join('\n')}</tbody></table></div>`;
}

function scoreTd(metric: string, c: Parameters<typeof scoreText>[1]): string {
  const title = ciText(metric, c);
  return `<td class="num${c?.best ? ' best' : ''}"${title ? ` title="${esc(title)}"` : ''}>${esc(scoreText(metric, c))}</td>`;
}

function figure(chart: Chart, svg: string): string {
  // The spec rides along so a reader can re-plot with any Vega-Lite tool; `<` escaped so it cannot end the script.
  const json = JSON.stringify(chart.spec).replace(/</g, '\\u003c');
  return `<figure class="chart" id="chart-${esc(chart.id)}"><figcaption><strong>${esc(chart.title)}</strong> — ${esc(chart.caption)}</figcaption>
<div class="svg">${svg}</div>
<script type="application/json" class="vega-lite-spec" data-chart="${esc(chart.id)}">${json}</script></figure>`;
}

function statsTable(cs: Comparison[]): string {
  if (!cs.length) return '<p class="empty">No paired comparisons: they need per-item test predictions of a technique and of full-ft or lora on the same seeds.</p>';
  const rows = cs.map((c) => `<tr class="comparison ${c.verdict === 'better' ? 'win' : c.verdict === 'worse' ? 'loss' : ''}"><td>${esc(c.model)}</td><td>${esc(c.dataset)}</td><td>${esc(c.technique)}</td><td>${esc(c.reference)}</td><td class="num">${signed(c)}</td><td class="num">[${fmtDelta(c, c.lo)}, ${fmtDelta(c, c.hi)}]</td><td>${esc(c.test)}</td><td class="num">${esc(formatP(c.p))}</td><td class="num">${c.items} / ${c.seeds}</td><td>${esc(c.verdict)}</td></tr>`);
  return `<p>Δ is the technique minus the reference on the same test items and seeds: accuracy points for classification, reduction of squared error for regression. "better"/"worse" only where p &lt; 0.05.</p>
<table class="stats"><thead><tr><th>Model</th><th>Dataset</th><th>Technique</th><th>vs</th><th>Δ</th><th>95% CI (bootstrap)</th><th>Test</th><th>p</th><th>Items / seeds</th><th>Verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function fmtDelta(c: Comparison, v: number): string {
  return c.kind === 'classification' ? (v * 100).toFixed(1) : Number(v.toPrecision(3)).toString();
}

function signed(c: Comparison): string {
  const s = fmtDelta(c, c.delta);
  return c.delta > 0 ? `+${s}` : s;
}

function problemsTable(ts: TrialRow[]): string {
  if (!ts.length) return '<p class="empty">Every trial finished.</p>';
  const rows = ts.map((t) => `<tr class="problem ${t.status}"><td>${esc(t.status)}</td><td>${esc(t.model)}</td><td>${esc(t.dataset)}</td><td>${esc(t.technique)}</td><td class="num">${t.seed}</td><td>${esc(t.error ?? '(no reason recorded)')}</td></tr>`);
  return `<table class="problems"><thead><tr><th>Status</th><th>Model</th><th>Dataset</th><th>Technique</th><th>Seed</th><th>Reason</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function reportedSection(tables: ReportedTable[]): string {
  if (!tables.length) return '<p class="empty">The reported table is empty.</p>';
  const ranked = tables.filter((t) => t.ranked).length;
  const intro = `<p>${tables.length} tables from the papers, as printed (values in the paper's units). Each number's superscript names its source below the table; hover a number for the paper's note. ${ranked ? `${ranked} table(s) rank techniques this database also ran: "paper rank" vs "our rank" among those techniques only.` : 'No table shares two or more techniques with this database yet, so no rank columns.'}</p>`;
  return intro + tables.map(reportedTable).join('\n');
}

function reportedTable(t: ReportedTable): string {
  const head = `<tr><th>Technique</th><th>Trainable</th>${t.tasks.map((k) => `<th>${esc(k.task)}<br><small>${esc(k.metric)}</small></th>`).join('')}${t.ranked ? '<th>Paper rank</th><th>Our rank</th>' : ''}</tr>`;
  const rows = t.rows.map((r) => {
    const cells = t.tasks.map((k) => {
      const vs = r.values[k.task];
      if (!vs) return '<td class="num">—</td>';
      const text = vs.map((v) => `<span${v.notes ? ` title="${esc(v.notes)}"` : ''}>${v.value == null ? '—' : esc(String(v.value))}<sup>${v.ref}</sup></span>`).join(' / ');
      return `<td class="num">${text}</td>`;
    });
    const ranks = t.ranked ? `<td class="num">${r.paperRank ?? ''}</td><td class="num">${r.ourRank ?? ''}</td>` : '';
    return `<tr class="reported-row"><td>${esc(r.technique)}${r.id ? ` <small>(${esc(r.id)})</small>` : ''}</td><td>${esc(r.trainableParams ?? '')}</td>${cells.join('')}${ranks}</tr>`;
  });
  const sources = t.sources.map((s) => `<li value="${s.ref}">${esc(s.paper)}${s.year ? `, ${s.year}` : ''} — ${esc(s.table)}${s.arxiv ? ` — arXiv:${esc(s.arxiv)}` : ''}</li>`);
  // Collapsed: the literature's tables run to thousands of rows; the summary says which compare ranks.
  return `<details class="reported"><summary>${esc(t.benchmark)} — ${esc(t.baseModel)} <small>(${t.rows.length} rows, ${t.tasks.length} tasks${t.ranked ? '; ranks compared with ours' : ''})</small></summary>
<div class="scroll"><table class="reported"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>
<ol class="sources">${sources.join('')}</ol></details>`;
}

function iso(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
:root { --fg: #1d2330; --muted: #667085; --line: #d0d5dd; --head: #f2f4f7; --best: #0b6e4f; --accent: #3b5bdb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 1rem 2rem 3rem; max-width: 1400px; }
h1 { margin: .2rem 0; } h2 { margin-top: 2.2rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; } h3 { margin: 1.4rem 0 .4rem; }
.sub, footer, figcaption, .empty { color: var(--muted); }
nav a { color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); position: sticky; top: 0; }
td.num { text-align: right; white-space: nowrap; }
tr.group th { background: #eef2ff; text-transform: capitalize; font-weight: 600; }
tr.baseline td { color: var(--muted); font-style: italic; }
td.best, .best { font-weight: 700; color: var(--best); }
tr.win td:last-child { color: var(--best); font-weight: 600; } tr.loss td:last-child { color: #b42318; font-weight: 600; }
tr.problem.failed td:first-child { color: #b42318; font-weight: 600; }
figure.chart { margin: 1rem 0 2rem; overflow-x: auto; } .scroll { overflow-x: auto; max-width: 100%; } .svg svg { max-width: none; }
details.reported { margin: .3rem 0; } details.reported summary { cursor: pointer; padding: .2rem 0; }
ol.sources { color: var(--muted); font-size: 12px; margin-top: 0; }
sup { color: var(--muted); font-size: 9px; margin-left: 1px; }
small { color: var(--muted); font-weight: normal; }
footer { margin-top: 3rem; border-top: 1px solid var(--line); padding-top: .6rem; }
`;
