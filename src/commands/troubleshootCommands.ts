/**
 * The guide's troubleshooting chapter as commands: find a workload's failed DNS requests, follow its chained HTTP
 * requests, and open any Grafana dashboard. Each asks in a multi-step input, reads the cluster and the querier under
 * a cancellable progress notification, fills the Troubleshooting view and opens Distributed Tracing in the panel.
 */
import * as vscode from 'vscode';
import type { ClusterClient, KubeObject } from '../cluster';
import type { GrafanaAccess, GrafanaApi } from '../grafana/contract';
import { DISTRIBUTED_TRACING, findDashboard, dashboardPath, listDashboards, readDashboard, type DashboardDefinition } from '../grafana/dashboards';
import { QuerierClient, validateDomainPattern } from '../grafana/querier';
import { TIME_PRESETS, customRange, validateTimeExpression, type TimeRange } from '../grafana/timeRange';
import {
  buildChains,
  dnsFailurePath,
  dnsFailuresSql,
  dnsFlowPath,
  groupHttpCalls,
  httpChainSql,
  httpRequestsSql,
  parseDnsFailures,
  tracePath,
  type DnsFilter,
  type HttpCall,
  type WorkloadFilter,
} from '../grafana/troubleshoot';
import type { Services } from '../services';
import { text } from '../views/troubleshootText';
import { TroubleshootTreeProvider, type TroubleshootNode } from '../views/troubleshootTree';
import type { DeferredTreeProvider } from '../views/deferredTree';
import { MultiStepInput, type InputStep } from './multiStepInput';
import { TROUBLESHOOT_VIEW } from './registerTroubleshooting';


const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

interface WorkloadItem extends vscode.QuickPickItem {
  name: string;
}

interface RangeItem extends vscode.QuickPickItem {
  range?: TimeRange;
}

/** Runs `task` under a cancellable progress notification; cancelling aborts its requests and ends the command quietly. */
async function withCancellableProgress<T>(title: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
    const abort = new AbortController();
    const subscription = token.onCancellationRequested(() => abort.abort());
    try {
      return await task(abort.signal);
    } catch (err) {
      if (abort.signal.aborted) throw new vscode.CancellationError();
      throw err;
    } finally {
      subscription.dispose();
    }
  });
}

async function listNamespaces(client: ClusterClient): Promise<string[]> {
  const names = await withCancellableProgress(text.readingNamespaces(client.contextName), async (signal) =>
    (await client.list({ apiVersion: 'v1', kind: 'Namespace' }, { signal })).items.map((ns) => ns.metadata.name ?? ''),
  );
  const sorted = names.filter((n) => n !== '').sort();
  if (sorted.length === 0) throw new Error(text.noNamespaces(client.contextName));
  return sorted;
}

async function listWorkloads(client: ClusterClient, namespace: string): Promise<WorkloadItem[]> {
  const lists = await withCancellableProgress(text.readingWorkloads(namespace), (signal) =>
    Promise.all(WORKLOAD_KINDS.map((kind) => client.list({ apiVersion: 'apps/v1', kind, namespace }, { signal }))),
  );
  const items = lists
    .flatMap((list) => list.items)
    .map((obj: KubeObject) => ({ name: obj.metadata.name ?? '', label: obj.metadata.name ?? '', description: obj.kind }))
    .filter((item) => item.name !== '')
    .sort((a, b) => a.name.localeCompare(b.name) || a.description.localeCompare(b.description));
  if (items.length === 0) throw new Error(text.noWorkloads(namespace));
  return items;
}

interface FlowAnswers {
  namespace: string;
  workload: string;
  domain: string;
  range: TimeRange;
}

/**
 * Asks namespace, workload, (for DNS) the domain, and the time range, with Back and step/total. Resolves undefined
 * when the user cancelled.
 */
