/**
 * The local Grafana proxy: an HTTP server on 127.0.0.1 (random port) that serves each cluster's DeepFlow Grafana
 * at `http://127.0.0.1:<port>/<secret>/clusters/<cluster>/deepflow/`, so a webview can frame it:
 * - every request must start with the target's secret (32 random bytes, compared in constant time); anything
 *   else gets 403 and nothing is forwarded;
 * - it forwards to `https://<platform>/clusters/<cluster>/deepflow/...` with TLS verified exactly by the trust
 *   the user gave the platform (system CAs, a CA file, a pinned fingerprint), never switched off;
 * - it logs in to Grafana itself and holds the session server-side (session.ts); the browser's cookies and
 *   Authorization never go upstream, and Grafana's Set-Cookie never reaches the browser;
 * - it strips X-Frame-Options and CSP frame-ancestors, rewrites Location and the index page's base href and boot
 *   data for the external prefix a port proxy adds (rewrite.ts), and passes websockets (Grafana Live);
 * - when Grafana cannot be shown it serves a page that names the cause and the fix (health.ts, pages.ts).
 * See docs/grafana-proxy.md.
 */
import * as l10n from '@vscode/l10n';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { grafanaRootPath } from '../acp/deepflowValues';
import { httpsAgentFor, requestPlatform, type PlatformTrust } from '../acp/platformTrust';
import { formatSeconds } from '../cluster/errors';
import type { Logger } from '../cluster/types';
import { grafanaRootUrl, type GrafanaApi, type GrafanaCredentials, type GrafanaTarget } from './contract';
import { causeAndFix, describeHealth, healthFromError, healthFromStatus, healthLogLine, type GrafanaHealth, type GrafanaProblem } from './health';
import { credentialsRequestedPage, failurePage, type PageLinks, type PageRequest, type RenderedPage } from './pages';
import { decodeBody, isUnderSubPath, normaliseGrafanaPath, rewriteIndexHtml, rewriteLocation, withoutFrameAncestors, type RewriteContext } from './rewrite';
import { GrafanaSession, grafanaMessage, readBody } from './session';

export type { GrafanaHealth, GrafanaProblem } from './health';
export { describeHealth, healthFromError, healthFromStatus } from './health';
export { failurePage, PAGE_MESSAGE_TYPES, type PageRequest } from './pages';

export interface GrafanaProxyOptions {
  logger: Logger;
  /** How long the platform may take to answer (headers) before the request counts as unreachable. Default 30 s. */
  requestTimeoutMs?: number;
}

export type GrafanaTargetOptions = GrafanaTarget & {
  trust: PlatformTrust;
  /** Grafana's admin login; may prompt. Resolves undefined when the user cancelled. Asked again after resetLogin(). */
  credentials: () => Promise<GrafanaCredentials | undefined>;
};

export interface ProxiedGrafana {
  readonly target: GrafanaTarget;
  /** http://127.0.0.1:<port>/<secret>/clusters/<cluster>/deepflow/ — the secret is per target, 32 random bytes, base64url. */
  readonly localUrl: string;
  /**
   * Called with what vscode.env.asExternalUri made of localUrl (code-server: http://host:8080/proxy/<port>/<secret>/clusters/...);
   * the proxy derives the path prefix the external URL adds (`/proxy/<port>`) and rewrites pages for it.
   * Throws when the URL does not end with the proxy's own path.
   */
  setExternalUrl(externalUrl: string): void;
  /** Grafana-relative path (`d/uid/slug?x=y`) → URL under the external URL (the URL the webview frames). */
  externalUrlFor(path?: string): string;
  /** Checks the way to Grafana end to end: TLS under the trust, the ingress path, readiness, login. Tries a refused login again. */
  check(signal?: AbortSignal): Promise<GrafanaHealth>;
  /** Grafana's HTTP API over the same held session. Throws GrafanaUnavailableError when Grafana cannot be reached. */
  readonly api: GrafanaApi;
  /** Drops the held session and the remembered credentials (after "Update credentials"). */
  resetLogin(): void;
  /** Fires when a page inside the frame asks the editor for something (the failure pages' links). */
  onPageRequest(listener: (request: PageRequest) => void): { dispose(): void };
}

