/**
 * Why Grafana cannot be shown, classified once: the proxy's failure pages and the panel's own page (which calls
 * `check()` before framing) both use `healthFromError`, `healthFromStatus` and `describeHealth`, so they always
 * name the same cause and the same fix.
 */
import * as l10n from '@vscode/l10n';
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

/** A network failure in words, for the clause after "Cannot reach <origin>:". */
function networkReason(code: string): string | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return l10n.t('the connection was refused (nothing listens at that address and port)');
    case 'ECONNRESET':
      return l10n.t('the connection was reset');
    case 'ENOTFOUND':
      return l10n.t('the host name does not resolve');
    case 'EAI_AGAIN':
      return l10n.t('the host name could not be resolved right now');
    case 'EHOSTUNREACH':
      return l10n.t('there is no route to the host');
    case 'ENETUNREACH':
      return l10n.t('the network is unreachable');
    case 'ETIMEDOUT':
      return l10n.t('the connection timed out');
    case 'EPIPE':
      return l10n.t('the connection was closed');
    default:
      return undefined;
  }
}

/** A failed request to the platform, in the terms the user acts on. */
export function healthFromError(error: unknown): GrafanaProblem {
  if (error instanceof PlatformTrustError) return { kind: error.kind, error };
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.name === 'AbortError' || err.name === 'TimeoutError') {
    // A deadline of ours aborts with its own reason as the cause ("did not answer within 10 s").
    const cause = (err as { cause?: unknown }).cause;
    return { kind: 'unreachable', reason: cause instanceof Error ? withoutFinalStop(cause.message) : l10n.t('the request was cancelled or timed out') };
  }
  const code = (err as { code?: unknown }).code;
  const reason = typeof code === 'string' ? networkReason(code) : undefined;
  if (reason !== undefined) return { kind: 'unreachable', reason };
  return { kind: 'unreachable', reason: withoutFinalStop(err.message) };
}

/** A reason goes after a colon inside a sentence: drop its own full stop (an English or a Chinese one). */
function withoutFinalStop(text: string): string {
  return text.replace(/[.。\s]+$/u, '');
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
        title: l10n.t('Grafana is not exposed on this platform'),
        cause: l10n.t(
          "The platform answers 404 at {0}: no Ingress routes this path to DeepFlow's Grafana (Ingress deepflow-grafana in namespace cpaas-system is missing, or Grafana's root_url names another path).",
          root,
        ),
        fix: l10n.t('Run "DeepFlow: Install DeepFlow" again (it creates the Ingress after the workloads are ready), then choose Retry.'),
        offerCredentials: false,
      };
    case 'notReady':
      return {
        title: l10n.t('Grafana is not ready'),
        // The ingress only says 503; the caller that can read the cluster passes the real counts.
        cause: l10n.t(
          "The platform's ingress answers 503 at {0}: Deployment deepflow-grafana in cpaas-system has {1}/{2} ready pods.",
          root,
          readiness?.ready ?? 0,
          readiness?.desired ?? 1,
        ),
        fix: l10n.t('Wait until the deepflow-grafana pod is ready (the Components view shows it), or look at its events and logs, then choose Retry.'),
        offerCredentials: false,
      };
    case 'unreachable':
      return {
        title: l10n.t('The platform cannot be reached'),
        cause: l10n.t('Cannot reach {0}: {1}.', origin, health.reason),
        fix: l10n.t('Check that the platform address is right and reachable from the machine that runs the editor (VPN, proxy, firewall), then choose Retry.'),
        offerCredentials: false,
      };
    case 'untrusted':
      return {
        title: l10n.t("The platform's certificate is not trusted"),
        cause: health.error.message,
        fix: l10n.t("Trust the platform's certificate (its SHA-256 fingerprint, or the CA file that signed it) when the editor asks, then choose Retry."),
        offerCredentials: false,
      };
    case 'pinMismatch':
      return {
        title: l10n.t("The platform's certificate has changed"),
        cause: pinMismatchCause(origin, health.error),
        fix: l10n.t(
          'If the platform renewed its certificate, check the new fingerprint with your administrator and trust it again; otherwise someone may be intercepting the connection. Then choose Retry.',
        ),
        offerCredentials: false,
      };
    case 'badCredentials':
      return {
        title: l10n.t('Grafana refused the login'),
        cause: l10n.t('Grafana did not accept the password of user "{0}".', health.user),
        fix: l10n.t(
          'Choose "Update Credentials…" and enter the Grafana admin user and password (the install keeps them in Secret deepflow-grafana in cpaas-system).',
        ),
        offerCredentials: true,
      };
    case 'noCredentials':
      return {
        title: l10n.t('No Grafana login was given'),
        cause: l10n.t('The proxy logs in to Grafana for you, but no Grafana user and password were entered.'),
        fix: l10n.t('Choose "Update Credentials…" and enter the Grafana admin user and password.'),
        offerCredentials: true,
      };
    case 'failed':
      return {
        title: l10n.t('Grafana answered with an error'),
        cause: health.message ? l10n.t('Grafana answered {0}: {1}.', health.status, health.message) : l10n.t('Grafana answered {0}.', health.status),
        fix: l10n.t("Choose Retry. If it keeps failing, look at the deepflow-grafana pod's logs."),
        offerCredentials: false,
      };
  }
}

function pinMismatchCause(origin: string, error: PlatformTrustError): string {
  const presented = error.fingerprint ?? l10n.t({ message: 'unknown', comment: ['stands for a certificate fingerprint that could not be read'] });
  if (error.expectedFingerprint === undefined) {
    return l10n.t('{0} now presents a certificate with SHA-256 fingerprint {1}, but you trusted another one. Nothing was sent to it.', origin, presented);
  }
  return l10n.t('{0} now presents a certificate with SHA-256 fingerprint {1}, but you trusted {2}. Nothing was sent to it.', origin, presented, error.expectedFingerprint);
}

/** What happened, then what to do: the two sentences of a description as one text (an error, a JSON answer). */
export function causeAndFix(described: HealthDescription): string {
  return l10n.t({ message: '{0} {1}', args: [described.cause, described.fix], comment: ['two sentences in a row: what went wrong, then what to do'] });
}

/** One line for the log (no secrets: only the kind, origin and reason). */
export function healthLogLine(health: GrafanaProblem, target: GrafanaTarget): string {
  const described = describeHealth(health, target);
  return `Grafana of cluster ${target.cluster}: ${described.title}. ${described.cause}`;
}
