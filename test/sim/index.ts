/**
 * Composes the ACP simulator: a CA and API server certificate, tokens, the fault switches, the API server, the ACP
 * controllers, the platform (violet, Grafana behind the ingress path, the querier via the service proxy) and the
 * admin endpoint. `startSimulator()` is what tests and `npm start` / `npm run sim` use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { startAdmin } from './admin';
import { startApiServer } from './apiServer';
import type { Faults, KubeObject, Simulator, SimulatorInfo, SimulatorOptions, TokenGrant, VioletPush } from './contract';
import { ApplicationController } from './controllers/application';
import { ClusterTransformer } from './controllers/clusterTransformer';
import { Scheduler } from './controllers/runtime';
import { WorkloadController } from './controllers/workloads';
import { createCertificateAuthority, issueCertificate } from './pki';
import { registerQuerier } from './platform/querier';
import { PushRegistry } from './platform/pushes';
import { startPlatform, type PlatformAccount } from './platform/server';

export type { Simulator, SimulatorInfo, SimulatorOptions, VioletPush } from './contract';

export interface StartOptions extends SimulatorOptions {
  /** The first N nodes run a CentOS 7 kernel (3.10) for eBPF preflight tests. Default 0. */
  oldKernelNodes?: number;
  adminPort?: number;
  /** Platform password for admin@cpaas.io (and viewer@cpaas.io). Default: random. */
  platformPassword?: string;
}

/** The Simulator plus a few simulator-only handles tests find useful. */
export interface StartedSimulator extends Simulator {
  /** An API token of admin@cpaas.io for `violet --platform-token`. */
  readonly platformToken: string;
  /** A platform account without the platform-admin-system role (violet push must refuse it). */
  readonly viewerUsername: string;
  /** PEM of the platform's own CA (trust it, or pin info.platformFingerprint). */
  readonly platformCaPem: string;
  /** Change the node count and how many of the first nodes run an old (3.10) kernel. */
  setNodeCount(n: number, oldKernelNodes?: number): void;
  nodeCount(): number;
}

export const MODERN_KERNEL = '5.15.0-91-generic';
export const OLD_KERNEL = '3.10.0-1160.el7.x86_64';
const MAX_NODES = 5000;

/** 32 hex digits derived from a seed: stable IDs for the same node across runs, as a machine keeps its own. */
function hexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

