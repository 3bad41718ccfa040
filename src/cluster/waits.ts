/**
 * Waits built on a watch of one object: list it (to get a resourceVersion), then watch from there with bookmarks.
 * The watch resumes from the last resourceVersion after a drop, relists after 410 Gone, and gives up with
 * 'unreachable' when the API server stays away longer than a short budget, so a wait never hangs on a dead server.
 */
import * as l10n from '@vscode/l10n';
import type { ClusterClient, WatchEvent, WatchHandle } from './client';
import { ClusterError, formatSeconds } from './errors';
import { rolloutStatus, type RolloutKind } from './rollout';
import { describeRef, silentLogger, type KubeObject, type Logger, type ObjectRef } from './types';

/** What a predicate says about the current object. */
export interface WaitCheck {
  done: boolean;
  /** Short progress text for the UI ("deepflow-clickhouse 0/1 ready"); reported when it changes. */
  progress?: string;
  /** Longer explanation, used in the timeout message (kubectl's rollout message, for instance). */
  detail?: string;
  /** Set when the object reached a state it will not leave by itself: the wait fails at once with this message. */
  failure?: string;
}

/** Receives undefined while the object does not exist. A boolean means just `done`. */
export type WaitPredicate = (obj: KubeObject | undefined) => WaitCheck | boolean;

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
  logger?: Logger;
  /** How long the API server may stay unreachable (or keep failing) during the wait before it fails. Default 2.5 s. */
  unreachableBudgetMs?: number;
}

/** The object reached a failed state (an Application whose assemblyPhase is Failed, a rollout past its deadline). */
export class WaitFailedError extends Error {
  override readonly name = 'WaitFailedError';
  constructor(
    message: string,
    readonly object: KubeObject | undefined,
  ) {
    super(message);
  }
}

/** Short enough that a wait notices a lost API server well within 5 s; long enough for a quick apiserver restart. */
export const DEFAULT_UNREACHABLE_BUDGET_MS = 2500;
/** Longest pause between reconnection attempts; short, because the whole budget is a few seconds. */
const MAX_BACKOFF_MS = 1000;
/** A watch that closes sooner than this after opening counts as a quick close and is retried with a pause. */
const QUICK_CLOSE_MS = 1000;

/** How long a failure waits for the object's explanation of it to arrive (see armFailure). */
const FAILURE_SETTLE_MS = 300;

/** Errors that retrying cannot fix: the wait fails with them at once. */
const PERMANENT_KINDS = new Set(['unauthorized', 'forbidden', 'tls', 'invalid', 'notFound', 'cancelled']);

function normalise(check: WaitCheck | boolean): WaitCheck {
  return typeof check === 'boolean' ? { done: check } : check;
}

/** Resolves with the object once `predicate` says done; rejects with ClusterError ('timeout', 'cancelled', 'unreachable'...) or WaitFailedError. */
export function waitFor(client: ClusterClient, ref: ObjectRef, predicate: WaitPredicate, options: WaitOptions): Promise<KubeObject> {
  return new ObjectWait(client, ref, predicate, options).run();
}

class ObjectWait {
  private readonly logger: Logger;
  private readonly budgetMs: number;
  private readonly what: string;
  private settled = false;
  private resolve: (obj: KubeObject) => void = () => undefined;
  private reject: (err: Error) => void = () => undefined;
  private watch: WatchHandle | undefined;
  /** Each watch attempt gets a number; events and closes of older attempts are ignored. */
  private attempt = 0;
  private lastResourceVersion: string | undefined;
  private lastCheck: WaitCheck | undefined;
  private pendingFailure: { message: string; obj: KubeObject | undefined } | undefined;
  private failingSince: number | undefined;
  private consecutiveFailures = 0;
  private quickCloses = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private removeAbortListener: () => void = () => undefined;

  constructor(
    private readonly client: ClusterClient,
    private readonly ref: ObjectRef,
    private readonly predicate: WaitPredicate,
    private readonly options: WaitOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.budgetMs = options.unreachableBudgetMs ?? DEFAULT_UNREACHABLE_BUDGET_MS;
    this.what = describeRef(ref);
  }

