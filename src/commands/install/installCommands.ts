/**
 * The install commands: each asks only what its steps need (prompts.ts), checks the cluster (preflight) and the
 * platform's certificate, then hands the steps to the runner under a cancellable progress notification.
 */
import * as vscode from 'vscode';
import type { DeepflowInput } from '../../acp/deepflowValues';
import { defaultNfsStorageClassName } from '../../acp/manifests';
import type { PlatformCredentials } from '../../acp/violet';
import { validateClusterName } from '../../acp/validation';
import type { ClusterClient } from '../../cluster';
import {
  buildInstallSteps,
  deepflowStep,
  describeUninstallPlan,
  downloadVioletStep,
  nfsPluginStep,
  planUninstall,
  pushArtifactsStep,
  requiredAccess,
  runInstall,
  runPreflight,
  runUninstall,
  storageClassStep,
  type InstallContext,
  type InstallReport,
  type InstallStep,
  type PlatformPlan,
  type RequiredAccess,
} from '../../install';
import type { Services } from '../../services';
import { resolvePlatformTrust } from './platformTrustPrompt';
import { promptFor, rememberable, type InstallAnswers, type PromptDefaults, type Topic } from './prompts';

function installDefaults(services: Services): PromptDefaults {
  const contextName = services.cluster.contextName();
  const cluster = contextName ? services.cluster.kubeconfig()?.context(contextName)?.cluster : undefined;
  return {
    settings: services.settings.current.installDefaults,
    clusterName: cluster && validateClusterName(cluster) === undefined ? cluster : undefined,
  };
}

async function ask(services: Services, topics: Topic[], title: string): Promise<InstallAnswers> {
  // Every command works on the current context: without one, say so before asking anything.
  services.cluster.currentClient();
  const answers = await promptFor(topics, title, {
    remembered: services.answers.get(),
    defaults: installDefaults(services),
    secrets: services.secrets,
    redactor: services.log.redactor,
  });
  if (!answers) throw new vscode.CancellationError();
  await services.answers.remember(rememberable(answers));
  if (answers.platformUrl && answers.keepSecret) {
    const origin = new URL(answers.platformUrl).origin;
    if (answers.authKind === 'token' && answers.token) await services.secrets.store(origin, 'token', answers.token);
    if (answers.authKind === 'password' && answers.password) await services.secrets.store(origin, 'password', answers.password, answers.username);
  } else if (answers.platformUrl && answers.savedSecretReplaced && answers.authKind) {
    // "Don't keep" after typing over a saved secret: the old one is stale (likely changed), so it goes too.
    await services.secrets.forget(new URL(answers.platformUrl).origin, answers.authKind, answers.username);
  }
  await keepGrafanaPassword(services, answers);
  return answers;
}

/** Keeps the Grafana password when the user agreed, and offers a generated one for copying, once. */
async function keepGrafanaPassword(services: Services, a: InstallAnswers): Promise<void> {
  const platformUrl = a.platformUrl ?? services.answers.get().platformUrl;
  const password = a.grafanaAdminPassword;
  if (!password || !a.clusterName || !a.grafanaAdminUser) return;
  const kept = a.keepGrafanaPassword === true && platformUrl !== undefined;
  if (kept) await services.secrets.storeGrafanaPassword(new URL(platformUrl).origin, a.clusterName, a.grafanaAdminUser, password);
  if (!a.grafanaPasswordGenerated) return;
  const copyPassword = vscode.l10n.t('Copy Password');
  const message = kept
    ? vscode.l10n.t("DeepFlow: Grafana's admin {0} on {1} gets a generated password. It is kept in VS Code's secret storage.", a.grafanaAdminUser, a.clusterName)
    : vscode.l10n.t("DeepFlow: Grafana's admin {0} on {1} gets a generated password. It is not kept anywhere: copy it now, it is shown only once.", a.grafanaAdminUser, a.clusterName);
  void vscode.window
    .showInformationMessage(message, copyPassword)
    .then(async (choice) => {
      if (choice === copyPassword) await vscode.env.clipboard.writeText(password);
    });
}

