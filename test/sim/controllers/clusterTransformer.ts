/**
 * ACP's cluster-transformer, reduced to the NFS plugin path of the guide: a ClusterPluginInstance becomes an
 * AppRelease (`ars`) in cpaas-system, whose Health condition turns True a little later, but only if the plugin's
 * artifact was pushed with violet. Deleting the instance deletes the AppRelease (ownerReference + GC).
 */
import type { KubeObject, ObjectStore } from '../contract';
import type { PushRegistry } from '../platform/pushes';
import { Scheduler, WorkQueue, clone, nowIso, ownerRef, putStatusIfChanged, record, str } from './runtime';

const CPI_API = 'cluster.alauda.io/v1alpha1';
const ARS_API = 'operator.alauda.io/v1alpha1';
const NAMESPACE = 'cpaas-system';
/** Simulated time an AppRelease takes to become healthy. */
export const PLUGIN_HEALTHY_AFTER_MS = 2000;

/** Plugins this ACP knows, and the artifact file each needs (`nfs.amd64.v4.0.2.tgz` → nfs). */
const PLUGIN_ARTIFACTS: Record<string, RegExp> = {
  nfs: /^nfs\..*\.tgz$/,
};

export class ClusterTransformer {
  private readonly queue: WorkQueue;
  /** When each AppRelease may turn healthy (real ms); set when its install starts. */
  private readonly healthyAt = new Map<string, number>();
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly scheduler: Scheduler,
    private readonly pushes: PushRegistry,
  ) {
    this.queue = new WorkQueue(scheduler, (name) => this.reconcile(name));
  }

  start(): void {
    this.unsubscribe.push(
      this.store.onChange((type, obj) => {
        if (obj.apiVersion === CPI_API && obj.kind === 'ClusterPluginInstance') {
          if (type === 'DELETED') this.healthyAt.delete(obj.metadata.name);
          else this.queue.add(obj.metadata.name);
        } else if (obj.apiVersion === ARS_API && obj.kind === 'AppRelease' && obj.metadata.namespace === NAMESPACE) {
          // Someone deleted or edited the AppRelease: the transformer puts it back.
          this.queue.add(obj.metadata.name);
        }
      }),
      // A push may unblock a plugin that failed with ChartNotFound.
      this.pushes.onPush(() => {
        for (const cpi of this.store.list(CPI_API, 'ClusterPluginInstance')) this.queue.add(cpi.metadata.name);
      }),
    );
    for (const cpi of this.store.list(CPI_API, 'ClusterPluginInstance')) this.queue.add(cpi.metadata.name);
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }

  private reconcile(name: string): void {
    const cpi = this.store.get(CPI_API, 'ClusterPluginInstance', undefined, name);
    if (!cpi || cpi.metadata.deletionTimestamp) return;
    const plugin = str(record(cpi.spec).pluginName) ?? name;
    let ars = this.store.get(ARS_API, 'AppRelease', NAMESPACE, name);
    if (!ars) {
      ars = this.store.put({
        apiVersion: ARS_API,
        kind: 'AppRelease',
        metadata: {
          name,
          namespace: NAMESPACE,
          labels: { 'cpaas.io/cluster-plugin-instance': name, 'create-by': 'cluster-transformer' },
          annotations: { 'cpaas.io/display-name': plugin },
          ownerReferences: [ownerRef(cpi)],
        },
        spec: { destination: { namespace: NAMESPACE }, source: { charts: [{ name: `public-charts/${plugin}`, releaseName: name }] } },
        status: { conditions: [this.condition('Unknown', 'Installing', `installing plugin ${plugin}`)] },
      });
    }
    const artifact = PLUGIN_ARTIFACTS[plugin];
    const pushed = artifact !== undefined && this.pushes.has((f) => artifact.test(f));
    if (!pushed) {
      this.healthyAt.delete(name);
      const message =
        artifact === undefined
          ? `plugin "${plugin}" is not known to this platform`
          : `chart public-charts/${plugin} not found: push the ${plugin} artifact (${artifact.source}) with violet first`;
      this.setHealth(ars, 'False', 'ChartNotFound', message);
      this.setCpiStatus(cpi, 'False', message);
      return;
    }
    let due = this.healthyAt.get(name);
    if (due === undefined) {
      due = Date.now() + PLUGIN_HEALTHY_AFTER_MS * this.scheduler.timeScale;
      this.healthyAt.set(name, due);
      this.setHealth(ars, 'Unknown', 'Installing', `installing chart public-charts/${plugin}`);
      this.scheduler.after(PLUGIN_HEALTHY_AFTER_MS, () => this.queue.add(name));
      return;
    }
    const remaining = due - Date.now();
    if (remaining > 0) {
      // Timers and the wall clock drift apart by a millisecond or so, and under load a reconcile can come early:
      // wait out the rest instead of dropping the plugin in "Installing" for good.
      const timeScale = this.scheduler.timeScale > 0 ? this.scheduler.timeScale : 1;
      this.scheduler.after(remaining / timeScale + 1, () => this.queue.add(name));
      return;
    }
    this.setHealth(ars, 'True', 'Healthy', 'all resources are healthy');
    this.setCpiStatus(cpi, 'True', '');
  }

  private condition(status: string, reason: string, message: string): Record<string, string> {
    return { type: 'Health', status, reason, message, lastTransitionTime: nowIso() };
  }

  private setHealth(ars: KubeObject, status: string, reason: string, message: string): void {
    const fresh = this.store.get(ARS_API, 'AppRelease', ars.metadata.namespace, ars.metadata.name) ?? ars;
    const conditions = record(fresh.status).conditions;
    const current = Array.isArray(conditions) ? record(conditions.find((c) => record(c).type === 'Health')) : {};
    if (current.status === status && current.reason === reason && current.message === message) return;
    const next = clone(record(fresh.status));
    next.conditions = [this.condition(status, reason, message)];
    next.phase = status === 'True' ? 'Succeeded' : status === 'False' ? 'Failed' : 'Pending';
    putStatusIfChanged(this.store, fresh, next);
  }

  private setCpiStatus(cpi: KubeObject, health: string, message: string): void {
    putStatusIfChanged(this.store, cpi, { phase: health === 'True' ? 'Running' : 'Failed', ...(message ? { message } : {}) });
  }
}
