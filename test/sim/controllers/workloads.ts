/**
 * The kube-controller-manager and kubelet of the simulated cluster, reduced to what readiness checks read:
 * Deployments, StatefulSets and DaemonSets get pods (owner refs, labels), pods turn Running and Ready after a
 * per-component delay, and workload status carries exactly the fields `kubectl rollout status` reads.
 * Cascading deletion (owner gone => pods gone) is the API server's job, as in Kubernetes.
 */
import type { Faults, KubeObject, ObjectStore } from '../contract';
import { recordPodEvent } from './events';
import { placement, unschedulableMessage } from './scheduling';
import { Scheduler, WorkQueue, clone, key, listShared, nowIso, num, ownerRef, putStatusIfChanged, randomSuffix, record, shortHash, splitKey, str } from './runtime';

type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
const WORKLOAD_KINDS: WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Simulated start-up time of each DeepFlow component (ms before timeScale). ClickHouse is the slowest, as in life. */
export const READY_DELAY_MS: Record<string, number> = {
  'deepflow-clickhouse': 6000,
  'deepflow-mysql': 3000,
  'deepflow-server': 4000,
  'deepflow-app': 3000,
  'deepflow-grafana': 3000,
  'deepflow-agent': 2500,
};
const DEFAULT_READY_DELAY_MS = 1500;
/** How often a crash-looping container restarts (simulated ms). */
const CRASH_TICK_MS = 1000;
/** DaemonSet pods are created in batches so a 5,000-node cluster does not block the API server's event loop. */
const DAEMONSET_BATCH = 500;

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return (WORKLOAD_KINDS as string[]).includes(kind);
}

function firstImage(pod: KubeObject): string {
  const containers = record(pod.spec).containers;
  return (Array.isArray(containers) ? str(record(containers[0]).image) : undefined) ?? 'unknown';
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions = record(pod.status).conditions;
  return Array.isArray(conditions) && conditions.some((c) => record(c).type === 'Ready' && record(c).status === 'True');
}

function containerNames(pod: KubeObject): string[] {
  const containers = record(pod.spec).containers;
  const names = Array.isArray(containers) ? containers.map((c) => str(record(c).name) ?? 'main') : [];
  return names.length > 0 ? names : ['main'];
}

/** A pod no node will take: Pending, PodScheduled False with the scheduler's reason, no containers yet. */
function unschedulableStatus(message: string): Record<string, unknown> {
  return {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', lastTransitionTime: nowIso(), reason: 'Unschedulable', message }],
    qosClass: 'BestEffort',
  };
}

function nodeNameOf(pod: KubeObject): string | undefined {
  return str(record(pod.spec).nodeName);
}

function pendingStatus(pod: KubeObject): Record<string, unknown> {
  return {
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: nowIso() },
      { type: 'Initialized', status: 'True', lastTransitionTime: nowIso() },
      { type: 'ContainersReady', status: 'False', lastTransitionTime: nowIso(), reason: 'ContainersNotReady' },
      { type: 'Ready', status: 'False', lastTransitionTime: nowIso(), reason: 'ContainersNotReady' },
    ],
    containerStatuses: containerNames(pod).map((name) => ({ name, ready: false, restartCount: 0, started: false, image: 'sim', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } })),
    hostIP: '10.0.0.1',
    startTime: nowIso(),
  };
}

function runningStatus(pod: KubeObject): Record<string, unknown> {
  const started = nowIso();
  return {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: started },
      { type: 'Initialized', status: 'True', lastTransitionTime: started },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: started },
      { type: 'Ready', status: 'True', lastTransitionTime: started },
    ],
    containerStatuses: containerNames(pod).map((name) => ({ name, ready: true, restartCount: 0, started: true, image: 'sim', imageID: '', state: { running: { startedAt: started } } })),
    hostIP: '10.0.0.1',
    podIP: `10.244.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`,
    startTime: str(record(pod.status).startTime) ?? started,
  };
}