async function askFlow(client: ClusterClient, title: string, withDomain: boolean): Promise<FlowAnswers | undefined> {
  const namespaces = await listNamespaces(client);
  const answers: FlowAnswers = { namespace: '', workload: '', domain: '', range: TIME_PRESETS[1]?.range ?? { from: 'now-1h', to: 'now' } };
  const total = withDomain ? 4 : 3;
  const rangeStep = withDomain ? 4 : 3;

  const pickNamespace: InputStep = async (input) => {
    const items = namespaces.map((label) => ({ label }));
    const picked = await input.showQuickPick({ title, step: 1, totalSteps: total, items, activeItem: items.find((i) => i.label === answers.namespace), placeholder: text.namespacePlaceholder });
    answers.namespace = picked.label;
    return pickWorkload;
  };
  const pickWorkload: InputStep = async (input) => {
    const items = await listWorkloads(client, answers.namespace);
    const picked = await input.showQuickPick({ title, step: 2, totalSteps: total, items, activeItem: items.find((i) => i.name === answers.workload), placeholder: text.workloadPlaceholder(answers.namespace) });
    answers.workload = picked.name;
    return withDomain ? askDomain : pickRange;
  };
  const askDomain: InputStep = async (input) => {
    answers.domain = (
      await input.showInputBox({ title, step: 3, totalSteps: total, value: answers.domain, prompt: text.domainPrompt, placeholder: text.domainPlaceholder, validate: (v) => validateDomainPattern(v.trim()) })
    ).trim();
    return pickRange;
  };
  const pickRange: InputStep = async (input) => {
    const items: RangeItem[] = [...TIME_PRESETS.map((p) => ({ label: p.label, description: vscode.l10n.t('{0} to {1}', p.range.from, p.range.to), range: p.range })), { label: text.customRange, detail: text.customRangeDetail }];
    const picked = await input.showQuickPick({ title, step: rangeStep, totalSteps: total, items, activeItem: items.find((i) => i.range?.from === answers.range.from && i.range.to === answers.range.to), placeholder: text.rangePlaceholder });
    if (picked.range) {
      answers.range = picked.range;
      return undefined;
    }
    return askCustomRange;
  };
  const askCustomRange: InputStep = async (input) => {
    const from = await input.showInputBox({ title, step: rangeStep, totalSteps: total, value: 'now-2h', prompt: text.fromPrompt, validate: validateTimeExpression });
    const to = await input.showInputBox({
      title,
      step: rangeStep,
      totalSteps: total,
      value: 'now',
      prompt: text.toPrompt,
      validate: (value) => {
        const range = customRange(from, value, Date.now());
        return typeof range === 'string' ? range : undefined;
      },
    });
    const range = customRange(from, to, Date.now());
    if (typeof range === 'string') throw new Error(range);
    answers.range = range;
    return undefined;
  };
  return (await MultiStepInput.run(pickNamespace)) ? answers : undefined;
}

/** The logged-in API of the current Grafana, or a CancellationError when the user cancelled its prompt. */
async function grafanaApi(grafana: GrafanaAccess, signal?: AbortSignal): Promise<GrafanaApi> {
  const api = await grafana.currentApi(signal);
  if (!api) throw new vscode.CancellationError();
  return api;
}

/** Distributed Tracing's definition, read once per flow (its uid and variables can differ between images). */
function tracingDashboard(grafana: GrafanaAccess): () => Promise<DashboardDefinition> {
  let pending: Promise<DashboardDefinition> | undefined;
  return () => {
    pending ??= withCancellableProgress(text.openingDashboard, async (signal) => findDashboard(await grafanaApi(grafana, signal), DISTRIBUTED_TRACING, signal));
    // A failed or cancelled read is asked again next time.
    pending.catch(() => {
      pending = undefined;
    });
    return pending;
  };
}

export class Troubleshooting {
  /** The path each clickable node opens, set by the flow that made the nodes. */
  private pathOf: ((node: TroubleshootNode, dashboard: DashboardDefinition) => string | undefined) | undefined;
  private dashboard: () => Promise<DashboardDefinition>;

  constructor(
    private readonly services: Services,
    private readonly grafana: GrafanaAccess,
    private readonly tree: TroubleshootTreeProvider,
    private readonly view: vscode.TreeView<TroubleshootNode>,
  ) {
    this.dashboard = tracingDashboard(grafana);
  }

  private show(summary: string, roots: TroubleshootNode[], loadChain?: (call: HttpCall) => Promise<ReturnType<typeof buildChains>>): void {
    this.tree.show({ summary, roots, loadChain });
    this.view.message = summary;
    void vscode.commands.executeCommand(`${TROUBLESHOOT_VIEW}.focus`);
  }

  private async openPath(path: string): Promise<void> {
    this.services.log.info(`opening Grafana at ${path}`);
    await this.grafana.open(path);
  }

