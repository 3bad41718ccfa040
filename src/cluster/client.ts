/**
 * Kubernetes access in plain JSON over Node's own http/https. TLS and authentication (tokens, client certificates,
 * exec plugins) come from credentials.ts; the bytes travel through boundedHttp.ts, which caps response bodies and
 * watch lines (a hostile server cannot exhaust memory). Bodies are our own JSON in both directions, so custom
 * resources (Application, AppRelease, ClusterPluginInstance) round-trip with unknown fields and string timestamps.
 */
import * as l10n from '@vscode/l10n';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_WATCH_LINE_BYTES, openResponse, readBounded, readLines, SERVER_SIDE_APPLY, type HttpMethod } from './boundedHttp';
import { Credentials } from './credentials';
import { ApiStatusError, ClusterError, formatSeconds, requestCancelledMessage, toClusterError, type KubernetesStatus, type RequestDescription, parseStatus } from './errors';
import type { LoadedKubeconfig, SelectedContext } from './kubeconfig';
import { isRecord, silentLogger, type CollectionRef, type KubeList, type KubeObject, type Logger, type ObjectRef } from './types';

export const FIELD_MANAGER = 'deepflow-acp';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ClusterClientOptions {
  /** Per-request timeout (the `deepflow.timeouts.requestSeconds` setting, in ms). Default 30 s. */
  requestTimeoutMs?: number;
  logger?: Logger;
  /** Largest response body accepted; default 64 MiB. */
  maxResponseBytes?: number;
  /** Largest watch event line accepted; default 16 MiB. */
  maxWatchLineBytes?: number;
  /** The clock for credential freshness (token files, exec plugin expiry); tests move it forward. */
  now?: () => number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's per-request timeout for this call. */
  timeoutMs?: number;
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ApplyOptions extends RequestOptions {
  /** Take over fields another field manager owns instead of failing with a 409 conflict. */
  force?: boolean;
  /** Validate and admit on the server without persisting. */
  dryRun?: boolean;
}

export interface AccessReview {
  allowed: boolean;
  denied: boolean;
  reason: string | undefined;
}

export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: KubeObject }
  | { type: 'ERROR'; status: KubernetesStatus };

export interface WatchParams {
  resourceVersion?: string;
  fieldSelector?: string;
  labelSelector?: string;
}

export interface WatchHandle {
  /** Ends the watch; `onClose` is not called afterwards. */
  stop(): void;
}

/** One served resource, from discovery. */
export interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
}

interface ApiResourceList {
  resources?: { name?: string; namespaced?: boolean; kind?: string }[];
}

/** A request body: our own JSON, or an HTML form (`application/x-www-form-urlencoded`) for proxied services. */
type RequestBody = { contentType: string; json: unknown } | { contentType: string; form: URLSearchParams };

function isKubeObject(value: unknown): value is KubeObject {
  return isRecord(value) && typeof value.kind === 'string' && typeof value.apiVersion === 'string' && isRecord(value.metadata);
}

