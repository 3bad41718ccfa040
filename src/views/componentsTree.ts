import * as vscode from 'vscode';
import type { AgentCoverage, CoverageGap } from '../acp/agentCoverage';
import type { ComponentState, PrerequisiteState, Readiness } from '../acp/components';
import { agentComponent, deepflowPresent, type DeepflowStatus } from '../acp/deepflowStatus';
import { comparePods, describePod, type PodSummary } from '../acp/pods';
import type { CacheHealth, CacheLease } from '../cluster/cache';
import { slugOf, type DashboardEntry, type DashboardFolder } from '../grafana/dashboards';
import { componentTooltip, prerequisiteTooltip, texts } from './componentTexts';

/** One cluster root of the tree: a kubeconfig context. */
export interface ClusterTarget {
  readonly context: string;
  readonly server: string | undefined;
  /** The context the extension acts on (install, status bar). */
  readonly current: boolean;
}

/** A page of one component's pods, listed on demand (the agent's come 100 at a time). */
export interface PodPage {
  readonly pods: PodSummary[];
  readonly continueToken: string | undefined;
}

/** What the tree needs from the rest of the extension. */
export interface ComponentsSource {
  /** The clusters to show; undefined when there is no kubeconfig at all. */
  targets(): ClusterTarget[] | undefined;
  /** Takes the watch cache of a context (throws for a context the kubeconfig lacks). */
  acquire(context: string): CacheLease;
  status(lease: CacheLease): DeepflowStatus;
  /** The pods of a component the cache holds (for the agent: those not Running). */
  cachedPods(lease: CacheLease, component: string): PodSummary[];
  /** One page of the agent's pods from the server. */
  agentPodPage(lease: CacheLease, continueToken: string | undefined, signal: AbortSignal): Promise<PodPage>;
  /** Grafana's folders and dashboards for the current cluster (may ask for the platform, trust or login first). */
  dashboards(signal: AbortSignal): Promise<DashboardFolder[]>;
}

/** Debounce of cache events before the tree redraws: bursts (a roll-out) become one redraw. */
export const REDRAW_DEBOUNCE_MS = 30;

const readinessIcon: Record<Readiness, vscode.ThemeIcon> = {
  ready: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  progressing: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('list.warningForeground')),
  failing: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  missing: new vscode.ThemeIcon('circle-outline', new vscode.ThemeColor('disabledForeground')),
};

/**
 * Tree nodes wrap domain states and build their TreeItem; they do not extend TreeItem (DESIGN.md). Nodes are kept
 * by id and updated in place, so a cache event redraws only the nodes whose state changed. A new top-level child of
 * a cluster root is one more `section` kind plus a line in `clusterChildren`.
 */
export type Node =
  | { readonly type: 'cluster'; readonly id: string; readonly cluster: ClusterState }
  | { readonly type: 'section'; readonly id: string; readonly cluster: ClusterState; readonly section: 'prerequisites' | 'components' | 'dashboards' }
  | { readonly type: 'folder'; readonly id: string; readonly folder: DashboardFolder }
  | { readonly type: 'dashboard'; readonly id: string; readonly dashboard: DashboardEntry }
  | { readonly type: 'prerequisite'; readonly id: string; readonly cluster: ClusterState; state: PrerequisiteState }
  | { readonly type: 'component'; readonly id: string; readonly cluster: ClusterState; state: ComponentState; coverage: AgentCoverage | undefined; pages: PodPage[] }
  | { readonly type: 'pod'; readonly id: string; readonly cluster: ClusterState; readonly pod: PodSummary; readonly component: string }
  | { readonly type: 'showMore'; readonly id: string; readonly cluster: ClusterState; readonly owner: ComponentNode }
  | { readonly type: 'coverage'; readonly id: string; readonly cluster: ClusterState; readonly owner: ComponentNode }
  | { readonly type: 'gap'; readonly id: string; readonly gap: CoverageGap }
  | { readonly type: 'message'; readonly id: string; readonly text: string; readonly tooltip?: string; readonly icon: string; readonly command?: vscode.Command };

type ComponentNode = Extract<Node, { type: 'component' }>;

/** The live state of one cluster root: its cache lease, its last status, and its nodes by id. */
export interface ClusterState {
  readonly target: ClusterTarget;
  lease: CacheLease | undefined;
  /** Why the cache could not even start (an unknown context); shown as an error child. */
  startError: string | undefined;
  health: CacheHealth;
  status: DeepflowStatus | undefined;
  readonly nodes: Map<string, Node>;
  fingerprints: Map<string, string>;
  timer: NodeJS.Timeout | undefined;
  unsubscribe: (() => void)[];
}

