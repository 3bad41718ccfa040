/**
 * The guide's five steps as data. Each step asks the cluster (or, for violet, the local binary) whether it is
 * done, so the guided install can skip it and a rerun after success changes nothing.
 */
import * as l10n from '@vscode/l10n';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { rolloutStatus, waitFor, waitForCondition, waitForRollout, type KubeObject, type ObjectRef, type WaitCheck } from '../cluster';
import { failureMessageOf, fieldAt } from '../cluster/waits';
import { chartVersionFromArtifact, isNfsArtifact } from '../acp/artifacts';
import { deepflowComponents } from '../acp/components';
import { buildDeepflowValues, diffValues, readValuesAnnotation, serialiseDeepflowValues, type DeepflowInput, type ValuesChange } from '../acp/deepflowValues';
import {
  appReleaseApiVersion,
  applicationApiVersion,
  buildDeepflowApplication,
  buildGrafanaIngress,
  buildNfsPluginInstance,
  buildNfsStorageClass,
  chartValuesAnnotation,
  chartVersionAnnotation,
  deepflowApplicationName,
  deepflowNamespace,
  grafanaIngressName,
  nfsAppReleaseName,
  type NfsStorageClassInput,
} from '../acp/manifests';
import { conditionsOf } from '../acp/kubeObject';
import { secretMask } from '../acp/redact';
import { originOf } from '../acp/platformTrust';
import { ensureViolet, findViolet, pushArtifact, VioletIntegrityError, type PlatformCredentials } from '../acp/violet';
import { applyIfChanged, containsDesired } from './apply';
import { InstallDeclinedError, type InstallContext, type InstallStep, type PlatformPlan, type PushRecord, type StepState } from './types';

const defaultChartRepo = 'public-charts';

export const nfsAppReleaseRef: ObjectRef = { apiVersion: appReleaseApiVersion, kind: 'AppRelease', namespace: deepflowNamespace, name: nfsAppReleaseName };
export const deepflowApplicationRef: ObjectRef = { apiVersion: applicationApiVersion, kind: 'Application', namespace: deepflowNamespace, name: deepflowApplicationName };
export const grafanaIngressRef: ObjectRef = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: deepflowNamespace, name: grafanaIngressName };

// ---------------------------------------------------------------------------------------------- downloadViolet

export function downloadVioletStep(platform: PlatformPlan): InstallStep {
  return {
    id: 'downloadViolet',
    title: l10n.t('Download violet'),
    async isDone(ctx) {
      const found = await findViolet(ctx.storageDir, platform.url, ctx.signal);
      if (found instanceof VioletIntegrityError) {
        return {
          done: false,
          detail: found.kind === 'missing' ? l10n.t('no violet from {0} yet', originOf(platform.url)) : l10n.t('{0} It will be downloaded again.', found.message),
        };
      }
      ctx.violet = found;
      return { done: true, detail: l10n.t('violet {0} at {1}', found.version, found.path) };
    },
    async run(ctx) {
      const violet = await ensureViolet({ platformUrl: platform.url, trust: platform.trust, storageDir: ctx.storageDir, signal: ctx.signal, logger: ctx.logger, onProgress: ctx.progress });
      ctx.violet = violet;
      ctx.progress(l10n.t('violet {0} ready', violet.version));
    },
  };
}

// ---------------------------------------------------------------------------------------------- pushArtifacts

export interface PushPlan {
  platform: PlatformPlan;
  credentials: PlatformCredentials;
  /** The .tgz files, in push order (the guide pushes the NFS plugin first). */
  files: string[];
  targetChartRepo?: string;
  clusters?: string[];
}

interface ArtifactFacts {
  file: string;
  name: string;
  sizeBytes: number;
  modifiedMs: number;
}

async function artifactFacts(file: string): Promise<ArtifactFacts> {
  try {
    const info = await stat(file);
    return { file, name: basename(file), sizeBytes: info.size, modifiedMs: info.mtimeMs };
  } catch {
    throw new Error(l10n.t('The artifact {0} cannot be read; pick it again.', file));
  }
}

/**
 * Why an artifact counts as pushed. The platform gives the extension no API to list what violet pushed, so there
 * are two witnesses: the cluster, when it already runs what the artifact carries (ars/nfs healthy; the Application
 * at this chart version Succeeded), and the ledger of pushes this extension made to this platform, which matches
 * the file's name, size and modification time, so a rebuilt artifact with the same name is pushed again.
 */
