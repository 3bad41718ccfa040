// Installs DeepFlow on the simulator the way the guide does: download the violet stand-in from the platform, push
// the two artifacts with it, then server-side apply the objects the guide applies (builders in src/acp/manifests.ts)
// and wait until the status the extension shows says everything is ready.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readDeepflowStatus, type DeepflowStatus, type ObjectReader } from '../../src/acp/deepflowStatus';
import { defaultDeepflowSizes } from '../../src/acp/deepflowValues';
import { buildDeepflowApplication, buildGrafanaIngress, buildNfsPluginInstance, buildNfsStorageClass } from '../../src/acp/manifests';
import { ClusterClient, loadKubeconfig } from '../../src/cluster';
import type { SimulatorInfo } from '../../test/sim/contract';
import { run, sleep } from './util';

export const CHART_VERSION = 'v3.19.0-fix.49.27.gb547cdc5-dbs';
const ARTIFACTS = ['nfs.amd64.v4.0.2.tgz', `deepflow-${CHART_VERSION}.tgz`];

/** Downloads over the platform's self-signed HTTPS, pinned to the fingerprint the simulator reports. */
function download(url: string, fingerprint: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = get(url, { rejectUnauthorized: false }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      if (peer.fingerprint256 !== fingerprint) {
        res.destroy();
        reject(new Error(`${url}: certificate ${peer.fingerprint256} is not the simulator's ${fingerprint}`));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

export function clientFor(kubeconfig: string): ClusterClient {
  return ClusterClient.forContext(loadKubeconfig({ settingValue: kubeconfig }), '', { requestTimeoutMs: 60_000 });
}

export function readerFor(client: () => ClusterClient): ObjectReader {
  // The same reader src/services.ts builds over ClusterConnection.currentClient().
  return {
    get: (apiVersion, kind, name, namespace) => client().find({ apiVersion, kind, name, namespace }),
    list: async (apiVersion, kind, namespace, labelSelector) => (await client().list({ apiVersion, kind, namespace }, { labelSelector })).items,
  };
}

export function allReady(status: DeepflowStatus): boolean {
  return [...status.prerequisites, ...status.components].every((s) => s.readiness === 'ready');
}

export async function installDeepflow(info: SimulatorInfo, kubeconfig: string, workDir: string, timeoutMs = 120_000): Promise<DeepflowStatus> {
  mkdirSync(workDir, { recursive: true });
  const violet = join(workDir, 'violet');
  writeFileSync(violet, await download(`${info.platformUrl}/platform/tools/download/violet/violet_linux_amd64`, info.platformFingerprint));
  chmodSync(violet, 0o755);
  for (const name of ARTIFACTS) {
    const file = join(workDir, name);
    writeFileSync(file, gzipSync(Buffer.from(`simulated artifact ${name}\n`)));
    const args = [violet, 'push', '--platform-address', info.platformUrl, '--platform-username', info.platformUsername, '--platform-password', info.platformPassword, file];
    const result = await run(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: '' }, timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`violet push ${name} failed (${result.code}):\n${result.stdout}${result.stderr}`);
  }

  const client = clientFor(kubeconfig);
  const objects = [
    buildNfsPluginInstance(),
    buildNfsStorageClass({ name: 'nfs', server: '127.0.0.1', share: '/nfs' }),
    buildDeepflowApplication({
      chartVersion: CHART_VERSION,
      clusterName: info.clusterName,
      grafanaAdminUser: 'admin',
      grafanaAdminPassword: 'deepflow',
      storageClass: 'nfs',
      ...defaultDeepflowSizes,
    }),
    buildGrafanaIngress(info.clusterName),
  ];
  for (const obj of objects) await client.apply(obj, { force: true });

  const reader = readerFor(() => client);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await readDeepflowStatus(reader);
    if (allReady(status)) return status;
    if (Date.now() > deadline) {
      const pending = [...status.prerequisites, ...status.components].filter((s) => s.readiness !== 'ready').map((s) => `${s.spec.name}: ${s.detail}`);
      throw new Error(`DeepFlow was not ready after ${timeoutMs / 1000} s: ${pending.join('; ')}`);
    }
    await sleep(500);
  }
}