export class ComponentsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<void>();
  /** Fires after any cluster's status or health changed (the welcome context key follows it). */
  readonly onDidChangeState = this.stateChanged.event;
  private clusters: ClusterState[] | undefined;
  private active = false;

  constructor(private readonly source: ComponentsSource) {}

  /** Starts the watches of every shown cluster (the view became visible). */
  activate(): void {
    if (this.active) return;
    this.active = true;
    this.rebuild();
  }

  /** Gives the watches back (the view is hidden); the caches linger a little, then stop. */
  deactivate(): void {
    if (!this.active) return;
    this.active = false;
    this.releaseAll();
  }

  /** Rebuilds every cluster root: the targets or the kubeconfig changed, or the user asked to retry. */
  rebuild(): void {
    this.releaseAll();
    if (this.active) this.clusters = (this.source.targets() ?? []).map((target) => this.openCluster(target));
    this.changed.fire(undefined);
    this.stateChanged.fire();
  }

  /** Whether no shown cluster has DeepFlow or any of its prerequisites (drives the welcome content). */
  nothingInstalled(): boolean {
    const clusters = this.clusters ?? [];
    return (
      clusters.length > 0 &&
      clusters.every((c) => c.health.kind === 'ready' && c.status !== undefined && !deepflowPresent(c.status) && c.status.prerequisites.every((p) => p.readiness === 'missing'))
    );
  }

  getChildren(node?: Node): vscode.ProviderResult<Node[]> {
    if (!node) return this.nothingInstalled() ? [] : (this.clusters ?? []).map((c) => this.node(c, `${c.target.context}`, () => ({ type: 'cluster', id: `${c.target.context}`, cluster: c })));
    switch (node.type) {
      case 'cluster':
        return this.clusterChildren(node.cluster);
      case 'section':
        return node.section === 'dashboards' ? this.dashboardChildren(node) : this.sectionChildren(node.cluster, node.section);
      case 'folder':
        return node.folder.dashboards.map((dashboard) => ({ type: 'dashboard', id: `${node.id}/${dashboard.uid}`, dashboard }));
      case 'component':
        return this.componentChildren(node);
      case 'coverage':
        return node.owner.coverage?.gaps.map((gap) => ({ type: 'gap', id: `${node.id}/${gap.node}`, gap })) ?? [];
      case 'showMore':
        return [];
      default:
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'cluster': {
        const { target } = node.cluster;
        const item = new vscode.TreeItem(target.context, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = target.server;
        item.iconPath = new vscode.ThemeIcon(target.current ? 'server-environment' : 'server');
        item.tooltip = target.current ? texts.currentClusterTooltip : texts.otherClusterTooltip;
        item.contextValue = target.current ? 'deepflow.cluster.current' : 'deepflow.cluster';
        return item;
      }
      case 'section': {
        if (node.section === 'dashboards') {
          // Collapsed: listing them reads Grafana, which may ask for the platform, its certificate or a login.
          const item = new vscode.TreeItem(texts.dashboards, vscode.TreeItemCollapsibleState.Collapsed);
          item.id = node.id;
          item.iconPath = new vscode.ThemeIcon('dashboard');
          item.tooltip = texts.dashboardsTooltip;
          item.contextValue = 'deepflow.dashboards';
          return item;
        }
        const item = new vscode.TreeItem(node.section === 'prerequisites' ? texts.prerequisites : texts.components, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.contextValue = 'deepflow.group';
        return item;
      }
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.title, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'deepflow.dashboardFolder';
        return item;
      }
      case 'dashboard': {
        const { dashboard } = node;
        const item = new vscode.TreeItem(dashboard.title);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('graph');
        item.description = dashboard.tags.join(', ') || undefined;
        item.tooltip = texts.dashboardTooltip(dashboard.title, dashboard.folder);
        item.command = { title: dashboard.title, command: 'deepflow.grafana.open', arguments: [`d/${encodeURIComponent(dashboard.uid)}/${slugOf(dashboard.title)}?orgId=1`] };
        item.contextValue = 'deepflow.dashboard';
        return item;
      }
      case 'prerequisite': {
        const item = stateItem(node.state.spec.label, node.state);
        item.id = node.id;
        item.tooltip = prerequisiteTooltip(node.state);
        // The Ingress keeps the exact value `deepflow.ingress`, so that Grafana actions can match it with ==.
        item.contextValue = node.state.spec.id === 'ingress' ? 'deepflow.ingress' : `deepflow.prerequisite deepflow.object ${readinessContext(node.state.readiness)}`;
        return item;
      }
      case 'component': {
        const { state } = node;
        const item = stateItem(state.spec.name, state);
        item.id = node.id;
        item.collapsibleState = state.readiness === 'missing' ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed;
        item.tooltip = componentTooltip(state, node.coverage);
        const grafana = state.spec.name === 'deepflow-grafana' ? ' deepflow.component.grafana' : '';
        const restartable = state.readiness === 'missing' ? '' : ' deepflow.restartable deepflow.object';
        item.contextValue = `deepflow.component${grafana}${restartable} ${readinessContext(state.readiness)}`;
        return item;
      }
      case 'pod': {
        const { pod } = node;
        const item = new vscode.TreeItem(pod.name);
        item.id = node.id;
        item.description = describePod(pod);
        item.iconPath = pod.failing ? readinessIcon.failing : pod.ready ? readinessIcon.ready : readinessIcon.progressing;
        item.tooltip = texts.podTooltip(pod);
        item.contextValue = 'deepflow.pod deepflow.object';
        item.accessibilityInformation = { label: texts.podAccessibility(pod) };
        return item;
      }
      case 'showMore': {
        const item = new vscode.TreeItem(texts.showMorePods);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'deepflow.components.showMorePods', title: texts.showMorePods, arguments: [node] };
        return item;
      }
      case 'coverage': {
        const coverage = node.owner.coverage;
        const gaps = coverage?.gaps.length ?? 0;
        const item = new vscode.TreeItem(texts.coverageLabel, gaps > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = coverage ? texts.coverageDetail(coverage) : '';
        item.iconPath = new vscode.ThemeIcon(gaps > 0 ? 'warning' : 'pass', new vscode.ThemeColor(gaps > 0 ? 'list.warningForeground' : 'testing.iconPassed'));
        item.tooltip = coverage ? texts.coverageTooltip(coverage) : undefined;
        item.contextValue = 'deepflow.coverage';
        return item;
      }
      case 'gap': {
        const item = new vscode.TreeItem(node.gap.node);
        item.id = node.id;
        item.description = node.gap.reason;
        item.tooltip = texts.gapLine(node.gap);
        item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('list.warningForeground'));
        item.contextValue = 'deepflow.coverageGap';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.icon, node.icon === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
        item.tooltip = node.tooltip ?? node.text;
        item.command = node.command;
        item.contextValue = node.command?.command === 'deepflow.components.retry' ? 'deepflow.clusterError' : 'deepflow.message';
        return item;
      }
    }
  }

  /** Loads the next page of the agent's pods under its node ("Show more"). */
  async showMore(node: Extract<Node, { type: 'showMore' }>): Promise<void> {
    const lease = node.cluster.lease;
    const last = node.owner.pages[node.owner.pages.length - 1];
    if (!lease || !last?.continueToken) return;
    node.owner.pages.push(await this.source.agentPodPage(lease, last.continueToken, AbortSignal.timeout(30_000)));
    this.changed.fire(node.owner);
  }

  /** The status of a context as the tree shows it (the status bar shares the tree's cache lease). */
  statusOf(context: string): { health: CacheHealth; status: DeepflowStatus | undefined } | undefined {
    const cluster = this.clusters?.find((c) => c.target.context === context);
    return cluster ? { health: cluster.health, status: cluster.status } : undefined;
  }

  private clusterChildren(cluster: ClusterState): Node[] {
    const id = cluster.target.context;
    if (cluster.startError) {
      return [this.message(cluster, `${id}/error`, cluster.startError, 'error', retryCommand(cluster.target.context))];
    }
    if (cluster.health.kind === 'error') {
      return [this.message(cluster, `${id}/error`, cluster.health.error.message, 'error', retryCommand(cluster.target.context), texts.errorTooltip(cluster.health.error.message))];
    }
    if (cluster.health.kind === 'starting' || !cluster.status) {
      return [this.message(cluster, `${id}/starting`, texts.connecting(cluster.target.server), 'loading~spin')];
    }
    // One line per top-level section. Dashboards only where Grafana is installed, and only for the current context,
    // which is the one the Grafana panel shows.
    const grafanaInstalled = cluster.status.components.some((c) => c.spec.name === 'deepflow-grafana' && c.readiness !== 'missing');
    return [
      this.node(cluster, `${id}/prerequisites`, () => ({ type: 'section', id: `${id}/prerequisites`, cluster, section: 'prerequisites' })),
      this.node(cluster, `${id}/components`, () => ({ type: 'section', id: `${id}/components`, cluster, section: 'components' })),
      ...(grafanaInstalled && cluster.target.current ? [this.node(cluster, `${id}/dashboards`, () => ({ type: 'section', id: `${id}/dashboards`, cluster, section: 'dashboards' }))] : []),
    ];
  }

  /** Grafana's folders (DeepFlow Templates first) with their dashboards, read when the node is expanded. */
  private async dashboardChildren(node: Extract<Node, { type: 'section' }>): Promise<Node[]> {
    try {
      const folders = await this.source.dashboards(AbortSignal.timeout(60_000));
      if (folders.every((f) => f.dashboards.length === 0)) return [this.message(node.cluster, `${node.id}/empty`, texts.noDashboards, 'info')];
      return folders.filter((f) => f.dashboards.length > 0).map((folder) => ({ type: 'folder', id: `${node.id}/folder/${folder.title}`, folder }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return [this.message(node.cluster, `${node.id}/error`, texts.dashboardsFailed(message), 'error', undefined, texts.dashboardsFailed(message))];
    }
  }

  private sectionChildren(cluster: ClusterState, section: 'prerequisites' | 'components'): Node[] {
    const status = cluster.status;
    if (!status) return [];
    const id = cluster.target.context;
    if (section === 'prerequisites') {
      return status.prerequisites.map((state) => {
        const node = this.node(cluster, `${id}/prerequisite/${state.spec.id}`, () => ({ type: 'prerequisite', id: `${id}/prerequisite/${state.spec.id}`, cluster, state }));
        if (node.type === 'prerequisite') node.state = state;
        return node;
      });
    }
    return status.components.map((state) => {
      const nodeId = `${id}/component/${state.spec.name}`;
      const coverage = state.spec.name === agentComponent ? status.coverage : undefined;
      const node = this.node(cluster, nodeId, () => ({ type: 'component', id: nodeId, cluster, state, coverage, pages: [] }));
      if (node.type === 'component') {
        node.state = state;
        node.coverage = coverage;
      }
      return node;
    });
  }

  private async componentChildren(node: ComponentNode): Promise<Node[]> {
    const { cluster } = node;
    const lease = cluster.lease;
    if (!lease) return [];
    const component = node.state.spec.name;
    const podNode = (pod: PodSummary): Node => ({ type: 'pod', id: `${node.id}/pod/${pod.name}`, cluster, pod, component });
    const cached = this.source.cachedPods(lease, component);
    if (component !== agentComponent) return cached.sort(comparePods).map(podNode);
    // The agent: coverage, the pods the cache holds (not Running) first, then pages of 100 from the server.
    const children: Node[] = [{ type: 'coverage', id: `${node.id}/coverage`, cluster, owner: node }];
    if (node.pages.length === 0) {
      try {
        node.pages.push(await this.source.agentPodPage(lease, undefined, AbortSignal.timeout(30_000)));
      } catch (error) {
        children.push(this.message(cluster, `${node.id}/podsError`, texts.podsFailed(error instanceof Error ? error.message : String(error)), 'error'));
      }
    }
    const shown = new Set<string>();
    for (const pod of [...cached.sort(comparePods), ...node.pages.flatMap((p) => [...p.pods].sort(comparePods))]) {
      if (shown.has(pod.name)) continue;
      shown.add(pod.name);
      children.push(podNode(pod));
    }
    const last = node.pages[node.pages.length - 1];
    if (last?.continueToken) children.push({ type: 'showMore', id: `${node.id}/more/${node.pages.length}`, cluster, owner: node });
    return children;
  }

  private node(cluster: ClusterState, id: string, create: () => Node): Node {
    let node = cluster.nodes.get(id);
    if (!node) {
      node = create();
      cluster.nodes.set(id, node);
    }
    return node;
  }

  /** Message nodes are rebuilt with their text each time; the id says which text it is (error, starting). */
  private message(cluster: ClusterState, id: string, text: string, icon: string, command?: vscode.Command, tooltip?: string): Node {
    const node: Node = { type: 'message', id: `${id}/${hashText(text)}`, text, icon, command, tooltip };
    cluster.nodes.set(node.id, node);
    return node;
  }

  private openCluster(target: ClusterTarget): ClusterState {
    const cluster: ClusterState = {
      target,
      lease: undefined,
      startError: undefined,
      health: { kind: 'starting' },
      status: undefined,
      nodes: new Map(),
      fingerprints: new Map(),
      timer: undefined,
      unsubscribe: [],
    };
    try {
      const lease = this.source.acquire(target.context);
      cluster.lease = lease;
      const schedule = (): void => {
        if (cluster.timer) return;
        cluster.timer = setTimeout(() => {
          cluster.timer = undefined;
          this.redraw(cluster);
        }, REDRAW_DEBOUNCE_MS);
      };
      cluster.unsubscribe.push(lease.cache.onChange(schedule), lease.cache.onHealth(schedule));
      this.redraw(cluster);
    } catch (error) {
      cluster.startError = error instanceof Error ? error.message : String(error);
    }
    return cluster;
  }

  /** Recomputes a cluster's status from its cache and fires only the nodes whose text changed. */
  private redraw(cluster: ClusterState): void {
    const lease = cluster.lease;
    if (!lease) return;
    const wasNothing = this.nothingInstalled();
    const health = lease.cache.health();
    const structural = health.kind !== cluster.health.kind || (health.kind === 'error' && cluster.health.kind === 'error' && health.error.message !== cluster.health.error.message);
    cluster.health = health;
    if (health.kind === 'ready') cluster.status = this.source.status(lease);
    const clusterNode = cluster.nodes.get(cluster.target.context);
    if (this.nothingInstalled() !== wasNothing) {
      this.changed.fire(undefined);
    } else if (structural) {
      // Node objects stay (same ids, same objects); the cluster's subtree is asked for again.
      this.changed.fire(clusterNode);
    } else if (cluster.status) {
      // One event for all of them: VS Code's tree view passes the first event of a burst at once and holds the
      // rest for 200 ms, so a row fired second would show 200 ms late.
      const nodes = [...this.changedNodes(cluster, lease)];
      if (nodes.length > 0) this.changed.fire(nodes);
    }
    this.stateChanged.fire();
  }

  private *changedNodes(cluster: ClusterState, lease: CacheLease): Generator<Node> {
    const status = cluster.status;
    if (!status) return;
    const id = cluster.target.context;
    const check = (nodeId: string, fingerprint: string, update: (node: Node) => void): Node | undefined => {
      const node = cluster.nodes.get(nodeId);
      const before = cluster.fingerprints.get(nodeId);
      cluster.fingerprints.set(nodeId, fingerprint);
      if (!node || before === fingerprint) return undefined;
      update(node);
      // Every node in the map was handed to VS Code by getChildren, so it may show an older state: redraw it.
      return node;
    };
    for (const state of status.prerequisites) {
      const node = check(`${id}/prerequisite/${state.spec.id}`, JSON.stringify([state.readiness, state.detail, state.note]), (n) => {
        if (n.type === 'prerequisite') n.state = state;
      });
      if (node) yield node;
    }
    for (const state of status.components) {
      const coverage = state.spec.name === agentComponent ? status.coverage : undefined;
      // Restart counts stay out: a crash loop would redraw (and close the tooltip) at every restart.
      const pods = this.source.cachedPods(lease, state.spec.name).map((p) => [p.name, p.phase, p.readyContainers, p.waitingReason]);
      const fingerprint = JSON.stringify([state.readiness, state.detail, state.conditions, pods, coverage]);
      const node = check(`${id}/component/${state.spec.name}`, fingerprint, (n) => {
        if (n.type !== 'component') return;
        n.state = state;
        n.coverage = coverage;
        n.pages = [];
      });
      if (node) yield node;
    }
  }

  private releaseAll(): void {
    for (const cluster of this.clusters ?? []) {
      if (cluster.timer) clearTimeout(cluster.timer);
      for (const off of cluster.unsubscribe) off();
      cluster.lease?.release();
      cluster.lease = undefined;
    }
    this.clusters = undefined;
  }

  dispose(): void {
    this.releaseAll();
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}

function retryCommand(context: string): vscode.Command {
  return { command: 'deepflow.components.retry', title: texts.retry, arguments: [context] };
}

function readinessContext(readiness: Readiness): string {
  return `deepflow.${readiness}`;
}

function stateItem(label: string, state: PrerequisiteState | ComponentState): vscode.TreeItem {
  const item = new vscode.TreeItem(label);
  item.description = state.detail;
  item.iconPath = readinessIcon[state.readiness];
  item.accessibilityInformation = { label: texts.stateAccessibility(label, state.readiness, state.detail) };
  return item;
}

/** A short stable hash, so that a message node with another text gets another id. */
function hashText(text: string): string {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return (hash >>> 0).toString(36);
}
