/**
 * One error type for everything that can go wrong between the extension and a Kubernetes API server, with a
 * message a user understands. Raw client errors are never shown: an HTTP error's body and headers may carry more
 * than a user should see (client-node's ApiException message embeds the response headers), and network errors
 * embed request URLs, so every message here is built from codes and from the Kubernetes Status, and is passed
 * through `redactSecrets` as a last line of defence.
 */
import * as l10n from '@vscode/l10n';
import { redactSecrets } from './redaction';
import { describeObject, isRecord } from './types';

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

/**
 * A non-2xx answer of the API server, before it is mapped: the HTTP status and the raw body (usually a Kubernetes
 * Status). `toClusterError` maps it exactly as it maps client-node's ApiException (`code` and `body`). Its own
 * message holds only the status, so logging it leaks nothing.
 */
export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  constructor(
    readonly statusCode: number,
    readonly body: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${statusCode}`);
  }
}

export function isClusterError(err: unknown, kind?: ClusterErrorKind): err is ClusterError {
  return err instanceof ClusterError && (kind === undefined || err.kind === kind);
}

/** Why a certificate was refused, for the clause after "was refused:". A function: messages are looked up when made. */
function tlsCodeText(code: string): string | undefined {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return l10n.t('it is self-signed');
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return l10n.t('its chain ends in a self-signed CA that is not trusted');
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return l10n.t('its issuer is not trusted');
    case 'CERT_UNTRUSTED':
      return l10n.t('it is not trusted');
    case 'CERT_HAS_EXPIRED':
      return l10n.t('it has expired');
    case 'CERT_NOT_YET_VALID':
      return l10n.t('it is not valid yet');
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return l10n.t('it was issued for another host name');
    case 'CERT_SIGNATURE_FAILURE':
      return l10n.t('its signature is invalid');
    case 'CERT_REVOKED':
      return l10n.t('it was revoked');
    default:
      return undefined;
  }
}

/** What went wrong with the connection, for the clause after "Cannot reach …:". */
function unreachableCodeText(code: string): string | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return l10n.t('connection refused');
    case 'ECONNRESET':
      return l10n.t('connection reset');
    case 'EHOSTUNREACH':
      return l10n.t('host unreachable');
    case 'ENETUNREACH':
      return l10n.t('network unreachable');
    case 'ENOTFOUND':
      return l10n.t('host name not found');
    case 'EAI_AGAIN':
      return l10n.t('host name lookup failed');
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return l10n.t('connection closed');
    case 'ECONNABORTED':
      return l10n.t('connection aborted');
    default:
      return undefined;
  }
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function stringField(value: Record<string, unknown>, key: string): string | undefined {
  const v = value[key];
  return typeof v === 'string' ? v : undefined;
}

/** Parses a Status from an HTTP error's body: a JSON string (ours, client-node's) or an object (client-node's). */
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

/** The HTTP status of an ApiStatusError or a client-node Watch failure (`.statusCode`), or of an ApiException (`.code`). */
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

/**
 * The message that names the API server's address when the request knows it, else the one that cannot. Both are
 * whole sentences, so a translation never has to fit "the API server at …" into another sentence.
 */
function byServer(request: RequestDescription, atServer: (server: string) => string, noServer: () => string): string {
  return request.server ? atServer(request.server) : noServer();
}

function resourceLabel(request: RequestDescription, status?: KubernetesStatus): string {
  const detailKind = status?.details?.kind;
  const detailGroup = status?.details?.group;
  if (request.resource) return request.resource;
  if (detailKind) return detailGroup ? `${detailKind}.${detailGroup}` : detailKind;
  return request.kind ?? l10n.t({ message: 'resource', comment: ['stands for a Kubernetes resource whose kind is not known, in "Permission denied: not allowed to get {0}."'] });
}

function objectLabel(request: RequestDescription, status?: KubernetesStatus): string {
  const kind = request.kind ?? status?.details?.kind ?? resourceLabel(request, status);
  return describeObject(kind, request.name ?? status?.details?.name, request.namespace);
}

/**
 * A real API server's 403 message reads: `... is forbidden: User "u" cannot patch resource "applications" in API
 * group "app.k8s.io" in the namespace "cpaas-system"`. Pull the verb, resource and namespace out of it.
 */
function describeForbidden(status: KubernetesStatus | undefined, request: RequestDescription): string {
  const text = status?.message ?? '';
  const match = /User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/.exec(text);
  if (match) {
    const [, user = '', verb = '', resource = '', group, namespace] = match;
    const qualified = group ? `${resource}.${group}` : resource;
    return namespace
      ? l10n.t('Permission denied: user "{0}" may not {1} {2} in namespace "{3}".', user, verb, qualified, namespace)
      : l10n.t('Permission denied: user "{0}" may not {1} {2} at cluster scope.', user, verb, qualified);
  }
  const resource = resourceLabel(request, status);
  const { verb, namespace } = request;
  let denied: string;
  if (verb && namespace) denied = l10n.t('Permission denied: not allowed to {0} {1} in namespace "{2}".', verb, resource, namespace);
  else if (verb) denied = l10n.t('Permission denied: not allowed to {0} {1}.', verb, resource);
  else if (namespace) denied = l10n.t('Permission denied: not allowed to access {0} in namespace "{1}".', resource, namespace);
  else denied = l10n.t('Permission denied: not allowed to access {0}.', resource);
  return text ? `${denied} ${l10n.t('The server said: {0}', text)}` : denied;
}

function describeConflict(status: KubernetesStatus | undefined, request: RequestDescription): string {
  const causes = status?.details?.causes ?? [];
  const fieldConflicts = causes.filter((c) => c.reason === 'FieldManagerConflict');
  if (fieldConflicts.length > 0) {
    const fields = fieldConflicts.map((c) => `${c.field ?? '?'}${c.message ? ` (${c.message})` : ''}`).join(', ');
    return l10n.t('Apply conflict on {0}: another field manager owns {1}. Re-apply with force to take these fields over.', objectLabel(request, status), fields);
  }
  if (status?.reason === 'AlreadyExists') return l10n.t('{0} already exists.', objectLabel(request, status));
  return status?.message
    ? l10n.t('Conflict on {0}: {1}.', objectLabel(request, status), status.message)
    : l10n.t('Conflict on {0}: the object was changed by someone else.', objectLabel(request, status));
}

function describeInvalid(status: KubernetesStatus | undefined, request: RequestDescription): string {
  const causes = (status?.details?.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? c.reason ?? ''}` : (c.message ?? c.reason ?? '')));
  const base = status?.message ?? l10n.t('The API server rejected {0} as invalid', objectLabel(request, status));
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
  const said = status?.message;
  switch (httpStatus) {
    case 401:
      return new ClusterError(
        'unauthorized',
        byServer(
          request,
          (server) => l10n.t('The API server at {0} rejected the credentials (401 Unauthorized). The token or client certificate may be wrong or expired; log in again or choose another context.', server),
          () => l10n.t('The API server rejected the credentials (401 Unauthorized). The token or client certificate may be wrong or expired; log in again or choose another context.'),
        ),
        details,
      );
    case 403:
      return new ClusterError('forbidden', describeForbidden(status, request), details);
    case 404:
      return new ClusterError(
        'notFound',
        said && !request.name ? l10n.t('{0} was not found: {1}.', objectLabel(request, status), said) : l10n.t('{0} was not found.', objectLabel(request, status)),
        details,
      );
    case 409:
      return new ClusterError('conflict', describeConflict(status, request), details);
    case 400:
    case 422:
      return new ClusterError('invalid', describeInvalid(status, request), details);
    case 408:
    case 504:
      return new ClusterError('timeout', said ? timedOutSaying(request, httpStatus, said) : timedOut(request, httpStatus), details);
    default:
      return new ClusterError('server', said ? answeredSaying(request, httpStatus, said) : answered(request, httpStatus), details);
  }
}