/** Grafana could not be asked at all (not reachable, not trusted, no login): `health` says why. */
export class GrafanaUnavailableError extends Error {
  override readonly name = 'GrafanaUnavailableError';
  constructor(
    readonly health: GrafanaProblem,
    target: GrafanaTarget,
  ) {
    super(causeAndFix(describeHealth(health, target)));
  }
}

const MAX_REQUEST_BODY = 16 * 1024 * 1024;
const MAX_HTML = 16 * 1024 * 1024;
const MAX_API_JSON = 32 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings']);
/** Request headers that never go upstream: the browser's own credentials, and what names the local URL (the secret). */
const NOT_FORWARDED = new Set(['host', 'cookie', 'authorization', 'referer', 'origin', 'content-length', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix', 'x-real-ip']);

/** The answer to a request without the session secret. */
function forbiddenText(): string {
  return `${l10n.t('Forbidden: this local Grafana proxy answers only requests that carry its session secret.')}\n`;
}

/** A plain-text answer of the proxy's own, in UTF-8 (it may be a translation). */
function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The reason a request to the platform was given up when it did not answer in time. */
function noAnswerWithin(origin: string, timeoutMs: number): Error {
  return new Error(l10n.t('{0} did not answer within {1}', origin, formatSeconds(timeoutMs)));
}

/** Grafana answered, but not to the session the proxy had just logged in with. */
function sessionRefused(status: number): GrafanaProblem {
  return { kind: 'failed', status, message: l10n.t('Grafana did not accept the session the proxy logged in with') };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The path and query of a request URL, the path normalised (dot segments resolved), or undefined when malformed. */
function splitRequestUrl(raw: string | undefined): { path: string; search: string } | undefined {
  if (!raw?.startsWith('/')) return undefined;
  // Encoded dots and backslashes could climb out of Grafana's path after the platform decodes them.
  const query = raw.indexOf('?');
  const rawPath = query < 0 ? raw : raw.slice(0, query);
  if (/%2e|%5c|\\/i.test(rawPath)) return undefined;
  try {
    const url = new URL(`http://proxy.invalid${raw}`);
    return { path: url.pathname, search: url.search };
  } catch {
    return undefined;
  }
}

/** Whether the browser loads this as a page (a failure then gets a page, not JSON). */
function isNavigation(req: IncomingMessage): boolean {
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  return (req.method === 'GET' || req.method === 'HEAD') && /text\/html/.test(req.headers.accept ?? '');
}

class ProxiedTarget implements ProxiedGrafana {
  readonly target: GrafanaTarget;
  readonly secret = randomBytes(32).toString('base64url');
  readonly secretDigest = sha256(this.secret);
  readonly subPath: string;
  readonly api: GrafanaApi;
  private readonly platformOrigin: string;
  private readonly rootUrl: string;
  private readonly agent: Agent;
  private readonly trust: PlatformTrust;
  private readonly session: GrafanaSession;
  private readonly listeners = new Set<(request: PageRequest) => void>();
  private externalOrigin: string;
  private externalPrefix = '';
  /** The last failure logged (kind and detail), so a failure is logged once, not on every request. */
  private lastProblemKey: string | undefined;

  constructor(
    options: GrafanaTargetOptions,
    private readonly port: number,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {
    this.target = { platformUrl: options.platformUrl, cluster: options.cluster };
    this.platformOrigin = new URL(options.platformUrl).origin;
    this.subPath = grafanaRootPath(options.cluster);
    this.rootUrl = grafanaRootUrl(this.target);
    this.trust = options.trust;
    this.agent = httpsAgentFor(options.trust);
    this.externalOrigin = `http://127.0.0.1:${port}`;
    this.session = new GrafanaSession({ rootUrl: this.rootUrl, trust: options.trust, agent: this.agent, credentials: options.credentials, timeoutMs });
    this.api = { getJson: (path, signal) => this.getJson(path, signal) };
  }

  get localUrl(): string {
    return `http://127.0.0.1:${this.port}/${this.secret}${this.subPath}/`;
  }

  private get localBase(): string {
    return `${this.externalPrefix}/${this.secret}`;
  }

  private get rewriteContext(): RewriteContext {
    return { platformOrigin: this.platformOrigin, subPath: this.subPath, localBase: this.localBase, externalOrigin: this.externalOrigin };
  }

  setExternalUrl(externalUrl: string): void {
    const url = new URL(externalUrl);
    const own = `/${this.secret}${this.subPath}/`;
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    if (!path.endsWith(own)) {
      throw new Error(l10n.t("The external URL of the Grafana proxy ({0}) does not end with the proxy's path for cluster {1}.", url.origin, this.target.cluster));
    }
    this.externalOrigin = url.origin;
    this.externalPrefix = path.slice(0, path.length - own.length);
  }

  externalUrlFor(path?: string): string {
    return `${this.externalOrigin}${this.localBase}${this.subPath}/${normaliseGrafanaPath(path)}`;
  }

  resetLogin(): void {
    this.session.reset();
  }

  onPageRequest(listener: (request: PageRequest) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.listeners.clear();
    this.agent.destroy();
  }

  async check(signal?: AbortSignal): Promise<GrafanaHealth> {
    this.session.forgetRefusal();
    const answer = await this.apiRequest('api/user', signal);
    if ('problem' in answer) return answer.problem;
    answer.res.resume();
    if (answer.res.statusCode !== 200) return this.report(sessionRefused(answer.res.statusCode ?? 0));
    return this.report({ kind: 'ok' });
  }

  /**
   * Why Grafana cannot be reached, or undefined when its health endpoint answers. It needs no login, so it proves
   * TLS, the ingress path and a ready pod before anyone is asked for a password.
   */
  private async probe(signal?: AbortSignal): Promise<GrafanaProblem | undefined> {
    try {
      const res = await this.upstream('GET', 'api/health', { accept: 'application/json' }, undefined, signal);
      const status = res.statusCode ?? 0;
      const body = (await readBody(res, MAX_API_JSON).catch(() => Buffer.alloc(0))).toString('utf8');
      if (status === 200) return undefined;
      return healthFromStatus(status) ?? { kind: 'failed', status, message: grafanaMessage(body) };
    } catch (err) {
      return healthFromError(err);
    }
  }

  /** The held session; without one, the platform is probed first, then Grafana logged in to. */
  private async ensureSession(signal?: AbortSignal): Promise<GrafanaHealth> {
    if (this.session.loggedIn) return { kind: 'ok' };
    const problem = await this.probe(signal);
    return problem ?? (await this.session.ensure(signal));
  }

  private async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const relative = normaliseGrafanaPath(path);
    const answer = await this.apiRequest(relative, signal);
    if ('problem' in answer) throw new GrafanaUnavailableError(answer.problem, this.target);
    const status = answer.res.statusCode ?? 0;
    const body = (await readBody(answer.res, MAX_API_JSON)).toString('utf8');
    const apiPath = relative.split('?')[0] ?? relative;
    if (status < 200 || status >= 300) {
      const message = grafanaMessage(body);
      throw new Error(message ? l10n.t('Grafana answered {0} for {1}: {2}.', status, apiPath, message) : l10n.t('Grafana answered {0} for {1} without a message.', status, apiPath));
    }
    try {
      return JSON.parse(body) as unknown;
    } catch {
      throw new Error(l10n.t("Grafana's answer for {0} is not JSON.", apiPath));
    }
  }

  /** A GET of Grafana's API under the held session, logging in again once when Grafana asks. */
  private async apiRequest(relative: string, signal?: AbortSignal): Promise<{ res: IncomingMessage } | { problem: GrafanaProblem }> {
    for (let attempt = 0; ; attempt++) {
      const login = attempt === 0 ? await this.ensureSession(signal) : await this.session.relogin(signal);
      if (login.kind !== 'ok') return { problem: this.report(login) };
      let res: IncomingMessage;
      try {
        res = await this.upstream('GET', relative, { accept: 'application/json' }, undefined, signal);
      } catch (err) {
        return { problem: this.report(healthFromError(err)) };
      }
      this.session.absorb(res.headers['set-cookie']);
      if (res.statusCode === 401 && attempt === 0) {
        res.resume();
        continue;
      }
      const ingress = res.statusCode === 503 ? healthFromStatus(503) : undefined;
      if (ingress) {
        res.resume();
        return { problem: this.report(ingress) };
      }
      this.report({ kind: 'ok' });
      return { res };
    }
  }

  /**
   * A verified request to `<root>/<relative>` with the held cookies. The deadline covers the answer's headers
   * only (a long download is not cut), including a TLS handshake that never completes.
   */
  private async upstream(method: string, relative: string, headers: Record<string, string>, body: Buffer | undefined, signal?: AbortSignal): Promise<IncomingMessage> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(noAnswerWithin(this.platformOrigin, this.timeoutMs)), this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    const cookie = this.session.cookieHeader();
    const answer = requestPlatform(`${this.rootUrl}${relative}`, this.trust, {
      method,
      agent: this.agent,
      timeoutMs: this.timeoutMs,
      signal: combined,
      headers: { ...headers, ...(cookie ? { cookie } : {}), ...(body ? { 'content-length': String(body.length) } : {}) },
      ...(body ? { body } : {}),
    });
    // An aborted request whose TLS handshake never completes would never settle (the socket is not the request's
    // yet), so the deadline rejects on its own; an answer that still comes is dropped.
    const abandoned = new Promise<never>((_resolve, reject) => {
      const onAbort = (): void => reject(Object.assign(new Error(l10n.t('The request was aborted.')), { name: 'AbortError', cause: combined.reason as unknown }));
      if (combined.aborted) onAbort();
      else combined.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([answer, abandoned]);
    } finally {
      clearTimeout(timer);
      answer.then((res) => (combined.aborted ? res.destroy() : undefined)).catch(() => undefined);
    }
  }

  /** Logs a failure once (not per request) and a recovery once; returns the health it was given. */
  private report<T extends GrafanaHealth>(health: T): T {
    if (health.kind === 'ok') {
      if (this.lastProblemKey !== undefined) this.logger.info(`Grafana of cluster ${this.target.cluster} is reachable again through the local proxy.`);
      this.lastProblemKey = undefined;
      return health;
    }
    const key = JSON.stringify({ ...health, error: 'error' in health ? health.error.message : undefined });
    if (key !== this.lastProblemKey) this.logger.warn(healthLogLine(health, this.target));
    this.lastProblemKey = key;
    return health;
  }

  private fire(request: PageRequest): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(request);
      } catch (err) {
        this.logger.error(`A Grafana page request handler failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private links(relative: string): PageLinks {
    const to = encodeURIComponent(relative);
    return { retry: `${this.localBase}/__deepflow/retry?to=${to}`, updateCredentials: `${this.localBase}/__deepflow/update-credentials?to=${to}` };
  }

  /** Grafana-relative form (`d/x?y=z`) of a proxied path and query. */
  private relativeOf(path: string, search: string): string {
    return `${path.slice(this.subPath.length).replace(/^\/+/, '')}${search}`;
  }

  private sendPage(res: ServerResponse, status: number, page: RenderedPage): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': page.csp, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(page.html) });
    res.end(page.html);
  }

  /** A failure, as a page for navigations and as Grafana-style JSON for the frontend's own requests. */
  private sendProblem(res: ServerResponse, problem: GrafanaProblem, navigation: boolean, relative: string): void {
    this.report(problem);
    const status = problem.kind === 'notReady' ? 503 : 502;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (navigation) return this.sendPage(res, status, failurePage(problem, this.target, this.links(relative)));
    const text = JSON.stringify({ message: causeAndFix(describeHealth(problem, this.target)), deepflowProxy: problem.kind });
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** The proxy's own routes under `/<secret>/__deepflow/`. */
  handleControl(res: ServerResponse, path: string, search: string): void {
    const to = normaliseGrafanaPath(new URLSearchParams(search).get('to') ?? '');
    if (path === '/__deepflow/retry') {
      this.session.forgetRefusal();
      this.fire('retry');
      res.writeHead(302, { location: `${this.localBase}${this.subPath}/${to}`, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    if (path === '/__deepflow/update-credentials') {
      this.fire('updateCredentials');
      this.sendPage(res, 200, credentialsRequestedPage(this.links(to)));
      return;
    }
    sendText(res, 403, forbiddenText());
  }

  private upstreamHeaders(req: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || NOT_FORWARDED.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // Grafana checks Origin against its own host on writes (CSRF); the browser's is the proxy's.
    if (req.headers.origin !== undefined) headers.origin = this.platformOrigin;
    // Only encodings the proxy can undo when it rewrites HTML (Chromium also offers zstd).
    if (headers['accept-encoding'] !== undefined) headers['accept-encoding'] = 'gzip, deflate, br';
    return headers;
  }

  private responseHeaders(headers: IncomingHttpHeaders, upstreamUrl: string): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'set-cookie' || name === 'x-frame-options') continue;
      if (name === 'content-security-policy' || name === 'content-security-policy-report-only') {
        const kept = withoutFrameAncestors(Array.isArray(value) ? value.join('; ') : value);
        if (kept !== undefined) out[name] = kept;
        continue;
      }
      if (name === 'location' && typeof value === 'string') {
        out.location = rewriteLocation(value, upstreamUrl, this.rewriteContext);
        continue;
      }
      out[name] = value;
    }
    return out;
  }

  /** Whether Grafana wants a login: 401, or a redirect to its login page. */
  private asksForLogin(res: IncomingMessage, upstreamUrl: string): boolean {
    const status = res.statusCode ?? 0;
    if (status === 401) return true;
    if (status < 300 || status >= 400 || !res.headers.location) return false;
    try {
      return new URL(res.headers.location, upstreamUrl).pathname === `${this.subPath}/login`;
    } catch {
      return false;
    }
  }

  /** Forwards one request under the sub-path. */
  async forward(req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> {
    const cancelled = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) cancelled.abort();
    });
    const navigation = isNavigation(req);
    const relative = this.relativeOf(path, search);
    const method = req.method ?? 'GET';
    let body: Buffer | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      try {
        body = await readBody(req, MAX_REQUEST_BODY);
      } catch {
        sendText(res, 413, `${l10n.t('The request body is larger than the Grafana proxy accepts ({0} MiB).', MAX_REQUEST_BODY / 1024 / 1024)}\n`);
        return;
      }
    }
    const login = await this.ensureSession(cancelled.signal);
    if (login.kind !== 'ok') return this.sendProblem(res, login, navigation, relative);
    // Grafana's login page while the proxy holds a session: go where a logged-in user goes, never a login form.
    // Signing out is not forwarded either: the proxy holds the login for the user and would only log in again.
    if (method === 'GET' && (path === `${this.subPath}/login` || path === `${this.subPath}/logout`)) {
      res.writeHead(302, { location: `${this.localBase}${this.subPath}/`, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    const upstreamUrl = `${this.platformOrigin}${path}${search}`;
    for (let attempt = 0; ; attempt++) {
      let upstream: IncomingMessage;
      try {
        upstream = await this.upstream(method, relative, this.upstreamHeaders(req), body, cancelled.signal);
      } catch (err) {
        if (cancelled.signal.aborted) return;
        return this.sendProblem(res, healthFromError(err), navigation, relative);
      }
      this.session.absorb(upstream.headers['set-cookie']);
      if (this.asksForLogin(upstream, upstreamUrl)) {
        upstream.resume();
        if (attempt > 0) return this.sendProblem(res, sessionRefused(upstream.statusCode ?? 0), navigation, relative);
        const again = await this.session.relogin(cancelled.signal);
        if (again.kind !== 'ok') return this.sendProblem(res, again, navigation, relative);
        continue;
      }
      const problem = navigation ? await this.ingressProblem(upstream.statusCode ?? 0, cancelled.signal) : undefined;
      if (problem) {
        upstream.resume();
        return this.sendProblem(res, problem, navigation, relative);
      }
      if ((upstream.statusCode ?? 0) < 500) this.report({ kind: 'ok' });
      return this.respond(method, res, upstream, upstreamUrl);
    }
  }

  /** For a page load: whether a 404 or 503 came from the ingress (no route, no ready pod) rather than Grafana. */
  private async ingressProblem(status: number, signal: AbortSignal): Promise<GrafanaProblem | undefined> {
    if (status === 503) return { kind: 'notReady' };
    if (status !== 404) return undefined;
    // Grafana answers its health endpoint whenever it is there; a 404 there too means the path is not routed.
    try {
      const health = await this.upstream('GET', 'api/health', { accept: 'application/json' }, undefined, signal);
      health.resume();
      return health.statusCode === 404 ? { kind: 'noIngress' } : undefined;
    } catch (err) {
      return healthFromError(err);
    }
  }

  private async respond(method: string, res: ServerResponse, upstream: IncomingMessage, upstreamUrl: string): Promise<void> {
    const status = upstream.statusCode ?? 502;
    const headers = this.responseHeaders(upstream.headers, upstreamUrl);
    const isHtml = /^text\/html\b/i.test(String(upstream.headers['content-type'] ?? ''));
    if (method === 'HEAD' || !isHtml) {
      res.writeHead(status, headers);
      await pipeline(upstream, res).catch(() => res.destroy());
      return;
    }
    const raw = await readBody(upstream, MAX_HTML);
    const html = rewriteIndexHtml((await decodeBody(raw, upstream.headers['content-encoding'])).toString('utf8'), this.rewriteContext);
    for (const name of ['content-encoding', 'content-length', 'etag', 'last-modified']) delete headers[name];
    headers['cache-control'] = 'no-store';
    headers['content-length'] = Buffer.byteLength(html);
    res.writeHead(status, headers);
    res.end(html);
  }

  /** Passes a websocket (Grafana Live) through under the held session. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, search: string): Promise<void> {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const login = attempt === 0 ? await this.ensureSession() : await this.session.relogin();
      if (login.kind !== 'ok') {
        this.report(login);
        return refuse(502, 'Bad Gateway');
      }
      const headers = this.upstreamHeaders(req);
      const cookie = this.session.cookieHeader();
      const outcome = await new Promise<'retry' | 'done'>((resolve) => {
        const upstreamReq = httpsRequest(`${this.platformOrigin}${path}${search}`, {
          method: 'GET',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { ...headers, connection: 'Upgrade', upgrade: String(req.headers.upgrade ?? 'websocket'), ...(cookie ? { cookie } : {}) },
        });
        upstreamReq.once('timeout', () => upstreamReq.destroy(noAnswerWithin(this.platformOrigin, this.timeoutMs)));
        upstreamReq.once('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
          this.session.absorb(upRes.headers['set-cookie']);
          this.report({ kind: 'ok' });
          const lines = ['HTTP/1.1 101 Switching Protocols'];
          for (let i = 0; i + 1 < upRes.rawHeaders.length; i += 2) {
            const name = upRes.rawHeaders[i] ?? '';
            if (name.toLowerCase() !== 'set-cookie') lines.push(`${name}: ${upRes.rawHeaders[i + 1] ?? ''}`);
          }
          socket.write(`${lines.join('\r\n')}\r\n\r\n`);
          if (upHead.length > 0) socket.write(upHead);
          if (head.length > 0) upSocket.write(head);
          upSocket.setTimeout(0);
          upSocket.on('error', () => socket.destroy());
          upSocket.on('close', () => socket.destroy());
          socket.on('close', () => upSocket.destroy());
          upSocket.pipe(socket);
          socket.pipe(upSocket);
          resolve('done');
        });
        upstreamReq.once('response', (upRes: IncomingMessage) => {
          upRes.resume();
          this.session.absorb(upRes.headers['set-cookie']);
          const status = upRes.statusCode ?? 502;
          if (status === 401 && attempt === 0) return resolve('retry');
          const problem = healthFromStatus(status);
          if (problem) this.report(problem);
          refuse(status, upRes.statusMessage ?? 'Refused');
          resolve('done');
        });
        upstreamReq.once('error', (err: Error) => {
          this.report(healthFromError(err));
          refuse(502, 'Bad Gateway');
          resolve('done');
        });
        upstreamReq.end();
      });
      if (outcome === 'done') return;
    }
    refuse(502, 'Bad Gateway');
  }
}

/** The local proxy for every cluster whose Grafana a panel shows. */
export class GrafanaProxy {
  private readonly targets = new Set<ProxiedTarget>();
  private readonly sockets = new Set<Socket>();
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head));
  }

  /** Starts the proxy on 127.0.0.1 at a random free port. */
  static async start(options: GrafanaProxyOptions): Promise<GrafanaProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    options.logger.info(`The local Grafana proxy listens on 127.0.0.1:${port}.`);
    return new GrafanaProxy(server, port, options.logger, options.requestTimeoutMs ?? 30_000);
  }

  get targetCount(): number {
    return this.targets.size;
  }

  addTarget(options: GrafanaTargetOptions): ProxiedGrafana {
    const target = new ProxiedTarget(options, this.port, this.logger, this.timeoutMs);
    this.targets.add(target);
    return target;
  }

  removeTarget(target: ProxiedGrafana): void {
    for (const entry of this.targets) {
      if (entry !== target) continue;
      entry.dispose();
      this.targets.delete(entry);
    }
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      for (const target of this.targets) target.dispose();
      this.targets.clear();
      for (const socket of this.sockets) socket.destroy();
      this.server.close(() => resolve());
    });
    return this.closed;
  }

  /** The target whose secret begins the path (compared in constant time with every target), and the rest. */
  private route(url: string | undefined): { target: ProxiedTarget; path: string; search: string } | undefined {
    const parts = splitRequestUrl(url);
    if (!parts) return undefined;
    const slash = parts.path.indexOf('/', 1);
    const candidate = sha256(slash < 0 ? parts.path.slice(1) : parts.path.slice(1, slash));
    let found: ProxiedTarget | undefined;
    for (const target of this.targets) {
      if (timingSafeEqual(candidate, target.secretDigest)) found = target;
    }
    if (!found || slash < 0) return undefined;
    return { target: found, path: parts.path.slice(slash), search: parts.search };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const route = this.route(req.url);
    const forbid = (): void => sendText(res, 403, forbiddenText());
    if (!route) return forbid();
    if (route.path.startsWith('/__deepflow/')) return route.target.handleControl(res, route.path, route.search);
    if (!isUnderSubPath(route.path, route.target.subPath)) return forbid();
    route.target.forward(req, res, route.path, route.search).catch((err: unknown) => {
      this.logger.error(`The Grafana proxy failed to answer a request: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) {
        sendText(res, 502, `${l10n.t('The Grafana proxy could not answer this request.')}\n`);
      } else res.destroy();
    });
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = this.route(req.url);
    if (!route || !isUnderSubPath(route.path, route.target.subPath)) {
      socket.on('error', () => socket.destroy());
      const text = forbiddenText();
      socket.end(`HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
      return;
    }
    void route.target.upgrade(req, socket, head, route.path, route.search).catch(() => socket.destroy());
  }
}
