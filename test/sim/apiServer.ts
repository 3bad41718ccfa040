/**
 * The simulated Kubernetes API server: HTTPS on 127.0.0.1, speaking enough of the real protocol that the real
 * kubectl (1.20 and 1.33) and @kubernetes/client-node work against it unchanged. See SIMULATOR-FACTS.md.
 *
 * At start it creates the namespaces default, kube-system, kube-public and cpaas-system (when absent) and the
 * CustomResourceDefinition objects of every custom type it serves.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { ApiServer, ApiServerOptions, KubeObject, ObjectStore, ResourceType, ServiceProxyHandler, TokenGrant } from './contract';
import { authenticate, authorize, isAllowed, type Attributes } from './api/auth';
import { ApiError, parseBoolParam, readBody, sendError, sendJson } from './api/http';
import { ApplyConflictError, recordUpdate, serverSideApply } from './api/managedFields';
import { decodeSelfSubjectAccessReview, isKubernetesProtobuf } from './api/protobuf';
import { WatchHub } from './api/watch';
import { isObject, jsonPatch, mergePatch, PatchError, strategicMergePatch, type Json, type JsonObject } from './patch';
import { apiVersionOf, BUILTIN_GROUPS, builtinResourceTypes, customResourceDefinition, SCALABLE_KINDS } from './resourceTypes';
import { parseSelector, SelectorError, selectorMatches, type Selector } from './selectors';
import { MemoryStore } from './store';
import { buildTable, type IncludeObject } from './table';

export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'cpaas-system'];

const SIM_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.3-acp-sim', gitCommit: 'sim', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64' };

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  grant: TokenGrant;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

function notFound(type: ResourceType, name: string): ApiError {
  return new ApiError(404, `${qualifiedResource(type)} "${name}" not found`, 'NotFound', { name, group: type.group, kind: type.plural });
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Equal apart from bookkeeping (resourceVersion, managedFields times): such a write is a no-op, as in Kubernetes. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const normalise = (o: KubeObject): string =>
    JSON.stringify({
      ...o,
      metadata: {
        ...o.metadata,
        resourceVersion: undefined,
        generation: undefined,
        managedFields: Array.isArray(o.metadata.managedFields) ? o.metadata.managedFields.map((m) => (isObject(m as Json) ? { ...(m as JsonObject), time: undefined } : m)) : undefined,
      },
    });
  return normalise(a) === normalise(b);
}

function asKubeObject(value: unknown, what: string): KubeObject {
  if (!isObject(value)) throw new ApiError(400, `${what}: the body must be a JSON object`);
  const obj = value as KubeObject;
  if (!isObject(obj.metadata)) obj.metadata = { name: '' };
  return obj;
}

class SimApiServer implements ApiServer {
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly proxies = new Map<string, ServiceProxyHandler>();
  private readonly watchHub: WatchHub;
  private readonly typesByPath = new Map<string, ResourceType>();
  private count = 0;
  private port = 0;
  private listening = false;
  private downByFault = false;
  private faultTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ApiServerOptions,
    readonly store: MemoryStore,
    readonly resourceTypes: ResourceType[],
  ) {
    for (const type of resourceTypes) this.typesByPath.set(`${type.group}/${type.version}/${type.plural}`, type);
    this.watchHub = new WatchHub(store, options.faults);
    this.server = this.createHttpsServer();
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  requestCount(): number {
    return this.count;
  }

  resetRequestCount(): void {
    this.count = 0;
  }

  addServiceProxy(namespace: string, serviceAndPort: string, handler: ServiceProxyHandler): void {
    this.proxies.set(`${namespace}/${serviceAndPort}`, handler);
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.listening = true;
    this.startFaultTimer();
  }

  async close(): Promise<void> {
    this.stopFaultTimer();
    await this.stopListening();
  }

  async reopen(): Promise<void> {
    if (this.listening) return;
    this.downByFault = false;
    this.server = this.createHttpsServer();
    await this.listen(this.port);
  }

  private createHttpsServer(): Server {
    const server = createServer({ cert: this.options.tls.cert, key: this.options.tls.key }, (req, res) => {
      void this.handle(req, res);
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // Clients that hang up mid-handshake must not crash the simulator.
    server.on('tlsClientError', () => undefined);
    return server;
  }

  private async stopListening(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    this.watchHub.endAll();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Faults are read live: this timer turns apiDown on and off and cuts watches that lived too long. */
  private startFaultTimer(): void {
    if (this.faultTimer) return;
    this.faultTimer = setInterval(() => {
      const faults = this.options.faults;
      if (faults.apiDown && this.listening) {
        this.downByFault = true;
        void this.stopListening();
      } else if (!faults.apiDown && this.downByFault && !this.listening) {
        this.downByFault = false;
        this.server = this.createHttpsServer();
        void this.listen(this.port).catch(() => {
          this.downByFault = true; // the port is busy for a moment; try again on the next tick
        });
      }
      this.watchHub.enforceFaults();
    }, 50);
    this.faultTimer.unref();
  }

  private stopFaultTimer(): void {
    if (this.faultTimer) clearInterval(this.faultTimer);
    this.faultTimer = undefined;
  }

  // ------------------------------------------------------------------ request dispatch

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.count += 1;
    const faults = this.options.faults;
    try {
      if (faults.apiDown) {
        req.socket.destroy();
        return;
      }
      if (faults.slowApiMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.slowApiMs));
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      if (url.pathname === '/healthz' || url.pathname === '/livez' || url.pathname === '/readyz') {
        sendJson(res, 200, 'ok', 'text/plain');
        return;
      }
      const grant = authenticate(req, this.options.tokens);
      if (faults.errors500) throw new ApiError(500, 'Internal error occurred: simulated failure (errors500 fault)', 'InternalError');
      await this.route({ req, res, url, grant });
    } catch (error) {
      if (error instanceof ApiError) sendError(res, error);
      else if (error instanceof SelectorError) sendError(res, new ApiError(400, error.message));
      else if (error instanceof PatchError) sendError(res, new ApiError(error.code, error.message));
      else sendError(res, new ApiError(500, `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  private async route(ctx: RequestContext): Promise<void> {
    const path = ctx.url.pathname.replace(/\/+$/, '') || '/';
    const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
    if (path === '/version') return sendJson(ctx.res, 200, SIM_VERSION);
    if (path === '/openapi/v2') return sendJson(ctx.res, 200, '', 'application/octet-stream');
    if (path === '/api') return sendJson(ctx.res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }] });
    if (path === '/apis') return sendJson(ctx.res, 200, this.groupList());
    if (parts[0] === 'api' && parts[1] === 'v1') {
      if (parts.length === 2) return sendJson(ctx.res, 200, this.resourceList('', 'v1'));
      return this.serveResource(ctx, '', 'v1', parts.slice(2));
    }
    if (parts[0] === 'apis' && parts[1] !== undefined) {
      const group = parts[1];
      const groupInfo = this.groupList().groups.find((g) => g.name === group);
      if (!groupInfo) throw new ApiError(404, 'the server could not find the requested resource', 'NotFound');
      if (parts.length === 2) return sendJson(ctx.res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...groupInfo });
      const version = parts[2] ?? '';
      if (!groupInfo.versions.some((v) => v.version === version)) throw new ApiError(404, 'the server could not find the requested resource', 'NotFound');
      if (parts.length === 3) return sendJson(ctx.res, 200, this.resourceList(group, version));
      return this.serveResource(ctx, group, version, parts.slice(3));
    }
    throw new ApiError(404, 'the server could not find the requested resource', 'NotFound');
  }

  // ------------------------------------------------------------------ discovery

  private groupList(): { kind: string; apiVersion: string; groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } }[] } {
    const groups = new Map<string, string[]>();
    for (const type of this.resourceTypes) {
      if (!type.group) continue;
      const versions = groups.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      groups.set(type.group, versions);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => {
        const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
        return { name, versions: list, preferredVersion: list[0] ?? { groupVersion: `${name}/v1`, version: 'v1' } };
      }),
    };
  }

  private resourceList(group: string, version: string): Record<string, unknown> {
    const resources: Record<string, unknown>[] = [];
    for (const type of this.resourceTypes.filter((t) => t.group === group && t.version === version)) {
      resources.push({ name: type.plural, singularName: type.singular, namespaced: type.namespaced, kind: type.kind, verbs: type.verbs ?? [], shortNames: type.shortNames, categories: BUILTIN_GROUPS.has(type.group) ? undefined : ['all'] });
      // Subresources after their resource: client-node takes the first entry whose kind matches.
      if (type.hasStatus) resources.push({ name: `${type.plural}/status`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update'] });
      if (SCALABLE_KINDS.has(type.kind)) resources.push({ name: `${type.plural}/scale`, singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      if (type.kind === 'Service' && type.group === '') resources.push({ name: 'services/proxy', singularName: '', namespaced: true, kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  // ------------------------------------------------------------------ resources

  private parseTarget(group: string, version: string, parts: string[]): Target {
    const lookup = (plural: string | undefined): ResourceType | undefined => (plural === undefined ? undefined : this.typesByPath.get(`${group}/${version}/${plural}`));
    const namespacedType = parts[0] === 'namespaces' && parts.length >= 3 ? lookup(parts[2]) : undefined;
    if (namespacedType?.namespaced) {
      return { type: namespacedType, namespace: parts[1], name: parts[3], subresource: parts.length > 4 ? parts.slice(4).join('/') : undefined };
    }
    const type = lookup(parts[0]);
    if (!type) throw new ApiError(404, 'the server could not find the requested resource', 'NotFound');
    return { type, name: parts[1], subresource: parts.length > 2 ? parts.slice(2).join('/') : undefined };
  }

  private verbOf(ctx: RequestContext, target: Target): string {
    const method = ctx.req.method ?? 'GET';
    const watch = ctx.url.searchParams.get('watch');
    switch (method) {
      case 'GET':
        if (parseBoolParam(watch)) return 'watch';
        return target.name === undefined ? 'list' : 'get';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return target.name === undefined ? 'deletecollection' : 'delete';
      default:
        throw new ApiError(405, `method ${method} is not supported`, 'MethodNotAllowed');
    }
  }

  private async serveResource(ctx: RequestContext, group: string, version: string, parts: string[]): Promise<void> {
    const target = this.parseTarget(group, version, parts);
    const { type } = target;
    const verb = this.verbOf(ctx, target);
    const proxied = type.kind === 'Service' && type.group === '' && target.subresource !== undefined && /^proxy(\/|$)/.test(target.subresource);
    const attrs: Attributes = {
      verb: proxied ? ({ list: 'get', watch: 'get', deletecollection: 'delete' }[verb] ?? verb) : verb,
      group,
      resource: target.subresource ? `${type.plural}/${target.subresource.split('/')[0] ?? ''}` : type.plural,
      namespace: target.namespace,
      name: target.name,
    };
    // Every authenticated user may ask what it may do (system:basic-user in Kubernetes).
    if (type.kind !== 'SelfSubjectAccessReview') authorize(ctx.grant, attrs);
    if (!(type.verbs ?? []).includes(verb) && !target.subresource) {
      throw new ApiError(405, `the server does not allow this method on the requested resource`, 'MethodNotAllowed');
    }
    if (proxied) return this.serveProxy(ctx, target);
    if (type.kind === 'Pod' && type.group === '' && target.subresource === 'log' && verb === 'get') return this.podLog(ctx, target);
    if (target.subresource && target.subresource !== 'status' && !(target.subresource === 'scale' && SCALABLE_KINDS.has(type.kind))) {
      throw new ApiError(404, 'the server could not find the requested resource', 'NotFound');
    }
    if (target.subresource === 'status' && !type.hasStatus) throw new ApiError(404, 'the server could not find the requested resource', 'NotFound');
    switch (verb) {
      case 'list':
        return this.list(ctx, target);
      case 'watch':
        return this.watch(ctx, target);
      case 'get':
        return this.get(ctx, target);
      case 'create':
        return this.create(ctx, target);
      case 'update':
        return this.update(ctx, target);
      case 'patch':
        return this.patch(ctx, target);
      case 'delete':
        return this.deleteOne(ctx, target);
      case 'deletecollection':
        return this.deleteCollection(ctx, target);
    }
  }

  private selector(ctx: RequestContext): Selector {
    return parseSelector(ctx.url.searchParams.get('labelSelector'), ctx.url.searchParams.get('fieldSelector'));
  }

  private wantsTable(ctx: RequestContext): boolean {
    return /as=Table/.test(ctx.req.headers.accept ?? '');
  }

  private includeObject(ctx: RequestContext): IncludeObject {
    const value = ctx.url.searchParams.get('includeObject');
    return value === 'None' || value === 'Object' ? value : 'PartialObjectMetadata';
  }

  private list(ctx: RequestContext, target: Target): void {
    const { type } = target;
    const selector = this.selector(ctx);
    const all = this.store.scan(apiVersionOf(type), type.kind, type.namespaced ? target.namespace : undefined);
    let items = selector.labels.length === 0 && selector.fields.length === 0 ? all : all.filter((obj) => selectorMatches(selector, obj));
    const continueToken = ctx.url.searchParams.get('continue');
    if (continueToken) {
      let after: string;
      try {
        after = (JSON.parse(Buffer.from(continueToken, 'base64url').toString('utf8')) as { after: string }).after;
      } catch {
        throw new ApiError(400, 'continue key is not valid', 'BadRequest');
      }
      items = items.filter((obj) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}` > after);
    }
    const limit = Number(ctx.url.searchParams.get('limit') ?? '0');
    const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(this.store.resourceVersion) };
    if (limit > 0 && items.length > limit) {
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
      const last = items[items.length - 1];
      if (last) metadata.continue = Buffer.from(JSON.stringify({ after: `${last.metadata.namespace ?? ''}/${last.metadata.name}` })).toString('base64url');
    }
    if (this.wantsTable(ctx)) {
      sendJson(ctx.res, 200, buildTable(type.kind, items, metadata, this.includeObject(ctx), BUILTIN_GROUPS.has(type.group)));
      return;
    }
    sendJson(ctx.res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata, items });
  }

  private watch(ctx: RequestContext, target: Target): void {
    const { type } = target;
    const table = this.wantsTable(ctx);
    const includeObject = this.includeObject(ctx);
    this.watchHub.open(ctx.req, ctx.res, {
      type,
      namespace: type.namespaced ? target.namespace : undefined,
      selector: this.selector(ctx),
      resourceVersion: ctx.url.searchParams.get('resourceVersion') ?? '',
      allowBookmarks: parseBoolParam(ctx.url.searchParams.get('allowWatchBookmarks')),
      sendInitialEvents: parseBoolParam(ctx.url.searchParams.get('sendInitialEvents')),
      timeoutSeconds: Number(ctx.url.searchParams.get('timeoutSeconds') ?? '0'),
      render: table ? (obj) => buildTable(type.kind, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, includeObject, BUILTIN_GROUPS.has(type.group)) : undefined,
    });
  }

  /**
   * The kubelet's container log through the API server: plain text, one line per event of the container's life, and
   * with follow=true a heartbeat line every second until the client hangs up or the pod goes away.
   */
  private podLog(ctx: RequestContext, target: Target): void {
    const pod = this.existing(target);
    const spec = (pod.spec ?? {}) as { containers?: { name?: string }[]; nodeName?: string };
    const status = (pod.status ?? {}) as { phase?: string; containerStatuses?: unknown[] };
    const containers = spec.containers ?? [];
    const container = ctx.url.searchParams.get('container') ?? containers[0]?.name ?? 'main';
    if (!containers.some((c) => c.name === container) && containers.length > 0) {
      throw new ApiError(400, `container ${container} is not valid for pod ${pod.metadata.name ?? ''}`, 'BadRequest');
    }
    const line = (text: string): string => `${new Date().toISOString()} ${text}\n`;
    const phase = status.phase ?? 'Pending';
    const waiting = JSON.stringify(status.containerStatuses ?? []).match(/"reason":"(\w+)"/)?.[1];
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    ctx.res.write(line(`${container}: starting (pod ${pod.metadata.name ?? ''} on ${spec.nodeName ?? 'no node'})`));
    ctx.res.write(line(waiting === 'CrashLoopBackOff' ? `${container}: fatal: cannot open data directory, exiting with code 1` : `${container}: ${phase === 'Running' ? 'ready to serve' : 'initialising'}`));
    if (!parseBoolParam(ctx.url.searchParams.get('follow'))) {
      ctx.res.end();
      return;
    }
    let beat = 0;
    const timer = setInterval(() => {
      if (!this.store.get('v1', 'Pod', pod.metadata.namespace, pod.metadata.name ?? '')) {
        clearInterval(timer);
        ctx.res.end();
        return;
      }
      ctx.res.write(line(`${container}: heartbeat ${++beat}`));
    }, 1000);
    timer.unref();
    ctx.res.on('close', () => clearInterval(timer));
  }

  private existing(target: Target): KubeObject {
    const { type } = target;
    const name = target.name ?? '';
    const found = this.store.peek(apiVersionOf(type), type.kind, type.namespaced ? target.namespace : undefined, name);
    if (!found) throw notFound(type, name);
    return found;
  }

  private get(ctx: RequestContext, target: Target): void {
    const obj = this.existing(target);
    if (target.subresource === 'scale') return sendJson(ctx.res, 200, this.scaleOf(obj));
    if (this.wantsTable(ctx)) {
      sendJson(ctx.res, 200, buildTable(target.type.kind, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, this.includeObject(ctx), BUILTIN_GROUPS.has(target.type.group)));
      return;
    }
    sendJson(ctx.res, 200, obj);
  }

  private async body(ctx: RequestContext): Promise<unknown> {
    const contentType = (ctx.req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
    const bytes = await readBody(ctx.req);
    if (contentType.includes('protobuf')) {
      const unsupported = new ApiError(415, `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, 'UnsupportedMediaType');
      if (!isKubernetesProtobuf(bytes)) throw unsupported;
      try {
        return decodeSelfSubjectAccessReview(bytes);
      } catch {
        throw unsupported;
      }
    }
    const raw = bytes.toString('utf8');
    try {
      return contentType.includes('yaml') ? (parseYaml(raw) as unknown) : (JSON.parse(raw) as unknown);
    } catch (error) {
      throw new ApiError(400, `the request body could not be decoded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private fieldManager(ctx: RequestContext): string {
    const explicit = ctx.url.searchParams.get('fieldManager');
    if (explicit) return explicit;
    const agent = ctx.req.headers['user-agent'] ?? 'unknown';
    return agent.split('/')[0] ?? 'unknown';
  }

  private dryRun(ctx: RequestContext): boolean {
    return ctx.url.searchParams.getAll('dryRun').includes('All');
  }

  private checkIdentity(obj: KubeObject, target: Target): void {
    const { type } = target;
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(type)) throw new ApiError(400, `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`);
    if (obj.kind !== undefined && obj.kind !== type.kind) throw new ApiError(400, `the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    if (type.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== target.namespace) {
        throw new ApiError(400, 'the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = target.namespace;
    } else delete obj.metadata.namespace;
  }

  private requireNamespace(target: Target): void {
    if (!target.type.namespaced || target.namespace === undefined) return;
    if (!this.store.peek('v1', 'Namespace', undefined, target.namespace)) {
      throw new ApiError(404, `namespaces "${target.namespace}" not found`, 'NotFound', { name: target.namespace, kind: 'namespaces' });
    }
  }

  private async create(ctx: RequestContext, target: Target): Promise<void> {
    const { type } = target;
    if (target.name !== undefined || target.subresource !== undefined) throw new ApiError(405, 'create is only allowed on collections', 'MethodNotAllowed');
    const obj = asKubeObject(await this.body(ctx), 'create');
    if (type.kind === 'SelfSubjectAccessReview') return this.selfSubjectAccessReview(ctx, obj);
    this.checkIdentity(obj, target);
    this.requireNamespace(target);
    if (!obj.metadata.name) {
      if (!obj.metadata.generateName) throw new ApiError(422, `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, 'Invalid', { kind: type.kind, causes: [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }] });
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    }
    if (this.store.peek(apiVersionOf(type), type.kind, obj.metadata.namespace, obj.metadata.name)) {
      throw new ApiError(409, `${qualifiedResource(type)} "${obj.metadata.name}" already exists`, 'AlreadyExists', { name: obj.metadata.name, group: type.group, kind: type.plural });
    }
    for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'generation'] as const) delete obj.metadata[key];
    this.prepareCreate(obj, type);
    recordUpdate(undefined, obj as unknown as JsonObject, this.fieldManager(ctx), apiVersionOf(type));
    const saved = this.dryRun(ctx) ? obj : this.store.put(obj);
    sendJson(ctx.res, 201, saved);
  }

  /** Status is the controllers' business: a create starts without it (Namespaces start Active). */
  private prepareCreate(obj: KubeObject, type: ResourceType): void {
    if (type.hasStatus) delete obj.status;
    if (type.kind === 'Namespace' && type.group === '') obj.status = { phase: 'Active' };
  }

  private selfSubjectAccessReview(ctx: RequestContext, review: KubeObject): void {
    const spec = isObject(review.spec) ? (review.spec) : {};
    const attrs = isObject(spec.resourceAttributes ?? null) ? (spec.resourceAttributes as JsonObject) : {};
    const text = (v: Json | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const resource = text(attrs.resource) ?? '';
    const subresource = text(attrs.subresource);
    const allowed = isAllowed(ctx.grant, {
      verb: text(attrs.verb) ?? 'get',
      group: text(attrs.group) ?? '',
      resource: subresource ? `${resource}/${subresource}` : resource,
      namespace: text(attrs.namespace),
      name: text(attrs.name),
    });
    sendJson(ctx.res, 201, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { creationTimestamp: null },
      spec,
      // Like RBAC, a denial carries no reason (kubectl prints it after "no").
      status: allowed ? { allowed, reason: `RBAC: allowed by the simulator's grant for user "${ctx.grant.user}"` } : { allowed },
    });
  }

  private async update(ctx: RequestContext, target: Target): Promise<void> {
    const { type } = target;
    if (target.name === undefined) throw new ApiError(405, 'update needs a name', 'MethodNotAllowed');
    const current = this.existing(target);
    const body = asKubeObject(await this.body(ctx), 'update');
    if (target.subresource === 'scale') return this.writeScale(ctx, current, body);
    this.checkIdentity(body, target);
    if (body.metadata.name && body.metadata.name !== target.name) throw new ApiError(400, `the name of the object (${body.metadata.name}) does not match the name on the URL (${target.name})`);
    body.metadata.name = target.name;
    if (body.metadata.resourceVersion && body.metadata.resourceVersion !== current.metadata.resourceVersion) throw this.conflict(type, target.name);
    let next: KubeObject;
    if (target.subresource === 'status') {
      next = { ...structuredClone(current), status: body.status };
    } else {
      next = body;
      if (type.hasStatus) {
        if (current.status === undefined) delete next.status;
        else next.status = structuredClone(current.status);
      }
    }
    this.commitWrite(ctx, target, current, next, 200);
  }

  private conflict(type: ResourceType, name: string): ApiError {
    return new ApiError(409, `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, 'Conflict', { name, group: type.group, kind: type.plural });
  }

  /** Records field ownership, keeps server-owned metadata, and stores (unless dry run or nothing changed). */
  private commitWrite(ctx: RequestContext, target: Target, current: KubeObject, next: KubeObject, code: number, skipOwnership = false): void {
    const { type } = target;
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    next.metadata.generation = current.metadata.generation;
    if (current.metadata.deletionTimestamp) next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    else delete next.metadata.deletionTimestamp;
    if (!skipOwnership) recordUpdate(current as unknown as JsonObject, next as unknown as JsonObject, this.fieldManager(ctx), apiVersionOf(type), target.subresource === 'status' ? 'status' : undefined);
    if (this.dryRun(ctx) || sameContent(current, next)) {
      sendJson(ctx.res, code, this.dryRun(ctx) ? next : current);
      return;
    }
    const saved = this.store.put(next);
    if (!this.store.peek(apiVersionOf(type), type.kind, saved.metadata.namespace, saved.metadata.name) && saved.metadata.uid) this.collectGarbage(new Set([saved.metadata.uid]));
    sendJson(ctx.res, code, saved);
  }

  private async patch(ctx: RequestContext, target: Target): Promise<void> {
    const { type } = target;
    if (target.name === undefined) throw new ApiError(405, 'patch needs a name', 'MethodNotAllowed');
    const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (contentType === 'application/apply-patch+yaml' || contentType === 'application/apply-patch+json') return this.apply(ctx, target);
    const current = this.existing(target);
    const patchBody = await this.body(ctx);
    const base: Json = target.subresource === 'scale' ? (this.scaleOf(current) as unknown as Json) : (structuredClone(current) as unknown as Json);
    let patched: Json;
    switch (contentType) {
      case 'application/merge-patch+json':
        patched = mergePatch(base, patchBody as Json);
        break;
      case 'application/json-patch+json':
        patched = jsonPatch(base, patchBody);
        break;
      case 'application/strategic-merge-patch+json':
        if (!BUILTIN_GROUPS.has(type.group) && target.subresource !== 'scale') {
          throw new ApiError(415, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml', 'UnsupportedMediaType');
        }
        patched = strategicMergePatch(base, patchBody as Json);
        break;
      default:
        throw new ApiError(415, `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`, 'UnsupportedMediaType');
    }
    const next = asKubeObject(patched, 'patch');
    if (target.subresource === 'scale') return this.writeScale(ctx, current, next);
    if (next.metadata.resourceVersion !== undefined && next.metadata.resourceVersion !== current.metadata.resourceVersion) throw this.conflict(type, target.name);
    if (next.metadata.name !== target.name) throw new ApiError(422, `metadata.name: Invalid value: the name cannot be changed by a patch`, 'Invalid');
    this.checkIdentity(next, target);
    if (target.subresource === 'status') {
      const onlyStatus: KubeObject = { ...structuredClone(current), status: next.status };
      if (next.status === undefined) delete onlyStatus.status;
      return this.commitWrite(ctx, target, current, onlyStatus, 200);
    }
    if (type.hasStatus) {
      if (current.status === undefined) delete next.status;
      else next.status = structuredClone(current.status);
    }
    this.commitWrite(ctx, target, current, next, 200);
  }

  private async apply(ctx: RequestContext, target: Target): Promise<void> {
    const { type } = target;
    const name = target.name ?? '';
    const manager = ctx.url.searchParams.get('fieldManager');
    if (!manager) throw new ApiError(422, 'PATCH request body is invalid: fieldManager: Required value: is required for apply patch', 'Invalid', { causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] });
    const applied = asKubeObject(await this.body(ctx), 'apply');
    if (applied.apiVersion !== apiVersionOf(type) || applied.kind !== type.kind) {
      throw new ApiError(400, `the apiVersion and kind of the applied object (${String(applied.apiVersion)}, ${String(applied.kind)}) must be ${apiVersionOf(type)}, ${type.kind}`);
    }
    if (applied.metadata.name && applied.metadata.name !== name) throw new ApiError(400, `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    applied.metadata.name = name;
    this.checkIdentity(applied, target);
    const force = parseBoolParam(ctx.url.searchParams.get('force'));
    const options = { manager, force, apiVersion: apiVersionOf(type), subresource: target.subresource === 'status' ? 'status' : undefined };
    const current = this.store.peek(apiVersionOf(type), type.kind, type.namespaced ? target.namespace : undefined, name);
    try {
      if (!current) {
        if (target.subresource) throw notFound(type, name);
        this.requireNamespace(target);
        const created = serverSideApply(undefined, applied as unknown as JsonObject, options) as unknown as KubeObject;
        created.apiVersion = apiVersionOf(type);
        created.kind = type.kind;
        this.prepareCreate(created, type);
        sendJson(ctx.res, 201, this.dryRun(ctx) ? created : this.store.put(created));
        return;
      }
      const next = serverSideApply(current as unknown as JsonObject, applied as unknown as JsonObject, options) as unknown as KubeObject;
      if (type.hasStatus && !target.subresource) {
        if (current.status === undefined) delete next.status;
        else next.status = structuredClone(current.status);
      }
      this.commitWrite(ctx, target, current, next, 200, true);
    } catch (error) {
      if (!(error instanceof ApplyConflictError)) throw error;
      throw new ApiError(409, error.message, 'Conflict', {
        causes: error.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.field })),
      });
    }
  }

  private scaleOf(obj: KubeObject): KubeObject {
    const spec = isObject(obj.spec) ? (obj.spec) : {};
    const status = isObject(obj.status) ? (obj.status) : {};
    const matchLabels = isObject(spec.selector ?? null) && isObject((spec.selector as JsonObject).matchLabels ?? null) ? ((spec.selector as JsonObject).matchLabels as JsonObject) : {};
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
      spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
      status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector: Object.entries(matchLabels).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(',') },
    };
  }

  private writeScale(ctx: RequestContext, current: KubeObject, scale: KubeObject): void {
    const replicas = isObject(scale.spec) ? (scale.spec).replicas : undefined;
    if (typeof replicas !== 'number' || replicas < 0) throw new ApiError(422, 'spec.replicas: Invalid value: must be a non-negative integer', 'Invalid');
    if (scale.metadata.resourceVersion && scale.metadata.resourceVersion !== current.metadata.resourceVersion) throw new ApiError(409, `Operation cannot be fulfilled on ${current.metadata.name}: the object has been modified`, 'Conflict');
    const next = structuredClone(current);
    next.spec = { ...(isObject(next.spec) ? (next.spec) : {}), replicas };
    recordUpdate(current as unknown as JsonObject, next as unknown as JsonObject, this.fieldManager(ctx), current.apiVersion);
    const saved = this.dryRun(ctx) ? next : this.store.put(next);
    sendJson(ctx.res, 200, this.scaleOf(saved));
  }

  private async deleteOptions(ctx: RequestContext): Promise<JsonObject> {
    const raw = (await readBody(ctx.req)).toString('utf8').trim();
    if (!raw) return {};
    try {
      const parsed = JSON.parse(raw) as Json;
      return isObject(parsed) ? parsed : {};
    } catch {
      throw new ApiError(400, 'the DeleteOptions body could not be decoded');
    }
  }

  private async deleteOne(ctx: RequestContext, target: Target): Promise<void> {
    const options = await this.deleteOptions(ctx);
    const current = this.existing(target);
    const preconditions = isObject(options.preconditions ?? null) ? (options.preconditions as JsonObject) : {};
    if (typeof preconditions.uid === 'string' && preconditions.uid !== current.metadata.uid) throw this.conflict(target.type, current.metadata.name);
    if (typeof preconditions.resourceVersion === 'string' && preconditions.resourceVersion !== current.metadata.resourceVersion) throw this.conflict(target.type, current.metadata.name);
    if (this.dryRun(ctx)) return sendJson(ctx.res, 200, current);
    const orphan = (ctx.url.searchParams.get('propagationPolicy') ?? options.propagationPolicy) === 'Orphan';
    sendJson(ctx.res, 200, this.deleteObject(current, orphan));
  }

  /** Deletes like Kubernetes: finalizers postpone it (deletionTimestamp), dependents and namespace contents go too. */
  deleteObject(obj: KubeObject, orphan = false): KubeObject {
    const deletedUids = new Set<string>();
    const result = this.removeOrMark(obj, deletedUids);
    if (!orphan) this.collectGarbage(deletedUids);
    return result;
  }

  private removeOrMark(obj: KubeObject, deletedUids: Set<string>): KubeObject {
    if ((obj.metadata.finalizers ?? []).length > 0) {
      if (obj.metadata.deletionTimestamp) return obj;
      const marked = structuredClone(obj);
      marked.metadata.deletionTimestamp = now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      return this.store.put(marked);
    }
    if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
      for (const member of [...this.store.all()].filter((o) => o.metadata.namespace === obj.metadata.name)) this.removeOrMark(member, deletedUids);
    }
    if (this.store.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name) && obj.metadata.uid) deletedUids.add(obj.metadata.uid);
    return obj;
  }

  /** Background cascading deletion: objects owned by deleted objects go too, level by level, one scan per level. */
  private collectGarbage(deletedUids: Set<string>): void {
    let owners = deletedUids;
    while (owners.size > 0) {
      const next = new Set<string>();
      const dependents = [...this.store.all()].filter((o) => (o.metadata.ownerReferences ?? []).some((ref) => owners.has(ref.uid)));
      for (const dependent of dependents) this.removeOrMark(dependent, next);
      owners = next;
    }
  }

  private async deleteCollection(ctx: RequestContext, target: Target): Promise<void> {
    const { type } = target;
    const options = await this.deleteOptions(ctx);
    const selector = this.selector(ctx);
    const victims = this.store.scan(apiVersionOf(type), type.kind, type.namespaced ? target.namespace : undefined).filter((obj) => selectorMatches(selector, obj));
    const orphan = (ctx.url.searchParams.get('propagationPolicy') ?? options.propagationPolicy) === 'Orphan';
    const deletedUids = new Set<string>();
    const items = this.dryRun(ctx) ? victims : victims.map((obj) => this.removeOrMark(obj, deletedUids));
    if (!orphan) this.collectGarbage(deletedUids);
    sendJson(ctx.res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(this.store.resourceVersion) }, items });
  }

  // ------------------------------------------------------------------ service proxy

  private serveProxy(ctx: RequestContext, target: Target): void {
    const spec = target.name ?? '';
    const pieces = spec.split(':');
    let name = spec;
    let port = '';
    if (pieces.length === 3) [, name = '', port = ''] = pieces;
    else if (pieces.length === 2) {
      if (pieces[0] === 'http' || pieces[0] === 'https') name = pieces[1] ?? '';
      else [name = '', port = ''] = pieces;
    }
    const namespace = target.namespace ?? '';
    let handler = port ? this.proxies.get(`${namespace}/${name}:${port}`) : undefined;
    if (!handler && !port) {
      for (const [key, candidate] of this.proxies) {
        if (key === `${namespace}/${name}` || key.startsWith(`${namespace}/${name}:`)) {
          handler = candidate;
          break;
        }
      }
    }
    if (!handler) {
      throw new ApiError(503, `no endpoints available for service "${name}"`, 'ServiceUnavailable');
    }
    // From the raw path: a trailing slash and percent-encoding matter to the proxied service.
    const subPath = /\/services\/[^/]+\/proxy(\/.*)?$/.exec(ctx.url.pathname)?.[1] ?? '/';
    handler(ctx.req, ctx.res, subPath);
  }
}

export async function startApiServer(options: ApiServerOptions & { resourceTypes?: ResourceType[]; store?: ObjectStore }): Promise<ApiServer> {
  const resourceTypes = options.resourceTypes ?? builtinResourceTypes();
  const store = options.store ?? new MemoryStore();
  if (!(store instanceof MemoryStore)) throw new Error('startApiServer needs the MemoryStore from test/sim/store.ts (watches read its history)');
  for (const namespace of INITIAL_NAMESPACES) {
    if (!store.peek('v1', 'Namespace', undefined, namespace)) {
      store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    }
  }
  for (const type of resourceTypes.filter((t) => !BUILTIN_GROUPS.has(t.group))) {
    const crd = customResourceDefinition(type);
    if (!store.peek(crd.apiVersion, crd.kind, undefined, crd.metadata.name)) store.put(crd);
  }
  const server = new SimApiServer(options, store, resourceTypes);
  await server.listen(options.port ?? 0);
  return server;
}
