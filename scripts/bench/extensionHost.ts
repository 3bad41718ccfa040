// The extension host of a code-server, seen from /proc (Linux): which process it is, its memory, and the child
// processes it starts while something is measured.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './util';

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process or thread is gone
  }
}

/** pid → [parent pid, start time in clock ticks] of every process now. */
function processTable(): Map<number, { ppid: number; start: number }> {
  const table = new Map<number, { ppid: number; start: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readText(`/proc/${entry}/stat`);
    if (!stat) continue;
    // Fields after the command name, which is in parentheses and may hold spaces: state ppid ... starttime (22nd).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(Number(entry), { ppid: Number(fields[1]), start: Number(fields[19]) });
  }
  return table;
}

function isDescendant(table: Map<number, { ppid: number }>, pid: number, ancestor: number): boolean {
  for (let p = table.get(pid)?.ppid; p !== undefined && p > 1; p = table.get(p)?.ppid) if (p === ancestor) return true;
  return false;
}

/**
 * The newest extension host under `serverPid` (a window reload starts a new one; the old one may still be exiting).
 * VS Code's server forks it with `--type=extensionHost` on its command line.
 */
export async function findExtensionHost(serverPid: number, notPid?: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = processTable();
    const hosts = [...table.entries()]
      .filter(([pid]) => pid !== notPid && isDescendant(table, pid, serverPid) && (readText(`/proc/${pid}/cmdline`) ?? '').includes('--type=extensionHost'))
      .sort((a, b) => b[1].start - a[1].start);
    const newest = hosts[0];
    if (newest) return newest[0];
    if (Date.now() > deadline) throw new Error(`no extension host process under code-server (pid ${serverPid})`);
    await sleep(200);
  }
}

export interface ProcessMemory {
  /** Resident set size, bytes (VmRSS). */
  rss: number;
  /** Its anonymous part, bytes (RssAnon): the JavaScript heaps and malloc, without mapped code. */
  rssAnon: number;
}

export function processMemory(pid: number): ProcessMemory {
  const status = readText(`/proc/${pid}/status`);
  if (!status) throw new Error(`process ${pid} is gone`);
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib('VmRSS'), rssAnon: kib('RssAnon') };
}

/** The direct children of `pid` now, from /proc/<pid>/task/<tid>/children of each of its threads. */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tasks) {
    for (const child of (readText(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ')) if (child.trim()) children.push(Number(child));
  }
  return children;
}

export interface SpawnWatch {
  /** Stops polling; resolves the processes that appeared as children meanwhile ("pid command line"). */
  stop(): Promise<string[]>;
}

/**
 * Polls the children of `pid` every `intervalMs` and notes each new one. A spawn of kubectl or violet lives for tens
 * of milliseconds at least (a Go or Node start), so a 5 ms poll sees it; `checkSpawnWatch` proves that on this
 * machine. Everything the extension host starts (child_process, with or without a shell) is its direct child.
 */
export function watchSpawns(pid: number, intervalMs = 5): SpawnWatch {
  const before = new Set(childrenOf(pid));
  const seen = new Map<number, string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const child of childrenOf(pid)) {
        if (before.has(child)) continue;
        // Read again at each poll: between fork and exec a child still shows its parent's command line.
        const cmdline = readText(`/proc/${child}/cmdline`);
        // An exited child not yet reaped (a zombie) has an empty one: keep the last seen.
        const shown = (cmdline ?? '').split('\0').join(' ').trim();
        if (shown || !seen.has(child)) seen.set(child, shown || '?');
      }
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen.entries()].map(([child, cmd]) => `${child} ${cmd}`);
    },
  };
}

/** Proves the method: a kubectl this process starts (`kubectl version --client`, no cluster) is seen by the watch. */
export async function checkSpawnWatch(kubectl: string): Promise<void> {
  const watch = watchSpawns(process.pid);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(kubectl, ['version', '--client'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  const seen = await watch.stop();
  if (!seen.some((s) => s.includes('kubectl'))) throw new Error(`the /proc spawn watch missed a kubectl run (saw: ${seen.join('; ') || 'nothing'})`);
}
