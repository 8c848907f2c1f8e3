// `ftbench list`: the registries as a table or JSON.
import { techniques } from '../techniques/index.js';
import { datasetRegistry } from '../datasets/index.js';
import { models } from '../harness/zoo/bases.js';
import { builtinSuites, datasetIdOf, loadSuite, modelIdOf } from '../harness/sweep/suite.js';
import { builtinTables, loadTable } from '../harness/sweep/table.js';

type Row = Record<string, string | number | null>;

function rowsOf(what: string): Row[] {
  switch (what) {
    case 'techniques':
      return techniques.all().map((t) => ({ id: t.id, name: t.name, category: t.category, paper: t.paper.title, year: t.paper.year, arxiv: t.paper.arxiv ?? null }));
    case 'datasets':
      return datasetRegistry.all().map((d) => ({
        id: d.id,
        name: d.name,
        kind: d.kind,
        metrics: d.metrics.join(', '),
        available: d.unavailable() ?? 'yes',
        source: d.card.source,
        license: d.card.license,
        size: d.card.size,
        split_by: d.card.splitBy,
      }));
    case 'models':
      return models.all().map((m) => ({ id: m.id, family: m.config.family, d_model: m.config.dModel, layers: m.config.nLayers, heads: m.config.nHeads, description: m.description }));
    case 'suites':
      return builtinSuites().map((s) => {
        const suite = loadSuite(s);
        return { id: s, models: suite.models.map(modelIdOf).join(', '), datasets: suite.datasets.map(datasetIdOf).join(', '), techniques: suite.techniques.length, seeds: suite.seeds.length, steps: suite.budget.steps };
      });
    case 'tables':
      return builtinTables().map((id) => {
        const t = loadTable(id);
        return {
          id,
          title: t.title,
          source: `${t.source.paper}, ${t.source.table}`,
          rows: t.rows.map((r) => r.row).join(', '),
          columns: t.columns.map((c) => c.column).join(', '),
          seeds: t.seeds.length,
          needs_model: t.needs.model,
          needs_data: t.needs.data,
        };
      });
    default:
      throw new Error(`Cannot list "${what}": choose techniques, datasets, models, suites or tables.`);
  }
}

export function listCommand(what: string, o: { json?: boolean }): void {
  const rows = rowsOf(what);
  if (o.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (what === 'tables') {
    for (const r of rows) {
      console.log(`${r.id} — ${r.title}`);
      for (const k of ['source', 'rows', 'columns', 'seeds', 'needs_model', 'needs_data']) console.log(`  ${k.replace('_', ' ')}: ${r[k]}`);
      console.log(`  run: ftbench reproduce ${r.id} --model PATH --data PATH [--scale 0.01]`);
    }
    return;
  }
  if (what === 'datasets') {
    for (const r of rows) {
      console.log(`${r.id} — ${r.name} (${r.kind}; ${r.metrics})`);
      for (const k of ['available', 'source', 'license', 'size', 'split_by']) console.log(`  ${k}: ${r[k]}`);
    }
    return;
  }
  console.table(rows);
}
