// One benchmark subject in its own process (so its peak RSS is its own): serves `info`, `run N [W]` (N timed steps
// after W untimed ones), `quit` on stdin.
// Usage: tsx bench/worker.ts auto|native|wasm|cpu full_ft|lora [size]
import readline from 'node:readline';
import { initBackend, type BackendChoice } from '../harness/backend/index.js';
import { referenceStep, type StepKind } from './step.js';

const [choice, kind, size = 'small'] = process.argv.slice(2) as [BackendChoice, StepKind, string?];
const info = await initBackend(choice);
const step = referenceStep(kind, 0, size);
const reply = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, arg, warm] = line.trim().split(/\s+/);
  if (cmd === 'info') reply(info);
  else if (cmd === 'run') {
    const times: number[] = [];
    for (let i = 0; i < Number(warm ?? 0); i++) step.step();
    for (let i = 0; i < Number(arg); i++) {
      const t0 = performance.now();
      step.step();
      times.push(performance.now() - t0);
    }
    reply({ times_ms: times });
  } else if (cmd === 'quit') {
    // maxRSS is in KiB.
    reply({ peak_rss_mb: process.resourceUsage().maxRSS / 1024 });
    process.exit(0);
  } else reply({ error: `unknown command ${cmd}` });
}
