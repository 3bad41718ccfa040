// The ACP simulator for the e2e suites, with a kubeconfig written under a temp folder. DEEPFLOW_E2E_KUBECONFIG
// points the suites at an existing kubeconfig instead (a real cluster, or a simulator started by hand).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Simulator, SimulatorInfo } from '../sim/contract';
import { startSimulator } from '../sim/index';

export interface E2eCluster {
  readonly kubeconfig: string;
  readonly info?: SimulatorInfo;
  readonly sim?: Simulator;
  stop(): Promise<void>;
}

export async function startE2eCluster(): Promise<E2eCluster> {
  const external = process.env.DEEPFLOW_E2E_KUBECONFIG;
  if (external) return { kubeconfig: external, stop: () => Promise.resolve() };
  const sim = await startSimulator({ timeScale: 0.1 });
  const dir = mkdtempSync(join(tmpdir(), 'deepflow-e2e-sim-'));
  const kubeconfig = join(dir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig);
  return {
    kubeconfig,
    info: sim.info,
    sim,
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