function timedOut(request: RequestDescription, httpStatus: number): string {
  return byServer(
    request,
    (server) => l10n.t('The API server at {0} timed out ({1}).', server, httpStatus),
    () => l10n.t('The API server timed out ({0}).', httpStatus),
  );
}

function timedOutSaying(request: RequestDescription, httpStatus: number, said: string): string {
  return byServer(
    request,
    (server) => l10n.t('The API server at {0} timed out ({1}): {2}.', server, httpStatus, said),
    () => l10n.t('The API server timed out ({0}): {1}.', httpStatus, said),
  );
}

function answered(request: RequestDescription, httpStatus: number): string {
  return byServer(
    request,
    (server) => l10n.t('The API server at {0} answered {1}.', server, httpStatus),
    () => l10n.t('The API server answered {0}.', httpStatus),
  );
}

function answeredSaying(request: RequestDescription, httpStatus: number, said: string): string {
  return byServer(
    request,
    (server) => l10n.t('The API server at {0} answered {1}: {2}.', server, httpStatus, said),
    () => l10n.t('The API server answered {0}: {1}.', httpStatus, said),
  );
}

function isAbortError(chain: Record<string, unknown>[]): boolean {
  return chain.some((e) => e.name === 'AbortError' || e.type === 'aborted' || e.code === 'ABORT_ERR');
}

