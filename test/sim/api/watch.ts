/**
 * HTTP watches: a chunked 200 with one compact JSON event per line, as client-go and client-node expect.
 * Objects that start or stop matching the selector become ADDED or DELETED; expired versions answer an ERROR
 * event with a 410 Status and then the stream ends; bookmarks carry only the resourceVersion.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults, KubeObject, ResourceType } from '../contract';
import { apiVersionOf } from '../resourceTypes';
import { selectorMatches, type Selector } from '../selectors';
import type { MemoryStore, StoreChange } from '../store';
import { statusObject } from './http';

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  selector: Selector;
  resourceVersion: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number;
  /** Renders each event's object differently (kubectl get -w asks for Tables). */
  render?: (obj: KubeObject) => unknown;
}

const BOOKMARK_INTERVAL_MS = 5_000;

interface OpenWatch {
  res: ServerResponse;
  openedAt: number;
  end: () => void;
}

export class WatchHub {
  private readonly watches = new Set<OpenWatch>();

  constructor(
    private readonly store: MemoryStore,
    private readonly faults: Faults,
  ) {}

  /** Ends every watch gracefully (server close, apiDown). */
  endAll(): void {
    for (const watch of [...this.watches]) watch.end();
  }

  /** Called often: cuts watches older than dropWatchesAfterMs. A clean end, so clients reconnect with their version. */
  enforceFaults(): void {
    const limit = this.faults.dropWatchesAfterMs;
    if (limit <= 0) return;
    const now = Date.now();
    for (const watch of [...this.watches]) if (now - watch.openedAt >= limit) watch.end();
  }

  count(): number {
    return this.watches.size;
  }

  open(req: IncomingMessage, res: ServerResponse, request: WatchRequest): void {
    const { type, selector } = request;
    const apiVersion = apiVersionOf(type);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const send = (eventType: string, object: unknown): void => {
      res.write(JSON.stringify({ type: eventType, object }) + '\n');
    };
    const render = (obj: KubeObject): unknown => (request.render ? request.render(obj) : obj);
    const inScope = (obj: KubeObject): boolean =>
      obj.apiVersion === apiVersion && obj.kind === type.kind && (request.namespace === undefined || obj.metadata.namespace === request.namespace);
    const matches = (obj: KubeObject | undefined): boolean => obj !== undefined && selectorMatches(selector, obj);

    const deliver = (change: StoreChange): void => {
      if (!inScope(change.object)) return;
      const now = matches(change.object);
      if (change.type === 'ADDED') {
        if (now) send('ADDED', render(change.object));
      } else if (change.type === 'DELETED') {
        if (now) send('DELETED', render(change.object));
      } else {
        const before = matches(change.previous);
        if (now && before) send('MODIFIED', render(change.object));
        else if (now) send('ADDED', render(change.object));
        else if (before) send('DELETED', render(change.object));
      }
    };

    let finished = false;
    const timers = new Set<NodeJS.Timeout>();
    let unsubscribe: () => void = () => undefined;
    const entry: OpenWatch = {
      res,
      openedAt: Date.now(),
      end: () => {
        if (finished) return;
        finished = true;
        unsubscribe();
        for (const timer of timers) clearTimeout(timer);
        this.watches.delete(entry);
        res.end();
      },
    };
    res.on('close', entry.end);
    req.on('close', entry.end);

    const gone = (version: string): void => {
      send('ERROR', statusObject(410, 'Expired', `too old resource version: ${version} (${this.store.resourceVersion})`));
      entry.end();
    };

    const schedule = (fn: () => void, ms: number): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms).unref();
      timers.add(timer);
    };

    const rv = request.resourceVersion;
    const fromNow = rv === '' || rv === '0' || request.sendInitialEvents;
    if (!fromNow && this.faults.watchGone) return gone(rv);
    if (fromNow) {
      for (const obj of this.store.scan(apiVersion, type.kind, request.namespace)) if (matches(obj)) send('ADDED', render(obj));
      if (request.sendInitialEvents && request.allowBookmarks) {
        send('BOOKMARK', { kind: type.kind, apiVersion, metadata: { resourceVersion: String(this.store.resourceVersion), annotations: { 'k8s.io/initial-events-end': 'true' } } });
      }
    } else {
      const since = Number(rv);
      if (!Number.isFinite(since)) {
        send('ERROR', statusObject(400, 'BadRequest', `invalid resource version ${JSON.stringify(rv)}`));
        return entry.end();
      }
      const history = this.store.changesSince(since);
      if (history.gone) return gone(rv);
      for (const change of history.changes) deliver(change);
    }
    // Subscribing right after the replay, in the same tick, loses and repeats nothing.
    unsubscribe = this.store.subscribe(deliver);
    this.watches.add(entry);

    if (request.allowBookmarks) {
      const bookmark = (): void => {
        if (finished) return;
        send('BOOKMARK', { kind: type.kind, apiVersion, metadata: { resourceVersion: String(this.store.resourceVersion) } });
        schedule(bookmark, BOOKMARK_INTERVAL_MS);
      };
      schedule(bookmark, BOOKMARK_INTERVAL_MS);
    }
    if (request.timeoutSeconds > 0) schedule(entry.end, request.timeoutSeconds * 1000);
    this.enforceFaults();
  }
}
