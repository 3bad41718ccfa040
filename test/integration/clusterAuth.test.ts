/**
 * The client's own TLS and authentication against local HTTPS servers on 127.0.0.1: CA data and files, an
 * untrusted CA, insecure-skip-tls-verify, tls-server-name, client certificates, tokens, token files, Basic, exec
 * plugins (real child processes), and the client-node fallback (auth-provider, proxy-url). Every failure is checked
 * for the secrets involved.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ClusterClient, type ClusterClientOptions } from '../../src/cluster/client';
import { ClusterConnection } from '../../src/cluster/connection';
import { ClusterError } from '../../src/cluster/errors';
import { loadKubeconfig } from '../../src/cluster/kubeconfig';
import { createCertificateAuthority, issueCertificate, type KeyAndCert } from '../sim/pki';

interface Seen {
  path: string;
  authorization: string | undefined;
  impersonate: string | undefined;
  servername: string | undefined;
  peer: string | undefined;
}

interface TestServer {
  url: string;
  seen: Seen[];
  /** TLS connections the server accepted, and how many of them are still open. */
  connections: { accepted: number; open: number };
  /** Decides whether a request's credentials are good; the default takes anything. */
  accept: (req: IncomingMessage) => boolean;
  close(): Promise<void>;
}

const CONFIG_MAP_REF = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' } as const;

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Just enough of an API server for `client.get(CONFIG_MAP_REF)`: discovery of v1 and one ConfigMap. */
async function startServer(leaf: KeyAndCert, clientCa?: string): Promise<TestServer> {
  const seen: Seen[] = [];
  const state = { accept: (_req: IncomingMessage): boolean => true };
  const server: Server = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = clientCa ? (socket.getPeerCertificate().subject?.CN as string | undefined) : undefined;
    const servername = typeof socket.servername === 'string' ? socket.servername : undefined;
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization, impersonate: req.headers['impersonate-user'] as string | undefined, servername, peer });
    if (!state.accept(req)) return answer(res, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
    if (req.url === '/api/v1') return answer(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap' }] });
    if (req.url?.startsWith('/api/v1/namespaces/default/pods/p/log?')) {
      // A character split across two chunks: the client must not break it.
      const text = Buffer.from('line 1\n日志 line 2\n');
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write(text.subarray(0, 8));
      setTimeout(() => res.end(text.subarray(8)), 20);
      return;
    }
    if (req.url === '/api/v1/namespaces/default/configmaps/x') return answer(res, 200, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: '1' } });
    answer(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', message: 'not found', code: 404 });
  });
  const connections = { accepted: 0, open: 0 };
  server.on('secureConnection', (socket: TLSSocket) => {
    connections.accepted++;
    connections.open++;
    socket.once('close', () => connections.open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    seen,
    connections,
    get accept() {
      return state.accept;
    },
    set accept(fn) {
      state.accept = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A client-side failure, checked to be a ClusterError whose message holds none of `secrets`. */
async function failure(promise: Promise<unknown>, secrets: string[] = []): Promise<ClusterError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ClusterError, `expected a ClusterError, got ${String(err)}`);
    for (const secret of secrets) assert.ok(!err.message.includes(secret), `the message leaks a secret: ${err.message}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

/** The exec credential plugin: a node script that counts its runs and prints what PLUGIN_MODE asks for. */
const PLUGIN_SOURCE = `
const fs = require('fs');
const path = require('path');
const dir = process.env.PLUGIN_DIR;
const countFile = path.join(dir, 'runs');
const n = (fs.existsSync(countFile) ? Number(fs.readFileSync(countFile, 'utf8')) : 0) + 1;
fs.writeFileSync(countFile, String(n));
fs.writeFileSync(path.join(dir, 'exec-info.json'), process.env.KUBERNETES_EXEC_INFO || '');
fs.writeFileSync(path.join(dir, 'args.json'), JSON.stringify(process.argv.slice(2)));
const mode = process.env.PLUGIN_MODE;
if (mode === 'fail') {
  process.stdout.write(JSON.stringify({ status: { token: process.env.PLUGIN_SECRET } }));
  process.stderr.write('debug: trying the cache\\nerror: you must log in to the identity provider first\\n');
  process.exit(3);
}
const status = mode === 'cert'
  ? { clientCertificateData: fs.readFileSync(process.env.PLUGIN_CERT, 'utf8'), clientKeyData: fs.readFileSync(process.env.PLUGIN_KEY, 'utf8') }
  : { token: 'exec-token-' + n };
if (process.env.PLUGIN_EXPIRY) status.expirationTimestamp = process.env.PLUGIN_EXPIRY;
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));
`;

describe('cluster client TLS and authentication (own credentials, real TLS servers)', function () {
  this.timeout(60_000);
  let dir: string;
  let serverCa: KeyAndCert;
  let otherCa: KeyAndCert;
  let clientCa: KeyAndCert;
  let alice: KeyAndCert;
  let plain: TestServer;
  let named: TestServer;
  let mutual: TestServer;
  let plugin: string;
  const clients: ClusterClient[] = [];

  before(async () => {
    // credentials.ts loads clientNodeAuth.ts with a dynamic import(), which Node resolves through its ESM loader;
    // the suites run under tsx's CommonJS hook only, so the fallback needs tsx's ESM hook too (the bundle neither).
    const tsxEsmHook = 'tsx/esm';
    await import(tsxEsmHook);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepflow-auth-it-'));
    serverCa = createCertificateAuthority('auth-test-server-ca');
    otherCa = createCertificateAuthority('someone-else');
    clientCa = createCertificateAuthority('auth-test-client-ca');
    alice = issueCertificate(clientCa, { commonName: 'alice', hosts: [] });
    plain = await startServer(issueCertificate(serverCa, { commonName: 'kube-apiserver', hosts: ['127.0.0.1'] }));
    named = await startServer(issueCertificate(serverCa, { commonName: 'kube-apiserver', hosts: ['kube.internal'] }));
    mutual = await startServer(issueCertificate(serverCa, { commonName: 'kube-apiserver', hosts: ['127.0.0.1'] }), clientCa.certPem);
    plugin = path.join(dir, 'plugin.cjs');
    fs.writeFileSync(plugin, PLUGIN_SOURCE);
  });

  after(async () => {
    for (const client of clients) client.dispose();
    await Promise.all([plain, named, mutual].map((s) => s?.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    for (const server of [plain, named, mutual]) {
      server.seen.length = 0;
      server.accept = () => true;
    }
  });

  let counter = 0;
  /** Writes a kubeconfig with one context "test" into its own folder and returns a client for it. */
  function clientFor(cluster: Record<string, unknown>, user: Record<string, unknown>, options: ClusterClientOptions = {}, files: Record<string, string> = {}): ClusterClient {
    const folder = path.join(dir, `config-${++counter}`);
    fs.mkdirSync(folder);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), text);
    const file = path.join(folder, 'kubeconfig');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'test', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
      'current-context': 'test',
    };
    // JSON is YAML: the kubeconfig parser reads it as kubectl would.
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    const client = ClusterClient.forContext(loadKubeconfig({ settingValue: file }), undefined, { requestTimeoutMs: 10_000, ...options });
    clients.push(client);
    return client;
  }

  const trusted = (server: TestServer): Record<string, unknown> => ({ server: `${server.url}/`, 'certificate-authority-data': b64(serverCa.certPem) });

  describe('TLS', () => {
    it('trusts the CA from certificate-authority-data and from a certificate-authority file next to the kubeconfig', async () => {
      const fromData = clientFor(trusted(plain), { token: 't' });
      assert.deepEqual((await fromData.get(CONFIG_MAP_REF)).data, { a: '1' });
      const fromFile = clientFor({ server: plain.url, 'certificate-authority': 'ca.crt' }, { token: 't' }, {}, { 'ca.crt': serverCa.certPem });
      assert.deepEqual((await fromFile.get(CONFIG_MAP_REF)).data, { a: '1' });
      assert.equal(fromData.server, plain.url, 'the trailing slash of the server is dropped');
    });

    it('refuses a server whose CA is not the one in the kubeconfig, as tls with the fix in the message', async () => {
      const client = clientFor({ server: plain.url, 'certificate-authority-data': b64(otherCa.certPem) }, { token: 'never-sent-token' });
      const err = await failure(client.get(CONFIG_MAP_REF), ['never-sent-token']);
      assert.equal(err.kind, 'tls', err.message);
      assert.match(err.message, /certificate-authority-data/);
      assert.equal(plain.seen.length, 0, 'nothing reached the server');
    });

    it('skips verification only for insecure-skip-tls-verify: true (a YAML true, not the string)', async () => {
      const skipping = clientFor({ server: plain.url, 'insecure-skip-tls-verify': true }, { token: 't' });
      assert.equal((await skipping.get(CONFIG_MAP_REF)).metadata.name, 'x');
      const quoted = clientFor({ server: plain.url, 'insecure-skip-tls-verify': 'true' }, { token: 't' });
      assert.equal((await failure(quoted.get(CONFIG_MAP_REF))).kind, 'tls');
    });

    it('checks the certificate against tls-server-name and sends it as SNI', async () => {
      const byAddress = clientFor(trusted(named), { token: 't' });
      const err = await failure(byAddress.get(CONFIG_MAP_REF));
      assert.equal(err.kind, 'tls', err.message);
      assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      const byName = clientFor({ ...trusted(named), 'tls-server-name': 'kube.internal' }, { token: 't' });
      assert.equal((await byName.get(CONFIG_MAP_REF)).metadata.name, 'x');
      assert.ok(named.seen.length > 0 && named.seen.every((s) => s.servername === 'kube.internal'), JSON.stringify(named.seen));
    });

    it('authenticates with a client certificate from data and from files; without one the server refuses', async () => {
      const fromData = clientFor(trusted(mutual), { 'client-certificate-data': b64(alice.certPem), 'client-key-data': b64(alice.keyPem) });
      assert.equal((await fromData.get(CONFIG_MAP_REF)).metadata.name, 'x');
      const fromFiles = clientFor(trusted(mutual), { 'client-certificate': 'alice.crt', 'client-key': 'keys/../alice.key' }, {}, { 'alice.crt': alice.certPem, 'alice.key': alice.keyPem });
      assert.equal((await fromFiles.get(CONFIG_MAP_REF)).metadata.name, 'x');
      assert.ok(mutual.seen.length >= 4 && mutual.seen.every((s) => s.peer === 'alice'), JSON.stringify(mutual.seen));
      const anonymous = clientFor(trusted(mutual), {});
      await failure(anonymous.get(CONFIG_MAP_REF), [alice.keyPem]);
    });

    it('names an unreadable certificate file without reading out any key', async () => {
      const client = clientFor(trusted(mutual), { 'client-certificate': 'missing.crt', 'client-key-data': b64(alice.keyPem) });
      const err = await failure(client.get(CONFIG_MAP_REF), [alice.keyPem, b64(alice.keyPem)]);
      assert.equal(err.code, 'ENOENT');
      assert.ok(err.message.includes(path.join(dir, `config-${counter}`, 'missing.crt')), err.message);
    });
  });

  describe('Authorization', () => {
    it('sends a bearer token and Impersonate-User; a refused token is unauthorized without the token in the message', async () => {
      const token = 'static-token-0123456789abcdef';
      const client = clientFor(trusted(plain), { token, as: 'bob' });
      await client.get(CONFIG_MAP_REF);
      assert.ok(plain.seen.every((s) => s.authorization === `Bearer ${token}` && s.impersonate === 'bob'), JSON.stringify(plain.seen));
      plain.accept = () => false;
      const refused = clientFor(trusted(plain), { token });
      assert.equal((await failure(refused.get(CONFIG_MAP_REF), [token])).kind, 'unauthorized');
    });

    it('reads token-file relative to the kubeconfig, trims it, and reads it again once the copy is a minute old', async () => {
      let clock = Date.now();
      const client = clientFor(trusted(plain), { 'token-file': 'token' }, { now: () => clock }, { token: 'first-token\n' });
      const tokenFile = path.join(dir, `config-${counter}`, 'token');
      await client.get(CONFIG_MAP_REF);
      fs.writeFileSync(tokenFile, 'second-token\n');
      clock += 30_000;
      await client.get(CONFIG_MAP_REF);
      assert.ok(plain.seen.every((s) => s.authorization === 'Bearer first-token'), 'a fresh copy is reused');
      clock += 31_000;
      plain.seen.length = 0;
      await client.get(CONFIG_MAP_REF);
      assert.deepEqual(
        plain.seen.map((s) => s.authorization),
        ['Bearer second-token'],
      );
    });

    it('sends Basic credentials; a refusal names neither the password nor its encoding', async () => {
      const client = clientFor(trusted(plain), { username: 'admin', password: 'pa55-w0rd-secret' });
      await client.get(CONFIG_MAP_REF);
      const expected = `Basic ${b64('admin:pa55-w0rd-secret')}`;
      assert.ok(plain.seen.every((s) => s.authorization === expected), JSON.stringify(plain.seen));
      plain.accept = () => false;
      const err = await failure(client.get({ ...CONFIG_MAP_REF, name: 'y' }), ['pa55-w0rd-secret', b64('admin:pa55-w0rd-secret')]);
      assert.equal(err.kind, 'unauthorized');
    });
  });

  it('streams a pod log with its query through the same credentials, whole characters, and one clean end', async () => {
    const client = clientFor(trusted(plain), { token: 'log-token' });
    let text = '';
    const ended = new Promise<ClusterError | undefined>((resolve) => {
      void client.streamLog({ name: 'p', namespace: 'default' }, 'main', { follow: false, tailLines: 50 }, (t) => (text += t), resolve);
    });
    assert.equal(await ended, undefined);
    assert.equal(text, 'line 1\n日志 line 2\n');
    const seen = plain.seen.at(-1);
    assert.equal(seen?.authorization, 'Bearer log-token');
    const query = new URL(seen?.path ?? '', 'https://x').searchParams;
    assert.deepEqual([query.get('container'), query.get('follow'), query.get('tailLines')], ['main', 'false', '50']);
  });

  describe('exec credential plugins', () => {
    function execUser(pluginDir: string, env: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> {
      fs.mkdirSync(pluginDir, { recursive: true });
      return {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin, '--region', 'test'],
          env: Object.entries({ PLUGIN_DIR: pluginDir, ...env }).map(([name, value]) => ({ name, value })),
          ...extra,
        },
      };
    }
    const runs = (pluginDir: string): number => Number(fs.readFileSync(path.join(pluginDir, 'runs'), 'utf8'));

    it('runs the plugin once while its credential is valid and again after expirationTimestamp, with args, env and cluster info', async () => {
      const pluginDir = path.join(dir, 'plugin-expiry');
      let clock = Date.parse('2030-01-01T00:00:00Z');
      const client = clientFor(trusted(plain), execUser(pluginDir, { PLUGIN_EXPIRY: '2030-01-01T00:10:00Z' }, { provideClusterInfo: true }), { now: () => clock });
      await Promise.all([client.get(CONFIG_MAP_REF), client.get({ ...CONFIG_MAP_REF, name: 'y' }).catch(() => undefined)]);
      clock += 5 * 60_000;
      await client.get(CONFIG_MAP_REF);
      assert.equal(runs(pluginDir), 1, 'one run serves concurrent and later requests until the expiry');
      assert.ok(plain.seen.every((s) => s.authorization === 'Bearer exec-token-1'), JSON.stringify(plain.seen));
      clock += 6 * 60_000;
      plain.seen.length = 0;
      await client.get(CONFIG_MAP_REF);
      assert.equal(runs(pluginDir), 2);
      assert.ok(plain.seen.length > 0 && plain.seen.every((s) => s.authorization === 'Bearer exec-token-2'), JSON.stringify(plain.seen));
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(pluginDir, 'args.json'), 'utf8')), ['--region', 'test']);
      const info = JSON.parse(fs.readFileSync(path.join(pluginDir, 'exec-info.json'), 'utf8')) as { apiVersion: string; kind: string; spec: { cluster?: Record<string, unknown> } };
      assert.equal(info.apiVersion, 'client.authentication.k8s.io/v1');
      assert.equal(info.kind, 'ExecCredential');
      assert.equal(info.spec.cluster?.server, plain.url);
      assert.equal(info.spec.cluster?.['certificate-authority-data'], b64(serverCa.certPem));
    });

    it('keeps a credential without expiry until the server refuses it, then runs the plugin again', async () => {
      const pluginDir = path.join(dir, 'plugin-401');
      const client = clientFor(trusted(plain), execUser(pluginDir, {}));
      await client.get(CONFIG_MAP_REF);
      await client.get(CONFIG_MAP_REF);
      assert.equal(runs(pluginDir), 1);
      const info = JSON.parse(fs.readFileSync(path.join(pluginDir, 'exec-info.json'), 'utf8')) as { spec: { cluster?: unknown } };
      assert.equal(info.spec.cluster, undefined, 'no cluster info unless provideClusterInfo');
      plain.accept = (req) => req.headers.authorization !== 'Bearer exec-token-1';
      assert.equal((await failure(client.get(CONFIG_MAP_REF), ['exec-token-1'])).kind, 'unauthorized');
      await client.get(CONFIG_MAP_REF);
      assert.equal(runs(pluginDir), 2);
      assert.equal(plain.seen.at(-1)?.authorization, 'Bearer exec-token-2');
    });

    it('takes a client certificate and key from the plugin', async () => {
      const pluginDir = path.join(dir, 'plugin-cert');
      fs.mkdirSync(pluginDir, { recursive: true });
      fs.writeFileSync(path.join(pluginDir, 'alice.crt'), alice.certPem);
      fs.writeFileSync(path.join(pluginDir, 'alice.key'), alice.keyPem);
      const user = execUser(pluginDir, { PLUGIN_MODE: 'cert', PLUGIN_CERT: path.join(pluginDir, 'alice.crt'), PLUGIN_KEY: path.join(pluginDir, 'alice.key') });
      const client = clientFor(trusted(mutual), user);
      assert.equal((await client.get(CONFIG_MAP_REF)).metadata.name, 'x');
      assert.ok(mutual.seen.length > 0 && mutual.seen.every((s) => s.peer === 'alice' && s.authorization === undefined), JSON.stringify(mutual.seen));
    });

    it('reports a failing plugin by command and exit code with its last stderr line, never its stdout', async () => {
      const pluginDir = path.join(dir, 'plugin-fail');
      const secret = 'plugin-stdout-secret-token-42';
      const client = clientFor(trusted(plain), execUser(pluginDir, { PLUGIN_MODE: 'fail', PLUGIN_SECRET: secret }));
      const err = await failure(client.get(CONFIG_MAP_REF), [secret]);
      assert.equal(err.kind, 'unauthorized');
      assert.ok(err.message.includes(process.execPath), err.message);
      assert.match(err.message, /exit code 3/);
      assert.match(err.message, /you must log in to the identity provider first/);
      assert.equal(plain.seen.length, 0, 'no request without a credential');
    });

    it('reports a plugin that cannot be started', async () => {
      const client = clientFor(trusted(plain), { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: path.join(dir, 'no-such-plugin') } });
      const err = await failure(client.get(CONFIG_MAP_REF));
      assert.equal(err.kind, 'unauthorized');
      assert.equal(err.code, 'ENOENT');
      assert.ok(err.message.includes('no-such-plugin'), err.message);
    });
  });

  describe('client-node fallback', () => {
    it('authenticates an oidc auth-provider user through client-node', async () => {
      const payload = Buffer.from(JSON.stringify({ sub: 'carol', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
      const idToken = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.c2ln`;
      const client = clientFor(trusted(plain), { 'auth-provider': { name: 'oidc', config: { 'id-token': idToken, 'client-id': 'kubernetes' } } });
      assert.equal((await client.get(CONFIG_MAP_REF)).metadata.name, 'x');
      assert.ok(plain.seen.length > 0 && plain.seen.every((s) => s.authorization === `Bearer ${idToken}`), JSON.stringify(plain.seen));
    });

    it('reaches a proxy-url cluster through client-node with the kubeconfig CA', async () => {
      const tunnels: string[] = [];
      // A tunnel leaves the HTTP server's books, so closing the proxy means ending its sockets here.
      const sockets: Socket[] = [];
      const proxy = createHttpServer();
      proxy.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        tunnels.push(req.url ?? '');
        const [host = '', port = '0'] = (req.url ?? '').split(':');
        const upstream = connect(Number(port), host, () => {
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.write(head);
          upstream.pipe(socket);
          socket.pipe(upstream);
        });
        sockets.push(socket, upstream);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      try {
        const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
        const client = clientFor({ ...trusted(plain), 'proxy-url': proxyUrl }, { token: 'proxied-token' });
        assert.equal((await client.get(CONFIG_MAP_REF)).metadata.name, 'x');
        assert.ok(tunnels.length > 0 && tunnels.every((t) => t === new URL(plain.url).host), JSON.stringify(tunnels));
        assert.ok(plain.seen.every((s) => s.authorization === 'Bearer proxied-token'));
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    });
  });

  describe('connections', () => {
    it('one client per context keeps one connection for every request, and a reset of the settings closes it', async () => {
      const folder = path.join(dir, 'connection');
      fs.mkdirSync(folder);
      const file = path.join(folder, 'kubeconfig');
      const config = {
        clusters: [{ name: 'c', cluster: trusted(plain) }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'test', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
        'current-context': 'test',
      };
      fs.writeFileSync(file, JSON.stringify(config));
      const connection = new ClusterConnection(() => ({ kubeconfig: file, context: '', requestTimeoutMs: 10_000 }), { info() {}, warn() {}, error() {}, debug() {} });
      const before = plain.connections.accepted;
      // The view, the status bar and a command each ask for the context's client: they get the same one.
      assert.equal(connection.clientFor('test'), connection.clientFor('test'));
      for (let i = 0; i < 3; i++) assert.deepEqual((await connection.clientFor('test').get(CONFIG_MAP_REF)).data, { a: '1' });
      assert.equal(plain.connections.accepted - before, 1, 'every request after the first reused the kept-alive connection');
      const open = plain.connections.open;
      connection.reset();
      const deadline = Date.now() + 5_000;
      while (plain.connections.open >= open && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(plain.connections.open, open - 1, 'the reset closed the idle connection');
    });
  });
});
