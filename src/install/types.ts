/**
 * The install as data: steps that each tell from the cluster (or the platform) whether they are done, and one
 * runner. The UI layer collects the answers (prompts), builds the steps from them, and passes in an
 * InstallContext with the callbacks it owns: progress, confirmations, the log, cancellation.
 */
import type { ClusterClient, Logger } from '../cluster';
import type { PlatformTrust } from '../acp/platformTrust';
import type { Redactor } from '../acp/redact';
import type { VerifiedViolet } from '../acp/violet';

export type InstallStepId = 'downloadViolet' | 'pushArtifacts' | 'nfsPlugin' | 'storageClass' | 'deepflow';

export interface StepState {
  done: boolean;
  /** Why: "ars/nfs Health=True", "Application deepflow has other values"... shown when a step is skipped. */
  detail: string;
}

export interface InstallStep {
  id: InstallStepId;
  title: string;
  isDone(ctx: InstallContext): Promise<StepState>;
  run(ctx: InstallContext): Promise<void>;
}

/** One successful `violet push`, as the extension remembers it (the platform offers it no read API). */
export interface PushRecord {
  /** `https://host:port` of the platform. */
  platformOrigin: string;
  /** Base name of the artifact, e.g. nfs.amd64.v4.0.2.tgz. */
  file: string;
  sizeBytes: number;
  /** The file's modification time when pushed: a rebuilt file with the same name is pushed again. */
  modifiedMs: number;
  targetChartRepo: string;
  pushedAt: string;
}

/** Where push records live; the UI keeps them in globalState, tests in memory. */
export interface PushLedger {
  list(): readonly PushRecord[];
  add(record: PushRecord): Promise<void>;
}

export function memoryPushLedger(initial: PushRecord[] = []): PushLedger {
  const records = [...initial];
  return {
    list: () => records,
    add: (record) => {
      const index = records.findIndex((r) => r.platformOrigin === record.platformOrigin && r.file === record.file && r.targetChartRepo === record.targetChartRepo);
      if (index >= 0) records.splice(index, 1);
      records.push(record);
      return Promise.resolve();
    },
  };
}

export interface InstallTimeouts {
  /** One wait (ars Health, assemblyPhase, one rollout): the `deepflow.timeouts.waitSeconds` setting, in ms. */
  waitMs: number;
}

/** What a run needs from its caller. Nothing here is a prompt: decisions come back through callbacks. */
export interface InstallContext {
  client: ClusterClient;
  logger: Logger;
  signal: AbortSignal;
  /** Short progress text ("waiting for application deepflow: Pending"), e.g. for a progress notification. */
  progress: (message: string) => void;
  /** A yes/no decision, e.g. updating the Application's values after showing the diff. */
  confirm: (question: string, detail: string) => Promise<boolean>;
  timeouts: InstallTimeouts;
  /** Where violet is kept (the extension's global storage). */
  storageDir: string;
  pushLedger: PushLedger;
  /** Masks every secret the run knows; the UI registers the passwords and tokens it collected. */
  redactor: Redactor;
  /** Resolved as steps run: the checked violet once downloadViolet ran or was skipped. */
  violet?: VerifiedViolet;
}

/** What the platform steps need. */
export interface PlatformPlan {
  url: string;
  trust: PlatformTrust;
}

/** The user said no to a confirmation; the run stops there without changing anything more. */
export class InstallDeclinedError extends Error {
  override readonly name = 'InstallDeclinedError';
}
