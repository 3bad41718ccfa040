/**
 * The simulated ACP platform web server: HTTPS on 127.0.0.1 with its own self-signed CA (which no client trusts by
 * default, as on many real installs), serving the violet download, violet's private push endpoint, and the
 * ingress path to DeepFlow's Grafana.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { ObjectStore } from '../contract';
import { createCertificateAuthority, fingerprintSha256, issueCertificate } from '../pki';
import { GrafanaStandIn } from './grafana';
import type { PushRegistry } from './pushes';

export interface PlatformAccount {
  password: string;
  roles: string[];
}

export interface PlatformOptions {
  port?: number;
  store: ObjectStore;
  pushes: PushRegistry;
  clusterName: string;
  /** username -> account */
  accounts: Map<string, PlatformAccount>;
  /** API tokens -> username (for `violet --platform-token`). */
  tokens: Map<string, string>;
}

export interface Platform {
  readonly url: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly fingerprint: string;
  close(): Promise<void>;
}

const VIOLET_BUILDS = ['violet_linux_amd64', 'violet_linux_arm64', 'violet_darwin_amd64', 'violet_darwin_arm64', 'violet_windows_amd64.exe'];
const ADMIN_ROLE = 'platform-admin-system';
const MAX_PUSH_BYTES = 64 * 1024 * 1024;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  // A CA of its own, separate from the API server's: trusting the cluster does not mean trusting the platform.
  const ca = createCertificateAuthority('ACP Platform (simulated, self-signed)');
  const leaf = issueCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1', 'localhost'] });
  // Served as it is: like the real violet, it trusts no CA in particular and does not verify the platform at all.
  const violetScript = readFileSync(join(__dirname, '..', 'violet', 'violet.mjs'), 'utf8');
  const grafana = new GrafanaStandIn(options.store, options.clusterName);

  type Auth = { user: string; viaToken: boolean } | { error: number; message: string };
  const authenticate = (req: IncomingMessage): Auth => {
    const header = req.headers.authorization ?? '';
    let user: string | undefined;
    if (header.startsWith('Bearer ')) {
      user = options.tokens.get(header.slice(7));
      if (!user) return { error: 401, message: 'invalid token' };
    } else if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      const account = options.accounts.get(name);
      if (colon < 0 || !account || account.password !== decoded.slice(colon + 1)) return { error: 401, message: 'invalid username or password' };
      user = name;
    } else {
      return { error: 401, message: 'authentication required' };
    }
    const roles = options.accounts.get(user)?.roles ?? [];
    if (!roles.includes(ADMIN_ROLE)) return { error: 403, message: `user ${user} does not have the ${ADMIN_ROLE} role` };
    return { user, viaToken: header.startsWith('Bearer ') };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://platform.invalid');
    const path = url.pathname;
    const download = /^\/platform\/tools\/download\/violet\/([^/]+)$/.exec(path);
    if (download && (req.method === 'GET' || req.method === 'HEAD')) {
      const build = download[1] ?? '';
      if (!VIOLET_BUILDS.includes(build)) return json(res, 404, { message: `no such build: ${build}` });
      // Every Unix build is the same Node script here; Windows gets a placeholder (no one runs it in tests).
      const body = build.endsWith('.exe') ? 'MZ simulated violet placeholder\n' : violetScript;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(body), 'content-disposition': `attachment; filename=${build}` });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/sim/violet/login' && req.method === 'POST') {
      const auth = authenticate(req);
      if ('error' in auth) return json(res, auth.error, { message: auth.message });
      return json(res, 200, { user: auth.user });
    }
    if (path === '/sim/violet/artifacts' && req.method === 'GET') {
      const auth = authenticate(req);
      if ('error' in auth) return json(res, auth.error, { message: auth.message });
      return json(res, 200, options.pushes.list());
    }
    if (path === '/sim/violet/push' && req.method === 'POST') {
      const auth = authenticate(req);
      if ('error' in auth) return json(res, auth.error, { message: auth.message });
      const file = url.searchParams.get('file') ?? '';
      if (!/^[\w.+-]+\.tgz$/.test(file)) return json(res, 400, { message: `not a package file: ${file}` });
      const body = await readBody(req, MAX_PUSH_BYTES);
      const clusters = (url.searchParams.get('clusters') ?? '').split(',').filter((c) => c !== '');
      options.pushes.add({
        file,
        sizeBytes: body.length,
        user: auth.viaToken ? 'token' : auth.user,
        targetChartRepo: url.searchParams.get('targetChartRepo') || 'public-charts',
        clusters,
        at: new Date().toISOString(),
      });
      return json(res, 200, { message: 'pushed', file });
    }
    if (grafana.handle(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>\n');
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { message: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => grafana.upgrade(req, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: ca.certPem,
    certPem: leaf.certPem,
    fingerprint: fingerprintSha256(leaf.certPem),
    close: () =>
      new Promise<void>((resolve) => {
        grafana.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