type StringAnswer = { [K in keyof InstallAnswers]-?: NonNullable<InstallAnswers[K]> extends string ? K : never }[keyof InstallAnswers];

/** An answer the command's questions must have filled; its absence is a bug, named by the answer's field. */
function need(a: InstallAnswers, field: StringAnswer): string {
  const value = a[field];
  if (value === undefined) throw new Error(vscode.l10n.t('Internal error: the answer "{0}" was not asked.', field));
  return value;
}

function credentialsOf(a: InstallAnswers): PlatformCredentials {
  return a.authKind === 'token'
    ? { kind: 'token', token: need(a, 'token') }
    : { kind: 'password', username: need(a, 'username'), password: need(a, 'password') };
}

function deepflowInputOf(a: InstallAnswers): DeepflowInput {
  return {
    chartVersion: need(a, 'chartVersion'),
    clusterName: need(a, 'clusterName'),
    grafanaAdminUser: need(a, 'grafanaAdminUser'),
    grafanaAdminPassword: need(a, 'grafanaAdminPassword'),
    storageClass: need(a, 'storageClass'),
    mysqlSize: need(a, 'mysqlSize'),
    clickhousePathSize: need(a, 'clickhousePathSize'),
    clickhouseStoragePathSize: need(a, 'clickhouseStoragePathSize'),
  };
}

async function platformPlan(services: Services, url: string): Promise<PlatformPlan> {
  return { url, trust: await resolvePlatformTrust(url, services.trustStore, services.log) };
}

/** Only the permissions the chosen steps use, so "Install NFS plugin" does not ask for Application rights. */
function accessFor(steps: readonly InstallStep[]): RequiredAccess[] {
  const resources = new Set<string>();
  for (const step of steps) {
    if (step.id === 'nfsPlugin') ['clusterplugininstances', 'appreleases'].forEach((r) => resources.add(r));
    if (step.id === 'storageClass') resources.add('storageclasses');
    if (step.id === 'deepflow') ['applications', 'ingresses', 'deployments', 'statefulsets', 'daemonsets'].forEach((r) => resources.add(r));
  }
  return requiredAccess.filter((a) => resources.has(a.resource));
}

/**
 * Preflight before anything changes: stops with every problem (a missing right names its verb and resource), and
 * asks the user to confirm the requested storage and read the warnings when DeepFlow itself is installed.
 */
async function preflight(services: Services, client: ClusterClient, steps: readonly InstallStep[], deepflow?: DeepflowInput): Promise<void> {
  const access = accessFor(steps);
  if (access.length === 0) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('DeepFlow: checking {0}', client.contextName), cancellable: true },
    async (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const r = await runPreflight(client, { access, deepflow, signal: abort.signal });
      if (token.isCancellationRequested) throw new vscode.CancellationError();
      return r;
    },
  );
  for (const warning of result.warnings) services.log.warn(`preflight: ${warning}`);
  if (!result.ok) {
    for (const problem of result.problems) services.log.error(`preflight: ${problem}`);
    throw new Error(vscode.l10n.t('The preflight check of {0} failed: {1}', client.contextName, result.problems.join(' ')));
  }
  services.log.info(`preflight of ${client.contextName} passed`);
  if (!deepflow || !result.storage) return;
  const lines = [
    vscode.l10n.t('The chart requests {0} of storage class {1}:', result.storage.total, deepflow.storageClass),
    ...result.storage.items.map((i) => `• ${i.name}: ${i.size}`),
    ...(result.warnings.length > 0 ? ['', vscode.l10n.t('Warnings:'), ...result.warnings.map((w) => `• ${w}`)] : []),
  ];
  const go = vscode.l10n.t('Install');
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Install DeepFlow on {0}?', client.contextName), { modal: true, detail: lines.join('\n') }, go);
  if (choice !== go) throw new vscode.CancellationError();
}