function uuidOf(seed: string): string {
  const h = hexId(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function nodeObject(index: number, oldKernel: boolean): KubeObject {
  const name = `node-${index}`;
  const ip = `10.0.${Math.floor((index - 1) / 250)}.${((index - 1) % 250) + 2}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(index === 1 ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    spec: { podCIDR: `10.244.${index % 256}.0/24` },
    status: {
      capacity: { cpu: '8', memory: '32863084Ki', pods: '110' },
      allocatable: { cpu: '8', memory: '32760684Ki', pods: '110' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID' },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      // Every field a real kubelet reports: strict generated clients refuse a NodeSystemInfo without them.
      nodeInfo: {
        machineID: hexId(`machine-${index}`),
        systemUUID: uuidOf(`system-${index}`),
        bootID: uuidOf(`boot-${index}`),
        kernelVersion: oldKernel ? OLD_KERNEL : MODERN_KERNEL,
        osImage: oldKernel ? 'CentOS Linux 7 (Core)' : 'Ubuntu 22.04.4 LTS',
        containerRuntimeVersion: 'containerd://1.7.13',
        kubeletVersion: 'v1.28.8',
        kubeProxyVersion: 'v1.28.8',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export async function startSimulator(options: StartOptions = {}): Promise<StartedSimulator> {
  const clusterName = options.clusterName ?? 'cluster1';
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale >= 0)) throw new Error('timeScale must be >= 0');
  const faults: Faults = { slowApiMs: 0, apiDown: false, errors500: false, dropWatchesAfterMs: 0, watchGone: false, crashLoop: '' };

  const ca = createCertificateAuthority('deepflow-acp-simulator-ca');
  const serverCert = issueCertificate(ca, { commonName: 'kube-apiserver', hosts: ['127.0.0.1', 'localhost', 'kubernetes', 'kubernetes.default'] });
  const adminToken = randomBytes(24).toString('hex');
  const tokens = new Map<string, TokenGrant>([[adminToken, { user: 'kubernetes-admin', admin: true }]]);

  const api = await startApiServer({ port: options.apiPort, tls: { cert: serverCert.certPem, key: serverCert.keyPem }, tokens, faults });
  const store = api.store;
  const stoppers: (() => Promise<void> | void)[] = [() => api.close()];
  try {
    // Cluster furniture the guide assumes: namespaces (the API server makes the usual ones), nodes, the ingress class.
    for (const ns of ['default', 'kube-system', 'kube-public', 'cpaas-system']) {
      if (!store.get('v1', 'Namespace', undefined, ns)) store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, status: { phase: 'Active' } });
    }
    store.put({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'cpaas-system', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'false' } },
      spec: { controller: 'k8s.io/ingress-nginx' },
    });

    let nodes = 0;
    let oldKernelNodes = 0;
    const setNodeCount = (n: number, oldKernel?: number): void => {
      if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) throw new Error(`node count must be an integer from 1 to ${MAX_NODES}`);
      if (oldKernel !== undefined) oldKernelNodes = oldKernel;
      for (let i = 1; i <= n; i++) {
        const wantOld = i <= oldKernelNodes;
        const existing = i <= nodes ? store.get('v1', 'Node', undefined, `node-${i}`) : undefined;
        const kernel = (existing?.status as { nodeInfo?: { kernelVersion?: string } } | undefined)?.nodeInfo?.kernelVersion;
        if (!existing || kernel !== (wantOld ? OLD_KERNEL : MODERN_KERNEL)) store.put(nodeObject(i, wantOld));
      }
      for (let i = n + 1; i <= nodes; i++) store.delete('v1', 'Node', undefined, `node-${i}`);
      nodes = n;
    };
    setNodeCount(options.nodes ?? 3, options.oldKernelNodes ?? 0);

    const scheduler = new Scheduler(timeScale);
    stoppers.push(() => scheduler.stop());
    const pushes = new PushRegistry();
    const workloads = new WorkloadController(store, scheduler, faults);
    const transformer = new ClusterTransformer(store, scheduler, pushes);
    const applications = new ApplicationController(store, scheduler, pushes);
    for (const c of [workloads, transformer, applications]) {
      c.start();
      stoppers.push(() => c.stop());
    }
    registerQuerier(api, store);

    const platformPassword = options.platformPassword ?? `Sim-${randomBytes(4).toString('hex')}@1`;
    const platformToken = randomBytes(20).toString('hex');
    const accounts = new Map<string, PlatformAccount>([
      ['admin@cpaas.io', { password: platformPassword, roles: ['platform-admin-system'] }],
      ['viewer@cpaas.io', { password: platformPassword, roles: ['project-viewer'] }],
    ]);
    const platform = await startPlatform({ port: options.platformPort, store, pushes, clusterName, accounts, tokens: new Map([[platformToken, 'admin@cpaas.io']]) });
    stoppers.push(() => platform.close());

    const infoBase = {
      apiUrl: api.url,
      platformUrl: platform.url,
      platformUsername: 'admin@cpaas.io',
      platformPassword,
      clusterName,
      platformFingerprint: platform.fingerprint,
    };
    const admin = await startAdmin(
      {
        info: () => ({ ...infoBase, adminUrl: admin.url, viewerUsername: 'viewer@cpaas.io', platformToken, nodes, timeScale }),
        faults,
        pushes: () => pushes.list(),
        requestCount: () => api.requestCount(),
        resetRequestCount: () => api.resetRequestCount(),
        setNodeCount,
        nodeCount: () => nodes,
      },
      options.adminPort,
    );
    stoppers.push(() => admin.close());
    const info: SimulatorInfo = { ...infoBase, adminUrl: admin.url };

    let stopped: Promise<void> | undefined;
    return {
      info,
      api,
      faults,
      caPem: ca.certPem,
      adminToken,
      platformToken,
      viewerUsername: 'viewer@cpaas.io',
      platformCaPem: platform.caPem,
      addToken(grant: TokenGrant): string {
        const token = randomBytes(24).toString('hex');
        tokens.set(token, grant);
        return token;
      },
      writeKubeconfig(file: string, token = adminToken): void {
        const config = {
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: clusterName, cluster: { server: api.url, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
          users: [{ name: `${clusterName}-user`, user: { token } }],
          contexts: [{ name: clusterName, context: { cluster: clusterName, user: `${clusterName}-user` } }],
          'current-context': clusterName,
          preferences: {},
        };
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, stringify(config), { mode: 0o600 });
      },
      pushes: (): VioletPush[] => pushes.list(),
      setNodeCount,
      nodeCount: () => nodes,
      stop(): Promise<void> {
        stopped ??= (async () => {
          // Reverse order: the admin and platform first, the API server last.
          for (const s of [...stoppers].reverse()) await s();
        })();
        return stopped;
      },
    };
  } catch (err) {
    for (const s of [...stoppers].reverse()) await s();
    throw err;
  }
}
