/**
 * Every sentence the Components view and the status bar show, built in one place and localized with vscode.l10n.
 * Constants are getters, so each message is looked up when it is shown, after activation loaded the bundle.
 */
import * as vscode from 'vscode';
import type { AgentCoverage, CoverageGap } from '../acp/agentCoverage';
import type { ComponentState, PrerequisiteState, Readiness } from '../acp/components';
import type { DeepflowStatus } from '../acp/deepflowStatus';
import { describePod, type PodSummary } from '../acp/pods';

/** A readiness in words, as the accessibility labels say it (the enum's value is not meant for users). */
export function readinessLabel(readiness: Readiness): string {
  switch (readiness) {
    case 'ready':
      return vscode.l10n.t({ message: 'ready', args: [], comment: ['a component state: all its pods are ready'] });
    case 'progressing':
      return vscode.l10n.t({ message: 'progressing', args: [], comment: ['a component state: pods are starting or rolling out'] });
    case 'failing':
      return vscode.l10n.t({ message: 'failing', args: [], comment: ['a component state: pods crash or cannot start'] });
    case 'missing':
      return vscode.l10n.t({ message: 'not installed', args: [], comment: ['a component state: the workload does not exist on the cluster'] });
  }
}

export const texts = {
  get prerequisites(): string {
    return vscode.l10n.t('Prerequisites');
  },
  get components(): string {
    return vscode.l10n.t('Components');
  },
  get dashboards(): string {
    return vscode.l10n.t('Grafana dashboards');
  },
  get dashboardsTooltip(): string {
    return vscode.l10n.t("DeepFlow's Grafana dashboards, DeepFlow Templates first. Click one to open it in the Grafana panel.");
  },
  dashboardTooltip: (title: string, folder: string): string => vscode.l10n.t('Open "{0}" ({1}) in DeepFlow\'s Grafana inside the editor.', title, folder),
  dashboardsFailed: (message: string): string => vscode.l10n.t("Could not list Grafana's dashboards: {0}", message),
  get noGrafanaAccess(): string {
    return vscode.l10n.t('No Grafana platform or login was given.');
  },
  get noDashboards(): string {
    return vscode.l10n.t('Grafana has no dashboards yet.');
  },
  get retry(): string {
    return vscode.l10n.t('Retry');
  },
  get showMorePods(): string {
    return vscode.l10n.t('Show more pods…');
  },
  get coverageLabel(): string {
    return vscode.l10n.t('Agent coverage');
  },
  get currentClusterTooltip(): string {
    return vscode.l10n.t('The current cluster: the one the install commands and the status bar use. Click the server icon in the title to choose another.');
  },
  get otherClusterTooltip(): string {
    return vscode.l10n.t('A cluster listed in the deepflow.clusters setting.');
  },
  connecting: (server: string | undefined): string => (server ? vscode.l10n.t('Connecting to {0}…', server) : vscode.l10n.t('Connecting…')),
  errorTooltip: (message: string): string =>
    vscode.l10n.t('{0}\nThe view retries by itself and recovers when the cluster answers again. Click to retry now.', message),
  podsFailed: (message: string): string => vscode.l10n.t("Could not list the agent's pods: {0}", message),
  coverageDetail: (coverage: AgentCoverage): string => {
    const missing = coverage.gaps.length + coverage.unnamedNotReady;
    if (missing > 0) return vscode.l10n.t('{0} of {1} nodes without a working agent', missing, coverage.nodes);
    return coverage.nodes === 1 ? vscode.l10n.t('the only node covered') : vscode.l10n.t('all {0} nodes covered', coverage.nodes);
  },
  /** A node without a working agent, and why. */
  gapLine: (gap: CoverageGap): string => vscode.l10n.t('Node {0}: {1}', gap.node, gap.reason),
  coverageTooltip: (coverage: AgentCoverage): string => {
    const lines = coverage.gaps.map(texts.gapLine);
    if (coverage.unnamedNotReady === 1) {
      lines.push(vscode.l10n.t('1 more agent pod is Running but not ready; expand deepflow-agent to see it, problem pods first.'));
    } else if (coverage.unnamedNotReady > 1) {
      lines.push(vscode.l10n.t('{0} more agent pods are Running but not ready; expand deepflow-agent to see them, problem pods first.', coverage.unnamedNotReady));
    }
    if (lines.length > 0) return lines.join('\n');
    return coverage.nodes === 1 ? vscode.l10n.t('The agent runs and is ready on the only node.') : vscode.l10n.t('The agent runs and is ready on all {0} nodes.', coverage.nodes);
  },
  podTooltip: (pod: PodSummary): string => {
    const lines = [vscode.l10n.t('Pod {0} in namespace {1}', pod.name, pod.namespace), describePod(pod)];
    if (pod.waitingReason) {
      lines.push(pod.waitingMessage ? vscode.l10n.t('Waiting: {0}: {1}', pod.waitingReason, pod.waitingMessage) : vscode.l10n.t('Waiting: {0}', pod.waitingReason));
    }
    return lines.join('\n');
  },
  podAccessibility: (pod: PodSummary): string => {
    const state = pod.ready ? readinessLabel('ready') : (pod.waitingReason ?? pod.phase);
    return pod.node
      ? vscode.l10n.t('Pod {0}: {1}, {2} of {3} containers ready, {4} restarts, on node {5}', pod.name, state, pod.readyContainers, pod.containers, pod.restarts, pod.node)
      : vscode.l10n.t('Pod {0}: {1}, {2} of {3} containers ready, {4} restarts', pod.name, state, pod.readyContainers, pod.containers, pod.restarts);
  },
  /** A prerequisite or component row as a screen reader says it. */
  stateAccessibility: (label: string, readiness: Readiness, detail: string): string => vscode.l10n.t({ message: '{0}: {1}, {2}', args: [label, readinessLabel(readiness), detail], comment: ['a tree row for a screen reader: its name, its state, its details'] }),
  statusBarText: (ready: number, total: number): string => `$(pulse) DeepFlow ${ready}/${total}`,
  statusBarAccessibility: (ready: number, total: number, worst: Readiness): string =>
    vscode.l10n.t('DeepFlow: {0} of {1} components ready, worst state {2}', ready, total, readinessLabel(worst)),
  statusBarError: (message: string): string => vscode.l10n.t('DeepFlow cannot read the cluster: {0}', message),
} as const;

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** A Markdown table's header row and rule, its column names localized. */
function tableHeader(columns: string[]): string {
  return `| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n`;
}

