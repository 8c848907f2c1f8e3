// A benchmark subject running in a child process, driven line by line (see worker.ts and torch_twin.py).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import readline from 'node:readline';

export class Subject {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  stderr = '';

  constructor(readonly label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async ask<T>(command: string): Promise<T> {
    this.child.stdin.write(command + '\n');
    const next = await this.lines.next();
    if (next.done) throw new Error(`${this.label} exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const reply = JSON.parse(next.value);
    if (reply.error) throw new Error(`${this.label}: ${reply.error}`);
    return reply as T;
  }

  /** Times of `n` steps, after `warm` untimed ones. */
  async run(n: number, warm = 0): Promise<number[]> {
    return (await this.ask<{ times_ms: number[] }>(`run ${n} ${warm}`)).times_ms;
  }

  async quit(): Promise<number> {
    const r = await this.ask<{ peak_rss_mb: number }>('quit');
    return r.peak_rss_mb;
  }
}
