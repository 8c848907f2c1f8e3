// `ftbench worker` and `ftbench queue status`: the worker side of queue mode (the writer is `ftbench run --queue`).
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../harness/backend/index.js';
import { expectRedis, connectionOf } from '../harness/sweep/queue/protocol.js';

export function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} "${v}" must be a whole number of at least 1.`);
    return n;
  };
}

export function addQueueCommands(program: Command): void {
  program
    .command('worker')
    .description('run trials from a Redis queue (fed by ftbench run --queue) until stopped; each trial in its own process')
    .requiredOption('--queue <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--concurrency <n>', 'trials run at once', positiveInt('--concurrency'), 1)
    .option('--attempts <n>', 'runs a trial gets at most (a crash is retried with backoff)', positiveInt('--attempts'), 2)
    .option('--lock <seconds>', 'job lock, renewed at half; a dead worker\'s trial is re-run after about this long', positiveInt('--lock'), 30)
    .addOption(new Option('--backend <name>', 'tensor backend (must match the writer\'s)').choices([...BACKEND_CHOICES]).default('auto'))
    .action(async (o: { queue: string; concurrency: number; attempts: number; lock: number; backend: BackendChoice }) => {
      connectionOf(o.queue);
      await expectRedis(o.queue);
      const { startWorker } = await import('../harness/sweep/queue/worker.js');
      const w = startWorker({
        url: o.queue, concurrency: o.concurrency, attempts: o.attempts, lockMs: o.lock * 1000, backend: o.backend,
        childEntry: fileURLToPath(new URL('./queue-child.ts', import.meta.url)),
      });
      console.log(`worker on ${o.queue}: ${o.concurrency} trial(s) at a time, up to ${o.attempts} attempts each; Ctrl-C stops after the trials in flight`);
      let stopping = false;
      const onSignal = () => {
        if (stopping) return void w.close(true); // second Ctrl-C: kill the trials, BullMQ re-runs them elsewhere
        stopping = true;
        console.log('stopping after the trials in flight; press Ctrl-C again to quit now');
        void w.close();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const reason = await w.done;
      if (reason) throw new Error(reason);
    });

  program
    .command('queue')
    .description('look at a Redis queue: ftbench queue status --queue URL')
    .argument('<what>', 'status')
    .requiredOption('--queue <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .action(async (what: string, o: { queue: string }) => {
      if (what !== 'status') throw new Error(`ftbench queue ${what} is not a command; try ftbench queue status --queue ${o.queue}.`);
      connectionOf(o.queue);
      await expectRedis(o.queue);
      const { queueStatus, describeStatus } = await import('../harness/sweep/queue/status.js');
      console.log(describeStatus(await queueStatus(o.queue), o.queue));
    });
}
