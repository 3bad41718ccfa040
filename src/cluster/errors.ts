/**
 * One error type for everything that can go wrong between the extension and a Kubernetes API server, with a
 * message a user understands. Raw client errors are never shown: client-node's ApiException message embeds the
 * response headers, and network errors embed request URLs, so every message here is built from codes and from
 * the Kubernetes Status, and is passed through `redactSecrets` as a last line of defence.
 */
import { redactSecrets } from './redaction';
import { isRecord } from './types';

export { redactSecrets };

export type ClusterErrorKind =
  | 'unreachable'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'notFound'
  | 'conflict'
  | 'invalid'
  | 'timeout'
  | 'cancelled'
  | 'server';

/** One entry of a Kubernetes Status `details.causes`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The parts of a Kubernetes `Status` object that we use. */
export interface KubernetesStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
}

/** What the failed request was about; it lets a message name the verb, resource and namespace. */
export interface RequestDescription {
  /** Kubernetes verb: get, list, watch, patch, create, delete... */
  verb?: string;
  /** Plural resource name, optionally with its group: "applications.app.k8s.io". Falls back to `kind`. */
  resource?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  /** API server URL, e.g. https://10.0.0.1:6443 (never carries credentials). */
  server?: string;
  /** Per-request timeout, for the timeout message. */
  timeoutMs?: number;
}

export interface ClusterErrorDetails {
  httpStatus?: number;
  reason?: string;
  statusMessage?: string;
  causes?: StatusCause[];
  /** The network or TLS error code (ECONNREFUSED, CERT_HAS_EXPIRED...), when there is one. */
  code?: string;
  cause?: unknown;
}

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  readonly kind: ClusterErrorKind;
  readonly httpStatus: number | undefined;
  /** Kubernetes Status reason (Forbidden, NotFound, AlreadyExists, Conflict, Invalid...). */
  readonly reason: string | undefined;
  /** Kubernetes Status message as the server sent it (secrets redacted). */
  readonly statusMessage: string | undefined;
  readonly causes: StatusCause[];
  readonly code: string | undefined;

  constructor(kind: ClusterErrorKind, message: string, details: ClusterErrorDetails = {}) {
    super(redactSecrets(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.httpStatus = details.httpStatus;
    this.reason = details.reason;
    this.statusMessage = details.statusMessage === undefined ? undefined : redactSecrets(details.statusMessage);
    this.causes = (details.causes ?? []).map((c) => ({ ...c, message: c.message === undefined ? undefined : redactSecrets(c.message) }));
    this.code = details.code;
  }
}

export function isClusterError(err: unknown, kind?: ClusterErrorKind): err is ClusterError {
  return err instanceof ClusterError && (kind === undefined || err.kind === kind);
}

const TLS_CODE_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed CA that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not trusted',
  CERT_UNTRUSTED: 'it is not trusted',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it was issued for another host name',
  CERT_SIGNATURE_FAILURE: 'its signature is invalid',
  CERT_REVOKED: 'it was revoked',
};

const UNREACHABLE_CODE_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'connection closed',
};

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function stringField(value: Record<string, unknown>, key: string): string | undefined {
  const v = value[key];
  return typeof v === 'string' ? v : undefined;
}

/** Parses a Status from an ApiException body, which client-node gives as a JSON string or an object. */
export function parseStatus(body: unknown): KubernetesStatus | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value)) return undefined;
  const status: KubernetesStatus = { message: stringField(value, 'message'), reason: stringField(value, 'reason') };
  if (typeof value.code === 'number') status.code = value.code;
  const details = value.details;
  if (isRecord(details)) {
    status.details = { name: stringField(details, 'name'), group: stringField(details, 'group'), kind: stringField(details, 'kind') };
    if (Array.isArray(details.causes)) {
      status.details.causes = details.causes.filter(isRecord).map((c) => ({
        reason: stringField(c, 'reason'),
        message: stringField(c, 'message'),
        field: stringField(c, 'field'),
      }));
    }
  }
  return status;
}

