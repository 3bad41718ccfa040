// The ACP simulator in a child process (`test/sim/cli.ts` under tsx), so that its work never shares an event loop
// or a heap with what is being measured. Controlled through its admin endpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatorInfo } from '../../test/sim/contract';
import { onCleanup, sleep } from './util';
import { repoRoot } from './paths';

export interface SimProcess {
  readonly info: SimulatorInfo;
  readonly kubeconfig: string;
  readonly process: ChildProcess;
  resetRequests(): Promise<void>;
  requests(): Promise<number>;
  setNodes(count: number): Promise<void>;
  /** Waits until the request count stays the same for `quietMs`; resolves the count. */
  settledRequests(quietMs: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

async function admin<T>(info: SimulatorInfo, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${info.adminUrl}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator admin ${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function startSimProcess(dir: string, options: { nodes?: number; timeScale?: number } = {}): Promise<SimProcess> {
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  const infoFile = join(dir, 'info.json');
  rmSync(infoFile, { force: true });
  const args = ['--import', 'tsx', join(repoRoot, 'test', 'sim', 'cli.ts'), '--kubeconfig', kubeconfig, '--info', infoFile];
  if (options.nodes !== undefined) args.push('--nodes', String(options.nodes));
  if (options.timeScale !== undefined) args.push('--time-scale', String(options.timeScale));
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  const stop = async (): Promise<void> => {
    if (exited || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const unregister = onCleanup('simulator', stop);

  const deadline = Date.now() + 60_000;
  while (!existsSync(infoFile) || !existsSync(kubeconfig)) {
    if (exited) throw new Error(`the simulator exited before it started:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the simulator did not start within 60 s:\n${output}`);
    }
    await sleep(100);
  }
  await sleep(100); // the info file is written in one call; give the writer a moment to finish
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as SimulatorInfo;

  const requests = async (): Promise<number> => (await admin<{ count: number }>(info, 'GET', '/requests')).count;
  return {
    info,
    kubeconfig,
    process: child,
    async resetRequests() {
      await admin(info, 'POST', '/requests/reset');
    },
    requests,
    async setNodes(count: number) {
      await admin(info, 'POST', '/nodes', { count });
    },
    async settledRequests(quietMs: number, timeoutMs = 60_000): Promise<number> {
      const end = Date.now() + timeoutMs;
      let last = await requests();
      let since = Date.now();
      for (;;) {
        await sleep(250);
        const now = await requests();
        if (now !== last) {
          last = now;
          since = Date.now();
        } else if (Date.now() - since >= quietMs) {
          return now;
        }
        if (Date.now() > end) return now;
      }
    },
    async stop() {
      unregister();
      await stop();
    },
  };
}
