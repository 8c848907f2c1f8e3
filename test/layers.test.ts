// The folders are the layers: the dependency-cruiser rules pass on the tree and catch an upward import or a circle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../core/paths.js';

const LAYERS = ['core', 'text', 'datasets', 'harness', 'techniques', 'reports', 'cli'];
const depcruise = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const cruise = (cwd: string) =>
  spawnSync(depcruise, ['--config', path.join(ROOT, '.dependency-cruiser.cjs'), ...LAYERS.filter((l) => fs.existsSync(path.join(cwd, l)))], { cwd, encoding: 'utf8' });

test('the project imports only downward, with no circles', () => {
  const r = cruise(ROOT);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('an upward import and an import circle are both reported', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-layers-'));
  try {
    const write = (f: string, s: string) => (fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true }), fs.writeFileSync(path.join(dir, f), s));
    fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    write('cli/main.ts', "export const main = 1;\n");
    write('harness/engine.ts', "import { main } from '../cli/main.js';\nexport const engine = main;\n");
    write('core/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
    write('core/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
    const r = cruise(dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /harness-imports-upward: harness\/engine\.ts → cli\/main\.ts/);
    assert.match(r.stdout, /no-circular: core\/a\.ts/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
