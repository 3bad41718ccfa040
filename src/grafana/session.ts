/**
 * Grafana's login, held server-side for one target: the proxy logs in with the admin user and password (POST
 * `<subPath>/login` with `{user, password}` JSON, as Grafana's own login form does), keeps every cookie Grafana
 * sets (the `grafana_session` above all, and its rotations) in a jar that never leaves the extension host, and
 * sends them upstream. A refused login is remembered, so nothing tries again with the same password until the
 * user asks (Retry, check(), or new credentials): Grafana locks a user out after a few failures, and a page
 * that logged in again and again would be the login loop this exists to avoid.
 */
import * as l10n from '@vscode/l10n';
import type { IncomingMessage } from 'node:http';
import type { Agent } from 'node:https';
import { requestPlatform, type PlatformTrust } from '../acp/platformTrust';
import type { GrafanaCredentials } from './contract';
import { healthFromError, healthFromStatus, type GrafanaHealth } from './health';

/** The cookie that carries Grafana's login. */
export const SESSION_COOKIE = 'grafana_session';

/** Reads a (small) body whole, refusing more than `limit` bytes. */
export async function readBody(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      throw new Error(l10n.t('the body is larger than {0} bytes', limit));
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Grafana's `{"message": ...}` from an error answer, when there is one. */
export function grafanaMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') return (parsed as { message: string }).message;
  } catch {
    // not JSON: fall through to the text itself
  }
  return body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

export interface SessionOptions {
  /** Grafana's root URL on the platform, with a trailing slash. */
  rootUrl: string;
  trust: PlatformTrust;
  agent: Agent;
  credentials: () => Promise<GrafanaCredentials | undefined>;
  timeoutMs: number;
}

/** `ok`, or why there is no session. */
export type LoginOutcome = GrafanaHealth;

export class GrafanaSession {
  private readonly jar = new Map<string, string>();
  private remembered: GrafanaCredentials | undefined;
  /** The user whose login Grafana refused; sticky until retry, check or new credentials. */
  private refusedUser: string | undefined;
  private pending: Promise<LoginOutcome> | undefined;
  /** Bumped by reset(), so a login that was under way when the user changed credentials is not kept. */
  private generation = 0;

  constructor(private readonly options: SessionOptions) {}

  get loggedIn(): boolean {
    return this.jar.has(SESSION_COOKIE);
  }

  /** The `Cookie` header for upstream requests: Grafana's cookies only, never the browser's. */
  cookieHeader(): string | undefined {
    if (this.jar.size === 0) return undefined;
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Takes Grafana's `Set-Cookie` answers into the jar (a rotated session, a cleared one after logout). */
  absorb(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a)) || attributes.some((a) => /^\s*expires\s*=/i.test(a) && Date.parse(a.split('=').slice(1).join('=')) < Date.now());
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** A held session, logging in first when there is none. Never logs in again after a refusal (see above). */
  ensure(signal?: AbortSignal): Promise<LoginOutcome> {
    if (this.loggedIn) return Promise.resolve({ kind: 'ok' });
    return this.login(signal);
  }

  /** Drops the session and logs in again (Grafana answered 401 or sent the browser to its login page). */
  relogin(signal?: AbortSignal): Promise<LoginOutcome> {
    this.jar.clear();
    return this.login(signal);
  }

  /** Lets the next request try the login again with the remembered credentials (Retry). */
  forgetRefusal(): void {
    this.refusedUser = undefined;
  }

  /** Drops the session and the remembered credentials: the next login asks `credentials()` again. */
  reset(): void {
    this.generation++;
    this.jar.clear();
    this.remembered = undefined;
    this.refusedUser = undefined;
    this.pending = undefined;
  }

  private login(signal?: AbortSignal): Promise<LoginOutcome> {
    if (this.refusedUser !== undefined) return Promise.resolve({ kind: 'badCredentials', user: this.refusedUser });
    // One login at a time: the index page and its first API calls arrive together.
    this.pending ??= this.doLogin(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async doLogin(signal?: AbortSignal): Promise<LoginOutcome> {
    const generation = this.generation;
    const credentials = this.remembered ?? (await this.options.credentials());
    if (generation !== this.generation) return this.login(signal);
    if (!credentials) return { kind: 'noCredentials' };
    this.remembered = credentials;
    let res: IncomingMessage;
    try {
      res = await requestPlatform(`${this.options.rootUrl}login`, this.options.trust, {
        method: 'POST',
        agent: this.options.agent,
        signal,
        timeoutMs: this.options.timeoutMs,
        headers: { 'content-type': 'application/json', accept: 'application/json', origin: new URL(this.options.rootUrl).origin },
        body: JSON.stringify({ user: credentials.user, password: credentials.password }),
      });
    } catch (err) {
      return healthFromError(err);
    }
    const status = res.statusCode ?? 0;
    const body = (await readBody(res, 1024 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
    if (generation !== this.generation) return this.login(signal);
    if (status === 401 || status === 403) {
      this.refusedUser = credentials.user;
      return { kind: 'badCredentials', user: credentials.user };
    }
    const ingress = healthFromStatus(status);
    if (ingress) return ingress;
    if (status !== 200) return { kind: 'failed', status, message: grafanaMessage(body) };
    this.jar.clear();
    this.absorb(res.headers['set-cookie']);
    if (!this.loggedIn) return { kind: 'failed', status, message: l10n.t('Grafana accepted the login but set no session cookie') };
    return { kind: 'ok' };
  }
}
