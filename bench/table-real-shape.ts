// A table run at a real model shape: official-layout GLUE folders written here, `ftbench reproduce` of a GLUE table
// on the given checkpoint folder (e.g. a random roberta-base from `ftbench make-checkpoint roberta-base DIR`), every
// log line stamped with the seconds since start, then the total wall time and the load average beside it; the grid
// page is then opened in headless Chromium (as test/table-reproduce.test.ts does) and its cells printed.
//   npx tsx bench/table-real-shape.ts --model /tmp/rb-real [--table lora-roberta-base-glue] [--seeds 0] [--scale 0.01]
//                                     [--train 48] [--dev 40] [--out DIR] [--report-only | --plan]
// --report-only rebuilds and checks the grid of what DIR's database holds (a run stopped part-way, or resumed later).
// --plan only plans: each suite's trials and the memory check's refusals (nothing loaded, trained or stored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { planTable, reproduce } from '../cli/reproduce.js';
import { writeGlueFolders } from '../test/helpers/glue-folders.js';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const model = arg('model');
if (!model || !fs.existsSync(path.join(model, 'config.json'))) {
  console.error('--model must name a Hugging Face folder (config.json, model.safetensors, tokenizer.json), e.g. from `ftbench make-checkpoint roberta-base /tmp/rb-real`.');
  process.exit(2);
}
const out = path.resolve(arg('out', fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-real-')))!);
const table = arg('table', 'lora-roberta-base-glue')!;
const reportOnly = process.argv.includes('--report-only');
const data = reportOnly ? path.join(out, 'glue') : writeGlueFolders(path.join(out, 'glue'), Number(arg('train', '48')), Number(arg('dev', '40')));
const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(6)} s`;
console.log(`${stamp()}  ${table} on ${model}, GLUE folders under ${data}, results in ${out}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const options = {
  model,
  data,
  scale: arg('scale', '0.01'),
  seeds: arg('seeds'),
  db: path.join(out, 'results.duckdb'),
  out: path.join(out, 'grid'),
  reportOnly,
  log: (l: string) => console.log(`${stamp()}  ${l}`),
};
if (process.argv.includes('--plan')) {
  const refused = await planTable(table, options);
  console.log(`${stamp()}  plan only: ${refused} trial(s) cannot fit; nothing was run or stored`);
  process.exit(0);
}
const file = await reproduce(table, options);
console.log(`${stamp()}  done: ${file}; wall ${((Date.now() - t0) / 60000).toFixed(1)} min; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

// The page as a reader sees it: headless Chromium, no network; each row's cells (ours, paper, Δ) and the τ line.
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const rows = await page.$$eval('table.grid tbody tr', (trs) => trs.map((tr) => [tr.className, tr.querySelector('th')?.textContent ?? '', ...[...tr.querySelectorAll('td')].map((td) => [td.querySelector('.ours')?.textContent, td.querySelector('.paper')?.textContent, td.querySelector('.delta')?.textContent].filter(Boolean).join(' / '))]));
  for (const r of rows) console.log(r.join(' | '));
  console.log((await page.$$eval('tr.tau td', (tds) => tds.map((td) => td.textContent ?? ''))).join(' | '));
  await page.screenshot({ path: path.join(out, 'grid.png'), fullPage: true });
  console.log(`page errors: ${errors.length}; screenshot ${path.join(out, 'grid.png')}`);
} finally {
  await browser.close();
}
