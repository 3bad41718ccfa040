/**
 * What the pieces built around DeepFlow's Grafana agree on: the proxy and its logged-in session (src/grafana),
 * the dashboards and troubleshooting flows (src/grafana, src/commands), and the panel (src/views). No `vscode`.
 */
import { grafanaRootPath } from '../acp/deepflowValues';

/** One cluster's DeepFlow Grafana, served by the platform's ingress at `<platformUrl>/clusters/<cluster>/deepflow/`. */
export interface GrafanaTarget {
  /** The platform's https origin, e.g. `https://192.168.1.10`. */
  platformUrl: string;
  /** The ACP cluster name in the ingress path, e.g. `cluster1`. */
  cluster: string;
}

/** Grafana's root URL on the platform, with a trailing slash: what "Open in Browser" opens. */
export function grafanaRootUrl(target: GrafanaTarget): string {
  return `${new URL(target.platformUrl).origin}${grafanaRootPath(target.cluster)}/`;
}

/** The Grafana admin login the proxy uses on the user's behalf (the chart's `deepflow-grafana` Secret). */
export interface GrafanaCredentials {
  user: string;
  password: string;
}

/**
 * Grafana's HTTP API for one target, already logged in (the session is held server-side, never in a webview).
 * Paths are relative to Grafana's root: `api/search?type=dash-db`, `api/dashboards/uid/Distributed_Tracing`.
 */
export interface GrafanaApi {
  /** GET, parsed JSON; throws an Error whose message says what failed (never a secret) for any non-2xx answer. */
  getJson(path: string, signal?: AbortSignal): Promise<unknown>;
}

/**
 * What commands and views ask of the Grafana feature for the current cluster. Implemented once in the VS Code
 * layer (it may prompt for trust or credentials); resolves undefined when the user cancelled a prompt.
 */
export interface GrafanaAccess {
  /** The logged-in API of the current cluster's Grafana. */
  currentApi(signal?: AbortSignal): Promise<GrafanaApi | undefined>;
  /**
   * Shows a Grafana page in the current cluster's panel (opening or revealing it). `path` is relative to Grafana's
   * root, e.g. `d/Distributed_Tracing/distributed-tracing?orgId=1&var-namespace=shop&from=now-1h&to=now`;
   * omitted, Grafana's home.
   */
  open(path?: string): Promise<void>;
}
