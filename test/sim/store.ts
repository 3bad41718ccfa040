/**
 * The simulator's object database: objects indexed by type, then namespace, then name, so a list of one
 * namespace's pods does not scan 5,000 others. One global integer resourceVersion orders every change, and a
 * bounded history lets watches resume; asking for a version older than the history answers 410 Gone.
 *
 * Stored objects are never mutated in place: every write stores a fresh copy. The public methods return copies;
 * the `peek`/`scan` methods give the API server the stored objects themselves to serialise without copying.
 */
import { randomUUID } from 'node:crypto';
import type { ChangeType, KubeObject, ObjectStore } from './contract';

export interface StoreChange {
  type: ChangeType;
  object: KubeObject;
  /** The object before a MODIFIED change (lets watches with selectors turn transitions into ADDED/DELETED). */
  previous?: KubeObject;
  resourceVersion: number;
}

export type HistoryAnswer = { gone: true } | { gone: false; changes: StoreChange[] };

const DEFAULT_HISTORY = 20_000;

function typeKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

/** Everything that is neither metadata nor status: a change here raises metadata.generation. */
function specPart(obj: KubeObject): string {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key !== 'metadata' && key !== 'status' && key !== 'apiVersion' && key !== 'kind') rest[key] = value;
  }
  return JSON.stringify(rest);
}

export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly listeners = new Set<(type: ChangeType, obj: KubeObject) => void>();
  private readonly changeListeners = new Set<(change: StoreChange) => void>();
  private readonly history: StoreChange[] = [];
  /** resourceVersion of the newest change dropped from the history; older watches get 410. */
  private compactedThrough = 0;
  private currentVersion = 1;

  constructor(private readonly historyLimit = DEFAULT_HISTORY) {}

  get resourceVersion(): number {
    return this.currentVersion;
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.peek(apiVersion, kind, namespace, name);
    return found ? structuredClone(found) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    return this.scan(apiVersion, kind, namespace).map((obj) => structuredClone(obj));
  }

  /** The stored object itself. Callers must not mutate it. */
  peek(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(typeKey(apiVersion, kind))?.get(namespace ?? '')?.get(name);
  }

  /** Stored objects of one type (one namespace, or all), sorted by namespace then name like etcd keys. Do not mutate. */
  scan(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const byNamespace = this.objects.get(typeKey(apiVersion, kind));
    if (!byNamespace) return [];
    const result: KubeObject[] = [];
    const namespaces = namespace !== undefined ? [namespace] : [...byNamespace.keys()].sort();
    for (const ns of namespaces) {
      const byName = byNamespace.get(ns);
      if (!byName) continue;
      const names = [...byName.keys()].sort();
      for (const name of names) {
        const obj = byName.get(name);
        if (obj) result.push(obj);
      }
    }
    return result;
  }

  /** Every stored object of every type (for garbage collection and namespace deletion). Do not mutate. */
  *all(): Generator<KubeObject> {
    for (const byNamespace of this.objects.values()) {
      for (const byName of byNamespace.values()) yield* byName.values();
    }
  }

  put(input: KubeObject): KubeObject {
    const obj = structuredClone(input);
    const namespace = obj.metadata.namespace ?? '';
    const existing = this.peek(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const meta = obj.metadata;
    if (existing) {
      // Identity and birth are the server's, whatever the writer sent.
      meta.uid = existing.metadata.uid;
      meta.creationTimestamp = existing.metadata.creationTimestamp;
      const oldGeneration = existing.metadata.generation ?? 1;
      meta.generation = specPart(existing) === specPart(obj) ? oldGeneration : oldGeneration + 1;
      if (existing.metadata.deletionTimestamp) meta.deletionTimestamp = existing.metadata.deletionTimestamp;
      if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0) {
        // The last finalizer is gone from an object being deleted: it goes away now, as in Kubernetes.
        this.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
        return obj;
      }
    } else {
      meta.uid = meta.uid ?? randomUUID();
      meta.creationTimestamp = meta.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      meta.generation = 1;
    }
    const version = this.nextVersion();
    meta.resourceVersion = String(version);
    let byNamespace = this.objects.get(typeKey(obj.apiVersion, obj.kind));
    if (!byNamespace) {
      byNamespace = new Map();
      this.objects.set(typeKey(obj.apiVersion, obj.kind), byNamespace);
    }
    let byName = byNamespace.get(namespace);
    if (!byName) {
      byName = new Map();
      byNamespace.set(namespace, byName);
    }
    byName.set(meta.name, obj);
    this.commit({ type: existing ? 'MODIFIED' : 'ADDED', object: obj, previous: existing, resourceVersion: version });
    return structuredClone(obj);
  }

  putStatus(apiVersion: string, kind: string, namespace: string | undefined, name: string, status: unknown): KubeObject | undefined {
    const existing = this.peek(apiVersion, kind, namespace, name);
    if (!existing) return undefined;
    const obj = structuredClone(existing);
    obj.status = structuredClone(status);
    const version = this.nextVersion();
    obj.metadata.resourceVersion = String(version);
    this.objects.get(typeKey(apiVersion, kind))?.get(namespace ?? '')?.set(name, obj);
    this.commit({ type: 'MODIFIED', object: obj, previous: existing, resourceVersion: version });
    return structuredClone(obj);
  }

  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const byName = this.objects.get(typeKey(apiVersion, kind))?.get(namespace ?? '');
    const existing = byName?.get(name);
    if (!byName || !existing) return false;
    byName.delete(name);
    const version = this.nextVersion();
    // The DELETED event carries the deletion's resourceVersion, so watchers resume after it.
    const gone: KubeObject = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(version) } };
    this.commit({ type: 'DELETED', object: gone, previous: existing, resourceVersion: version });
    return true;
  }

  onChange(listener: (type: ChangeType, obj: KubeObject) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Like onChange, with the previous object and the version; the API server's watches use it. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Changes after `resourceVersion`, or gone when the history no longer reaches back that far. */
  changesSince(resourceVersion: number): HistoryAnswer {
    if (resourceVersion < this.compactedThrough) return { gone: true };
    let low = 0;
    let high = this.history.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.history[mid]?.resourceVersion ?? 0) <= resourceVersion) low = mid + 1;
      else high = mid;
    }
    return { gone: false, changes: this.history.slice(low) };
  }

  /** Forget the history up to now, so every watch from an older version answers 410 (for tests). */
  compactHistory(): void {
    this.history.length = 0;
    this.compactedThrough = this.currentVersion;
  }

  private nextVersion(): number {
    this.currentVersion += 1;
    return this.currentVersion;
  }

  private commit(change: StoreChange): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedThrough = dropped[dropped.length - 1]?.resourceVersion ?? this.compactedThrough;
    }
    for (const listener of [...this.changeListeners]) listener(change);
    if (this.listeners.size > 0) {
      for (const listener of [...this.listeners]) listener(change.type, structuredClone(change.object));
    }
  }
}
