/**
 * The local Grafana proxy against the simulator's Grafana behind a self-signed platform the user pinned: the secret
 * gate, a page with no login prompt rewritten for an external prefix, frame headers, Location, websockets, a wrong
 * password (clear page, no loop), Grafana not ready, no Ingress, an unreachable platform, an impostor under the
 * pin, and no secret in any log line.
 */
import { strict as assert } from 'node:assert';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { PlatformTrust } from '../../src/acp/platformTrust';
import type { Logger } from '../../src/cluster/types';
import type { GrafanaCredentials } from '../../src/grafana/contract';
import { GrafanaProxy, type ProxiedGrafana } from '../../src/grafana/proxy';
import { startSimulator, type StartedSimulator } from '../sim/index';
import { createCertificateAuthority, issueCertificate } from '../sim/pki';
import { grafanaIngress, quickInstallDeepflow } from '../sim/quickInstall';
import { call, type Reply } from './httpCall';

const CLUSTER = 'cluster1';
const SUB = `/clusters/${CLUSTER}/deepflow`;
const GRAFANA_PASSWORD = 'Grafana-"pw"-secret';
/** A page load as a browser frame makes it. */
function page(url: string): Promise<Reply> {
  return call(url, { headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate', cookie: 'browser_cookie=must-not-travel' } });
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The secret in a target's local URL (the first path segment). */
function secretOf(target: ProxiedGrafana): string {
  return new URL(target.localUrl).pathname.split('/')[1] ?? '';
}

/** A websocket handshake and one masked text frame through `port`; resolves with everything read back. */
function websocketEcho(port: number, path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect({ host: '127.0.0.1', port });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: browser_cookie=x\r\n\r\n`);
    const payload = Buffer.from(text);
    const mask = Buffer.from([7, 1, 9, 3]);
    socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)))]));
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(data.toString('latin1'));
    }, 5_000);
    socket.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c]);
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0 && (!data.toString('latin1').startsWith('HTTP/1.1 101') || data.length >= end + 4 + 2 + payload.length)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.toString('latin1'));
      }
    });
    socket.on('error', reject);
  });
}

describe('Grafana proxy', function () {
  this.timeout(60_000);
  let sim: StartedSimulator;
  let proxy: GrafanaProxy;
  let pinned: PlatformTrust;
  const logLines: string[] = [];
  const logger: Logger = {
    info: (m) => logLines.push(`info ${m}`),
    warn: (m) => logLines.push(`warn ${m}`),
    error: (m) => logLines.push(`error ${m}`),
    debug: (m) => logLines.push(`debug ${m}`),
  };
  const secrets: string[] = [GRAFANA_PASSWORD];
  const extraServers: (NetServer | TlsServer)[] = [];

  /** A target with counted credentials; `password` can change between logins. */
  function addTarget(options: { platformUrl?: string; trust?: PlatformTrust; password?: () => string | undefined } = {}): { target: ProxiedGrafana; credentialCalls: () => number } {
    let calls = 0;
    const password = options.password ?? (() => GRAFANA_PASSWORD);
    const target = proxy.addTarget({
      platformUrl: options.platformUrl ?? sim.info.platformUrl,
      cluster: CLUSTER,
      trust: options.trust ?? pinned,
      credentials: (): Promise<GrafanaCredentials | undefined> => {
        calls++;
        const value = password();
        return Promise.resolve(value === undefined ? undefined : { user: 'admin', password: value });
      },
    });
    secrets.push(secretOf(target));
    return { target, credentialCalls: () => calls };
  }

  before(async () => {
    sim = await startSimulator({ timeScale: 0.02, nodes: 1 });
    pinned = { kind: 'pinned', fingerprint: sim.info.platformFingerprint };
    await quickInstallDeepflow(sim, { grafanaPassword: GRAFANA_PASSWORD });
    proxy = await GrafanaProxy.start({ logger, requestTimeoutMs: 1_500 });
  });

  after(async () => {
    await proxy?.close();
    for (const server of extraServers) server.close();
    await sim?.stop();
  });

  it('binds 127.0.0.1 and answers 403 without the secret, with a wrong one, and outside Grafana\'s path', async () => {
    const { target } = addTarget();
    const secret = secretOf(target);
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/, 'the secret is 32 random bytes in base64url');
    assert.equal(new URL(target.localUrl).hostname, '127.0.0.1');
    assert.equal(target.localUrl, `http://127.0.0.1:${proxy.port}/${secret}${SUB}/`);
    const origin = `http://127.0.0.1:${proxy.port}`;
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const path of ['/', `${SUB}/`, `${SUB}/api/search`, `/${wrong}${SUB}/`, `/${secret}`, `/${secret}/platform/tools/download/violet/violet_linux_amd64`, `/${secret}${SUB}/../../../platform/tools/download/violet/violet_linux_amd64`, `/${secret}${SUB}/%2e%2e/%2e%2e/%2e%2e/platform/tools/download/violet/violet_linux_amd64`]) {
      const reply = await call(`${origin}${path}`);
      assert.equal(reply.status, 403, `${path} must be refused`);
      assert.match(reply.body, /^Forbidden: this local Grafana proxy answers only requests that carry its session secret/);
    }
    const ws = await websocketEcho(proxy.port, `/${wrong}${SUB}/api/live/ws`, 'hello');
    assert.match(ws, /^HTTP\/1.1 403 /);
    assert.equal(target.api === undefined, false);
    proxy.removeTarget(target);
  });

  it('serves a dashboard with no login prompt, rewritten for the external prefix, without X-Frame-Options', async () => {
    const { target, credentialCalls } = addTarget();
    const secret = secretOf(target);
    // What code-server's asExternalUri makes of the local URL: its own origin, under /proxy/<port>/.
    target.setExternalUrl(`http://127.0.0.1:8080/proxy/${proxy.port}/${secret}${SUB}/`);
    assert.equal(target.externalUrlFor('d/Distributed_Tracing/distributed-tracing?orgId=1'), `http://127.0.0.1:8080/proxy/${proxy.port}/${secret}${SUB}/d/Distributed_Tracing/distributed-tracing?orgId=1`);
    assert.equal(await target.check().then((h) => h.kind), 'ok');

    const reply = await page(`${target.localUrl}d/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=shop`);
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.headers['x-frame-options'], undefined, 'X-Frame-Options is stripped');
    assert.equal(reply.headers['set-cookie'], undefined, 'Grafana\'s session cookie stays in the proxy');
    const prefixed = `/proxy/${proxy.port}/${secret}${SUB}`;
    assert.ok(reply.body.includes(`<base href="${prefixed}/" />`), 'the base href carries the external prefix and the secret');
    assert.ok(reply.body.includes(`"appSubUrl":"${prefixed}"`), 'boot data appSubUrl carries the external prefix and the secret');
    assert.ok(reply.body.includes(`"appUrl":"http://127.0.0.1:8080${prefixed}/"`), 'boot data appUrl is the external root');
    assert.match(reply.body, /"isSignedIn":true/, 'Grafana saw the proxy\'s session: no login page');
    assert.equal(credentialCalls(), 1, 'credentials are asked once and remembered');

    // The bundle loads through the rewritten base (relative src) and the API answers through the same session.
    const script = /<script src="(public\/build\/app\.[0-9a-f]+\.js)"/.exec(reply.body)?.[1];
    assert.ok(script);
    assert.equal((await call(`${target.localUrl}${script}`)).status, 200);
    const dashboard = record(await target.api.getJson('api/dashboards/uid/Distributed_Tracing'));
    assert.equal(record(dashboard.dashboard).title, 'Distributed Tracing');
    const viaFrame = await call(`${target.localUrl}api/dashboards/uid/Distributed_Tracing`, { headers: { accept: 'application/json', authorization: 'Basic Zm9vOmJhcg==' } });
    assert.equal(viaFrame.status, 200);
    assert.equal(record(record(JSON.parse(viaFrame.body)).dashboard).uid, 'Distributed_Tracing');

    // Grafana's login page and sign-out never show a form: the proxy holds the login.
    const login = await page(`${target.localUrl}login`);
    assert.equal(login.status, 302);
    assert.equal(login.headers.location, `${prefixed}/`);
    assert.throws(() => target.setExternalUrl('http://127.0.0.1:8080/proxy/1/elsewhere/'), (err: Error) => !err.message.includes(secret));
    proxy.removeTarget(target);
  });

  it('rewrites Location into the external prefix and the secret, keeping the sub-path', async () => {
    const { target } = addTarget();
    const secret = secretOf(target);
    target.setExternalUrl(`http://127.0.0.1:8080/proxy/${proxy.port}/${secret}${SUB}/`);
    const reply = await page(`${target.localUrl}d/Distributed_Tracing/distributed-tracing?panelId=2&fullscreen&orgId=1`);
    assert.equal(reply.status, 301);
    assert.equal(reply.headers.location, `/proxy/${proxy.port}/${secret}${SUB}/d/Distributed_Tracing/distributed-tracing?orgId=1&viewPanel=2`);
    assert.equal(reply.headers['x-frame-options'], undefined);
    proxy.removeTarget(target);
  });

  it('passes Grafana Live\'s websocket with the held session (the browser sends none)', async () => {
    const { target } = addTarget();
    const received = await websocketEcho(proxy.port, `/${secretOf(target)}${SUB}/api/live/ws`, '{"id":7}');
    assert.match(received, /^HTTP\/1.1 101 /);
    assert.ok(received.endsWith('{"id":7}'), `echo through the proxy: ${JSON.stringify(received)}`);
    assert.doesNotMatch(received, /set-cookie/i);
    proxy.removeTarget(target);
  });

  it('shows a clear page for a wrong password, never loops, and logs in after new credentials', async () => {
    let password: string | undefined = 'not-the-password';
    secrets.push('not-the-password');
    const { target, credentialCalls } = addTarget({ password: () => password });
    const requests: string[] = [];
    target.onPageRequest((r) => requests.push(r));
    const health = await target.check();
    assert.deepEqual(health, { kind: 'badCredentials', user: 'admin' });

    const first = await page(`${target.localUrl}d/Distributed_Tracing/distributed-tracing`);
    assert.equal(first.status, 502);
    assert.match(first.headers['content-type'] as string, /^text\/html/);
    assert.match(first.body, /Grafana refused the login/);
    assert.match(first.body, /Update Credentials…/);
    assert.match(first.body, /deepflow\.grafana\.updateCredentials/);
    assert.match(first.body, /deepflow\.grafana\.retry/);
    assert.doesNotMatch(first.body, /not-the-password/);
    const secret = secretOf(target);
    const update = /href="([^"]*update-credentials[^"]*)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&').replace(/&#38;/g, '&');
    assert.ok(update?.startsWith(`/${secret}/__deepflow/update-credentials`), `same-secret link: ${update}`);
    // Reloading the frame does not try the refused password again (Grafana would lock the user out).
    await page(`${target.localUrl}`);
    await page(`${target.localUrl}api/search`);
    assert.equal(credentialCalls(), 1, 'one login attempt, no loop');

    const updatePage = await page(`http://127.0.0.1:${proxy.port}${update}`);
    assert.equal(updatePage.status, 200);
    assert.deepEqual(requests, ['updateCredentials'], 'the link fires onPageRequest');

    password = GRAFANA_PASSWORD;
    target.resetLogin();
    assert.deepEqual(await target.check(), { kind: 'ok' });
    const retried = await page(`http://127.0.0.1:${proxy.port}/${secret}/__deepflow/retry?to=${encodeURIComponent('d/Distributed_Tracing/distributed-tracing')}`);
    assert.equal(retried.status, 302);
    assert.equal(retried.headers.location, `/${secret}${SUB}/d/Distributed_Tracing/distributed-tracing`);
    assert.deepEqual(requests, ['updateCredentials', 'retry']);
    const after = await page(`${target.localUrl}d/Distributed_Tracing/distributed-tracing`);
    assert.equal(after.status, 200);
    assert.match(after.body, /"isSignedIn":true/);
    proxy.removeTarget(target);
  });

  it('asks again when credentials are cancelled, and says so', async () => {
    const { target } = addTarget({ password: () => undefined });
    assert.deepEqual(await target.check(), { kind: 'noCredentials' });
    const reply = await page(target.localUrl);
    assert.match(reply.body, /No Grafana login was given/);
    proxy.removeTarget(target);
  });

  it('names Grafana not ready (503) while its pod is down, and recovers after', async () => {
    const { target } = addTarget();
    sim.faults.crashLoop = 'deepflow-grafana';
    try {
      await until('Grafana unready', () => record(sim.api.store.get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-grafana')?.status).readyReplicas === 0);
      assert.deepEqual(await target.check(), { kind: 'notReady' });
      const reply = await page(target.localUrl);
      assert.equal(reply.status, 503);
      assert.match(reply.body, /Grafana is not ready/);
      assert.match(reply.body, /deepflow-grafana in cpaas-system has 0\/1 ready pods/);
      assert.match(reply.body, />Retry</);
    } finally {
      sim.faults.crashLoop = '';
    }
    await until('Grafana ready', () => record(sim.api.store.get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-grafana')?.status).readyReplicas === 1);
    assert.deepEqual(await target.check(), { kind: 'ok' });
    assert.equal((await page(target.localUrl)).status, 200);
    proxy.removeTarget(target);
  });

  it('names a missing Ingress (404 from the ingress)', async () => {
    const { target } = addTarget();
    sim.api.store.delete('networking.k8s.io/v1', 'Ingress', 'cpaas-system', 'deepflow-grafana');
    try {
      assert.deepEqual(await target.check(), { kind: 'noIngress' });
      const reply = await page(`${target.localUrl}d/Distributed_Tracing/distributed-tracing`);
      assert.equal(reply.status, 502);
      assert.match(reply.body, /Grafana is not exposed on this platform/);
      assert.match(reply.body, /Ingress deepflow-grafana in namespace cpaas-system/);
    } finally {
      sim.api.store.put(grafanaIngress(sim));
    }
    assert.deepEqual(await target.check(), { kind: 'ok' });
    proxy.removeTarget(target);
  });

  it('names an unreachable platform within the request timeout: stopped, or silent', async () => {
    const closed = createNetServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const stopped = addTarget({ platformUrl: `https://127.0.0.1:${closedPort}` });
    let started = Date.now();
    const refused = await stopped.target.check();
    assert.equal(refused.kind, 'unreachable');
    assert.match(refused.kind === 'unreachable' ? refused.reason : '', /refused/);
    assert.ok(Date.now() - started < 1_500);
    const refusedPage = await page(stopped.target.localUrl);
    assert.equal(refusedPage.status, 502);
    assert.match(refusedPage.body, /The platform cannot be reached/);
    assert.equal(stopped.credentialCalls(), 0, 'no credentials are read for a platform that is not there');

    // A platform that accepts the connection and never completes the TLS handshake.
    const silent = createNetServer((socket) => socket.on('error', () => undefined));
    extraServers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const hanging = addTarget({ platformUrl: `https://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    started = Date.now();
    const timedOut = await hanging.target.check();
    const elapsed = Date.now() - started;
    assert.equal(timedOut.kind, 'unreachable');
    assert.match(timedOut.kind === 'unreachable' ? timedOut.reason : '', /did not answer within 1\.5 s/);
    assert.ok(elapsed < 4_000, `unreachable within the request timeout (took ${elapsed} ms)`);
    proxy.removeTarget(stopped.target);
    proxy.removeTarget(hanging.target);
  });

  it('refuses an impostor under the pin, which receives no credentials', async () => {
    const ca = createCertificateAuthority('Impostor CA');
    const leaf = issueCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
    const received: Buffer[] = [];
    const impostor = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => {
      socket.on('data', (c: Buffer) => received.push(c));
      socket.on('error', () => undefined);
    });
    extraServers.push(impostor);
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
    const { target, credentialCalls } = addTarget({ platformUrl: `https://127.0.0.1:${(impostor.address() as AddressInfo).port}` });
    const health = await target.check();
    assert.equal(health.kind, 'pinMismatch');
    const reply = await page(target.localUrl);
    assert.match(reply.body, /The platform(&#39;|')s certificate has changed/);
    await assert.rejects(target.api.getJson('api/search'), /certificate/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(Buffer.concat(received).length, 0, 'not one request byte reached the impostor');
    assert.ok(credentialCalls() <= 1);
    assert.ok(!Buffer.concat(received).toString('latin1').includes(GRAFANA_PASSWORD));
    proxy.removeTarget(target);
  });

  it('logs each failure once, and never a secret', () => {
    assert.ok(logLines.length > 0);
    for (const line of logLines) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `a secret leaked into the log: ${line}`);
      assert.doesNotMatch(line, /grafana_session=/);
    }
    const unready = logLines.filter((l) => l.includes('Grafana is not ready'));
    assert.equal(unready.length, 1, `one line for the 503s, not one per request:\n${logLines.join('\n')}`);
  });
});
