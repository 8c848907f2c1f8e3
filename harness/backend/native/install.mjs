// `npm install` hook: builds the native kernel pack with node-gyp against the system CBLAS; never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const hint = 'apt-get install libopenblas-dev, then npm rebuild (or npm ci)';

function warn(why) {
  // One line: the pure-npm backend still works, only slower.
  console.warn(`ftbench: native kernel pack not built (${why}); ftbench will run on the slower pure-npm backend. To enable it: ${hint}.`);
  process.exit(0);
}

if (process.env.FTBENCH_NO_NATIVE === '1') warn('FTBENCH_NO_NATIVE=1');

// First CBLAS that links wins: MKL and BLIS when a user has them, else OpenBLAS (Debian's libopenblas-dev).
function linksWith(lib) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ftb-blas-'));
  try {
    const src = path.join(dir, 't.c');
    writeFileSync(src, 'void cblas_sgemm();\nint main(void) { void (*f)() = cblas_sgemm; return f == 0; }\n');
    const r = spawnSync(process.env.CC || 'cc', [src, '-o', path.join(dir, 't'), `-l${lib}`], { stdio: 'ignore' });
    return r.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const wanted = process.env.FTBENCH_BLAS ? [process.env.FTBENCH_BLAS] : ['mkl_rt', 'blis', 'openblas'];
const blas = wanted.find(linksWith);
if (!blas) warn(`no CBLAS library found (tried ${wanted.join(', ')}) or no C compiler`);

// node-gyp ships with npm; npm tells scripts where. Offline machines need the headers of the running node.
const gyp = process.env.npm_config_node_gyp
  || path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(gyp)) warn('node-gyp not found');
const nodedir = path.join(path.dirname(process.execPath), '..');
const args = [gyp, 'rebuild'];
if (existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FTBENCH_BLAS: blas } });
if (r.status !== 0) {
  const tail = String(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  warn(`node-gyp failed: ${tail}`);
}
console.log(`ftbench: native kernel pack built against ${blas}.`);
