/**
 * Shared machinery for the simulated ACP controllers: scaled timers that stop() can cancel, a de-duplicating work
 * queue (store listeners run synchronously inside a commit, so controllers must not write from them directly),
 * and small object helpers.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, ObjectStore } from '../contract';

/** Timers that scale with `timeScale` and are all cancelled by stop(), so the process can exit. */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private stopped = false;

  constructor(readonly timeScale: number) {}

  /** Run `fn` after `ms` simulated milliseconds (ms × timeScale of real time). */
  after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.guard(fn);
    }, Math.max(0, Math.round(ms * this.timeScale)));
    // Unref: the servers keep the process alive; a forgotten timer must not.
    timer.unref();
    this.timers.add(timer);
  }

  /** Run `fn` every `ms` simulated milliseconds until stop(). */
  every(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setInterval(() => this.guard(fn), Math.max(5, Math.round(ms * this.timeScale)));
    timer.unref();
    this.timers.add(timer);
  }

  /** Run `fn` on the next turn of the event loop (after the current store commit has finished). */
  soon(fn: () => void): void {
    if (this.stopped) return;
    const imm = setImmediate(() => {
      this.immediates.delete(imm);
      this.guard(fn);
    });
    this.immediates.add(imm);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const i of this.immediates) clearImmediate(i);
    this.timers.clear();
    this.immediates.clear();
  }

  private guard(fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (err) {
      // A controller bug must not take the whole simulator down; make it visible instead.
      process.stderr.write(`[sim] controller error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
  }
}

/** Collects keys and reconciles each once per event-loop turn, however many events arrived. */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly reconcile: (key: string) => void,
  ) {}

  add(key: string): void {
    this.pending.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduler.soon(() => {
      this.scheduled = false;
      const keys = [...this.pending];
      this.pending.clear();
      for (const k of keys) this.reconcile(k);
    });
  }
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function splitKey(k: string): { namespace: string | undefined; name: string } {
  const i = k.indexOf('/');
  const ns = k.slice(0, i);
  return { namespace: ns === '' ? undefined : ns, name: k.slice(i + 1) };
}

export function ownerRef(owner: KubeObject): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean } {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function isOwnedBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

export function shortHash(value: unknown, length = 10): string {
  return createHash('sha256').update(JSON.stringify(value) ?? '').digest('hex').slice(0, length);
}

export function randomSuffix(length = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Write the status only when it differs, so controllers reacting to their own writes settle. */
export function putStatusIfChanged(store: ObjectStore, obj: KubeObject, status: unknown): void {
  if (JSON.stringify(obj.status ?? null) === JSON.stringify(status)) return;
  store.putStatus(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name, status);
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * List without copying when the store can (MemoryStore.scan): DaemonSet reconciles over 5,000 pods would
 * otherwise spend most of their time cloning. Callers must treat the result as read-only.
 */
export function listShared(store: ObjectStore, apiVersion: string, kind: string, namespace?: string): readonly KubeObject[] {
  const scan = (store as Partial<{ scan(apiVersion: string, kind: string, namespace?: string): KubeObject[] }>).scan;
  return typeof scan === 'function' ? scan.call(store, apiVersion, kind, namespace) : store.list(apiVersion, kind, namespace);
}
