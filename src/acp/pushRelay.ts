/**
 * The loopback relay that carries `violet push` to the platform over TLS the user verified. violet does not verify
 * the platform's certificate (the guide pushes to a self-signed platform without a flag), so on its own it would
 * send the password to whatever answers at the platform's address. Go programs honour `HTTPS_PROXY`: violet is
 * started with this relay as its proxy, sends `CONNECT host:port`, and the relay
 * - refuses a CONNECT without its per-push secret (407) or to any other host:port (403);
 * - opens its own TLS to the platform, verified by the pin, the CA file or the system CAs (connectVerified), and
 *   refuses (502) before it reads or forwards any of violet's bytes when that check fails;
 * - only then answers 200 and terminates violet's TLS with a throw-away certificate (violet accepts any), and
 *   forwards the bytes between the two TLS connections.
 * Its limit: it covers violet only when violet uses it. Go skips proxies for localhost and loopback addresses, and
 * a violet that ignores HTTPS_PROXY connects directly; `connections` tells afterwards whether violet came through.
 */
import * as l10n from '@vscode/l10n';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from '../cluster/types';
import { connectVerified, originOf, type PlatformTrust } from './platformTrust';
import { createThrowawayCertificate } from './throwawayCertificate';

export interface PushRelayOptions {
  platformUrl: string;
  trust: PlatformTrust;
  logger: Logger;
  /** The platform's TLS handshake; default 30 s. */
  handshakeTimeoutMs?: number;
}

export interface PushRelay {
  /** For violet's HTTPS_PROXY: `http://relay:<secret>@127.0.0.1:<port>`; the secret makes violet's CONNECT count. */
  readonly proxyUrl: string;
  /** The per-push secret inside proxyUrl (register it with the redactor). */
  readonly secret: string;
  /** How many CONNECTs the relay carried to the verified platform. */
  connections(): number;
  /** The first reason the relay refused violet or the platform, to explain a failed push. */
  refusal(): Error | undefined;
  close(): Promise<void>;
}

/** `host:port` as a CONNECT names it, lower-case, brackets kept for IPv6. */
function authorityOf(url: URL): string {
  return `${url.hostname.toLowerCase()}:${url.port === '' ? '443' : url.port}`;
}

/** Whether a real violet (Go's net/http) skips the proxy for this host: localhost and loopback IPs. */
export function proxyBypassedFor(platformUrl: string): boolean {
  const host = new URL(platformUrl).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && host === '::1';
}

function sameSecret(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Basic ${Buffer.from(`relay:${expected}`).toString('base64')}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function refuse(socket: Socket, status: string, extraHeaders = ''): void {
  socket.end(`HTTP/1.1 ${status}\r\n${extraHeaders}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Starts a relay for one push, on 127.0.0.1 and a free port. Close it when violet has exited. */
export async function startPushRelay(options: PushRelayOptions): Promise<PushRelay> {
  const platform = new URL(originOf(options.platformUrl));
  const target = authorityOf(platform);
  const secret = randomBytes(24).toString('hex');
  const certificate = createThrowawayCertificate('DeepFlow push relay (127.0.0.1)');
  const sockets = new Set<Socket>();
  let carried = 0;
  let firstRefusal: Error | undefined;
  const noteRefusal = (err: Error): void => {
    firstRefusal ??= err;
    options.logger.warn(`Push relay: ${err.message}`);
  };

  const server: Server = createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain', connection: 'close' });
    res.end('This relay only carries CONNECT to the platform.\n');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    client.on('error', () => client.destroy());
    if (!sameSecret(req.headers['proxy-authorization'], secret)) {
      refuse(client, '407 Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="deepflow-push-relay"\r\n');
      return;
    }
    if ((req.url ?? '').toLowerCase() !== target) {
      const refusal = req.url
        ? l10n.t('violet asked for {0}, but this push may only reach the platform {1}; refused.', req.url, platform.origin)
        : l10n.t('violet asked for no address, but this push may only reach the platform {0}; refused.', platform.origin);
      noteRefusal(new Error(refusal));
      refuse(client, '403 Forbidden');
      return;
    }
    connectVerified(platform.hostname, Number(target.slice(target.lastIndexOf(':') + 1)), options.trust, options.handshakeTimeoutMs).then(
      (upstream) => {
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        carried++;
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) client.unshift(head);
        const towardsViolet = new TLSSocket(client, { isServer: true, cert: certificate.certPem, key: certificate.keyPem });
        const closeBoth = (): void => {
          towardsViolet.destroy();
          upstream.destroy();
        };
        towardsViolet.on('error', closeBoth).on('close', closeBoth);
        upstream.on('error', closeBoth).on('close', closeBoth);
        towardsViolet.pipe(upstream);
        upstream.pipe(towardsViolet);
      },
      (err: Error) => {
        // Nothing of violet's request was read: it sends nothing before the 200.
        noteRefusal(err);
        refuse(client, '502 Bad Gateway');
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    proxyUrl: `http://relay:${secret}@127.0.0.1:${port}`,
    secret,
    connections: () => carried,
    refusal: () => firstRefusal,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
