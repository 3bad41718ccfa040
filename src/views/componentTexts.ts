/** Every sentence the Components view and the status bar show, built in one place (ready for localisation). */
import * as vscode from 'vscode';
import type { AgentCoverage } from '../acp/agentCoverage';
import type { ComponentState, PrerequisiteState } from '../acp/components';
import type { DeepflowStatus } from '../acp/deepflowStatus';
import { describePod, type PodSummary } from '../acp/pods';

export const texts = {
  prerequisites: 'Prerequisites',
  components: 'Components',
  dashboards: 'Grafana dashboards',
  dashboardsTooltip: "DeepFlow's Grafana dashboards, DeepFlow Templates first. Click one to open it in the Grafana panel.",
  dashboardTooltip: (title: string, folder: string): string => `Open "${title}" (${folder}) in DeepFlow's Grafana inside the editor.`,
  dashboardsFailed: (message: string): string => `Could not list Grafana's dashboards: ${message}`,
  noDashboards: 'Grafana has no dashboards yet.',
  retry: 'Retry',
  showMorePods: 'Show more pods…',
  coverageLabel: 'Agent coverage',
  currentClusterTooltip: 'The current cluster: the one the install commands and the status bar use. Click the server icon in the title to choose another.',
  otherClusterTooltip: 'A cluster listed in the deepflow.clusters setting.',
  connecting: (server: string | undefined): string => (server ? `Connecting to ${server}…` : 'Connecting…'),
  errorTooltip: (message: string): string => `${message}\nThe view retries by itself and recovers when the cluster answers again. Click to retry now.`,
  podsFailed: (message: string): string => `Could not list the agent's pods: ${message}`,
  coverageDetail: (coverage: AgentCoverage): string => {
    const missing = coverage.gaps.length + coverage.unnamedNotReady;
    return missing === 0 ? `all ${coverage.nodes} nodes covered` : `${missing} of ${coverage.nodes} nodes without a working agent`;
  },
  coverageTooltip: (coverage: AgentCoverage): string => {
    const lines = coverage.gaps.map((g) => `${g.node}: ${g.reason}`);
    if (coverage.unnamedNotReady > 0) {
      lines.push(`${coverage.unnamedNotReady} more agent pods are Running but not ready; expand deepflow-agent to see them, problem pods first.`);
    }
    return lines.length > 0 ? lines.join('\n') : `The agent runs and is ready on all ${coverage.nodes} nodes.`;
  },
  podTooltip: (pod: PodSummary): string => {
    const lines = [`Pod ${pod.name} in ${pod.namespace}`, describePod(pod)];
    if (pod.waitingReason) lines.push(`Waiting: ${pod.waitingReason}${pod.waitingMessage ? `: ${pod.waitingMessage}` : ''}`);
    return lines.join('\n');
  },
  podAccessibility: (pod: PodSummary): string =>
    `Pod ${pod.name}: ${pod.ready ? 'ready' : (pod.waitingReason ?? pod.phase)}, ${pod.readyContainers} of ${pod.containers} containers ready, ${pod.restarts} restarts${pod.node ? `, on ${pod.node}` : ''}`,
  statusBarText: (ready: number, total: number): string => `$(pulse) DeepFlow ${ready}/${total}`,
  statusBarAccessibility: (ready: number, total: number, worst: string): string => `DeepFlow: ${ready} of ${total} components ready, worst state ${worst}`,
  statusBarError: (message: string): string => `DeepFlow cannot read the cluster: ${message}`,
} as const;

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The counts, the workload's conditions and the waiting reasons of its problem pods. */
export function componentTooltip(state: ComponentState, coverage: AgentCoverage | undefined): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escape(state.spec.name)}** (${state.spec.kind}, ${escape(state.spec.description)})\n\n`);
  if (state.readiness === 'missing') return md.appendMarkdown('Not installed on this cluster.');
  md.appendMarkdown(`${state.ready} of ${state.desired} ${state.spec.kind === 'DaemonSet' ? 'scheduled agent pods' : 'replicas'} ready: ${escape(state.detail)}\n\n`);
  const conditions = state.conditions ?? [];
  if (conditions.length > 0) {
    md.appendMarkdown('| condition | status | reason |\n|---|---|---|\n');
    for (const c of conditions) md.appendMarkdown(`| ${escape(c.type)} | ${escape(c.status)} | ${escape(c.reason ?? '')} |\n`);
    md.appendMarkdown('\n');
  }
  for (const pod of (state.problemPods ?? []).slice(0, 10)) {
    const why = pod.waitingReason ?? pod.phase;
    md.appendMarkdown(`- ${escape(pod.name)}: **${escape(why)}**${pod.waitingMessage ? ` (${escape(pod.waitingMessage)})` : ''}, ${pod.restarts} restarts${pod.node ? ` on ${escape(pod.node)}` : ''}\n`);
  }
  if (coverage && coverage.gaps.length > 0) md.appendMarkdown(`\n${escape(texts.coverageDetail(coverage))}.`);
  return md;
}

export function prerequisiteTooltip(state: PrerequisiteState): vscode.MarkdownString {
  const { spec } = state;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escape(spec.kind)} ${escape(spec.name)}**${spec.namespace ? ` in ${escape(spec.namespace)}` : ''} (${escape(spec.apiVersion)})\n\n`);
  md.appendMarkdown(escape(state.readiness === 'missing' ? 'Not created yet.' : state.detail));
  if (state.note) md.appendMarkdown(`\n\n${escape(state.note)}`);
  return md;
}

/** The status bar's tooltip: one line per component. */
export function statusBarTooltip(context: string, status: DeepflowStatus): vscode.MarkdownString {
  const md = new vscode.MarkdownString(`**DeepFlow on ${escape(context)}**\n\n| component | state |\n|---|---|\n`);
  for (const c of status.components) md.appendMarkdown(`| ${escape(c.spec.name)} | ${escape(c.detail)} |\n`);
  md.appendMarkdown('\nClick to show the Components view.');
  return md;
}

/** The sentences of the context-menu actions on tree items. */
export const objectActionTexts = {
  copied: (name: string): string => `Copied "${name}" to the clipboard.`,
  restartQuestion: (component: string, context: string): string => `Restart ${component} on ${context}?`,
  restartDetail: (component: string, pods: number): string =>
    `This deletes the pods of ${component} (${pods} expected) in namespace cpaas-system; its controller starts new ones. ` +
    'The component is unavailable until they are ready.',
  restartButton: 'Restart',
  restarting: (component: string): string => `Restarting ${component}…`,
  logChannel: (pod: string): string => `DeepFlow Pod Log: ${pod}`,
  logStarted: (pod: string, context: string): string => `Following the log of pod ${pod} on ${context} (last 500 lines, then live).`,
  logEnded: 'The log stream ended (the container stopped or the pod is gone). Run Show Pod Log again to follow it anew.',
  logFailed: (message: string): string => `The log stream failed: ${message}`,
} as const;
