/**
 * Why Grafana cannot be shown, classified once: the proxy's failure pages and the panel's own page (which calls
 * `check()` before framing) both use `healthFromError`, `healthFromStatus` and `describeHealth`, so they always
 * name the same cause and the same fix.
 */
import { PlatformTrustError } from '../acp/platformTrust';
import type { GrafanaTarget } from './contract';

export type GrafanaHealth =
  | { kind: 'ok' }
  /** The path answers 404 from the ingress. */
  | { kind: 'noIngress' }
  /** 503 from the ingress: no ready Grafana pod. */
  | { kind: 'notReady' }
  /** Connection refused, DNS, timeout: the reason in words. */
  | { kind: 'unreachable'; reason: string }
  | { kind: 'untrusted' | 'pinMismatch'; error: PlatformTrustError }
  /** Grafana refused the login. */
  | { kind: 'badCredentials'; user: string }
  /** credentials() resolved undefined (the user cancelled). */
  | { kind: 'noCredentials' }
  | { kind: 'failed'; status: number; message: string };

export type GrafanaProblem = Exclude<GrafanaHealth, { kind: 'ok' }>;

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens at that address and port)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'there is no route to the host',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed',
};

/** A failed request to the platform, in the terms the user acts on. */
export function healthFromError(error: unknown): GrafanaProblem {
  if (error instanceof PlatformTrustError) return { kind: error.kind, error };
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.name === 'AbortError' || err.name === 'TimeoutError') {
    // A deadline of ours aborts with its own reason as the cause ("did not answer within 10 s").
    const cause = (err as { cause?: unknown }).cause;
    return { kind: 'unreachable', reason: cause instanceof Error ? cause.message.replace(/[.\s]+$/, '') : 'the request was cancelled or timed out' };
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_REASONS[code] !== undefined) return { kind: 'unreachable', reason: NETWORK_REASONS[code] };
  return { kind: 'unreachable', reason: err.message.replace(/[.\s]+$/, '') };
}

/** An answer that means the ingress, not Grafana, replied; undefined for any other status. */
export function healthFromStatus(status: number): GrafanaProblem | undefined {
  if (status === 404) return { kind: 'noIngress' };
  if (status === 503) return { kind: 'notReady' };
  return undefined;
}

/** The sentences a failure page or the panel shows: what happened and what to do. */
export interface HealthDescription {
  title: string;
  cause: string;
  fix: string;
  /** Whether "Update credentials" helps. */
  offerCredentials: boolean;
}

/** One place for the user-facing words of every failure. */
export function describeHealth(health: GrafanaProblem, target: GrafanaTarget, readiness?: { ready: number; desired: number }): HealthDescription {
  const root = `${new URL(target.platformUrl).origin}/clusters/${target.cluster}/deepflow/`;
  const origin = new URL(target.platformUrl).origin;
  switch (health.kind) {
    case 'noIngress':
      return {
        title: 'Grafana is not exposed on this platform',
        cause: `The platform answers 404 at ${root}: no Ingress routes this path to DeepFlow's Grafana (Ingress deepflow-grafana in namespace cpaas-system is missing, or Grafana's root_url names another path).`,
        fix: 'Run "DeepFlow: Install DeepFlow" again (it creates the Ingress after the workloads are ready), then choose Retry.',
        offerCredentials: false,
      };
    case 'notReady':
      return {
        title: 'Grafana is not ready',
        // The ingress only says 503; the caller that can read the cluster passes the real counts.
        cause: `The platform's ingress answers 503 at ${root}: Deployment deepflow-grafana in cpaas-system has ${readiness ? `${readiness.ready}/${readiness.desired}` : '0/1'} ready pods.`,
        fix: 'Wait until the deepflow-grafana pod is ready (the Components view shows it), or look at its events and logs, then choose Retry.',
        offerCredentials: false,
      };
    case 'unreachable':
      return {
        title: 'The platform cannot be reached',
        cause: `Cannot reach ${origin}: ${health.reason}.`,
        fix: 'Check that the platform address is right and reachable from the machine that runs the editor (VPN, proxy, firewall), then choose Retry.',
        offerCredentials: false,
      };
    case 'untrusted':
      return {
        title: "The platform's certificate is not trusted",
        cause: health.error.message,
        fix: "Trust the platform's certificate (its SHA-256 fingerprint, or the CA file that signed it) when the editor asks, then choose Retry.",
        offerCredentials: false,
      };
    case 'pinMismatch':
      return {
        title: "The platform's certificate has changed",
        cause: `${origin} now presents a certificate with SHA-256 fingerprint ${health.error.fingerprint ?? 'unknown'}, but you trusted ${health.error.expectedFingerprint ?? 'another one'}. Nothing was sent to it.`,
        fix: 'If the platform renewed its certificate, check the new fingerprint with your administrator and trust it again; otherwise someone may be intercepting the connection. Then choose Retry.',
        offerCredentials: false,
      };
    case 'badCredentials':
      return {
        title: 'Grafana refused the login',
        cause: `Grafana did not accept the password of user "${health.user}".`,
        fix: 'Choose "Update Credentials…" and enter the Grafana admin user and password (the install keeps them in Secret deepflow-grafana in cpaas-system).',
        offerCredentials: true,
      };
    case 'noCredentials':
      return {
        title: 'No Grafana login was given',
        cause: 'The proxy logs in to Grafana for you, but no Grafana user and password were entered.',
        fix: 'Choose "Update Credentials…" and enter the Grafana admin user and password.',
        offerCredentials: true,
      };
    case 'failed':
      return {
        title: 'Grafana answered with an error',
        cause: `Grafana answered ${health.status}${health.message ? `: ${health.message}` : ''}.`,
        fix: 'Choose Retry. If it keeps failing, look at the deepflow-grafana pod\'s logs.',
        offerCredentials: false,
      };
  }
}

/** One line for the log (no secrets: only the kind, origin and reason). */
export function healthLogLine(health: GrafanaProblem, target: GrafanaTarget): string {
  const described = describeHealth(health, target);
  return `Grafana of cluster ${target.cluster}: ${described.title}. ${described.cause}`;
}
