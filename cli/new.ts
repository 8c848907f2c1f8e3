// `ftbench new technique <id> --category <c>`: writes a working minimal plugin and its test from templates/, and registers it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, type Category } from '../harness/plugin.js';
import { ROOT } from '../core/paths.js';

const TEMPLATES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates');
const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
// Words that cannot name a `const`, and the names the template imports; an id like "new" or "applied" gets a
// suffixed export name instead.
const RESERVED = new Set(
  ('applied technique schema tf z initVar break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await').split(' '),
);

export interface NewTechniqueOptions {
  id: string;
  category: string;
  /** Repository root to write into (tests point it at a temporary copy); defaults to this checkout. */
  root?: string;
}

export interface NewTechniqueResult {
  technique: string;
  test: string;
  index: string;
  exportName: string;
  /** What to edit next, one line each. */
  next: string[];
}

/** Accepts `parameter_selection` or `parameter-selection`; returns the category and its folder. */
function categoryOf(raw: string): { category: Category; folder: string } {
  const category = raw.replace(/-/g, '_') as Category;
  if (!CATEGORIES.includes(category)) {
    throw new Error(`Unknown category "${raw}": choose one of ${CATEGORIES.join(', ')}.`);
  }
  return { category, folder: category.replace(/_/g, '-') };
}

const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const title = (id: string) => id.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');

/** The ids of every technique already in `root`'s techniques/ folders (plugin files declare `id: '…'`). */
function existingIds(techniquesDir: string): Map<string, string> {
  const ids = new Map<string, string>();
  for (const folder of fs.readdirSync(techniquesDir, { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name === 'shared') continue;
    const dir = path.join(techniquesDir, folder.name);
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
      if (!f.endsWith('.ts')) continue;
      const file = path.join(dir, f);
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/^\s*id:\s*['"]([^'"]+)['"]/gm)) ids.set(m[1], path.relative(techniquesDir, file));
    }
  }
  return ids;
}

/** Adds `import { name } from './id.js'` after the last import and `name` at the end of the exported plugin list. */
export function registerInIndex(source: string, name: string, id: string, indexPath: string): string {
  const lines = source.split('\n');
  let lastImport = -1;
  lines.forEach((l, i) => {
    if (/^import\s.*;\s*$/.test(l)) lastImport = i;
  });
  const list = /(export const \w+\s*:\s*AnyTechnique\[\]\s*=\s*\[)([\s\S]*?)(\]\s*;)/;
  if (lastImport < 0 || !list.test(source)) {
    throw new Error(`Cannot find the imports and the exported plugin list in ${indexPath}; add ${name} to it by hand.`);
  }
  lines.splice(lastImport + 1, 0, `import { ${name} } from './${id}.js';`);
  return lines.join('\n').replace(list, (_, open: string, body: string, close: string) => {
    if (body.trim() === '') return `${open}${name}${close}`;
    if (!body.includes('\n')) return `${open}${body.replace(/,?\s*$/, '')}, ${name}${close}`;
    // A multi-line list: one entry per line, keeping its indentation and trailing-comma style.
    const indent = /\n([ \t]+)\S/.exec(body)?.[1] ?? '  ';
    const trimmed = body.replace(/\s*$/, '');
    const tail = body.slice(trimmed.length);
    return `${open}${trimmed.replace(/,?$/, ',')}\n${indent}${name},${tail}${close}`;
  });
}

export function newTechnique(o: NewTechniqueOptions): NewTechniqueResult {
  const root = path.resolve(o.root ?? ROOT);
  if (!ID.test(o.id)) {
    throw new Error(`Technique id "${o.id}" is malformed: use lower-case letters and digits in dash-separated words, starting with a letter (e.g. "my-adapter").`);
  }
  const { category, folder } = categoryOf(o.category);
  const techniquesDir = path.join(root, 'techniques');
  const index = path.join(techniquesDir, folder, 'index.ts');
  if (!fs.existsSync(index)) throw new Error(`Category folder ${path.dirname(index)} has no index.ts to register the technique in.`);
  const taken = existingIds(techniquesDir).get(o.id);
  if (taken) throw new Error(`Technique id "${o.id}" already exists (techniques/${taken}); choose another id.`);
  const technique = path.join(techniquesDir, folder, `${o.id}.ts`);
  const test = path.join(root, 'test', 'techniques', `${o.id}.test.ts`);
  for (const f of [technique, path.join(techniquesDir, folder, o.id), test]) {
    if (fs.existsSync(f)) throw new Error(`${path.relative(root, f)} already exists; choose another id or remove it.`);
  }

  const indexSource = fs.readFileSync(index, 'utf8');
  let exportName = camel(o.id);
  if (RESERVED.has(exportName) || new RegExp(`\\b${exportName}\\b`).test(indexSource)) exportName += 'Technique';
  const fill = (tmpl: string) =>
    fs
      .readFileSync(path.join(TEMPLATES, tmpl), 'utf8')
      .replaceAll('__EXPORT__', exportName)
      .replaceAll('__ID__', o.id)
      .replaceAll('__NAME__', title(o.id))
      .replaceAll('__CATEGORY__', category)
      .replaceAll('__FOLDER__', folder)
      .replaceAll('__YEAR__', String(new Date().getFullYear()));
  // Everything that can fail is checked above; now write.
  const newIndex = registerInIndex(indexSource, exportName, o.id, path.relative(root, index));
  fs.writeFileSync(technique, fill('technique.ts.tmpl'));
  fs.mkdirSync(path.dirname(test), { recursive: true });
  fs.writeFileSync(test, fill('technique.test.ts.tmpl'));
  fs.writeFileSync(index, newIndex);

  const rel = (f: string) => path.relative(root, f);
  return {
    technique,
    test,
    index,
    exportName,
    next: [
      `${rel(technique)}: give the learned update ΔW your method's structure or replace it with your method's math (inside model.hooks.wrap, so disabling hooks restores the base), set name, paper and defaults with a comment citing the paper for each non-obvious one; keep properties honest (identityAtInit, changesBase) and drop merge() if the method cannot fold into the base.`,
      `${rel(test)}: test your method's defining property (the scaffold tests x (W + ΔW) + b and merge).`,
      `Run its conformance checks: FTBENCH_TECHNIQUES=${o.id} node --import tsx --test test/conformance.test.ts ${rel(test)}`,
      `Add it to a suite (suites/*.yaml, techniques: [${o.id}]) and run: ftbench run --suite FILE`,
      `Walkthrough: docs/write-a-technique.md`,
    ],
  };
}

export function newCommand(kind: string, id: string, o: { category: string; root?: string }): void {
  if (kind !== 'technique') throw new Error(`Cannot scaffold "${kind}": only "ftbench new technique <id> --category <category>" exists.`);
  const r = newTechnique({ id, category: o.category, root: o.root });
  const root = path.resolve(o.root ?? ROOT);
  console.log(`created ${path.relative(root, r.technique)} (export ${r.exportName}) and ${path.relative(root, r.test)}; registered in ${path.relative(root, r.index)}`);
  console.log('next:');
  for (const [i, line] of r.next.entries()) console.log(`  ${i + 1}. ${line}`);
}
