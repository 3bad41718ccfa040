/** Plain shapes shared by the cluster modules. Objects stay plain JSON so custom resources keep unknown fields. */
import * as l10n from '@vscode/l10n';

/** Where log lines go; the extension passes its LogOutputChannel in, tests pass a recorder. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** Narrows untyped JSON (response bodies, error objects) to a record. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A Kubernetes object as the API server sent it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

/** Names one object (or, without `name`, one collection) on the server. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface CollectionRef {
  apiVersion: string;
  kind: string;
  /** Omit for cluster-scoped kinds, or to list across all namespaces. */
  namespace?: string;
}

/**
 * An object as messages name it: `Deployment "deepflow-app" in namespace "cpaas-system"`. A whole noun phrase per
 * variant, so a translation places the namespace where its language wants it.
 */
export function describeObject(kind: string, name?: string, namespace?: string): string {
  if (name && namespace) return l10n.t('{0} "{1}" in namespace "{2}"', kind, name, namespace);
  if (namespace) return l10n.t('{0} in namespace "{1}"', kind, namespace);
  return name ? `${kind} "${name}"` : kind;
}

export function describeRef(ref: CollectionRef & { name?: string }): string {
  return describeObject(ref.kind, ref.name, ref.namespace);
}
