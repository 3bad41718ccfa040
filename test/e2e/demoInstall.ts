// `npm start -- --with-deepflow`: DeepFlow installed on the simulator before the workbench opens, so the first look
// is a green Components view and a Grafana that answers. It runs the extension's own install engine (the guided
// install's five steps, as the guide orders them) against the simulator's real paths: violet downloaded over
// verified TLS (the platform's certificate pinned), both artifacts pushed by violet, the NFS plugin, the storage
// class, the Application and the Ingress, each waited for as in the editor. No second installer to keep in step.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../../src/cluster';
import type { StartedSimulator } from '../sim/index';
import { installDeepflow, SIM_CHART_VERSION } from '../sim/installDeepflow';

export const demoChartVersion = SIM_CHART_VERSION;

export interface DemoInstall {
  grafanaUrl: string;
  grafanaUser: string;
  /** Generated for this run: the chart's default password is refused by the guided install, so the demo does not use it either. */
  grafanaPassword: string;
  /** The dummy artifacts, kept for trying the install commands by hand. */
  artifactsDir: string;
}

/** Installs DeepFlow on `sim` through `kubeconfig`; `dir` keeps the artifacts and violet. Throws with the failing step. */
export async function installDemoDeepflow(sim: StartedSimulator, kubeconfig: string, dir: string, logger: Logger): Promise<DemoInstall> {
  const grafanaPassword = `Demo-${randomBytes(9).toString('base64url')}`;
  // The NFS server is only stored by the simulator, never contacted: the guide's own example value.
  await installDeepflow(sim, { grafanaAdminPassword: grafanaPassword, workDir: dir, kubeconfig, nfsServer: '10.100.0.4', logger });
  return { grafanaUrl: `${sim.info.platformUrl}/clusters/${sim.info.clusterName}/deepflow/`, grafanaUser: 'admin', grafanaPassword, artifactsDir: join(dir, 'artifacts') };
}
