// Writes docs/techniques.md from the registry: every technique's paper, category, knobs and defaults, and the
// one-line summary its file opens with. Run with `npx tsx scripts/technique-docs.ts` after adding a technique.
import fs from 'node:fs';
import path from 'node:path';
import { techniques } from '../techniques/index.js';
import { CATEGORIES } from '../harness/plugin.js';
import { ROOT } from '../core/paths.js';

const FOLDER: Record<string, string> = {
  training_method: 'training-method',
  adapter: 'adapter',
  quantization: 'quantization',
  parameter_selection: 'parameter-selection',
  mixture_of_experts: 'mixture-of-experts',
  application: 'application',
};

function summary(category: string, id: string): string {
  const file = path.join(ROOT, 'techniques', FOLDER[category], `${id}.ts`);
  if (!fs.existsSync(file)) return '';
  const first = fs.readFileSync(file, 'utf8').split('\n')[0];
  return first.startsWith('//') ? first.slice(2).trim() : '';
}

export function techniqueDocs(): string {
  const out = [
    '# Techniques',
    '',
    'Generated from the registry by `npx tsx scripts/technique-docs.ts`; do not edit by hand.',
    'Each technique is one file under `techniques/<category>/`; its defaults follow its paper (the file says why',
    'where a default was scaled to our small models). `lr ×` is the learning-rate multiplier applied to a suite\'s',
    'full-fine-tuning rate. Knobs are set per suite entry: `{ id: lora, config: { r: 16 } }`.',
    '',
  ];
  for (const cat of CATEGORIES) {
    const list = techniques.all().filter((t) => t.category === cat);
    if (list.length === 0) continue;
    out.push(`## ${cat.replace(/_/g, ' ')}`, '');
    for (const t of list) {
      const arxiv = t.paper.arxiv ? ` — [arXiv ${t.paper.arxiv}](https://arxiv.org/abs/${t.paper.arxiv})` : '';
      out.push(`### ${t.name} (\`${t.id}\`)`, '');
      const s = summary(cat, t.id);
      if (s) out.push(s, '');
      out.push(`Paper: *${t.paper.title}* (${t.paper.year})${arxiv}.`, '');
      const props = [
        t.properties.identityAtInit ? 'identity at init' : 'not identity at init',
        t.properties.changesBase ? 'changes base weights by design' : 'base weights untouched',
        `lr × ${t.lrMultiplier ?? 1}`,
      ];
      out.push(`Properties: ${props.join('; ')}.`, '');
      const knobs = Object.entries(t.defaults as Record<string, unknown>);
      out.push(knobs.length ? `Knobs (defaults): ${knobs.map(([k, v]) => `\`${k}\` = \`${JSON.stringify(v)}\``).join(', ')}.` : 'Knobs: none.', '');
    }
  }
  return out.join('\n');
}

if (process.argv[1]?.endsWith('technique-docs.ts')) {
  fs.writeFileSync(path.join(ROOT, 'docs', 'techniques.md'), techniqueDocs());
  console.log(`wrote docs/techniques.md (${techniques.all().length} techniques)`);
}