  run(): Promise<KubeObject> {
    return new Promise<KubeObject>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const { signal } = this.options;
      const cancelled = (): void => this.fail(new ClusterError('cancelled', l10n.t('Cancelled waiting for {0}.', this.what)));
      if (signal?.aborted) {
        cancelled();
        return;
      }
      if (signal) {
        signal.addEventListener('abort', cancelled, { once: true });
        this.removeAbortListener = () => signal.removeEventListener('abort', cancelled);
      }
      this.later(this.options.timeoutMs, () => {
        const state = this.lastCheck?.detail ?? this.lastCheck?.progress;
        const after = formatSeconds(this.options.timeoutMs);
        const message = state ? l10n.t('Timed out after {0} waiting for {1}: {2}.', after, this.what, state) : l10n.t('Timed out after {0} waiting for {1}.', after, this.what);
        this.fail(new ClusterError('timeout', message));
      });
      void this.relist();
    });
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.removeAbortListener();
    this.watch?.stop();
    this.watch = undefined;
    return true;
  }

  private fail(err: Error): void {
    if (this.settle()) this.reject(err);
  }

  private succeed(obj: KubeObject): void {
    if (this.settle()) this.resolve(obj);
  }

  private evaluate(obj: KubeObject | undefined): void {
    if (this.settled) return;
    let check: WaitCheck;
    try {
      check = normalise(this.predicate(obj));
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (check.progress !== undefined && check.progress !== this.lastCheck?.progress) this.options.onProgress?.(check.progress);
    if (check.detail !== undefined && check.detail !== this.lastCheck?.detail) this.logger.debug?.(check.detail);
    this.lastCheck = check;
    if (check.failure !== undefined) {
      this.armFailure(check.failure, obj);
      return;
    }
    this.pendingFailure = undefined;
    if (check.done && obj) this.succeed(obj);
    else if (check.done) this.fail(new Error(l10n.t('The predicate for {0} said done without an object.', this.what)));
  }

  /**
   * Controllers often write a failed phase and its explanation in two updates (spec, then status), so the failure
   * waits a moment for the explanation; a later event in that window replaces it (or clears it).
   */
  private armFailure(message: string, obj: KubeObject | undefined): void {
    const armed = this.pendingFailure !== undefined;
    this.pendingFailure = { message, obj };
    if (armed) return;
    this.later(FAILURE_SETTLE_MS, () => {
      const failure = this.pendingFailure;
      if (failure) this.fail(new WaitFailedError(failure.message, failure.obj));
    });
  }

  /** Reads the object's current state and the collection resourceVersion to watch from. */
  private async relist(): Promise<void> {
    if (this.settled) return;
    try {
      const list = await this.client.list(
        { apiVersion: this.ref.apiVersion, kind: this.ref.kind, namespace: this.ref.namespace ?? this.client.defaultNamespace },
        {
          fieldSelector: `metadata.name=${this.ref.name}`,
          signal: this.options.signal,
          // While recovering, a request to a host that drops packets must not outlive the unreachable budget by much.
          timeoutMs: this.failingSince === undefined ? undefined : Math.max(this.budgetMs, 5000),
        },
      );
      if (this.settled) return;
      this.lastResourceVersion = list.metadata.resourceVersion;
      this.evaluate(list.items[0]);
      this.startWatch();
    } catch (err) {
      this.onFailure(err instanceof ClusterError ? err : new ClusterError('server', String(err)), () => void this.relist());
    }
  }

  private startWatch(): void {
    if (this.settled) return;
    const attempt = ++this.attempt;
    const openedAt = Date.now();
    let closed = false;
    let gone = false;
    const current = (): boolean => attempt === this.attempt && !this.settled;
    const onEvent = (event: WatchEvent): void => {
      if (!current()) return;
      if (event.type === 'ERROR') {
        if (event.status.code === 410 || event.status.reason === 'Expired' || event.status.reason === 'Gone') {
          this.logger.debug?.(`Watch of ${this.what}: resourceVersion ${this.lastResourceVersion ?? ''} expired (410); relisting.`);
          gone = true;
          closed = true;
          this.watch?.stop();
          this.watch = undefined;
          this.attempt++;
          void this.relist();
        } else {
          this.logger.warn(`Watch of ${this.what} reported: ${event.status.message ?? event.status.reason ?? 'an error'}`);
        }
        return;
      }
      this.markHealthy();
      const rv = event.object.metadata.resourceVersion;
      if (rv) this.lastResourceVersion = rv;
      if (event.type === 'BOOKMARK') return;
      this.evaluate(event.type === 'DELETED' ? undefined : event.object);
    };
    const onClose = (err: ClusterError | undefined): void => {
      closed = true;
      if (!current() || gone) return;
      this.watch = undefined;
      if (err?.httpStatus === 410) {
        // Some servers answer an expired resourceVersion with an HTTP 410 instead of an ERROR event.
        this.attempt++;
        void this.relist();
        return;
      }
      if (err) {
        this.onFailure(err, () => this.startWatch());
        return;
      }
      // A clean close is normal (server-side watch timeouts, load balancers): resume from the last resourceVersion.
      this.quickCloses = Date.now() - openedAt < QUICK_CLOSE_MS ? this.quickCloses + 1 : 0;
      this.logger.debug?.(`Watch of ${this.what} closed; resuming from resourceVersion ${this.lastResourceVersion ?? ''}.`);
      if (this.quickCloses === 0) this.startWatch();
      else this.later(Math.min(100 * this.quickCloses, MAX_BACKOFF_MS), () => this.startWatch());
    };
    // A connection attempt that hangs (a host that drops packets) counts as a failure after the budget.
    this.later(this.budgetMs, () => {
      if (current() && !closed && this.watch === undefined) {
        this.attempt++;
        const message = l10n.t('The API server at {0} did not accept a watch within {1}.', this.client.server, formatSeconds(this.budgetMs));
        this.onFailure(new ClusterError('unreachable', message), () => this.startWatch());
      }
    });
    this.client
      .watch(
        { apiVersion: this.ref.apiVersion, kind: this.ref.kind, namespace: this.ref.namespace ?? this.client.defaultNamespace },
        { resourceVersion: this.lastResourceVersion, fieldSelector: `metadata.name=${this.ref.name}` },
        onEvent,
        onClose,
      )
      .then(
        (handle) => {
          if (!current() || closed) {
            handle.stop();
            return;
          }
          this.watch = handle;
          this.markHealthy();
        },
        (err: unknown) => {
          if (!current() || closed) return;
          closed = true;
          this.onFailure(err instanceof ClusterError ? err : new ClusterError('server', String(err)), () => this.startWatch());
        },
      );
  }

  private markHealthy(): void {
    this.failingSince = undefined;
    this.consecutiveFailures = 0;
  }

  /** Retries `retry` with backoff while the failures last less than the budget; permanent errors fail at once. */
  private onFailure(err: ClusterError, retry: () => void): void {
    if (this.settled) return;
    if (PERMANENT_KINDS.has(err.kind)) {
      this.fail(err);
      return;
    }
    const now = Date.now();
    this.failingSince ??= now;
    this.consecutiveFailures++;
    const failingFor = now - this.failingSince;
    const remaining = this.budgetMs - failingFor;
    this.logger.debug?.(`Waiting for ${this.what}: ${err.message} (failing for ${failingFor} ms)`);
    if (remaining <= 0) {
      const message =
        err.kind === 'unreachable'
          ? l10n.t('Lost the API server at {0} while waiting for {1}: {2}', this.client.server, this.what, err.message)
          : l10n.t('Gave up waiting for {0} after repeated failures: {1}', this.what, err.message);
      this.fail(new ClusterError(err.kind, message, { httpStatus: err.httpStatus, code: err.code, reason: err.reason, statusMessage: err.statusMessage, cause: err }));
      return;
    }
    const backoff = Math.min(100 * 2 ** (this.consecutiveFailures - 1), MAX_BACKOFF_MS, remaining);
    this.later(backoff, () => {
      if (!this.settled) retry();
    });
  }
}

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
}