async function pushedBecause(ctx: InstallContext, plan: PushPlan, facts: ArtifactFacts): Promise<string | undefined> {
  const origin = originOf(plan.platform.url);
  const repo = plan.targetChartRepo ?? defaultChartRepo;
  const record = ctx.pushLedger
    .list()
    .find((r) => r.platformOrigin === origin && r.file === facts.name && r.targetChartRepo === repo && r.sizeBytes === facts.sizeBytes && r.modifiedMs === facts.modifiedMs);
  if (record) return l10n.t('{0} pushed {1}', facts.name, record.pushedAt);
  if (isNfsArtifact(facts.name)) {
    const ars = await ctx.client.find(nfsAppReleaseRef);
    if (conditionsOf(ars).some((c) => c.type === 'Health' && c.status === 'True')) return l10n.t('{0}: ars/nfs is healthy', facts.name);
  }
  const version = chartVersionFromArtifact(facts.name);
  if (version) {
    const app = await ctx.client.find(deepflowApplicationRef);
    if (app?.metadata.annotations?.[chartVersionAnnotation] === version && fieldAt(app, 'spec.assemblyPhase') === 'Succeeded') {
      return l10n.t('{0}: DeepFlow {1} is installed', facts.name, version);
    }
  }
  return undefined;
}

