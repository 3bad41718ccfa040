/**
 * Verified HTTPS to an ACP platform whose certificate may be self-signed. Three ways to trust it, per origin:
 * the system CAs; a CA file the user picked; or the SHA-256 fingerprint of the exact leaf certificate the user
 * was shown and accepted (a pin). Verification is never switched off for the process: each trust kind is an
 * `https.Agent` of its own, so the same trust serves violet's download now and the Grafana proxy later.
 */
import * as l10n from '@vscode/l10n';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { request as httpsRequest, Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import { Transform, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkServerIdentity, connect as tlsConnect, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { ClientRequestArgs, IncomingMessage } from 'node:http';

export type PlatformTrust = { kind: 'system' } | { kind: 'caFile'; caPem: string } | { kind: 'pinned'; fingerprint: string };

/** Where the UI keeps the trust decisions (globalState), keyed by origin (`https://host:port`). */
export interface TrustStore {
  get(origin: string): PlatformTrust | undefined;
  set(origin: string, trust: PlatformTrust): Promise<void>;
}

export interface CertificateProbe {
  /** Whether the system CAs verify the certificate for this host name. */
  trusted: boolean;
  /** SHA-256 of the leaf certificate, `AA:BB:...`. */
  fingerprint: string;
  subject: string;
  issuer: string;
  validTo: string;
  /** Why the system CAs refuse it (e.g. DEPTH_ZERO_SELF_SIGNED_CERT), when they do. */
  reason?: string;
}

export type PlatformTrustErrorKind = 'untrusted' | 'pinMismatch';

/** The platform's certificate is not trusted (or no longer matches the pin); carries what the UI shows the user. */
export class PlatformTrustError extends Error {
  override readonly name = 'PlatformTrustError';
  constructor(
    readonly kind: PlatformTrustErrorKind,
    message: string,
    readonly origin: string,
    /** The fingerprint the server presented. */
    readonly fingerprint: string | undefined,
    /** The pinned fingerprint, for pinMismatch. */
    readonly expectedFingerprint?: string,
  ) {
    super(message);
  }
}

/** `https://host:port` of a URL, the key of a trust decision. Throws for anything but https. */
export function originOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') throw new Error(l10n.t('The platform URL must use https: {0}', `${parsed.protocol}//${parsed.host}`));
  return parsed.origin;
}

/** Uppercase hex without separators, so `aa:bb`, `AABB` and `AA BB` compare equal. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();
}

/** `AA:BB:...`, the form browsers and openssl show. */
export function formatFingerprint(fingerprint: string): string {
  return (normaliseFingerprint(fingerprint).match(/../g) ?? []).join(':');
}

export function fingerprintsEqual(a: string, b: string): boolean {
  const left = normaliseFingerprint(a);
  // A SHA-256 has 64 hex digits; anything shorter must never match by accident (e.g. an empty pin).
  return left.length === 64 && left === normaliseFingerprint(b);
}

function describeName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  for (const key of ['CN', 'O', 'OU', 'C'] as const) {
    const value = name[key];
    if (value !== undefined) parts.push(`${key}=${Array.isArray(value) ? value.join('+') : value}`);
  }
  return parts.join(', ');
}

/** The host name for SNI: none for IP addresses (TLS forbids IP SNI). */
function serverNameFor(host: string): string | undefined {
  return isIP(host) === 0 ? host : undefined;
}