function conditionsOf(obj: KubeObject): Condition[] {
  const status = obj.status;
  if (typeof status !== 'object' || status === null) return [];
  const conditions = (status as { conditions?: unknown }).conditions;
  return Array.isArray(conditions) ? conditions.filter((c): c is Condition => typeof c === 'object' && c !== null) : [];
}

/** Waits until `status.conditions[type].status` equals `status` (e.g. AppRelease Health=True). */
export function waitForCondition(client: ClusterClient, ref: ObjectRef, type: string, status: string, options: WaitOptions): Promise<KubeObject> {
  return waitFor(client, ref, (obj) => conditionCheck(ref, type, status, obj), options);
}

/** Progress while the awaited object does not exist: "AppRelease deepflow does not exist yet". */
function notYet(ref: ObjectRef): string {
  return l10n.t('{0} {1} does not exist yet', ref.kind, ref.name);
}

export function conditionCheck(ref: ObjectRef, type: string, status: string, obj: KubeObject | undefined): WaitCheck {
  if (!obj) return { done: false, progress: notYet(ref) };
  const condition = conditionsOf(obj).find((c) => c.type === type);
  const current = typeof condition?.status === 'string' ? condition.status : 'Unknown';
  const why = [condition?.reason, condition?.message].filter((s): s is string => typeof s === 'string' && s !== '').join(': ');
  return { done: current === status, progress: `${ref.kind} ${ref.name}: ${type}=${current}${why ? ` (${why})` : ''}` };
}

