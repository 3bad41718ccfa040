/**
 * ACP's Helm-chart Application controller for the DeepFlow chart (`public-charts/deepflow-plugin`). It reads the
 * chart source, version and values from the Application's annotations, renders the chart's objects (six
 * workloads, Services, PVCs, Grafana's Secret and ConfigMap), and drives `spec.assemblyPhase`:
 * Pending while installing, Succeeded once every workload is ready, Failed (with a status message) when the chart
 * version was never pushed or the annotations are wrong. Like ACP, it reverts direct edits of the objects it manages.
 */
import type { KubeObject, ObjectStore } from '../contract';
import type { PushRegistry } from '../platform/pushes';
import { Scheduler, WorkQueue, clone, key, nowIso, ownerRef, putStatusIfChanged, record, shortHash, splitKey, str } from './runtime';
import { workloadReady } from './workloads';

export const APP_API = 'app.k8s.io/v1beta1';
export const CHART_SOURCE = 'public-charts/deepflow-plugin';
const ANNOTATION_SOURCE = 'app.cpaas.io/chart.source';
const ANNOTATION_VERSION = 'app.cpaas.io/chart.version';
const ANNOTATION_VALUES = 'app.cpaas.io/chart.values';
/** Marks what this controller rendered, so edits by anyone else can be reverted. */
const MANAGED_LABEL = 'app.kubernetes.io/managed-by';

export const DEEPFLOW_WORKLOADS: { name: string; kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' }[] = [
  { name: 'deepflow-server', kind: 'Deployment' },
  { name: 'deepflow-app', kind: 'Deployment' },
  { name: 'deepflow-mysql', kind: 'Deployment' },
  { name: 'deepflow-grafana', kind: 'Deployment' },
  { name: 'deepflow-clickhouse', kind: 'StatefulSet' },
  { name: 'deepflow-agent', kind: 'DaemonSet' },
];

/** The parts of the chart values that the simulated chart renders. */
export interface RenderedValues {
  storageClass: string;
  mysqlSize: string;
  clickhouse: { name: string; size: string; storageClass: string; accessModes: string[] }[];
  grafanaUser: string;
  grafanaPassword: string;
  grafanaRootUrl: string;
  grafanaServeFromSubPath: boolean;
  clusterName: string;
  serverServiceType: string;
  grafanaServiceType: string;
}