function headersOf(response: IncomingMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

export class ClusterClient {
  readonly server: string;
  readonly contextName: string;
  /** The context's namespace, used for namespaced objects that name none (as kubectl does). */
  readonly defaultNamespace: string;
  private readonly discovery = new Map<string, Promise<ApiResource[]>>();
  private readonly requestTimeoutMs: number;
  private readonly logger: Logger;
  private readonly maxResponseBytes: number;
  private readonly maxWatchLineBytes: number;
  private readonly credentials: Credentials;

  /** Connects with `selected`'s cluster and user; get it from `LoadedKubeconfig.withContext(name)`. */
  constructor(selected: SelectedContext, options: ClusterClientOptions = {}) {
    const { context, cluster, user } = selected;
    if (!cluster) {
      throw new ClusterError('invalid', l10n.t('The kubeconfig context "{0}" names no cluster.', context.name));
    }
    this.server = cluster.server;
    this.contextName = context.name;
    this.defaultNamespace = context.namespace ?? 'default';
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.logger = options.logger ?? silentLogger;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.maxWatchLineBytes = options.maxWatchLineBytes ?? DEFAULT_MAX_WATCH_LINE_BYTES;
    this.credentials = new Credentials(context, cluster, user, { now: options.now, logger: this.logger });
  }

  /** Closes the client's connections, idle or not (its watches end); a later request opens new ones. */
  dispose(): void {
    this.credentials.dispose();
  }

  /** A client for `contextName` (empty: the kubeconfig's current context). Throws KubeconfigError for an unknown context. */
  static forContext(kubeconfig: LoadedKubeconfig, contextName?: string, options: ClusterClientOptions = {}): ClusterClient {
    return new ClusterClient(kubeconfig.withContext(contextName), options);
  }

  async get(ref: ObjectRef, options: RequestOptions = {}): Promise<KubeObject> {
    const description = this.describe('get', ref);
    const path = await this.objectPath(ref, options, description);
    return this.requestObject('GET', path, {}, undefined, options, description);
  }

  /** Like get, but resolves undefined when the object does not exist. */
  async find(ref: ObjectRef, options: RequestOptions = {}): Promise<KubeObject | undefined> {
    try {
      return await this.get(ref, options);
    } catch (err) {
      if (err instanceof ClusterError && err.kind === 'notFound' && err.reason !== 'NoSuchResource') return undefined;
      throw err;
    }
  }

  async list(ref: CollectionRef, options: ListOptions = {}): Promise<KubeList> {
    const description = this.describe('list', ref);
    const path = await this.collectionPath(ref, options, description);
    const query: Record<string, string> = {};
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (options.limit !== undefined) query.limit = String(options.limit);
    if (options.continue) query.continue = options.continue;
    const body = await this.request('GET', path, query, undefined, options, description);
    if (!isRecord(body) || !Array.isArray(body.items)) {
      throw new ClusterError('server', l10n.t('The API server sent a malformed list of {0}.', ref.kind));
    }
    const metadata = isRecord(body.metadata) ? body.metadata : {};
    return {
      apiVersion: typeof body.apiVersion === 'string' ? body.apiVersion : undefined,
      kind: typeof body.kind === 'string' ? body.kind : undefined,
      metadata: {
        resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : undefined,
        continue: typeof metadata.continue === 'string' && metadata.continue !== '' ? metadata.continue : undefined,
        remainingItemCount: typeof metadata.remainingItemCount === 'number' ? metadata.remainingItemCount : undefined,
      },
      // Items of a list omit apiVersion and kind on a real server; restore them from the ref.
      items: body.items.filter(isRecord).map((item) => ({ ...item, apiVersion: ref.apiVersion, kind: ref.kind }) as KubeObject),
    };
  }

  /**
   * Every page of a list, following `continue` tokens, with a bound: more than `maxPages` pages (default 200), or a
   * token the server already sent, stops with a ClusterError instead of reading forever.
   */
  async listAll(ref: CollectionRef, options: ListOptions & { maxPages?: number } = {}): Promise<KubeObject[]> {
    const { maxPages = 200, ...listOptions } = options;
    const items: KubeObject[] = [];
    const seen = new Set<string>();
    let token = listOptions.continue;
    for (let page = 0; ; page++) {
      if (page >= maxPages) {
        const message = l10n.t('The API server kept sending pages of {0} after {1} pages ({2} objects); the extension stopped reading.', ref.kind, maxPages, items.length);
        throw new ClusterError('server', message, { reason: 'TooManyPages' });
      }
      const list = await this.list(ref, { ...listOptions, continue: token });
      items.push(...list.items);
      token = list.metadata.continue;
      if (!token) return items;
      if (seen.has(token)) {
        throw new ClusterError('server', l10n.t('The API server sent the same continue token twice while listing {0}; the extension stopped reading.', ref.kind), { reason: 'TooManyPages' });
      }
      seen.add(token);
    }
  }

  /**
   * Server-side apply with field manager `deepflow-acp`: the same request as client-node's
   * `KubernetesObjectApi.patch(obj, undefined, dryRun, 'deepflow-acp', force, PatchStrategy.ServerSideApply)`
   * (`kubectl apply --server-side`), with the object's JSON as given for body.
   */
  async apply(obj: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const name = obj.metadata.name;
    if (!name) throw new ClusterError('invalid', l10n.t('Cannot apply a {0} without metadata.name.', obj.kind));
    const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name, namespace: obj.metadata.namespace };
    const description = this.describe('patch', ref);
    const resource = await this.resourceFor(obj.apiVersion, obj.kind, options, description);
    const namespace = resource.namespaced ? (obj.metadata.namespace ?? this.defaultNamespace) : undefined;
    const body = resource.namespaced ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
    const path = this.pathFor(obj.apiVersion, resource, namespace, name);
    const query: Record<string, string> = { fieldManager: FIELD_MANAGER };
    if (options.force) query.force = 'true';
    if (options.dryRun) query.dryRun = 'All';
    return this.requestObject('PATCH', path, query, { contentType: SERVER_SIDE_APPLY, json: body }, options, {
      ...description,
      namespace,
    });
  }

  /** Deletes with background propagation. Resolves false when the object was already gone. */
  async delete(ref: ObjectRef, options: RequestOptions = {}): Promise<boolean> {
    const description = this.describe('delete', ref);
    const path = await this.objectPath(ref, options, description);
    try {
      await this.request('DELETE', path, {}, { contentType: 'application/json', json: { propagationPolicy: 'Background' } }, options, description);
      return true;
    } catch (err) {
      if (err instanceof ClusterError && err.kind === 'notFound') return false;
      throw err;
    }
  }

  /** Asks the server whether the current user may `verb` the resource (what `kubectl auth can-i` does). */
  async selfSubjectAccessReview(verb: string, group: string, resource: string, namespace?: string, options: RequestOptions = {}): Promise<AccessReview> {
    const review = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb, group, resource, ...(namespace ? { namespace } : {}) } },
    };
    const body = await this.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {}, { contentType: 'application/json', json: review }, options, {
      verb: 'create',
      resource: 'selfsubjectaccessreviews.authorization.k8s.io',
      server: this.server,
    });
    const status = isRecord(body) && isRecord(body.status) ? body.status : {};
    return { allowed: status.allowed === true, denied: status.denied === true, reason: typeof status.reason === 'string' ? status.reason : undefined };
  }

  /**
   * POSTs an HTML form to a path on the API server, e.g. a service proxy
   * (`/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/...`), and returns the parsed JSON answer. A non-2xx
   * answer is a ClusterError with the HTTP status and the answer's message.
   */
  async postForm(path: string, fields: Record<string, string>, options: RequestOptions = {}): Promise<unknown> {
    const body = { contentType: 'application/x-www-form-urlencoded', form: new URLSearchParams(fields) };
    return this.request('POST', path, {}, body, options, { verb: 'create', resource: path, server: this.server });
  }

  /** The collection path of a kind (discovery is cached per group-version). */
  async collectionPath(ref: CollectionRef, options: RequestOptions = {}, description = this.describe('list', ref)): Promise<string> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind, options, description);
    return this.pathFor(ref.apiVersion, resource, resource.namespaced ? ref.namespace : undefined);
  }

  /**
   * Opens a watch with bookmarks on a collection. `onClose` is called once when the stream ends for any reason
   * other than `stop()`: with undefined for a clean close, or the mapped error. Resolves once the server accepted
   * the watch (or once it failed; `onClose` has then been called).
   */
  async watch(ref: CollectionRef, params: WatchParams, onEvent: (event: WatchEvent) => void, onClose: (err: ClusterError | undefined) => void): Promise<WatchHandle> {
    const description = this.describe('watch', ref);
    const path = await this.collectionPath(ref, {}, description);
    let stopped = false;
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (params.resourceVersion) query.resourceVersion = params.resourceVersion;
    if (params.fieldSelector) query.fieldSelector = params.fieldSelector;
    if (params.labelSelector) query.labelSelector = params.labelSelector;
    const receive = (phase: string, apiObj: unknown): void => {
      if (stopped) return;
      if (phase === 'ERROR') {
        onEvent({ type: 'ERROR', status: parseStatus(apiObj) ?? {} });
      } else if ((phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' || phase === 'BOOKMARK') && isRecord(apiObj)) {
        const object = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: {}, ...apiObj } as KubeObject;
        onEvent({ type: phase, object });
      }
    };
    const done = (err: unknown): void => {
      if (stopped) return;
      stopped = true;
      onClose(err === null || err === undefined ? undefined : toClusterError(err, description));
    };
    const controller = new AbortController();
    const url = this.urlFor(path, { watch: 'true', ...Object.fromEntries(Object.entries(query).map(([key, value]) => [key, String(value)])) });
    try {
      const response = await this.open(url, 'GET', undefined, controller.signal);
      if (response.statusCode !== 200) {
        const text = await readBounded(response, this.maxResponseBytes, `watch ${path}`);
        throw this.statusError(response, text);
      }
      response.socket.setKeepAlive(true, 30_000);
      readLines(response, this.maxWatchLineBytes, `watch ${path}`, (line) => {
        let event: { type?: unknown; object?: unknown };
        try {
          event = JSON.parse(line) as { type?: unknown; object?: unknown };
        } catch {
          return; // not an event: skipped, as client-node's Watch does
        }
        receive(String(event.type), event.object);
      }, done);
    } catch (err) {
      done(err);
    }
    if (stopped) controller.abort();
    return {
      stop: () => {
        stopped = true;
        controller.abort();
      },
    };
  }

  /**
   * Streams a container's log (`follow` keeps it open): each chunk of text goes to `onText`, `onEnd` runs once when
   * the stream ends or fails. Resolves once the server accepted the request; stop() ends it.
   */
  async streamLog(
    pod: { name: string; namespace: string },
    container: string,
    options: { follow: boolean; tailLines?: number },
    onText: (text: string) => void,
    onEnd: (err: ClusterError | undefined) => void,
  ): Promise<WatchHandle> {
    const description: RequestDescription = { verb: 'get', resource: 'pods/log', kind: 'Pod', name: pod.name, namespace: pod.namespace, server: this.server };
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/log`;
    const query: Record<string, string> = { container, follow: String(options.follow) };
    if (options.tailLines !== undefined) query.tailLines = String(options.tailLines);
    const controller = new AbortController();
    let ended = false;
    const end = (err: unknown): void => {
      if (ended) return;
      ended = true;
      onEnd(err === undefined ? undefined : toClusterError(err, description));
    };
    const stop = (): void => {
      ended = true;
      controller.abort();
    };
    let response: IncomingMessage;
    try {
      // A log is text; only a failure comes as a JSON Status. kubectl asks for anything, too.
      response = await this.open(this.urlFor(path, query), 'GET', undefined, controller.signal, '*/*');
      if (response.statusCode !== 200) {
        const text = await readBounded(response, this.maxResponseBytes, `GET ${path}`);
        throw this.statusError(response, text);
      }
    } catch (err) {
      const mapped = toClusterError(err, description);
      end(mapped);
      throw mapped;
    }
    // A log has no size bound: it streams for as long as the user watches, and nothing of it is kept here.
    response.setEncoding('utf8');
    response.on('data', (text: string) => {
      if (!ended) onText(text);
    });
    response.once('end', () => end(undefined));
    response.once('error', end);
    // A connection dropped mid-stream may close without 'end' or 'error'; the caller still hears of it once.
    response.once('close', () => end(undefined));
    return { stop };
  }

  private urlFor(path: string, query: Record<string, string>): URL {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url;
  }

  /** Authenticates and sends one request; resolves once the response headers arrived. */
  private async open(url: URL, method: HttpMethod, body: RequestBody | undefined, signal: AbortSignal, accept = 'application/json'): Promise<IncomingMessage> {
    const auth = await this.credentials.prepare(url, method, signal);
    const headers: OutgoingHttpHeaders = { ...auth.headers, Accept: accept };
    let text: string | undefined;
    if (body) {
      headers['Content-Type'] = body.contentType;
      text = 'form' in body ? body.form.toString() : JSON.stringify(body.json);
    }
    return openResponse({ url, method, headers, body: text, agent: auth.agent, signal });
  }

  /** A non-2xx answer as an error for toClusterError; a 401 also retires a cached plugin credential. */
  private statusError(response: IncomingMessage, text: string): ApiStatusError {
    const status = response.statusCode ?? 0;
    if (status === 401) this.credentials.rejected();
    return new ApiStatusError(status, text, headersOf(response));
  }

  private describe(verb: string, ref: CollectionRef & { name?: string }): RequestDescription {
    return { verb, kind: ref.kind, name: ref.name, namespace: ref.namespace, server: this.server };
  }

  private async objectPath(ref: ObjectRef, options: RequestOptions, description: RequestDescription): Promise<string> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind, options, description);
    const namespace = resource.namespaced ? (ref.namespace ?? this.defaultNamespace) : undefined;
    return this.pathFor(ref.apiVersion, resource, namespace, ref.name);
  }

  private pathFor(apiVersion: string, resource: ApiResource, namespace: string | undefined, name?: string): string {
    const parts = [apiVersion.includes('/') ? '/apis' : '/api', apiVersion];
    if (namespace) parts.push('namespaces', encodeURIComponent(namespace));
    parts.push(resource.name);
    if (name !== undefined) parts.push(encodeURIComponent(name));
    return parts.join('/');
  }

  /** Maps a kind to its resource through discovery. A miss refreshes the group-version once (a CRD may be new). */
  async resourceFor(apiVersion: string, kind: string, options: RequestOptions = {}, description?: RequestDescription): Promise<ApiResource> {
    for (const refresh of [false, true]) {
      const resources = await this.discover(apiVersion, refresh, options, description);
      const found = resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) {
        if (description) description.resource = groupOf(apiVersion) ? `${found.name}.${groupOf(apiVersion)}` : found.name;
        return found;
      }
    }
    throw new ClusterError('notFound', l10n.t('The cluster does not serve {0} in {1}. Is the product that defines it installed?', kind, apiVersion), {
      reason: 'NoSuchResource',
    });
  }

  private discover(apiVersion: string, refresh: boolean, options: RequestOptions, description?: RequestDescription): Promise<ApiResource[]> {
    const cached = this.discovery.get(apiVersion);
    if (cached && !refresh) return cached;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const pending = this.request('GET', path, {}, undefined, options, { ...description, server: this.server })
      .then((body) => ((body as ApiResourceList).resources ?? []).flatMap((r) => (r.name && r.kind ? [{ name: r.name, kind: r.kind, namespaced: r.namespaced === true }] : [])))
      .catch((err: unknown) => {
        this.discovery.delete(apiVersion);
        if (err instanceof ClusterError && err.kind === 'notFound') {
          throw new ClusterError('notFound', l10n.t('The cluster does not serve the API {0}. Is the product that defines it installed?', apiVersion), {
            httpStatus: 404,
            reason: 'NoSuchResource',
          });
        }
        throw err;
      });
    this.discovery.set(apiVersion, pending);
    return pending;
  }

  private async requestObject(
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body: RequestBody | undefined,
    options: RequestOptions,
    description: RequestDescription,
  ): Promise<KubeObject> {
    const result = await this.request(method, path, query, body, options, description);
    if (!isKubeObject(result)) throw new ClusterError('server', l10n.t('The API server sent something that is not a Kubernetes object for {0}.', path));
    return result;
  }

  /** One HTTP round trip with the per-request timeout and the caller's cancellation; every failure is a ClusterError. */
  private async request(
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body: RequestBody | undefined,
    options: RequestOptions,
    description: RequestDescription,
  ): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    if (options.signal?.aborted) throw new ClusterError('cancelled', requestCancelledMessage());
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const started = Date.now();
    try {
      const response = await this.open(this.urlFor(path, query), method, body, signal);
      const status = response.statusCode ?? 0;
      const text = await readBounded(response, this.maxResponseBytes, `${method} ${path}`);
      this.logger.debug?.(`${method} ${path} → ${status} (${Date.now() - started} ms)`);
      if (status < 200 || status > 299) throw this.statusError(response, text);
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch (err) {
      if (options.signal?.aborted) throw new ClusterError('cancelled', requestCancelledMessage(), { cause: err });
      if (timeout.aborted && !(err instanceof ApiStatusError)) {
        const message = l10n.t('The API server at {0} did not answer {1} {2} within {3}.', this.server, method, path, formatSeconds(timeoutMs));
        throw new ClusterError('timeout', message, { cause: err });
      }
      const mapped = toClusterError(err, { ...description, timeoutMs });
      this.logger.debug?.(`${method} ${path} failed: ${mapped.kind}: ${mapped.message}`);
      throw mapped;
    }
  }
}