function hostOf(url: URL): string {
  // URL keeps IPv6 literals in brackets; sockets want them bare.
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function portOf(url: URL): number {
  return url.port === '' ? 443 : Number(url.port);
}

/**
 * Reads the platform's certificate without trusting it, so the UI can show its fingerprint. The probe connection
 * skips verification only to *read* the certificate: it sends no request and no credentials, and is closed at
 * once; `trusted` reports what the system CAs (and the host name check) say about it.
 */
export function probePlatformCertificate(url: string, timeoutMs = 10_000): Promise<CertificateProbe> {
  const parsed = new URL(originOf(url));
  const host = hostOf(parsed);
  return new Promise<CertificateProbe>((resolve, reject) => {
    const socket = tlsConnect({ host, port: portOf(parsed), servername: serverNameFor(host), rejectUnauthorized: false });
    const timer = setTimeout(() => socket.destroy(handshakeTimeoutError(parsed.origin, timeoutMs)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      const identityError: Error | undefined = socket.authorized ? checkServerIdentity(host, cert) : undefined;
      const reason = socket.authorized ? identityError?.message : String(socket.authorizationError);
      socket.destroy();
      resolve({
        trusted: socket.authorized && identityError === undefined,
        fingerprint: cert.fingerprint256,
        subject: describeName(cert.subject),
        issuer: describeName(cert.issuer),
        validTo: cert.valid_to,
        ...(reason ? { reason } : {}),
      });
    });
    socket.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(new Error(l10n.t('Cannot reach {0}: {1}', parsed.origin, err.message)));
    });
  });
}

/**
 * The trust to use for a platform: the stored decision for its origin, else the system CAs when they verify the
 * certificate, else what the user decides after seeing the certificate (`decide` shows the fingerprint and returns
 * a pin or a CA file, or undefined to refuse). A new decision is stored, so the user is asked once per origin.
 * A certificate that later changes under a pin is refused when connecting (see PinnedAgent), not here.
 */
export async function resolvePlatformTrust(
  url: string,
  store: TrustStore,
  decide: (probe: CertificateProbe, origin: string) => Promise<PlatformTrust | undefined>,
): Promise<PlatformTrust> {
  const origin = originOf(url);
  const stored = store.get(origin);
  if (stored) return stored;
  const probe = await probePlatformCertificate(origin);
  const trust = probe.trusted ? ({ kind: 'system' } as const) : await decide(probe, origin);
  if (!trust) {
    throw new PlatformTrustError(
      'untrusted',
      l10n.t('The certificate of {0} (SHA-256 {1}) was not trusted; nothing was downloaded or sent.', origin, probe.fingerprint),
      origin,
      probe.fingerprint,
    );
  }
  await store.set(origin, trust);
  return trust;
}

function handshakeTimeoutError(origin: string, timeoutMs: number): Error {
  return new Error(l10n.t('{0} did not complete a TLS handshake within {1} s.', origin, timeoutMs / 1000));
}

/** How long a TLS handshake to the platform may take when the caller names no timeout. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

function originFor(host: string, port: number): string {
  return `https://${isIP(host) === 6 ? `[${host}]` : host}${port === 443 ? '' : `:${port}`}`;
}

/**
 * Opens TLS to the platform and verifies it by `trust` before resolving: under a pin, the presented leaf's SHA-256
 * must equal the pin; with a CA file or the system CAs, the chain and the host name are checked. Nothing is
 * written on the socket before it resolves, so no request byte (headers, cookies, credentials) reaches a server
 * that failed the check. The handshake has its own timer: a server that accepts TCP and then stalls TLS fails
 * after `timeoutMs` instead of hanging (a request timeout does not start until the socket is handed over).
 */
export function connectVerified(host: string, port: number, trust: PlatformTrust, timeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS): Promise<TLSSocket> {
  const bareHost = host.replace(/^\[(.*)\]$/, '$1');
  const origin = originFor(bareHost, port);
  return new Promise<TLSSocket>((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({
      host: bareHost,
      port,
      servername: serverNameFor(bareHost),
      // Under a pin, chain verification is replaced by the exact fingerprint comparison below, for this socket only.
      rejectUnauthorized: trust.kind !== 'pinned',
      ...(trust.kind === 'caFile' ? { ca: [...rootCertificates, trust.caPem] } : {}),
    });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(explainTlsError(err, origin));
    };
    const timer = setTimeout(() => fail(handshakeTimeoutError(origin, timeoutMs)), timeoutMs);
    socket.once('secureConnect', () => {
      if (trust.kind === 'pinned') {
        const presented = socket.getPeerCertificate().fingerprint256;
        if (!fingerprintsEqual(presented, trust.fingerprint)) {
          fail(pinMismatchError(origin, presented, trust.fingerprint));
          return;
        }
      }
      clearTimeout(timer);
      socket.removeListener('error', fail);
      resolve(socket);
    });
    socket.once('error', fail);
  });
}