  async dns(): Promise<void> {
    const client = this.services.cluster.currentClient();
    const answers = await askFlow(client, text.dnsTitle, true);
    if (!answers) return;
    const filter: DnsFilter = answers;
    const querier = new QuerierClient(client);
    const failures = await withCancellableProgress(text.searchingDns(filter.namespace, filter.workload), async (signal) =>
      parseDnsFailures((await querier.query(dnsFailuresSql(filter, Date.now()), { signal })).rows),
    );
    this.services.log.info(`${failures.length} failed DNS requests of ${filter.namespace}/${filter.workload}`);
    const roots: TroubleshootNode[] =
      failures.length === 0 ? [{ kind: 'message', label: text.noDnsFailures, detail: text.noDnsFailuresDetail }] : failures.map((failure) => ({ kind: 'dns', failure }));
    this.dashboard = tracingDashboard(this.grafana);
    this.pathOf = (node, dashboard) => (node.kind === 'dns' ? dnsFailurePath(dashboard, filter, node.failure) : undefined);
    this.show(text.dnsHeader(filter.namespace, filter.workload, filter.domain, filter.range, failures.length), roots);
    await this.openPath(dnsFlowPath(await this.dashboard(), filter));
  }

  async http(): Promise<void> {
    const client = this.services.cluster.currentClient();
    const answers = await askFlow(client, text.httpTitle, false);
    if (!answers) return;
    const filter: WorkloadFilter = { namespace: answers.namespace, workload: answers.workload, range: answers.range };
    const querier = new QuerierClient(client);
    const calls = await withCancellableProgress(text.searchingHttp(filter.namespace, filter.workload), async (signal) =>
      groupHttpCalls((await querier.query(httpRequestsSql(filter, Date.now()), { signal })).rows),
    );
    this.services.log.info(`${calls.length} HTTP requests of ${filter.namespace}/${filter.workload}`);
    const roots: TroubleshootNode[] =
      calls.length === 0 ? [{ kind: 'message', label: text.noHttpRequests, detail: text.noHttpRequestsDetail }] : calls.map((call) => ({ kind: 'request', call }));
    const loadChain = async (call: HttpCall): Promise<ReturnType<typeof buildChains>> =>
      vscode.window.withProgress({ location: { viewId: TROUBLESHOOT_VIEW } }, async () => buildChains(groupHttpCalls((await querier.query(httpChainSql(call, filter.range, Date.now()))).rows)));
    this.dashboard = tracingDashboard(this.grafana);
    this.pathOf = (node, dashboard) => (node.kind === 'request' ? tracePath(dashboard, node.call, filter) : node.kind === 'call' ? tracePath(dashboard, node.node.call, filter) : undefined);
    this.show(text.httpHeader(filter.namespace, filter.workload, filter.range, calls.length), roots, loadChain);
  }

  /** A row's click passes the row; from the palette, the row selected in the view is opened. */
  async openItem(node: unknown): Promise<void> {
    const row = isNode(node) ? node : this.view.selection[0];
    const path = row && this.pathOf ? this.pathOf(row, await this.dashboard()) : undefined;
    if (!path) {
      void vscode.window.showInformationMessage(text.selectRowFirst);
      return;
    }
    await this.openPath(path);
  }

  async openDashboard(): Promise<void> {
    const folders = await withCancellableProgress(text.listingDashboards, async (signal) => listDashboards(await grafanaApi(this.grafana, signal), signal));
    type Item = vscode.QuickPickItem & { uid?: string };
    const items: Item[] = folders.flatMap((folder) => [
      { label: folder.title, kind: vscode.QuickPickItemKind.Separator },
      ...folder.dashboards.map((d) => ({ label: d.title, description: folder.title, detail: d.tags.length > 0 ? d.tags.join(', ') : undefined, uid: d.uid })),
    ]);
    if (!items.some((i) => i.uid)) throw new Error(text.noDashboards);
    const picked = await vscode.window.showQuickPick(items, { title: text.dashboardTitle, placeHolder: text.dashboardPlaceholder, matchOnDescription: true });
    if (!picked?.uid) return;
    const uid = picked.uid;
    const dashboard = await withCancellableProgress(text.readingDashboard(picked.label), async (signal) => readDashboard(await grafanaApi(this.grafana, signal), uid, signal));
    await this.openPath(dashboardPath(dashboard));
  }
}

function isNode(value: unknown): value is TroubleshootNode {
  return typeof value === 'object' && value !== null && 'kind' in value && typeof value.kind === 'string';
}

/** The flows, with the Troubleshooting view's real provider attached to the one registered at activation. */
export function createTroubleshooting(services: Services, grafana: GrafanaAccess, host: DeferredTreeProvider<TroubleshootNode>, view: vscode.TreeView<TroubleshootNode>): Troubleshooting {
  const tree = new TroubleshootTreeProvider();
  host.attach(tree);
  return new Troubleshooting(services, grafana, tree, view);
}
