// `npm start -- --with-deepflow`: DeepFlow installed on the simulator before the workbench opens, so the first look
// is a green Components view and a Grafana that answers. It runs the extension's own install engine (the guided
// install's five steps, as the guide orders them) against the simulator's real paths: violet downloaded over
// verified TLS (the platform's certificate pinned), both artifacts pushed by violet, the NFS plugin, the storage
// class, the Application and the Ingress, each waited for as in the editor. No second installer to keep in step.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDeepflowSizes } from '../../src/acp/deepflowValues';
import { Redactor } from '../../src/acp/redact';
import { ClusterClient, loadKubeconfig, type Logger } from '../../src/cluster';
import { buildInstallSteps, memoryPushLedger, runInstall, type InstallPlan } from '../../src/install';
import type { StartedSimulator } from '../sim/index';

/** The guide's example artifacts; the simulator only checks their names (and that violet pushed them). */
export const demoChartVersion = 'v3.19.0-fix.49.27.gb547cdc5-dbs';
const nfsArtifact = 'nfs.amd64.v4.0.2.tgz';
const deepflowArtifact = `deepflow-${demoChartVersion}.tgz`;

export interface DemoInstall {
  grafanaUrl: string;
  grafanaUser: string;
  /** Generated for this run: the chart's default password is refused by the guided install, so the demo does not use it either. */
  grafanaPassword: string;
  /** The dummy artifacts, kept for trying the install commands by hand. */
  artifactsDir: string;
}

/** Writes the two artifacts, named as the guide names them, into `artifactsDir`; returns their paths. */
export function writeDemoArtifacts(artifactsDir: string): { nfs: string; deepflow: string } {
  mkdirSync(artifactsDir, { recursive: true });
  const files = { nfs: join(artifactsDir, nfsArtifact), deepflow: join(artifactsDir, deepflowArtifact) };
  writeFileSync(files.nfs, Buffer.alloc(2048, 1));
  writeFileSync(files.deepflow, Buffer.alloc(4096, 2));
  return files;
}

/** Installs DeepFlow on `sim` through `kubeconfig`; `dir` receives the artifacts and violet. Throws with the failing step. */
export async function installDemoDeepflow(sim: StartedSimulator, kubeconfig: string, dir: string, logger: Logger): Promise<DemoInstall> {
  const artifactsDir = join(dir, 'artifacts');
  const artifacts = writeDemoArtifacts(artifactsDir);
  const grafanaPassword = `Demo-${randomBytes(9).toString('base64url')}`;
  const plan: InstallPlan = {
    platform: { url: sim.info.platformUrl, trust: { kind: 'pinned', fingerprint: sim.info.platformFingerprint } },
    credentials: { kind: 'password', username: sim.info.platformUsername, password: sim.info.platformPassword },
    artifacts,
    // Only stored by the simulator, never contacted; the guide's own example values.
    storageClass: { name: 'nfs', server: '10.100.0.4', share: '/nfs' },
    deepflow: { chartVersion: demoChartVersion, clusterName: sim.info.clusterName, grafanaAdminUser: 'admin', grafanaAdminPassword: grafanaPassword, storageClass: 'nfs', ...defaultDeepflowSizes },
  };
  const redactor = new Redactor();
  redactor.register(sim.info.platformPassword);
  redactor.register(grafanaPassword);
  const client = ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }));
  const report = await runInstall(buildInstallSteps(plan), {
    client,
    logger,
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: () => Promise.resolve(false), // a fresh cluster never asks; if it did, keeping what is there is right
    timeouts: { waitMs: 120_000 },
    storageDir: join(dir, 'violet'),
    pushLedger: memoryPushLedger(),
    redactor,
  });
  // A failing step throws InstallStepError naming it; anything else but completed means a confirmation was asked.
  if (report.status !== 'completed') throw new Error(`installing DeepFlow on the simulator ended ${report.status}: ${report.steps.map((s) => `${s.title} ${s.outcome}`).join(', ')}`);
  return { grafanaUrl: `${sim.info.platformUrl}/clusters/${sim.info.clusterName}/deepflow/`, grafanaUser: 'admin', grafanaPassword, artifactsDir };
}
