/**
 * Every sentence the troubleshooting flows show (prompts, progress, tree rows, errors), built in one place so they
 * read alike, and localized with vscode.l10n. Constants are getters: each message is looked up when it is shown.
 */
import * as vscode from 'vscode';
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

export const text = {
  get dnsTitle(): string {
    return vscode.l10n.t('DeepFlow: Find DNS Failures');
  },
  get httpTitle(): string {
    return vscode.l10n.t('DeepFlow: Follow Chained HTTP Requests');
  },
  get dashboardTitle(): string {
    return vscode.l10n.t('DeepFlow: Open Grafana Dashboard');
  },
  get namespacePlaceholder(): string {
    return vscode.l10n.t('Choose the namespace of the application');
  },
  workloadPlaceholder: (namespace: string): string => vscode.l10n.t('Choose the workload in {0} whose requests to look at', namespace),
  get domainPrompt(): string {
    return vscode.l10n.t('The domain the workload looked up. Use * for any text (e.g. *.cluster.local); leave empty for any domain.');
  },
  get domainPlaceholder(): string {
    return vscode.l10n.t('any domain, or e.g. *.svc.cluster.local');
  },
  get rangePlaceholder(): string {
    return vscode.l10n.t('Choose the time range to look at');
  },
  get customRange(): string {
    return vscode.l10n.t('Custom range…');
  },
  get customRangeDetail(): string {
    return vscode.l10n.t('Type a start and an end: now, now-2h, or an ISO time');
  },
  get fromPrompt(): string {
    return vscode.l10n.t('Start of the range: now-2h, or an ISO time like 2026-12-02T10:00');
  },
  get toPrompt(): string {
    return vscode.l10n.t('End of the range: now, or an ISO time like 2026-12-02T11:00');
  },
  readingNamespaces: (context: string): string => vscode.l10n.t('DeepFlow: reading the namespaces of {0}', context),
  readingWorkloads: (namespace: string): string => vscode.l10n.t('DeepFlow: reading the workloads of namespace {0}', namespace),
  noNamespaces: (context: string): string => vscode.l10n.t('The cluster of context {0} lists no namespaces you may read.', context),
  noWorkloads: (namespace: string): string => vscode.l10n.t('Namespace {0} has no Deployment, StatefulSet or DaemonSet to look at.', namespace),
  searchingDns: (namespace: string, workload: string): string =>
    vscode.l10n.t('DeepFlow: looking for failed DNS requests of {0} in namespace {1}', workload, namespace),
  searchingHttp: (namespace: string, workload: string): string => vscode.l10n.t('DeepFlow: reading the HTTP requests of {0} in namespace {1}', workload, namespace),
  get openingDashboard(): string {
    return vscode.l10n.t('DeepFlow: opening Distributed Tracing in Grafana');
  },
  get listingDashboards(): string {
    return vscode.l10n.t('DeepFlow: listing the Grafana dashboards');
  },
  readingDashboard: (title: string): string => vscode.l10n.t('DeepFlow: opening the {0} dashboard', title),
  get dashboardPlaceholder(): string {
    return vscode.l10n.t('Choose a dashboard to open in the Grafana panel');
  },
  get noDashboards(): string {
    return vscode.l10n.t('Grafana lists no dashboards. Is DeepFlow fully installed?');
  },
  get grafanaCancelled(): string {
    return vscode.l10n.t('Grafana was not opened: a prompt for its access was cancelled.');
  },
  dnsHeader: (namespace: string, workload: string, domain: string, range: TimeRange, count: number): string => dnsHeader(namespace, workload, domain, describeRange(range), count),
  httpHeader: (namespace: string, workload: string, range: TimeRange, count: number): string => {
    const when = describeRange(range);
    if (count === 0) return vscode.l10n.t('No HTTP requests sent or served by {0} in namespace {1}, {2}.', workload, namespace, when);
    if (count === 1) return vscode.l10n.t('1 HTTP request sent or served by {0} in namespace {1}, {2}. Expand it for its chain.', workload, namespace, when);
    return vscode.l10n.t('{0} HTTP requests sent or served by {1} in namespace {2}, {3}. Expand one for its chain.', count, workload, namespace, when);
  },
  get noDnsFailures(): string {
    return vscode.l10n.t('No failed DNS requests in this range.');
  },
  get noDnsFailuresDetail(): string {
    return vscode.l10n.t('Every DNS answer DeepFlow recorded for this workload was NOERROR. Try a longer range or another domain.');
  },
  get noHttpRequests(): string {
    return vscode.l10n.t('No HTTP requests in this range.');
  },
  get noHttpRequestsDetail(): string {
    return vscode.l10n.t('DeepFlow recorded no HTTP/1 or HTTP/2 request of this workload. Try a longer range.');
  },
  get noChain(): string {
    return vscode.l10n.t('DeepFlow has no other span of this request.');
  },
  get chainFailed(): string {
    return vscode.l10n.t('The chain of this request could not be read.');
  },
  get clientRole(): string {
    return vscode.l10n.t({ message: 'client', args: [], comment: ['the row of the endpoint that started a chain of HTTP requests'] });
  },
  get openInGrafana(): string {
    return vscode.l10n.t('Open in Grafana');
  },
  get selectRowFirst(): string {
    return vscode.l10n.t('Select a failed DNS request or an HTTP request in the Troubleshooting view first, then open it in Grafana.');
  },
};

