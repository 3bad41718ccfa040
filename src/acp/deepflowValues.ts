/**
 * The DeepFlow chart values that the guide's step 5 pastes into the Application's annotation. They are built as an
 * object and serialised, because the guide's heredoc breaks on a password holding `"`, `\` or `$` (ACP-FACTS.md).
 */
import { secretMask } from './redact';
import { recordField, type KubeObject } from './kubeObject';

/** Everything the user chooses for the DeepFlow step. */
export interface DeepflowInput {
  /** Chart version pushed with violet, read from the artifact name, e.g. v3.19.0-fix.49.27.gb547cdc5-dbs. */
  chartVersion: string;
  clusterName: string;
  grafanaAdminUser: string;
  grafanaAdminPassword: string;
  storageClass: string;
  mysqlSize: string;
  clickhousePathSize: string;
  clickhouseStoragePathSize: string;
}

/** The guide's sizes: together 350Gi. */
export const defaultDeepflowSizes = { mysqlSize: '50Gi', clickhousePathSize: '100Gi', clickhouseStoragePathSize: '200Gi' } as const;

/** The annotation that carries the values JSON on the Application. */
export const chartValuesAnnotation = 'app.cpaas.io/chart.values';

/** The chart renders this template itself, so ClickHouse's volumes follow global.storageClass; it must stay literal. */
export const storageClassTemplate = '{{ .Values.global.storageClass }}';

/** Grafana's sub-path under the platform, where the ingress serves it. */
export function grafanaRootPath(clusterName: string): string {
  return `/clusters/${clusterName}/deepflow`;
}

/**
 * The guide's values JSON, field for field and in the guide's order, with its bug fixed: the MySQL size goes into
 * `mysql.storageConfig.persistence.size` (the guide's variable name mismatch left it empty).
 */
export function buildDeepflowValues(input: DeepflowInput): Record<string, unknown> {
  return {
    global: {
      storageClass: input.storageClass,
    },
    server: {
      service: {
        type: 'ClusterIP',
      },
    },
    'deepflow-agent': {
      clusterNAME: input.clusterName,
    },
    grafana: {
      adminUser: input.grafanaAdminUser,
      adminPassword: input.grafanaAdminPassword,
      service: {
        type: 'ClusterIP',
      },
      'grafana.ini': {
        server: {
          // %(protocol)s and %(domain)s are Grafana's own interpolation, filled from the request.
          root_url: `%(protocol)s://%(domain)s${grafanaRootPath(input.clusterName)}`,
          serve_from_sub_path: true,
        },
      },
    },
    mysql: {
      storageConfig: {
        persistence: {
          size: input.mysqlSize,
        },
      },
    },
    clickhouse: {
      storageConfig: {
        persistence: [
          {
            accessModes: ['ReadWriteOnce'],
            name: 'clickhouse-path',
            size: input.clickhousePathSize,
            storageClass: storageClassTemplate,
          },
          {
            accessModes: ['ReadWriteOnce'],
            name: 'clickhouse-storage-path',
            size: input.clickhouseStoragePathSize,
            storageClass: storageClassTemplate,
          },
        ],
      },
    },
  };
}

/** Indented so the annotation stays readable in `kubectl get -o yaml` and in the ACP console. */
export function serialiseDeepflowValues(values: Record<string, unknown>): string {
  return JSON.stringify(values, null, 2);
}

/** The values an Application was installed with, or undefined when the annotation is missing or not a JSON object. */
export function readValuesAnnotation(app: KubeObject): Record<string, unknown> | undefined {
  const text = app.metadata.annotations?.[chartValuesAnnotation];
  if (text === undefined) return undefined;
  try {
    return recordField(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** One changed leaf between two values objects; `path` reads like `grafana.adminUser` or `clickhouse.storageConfig.persistence[1].size`. */
export interface ValuesChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** Keys that hold credentials in chart values: adminPassword, passwd, clientSecret, token, apiKey, credentials... */
export const credentialKey = /pass|secret|token|key|cred/i;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(parent: string, key: string): string {
  // Keys such as "grafana.ini" would read as two segments, so they are quoted.
  if (/[.[\]"\s]/.test(key) || key === '') return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

/** Replaces every value under a credential-like key (credentialKey), at any depth, with the mask. */
function maskSecrets(value: unknown, key: string | undefined): unknown {
  if (value === undefined) return undefined;
  if (key !== undefined && credentialKey.test(key)) return secretMask;
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, undefined));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function collectChanges(before: unknown, after: unknown, path: string, key: string | undefined, out: ValuesChange[]): void {
  // Descend when both sides are containers of one kind, or one side is absent, so every changed leaf is listed
  // under its own path and a password inside a new or removed subtree is still recognised by its key.
  const objects = (isPlainObject(before) || before === undefined) && (isPlainObject(after) || after === undefined);
  const arrays = (Array.isArray(before) || before === undefined) && (Array.isArray(after) || after === undefined);
  if (objects && (before !== undefined || after !== undefined)) {
    const left = before ?? {};
    const right = after ?? {};
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
    for (const k of keys) collectChanges(left[k], right[k], childPath(path, k), k, out);
    return;
  }
  if (arrays && (before !== undefined || after !== undefined)) {
    const left = before ?? [];
    const right = after ?? [];
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      collectChanges(left[i], right[i], `${path}[${i}]`, undefined, out);
    }
    return;
  }
  if (sameValue(before, after)) return;
  out.push({ path, before: maskSecrets(before, key), after: maskSecrets(after, key) });
}

/**
 * The leaves that differ between the installed values and the new ones, for the confirmation before an update.
 * Every value under a credential-like key is masked: the list is shown and logged, and a changed secret still
 * shows as a change.
 */
export function diffValues(before: Record<string, unknown>, after: Record<string, unknown>): ValuesChange[] {
  const changes: ValuesChange[] = [];
  collectChanges(before, after, '', undefined, changes);
  return changes;
}
