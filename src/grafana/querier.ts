/**
 * DeepFlow's querier (deepflow-server :20416, `POST /v1/query/` with form fields `db` and `sql`), reached through the
 * Kubernetes service proxy with the user's own kubeconfig, so no NodePort and no extra credential is needed. SQL is
 * only ever built from values validated here and quoted by `sqlString`; raw input is never pasted into a query.
 */
import * as l10n from '@vscode/l10n';
import { ClusterError } from '../cluster/errors';
import { isRecord } from '../cluster/types';

/** The service proxy path of the querier API, as ACP-FACTS.md gives it. */
export const QUERIER_PATH = '/api/v1/namespaces/cpaas-system/services/deepflow-server:20416/proxy/v1/query/';

/** The database of the flow logs (l7_flow_log: DNS, HTTP, ...). */
export const FLOW_LOG_DB = 'flow_log';

/** What the querier needs from the cluster client: one form POST to an API server path. */
export interface FormPoster {
  postForm(path: string, fields: Record<string, string>, options?: { signal?: AbortSignal }): Promise<unknown>;
}

export type Cell = string | number | null;

/** One row of an answer, by column name. */
export type QueryRow = Record<string, Cell>;

export interface QueryResult {
  columns: string[];
  rows: QueryRow[];
}

export type QuerierErrorKind = 'notReady' | 'notInstalled' | 'rejected' | 'malformed';