/** One problem pod of a component's tooltip, as a Markdown list item (the arguments are escaped already). */
function problemPodLine(name: string, why: string, restarts: number, node: string | undefined): string {
  if (node) {
    return restarts === 1
      ? vscode.l10n.t('{0}: {1}, 1 restart on node {2}', name, why, node)
      : vscode.l10n.t('{0}: {1}, {2} restarts on node {3}', name, why, restarts, node);
  }
  return restarts === 1 ? vscode.l10n.t('{0}: {1}, 1 restart', name, why) : vscode.l10n.t('{0}: {1}, {2} restarts', name, why, restarts);
}

/** The counts, the workload's conditions and the waiting reasons of its problem pods. */
export function componentTooltip(state: ComponentState, coverage: AgentCoverage | undefined): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`${vscode.l10n.t({ message: '**{0}** ({1}, {2})', args: [escape(state.spec.name), state.spec.kind, escape(state.spec.description)], comment: ['Markdown: a component, its workload kind and what it does'] })}\n\n`);
  if (state.readiness === 'missing') return md.appendMarkdown(vscode.l10n.t('Not installed on this cluster.'));
  const counts =
    state.spec.kind === 'DaemonSet'
      ? vscode.l10n.t('{0} of {1} scheduled agent pods ready: {2}', state.ready, state.desired, escape(state.detail))
      : vscode.l10n.t('{0} of {1} replicas ready: {2}', state.ready, state.desired, escape(state.detail));
  md.appendMarkdown(`${counts}\n\n`);
  const conditions = state.conditions ?? [];
  if (conditions.length > 0) {
    md.appendMarkdown(tableHeader([vscode.l10n.t({ message: 'condition', args: [], comment: ['a column of the table of a workload\'s conditions'] }), vscode.l10n.t({ message: 'status', args: [], comment: ['a column of the table of a workload\'s conditions'] }), vscode.l10n.t({ message: 'reason', args: [], comment: ['a column of the table of a workload\'s conditions'] })]));
    for (const c of conditions) md.appendMarkdown(`| ${escape(c.type)} | ${escape(c.status)} | ${escape(c.reason ?? '')} |\n`);
    md.appendMarkdown('\n');
  }
  for (const pod of (state.problemPods ?? []).slice(0, 10)) {
    const reason = escape(pod.waitingReason ?? pod.phase);
    const why = pod.waitingMessage ? vscode.l10n.t({ message: '**{0}** ({1})', args: [reason, escape(pod.waitingMessage)], comment: ['Markdown: why a pod is not ready, then the message of that reason'] }) : `**${reason}**`;
    md.appendMarkdown(`- ${problemPodLine(escape(pod.name), why, pod.restarts, pod.node ? escape(pod.node) : undefined)}\n`);
  }
  if (coverage && coverage.gaps.length > 0) {
    const missing = coverage.gaps.length + coverage.unnamedNotReady;
    md.appendMarkdown(`\n${vscode.l10n.t('{0} of {1} nodes have no working agent.', missing, coverage.nodes)}`);
  }
  return md;
}

