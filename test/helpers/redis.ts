// A real redis-server for tests: on 127.0.0.1, a free port, its own temp dir; restartable on the same port and data.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const haveRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('PING\r\n'));
    c.on('data', (d) => {
      c.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    c.on('error', () => resolve(false));
  });
}

export interface TestRedis {
  url: string;
  port: number;
  /** SHUTDOWN (which writes the append-only file), then start again on the same port and data dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(opts: { aof?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-redis-'));
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', opts.aof ? 'yes' : 'no', '--appendfsync', 'always'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 100));
  };
  const halt = async () => {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM'); // redis-server shuts down cleanly on SIGTERM, flushing the append-only file
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      if (proc.exitCode === null) await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