/** A querier failure, with a message that says what to do. */
export class QuerierError extends Error {
  override readonly name = 'QuerierError';
  constructor(
    readonly kind: QuerierErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function toCell(value: unknown): Cell {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/** The querier's refusal in words: its status (if it sent one) and its description (if any). */
function refusedMessage(status: string | undefined, description: string): string {
  if (status === undefined) {
    return description ? l10n.t('The DeepFlow querier refused the query without a status: {0}.', description) : l10n.t('The DeepFlow querier refused the query without a status.');
  }
  return description ? l10n.t('The DeepFlow querier refused the query ({0}): {1}.', status, description) : l10n.t('The DeepFlow querier refused the query ({0}).', status);
}

/** Parses `{OPT_STATUS, DESCRIPTION, result: {columns, values}}` into rows; anything else is a QuerierError. */
export function parseQueryAnswer(body: unknown): QueryResult {
  if (!isRecord(body)) throw new QuerierError('malformed', l10n.t('The DeepFlow querier sent an answer that is not JSON.'));
  const status = typeof body.OPT_STATUS === 'string' ? body.OPT_STATUS : undefined;
  if (status !== 'SUCCESS') throw new QuerierError('rejected', refusedMessage(status, typeof body.DESCRIPTION === 'string' ? body.DESCRIPTION : ''));
  const result = isRecord(body.result) ? body.result : undefined;
  if (!result) return { columns: [], rows: [] };
  const columns = Array.isArray(result.columns) ? result.columns.map((c) => String(c)) : [];
  const values = Array.isArray(result.values) ? result.values : [];
  const rows = values.map((value) => {
    const cells = Array.isArray(value) ? value : [];
    return Object.fromEntries(columns.map((column, i) => [column, toCell(cells[i])]));
  });
  return { columns, rows };
}

/** The querier's own answer inside a failed HTTP exchange (its `OPT_STATUS`/`DESCRIPTION`), when there is one. */
function querierDescription(err: ClusterError): string | undefined {
  const cause: unknown = err.cause;
  const body = isRecord(cause) ? cause.body : undefined;
  if (typeof body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed) && typeof parsed.OPT_STATUS === 'string') {
      return typeof parsed.DESCRIPTION === 'string' && parsed.DESCRIPTION !== '' ? `${parsed.OPT_STATUS}: ${parsed.DESCRIPTION}` : parsed.OPT_STATUS;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Maps a transport failure to what the user should know: not ready (503), not installed (404), or refused. */
export function toQuerierError(err: unknown): Error {
  if (!(err instanceof ClusterError)) return err instanceof Error ? err : new Error(String(err));
  if (err.httpStatus === 503) {
    const why = err.statusMessage ?? l10n.t('the service has no ready endpoint');
    return new QuerierError('notReady', l10n.t('deepflow-server is not ready: {0}. Wait until the Components view shows deepflow-server ready, then try again.', why), { cause: err });
  }
  if (err.httpStatus === 404 && /services? "?deepflow-server/.test(err.statusMessage ?? '')) {
    const message = l10n.t('DeepFlow is not installed on this cluster: the Service deepflow-server does not exist in cpaas-system. Run "DeepFlow: Install DeepFlow (Guided)" first.');
    return new QuerierError('notInstalled', message, { cause: err });
  }
  const description = querierDescription(err);
  if (description) return new QuerierError('rejected', l10n.t('The DeepFlow querier refused the query ({0}).', description), { cause: err });
  return err;
}

/** The querier client of one cluster. */
export class QuerierClient {
  constructor(private readonly poster: FormPoster) {}

  async query(sql: string, options: { db?: string; signal?: AbortSignal } = {}): Promise<QueryResult> {
    let body: unknown;
    try {
      body = await this.poster.postForm(QUERIER_PATH, { db: options.db ?? FLOW_LOG_DB, sql }, { signal: options.signal });
    } catch (err) {
      throw toQuerierError(err);
    }
    return parseQueryAnswer(body);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Building SQL from validated values

/** A SQL string literal: quoted, with `\` and `'` escaped (the querier parses MySQL syntax). */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A whole number as SQL; anything else is a programming error, never pasted. */
export function sqlNumber(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Internal error: ${String(value)} is not a whole number for SQL.`);
  return String(value);
}

export type ValidationResult = string | undefined;

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Namespaces are DNS-1123 labels. */
export function validateNamespaceName(value: string): ValidationResult {
  if (value === '') return l10n.t('Choose a namespace');
  if (value.length > 63 || !dns1123Label.test(value)) return l10n.t('"{0}" is not a namespace name: lowercase letters, digits and \'-\', at most 63 characters', value);
  return undefined;
}

/** Workloads (Deployments, StatefulSets, DaemonSets) are named with DNS-1123 subdomains. */
export function validateWorkloadName(value: string): ValidationResult {
  if (value === '') return l10n.t('Choose a workload');
  if (value.length > 253 || !value.split('.').every((label) => dns1123Label.test(label))) {
    return l10n.t('"{0}" is not a workload name: lowercase letters, digits, \'-\' and \'.\', at most 253 characters', value);
  }
  return undefined;
}

const domainLabel = /^[A-Za-z0-9_*]([-A-Za-z0-9_*]*[A-Za-z0-9_*])?$/;

/**
 * A domain name as DNS asks for it (the QNAME), where `*` stands for any text: `*.cluster.local`, `*example.com*`,
 * `payments.shop.svc.cluster.local`. Empty means any domain.
 */
export function validateDomainPattern(value: string): ValidationResult {
  if (value === '') return undefined;
  if (/\s/.test(value)) return l10n.t('A domain has no spaces');
  if (value.length > 253) return l10n.t('A domain is at most 253 characters long');
  const bad = [...value].find((c) => !/[-A-Za-z0-9_.*]/.test(c));
  if (bad !== undefined) return l10n.t('"{0}" cannot be part of a domain: use letters, digits, \'-\', \'_\', \'.\' and \'*\' for any text', bad);
  if (value.endsWith('.')) return l10n.t('Leave out the trailing dot: DeepFlow records domains without it');
  if (!value.split('.').every((label) => label.length <= 63 && domainLabel.test(label))) {
    return l10n.t('Each part of a domain between dots must be non-empty, at most 63 characters, and must not start or end with \'-\'');
  }
  return undefined;
}

/**
 * The filter on `request_resource` for a validated domain pattern. Without `*` it is an exact match. With `*` it is
 * DeepFlow's LIKE, whose wildcard is `*` (the same pattern the Distributed Tracing dashboard's `request_resource`
 * box takes, so the list and the dashboard agree). Characters that are wildcards elsewhere (`%`) cannot reach here.
 */
export function domainCondition(pattern: string): string | undefined {
  const invalid = validateDomainPattern(pattern);
  if (invalid) throw new Error(invalid);
  if (pattern === '' || /^\*+$/.test(pattern)) return undefined;
  return pattern.includes('*') ? `request_resource LIKE ${sqlString(pattern)}` : `request_resource = ${sqlString(pattern)}`;
}

/** `field = 'value'` for a validated Kubernetes name. */
export function nameCondition(field: string, value: string, validate: (v: string) => ValidationResult): string {
  const invalid = validate(value);
  if (invalid) throw new Error(invalid);
  return `${field} = ${sqlString(value)}`;
}
