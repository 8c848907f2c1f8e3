// Trajectory parity with PyTorch (bench/parity): every listed technique's 30-step run matches an independent PyTorch replay,
// and a wrong scale on the PyTorch side is caught. Skips with one line where Debian's python3-torch is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, formatResults, runParity, torchMissing } from '../bench/parity/driver.js';

const skip = torchMissing() ?? false;

test('every technique follows the PyTorch trajectory on the tiny encoder and decoder', { skip, timeout: 900_000 }, async () => {
  const results = await runParity();
  console.log(formatResults(results));
  assert.equal(results.length, CASES.reduce((n, c) => n + c.families.length, 0));
  const bad = results.filter((r) => !r.ok);
  assert.deepEqual(bad.map((r) => r.name), [], formatResults(bad));
});

test('a LoRA scale 10% too large in the PyTorch replay fails the check', { skip, timeout: 300_000 }, async () => {
  // The same case, right and wrong: the first must pass so the second fails for the scale alone.
  const [right] = await runParity({ only: ['encoder/lora'] });
  const [wrong] = await runParity({ only: ['encoder/lora'], perturb: 'lora=1.1' });
  console.log(formatResults([right, wrong]));
  assert.ok(right.ok, formatResults([right]));
  assert.ok(!wrong.ok && wrong.lossRel > 1e-4, `a 10% scale error went unnoticed: ${formatResults([wrong])}`);
});