/** The HTTP status of an ApiException (`.code`) or of a client-node Watch failure (`.statusCode`). */
function httpStatusOf(err: Record<string, unknown>): number | undefined {
  for (const key of ['code', 'statusCode']) {
    const v = err[key];
    if (typeof v === 'number' && v >= 100 && v <= 599) return v;
  }
  return undefined;
}

/** Walks `err`, `err.cause`, `err.cause.cause`... (fetch wraps the socket error in a TypeError's cause). */
function errorChain(err: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: unknown = err;
  while (isRecord(current) && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}

function networkCodeOf(chain: Record<string, unknown>[]): string | undefined {
  for (const e of chain) {
    const code = e.code;
    if (typeof code === 'string' && code !== '') return code;
    const errno = e.errno;
    if (typeof errno === 'string' && errno !== '') return errno;
  }
  for (const e of chain) {
    const message = stringField(e, 'message') ?? '';
    if (/socket hang up/i.test(message)) return 'ECONNRESET';
    if (/self[- ]signed certificate in certificate chain/i.test(message)) return 'SELF_SIGNED_CERT_IN_CHAIN';
    if (/self[- ]signed certificate/i.test(message)) return 'DEPTH_ZERO_SELF_SIGNED_CERT';
    if (/certificate has expired/i.test(message)) return 'CERT_HAS_EXPIRED';
    if (/unable to verify the first certificate/i.test(message)) return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  }
  return undefined;
}

function where(request: RequestDescription): string {
  return request.server ? `the API server at ${request.server}` : 'the API server';
}

function resourceLabel(request: RequestDescription, status?: KubernetesStatus): string {
  const detailKind = status?.details?.kind;
  const detailGroup = status?.details?.group;
  if (request.resource) return request.resource;
  if (detailKind) return detailGroup ? `${detailKind}.${detailGroup}` : detailKind;
  return request.kind ?? 'resource';
}

function objectLabel(request: RequestDescription, status?: KubernetesStatus): string {
  const kind = request.kind ?? status?.details?.kind ?? resourceLabel(request, status);
  const name = request.name ?? status?.details?.name;
  const inNamespace = request.namespace ? ` in namespace "${request.namespace}"` : '';
  return `${kind}${name ? ` "${name}"` : ''}${inNamespace}`;
}

/**
 * A real API server's 403 message reads: `... is forbidden: User "u" cannot patch resource "applications" in API
 * group "app.k8s.io" in the namespace "cpaas-system"`. Pull the verb, resource and namespace out of it.
 */
function describeForbidden(status: KubernetesStatus | undefined, request: RequestDescription): string {
  const text = status?.message ?? '';
  const match = /User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/.exec(text);
  if (match) {
    const [, user, verb, resource, group, namespace] = match;
    const qualified = group ? `${resource}.${group}` : resource;
    const scope = namespace ? ` in namespace "${namespace}"` : ' at cluster scope';
    return `Permission denied: user "${user}" may not ${verb} ${qualified}${scope}.`;
  }
  const verb = request.verb ?? 'access';
  const scope = request.namespace ? ` in namespace "${request.namespace}"` : '';
  const serverSays = text ? ` The server said: ${text}` : '';
  return `Permission denied: not allowed to ${verb} ${resourceLabel(request, status)}${scope}.${serverSays}`;
}

function describeConflict(status: KubernetesStatus | undefined, request: RequestDescription): string {
  const causes = status?.details?.causes ?? [];
  const fieldConflicts = causes.filter((c) => c.reason === 'FieldManagerConflict');
  if (fieldConflicts.length > 0) {
    const fields = fieldConflicts.map((c) => `${c.field ?? '?'}${c.message ? ` (${c.message})` : ''}`).join(', ');
    return `Apply conflict on ${objectLabel(request, status)}: another field manager owns ${fields}. Re-apply with force to take these fields over.`;
  }
  if (status?.reason === 'AlreadyExists') return `${objectLabel(request, status)} already exists.`;
  return `Conflict on ${objectLabel(request, status)}: ${status?.message ?? 'the object was changed by someone else'}.`;
}

function describeInvalid(status: KubernetesStatus | undefined, request: RequestDescription): string {
  const causes = (status?.details?.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? c.reason ?? ''}` : (c.message ?? c.reason ?? '')));
  const base = status?.message ?? `The API server rejected ${objectLabel(request, status)} as invalid`;
  return causes.length > 0 && !causes.every((c) => base.includes(c)) ? `${base} (${causes.join('; ')})` : base;
}

function fromHttpStatus(httpStatus: number, body: unknown, request: RequestDescription, cause: unknown): ClusterError {
  const status = parseStatus(body);
  const details: ClusterErrorDetails = {
    httpStatus,
    reason: status?.reason,
    statusMessage: status?.message,
    causes: status?.details?.causes,
    cause,
  };
  const serverSays = status?.message ? `: ${status.message}` : '';
  switch (httpStatus) {
    case 401:
      return new ClusterError(
        'unauthorized',
        `${capitalise(where(request))} rejected the credentials (401 Unauthorized). The token or client certificate may be wrong or expired; log in again or choose another context.`,
        details,
      );
    case 403:
      return new ClusterError('forbidden', describeForbidden(status, request), details);
    case 404:
      return new ClusterError('notFound', `${objectLabel(request, status)} was not found${status?.message && !request.name ? serverSays : ''}.`, details);
    case 409:
      return new ClusterError('conflict', describeConflict(status, request), details);
    case 400:
    case 422:
      return new ClusterError('invalid', describeInvalid(status, request), details);
    case 408:
    case 504:
      return new ClusterError('timeout', `${capitalise(where(request))} timed out (${httpStatus})${serverSays}.`, details);
    default:
      return new ClusterError('server', `${capitalise(where(request))} answered ${httpStatus}${serverSays}.`, details);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isAbortError(chain: Record<string, unknown>[]): boolean {
  return chain.some((e) => e.name === 'AbortError' || e.type === 'aborted' || e.code === 'ABORT_ERR');
}

/**
 * Maps anything a client-node call can throw to a ClusterError.
 * `request` names what was being done, for messages; it must not hold credentials.
 */
export function toClusterError(err: unknown, request: RequestDescription = {}): ClusterError {
  if (err instanceof ClusterError) return err;
  const chain = errorChain(err);
  const top = chain[0];
  if (top) {
    const httpStatus = httpStatusOf(top);
    if (httpStatus !== undefined) return fromHttpStatus(httpStatus, top.body, request, err);
  }
  const code = networkCodeOf(chain);
  if (code && TLS_CODE_TEXT[code] !== undefined) {
    return new ClusterError(
      'tls',
      `The TLS certificate of ${where(request)} was refused: ${TLS_CODE_TEXT[code]} (${code}). Put the cluster's CA in the kubeconfig (certificate-authority-data) rather than skipping verification.`,
      { code, cause: err },
    );
  }
  if (code && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO')) {
    return new ClusterError('tls', `The TLS handshake with ${where(request)} failed (${code}). Check that the server URL uses the right scheme and port.`, { code, cause: err });
  }
  if (code && UNREACHABLE_CODE_TEXT[code] !== undefined) {
    return new ClusterError('unreachable', `Cannot reach ${where(request)}: ${UNREACHABLE_CODE_TEXT[code]} (${code}).`, { code, cause: err });
  }
  if ((code && TIMEOUT_CODES.has(code)) || chain.some((e) => e.name === 'TimeoutError' || e.type === 'request-timeout')) {
    const after = request.timeoutMs ? ` within ${formatSeconds(request.timeoutMs)}` : '';
    return new ClusterError('timeout', `${capitalise(where(request))} did not answer${after}.`, { code, cause: err });
  }
  if (isAbortError(chain)) return new ClusterError('cancelled', 'The request was cancelled.', { code, cause: err });
  if (chain.some((e) => stringField(e, 'message') === 'fetch failed' || e.type === 'system')) {
    return new ClusterError('unreachable', `Cannot reach ${where(request)}${code ? ` (${code})` : ''}.`, { code, cause: err });
  }
  const message = top ? (stringField(top, 'message') ?? String(err)) : String(err);
  return new ClusterError('server', `Request to ${where(request)} failed: ${message}`, { code, cause: err });
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