export function prerequisiteTooltip(state: PrerequisiteState): vscode.MarkdownString {
  const { spec } = state;
  const md = new vscode.MarkdownString();
  const heading = spec.namespace
    ? vscode.l10n.t('**{0} {1}** in namespace {2} ({3})', escape(spec.kind), escape(spec.name), escape(spec.namespace), escape(spec.apiVersion))
    : vscode.l10n.t('**{0} {1}** ({2})', escape(spec.kind), escape(spec.name), escape(spec.apiVersion));
  md.appendMarkdown(`${heading}\n\n`);
  md.appendMarkdown(escape(state.readiness === 'missing' ? vscode.l10n.t('Not created yet.') : state.detail));
  if (state.note) md.appendMarkdown(`\n\n${escape(state.note)}`);
  return md;
}

/** The status bar's tooltip: one line per component. */
export function statusBarTooltip(context: string, status: DeepflowStatus): vscode.MarkdownString {
  const md = new vscode.MarkdownString(`${vscode.l10n.t('**DeepFlow on {0}**', escape(context))}\n\n`);
  md.appendMarkdown(tableHeader([vscode.l10n.t({ message: 'component', args: [], comment: ['a column of the table of DeepFlow\'s components'] }), vscode.l10n.t({ message: 'state', args: [], comment: ['a column of the table of DeepFlow\'s components'] })]));
  for (const c of status.components) md.appendMarkdown(`| ${escape(c.spec.name)} | ${escape(c.detail)} |\n`);
  md.appendMarkdown(`\n${vscode.l10n.t('Click to show the Components view.')}`);
  return md;
}

/** The sentences of the context-menu actions on tree items. */
export const objectActionTexts = {
  copied: (name: string): string => vscode.l10n.t('Copied "{0}" to the clipboard.', name),
  restartQuestion: (component: string, context: string): string => vscode.l10n.t('Restart {0} on {1}?', component, context),
  restartDetail: (component: string, pods: number): string =>
    pods === 1
      ? vscode.l10n.t('This deletes the pod of {0} (1 expected) in namespace cpaas-system; its controller starts a new one. The component is unavailable until it is ready.', component)
      : vscode.l10n.t(
          'This deletes the pods of {0} ({1} expected) in namespace cpaas-system; its controller starts new ones. The component is unavailable until they are ready.',
          component,
          pods,
        ),
  /** The confirmation's button; the command compares the answer with this same value. */
  get restartButton(): string {
    return vscode.l10n.t({ message: 'Restart', args: [], comment: ['the button that confirms restarting a component'] });
  },
  restarting: (component: string): string => vscode.l10n.t('Restarting {0}…', component),
  logChannel: (pod: string): string => vscode.l10n.t('DeepFlow Pod Log: {0}', pod),
  logStarted: (pod: string, context: string): string => vscode.l10n.t('Following the log of pod {0} on {1} (last 500 lines, then live).', pod, context),
  get logEnded(): string {
    return vscode.l10n.t('The log stream ended (the container stopped or the pod is gone). Run Show Pod Log again to follow it anew.');
  },
  logFailed: (message: string): string => vscode.l10n.t('The log stream failed: {0}', message),
} as const;
