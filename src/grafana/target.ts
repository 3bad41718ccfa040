/**
 * What the editor needs to reach one cluster's DeepFlow Grafana, read from the cluster with the user's own rights:
 * the ACP cluster name in the Ingress path, the admin login the chart wrote into its Secret, and how many Grafana
 * pods are ready (to say why the ingress answers 503). No `vscode`.
 */
import { deepflowNamespace } from '../acp/components';
import { isClusterError, isRecord, type ClusterClient, type KubeObject } from '../cluster';
import type { GrafanaCredentials } from './contract';

export const grafanaIngressName = 'deepflow-grafana';
export const grafanaDeploymentName = 'deepflow-grafana';
/** The chart's Grafana Secret (the grafana sub-chart's `admin-user` and `admin-password` keys). */
export const grafanaSecretName = 'deepflow-grafana';

/** `/clusters/<name>/deepflow($|/)(.*)` → `<name>`; undefined when no rule routes DeepFlow's Grafana. */
export function clusterFromGrafanaIngress(ingress: KubeObject): string | undefined {
  const spec = isRecord(ingress.spec) ? ingress.spec : {};
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  for (const rule of rules) {
    const http = isRecord(rule) && isRecord(rule.http) ? rule.http : {};
    const paths = Array.isArray(http.paths) ? http.paths : [];
    for (const path of paths) {
      const value = isRecord(path) && typeof path.path === 'string' ? path.path : '';
      const match = /^\/clusters\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/deepflow(?:$|[/(])/.exec(value);
      if (match?.[1]) return match[1];
    }
  }
  return undefined;
}

/** The cluster name Grafana is served under, from the Ingress the install created; undefined when there is none. */
export async function readGrafanaClusterName(client: ClusterClient, signal?: AbortSignal): Promise<string | undefined> {
  const ingress = await client.find({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: deepflowNamespace, name: grafanaIngressName }, { signal });
  return ingress ? clusterFromGrafanaIngress(ingress) : undefined;
}

export type SecretCredentials =
  | { found: true; credentials: GrafanaCredentials }
  /** Why not: the Secret is missing, lacks the password, or the user may not read Secrets in cpaas-system. */
  | { found: false; reason: 'absent' | 'forbidden' | 'incomplete' };

/** The Grafana admin login from the chart's Secret, read with the user's rights. */
export async function readGrafanaSecret(client: ClusterClient, signal?: AbortSignal): Promise<SecretCredentials> {
  let secret: KubeObject | undefined;
  try {
    secret = await client.find({ apiVersion: 'v1', kind: 'Secret', namespace: deepflowNamespace, name: grafanaSecretName }, { signal });
  } catch (err) {
    if (isClusterError(err, 'forbidden')) return { found: false, reason: 'forbidden' };
    throw err;
  }
  if (!secret) return { found: false, reason: 'absent' };
  const data = isRecord(secret.data) ? secret.data : {};
  const decode = (value: unknown): string | undefined => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined);
  const password = decode(data['admin-password']);
  if (!password) return { found: false, reason: 'incomplete' };
  return { found: true, credentials: { user: decode(data['admin-user']) || 'admin', password } };
}

export interface GrafanaReadiness {
  ready: number;
  desired: number;
}

/** Ready and desired pods of the Grafana Deployment; undefined when it does not exist. */
export async function readGrafanaReadiness(client: ClusterClient, signal?: AbortSignal): Promise<GrafanaReadiness | undefined> {
  const deployment = await client.find({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: deepflowNamespace, name: grafanaDeploymentName }, { signal });
  if (!deployment) return undefined;
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  const status = isRecord(deployment.status) ? deployment.status : {};
  return {
    ready: typeof status.readyReplicas === 'number' ? status.readyReplicas : 0,
    desired: typeof spec.replicas === 'number' ? spec.replicas : 1,
  };
}

/**
 * ACP kubeconfigs usually reach the cluster through the platform (`https://<platform>/kubernetes/<cluster>`), so
 * the API server URL proposes the platform URL and the cluster name; anything else proposes nothing.
 */
export function platformHintFromServer(server: string | undefined): { platformUrl: string; cluster: string } | undefined {
  if (!server) return undefined;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return undefined;
  }
  const match = /^\/kubernetes\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/?$/.exec(url.pathname);
  if (url.protocol !== 'https:' || !match?.[1]) return undefined;
  return { platformUrl: url.origin, cluster: match[1] };
}
