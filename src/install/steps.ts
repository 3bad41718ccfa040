/**
 * The guide's five steps as data. Each step asks the cluster (or, for violet, the local binary) whether it is
 * done, so the guided install can skip it and a rerun after success changes nothing.
 */
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
import { InstallDeclinedError, type InstallContext, type InstallStep, type PlatformPlan, type PushRecord } from './types';

const defaultChartRepo = 'public-charts';

export const nfsAppReleaseRef: ObjectRef = { apiVersion: appReleaseApiVersion, kind: 'AppRelease', namespace: deepflowNamespace, name: nfsAppReleaseName };
export const deepflowApplicationRef: ObjectRef = { apiVersion: applicationApiVersion, kind: 'Application', namespace: deepflowNamespace, name: deepflowApplicationName };
export const grafanaIngressRef: ObjectRef = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: deepflowNamespace, name: grafanaIngressName };

// ---------------------------------------------------------------------------------------------- downloadViolet

export function downloadVioletStep(platform: PlatformPlan): InstallStep {
  return {
    id: 'downloadViolet',
    title: 'Download violet',
    async isDone(ctx) {
      const found = await findViolet(ctx.storageDir, platform.url, ctx.signal);
      if (found instanceof VioletIntegrityError) {
        return { done: false, detail: found.kind === 'missing' ? `no violet from ${originOf(platform.url)} yet` : `${found.message} It will be downloaded again.` };
      }
      ctx.violet = found;
      return { done: true, detail: `violet ${found.version} at ${found.path}` };
    },
    async run(ctx) {
      const violet = await ensureViolet({ platformUrl: platform.url, trust: platform.trust, storageDir: ctx.storageDir, signal: ctx.signal, logger: ctx.logger, onProgress: ctx.progress });
      ctx.violet = violet;
      ctx.progress(`violet ${violet.version} ready`);
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
    throw new Error(`The artifact ${file} cannot be read; pick it again.`);
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
  if (record) return `${facts.name} pushed ${record.pushedAt}`;
  if (isNfsArtifact(facts.name)) {
    const ars = await ctx.client.find(nfsAppReleaseRef);
    if (conditionsOf(ars).some((c) => c.type === 'Health' && c.status === 'True')) return `${facts.name}: ars/nfs is healthy`;
  }
  const version = chartVersionFromArtifact(facts.name);
  if (version) {
    const app = await ctx.client.find(deepflowApplicationRef);
    if (app?.metadata.annotations?.[chartVersionAnnotation] === version && fieldAt(app, 'spec.assemblyPhase') === 'Succeeded') {
      return `${facts.name}: DeepFlow ${version} is installed`;
    }
  }
  return undefined;
}

export function pushArtifactsStep(plan: PushPlan): InstallStep {
  return {
    id: 'pushArtifacts',
    title: 'Push artifacts',
    async isDone(ctx) {
      const reasons: string[] = [];
      for (const file of plan.files) {
        const reason = await pushedBecause(ctx, plan, await artifactFacts(file));
        if (!reason) return { done: false, detail: `${basename(file)} not pushed yet` };
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
          ctx.progress(`skipped ${facts.name}: already pushed (${reason})`);
          continue;
        }
        ctx.progress(`pushing ${facts.name}`);
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

function healthOf(ars: KubeObject | undefined): string {
  const health = conditionsOf(ars).find((c) => c.type === 'Health');
  if (!health) return ars ? 'Unknown' : 'not created';
  const why = health.reason && health.status !== 'True' ? ` (${health.reason}${health.message ? `: ${health.message}` : ''})` : '';
  return `${health.status}${why}`;
}

export function nfsPluginStep(): InstallStep {
  return {
    id: 'nfsPlugin',
    title: 'Install NFS plugin',
    async isDone(ctx) {
      const ars = await ctx.client.find(nfsAppReleaseRef);
      const health = healthOf(ars);
      return { done: health === 'True', detail: `ars/nfs Health=${health}` };
    },
    async run(ctx) {
      await applyIfChanged(ctx, buildNfsPluginInstance());
      ctx.progress('waiting for ars/nfs Health');
      await waitForCondition(ctx.client, nfsAppReleaseRef, 'Health', 'True', {
        timeoutMs: ctx.timeouts.waitMs,
        signal: ctx.signal,
        logger: ctx.logger,
        onProgress: (text) => ctx.progress(`waiting for ars/nfs Health: ${text}`),
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
  return (
    `StorageClass ${existing.metadata.name ?? ''} already exists with other ${differing.join(', ')} (${params(existing)}, wanted ${params(desired)}). ` +
    'Kubernetes does not allow changing them: choose another storage class name, or delete the existing class if nothing uses it.'
  );
}

export function storageClassStep(input: NfsStorageClassInput): InstallStep {
  return {
    id: 'storageClass',
    title: 'Create NFS storage class',
    async isDone(ctx) {
      const desired = buildNfsStorageClass(input);
      const existing = await ctx.client.find(storageClassRef(input.name));
      if (!existing) return { done: false, detail: `StorageClass ${input.name} does not exist` };
      if (containsDesired(existing, desired)) return { done: true, detail: `StorageClass ${input.name} exists (${input.server}:${input.share})` };
      return { done: false, detail: storageClassConflict(existing, desired) ?? `StorageClass ${input.name} lacks some labels` };
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

/** A readable list of value changes for the confirmation ("grafana.adminUser: admin → ops"). Secrets arrive masked. */
export function describeValueChanges(changes: readonly ValuesChange[]): string {
  const show = (value: unknown): string => (value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value));
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

function assemblyCheck(obj: KubeObject | undefined): WaitCheck {
  if (!obj) return { done: false, progress: 'waiting for application deepflow: not created yet' };
  const phase = fieldAt(obj, 'spec.assemblyPhase');
  const shown = typeof phase === 'string' && phase !== '' ? phase : 'Pending';
  const progress = `waiting for application deepflow: ${shown}`;
  if (shown === 'Failed') {
    const why = failureMessageOf(obj);
    return { done: false, progress, failure: `Application deepflow failed${why ? `: ${why}` : ''}` };
  }
  return { done: shown === 'Succeeded', progress };
}

export function deepflowStep(input: DeepflowInput): InstallStep {
  return {
    id: 'deepflow',
    title: 'Install DeepFlow',
    async isDone(ctx) {
      const app = await ctx.client.find(deepflowApplicationRef);
      if (!app) return { done: false, detail: 'Application deepflow does not exist' };
      const difference = differenceFrom(app, input);
      if (difference) return { done: false, detail: `Application deepflow has other values (${difference.changes.length} changed${difference.versionBefore !== input.chartVersion ? `, version ${difference.versionBefore ?? 'unset'}` : ''})` };
      const check = assemblyCheck(app);
      if (!check.done) return { done: false, detail: check.progress ?? 'Application deepflow is not ready' };
      for (const component of deepflowComponents) {
        const workload = await ctx.client.find({ apiVersion: 'apps/v1', kind: component.kind, namespace: deepflowNamespace, name: component.name });
        if (!workload) return { done: false, detail: `${component.name} does not exist` };
        const status = rolloutStatus(workload);
        if (!status.done) return { done: false, detail: status.summary };
      }
      const ingress = await ctx.client.find(grafanaIngressRef);
      if (!ingress || !containsDesired(ingress, buildGrafanaIngress(input.clusterName))) return { done: false, detail: 'the Grafana Ingress is missing' };
      return { done: true, detail: `Application deepflow ${input.chartVersion} Succeeded, Ingress ${grafanaIngressName} present` };
    },
    async run(ctx) {
      ctx.redactor.register(input.grafanaAdminPassword);
      const desired = buildDeepflowApplication(input);
      const existing = await ctx.client.find(deepflowApplicationRef);
      const difference = existing ? differenceFrom(existing, input) : undefined;
      if (existing && difference) {
        const versionLine = difference.versionBefore !== input.chartVersion ? `chart version: ${difference.versionBefore ?? '(unset)'} → ${input.chartVersion}\n` : '';
        const detail = `${versionLine}${describeValueChanges(difference.changes)}`.trim();
        ctx.logger.info(`Application deepflow differs from the new values:\n${ctx.redactor.redact(detail)}`);
        const confirmed = await ctx.confirm(`Update the installed DeepFlow on ${ctx.client.contextName} with these values?`, ctx.redactor.redact(detail));
        if (!confirmed) throw new InstallDeclinedError('Kept the installed DeepFlow values: the update was not confirmed.');
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
    throw new Error(`The chart version ${plan.deepflow.chartVersion} does not match the DeepFlow artifact ${basename(plan.artifacts.deepflow)}.`);
  }
  if (plan.storageClass.name !== plan.deepflow.storageClass) {
    throw new Error(`DeepFlow would use storage class ${plan.deepflow.storageClass}, but the install creates ${plan.storageClass.name}.`);
  }
  return [
    downloadVioletStep(plan.platform),
    pushArtifactsStep({ platform: plan.platform, credentials: plan.credentials, files: [plan.artifacts.nfs, plan.artifacts.deepflow], targetChartRepo: plan.targetChartRepo, clusters: plan.clusters }),
    nfsPluginStep(),
    storageClassStep(plan.storageClass),
    deepflowStep(plan.deepflow),
  ];
}
