// Opens the built report in real headless Chromium: no console errors, no network, charts drawn, rows present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { buildReport } from '../reports/build.js';
import { buildSyntheticDb } from '../reports/testing.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const ARTIFACTS = path.resolve('test-artifacts');

const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium); CI installs it`;

test('the report renders in headless Chromium with no errors and no network', { skip, timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-browser-'));
  const synth = await buildSyntheticDb(dir);
  const file = await buildReport({ db: synth.db, out: path.join(dir, 'out') });
  const url = pathToFileURL(file).href;

  // launch() gives each browser a fresh temporary profile.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
    await page.goto(url, { waitUntil: 'load' });

    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(requests, [], 'requests other than the page itself');

    const charts = await page.$$eval('figure.chart', (figs) => figs.map((f) => {
      const svg = f.querySelector('svg');
      const marks = svg ? svg.querySelectorAll('g[class*="mark-symbol"] path, g[class*="mark-rect"] path, g[class*="mark-line"] path').length : 0;
      const box = svg?.getBoundingClientRect();
      return { id: f.id, marks, width: box?.width ?? 0, height: box?.height ?? 0 };
    }));
    assert.ok(charts.length >= 5, `charts: ${charts.length}`);
    for (const c of charts) {
      assert.ok(c.marks > 0, `${c.id} has no drawn marks`);
      assert.ok(c.width > 100 && c.height > 100, `${c.id} is ${c.width}×${c.height}`);
    }

    for (const [model, techniques] of Object.entries(synth.expectedRows)) {
      const rows = await page.$$eval(`table.results[data-model="${model}"] tbody tr.technique`, (trs) => trs.map((tr) => tr.getAttribute('data-technique')));
      assert.deepEqual(rows, techniques, model);
    }
    assert.equal(await page.locator('table.problems tbody tr').count(), 2);
    // Embedded specs parse in the browser too, so a reader can re-plot them.
    const specs = await page.$$eval('script.vega-lite-spec', (ss) => ss.map((s) => Array.isArray(JSON.parse(s.textContent ?? '').data?.values)));
    assert.ok(specs.length === charts.length && specs.every(Boolean));

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    assert.ok(fs.statSync(path.join(ARTIFACTS, 'report.png')).size > 10_000);
  } finally {
    await browser.close();
  }
});
