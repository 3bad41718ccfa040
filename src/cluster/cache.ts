/**
 * A watch-backed cache of the objects one cluster shows: one informer per narrowed collection (a label or field
 * selector keeps each one small), each listing once and then following a watch. It resumes from the last
 * resourceVersion after a dropped watch, relists on 410 Gone, retries with backoff after an error, and reports
 * its health, so that readers make no request once it is warm. It never imports `vscode`: the views subscribe.
 */
import type { ClusterClient, WatchHandle } from './client';
import { ClusterError, toClusterError } from './errors';
import { silentLogger, type CollectionRef, type KubeObject, type Logger } from './types';

/** One narrowed collection to keep: e.g. pods labelled app=deepflow in cpaas-system. */
export interface InformerSpec {
  /** A stable name for the collection, e.g. "workloads/Deployment". */
  readonly key: string;
  readonly ref: CollectionRef;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Keeps only what readers need (5,000 nodes must not hold their images and annotations). */
  readonly shrink?: (obj: KubeObject) => KubeObject;
}

export type CacheHealth =
  | { readonly kind: 'starting' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'error'; readonly error: ClusterError };

/** Backoff after an error: quick first retries so that a returning API server is noticed within seconds. */
export const RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000];

/** How often a kind the cluster does not serve is looked for again (a CRD may be installed meanwhile). */
const ABSENT_KIND_RECHECK_MS = 30_000;

function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** How the cache runs informers: the client, and a clock for the backoff that tests may shorten. */
interface InformerHost {
  readonly client: ClusterClient;
  readonly logger: Logger;
  changed(): void;
  healthChanged(): void;
}

/** One list-then-watch loop (client-go's reflector, reduced): it restarts itself after every failure until stopped. */
class Informer {
  readonly objects = new Map<string, KubeObject>();
  synced = false;
  error: ClusterError | undefined;
  private resourceVersion: string | undefined;
  private handle: WatchHandle | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private running = false;
  /** Bumped on stop and on every new attempt, so late callbacks of an old attempt are ignored. */
  private generation = 0;

  constructor(
    readonly spec: InformerSpec,
    private readonly host: InformerHost,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.relist();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.handle?.stop();
    this.handle = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async relist(): Promise<void> {
    const attempt = ++this.generation;
    const { ref, labelSelector, fieldSelector } = this.spec;
    try {
      const list = await this.host.client.list(ref, { labelSelector, fieldSelector });
      if (attempt !== this.generation) return;
      const fresh = new Map(list.items.map((item) => [objectKey(item), this.shrink(item)]));
      const differs = fresh.size !== this.objects.size || [...fresh].some(([k, v]) => this.objects.get(k)?.metadata.resourceVersion !== v.metadata.resourceVersion);
      this.objects.clear();
      for (const [k, v] of fresh) this.objects.set(k, v);
      this.resourceVersion = list.metadata.resourceVersion;
      if (differs) this.host.changed();
      this.openWatch(attempt);
    } catch (err) {
      if (attempt !== this.generation) return;
      const error = toClusterError(err, { verb: 'list', kind: ref.kind, namespace: ref.namespace });
      if (error.kind === 'notFound' && error.reason === 'NoSuchResource') {
        // The cluster does not serve the kind (a product is not installed): an empty collection, not a failure.
        const hadObjects = this.objects.size > 0;
        this.objects.clear();
        this.markHealthy();
        if (hadObjects) this.host.changed();
        this.retry(() => void this.relist(), ABSENT_KIND_RECHECK_MS);
        return;
      }
      this.fail(error);
    }
  }

  private openWatch(attempt: number): void {
    const { ref, labelSelector, fieldSelector } = this.spec;
    const opened = Date.now();
    let gone = false;
    let closed = false;
    const current = (): boolean => attempt === this.generation;
    this.host.client
      .watch(
        ref,
        { resourceVersion: this.resourceVersion, labelSelector, fieldSelector },
        (event) => {
          if (!current()) return;
          if (event.type === 'ERROR') {
            // 410 Gone: the version fell out of the server's history; everything must be read again.
            if (event.status.code === 410) gone = true;
            else this.host.logger.warn(`watch of ${this.spec.key}: ${event.status.message ?? 'error event'}`);
            return;
          }
          const version = event.object.metadata.resourceVersion;
          if (version) this.resourceVersion = version;
          if (event.type === 'BOOKMARK') return;
          const key = objectKey(event.object);
          if (event.type === 'DELETED') this.objects.delete(key);
          else this.objects.set(key, this.shrink(event.object));
          this.host.changed();
        },
        (err) => {
          if (!current()) return;
          this.handle = undefined;
          closed = true;
          if (gone) {
            this.host.logger.debug?.(`watch of ${this.spec.key}: 410 Gone, relisting`);
            void this.relist();
          } else if (err) {
            this.fail(err);
          } else if (Date.now() - opened < 1000) {
            // A watch the server ends at once would otherwise spin; wait a little before resuming.
            this.retry(() => this.resume(), RETRY_DELAYS_MS[0] ?? 250);
          } else {
            this.resume();
          }
        },
      )
      .then((handle) => {
        if (!current()) return handle.stop();
        if (closed) return;
        this.handle = handle;
        // Healthy once listed and watching: from here a read needs no request.
        this.markHealthy();
      })
      .catch((err: unknown) => {
        if (current()) this.fail(toClusterError(err, { verb: 'watch', kind: ref.kind, namespace: ref.namespace }));
      });
  }

  /** A watch that ended cleanly (server timeout, dropped connection) resumes from the last version seen. */
  private resume(): void {
    if (!this.running) return;
    this.openWatch(++this.generation);
  }

  /** Records the error and relists after a backoff: after an outage the server's history may not reach back. */
  private fail(error: ClusterError): void {
    if (!this.running) return;
    const delay = RETRY_DELAYS_MS[Math.min(this.failures, RETRY_DELAYS_MS.length - 1)] ?? 2000;
    this.failures++;
    const changedHealth = this.error?.message !== error.message;
    this.error = error;
    if (changedHealth) {
      this.host.logger.warn(`${this.spec.key}: ${error.message} (retrying in ${delay} ms)`);
      this.host.healthChanged();
    }
    this.retry(() => void this.relist(), delay);
  }

  private retry(action: () => void, delayMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) action();
    }, delayMs);
  }

  private markHealthy(): void {
    const wasUnhealthy = !this.synced || this.error !== undefined;
    this.synced = true;
    this.error = undefined;
    this.failures = 0;
    if (wasUnhealthy) this.host.healthChanged();
  }

  private shrink(obj: KubeObject): KubeObject {
    return this.spec.shrink ? this.spec.shrink(obj) : obj;
  }
}