function crashStatus(pod: KubeObject): Record<string, unknown> {
  const previous = record(pod.status).containerStatuses;
  const prevRestarts = Array.isArray(previous) ? (num(record(previous[0]).restartCount) ?? 0) : 0;
  return {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady' },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
    ],
    containerStatuses: containerNames(pod).map((name) => ({
      name,
      ready: false,
      started: false,
      restartCount: prevRestarts + 1,
      image: 'sim',
      imageID: '',
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${name}` } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: nowIso() } },
    })),
    hostIP: '10.0.0.1',
    startTime: str(record(pod.status).startTime) ?? nowIso(),
  };
}

export class WorkloadController {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private nodeCursor = 0;
  private crashedLastTick = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly scheduler: Scheduler,
    private readonly faults: Faults,
  ) {
    this.queue = new WorkQueue(scheduler, (k) => this.reconcile(k));
  }

  start(): void {
    this.unsubscribe = this.store.onChange((type, obj) => this.onChange(type, obj));
    for (const kind of WORKLOAD_KINDS) for (const w of this.store.list('apps/v1', kind)) this.queue.add(`${kind}|${key(w.metadata.namespace, w.metadata.name)}`);
    this.scheduler.every(CRASH_TICK_MS, () => this.crashTick());
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private onChange(type: string, obj: KubeObject): void {
    if (obj.apiVersion === 'apps/v1' && isWorkloadKind(obj.kind)) {
      if (type !== 'DELETED') this.queue.add(`${obj.kind}|${key(obj.metadata.namespace, obj.metadata.name)}`);
    } else if (obj.apiVersion === 'v1' && obj.kind === 'Pod') {
      const owner = (obj.metadata.ownerReferences ?? []).find((r) => isWorkloadKind(r.kind));
      if (owner) this.queue.add(`${owner.kind}|${key(obj.metadata.namespace, owner.name)}`);
    } else if (obj.apiVersion === 'v1' && obj.kind === 'Node') {
      // A node came, went, or changed its taints or labels: daemon pods follow, and pending pods may now fit.
      for (const kind of WORKLOAD_KINDS) for (const w of this.store.list('apps/v1', kind)) this.queue.add(`${kind}|${key(w.metadata.namespace, w.metadata.name)}`);
    }
  }

  private reconcile(k: string): void {
    const bar = k.indexOf('|');
    const kind = k.slice(0, bar);
    const { namespace, name } = splitKey(k.slice(bar + 1));
    const w = this.store.get('apps/v1', kind, namespace, name);
    if (!w || !isWorkloadKind(kind) || w.metadata.deletionTimestamp) return;
    if (kind === 'Deployment') this.reconcileDeployment(w);
    else if (kind === 'StatefulSet') this.reconcileStatefulSet(w);
    else this.reconcileDaemonSet(w, k);
  }

  private ownedPods(owner: KubeObject): readonly KubeObject[] {
    return listShared(this.store, 'v1', 'Pod', owner.metadata.namespace).filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid));
  }

  private template(w: KubeObject): { labels: Record<string, string>; annotations: Record<string, string>; spec: Record<string, unknown>; hash: string } {
    const template = record(record(w.spec).template);
    const meta = record(template.metadata);
    return {
      labels: { ...(record(meta.labels) as Record<string, string>) },
      annotations: { ...(record(meta.annotations) as Record<string, string>) },
      spec: clone(record(template.spec)),
      hash: shortHash(template),
    };
  }

  /** The next node, round robin, that the pod's selector and tolerations allow; undefined when none does. */
  private nextNode(podSpec: Record<string, unknown>): string | undefined {
    const nodes = listShared(this.store, 'v1', 'Node');
    for (let tried = 0; tried < nodes.length; tried++) {
      this.nodeCursor = (this.nodeCursor + 1) % nodes.length;
      const node = nodes[this.nodeCursor];
      if (node && placement(node, podSpec, false).fits) return node.metadata.name;
    }
    return undefined;
  }

  /** Creates a pod bound to `nodeName`, or, with no node, left Pending with the scheduler's FailedScheduling. */
  private createPod(owner: KubeObject, name: string, labels: Record<string, string>, annotations: Record<string, string>, spec: Record<string, unknown>, nodeName: string | undefined): KubeObject {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: owner.metadata.namespace, labels, annotations, ownerReferences: [ownerRef(owner)] },
      spec: nodeName ? { ...spec, nodeName } : { ...spec },
    };
    if (!nodeName) {
      const message = unschedulableMessage(listShared(this.store, 'v1', 'Node'), spec);
      pod.status = unschedulableStatus(message);
      const stored = this.store.put(pod);
      recordPodEvent(this.store, stored, 'FailedScheduling', message);
      return stored;
    }
    pod.status = pendingStatus(pod);
    const stored = this.store.put(pod);
    this.boundEvents(stored, nodeName);
    return stored;
  }

  private boundEvents(pod: KubeObject, nodeName: string): void {
    recordPodEvent(this.store, pod, 'Scheduled', `Successfully assigned ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} to ${nodeName}`);
    recordPodEvent(this.store, pod, 'Pulling', `Pulling image "${firstImage(pod)}"`);
  }

  /**
   * The taint manager and the scheduler's retry: pods on a node with a NoExecute taint they do not tolerate are
   * evicted (their controller makes new ones), and pending pods that a node now takes are bound and start.
   */
  private reschedule(owner: KubeObject): void {
    const bound: string[] = [];
    const nodes = new Map(listShared(this.store, 'v1', 'Node').map((n) => [n.metadata.name, n]));
    for (const pod of this.ownedPods(owner)) {
      const current = nodeNameOf(pod);
      const node = current ? nodes.get(current) : undefined;
      if (node && placement(node, record(pod.spec), false).evicts) {
        this.store.delete('v1', 'Pod', pod.metadata.namespace, pod.metadata.name);
        continue;
      }
      if (current) continue;
      const spec = record(pod.spec);
      const nodeName = this.nextNode(spec);
      if (!nodeName) {
        const message = unschedulableMessage(listShared(this.store, 'v1', 'Node'), spec);
        const conditions = record(pod.status).conditions;
        const shown = Array.isArray(conditions) ? record(conditions[0]).message : undefined;
        if (shown !== message) {
          const updated = this.store.putStatus('v1', 'Pod', pod.metadata.namespace, pod.metadata.name, unschedulableStatus(message));
          if (updated) recordPodEvent(this.store, updated, 'FailedScheduling', message);
        }
        continue;
      }
      const next = clone(pod);
      next.spec = { ...spec, nodeName };
      next.status = pendingStatus(next);
      const stored = this.store.put(next);
      this.boundEvents(stored, nodeName);
      bound.push(stored.metadata.name);
    }
    this.scheduleReady(owner, bound);
  }

  /** The kubelet's story of a container that starts, or that fails and is backed off. */
  private startPod(pod: KubeObject, crashing: boolean): void {
    const container = containerNames(pod)[0] ?? 'main';
    const updated = this.store.putStatus('v1', 'Pod', pod.metadata.namespace, pod.metadata.name, crashing ? crashStatus(pod) : runningStatus(pod)) ?? pod;
    recordPodEvent(this.store, updated, 'Pulled', `Successfully pulled image "${firstImage(updated)}"`);
    recordPodEvent(this.store, updated, 'Created', `Created container ${container}`);
    recordPodEvent(this.store, updated, 'Started', `Started container ${container}`);
    if (crashing) this.crashEvents(updated);
  }

  private crashEvents(pod: KubeObject): void {
    const container = containerNames(pod)[0] ?? 'main';
    recordPodEvent(this.store, pod, 'Unhealthy', 'Readiness probe failed: connection refused');
    recordPodEvent(this.store, pod, 'BackOff', `Back-off restarting failed container ${container} in pod ${pod.metadata.name ?? ''}`);
  }

  /** After the component's start-up delay, the pods turn Running and Ready (or crash-loop if the fault says so). */
  private scheduleReady(owner: KubeObject, podNames: string[]): void {
    if (podNames.length === 0) return;
    const delay = READY_DELAY_MS[owner.metadata.name] ?? DEFAULT_READY_DELAY_MS;
    const namespace = owner.metadata.namespace;
    this.scheduler.after(delay, () => {
      const crashing = this.crashesNow(owner.kind, owner.metadata.name);
      for (const podName of podNames) {
        const pod = this.store.get('v1', 'Pod', namespace, podName);
        if (!pod || isPodReady(pod) || !nodeNameOf(pod)) continue;
        this.startPod(pod, crashing);
      }
    });
  }

  private crashesNow(kind: string, name: string): boolean {
    return this.faults.crashLoop !== '' && this.faults.crashLoop === name && kind !== 'DaemonSet';
  }

  /** Each tick, crash-looping pods restart once more; pods of a workload no longer named by the fault recover. */
  private crashTick(): void {
    // Only the named workload and the ones that crashed last tick need a look: keeps idle ticks free.
    if (this.faults.crashLoop === '' && this.crashedLastTick.size === 0) return;
    const stillCrashing = new Set<string>();
    for (const kind of ['Deployment', 'StatefulSet'] as const) {
      for (const w of this.store.list('apps/v1', kind)) {
        const wKey = `${kind}|${key(w.metadata.namespace, w.metadata.name)}`;
        const crashing = this.crashesNow(kind, w.metadata.name);
        if (!crashing && !this.crashedLastTick.has(wKey)) continue;
        if (crashing) stillCrashing.add(wKey);
        for (const pod of this.ownedPods(w)) {
          const statuses = record(pod.status).containerStatuses;
          const waiting = record(record(record(Array.isArray(statuses) ? statuses[0] : undefined).state).waiting);
          const isCrashing = waiting.reason === 'CrashLoopBackOff';
          if (crashing && str(record(pod.status).phase) === 'Running') {
            const crashed = this.store.putStatus('v1', 'Pod', pod.metadata.namespace, pod.metadata.name, crashStatus(pod));
            if (crashed) this.crashEvents(crashed);
          } else if (!crashing && isCrashing) {
            // The fault was lifted: the container starts and becomes ready after its usual delay.
            this.store.putStatus('v1', 'Pod', pod.metadata.namespace, pod.metadata.name, pendingStatus(pod));
            this.scheduleReady(w, [pod.metadata.name]);
          }
        }
      }
    }
    this.crashedLastTick = stillCrashing;
  }

  private reconcileDeployment(d: KubeObject): void {
    const replicas = num(record(d.spec).replicas) ?? 1;
    const t = this.template(d);
    this.reschedule(d);
    const pods = this.ownedPods(d);
    // Simplified rolling update: pods of an old template are replaced all at once.
    for (const p of pods) if (p.metadata.labels?.['pod-template-hash'] !== t.hash) this.store.delete('v1', 'Pod', p.metadata.namespace, p.metadata.name);
    const current = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === t.hash);
    const created: string[] = [];
    for (let i = current.length; i < replicas; i++) {
      const pod = this.createPod(d, `${d.metadata.name}-${t.hash}-${randomSuffix()}`, { ...t.labels, 'pod-template-hash': t.hash }, t.annotations, t.spec, this.nextNode(t.spec));
      current.push(pod);
      created.push(pod.metadata.name);
    }
    for (const extra of current.splice(replicas)) this.store.delete('v1', 'Pod', extra.metadata.namespace, extra.metadata.name);
    this.scheduleReady(d, created);

    const fresh = this.store.get('apps/v1', 'Deployment', d.metadata.namespace, d.metadata.name);
    if (!fresh) return;
    const ready = current.filter((p) => isPodReady(this.store.get('v1', 'Pod', p.metadata.namespace, p.metadata.name) ?? p)).length;
    const available = ready >= replicas;
    putStatusIfChanged(this.store, fresh, {
      observedGeneration: fresh.metadata.generation ?? 1,
      replicas: current.length,
      updatedReplicas: current.length,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(current.length - ready > 0 ? { unavailableReplicas: current.length - ready } : {}),
      conditions: [
        { type: 'Available', status: available ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', reason: available ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: `ReplicaSet "${fresh.metadata.name}-${t.hash}" ${available ? 'has successfully progressed.' : 'is progressing.'}` },
      ],
    });
  }

  private reconcileStatefulSet(s: KubeObject): void {
    const replicas = num(record(s.spec).replicas) ?? 1;
    const t = this.template(s);
    const revision = `${s.metadata.name}-${t.hash}`;
    this.reschedule(s);
    const byName = new Map(this.ownedPods(s).map((p) => [p.metadata.name, p]));
    const created: string[] = [];
    for (let i = 0; i < replicas; i++) {
      const podName = `${s.metadata.name}-${i}`;
      const existing = byName.get(podName);
      if (existing && existing.metadata.labels?.['controller-revision-hash'] === revision) continue;
      if (existing) this.store.delete('v1', 'Pod', existing.metadata.namespace, podName);
      const labels = { ...t.labels, 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': podName };
      byName.set(podName, this.createPod(s, podName, labels, t.annotations, t.spec, this.nextNode(t.spec)));
      created.push(podName);
    }
    for (const [podName, p] of byName) {
      const ordinal = Number(podName.slice(s.metadata.name.length + 1));
      if (!(ordinal < replicas)) {
        this.store.delete('v1', 'Pod', p.metadata.namespace, podName);
        byName.delete(podName);
      }
    }
    this.scheduleReady(s, created);

    const fresh = this.store.get('apps/v1', 'StatefulSet', s.metadata.namespace, s.metadata.name);
    if (!fresh) return;
    const pods = [...byName.values()].map((p) => this.store.get('v1', 'Pod', p.metadata.namespace, p.metadata.name) ?? p);
    const ready = pods.filter(isPodReady).length;
    const previous = record(fresh.status);
    const allDone = ready === replicas;
    putStatusIfChanged(this.store, fresh, {
      observedGeneration: fresh.metadata.generation ?? 1,
      replicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: allDone ? pods.length : (num(previous.currentReplicas) ?? 0),
      updatedReplicas: pods.length,
      currentRevision: allDone ? revision : (str(previous.currentRevision) ?? revision),
      updateRevision: revision,
      collisionCount: 0,
    });
  }

  private reconcileDaemonSet(ds: KubeObject, queueKey: string): void {
    const t = this.template(ds);
    const nodes = listShared(this.store, 'v1', 'Node');
    // The DaemonSet controller's rule per node: run a pod where it fits; keep one already there unless a NoExecute
    // taint or the selector now excludes the node (a NoSchedule taint only stops new pods).
    const places = new Map(nodes.map((n) => [n.metadata.name, placement(n, t.spec, true)]));
    const byNode = new Map<string, KubeObject>();
    for (const p of this.ownedPods(ds)) {
      const nodeName = nodeNameOf(p) ?? '';
      const place = places.get(nodeName);
      if (!place?.mayStay || byNode.has(nodeName) || p.metadata.labels?.['pod-template-hash'] !== t.hash) {
        this.store.delete('v1', 'Pod', p.metadata.namespace, p.metadata.name);
      } else {
        byNode.set(nodeName, p);
      }
    }
    const created: string[] = [];
    for (const node of nodes) {
      const nodeName = node.metadata.name;
      if (byNode.has(nodeName) || !places.get(nodeName)?.fits) continue;
      if (created.length >= DAEMONSET_BATCH) {
        // More next turn: keeps the API server answering while thousands of agent pods appear.
        this.queue.add(queueKey);
        break;
      }
      const labels = { ...t.labels, 'pod-template-hash': t.hash, 'controller-revision-hash': t.hash };
      // Names look random like the real ones but are derived from the node; a clash with another node's pod is retried.
      let podName = `${ds.metadata.name}-${shortHash([nodeName, t.hash], 5)}`;
      for (let salt = 1; this.store.get('v1', 'Pod', ds.metadata.namespace, podName); salt++) podName = `${ds.metadata.name}-${shortHash([nodeName, t.hash, salt], 5)}`;
      const pod = this.createPod(ds, podName, labels, t.annotations, t.spec, nodeName);
      byNode.set(nodeName, pod);
      created.push(pod.metadata.name);
    }
    this.scheduleReady(ds, created);

    const fresh = this.store.get('apps/v1', 'DaemonSet', ds.metadata.namespace, ds.metadata.name);
    if (!fresh) return;
    let desired = 0;
    let ready = 0;
    let misscheduled = 0;
    for (const [nodeName, place] of places) {
      const pod = byNode.get(nodeName);
      if (place.fits) desired++;
      else if (pod) misscheduled++;
      if (place.fits && pod && isPodReady(pod)) ready++;
    }
    putStatusIfChanged(this.store, fresh, {
      observedGeneration: fresh.metadata.generation ?? 1,
      desiredNumberScheduled: desired,
      currentNumberScheduled: byNode.size - misscheduled,
      updatedNumberScheduled: byNode.size - misscheduled,
      numberReady: ready,
      numberAvailable: ready,
      ...(desired - ready > 0 ? { numberUnavailable: desired - ready } : {}),
      numberMisscheduled: misscheduled,
    });
  }
}

/** Whether a workload's status says it is fully rolled out and ready (the same test `kubectl rollout status` makes). */
export function workloadReady(w: KubeObject | undefined): boolean {
  if (!w) return false;
  const s = record(w.status);
  const spec = record(w.spec);
  if ((num(s.observedGeneration) ?? 0) < (w.metadata.generation ?? 1)) return false;
  if (w.kind === 'DaemonSet') {
    const desired = num(s.desiredNumberScheduled) ?? 0;
    return desired > 0 && (num(s.updatedNumberScheduled) ?? 0) >= desired && (num(s.numberAvailable) ?? 0) >= desired;
  }
  const replicas = num(spec.replicas) ?? 1;
  const ready = (num(s.readyReplicas) ?? 0) >= replicas && (num(s.updatedReplicas) ?? 0) >= replicas;
  if (w.kind === 'StatefulSet') return ready && s.currentRevision === s.updateRevision;
  return ready && (num(s.availableReplicas) ?? 0) >= replicas;
}
