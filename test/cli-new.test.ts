// `ftbench new technique`: the scaffold, generated into a temporary copy of the repo, type-checks, registers, and passes the conformance checks as generated.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ROOT } from '../core/paths.js';
import type { AnyTechnique } from '../harness/plugin.js';
import { newTechnique, registerInIndex } from '../cli/new.js';
import { conformance } from './helpers/conformance.js';

// A temporary root: techniques/ copied (the generator writes there), the engine and node_modules linked (same module instances).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-new-'));
fs.cpSync(path.join(ROOT, 'techniques'), path.join(tmp, 'techniques'), { recursive: true });
for (const p of ['node_modules', 'package.json', 'tsconfig.json', 'core', 'text', 'harness', 'datasets', 'test/helpers']) {
  fs.mkdirSync(path.dirname(path.join(tmp, p)), { recursive: true });
  fs.symlinkSync(path.join(ROOT, p), path.join(tmp, p));
}
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const indexFile = path.join(tmp, 'techniques', 'adapter', 'index.ts');
const made = newTechnique({ id: 'demo', category: 'adapter', root: tmp });
const plugin = (await import(pathToFileURL(made.technique).href))[made.exportName] as AnyTechnique;

describe('ftbench new technique', () => {
  it('writes the plugin and its test where the layout says', () => {
    assert.equal(made.technique, path.join(tmp, 'techniques', 'adapter', 'demo.ts'));
    assert.equal(made.test, path.join(tmp, 'test', 'techniques', 'demo.test.ts'));
    assert.equal(plugin.id, 'demo');
    assert.equal(plugin.category, 'adapter');
    assert.ok(made.next.some((l) => l.includes('FTBENCH_TECHNIQUES=demo')));
  });

  it('registers it in the category index, which then lists it', async () => {
    const src = fs.readFileSync(indexFile, 'utf8');
    assert.match(src, /^import \{ demo \} from '\.\/demo\.js';$/m);
    const mod = await import(pathToFileURL(indexFile).href);
    const ids = (mod.adapter as AnyTechnique[]).map((t) => t.id);
    assert.equal(ids.at(-1), 'demo');
    assert.ok(ids.length > 1, 'the existing plugins stay registered');
  });

  it('generates strict-TypeScript-clean code', () => {
    const cfg = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram([made.technique, made.test], { ...cfg.options, noEmit: true });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(errors, []);
  });

  it("passes its own generated test", () => {
    const env = { ...process.env, NODE_TEST_CONTEXT: undefined }; // a fresh runner, not a child reporting to ours
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', made.test], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# pass 2/);
  });

  it('refuses a malformed id, an existing id and an unknown category with one sentence, writing nothing', () => {
    const before = fs.readFileSync(indexFile, 'utf8');
    const cases: [string, string, RegExp][] = [
      ['Bad_Id', 'adapter', /^Technique id "Bad_Id" is malformed: [^\n]*\.$/],
      ['lora', 'quantization', /^Technique id "lora" already exists \(techniques\/adapter\/lora\.ts\); choose another id\.$/],
      ['demo', 'adapter', /^Technique id "demo" already exists/],
      ['fresh', 'adapters', /^Unknown category "adapters": choose one of training_method, adapter, [^\n]*\.$/],
    ];
    for (const [id, category, re] of cases) assert.throws(() => newTechnique({ id, category, root: tmp }), (e: Error) => re.test(e.message));
    assert.equal(fs.readFileSync(indexFile, 'utf8'), before);
    assert.ok(!fs.existsSync(path.join(tmp, 'techniques', 'adapter', 'fresh.ts')));
  });

  it('accepts the folder spelling of a category and avoids names the index already uses', () => {
    const r = newTechnique({ id: 'parameter-selection', category: 'parameter-selection', root: tmp });
    assert.equal(r.technique, path.join(tmp, 'techniques', 'parameter-selection', 'parameter-selection.ts'));
    assert.equal(r.exportName, 'parameterSelectionTechnique'); // `parameterSelection` is the list's own name
  });

  it('inserts into empty, one-line and multi-line plugin lists', () => {
    const head = "// x\nimport type { AnyTechnique } from '../../harness/plugin.js';\n";
    assert.equal(registerInIndex(`${head}\nexport const a: AnyTechnique[] = [];\n`, 'demo', 'demo', 'i.ts'),
      `${head}import { demo } from './demo.js';\n\nexport const a: AnyTechnique[] = [demo];\n`);
    assert.match(registerInIndex(`${head}import { b } from './b.js';\nexport const a: AnyTechnique[] = [b, c];\n`, 'demo', 'demo', 'i.ts'),
      /import \{ b \} from '\.\/b\.js';\nimport \{ demo \} from '\.\/demo\.js';\nexport const a: AnyTechnique\[\] = \[b, c, demo\];/);
    assert.match(registerInIndex(`${head}export const a: AnyTechnique[] = [\n  b,\n  c\n];\n`, 'demo', 'demo', 'i.ts'),
      /= \[\n {2}b,\n {2}c,\n {2}demo,\n\];/);
    assert.throws(() => registerInIndex('export const a = [];', 'demo', 'demo', 'i.ts'), /add demo to it by hand/);
  });
});

// The same checks test/conformance.test.ts makes of every registered technique.
conformance(plugin);
