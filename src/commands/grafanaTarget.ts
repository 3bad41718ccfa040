/**
 * Which Grafana the current context's panel shows, and the login the proxy uses for it. The cluster name comes
 * from the Ingress the install created; the platform from what this context used before, the install's last
 * answer, the setting, or the kubeconfig's ACP-style server URL; the login from what the user typed or saved, else
 * the chart's Secret (read with the user's own rights), else the user is asked.
 */
import * as vscode from 'vscode';
import { originOf } from '../acp/platformTrust';
import { validateGrafanaUser, validatePlatformUrl } from '../acp/validation';
import type { ClusterClient } from '../cluster';
import type { GrafanaCredentials, GrafanaTarget } from '../grafana/contract';
import { platformHintFromServer, readGrafanaClusterName, readGrafanaSecret } from '../grafana/target';
import type { Services } from '../services';

export interface ResolvedTarget {
  contextName: string;
  client: ClusterClient;
  target: GrafanaTarget;
}

/** Resolves the current context's Grafana, asking for the platform URL only when nothing proposes a sure one. */
export async function resolveGrafanaTarget(services: Services, options: { askPlatform?: boolean } = {}): Promise<ResolvedTarget | undefined> {
  const client = services.cluster.currentClient();
  const contextName = client.contextName;
  const server = services.cluster.kubeconfig()?.context(contextName)?.server;
  const hint = platformHintFromServer(server);
  const remembered = services.answers.get();
  const cluster =
    (await readGrafanaClusterName(client)) ?? hint?.cluster ?? remembered.clusterName ?? services.cluster.kubeconfig()?.context(contextName)?.cluster ?? contextName;

  let platformUrl = options.askPlatform ? undefined : services.grafanaPlatforms.get(contextName);
  if (!platformUrl && !options.askPlatform && remembered.platformUrl && remembered.clusterName === cluster) platformUrl = remembered.platformUrl;
  if (!platformUrl) {
    const proposal = services.grafanaPlatforms.get(contextName) ?? hint?.platformUrl ?? remembered.platformUrl ?? services.settings.current.installDefaults.platformUrl;
    platformUrl = await askPlatformUrl(cluster, proposal);
    if (!platformUrl) return undefined;
  }
  await services.grafanaPlatforms.set(contextName, platformUrl);
  return { contextName, client, target: { platformUrl: originOf(platformUrl), cluster } };
}

async function askPlatformUrl(cluster: string, proposal: string | undefined): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('DeepFlow: Grafana of cluster {0}', cluster),
    prompt: vscode.l10n.t('The ACP platform URL that serves cluster {0} (Grafana is at <platform>/clusters/{0}/deepflow/)', cluster),
    placeHolder: 'https://192.168.1.10',
    value: proposal,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? undefined : validatePlatformUrl(v.trim())),
  });
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  const problem = validatePlatformUrl(trimmed);
  if (problem) throw new Error(problem);
  return trimmed;
}

/**
 * The login for one target. `typed` holds what the user entered this session (it wins until replaced), then a
 * saved password, then the chart's Secret; only when none exists is the user asked.
 */
export class GrafanaLogin {
  private typed: GrafanaCredentials | undefined;
  private askNext = false;

  constructor(
    private readonly services: Services,
    private readonly resolved: ResolvedTarget,
  ) {}

  /** After Grafana refused a login: the next call asks the user instead of reusing what failed. */
  askAgain(): void {
    this.typed = undefined;
    this.askNext = true;
  }

  async credentials(): Promise<GrafanaCredentials | undefined> {
    if (this.typed) return this.typed;
    const { target, client } = this.resolved;
    const origin = new URL(target.platformUrl).origin;
    const user = this.services.answers.get().grafanaAdminUser ?? this.services.settings.current.installDefaults.grafanaAdminUser;
    if (!this.askNext) {
      const saved = user ? await this.services.secrets.getGrafanaPassword(origin, target.cluster, user) : undefined;
      if (user && saved) return { user, password: saved };
      const fromSecret = await readGrafanaSecret(client);
      if (fromSecret.found) {
        this.services.log.redactor.register(fromSecret.credentials.password);
        return fromSecret.credentials;
      }
      this.services.log.info(
        fromSecret.reason === 'forbidden'
          ? `You may not read Secret cpaas-system/deepflow-grafana, so the Grafana login of ${target.cluster} is asked for.`
          : `Secret cpaas-system/deepflow-grafana has no Grafana admin password, so the Grafana login of ${target.cluster} is asked for.`,
      );
    }
    this.askNext = false;
    const typed = await askGrafanaLogin(target.cluster, user);
    if (!typed) return undefined;
    this.services.log.redactor.register(typed.credentials.password);
    this.typed = typed.credentials;
    if (typed.keep) await this.services.secrets.storeGrafanaPassword(origin, target.cluster, typed.credentials.user, typed.credentials.password);
    else await this.services.secrets.forgetGrafanaPassword(origin, target.cluster, typed.credentials.user);
    return typed.credentials;
  }
}

async function askGrafanaLogin(cluster: string, defaultUser: string | undefined): Promise<{ credentials: GrafanaCredentials; keep: boolean } | undefined> {
  const title = vscode.l10n.t('DeepFlow: Grafana login for cluster {0}', cluster);
  const user = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t("The Grafana admin user (the chart's default is admin)"),
    value: defaultUser ?? 'admin',
    ignoreFocusOut: true,
    validateInput: (v) => (v === '' ? undefined : validateGrafanaUser(v)),
  });
  if (!user?.trim()) return undefined;
  const password = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('The Grafana password of {0}', user.trim()),
    password: true,
    ignoreFocusOut: true,
  });
  if (!password) return undefined;
  const keepIt = vscode.l10n.t("Keep it in VS Code's secret storage");
  const dontKeep = vscode.l10n.t("Don't keep it (ask again next session)");
  const keep = await vscode.window.showQuickPick([keepIt, dontKeep], { title, placeHolder: vscode.l10n.t('Keep this Grafana password for next time?'), ignoreFocusOut: true });
  if (!keep) return undefined;
  return { credentials: { user: user.trim(), password }, keep: keep === keepIt };
}