/**
 * An agent that accepts exactly one leaf certificate. Chain verification cannot accept a self-signed certificate
 * (OpenSSL rejects it before `checkServerIdentity` runs), so this agent completes the handshake itself through
 * connectVerified, which compares the peer's SHA-256 fingerprint with the pin, and only then hands the socket to
 * the HTTP layer. Why this is safe: the TLS handshake proves the server holds the private key of the certificate
 * it presented, and the pin names that certificate exactly, which is stronger than CA plus host name (a CA can
 * issue another certificate for the host; nobody can forge this one). The host name is not checked under a pin on
 * purpose: self-signed platform certificates are usually generated for an internal address that differs from the
 * one users type, and the pin is stored per origin, so it is only ever applied to the origin where the user
 * accepted it.
 */
class PinnedAgent extends Agent {
  constructor(
    private readonly pin: string,
    private readonly handshakeTimeoutMs: number,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port ?? 443);
    const timeoutMs = options.timeout ?? this.handshakeTimeoutMs;
    connectVerified(host, port, { kind: 'pinned', fingerprint: this.pin }, timeoutMs).then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

function pinMismatchError(origin: string, presented: string, pinned: string): PlatformTrustError {
  return new PlatformTrustError(
    'pinMismatch',
    l10n.t(
      'The certificate of {0} has changed: it now has SHA-256 fingerprint {1}, but you trusted {2}. Refusing to connect. If the platform renewed its certificate, check the new fingerprint with your administrator and trust it again.',
      origin,
      formatFingerprint(presented),
      formatFingerprint(pinned),
    ),
    origin,
    formatFingerprint(presented),
    formatFingerprint(pinned),
  );
}

/**
 * An https.Agent that verifies the platform by `trust`. Reuse one agent per trust (keep-alive). A request's own
 * `timeout` bounds a pinned handshake too; `handshakeTimeoutMs` applies when the request names none.
 */
export function httpsAgentFor(trust: PlatformTrust, handshakeTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS): Agent {
  const base: AgentOptions = { keepAlive: true, maxSockets: 8 };
  switch (trust.kind) {
    case 'system':
      return new Agent(base);
    case 'caFile':
      // The picked CA is added to the system roots (not instead of them), and the host name is checked as usual.
      return new Agent({ ...base, ca: [...rootCertificates, trust.caPem] });
    case 'pinned':
      return new PinnedAgent(trust.fingerprint, handshakeTimeoutMs, base);
  }
}

/** The whole sentence for each TLS refusal the user can fix by trusting the certificate; undefined for other codes. */
function tlsRefusalMessage(code: string, origin: string): string | undefined {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return l10n.t('The certificate of {0} is not trusted: it is self-signed ({1}). Trust its SHA-256 fingerprint or pick the CA file that signed it.', origin, code);
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return l10n.t('The certificate of {0} is not trusted: its chain ends in a CA that is not trusted ({1}). Trust its SHA-256 fingerprint or pick the CA file that signed it.', origin, code);
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return l10n.t('The certificate of {0} is not trusted: its issuer is not trusted ({1}). Trust its SHA-256 fingerprint or pick the CA file that signed it.', origin, code);
    case 'CERT_HAS_EXPIRED':
      return l10n.t('The certificate of {0} is not trusted: it has expired ({1}). Trust its SHA-256 fingerprint or pick the CA file that signed it.', origin, code);
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return l10n.t('The certificate of {0} is not trusted: it was issued for another host name ({1}). Trust its SHA-256 fingerprint or pick the CA file that signed it.', origin, code);
    default:
      return undefined;
  }
}

/** Turns a TLS refusal into a PlatformTrustError that tells the user what to do; other errors pass through. */
export function explainTlsError(err: Error, origin: string): Error {
  if (err instanceof PlatformTrustError) return err;
  const code = (err as { code?: unknown }).code;
  const message = typeof code === 'string' ? tlsRefusalMessage(code, origin) : undefined;
  return message === undefined ? err : new PlatformTrustError('untrusted', message, origin, undefined);
}

