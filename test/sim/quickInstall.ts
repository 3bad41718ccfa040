/**
 * DeepFlow installed the quick way, for tests and benchmarks that need a ready Grafana rather than the install
 * itself: the chart pushed over violet's endpoint, the Application and the Grafana Ingress put into the store,
 * then a wait for the Grafana Deployment.
 */
import { request } from 'node:https';
import { grafanaRootPath } from '../../src/acp/deepflowValues';
import { buildGrafanaIngress } from '../../src/acp/manifests';
import type { KubeObject } from './contract';
import type { StartedSimulator } from './index';

export interface QuickInstallOptions {
  grafanaPassword: string;
  grafanaUser?: string;
  timeoutMs?: number;
}

/** Grafana's sub-path on the platform for the simulator's cluster. */
export function grafanaSubPath(sim: StartedSimulator): string {
  return grafanaRootPath(sim.info.clusterName);
}

/** Ingress deepflow-grafana exactly as the install creates it. */
export function grafanaIngress(sim: StartedSimulator): KubeObject {
  return buildGrafanaIngress(sim.info.clusterName) as KubeObject;
}

function pushChart(sim: StartedSimulator, file: string): Promise<void> {
  const auth = Buffer.from(`${sim.info.platformUsername}:${sim.info.platformPassword}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request(`${sim.info.platformUrl}/sim/violet/push?file=${encodeURIComponent(file)}`, { method: 'POST', ca: sim.platformCaPem, headers: { authorization: `Basic ${auth}` } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`the chart push answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end('chart');
  });
}

function grafanaReady(sim: StartedSimulator): boolean {
  const status = sim.api.store.get('apps/v1', 'Deployment', 'cpaas-system', 'deepflow-grafana')?.status as { readyReplicas?: number } | undefined;
  return status?.readyReplicas === 1;
}

export async function quickInstallDeepflow(sim: StartedSimulator, options: QuickInstallOptions): Promise<void> {
  await pushChart(sim, 'deepflow-v1.0.0.tgz');
  const values = {
    global: { storageClass: 'nfs' },
    grafana: { adminUser: options.grafanaUser ?? 'admin', adminPassword: options.grafanaPassword, 'grafana.ini': { server: { root_url: `%(protocol)s://%(domain)s${grafanaSubPath(sim)}`, serve_from_sub_path: true } } },
    mysql: { storageConfig: { persistence: { size: '20Gi' } } },
  };
  sim.api.store.put({
    apiVersion: 'app.k8s.io/v1beta1',
    kind: 'Application',
    metadata: {
      name: 'deepflow',
      namespace: 'cpaas-system',
      annotations: { 'app.cpaas.io/chart.source': 'public-charts/deepflow-plugin', 'app.cpaas.io/chart.version': 'v1.0.0', 'app.cpaas.io/chart.values': JSON.stringify(values) },
    },
    spec: {},
  });
  sim.api.store.put(grafanaIngress(sim));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!grafanaReady(sim)) {
    if (Date.now() > deadline) throw new Error('the simulated Grafana did not become ready');
    await new Promise((r) => setTimeout(r, 25));
  }
}