/** Runs steps under a cancellable progress notification; the runner's texts become the progress messages. */
async function runWithProgress(services: Services, context: vscode.ExtensionContext, client: ClusterClient, title: string, steps: InstallStep[]): Promise<InstallReport> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const subscription = token.onCancellationRequested(() => abort.abort());
    const ctx: InstallContext = {
      client,
      logger: services.log,
      signal: abort.signal,
      progress: (message) => progress.report({ message }),
      confirm: async (question, detail) => {
        const yes = vscode.l10n.t('Update');
        return (await vscode.window.showWarningMessage(question, { modal: true, detail }, yes)) === yes;
      },
      timeouts: { waitMs: services.settings.current.waitTimeoutMs },
      storageDir: context.globalStorageUri.fsPath,
      pushLedger: services.pushLedger,
      redactor: services.log.redactor,
    };
    try {
      return await runInstall(steps, ctx);
    } finally {
      subscription.dispose();
    }
  });
}

/** Names in a sentence, with the list separator of the display language. */
function listOf(names: readonly string[]): string {
  return names.join(vscode.l10n.t({ message: ', ', args: [], comment: ['Separates the names in a list, e.g. of skipped install steps.'] }));
}

/** Tells the user how the run ended; skipped steps are named. */
function reportOutcome(services: Services, title: string, report: InstallReport, ready?: { cluster: string; platformUrl?: string }): void {
  const skipped = report.steps.filter((s) => s.outcome === 'skipped').map((s) => s.title);
  const skippedList = listOf(skipped);
  services.clusterChanged.fire();
  if (report.status === 'cancelled') {
    void vscode.window.showWarningMessage(vscode.l10n.t('DeepFlow: {0} was cancelled. Nothing was left half-applied; run it again to resume.', title));
    return;
  }
  if (report.status === 'declined') {
    const declined = report.steps.find((s) => s.outcome === 'cancelled')?.detail;
    void vscode.window.showInformationMessage(declined ? vscode.l10n.t('DeepFlow: {0}', declined) : vscode.l10n.t('DeepFlow: {0} stopped.', title));
    return;
  }
  if (ready) {
    const contextName = services.cluster.contextName();
    // The panel then knows this context's platform without asking.
    if (ready.platformUrl && contextName) void services.grafanaPlatforms.set(contextName, ready.platformUrl);
    const openGrafana = vscode.l10n.t('Open Grafana');
    const buttons = ready.platformUrl ? [openGrafana] : [];
    const message = skipped.length > 0 ? vscode.l10n.t('DeepFlow is ready on {0}. Skipped, already done: {1}.', ready.cluster, skippedList) : vscode.l10n.t('DeepFlow is ready on {0}.', ready.cluster);
    void vscode.window.showInformationMessage(message, ...buttons).then(async (choice) => {
      if (choice === openGrafana) await vscode.commands.executeCommand('deepflow.grafana.open');
    });
    return;
  }
  void vscode.window.showInformationMessage(
    skipped.length > 0 ? vscode.l10n.t('DeepFlow: {0} done. Skipped, already done: {1}.', title, skippedList) : vscode.l10n.t('DeepFlow: {0} done.', title),
  );
}

async function execute(
  services: Services,
  context: vscode.ExtensionContext,
  title: string,
  steps: InstallStep[],
  options: { deepflow?: DeepflowInput; platformUrl?: string } = {},
): Promise<void> {
  const client = services.cluster.currentClient();
  await preflight(services, client, steps, options.deepflow);
  // The log stays English for support: it names the steps by id, not by their (localized) titles.
  services.log.info(`running ${steps.map((s) => s.id).join(', ')} on ${client.contextName}`);
  const report = await runWithProgress(services, context, client, vscode.l10n.t('DeepFlow: {0}', title), steps);
  reportOutcome(services, title, report, options.deepflow ? { cluster: options.deepflow.clusterName, platformUrl: options.platformUrl ?? services.answers.get().platformUrl } : undefined);
}

// ------------------------------------------------------------------------------------------------ the commands

export async function downloadVioletCommand(services: Services, context: vscode.ExtensionContext): Promise<void> {
  const title = vscode.l10n.t('Download violet');
  const a = await ask(services, ['platform'], title);
  const platform = await platformPlan(services, need(a, 'platformUrl'));
  await execute(services, context, title, [downloadVioletStep(platform)]);
}