/** The summary line of a DNS search: one whole sentence per count and per domain given or not. */
function dnsHeader(namespace: string, workload: string, domain: string, when: string, count: number): string {
  if (domain === '') {
    if (count === 0) return vscode.l10n.t('No failed DNS requests of {0} in namespace {1}, {2}.', workload, namespace, when);
    if (count === 1) return vscode.l10n.t('1 failed DNS request of {0} in namespace {1}, {2}.', workload, namespace, when);
    return vscode.l10n.t('{0} failed DNS requests of {1} in namespace {2}, {3}.', count, workload, namespace, when);
  }
  if (count === 0) return vscode.l10n.t('No failed DNS requests of {0} in namespace {1} for {2}, {3}.', workload, namespace, domain, when);
  if (count === 1) return vscode.l10n.t('1 failed DNS request of {0} in namespace {1} for {2}, {3}.', workload, namespace, domain, when);
  return vscode.l10n.t('{0} failed DNS requests of {1} in namespace {2} for {3}, {4}.', count, workload, namespace, domain, when);
}

/** A failed DNS request as a row: the domain; what went wrong, which pod asked, and when. */
export function dnsRow(failure: DnsFailure): { label: string; description: string; tooltip: string } {
  return {
    label: failure.domain || vscode.l10n.t('(no domain)'),
    description: `${failure.outcome} — ${failure.clientPod || failure.workload} · ${clock(failure.timeMs)}`,
    tooltip: [
      vscode.l10n.t('{0} query for {1}', failure.queryType || 'DNS', failure.domain),
      vscode.l10n.t('Answer: {0}', failure.outcome),
      failure.clientPod
        ? vscode.l10n.t('Asked by pod {0} of {1} in namespace {2}', failure.clientPod, failure.workload, failure.namespace)
        : vscode.l10n.t('Asked by an unknown pod of {0} in namespace {1}', failure.workload, failure.namespace),
      vscode.l10n.t('At {0}', fullTime(failure.timeMs)),
      vscode.l10n.t('Click to open Distributed Tracing narrowed to this domain and minute.'),
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
      call.domain ? vscode.l10n.t({ message: '{0} to {1}', args: [describeRequest(call), call.domain], comment: ['an HTTP request ({0}: method and path) sent to a domain ({1})'] }) : describeRequest(call),
      vscode.l10n.t('From {0} to {1}', describeEndpoint(call.client), describeEndpoint(call.server)),
      outcome === '' ? vscode.l10n.t('No response recorded') : vscode.l10n.t('Answer: {0}', outcome),
      vscode.l10n.t('At {0}', fullTime(call.timeMs)),
      capturedAt(call),
      call.traceId ? vscode.l10n.t('Trace id: {0}', call.traceId) : vscode.l10n.t('No trace id (linked by X-Request-ID)'),
      call.xRequestId ? `X-Request-ID: ${call.xRequestId}` : '',
      vscode.l10n.t('Click to open its trace in Distributed Tracing; expand it for the chain.'),
    ]
      .filter((line) => line !== '')
      .join('\n'),
  };
}

function capturedAt(call: HttpCall): string {
  const points = captureSummary(call);
  return points ? vscode.l10n.t('Captured at: {0}', points) : vscode.l10n.t('Captured at an unknown point');
}

/** A request inside a chain: method, path and the one it reached; the outcome and capture points in words. */
export function chainCallRow(call: HttpCall): { label: string; description: string; tooltip: string } {
  const outcome = describeOutcome(call);
  return {
    label: `${describeRequest(call)} → ${describeEndpoint(call.server)}`,
    description: [outcome, seenAt(call)].filter((p) => p !== '').join(' · '),
    tooltip: requestRow(call).tooltip,
  };
}

function seenAt(call: HttpCall): string {
  const points = captureSummary(call);
  return points ? vscode.l10n.t('seen at {0}', points) : vscode.l10n.t('seen at an unknown point');
}

/** The client that started a chain. */
export function clientRow(endpoint: Endpoint): { label: string; description: string } {
  return { label: describeEndpoint(endpoint), description: text.clientRole };
}