type Listener = () => void;

/**
 * The informers of one cluster. Readers ask `objects(key)`; `onChange` fires after any object changed and
 * `onHealth` when the cache turned ready, failed or recovered. `start` and `stop` are idempotent.
 */
export class ClusterCache {
  private readonly informers = new Map<string, Informer>();
  private readonly changeListeners = new Set<Listener>();
  private readonly healthListeners = new Set<Listener>();
  private readonly syncWaiters = new Set<{ resolve: () => void; reject: (err: ClusterError) => void }>();
  private started = false;

  constructor(
    readonly client: ClusterClient,
    specs: readonly InformerSpec[],
    private readonly logger: Logger = silentLogger,
  ) {
    const host: InformerHost = {
      client,
      logger,
      changed: () => this.emit(this.changeListeners),
      healthChanged: () => this.onHealthChanged(),
    };
    for (const spec of specs) this.informers.set(spec.key, new Informer(spec, host));
  }

  get running(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const informer of this.informers.values()) informer.stop();
  }

  /** Registers a listener for object changes; returns its disposer. */
  onChange(listener: Listener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onHealth(listener: Listener): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** The first informer error while any informer fails; ready once every informer listed. */
  health(): CacheHealth {
    const informers = [...this.informers.values()];
    const failing = informers.find((i) => i.error !== undefined);
    if (failing?.error) return { kind: 'error', error: failing.error };
    return informers.every((i) => i.synced) ? { kind: 'ready' } : { kind: 'starting' };
  }

  /** The objects of one collection, as last seen. Throws for a key that was never declared (a programming error). */
  objects(key: string): KubeObject[] {
    const informer = this.informers.get(key);
    if (!informer) throw new Error(`no informer "${key}" in this cache`);
    return [...informer.objects.values()];
  }

  /** Resolves when every informer has listed, rejects with the first error (starts the cache if needed). */
  whenReady(): Promise<void> {
    this.start();
    const health = this.health();
    if (health.kind === 'ready') return Promise.resolve();
    if (health.kind === 'error') return Promise.reject(health.error);
    return new Promise((resolve, reject) => this.syncWaiters.add({ resolve, reject }));
  }

  private onHealthChanged(): void {
    const health = this.health();
    if (health.kind !== 'starting') {
      for (const waiter of this.syncWaiters) {
        if (health.kind === 'ready') waiter.resolve();
        else waiter.reject(health.error);
      }
      this.syncWaiters.clear();
    }
    this.emit(this.healthListeners);
  }

  private emit(listeners: Set<Listener>): void {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (err) {
        this.logger.error(`a cache listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

export interface CacheLease {
  readonly cache: ClusterCache;
  /** Gives the cache back; it stops after the linger time unless someone takes it again. */
  release(): void;
}

/**
 * One cache per kubeconfig context, shared by every reader (the tree, the status bar, readStatus). A cache runs
 * while at least one lease holds it, and for `lingerMs` after the last one, so that a quick re-open stays warm.
 */
export class ClusterCaches {
  private readonly entries = new Map<string, { cache: ClusterCache; leases: number; stopTimer?: NodeJS.Timeout }>();

  constructor(
    private readonly create: (contextName: string) => ClusterCache,
    private readonly lingerMs = 30_000,
  ) {}

  acquire(contextName: string): CacheLease {
    let entry = this.entries.get(contextName);
    if (!entry) {
      entry = { cache: this.create(contextName), leases: 0 };
      this.entries.set(contextName, entry);
    }
    const held = entry;
    if (held.stopTimer) clearTimeout(held.stopTimer);
    held.stopTimer = undefined;
    held.leases++;
    held.cache.start();
    let released = false;
    return {
      cache: held.cache,
      release: () => {
        if (released) return;
        released = true;
        held.leases--;
        if (held.leases > 0) return;
        held.stopTimer = setTimeout(() => {
          held.stopTimer = undefined;
          if (held.leases === 0) held.cache.stop();
        }, this.lingerMs);
        held.stopTimer.unref?.();
      },
    };
  }

  /** Whether a context's cache is running now (tests and the log use it). */
  isRunning(contextName: string): boolean {
    return this.entries.get(contextName)?.cache.running ?? false;
  }

  /** Lists and watches again (Refresh, Retry): one context, or every running cache. */
  restart(contextName?: string): void {
    for (const [name, entry] of this.entries) {
      if (contextName !== undefined && name !== contextName) continue;
      if (!entry.cache.running) continue;
      entry.cache.stop();
      entry.cache.start();
    }
  }

  /** Stops and forgets every cache (the kubeconfig or the settings changed, or the extension ends). */
  clear(): void {
    for (const entry of this.entries.values()) {
      if (entry.stopTimer) clearTimeout(entry.stopTimer);
      entry.cache.stop();
    }
    this.entries.clear();
  }
}