export async function pushArtifactsCommand(services: Services, context: vscode.ExtensionContext): Promise<void> {
  const title = vscode.l10n.t('Push artifacts');
  const a = await ask(services, ['platform', 'credentials', 'artifacts'], title);
  const platform = await platformPlan(services, need(a, 'platformUrl'));
  const step = pushArtifactsStep({ platform, credentials: credentialsOf(a), files: [need(a, 'nfsArtifact'), need(a, 'deepflowArtifact')] });
  await execute(services, context, title, [step]);
}

export async function nfsPluginCommand(services: Services, context: vscode.ExtensionContext): Promise<void> {
  await execute(services, context, vscode.l10n.t('Install NFS plugin'), [nfsPluginStep()]);
}

export async function storageClassCommand(services: Services, context: vscode.ExtensionContext): Promise<void> {
  const title = vscode.l10n.t('Create NFS storage class');
  const a = await ask(services, ['nfs', 'storageClass'], title);
  const step = storageClassStep({ name: need(a, 'storageClass'), server: need(a, 'nfsServer'), share: need(a, 'nfsPath') });
  await execute(services, context, title, [step]);
}

export async function deepflowCommand(services: Services, context: vscode.ExtensionContext): Promise<void> {
  const title = vscode.l10n.t('Install DeepFlow');
  const a = await ask(services, ['deepflowArtifact', 'chartVersion', 'storageClass', 'deepflow'], title);
  const input = deepflowInputOf(a);
  await execute(services, context, title, [deepflowStep(input)], { deepflow: input });
}

export async function installAllCommand(services: Services, context: vscode.ExtensionContext): Promise<void> {
  const title = vscode.l10n.t('Install DeepFlow (guided)');
  const a = await ask(services, ['platform', 'credentials', 'artifacts', 'chartVersion', 'nfs', 'storageClass', 'deepflow'], title);
  const input = deepflowInputOf(a);
  const platformUrl = need(a, 'platformUrl');
  const platform = await platformPlan(services, platformUrl);
  const steps = buildInstallSteps({
    platform,
    credentials: credentialsOf(a),
    artifacts: { nfs: need(a, 'nfsArtifact'), deepflow: need(a, 'deepflowArtifact') },
    storageClass: { name: input.storageClass, server: need(a, 'nfsServer'), share: need(a, 'nfsPath') },
    deepflow: input,
  });
  await execute(services, context, title, steps, { deepflow: input, platformUrl });
}

export async function uninstallCommand(services: Services): Promise<void> {
  const client = services.cluster.currentClient();
  const plan = planUninstall(services.answers.get().storageClass ?? defaultNfsStorageClassName);
  const [first, ...rest] = describeUninstallPlan(plan, client.contextName).split('\n');
  const go = vscode.l10n.t('Uninstall');
  const choice = await vscode.window.showWarningMessage(first ?? vscode.l10n.t('Uninstall DeepFlow?'), { modal: true, detail: rest.join('\n').trim() }, go);
  if (choice !== go) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('DeepFlow: uninstalling from {0}', client.contextName), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const subscription = token.onCancellationRequested(() => abort.abort());
      try {
        return await runUninstall(client, {
          logger: services.log,
          signal: abort.signal,
          progress: (message) => progress.report({ message }),
          timeoutMs: services.settings.current.waitTimeoutMs,
        }, plan);
      } catch (err) {
        if (abort.signal.aborted) throw new vscode.CancellationError();
        throw err;
      } finally {
        subscription.dispose();
      }
    },
  );
  services.clusterChanged.fire();
  const kept = listOf(plan.keeps.map((k) => k.label));
  void vscode.window.showInformationMessage(
    result.deleted.length === 0
      ? vscode.l10n.t('DeepFlow was uninstalled from {0} (nothing was left to remove). Kept: {1}.', client.contextName, kept)
      : vscode.l10n.t('DeepFlow was uninstalled from {0}. Kept: {1}.', client.contextName, kept),
  );
}