export function pushArtifactsStep(plan: PushPlan): InstallStep {
  return {
    id: 'pushArtifacts',
    title: l10n.t('Push artifacts'),
    async isDone(ctx) {
      const reasons: string[] = [];
      for (const file of plan.files) {
        const reason = await pushedBecause(ctx, plan, await artifactFacts(file));
        if (!reason) return { done: false, detail: l10n.t('{0} not pushed yet', basename(file)) };
        reasons.push(reason);
      }
      return { done: true, detail: reasons.join('; ') };
    },
    async run(ctx) {
      const violet =
        ctx.violet ?? (await ensureViolet({ platformUrl: plan.platform.url, trust: plan.platform.trust, storageDir: ctx.storageDir, signal: ctx.signal, logger: ctx.logger }));
      ctx.violet = violet;
      for (const file of plan.files) {
        ctx.signal.throwIfAborted();
        const facts = await artifactFacts(file);
        const reason = await pushedBecause(ctx, plan, facts);
        if (reason) {
          ctx.progress(l10n.t('skipped {0}: already pushed ({1})', facts.name, reason));
          continue;
        }
        ctx.progress(l10n.t('pushing {0}', facts.name));
        await pushArtifact({
          violet,
          platformUrl: plan.platform.url,
          trust: plan.platform.trust,
          credentials: plan.credentials,
          file,
          targetChartRepo: plan.targetChartRepo,
          clusters: plan.clusters,
          signal: ctx.signal,
          logger: ctx.logger,
          redactor: ctx.redactor,
          // Progress shows violet's message without its log-level prefix (INFO[0003]); the log keeps the whole line.
          onLine: (line) => ctx.progress(`${facts.name}: ${line.replace(/^[A-Z]{4}\[[^\]]*\]\s*/, '')}`),
        });
        const record: PushRecord = {
          platformOrigin: originOf(plan.platform.url),
          file: facts.name,
          sizeBytes: facts.sizeBytes,
          modifiedMs: facts.modifiedMs,
          targetChartRepo: plan.targetChartRepo ?? defaultChartRepo,
          pushedAt: new Date().toISOString(),
        };
        await ctx.pushLedger.add(record);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------- nfsPlugin

/** Whether ars/nfs is healthy, and the step's detail: "ars/nfs Health=False (Reason: message)" or why there is none. */
function nfsHealth(ars: KubeObject | undefined): StepState {
  if (!ars) return { done: false, detail: l10n.t('ars/nfs not created') };
  const health = conditionsOf(ars).find((c) => c.type === 'Health');
  if (!health) return { done: false, detail: 'ars/nfs Health=Unknown' };
  const why = health.reason && health.status !== 'True' ? ` (${health.reason}${health.message ? `: ${health.message}` : ''})` : '';
  return { done: health.status === 'True', detail: `ars/nfs Health=${health.status}${why}` };
}

export function nfsPluginStep(): InstallStep {
  return {
    id: 'nfsPlugin',
    title: l10n.t('Install NFS plugin'),
    async isDone(ctx) {
      return nfsHealth(await ctx.client.find(nfsAppReleaseRef));
    },
    async run(ctx) {
      await applyIfChanged(ctx, buildNfsPluginInstance());
      ctx.progress(l10n.t('waiting for ars/nfs Health'));
      await waitForCondition(ctx.client, nfsAppReleaseRef, 'Health', 'True', {
        timeoutMs: ctx.timeouts.waitMs,
        signal: ctx.signal,
        logger: ctx.logger,
        onProgress: (text) => ctx.progress(l10n.t('waiting for ars/nfs Health: {0}', text)),
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------- storageClass

const storageClassRef = (name: string): ObjectRef => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name });

/** A StorageClass's parameters and provisioner are immutable, so a class that differs cannot be updated in place. */
function storageClassConflict(existing: KubeObject, desired: KubeObject): string | undefined {
  const fields = ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode', 'mountOptions'] as const;
  const differing = fields.filter((f) => !containsDesired(existing[f], desired[f]));
  if (differing.length === 0) return undefined;
  const params = (obj: KubeObject): string => JSON.stringify(obj.parameters ?? {});
  return l10n.t(
    'StorageClass {0} already exists with other {1} ({2}, wanted {3}). Kubernetes does not allow changing them: choose another storage class name, or delete the existing class if nothing uses it.',
    existing.metadata.name ?? '',
    differing.join(', '),
    params(existing),
    params(desired),
  );
}

export function storageClassStep(input: NfsStorageClassInput): InstallStep {
  return {
    id: 'storageClass',
    title: l10n.t('Create NFS storage class'),
    async isDone(ctx) {
      const desired = buildNfsStorageClass(input);
      const existing = await ctx.client.find(storageClassRef(input.name));
      if (!existing) return { done: false, detail: l10n.t('StorageClass {0} does not exist', input.name) };
      if (containsDesired(existing, desired)) return { done: true, detail: l10n.t('StorageClass {0} exists ({1})', input.name, `${input.server}:${input.share}`) };
      return { done: false, detail: storageClassConflict(existing, desired) ?? l10n.t('StorageClass {0} lacks some labels', input.name) };
    },
    async run(ctx) {
      const desired = buildNfsStorageClass(input);
      const existing = await ctx.client.find(storageClassRef(input.name));
      const conflict = existing ? storageClassConflict(existing, desired) : undefined;
      if (conflict) throw new Error(conflict);
      await applyIfChanged(ctx, desired, existing ?? null);
    },
  };
}

// ---------------------------------------------------------------------------------------------- deepflow

/** How a change list shows a value that is not set. */
function unsetValue(): string {
  return l10n.t('(unset)');
}

/** A readable list of value changes for the confirmation ("grafana.adminUser: admin → ops"). Secrets arrive masked. */
export function describeValueChanges(changes: readonly ValuesChange[]): string {
  const show = (value: unknown): string => (value === undefined ? unsetValue() : typeof value === 'string' ? value : JSON.stringify(value));
  return changes.map((c) => `${c.path}: ${show(c.before)} → ${show(c.after)}`).join('\n');
}

interface InstalledDifference {
  versionBefore: string | undefined;
  changes: ValuesChange[];
}

function differenceFrom(app: KubeObject, input: DeepflowInput): InstalledDifference | undefined {
  const versionBefore = app.metadata.annotations?.[chartVersionAnnotation];
  const changes = diffValues(readValuesAnnotation(app) ?? {}, buildDeepflowValues(input));
  return versionBefore === input.chartVersion && changes.length === 0 ? undefined : { versionBefore, changes };
}

/** The Application as the log shows it: the values annotation with the Grafana password masked. */
function applicationForLog(input: DeepflowInput): KubeObject {
  const app = buildDeepflowApplication(input);
  const values = buildDeepflowValues({ ...input, grafanaAdminPassword: secretMask });
  return { ...app, metadata: { ...app.metadata, annotations: { ...app.metadata.annotations, [chartValuesAnnotation]: serialiseDeepflowValues(values) } } };
}

/** Why the installed Application is not the one wanted: how many values changed, and the version when it differs. */
function describeDifference(difference: InstalledDifference, chartVersion: string): string {
  const count = difference.changes.length;
  if (difference.versionBefore === chartVersion) return l10n.t('Application deepflow has other values ({0} changed)', count);
  if (difference.versionBefore === undefined) return l10n.t('Application deepflow has other values ({0} changed, version unset)', count);
  return l10n.t('Application deepflow has other values ({0} changed, version {1})', count, difference.versionBefore);
}

function assemblyCheck(obj: KubeObject | undefined): WaitCheck {
  if (!obj) return { done: false, progress: l10n.t('waiting for application deepflow: not created yet') };
  const phase = fieldAt(obj, 'spec.assemblyPhase');
  const shown = typeof phase === 'string' && phase !== '' ? phase : 'Pending';
  const progress = l10n.t('waiting for application deepflow: {0}', shown);
  if (shown === 'Failed') {
    const why = failureMessageOf(obj);
    return { done: false, progress, failure: why ? l10n.t('Application deepflow failed: {0}', why) : l10n.t('Application deepflow failed') };
  }
  return { done: shown === 'Succeeded', progress };
}

export function deepflowStep(input: DeepflowInput): InstallStep {
  return {
    id: 'deepflow',
    title: l10n.t('Install DeepFlow'),
    async isDone(ctx) {
      const app = await ctx.client.find(deepflowApplicationRef);
      if (!app) return { done: false, detail: l10n.t('Application deepflow does not exist') };
      const difference = differenceFrom(app, input);
      if (difference) return { done: false, detail: describeDifference(difference, input.chartVersion) };
      const check = assemblyCheck(app);
      if (!check.done) return { done: false, detail: check.progress ?? l10n.t('Application deepflow is not ready') };
      for (const component of deepflowComponents) {
        const workload = await ctx.client.find({ apiVersion: 'apps/v1', kind: component.kind, namespace: deepflowNamespace, name: component.name });
        if (!workload) return { done: false, detail: l10n.t('{0} does not exist', component.name) };
        const status = rolloutStatus(workload);
        if (!status.done) return { done: false, detail: status.summary };
      }
      const ingress = await ctx.client.find(grafanaIngressRef);
      if (!ingress || !containsDesired(ingress, buildGrafanaIngress(input.clusterName))) return { done: false, detail: l10n.t('the Grafana Ingress is missing') };
      return { done: true, detail: l10n.t('Application deepflow {0} Succeeded, Ingress {1} present', input.chartVersion, grafanaIngressName) };
    },
    async run(ctx) {
      ctx.redactor.register(input.grafanaAdminPassword);
      const desired = buildDeepflowApplication(input);
      const existing = await ctx.client.find(deepflowApplicationRef);
      const difference = existing ? differenceFrom(existing, input) : undefined;
      if (existing && difference) {
        const versionLine =
          difference.versionBefore !== input.chartVersion ? `${l10n.t('chart version: {0} → {1}', difference.versionBefore ?? unsetValue(), input.chartVersion)}\n` : '';
        const detail = `${versionLine}${describeValueChanges(difference.changes)}`.trim();
        ctx.logger.info(`Application deepflow differs from the new values:\n${ctx.redactor.redact(detail)}`);
        const confirmed = await ctx.confirm(l10n.t('Update the installed DeepFlow on {0} with these values?', ctx.client.contextName), ctx.redactor.redact(detail));
        if (!confirmed) throw new InstallDeclinedError(l10n.t('Kept the installed DeepFlow values: the update was not confirmed.'));
      }
      await applyIfChanged(ctx, desired, existing ?? null, applicationForLog(input));
      const waitOptions = { timeoutMs: ctx.timeouts.waitMs, signal: ctx.signal, logger: ctx.logger, onProgress: ctx.progress };
      await waitFor(ctx.client, deepflowApplicationRef, assemblyCheck, waitOptions);
      // The guide's order: storage first, then the server, the UI, and the agent on every node.
      for (const name of ['deepflow-clickhouse', 'deepflow-mysql', 'deepflow-server', 'deepflow-app', 'deepflow-grafana', 'deepflow-agent']) {
        const component = deepflowComponents.find((c) => c.name === name);
        if (component) await waitForRollout(ctx.client, component.kind, deepflowNamespace, name, waitOptions);
      }
      ctx.signal.throwIfAborted();
      await applyIfChanged(ctx, buildGrafanaIngress(input.clusterName));
    },
  };
}

// ---------------------------------------------------------------------------------------------- the plan

export interface InstallPlan {
  platform: PlatformPlan;
  credentials: PlatformCredentials;
  artifacts: { nfs: string; deepflow: string };
  targetChartRepo?: string;
  clusters?: string[];
  storageClass: NfsStorageClassInput;
  deepflow: DeepflowInput;
}

/** The guided install: the five steps in the guide's order. Throws when the answers contradict each other. */
export function buildInstallSteps(plan: InstallPlan): InstallStep[] {
  const version = chartVersionFromArtifact(plan.artifacts.deepflow);
  if (version !== plan.deepflow.chartVersion) {
    throw new Error(l10n.t('The chart version {0} does not match the DeepFlow artifact {1}.', plan.deepflow.chartVersion, basename(plan.artifacts.deepflow)));
  }
  if (plan.storageClass.name !== plan.deepflow.storageClass) {
    throw new Error(l10n.t('DeepFlow would use storage class {0}, but the install creates {1}.', plan.deepflow.storageClass, plan.storageClass.name));
  }
  return [
    downloadVioletStep(plan.platform),
    pushArtifactsStep({ platform: plan.platform, credentials: plan.credentials, files: [plan.artifacts.nfs, plan.artifacts.deepflow], targetChartRepo: plan.targetChartRepo, clusters: plan.clusters }),
    nfsPluginStep(),
    storageClassStep(plan.storageClass),
    deepflowStep(plan.deepflow),
  ];
}