/** Chart defaults (upstream deepflow chart values, test/sim/data/deepflow/chart). */
export function renderValues(values: Record<string, unknown>): RenderedValues {
  const global = record(values.global);
  const storageClass = str(global.storageClass) ?? '';
  const resolveSc = (sc: string | undefined): string => (sc === undefined || sc.includes('.Values.global.storageClass') ? storageClass : sc);
  const mysqlPersistence = record(record(record(values.mysql).storageConfig).persistence);
  const ckPersistence = record(record(values.clickhouse).storageConfig).persistence;
  const ckDefaults = [
    { name: 'clickhouse-path', size: '100Gi' },
    { name: 'clickhouse-storage-path', size: '200Gi' },
  ];
  const entries: Record<string, unknown>[] = Array.isArray(ckPersistence) ? ckPersistence.map(record) : ckDefaults;
  const clickhouse = entries.map((p, i) => ({
    name: str(p.name) ?? ckDefaults[i]?.name ?? `clickhouse-${i}`,
    // An empty size (the guide's ${MYSQL_STORAGE_SIZE} bug) falls back to the chart default, as Helm's `default` does.
    size: str(p.size) || (ckDefaults[i]?.size ?? '100Gi'),
    storageClass: resolveSc(str(p.storageClass)),
    accessModes: Array.isArray(p.accessModes) ? p.accessModes.filter((m): m is string => typeof m === 'string') : ['ReadWriteOnce'],
  }));
  const grafana = record(values.grafana);
  const server = record(record(grafana['grafana.ini']).server);
  return {
    storageClass,
    mysqlSize: str(mysqlPersistence.size) || '50Gi',
    clickhouse,
    grafanaUser: str(grafana.adminUser) || 'admin',
    grafanaPassword: str(grafana.adminPassword) || 'deepflow',
    grafanaRootUrl: str(server.root_url) ?? '%(protocol)s://%(domain)s:%(http_port)s/',
    grafanaServeFromSubPath: server.serve_from_sub_path === true || server.serve_from_sub_path === 'true',
    clusterName: str(record(values['deepflow-agent']).clusterNAME) ?? '',
    serverServiceType: str(record(record(values.server).service).type) ?? 'NodePort',
    grafanaServiceType: str(record(grafana.service).type) ?? 'NodePort',
  };
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

export class ApplicationController {
  private readonly queue: WorkQueue;
  /** generation of each object right after this controller wrote it; anything newer is someone else's edit. */
  private readonly written = new Map<string, number>();
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly store: ObjectStore,
    scheduler: Scheduler,
    private readonly pushes: PushRegistry,
  ) {
    this.queue = new WorkQueue(scheduler, (k) => this.reconcile(k));
  }

  start(): void {
    this.unsubscribe.push(
      this.store.onChange((type, obj) => this.onChange(type, obj)),
      this.pushes.onPush(() => this.requeueAll()),
    );
    this.requeueAll();
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }

  private requeueAll(): void {
    for (const app of this.store.list(APP_API, 'Application')) this.queue.add(key(app.metadata.namespace, app.metadata.name));
  }

  private onChange(type: string, obj: KubeObject): void {
    if (obj.apiVersion === APP_API && obj.kind === 'Application') {
      if (type !== 'DELETED') this.queue.add(key(obj.metadata.namespace, obj.metadata.name));
      return;
    }
    if (obj.kind === 'StorageClass') {
      this.requeueAll();
      return;
    }
    const owner = (obj.metadata.ownerReferences ?? []).find((r) => r.kind === 'Application' && r.apiVersion === APP_API);
    if (owner) this.queue.add(key(obj.metadata.namespace, owner.name));
  }

  private reconcile(k: string): void {
    const { namespace, name } = splitKey(k);
    const app = this.store.get(APP_API, 'Application', namespace, name);
    if (!app || app.metadata.deletionTimestamp) return;
    const annotations = app.metadata.annotations ?? {};
    const source = annotations[ANNOTATION_SOURCE] ?? '';
    const version = annotations[ANNOTATION_VERSION] ?? '';
    if (source !== CHART_SOURCE) {
      this.setPhase(app, 'Failed', `chart source "${source}" is not available: expected ${CHART_SOURCE}`);
      return;
    }
    if (version === '') {
      this.setPhase(app, 'Failed', `annotation ${ANNOTATION_VERSION} is missing`);
      return;
    }
    let values: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(annotations[ANNOTATION_VALUES] ?? '{}');
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('values must be a JSON object');
      values = parsed as Record<string, unknown>;
    } catch (err) {
      this.setPhase(app, 'Failed', `annotation ${ANNOTATION_VALUES} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const chartFile = `deepflow-${version}.tgz`;
    if (!this.pushes.has((f) => f === chartFile)) {
      this.setPhase(app, 'Failed', `chart ${CHART_SOURCE} version ${version} not found in chart repository public-charts: push ${chartFile} with violet first`);
      return;
    }
    const rendered = renderValues(values);
    for (const obj of this.render(app, rendered)) this.apply(obj);
    const ready = DEEPFLOW_WORKLOADS.every((w) => workloadReady(this.store.get('apps/v1', w.kind, app.metadata.namespace, w.name)));
    this.setPhase(app, ready ? 'Succeeded' : 'Pending', ready ? 'all components are ready' : 'installing: waiting for components to become ready');
  }

  /** Create or restore one rendered object; an object that nobody changed since our last write is left alone. */
  private apply(desired: KubeObject): void {
    const k = `${desired.apiVersion}|${desired.kind}|${key(desired.metadata.namespace, desired.metadata.name)}`;
    const existing = this.store.get(desired.apiVersion, desired.kind, desired.metadata.namespace, desired.metadata.name);
    if (existing) {
      const desiredHash = desired.metadata.annotations?.['sim.deepflow.io/rendered'];
      const untouched = existing.metadata.annotations?.['sim.deepflow.io/rendered'] === desiredHash && this.written.get(k) === existing.metadata.generation;
      if (untouched) return;
      // The PVCs are immutable after binding; keep what exists (a real chart upgrade cannot shrink them either).
      if (desired.kind === 'PersistentVolumeClaim') {
        // ...but a claim binds once its storage class appears.
        if (record(existing.status).phase !== record(desired.status).phase) putStatusIfChanged(this.store, existing, desired.status);
        return;
      }
      desired.status = existing.status;
      desired.metadata.uid = existing.metadata.uid;
      desired.metadata.creationTimestamp = existing.metadata.creationTimestamp;
    }
    const stored = this.store.put(desired);
    this.written.set(k, stored.metadata.generation ?? 1);
  }

  private setPhase(app: KubeObject, phase: 'Pending' | 'Succeeded' | 'Failed', message: string): void {
    const fresh = this.store.get(APP_API, 'Application', app.metadata.namespace, app.metadata.name);
    if (!fresh) return;
    if (record(fresh.spec).assemblyPhase !== phase) {
      const next = clone(fresh);
      next.spec = { ...record(next.spec), assemblyPhase: phase };
      this.store.put(next);
    }
    const after = this.store.get(APP_API, 'Application', app.metadata.namespace, app.metadata.name);
    if (!after) return;
    const previous = record(after.status);
    if (previous.message === message && record(previous).phase === phase) return;
    putStatusIfChanged(this.store, after, {
      phase,
      message,
      conditions: [{ type: 'Ready', status: phase === 'Succeeded' ? 'True' : 'False', reason: phase, message, lastTransitionTime: nowIso() }],
    });
  }

  /** The chart's objects for these values. */
  render(app: KubeObject, v: RenderedValues): KubeObject[] {
    const ns = app.metadata.namespace ?? 'cpaas-system';
    const owner = ownerRef(app);
    const labels = (component: string): Record<string, string> => ({
      app: 'deepflow',
      component,
      'app.kubernetes.io/instance': app.metadata.name,
      [MANAGED_LABEL]: 'Helm',
    });
    const meta = (name: string, component: string, extra: Record<string, string> = {}, owned = true): KubeObject['metadata'] => ({
      name,
      namespace: ns,
      labels: labels(component),
      annotations: { 'meta.helm.sh/release-name': app.metadata.name, 'meta.helm.sh/release-namespace': ns, ...extra },
      ...(owned ? { ownerReferences: [owner] } : {}),
    });
    const podTemplate = (component: string, containers: Record<string, unknown>[], extraSpec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): Record<string, unknown> => ({
      metadata: { labels: { app: 'deepflow', component }, annotations },
      spec: { containers, ...extraSpec },
    });
    const container = (name: string, ports: number[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      name,
      image: `registry.alauda.cn:60080/deepflow/${name}:v6.6`,
      ports: ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
      ...extra,
    });
    const deployment = (name: string, component: string, containers: Record<string, unknown>[], extraSpec: Record<string, unknown> = {}, podAnnotations: Record<string, string> = {}): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name, component),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'deepflow', component } },
        strategy: { type: name === 'deepflow-mysql' ? 'Recreate' : 'RollingUpdate' },
        template: podTemplate(component, containers, extraSpec, podAnnotations),
      },
    });
    const service = (name: string, component: string, type: string, ports: { name: string; port: number; targetPort: number }[]): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(name, component),
      spec: { type, selector: { app: 'deepflow', component }, ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) },
    });
    const grafanaIni = `[server]\nroot_url = ${v.grafanaRootUrl}\nserve_from_sub_path = ${String(v.grafanaServeFromSubPath)}\n[security]\nallow_embedding = false\n`;
    const secretData = { 'admin-user': b64(v.grafanaUser), 'admin-password': b64(v.grafanaPassword) };
    const ckStatefulSetName = 'deepflow-clickhouse';

    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Secret', metadata: meta('deepflow-grafana', 'deepflow-grafana'), type: 'Opaque', data: secretData },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('deepflow-grafana', 'deepflow-grafana'), data: { 'grafana.ini': grafanaIni } },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        // The chart marks MySQL's claim `helm.sh/resource-policy: keep` and gives it no owner, so uninstall keeps the data.
        metadata: meta('deepflow-mysql', 'deepflow-mysql', { 'helm.sh/resource-policy': 'keep' }, false),
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: v.storageClass, resources: { requests: { storage: v.mysqlSize } } },
      },
      ...v.clickhouse.map((p) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta(`${p.name}-${ckStatefulSetName}-0`, ckStatefulSetName),
        spec: { accessModes: p.accessModes, storageClassName: p.storageClass, resources: { requests: { storage: p.size } } },
      })),
      deployment('deepflow-server', 'deepflow-server', [container('deepflow-server', [20416, 20417, 20035, 20033, 30417])]),
      deployment('deepflow-app', 'deepflow-app', [container('deepflow-app', [20418])]),
      deployment('deepflow-mysql', 'deepflow-mysql', [container('mysql', [30130])], { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'deepflow-mysql' } }] }),
      deployment(
        'deepflow-grafana',
        'deepflow-grafana',
        [container('grafana', [3000], { env: [{ name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'deepflow-grafana', key: 'admin-user' } } }] })],
        {},
        // As the Grafana chart does: a changed password or grafana.ini rolls the pods.
        { 'checksum/secret': shortHash(secretData, 16), 'checksum/config': shortHash(grafanaIni, 16) },
      ),
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta(ckStatefulSetName, ckStatefulSetName),
        spec: {
          replicas: 1,
          serviceName: ckStatefulSetName,
          selector: { matchLabels: { app: 'deepflow', component: ckStatefulSetName } },
          updateStrategy: { type: 'RollingUpdate' },
          template: podTemplate(ckStatefulSetName, [container('clickhouse', [9000, 8123])]),
          volumeClaimTemplates: v.clickhouse.map((p) => ({
            metadata: { name: p.name },
            spec: { accessModes: p.accessModes, storageClassName: p.storageClass, resources: { requests: { storage: p.size } } },
          })),
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta('deepflow-agent', 'deepflow-agent'),
        spec: {
          selector: { matchLabels: { app: 'deepflow', component: 'deepflow-agent' } },
          updateStrategy: { type: 'RollingUpdate' },
          template: podTemplate(
            'deepflow-agent',
            [
              container('deepflow-agent', [], {
                env: [{ name: 'K8S_CLUSTER_NAME', value: v.clusterName }],
                securityContext: { privileged: false, capabilities: { add: ['SYS_ADMIN', 'SYS_RESOURCE', 'SYS_PTRACE', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'SYSLOG'] } },
                volumeMounts: [{ name: 'sys-kernel-debug', mountPath: '/sys/kernel/debug', readOnly: true }],
              }),
            ],
            { hostPID: true, hostNetwork: false, volumes: [{ name: 'sys-kernel-debug', hostPath: { path: '/sys/kernel/debug' } }] },
          ),
        },
      },
      service('deepflow-server', 'deepflow-server', v.serverServiceType, [
        { name: 'querier', port: 20416, targetPort: 20416 },
        { name: 'health', port: 20417, targetPort: 20417 },
      ]),
      service('deepflow-app', 'deepflow-app', 'ClusterIP', [{ name: 'app', port: 20418, targetPort: 20418 }]),
      service('deepflow-grafana', 'deepflow-grafana', v.grafanaServiceType, [{ name: 'service', port: 80, targetPort: 3000 }]),
      service('deepflow-mysql', 'deepflow-mysql', 'ClusterIP', [{ name: 'mysql', port: 30130, targetPort: 30130 }]),
      service('deepflow-clickhouse', ckStatefulSetName, 'ClusterIP', [
        { name: 'tcp', port: 9000, targetPort: 9000 },
        { name: 'http', port: 8123, targetPort: 8123 },
      ]),
    ];
    for (const obj of objects) {
      if (obj.kind === 'PersistentVolumeClaim') {
        const sc = str(record(obj.spec).storageClassName) ?? '';
        const bound = sc !== '' && this.store.get('storage.k8s.io/v1', 'StorageClass', undefined, sc) !== undefined;
        obj.status = bound ? { phase: 'Bound', accessModes: record(obj.spec).accessModes, capacity: record(record(obj.spec).resources).requests } : { phase: 'Pending' };
      }
      const { metadata: _m, status: _s, ...rest } = obj;
      obj.metadata.annotations = { ...obj.metadata.annotations, 'sim.deepflow.io/rendered': shortHash(rest, 16) };
    }
    return objects;
  }
}