/**
 * Maps anything a request can throw (ApiStatusError, a socket or TLS error, an abort; client-node's errors on the
 * fallback path) to a ClusterError.
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
  const refused = code === undefined ? undefined : tlsCodeText(code);
  if (code && refused !== undefined) {
    return new ClusterError(
      'tls',
      byServer(
        request,
        (server) => l10n.t("The TLS certificate of the API server at {0} was refused: {1} ({2}). Put the cluster's CA in the kubeconfig (certificate-authority-data) rather than skipping verification.", server, refused, code),
        () => l10n.t("The TLS certificate of the API server was refused: {0} ({1}). Put the cluster's CA in the kubeconfig (certificate-authority-data) rather than skipping verification.", refused, code),
      ),
      { code, cause: err },
    );
  }
  if (code && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO')) {
    const message = byServer(
      request,
      (server) => l10n.t('The TLS handshake with the API server at {0} failed ({1}). Check that the server URL uses the right scheme and port.', server, code),
      () => l10n.t('The TLS handshake with the API server failed ({0}). Check that the server URL uses the right scheme and port.', code),
    );
    return new ClusterError('tls', message, { code, cause: err });
  }
  const unreachable = code === undefined ? undefined : unreachableCodeText(code);
  if (code && unreachable !== undefined) {
    const message = byServer(
      request,
      (server) => l10n.t('Cannot reach the API server at {0}: {1} ({2}).', server, unreachable, code),
      () => l10n.t('Cannot reach the API server: {0} ({1}).', unreachable, code),
    );
    return new ClusterError('unreachable', message, { code, cause: err });
  }
  if ((code && TIMEOUT_CODES.has(code)) || chain.some((e) => e.name === 'TimeoutError' || e.type === 'request-timeout')) {
    return new ClusterError('timeout', noAnswer(request), { code, cause: err });
  }
  if (isAbortError(chain)) return new ClusterError('cancelled', requestCancelledMessage(), { code, cause: err });
  if (chain.some((e) => stringField(e, 'message') === 'fetch failed' || e.type === 'system')) {
    return new ClusterError('unreachable', cannotReach(request, code), { code, cause: err });
  }
  const message = top ? (stringField(top, 'message') ?? String(err)) : String(err);
  return new ClusterError(
    'server',
    byServer(
      request,
      (server) => l10n.t('Request to the API server at {0} failed: {1}', server, message),
      () => l10n.t('Request to the API server failed: {0}', message),
    ),
    { code, cause: err },
  );
}

/** The API server did not answer (within the request's timeout, when it is known). */
function noAnswer(request: RequestDescription): string {
  const { timeoutMs } = request;
  if (timeoutMs) {
    return byServer(
      request,
      (server) => l10n.t('The API server at {0} did not answer within {1}.', server, formatSeconds(timeoutMs)),
      () => l10n.t('The API server did not answer within {0}.', formatSeconds(timeoutMs)),
    );
  }
  return byServer(
    request,
    (server) => l10n.t('The API server at {0} did not answer.', server),
    () => l10n.t('The API server did not answer.'),
  );
}

function cannotReach(request: RequestDescription, code: string | undefined): string {
  if (code) {
    return byServer(
      request,
      (server) => l10n.t('Cannot reach the API server at {0} ({1}).', server, code),
      () => l10n.t('Cannot reach the API server ({0}).', code),
    );
  }
  return byServer(
    request,
    (server) => l10n.t('Cannot reach the API server at {0}.', server),
    () => l10n.t('Cannot reach the API server.'),
  );
}

/** The message of a request the user (or the caller) cancelled. */
export function requestCancelledMessage(): string {
  return l10n.t('The request was cancelled.');
}

/** A duration in seconds for a sentence: "30 s", "1.5 s". */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return l10n.t('{0} s', Number.isInteger(seconds) ? seconds : seconds.toFixed(1));
}
