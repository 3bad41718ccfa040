/**
 * DeepFlow installed on a running simulator the guide's way, by the extension's own install engine: violet
 * downloaded over the pinned platform certificate, both artifacts pushed, the NFS plugin, the StorageClass, the
 * Application and the Ingress. For suites whose subject comes after the install (Grafana, the troubleshooting
 * flows, the live view), so each does not repeat the install's prompts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor } from '../../src/acp/redact';
import { ClusterClient, loadKubeconfig, silentLogger, type Logger } from '../../src/cluster';
import { buildInstallSteps, memoryPushLedger, runInstall, type InstallPlan } from '../../src/install';
import type { StartedSimulator } from './index';

export const SIM_CHART_VERSION = 'v3.19.0-fix.49.27.gb547cdc5-dbs';

export interface InstallDeepflowOptions {
  grafanaAdminPassword: string;
  grafanaAdminUser?: string;
  logger?: Logger;
  waitMs?: number;
  /** Where the two artifacts and violet go (kept); default: a temporary folder, removed afterwards. */
  workDir?: string;
  /** The kubeconfig to install through; default: one written for the simulator's admin into the work folder. */
  kubeconfig?: string;
  /** The NFS server the storage class names (only stored by the simulator). Default 127.0.0.1. */
  nfsServer?: string;
}

const NFS_ARTIFACT = 'nfs.amd64.v4.0.2.tgz';
const DEEPFLOW_ARTIFACT = `deepflow-${SIM_CHART_VERSION}.tgz`;

/** Writes the two artifacts, named as the guide names them (the simulator checks only names); returns their paths. */
export function writeSimArtifacts(dir: string): { nfs: string; deepflow: string } {
  mkdirSync(dir, { recursive: true });
  const files = { nfs: join(dir, NFS_ARTIFACT), deepflow: join(dir, DEEPFLOW_ARTIFACT) };
  writeFileSync(files.nfs, Buffer.alloc(2048, 1));
  writeFileSync(files.deepflow, Buffer.alloc(4096, 2));
  return files;
}

/** Installs DeepFlow on `sim` and resolves once the install engine reports it ready; throws with the failed step. */
export async function installDeepflow(sim: StartedSimulator, options: InstallDeepflowOptions): Promise<void> {
  const dir = options.workDir ?? mkdtempSync(join(tmpdir(), 'deepflow-sim-install-'));
  try {
    const kubeconfig = options.kubeconfig ?? join(dir, 'kubeconfig');
    if (!options.kubeconfig) sim.writeKubeconfig(kubeconfig);
    const artifacts = writeSimArtifacts(join(dir, 'artifacts'));
    const plan: InstallPlan = {
      platform: { url: sim.info.platformUrl, trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint } },
      credentials: { kind: 'password', username: sim.info.platformUsername, password: sim.info.platformPassword },
      artifacts,
      storageClass: { name: 'nfs', server: options.nfsServer ?? '127.0.0.1', share: '/nfs' },
      deepflow: {
        chartVersion: SIM_CHART_VERSION,
        clusterName: sim.info.clusterName,
        grafanaAdminUser: options.grafanaAdminUser ?? 'admin',
        grafanaAdminPassword: options.grafanaAdminPassword,
        storageClass: 'nfs',
        mysqlSize: '50Gi',
        clickhousePathSize: '100Gi',
        clickhouseStoragePathSize: '200Gi',
      },
    };
    const redactor = new Redactor();
    redactor.register(sim.info.platformPassword);
    redactor.register(options.grafanaAdminPassword);
    const report = await runInstall(buildInstallSteps(plan), {
      client: ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig })),
      logger: options.logger ?? silentLogger,
      signal: new AbortController().signal,
      progress: () => undefined,
      confirm: () => Promise.resolve(true),
      timeouts: { waitMs: options.waitMs ?? 120_000 },
      storageDir: join(dir, 'violet'),
      pushLedger: memoryPushLedger(),
      redactor,
    });
    if (report.status !== 'completed') {
      const failed = report.steps.find((s) => s.outcome !== 'completed' && s.outcome !== 'skipped');
      throw new Error(`installing DeepFlow on the simulator ended ${report.status}: ${failed?.title ?? '?'} ${failed?.detail ?? ''}`);
    }
  } finally {
    if (!options.workDir) rmSync(dir, { recursive: true, force: true });
  }
}