/** Reads a dotted path such as `spec.assemblyPhase`. */
export function fieldAt(obj: unknown, path: string): unknown {
  let value: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The best explanation an object carries for its failure: status.message, then failed conditions' messages. */
export function failureMessageOf(obj: KubeObject): string | undefined {
  const direct = fieldAt(obj, 'status.message') ?? fieldAt(obj, 'status.reason');
  if (typeof direct === 'string' && direct !== '') return direct;
  const messages = conditionsOf(obj)
    .filter((c) => typeof c.message === 'string' && c.message !== '' && c.status !== 'True')
    .map((c) => String(c.message));
  if (messages.length > 0) return messages.join('; ');
  const anyMessage = conditionsOf(obj).find((c) => typeof c.message === 'string' && c.message !== '')?.message;
  return typeof anyMessage === 'string' ? anyMessage : undefined;
}

export interface FieldWaitOptions extends WaitOptions {
  /** Values that mean the object failed; the wait rejects at once with WaitFailedError. Default ['Failed']. */
  failureValues?: string[];
}

/** Waits until the field at `path` equals `value` (e.g. Application `spec.assemblyPhase` = Succeeded). */
export function waitForField(client: ClusterClient, ref: ObjectRef, path: string, value: string | number | boolean, options: FieldWaitOptions): Promise<KubeObject> {
  return waitFor(client, ref, (obj) => fieldCheck(ref, path, value, obj, options.failureValues ?? ['Failed']), options);
}

export function fieldCheck(ref: ObjectRef, path: string, value: string | number | boolean, obj: KubeObject | undefined, failureValues: string[] = ['Failed']): WaitCheck {
  if (!obj) return { done: false, progress: notYet(ref) };
  const current = fieldAt(obj, path);
  const shown = current === undefined ? l10n.t({ message: 'unset', comment: ['the value shown for a field the object does not set, as in "spec.assemblyPhase=unset"'] }) : typeof current === 'string' ? current : JSON.stringify(current);
  const progress = `${ref.kind} ${ref.name}: ${path}=${shown}`;
  if (typeof current === 'string' && failureValues.includes(current)) {
    const why = failureMessageOf(obj);
    const failure = why ? l10n.t('{0} {1} {2} is {3}: {4}', ref.kind, ref.name, path, current, why) : l10n.t('{0} {1} {2} is {3}', ref.kind, ref.name, path, current);
    return { done: false, progress, failure };
  }
  return { done: current === value, progress };
}

/** Waits like `kubectl rollout status` for a Deployment, StatefulSet or DaemonSet. */
export function waitForRollout(client: ClusterClient, kind: RolloutKind, namespace: string, name: string, options: WaitOptions): Promise<KubeObject> {
  const ref: ObjectRef = { apiVersion: 'apps/v1', kind, namespace, name };
  return waitFor(client, ref, (obj) => rolloutCheck(ref, obj), options);
}

export function rolloutCheck(ref: ObjectRef, obj: KubeObject | undefined): WaitCheck {
  if (!obj) return { done: false, progress: l10n.t('{0} does not exist yet', ref.name) };
  const status = rolloutStatus(obj);
  return { done: status.done, progress: status.summary, detail: status.message, failure: status.error };
}