export interface PlatformRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** An agent from httpsAgentFor(trust); one is made (and destroyed afterwards) when omitted. */
  agent?: Agent;
  timeoutMs?: number;
  /** A request body, sent whole (the Grafana proxy's login and forwarded requests). */
  body?: string | Buffer;
}

/** Opens a verified GET (or other method) to the platform and resolves with the response, body unread. */
export function requestPlatform(url: string, trust: PlatformTrust, options: PlatformRequestOptions = {}): Promise<IncomingMessage> {
  const origin = originOf(url);
  const agent = options.agent ?? httpsAgentFor(trust);
  const ownAgent = options.agent === undefined;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const requestOptions: RequestOptions = { method: options.method ?? 'GET', headers: options.headers, agent, signal: options.signal, timeout: options.timeoutMs ?? 30_000 };
    const req = httpsRequest(url, requestOptions, (res) => {
      if (ownAgent) res.once('close', () => agent.destroy());
      resolve(res);
    });
    req.once('timeout', () => req.destroy(new Error(l10n.t('{0} did not answer within {1} s.', origin, (options.timeoutMs ?? 30_000) / 1000))));
    req.once('error', (err) => {
      if (ownAgent) agent.destroy();
      reject(explainTlsError(err, origin));
    });
    req.end(options.body);
  });
}

export interface DownloadResult {
  bytes: number;
  /** SHA-256 of what was written, hex. */
  sha256: string;
}

/** Largest download accepted when the caller names no limit: violet builds are tens of MiB. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024;

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

/** Counts and hashes what passes, and fails the stream once it exceeds `maxBytes`. */
function cappedHashing(url: string, maxBytes: number): Transform & { bytes: () => number; sha256: () => string } {
  const hash = createHash('sha256');
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        callback(new Error(l10n.t('The download of {0} is larger than {1}; stopped and removed it.', url, mebibytes(maxBytes))));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  return Object.assign(transform, { bytes: () => bytes, sha256: () => hash.digest('hex') });
}

/**
 * Downloads `url` to `dest` atomically: into a temporary file beside it, renamed over `dest` only when complete,
 * so an interrupted download never leaves a half-written file that looks usable. Follows same-origin redirects
 * only (the trust belongs to this origin). `mode` is applied before the rename. A body larger than `maxBytes` is
 * refused: at once when the server announces its length, otherwise as soon as it passes the limit.
 */
export async function downloadFile(
  url: string,
  trust: PlatformTrust,
  dest: string,
  signal?: AbortSignal,
  mode?: number,
  maxBytes = DEFAULT_MAX_DOWNLOAD_BYTES,
): Promise<DownloadResult> {
  const agent = httpsAgentFor(trust);
  const temp = `${dest}.${randomBytes(4).toString('hex')}.partial`;
  try {
    let current = url;
    for (let redirects = 0; ; redirects++) {
      const res = await requestPlatform(current, trust, { agent, signal });
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects < 3) {
        res.resume();
        const next = new URL(res.headers.location, current);
        if (next.origin !== originOf(url)) throw new Error(l10n.t('{0} redirected the download to another origin ({1}); refusing to follow.', originOf(url), next.origin));
        current = next.toString();
        continue;
      }
      if (status !== 200) {
        res.resume();
        throw new Error(l10n.t('Download of {0} failed: the platform answered {1}', current, `${status} ${res.statusMessage ?? ''}`.trim()));
      }
      const announced = Number(res.headers['content-length'] ?? NaN);
      if (announced > maxBytes) {
        res.destroy();
        throw new Error(l10n.t('The download of {0} is {1}, more than the {2} allowed; nothing was saved.', current, mebibytes(announced), mebibytes(maxBytes)));
      }
      const counter = cappedHashing(current, maxBytes);
      await pipeline(res, counter, createWriteStream(temp, { mode: 0o600 }), { signal });
      if (mode !== undefined) await chmod(temp, mode);
      await rename(temp, dest);
      return { bytes: counter.bytes(), sha256: counter.sha256() };
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    agent.destroy();
  }
}
