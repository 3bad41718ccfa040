/**
 * Every sentence the troubleshooting flows show (prompts, progress, tree rows, errors), built in one place so they
 * read alike and can be localised later.
 */
import type { DnsFailure, Endpoint, HttpCall } from '../grafana/troubleshoot';
import { describeCapturePoint, describeEndpoint, describeOutcome, describeRequest } from '../grafana/troubleshoot';
import { describeRange, type TimeRange } from '../grafana/timeRange';

/** `HH:MM:SS` in local time: what a row shows. */
export function clock(epochMs: number): string {
  return new Date(epochMs).toTimeString().slice(0, 8);
}

/** The full local date and time, for tooltips. */
export function fullTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.toLocaleDateString()} ${d.toTimeString().slice(0, 8)}`;
}

function workloadIn(namespace: string, workload: string): string {
  return `${workload} in namespace ${namespace}`;
}

export const text = {
  dnsTitle: 'DeepFlow: Find DNS Failures',
  httpTitle: 'DeepFlow: Follow Chained HTTP Requests',
  dashboardTitle: 'DeepFlow: Open Grafana Dashboard',
  namespacePlaceholder: 'Choose the namespace of the application',
  workloadPlaceholder: (namespace: string) => `Choose the workload in ${namespace} whose requests to look at`,
  domainPrompt: 'The domain the workload looked up. Use * for any text (e.g. *.cluster.local); leave empty for any domain.',
  domainPlaceholder: 'any domain, or e.g. *.svc.cluster.local',
  rangePlaceholder: 'Choose the time range to look at',
  customRange: 'Custom range…',
  customRangeDetail: 'Type a start and an end: now, now-2h, or an ISO time',
  fromPrompt: 'Start of the range: now-2h, or an ISO time like 2026-12-02T10:00',
  toPrompt: 'End of the range: now, or an ISO time like 2026-12-02T11:00',
  readingNamespaces: (context: string) => `DeepFlow: reading the namespaces of ${context}`,
  readingWorkloads: (namespace: string) => `DeepFlow: reading the workloads of namespace ${namespace}`,
  noNamespaces: (context: string) => `The cluster of context ${context} lists no namespaces you may read.`,
  noWorkloads: (namespace: string) => `Namespace ${namespace} has no Deployment, StatefulSet or DaemonSet to look at.`,
  searchingDns: (namespace: string, workload: string) => `DeepFlow: looking for failed DNS requests of ${workloadIn(namespace, workload)}`,
  searchingHttp: (namespace: string, workload: string) => `DeepFlow: reading the HTTP requests of ${workloadIn(namespace, workload)}`,
  openingDashboard: 'DeepFlow: opening Distributed Tracing in Grafana',
  listingDashboards: 'DeepFlow: listing the Grafana dashboards',
  readingDashboard: (title: string) => `DeepFlow: opening the ${title} dashboard`,
  dashboardPlaceholder: 'Choose a dashboard to open in the Grafana panel',
  noDashboards: 'Grafana lists no dashboards. Is DeepFlow fully installed?',
  grafanaCancelled: 'Grafana was not opened: a prompt for its access was cancelled.',
  dnsHeader: (namespace: string, workload: string, domain: string, range: TimeRange, count: number) =>
    `${count === 0 ? 'No' : count} failed DNS request${count === 1 ? '' : 's'} of ${workloadIn(namespace, workload)}${domain === '' ? '' : ` for ${domain}`}, ${describeRange(range)}.`,
  httpHeader: (namespace: string, workload: string, range: TimeRange, count: number) =>
    `${count === 0 ? 'No' : count} HTTP request${count === 1 ? '' : 's'} sent or served by ${workloadIn(namespace, workload)}, ${describeRange(range)}. Expand one for its chain.`,
  noDnsFailures: 'No failed DNS requests in this range.',
  noDnsFailuresDetail: 'Every DNS answer DeepFlow recorded for this workload was NOERROR. Try a longer range or another domain.',
  noHttpRequests: 'No HTTP requests in this range.',
  noHttpRequestsDetail: 'DeepFlow recorded no HTTP/1 or HTTP/2 request of this workload. Try a longer range.',
  noChain: 'DeepFlow has no other span of this request.',
  chainFailed: 'The chain of this request could not be read.',
  clientRole: 'client',
  openInGrafana: 'Open in Grafana',
  selectRowFirst: 'Select a failed DNS request or an HTTP request in the Troubleshooting view first, then open it in Grafana.',
};

/** A failed DNS request as a row: the domain; what went wrong, which pod asked, and when. */
export function dnsRow(failure: DnsFailure): { label: string; description: string; tooltip: string } {
  return {
    label: failure.domain || '(no domain)',
    description: `${failure.outcome} — ${failure.clientPod || failure.workload} · ${clock(failure.timeMs)}`,
    tooltip: [
      `${failure.queryType || 'DNS'} query for ${failure.domain}`,
      `Answer: ${failure.outcome}`,
      `Asked by pod ${failure.clientPod || '(unknown)'} of ${workloadIn(failure.namespace, failure.workload)}`,
      `At ${fullTime(failure.timeMs)}`,
      'Click to open Distributed Tracing narrowed to this domain and minute.',
    ].join('\n'),
  };
}

function captureSummary(call: HttpCall): string {
  return call.capturePoints.map(describeCapturePoint).join(', ');
}

/** An HTTP request in the list: method and path; outcome, who called whom, and when. */
export function requestRow(call: HttpCall): { label: string; description: string; tooltip: string } {
  const outcome = describeOutcome(call);
  return {
    label: describeRequest(call),
    description: `${outcome === '' ? '' : `${outcome} — `}${describeEndpoint(call.client)} → ${describeEndpoint(call.server)} · ${clock(call.timeMs)}`,
    tooltip: [
      `${describeRequest(call)}${call.domain ? ` to ${call.domain}` : ''}`,
      `From ${describeEndpoint(call.client)} to ${describeEndpoint(call.server)}`,
      outcome === '' ? 'No response recorded' : `Answer: ${outcome}`,
      `At ${fullTime(call.timeMs)}`,
      `Captured at: ${captureSummary(call) || 'unknown'}`,
      call.traceId ? `Trace id: ${call.traceId}` : 'No trace id (linked by X-Request-ID)',
      call.xRequestId ? `X-Request-ID: ${call.xRequestId}` : '',
      'Click to open its trace in Distributed Tracing; expand it for the chain.',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  };
}

/** A request inside a chain: method, path and the one it reached; the outcome and capture points in words. */
export function chainCallRow(call: HttpCall): { label: string; description: string; tooltip: string } {
  const outcome = describeOutcome(call);
  return {
    label: `${describeRequest(call)} → ${describeEndpoint(call.server)}`,
    description: [outcome, `seen at ${captureSummary(call) || 'an unknown point'}`].filter((p) => p !== '').join(' · '),
    tooltip: requestRow(call).tooltip,
  };
}

/** The client that started a chain. */
export function clientRow(endpoint: Endpoint): { label: string; description: string } {
  return { label: describeEndpoint(endpoint), description: text.clientRole };
}
