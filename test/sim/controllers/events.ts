/**
 * Events as the kubelet and the scheduler write them (core v1 Event): one per reason and pod, its count raised when
 * the same thing happens again (BackOff during a crash loop), `involvedObject` naming the pod.
 */
import type { KubeObject, ObjectStore } from '../contract';
import { clone, nowIso, num, shortHash } from './runtime';

export type EventReason = 'Scheduled' | 'Pulling' | 'Pulled' | 'Created' | 'Started' | 'BackOff' | 'Unhealthy' | 'FailedScheduling' | 'Killing';

const warnings: ReadonlySet<EventReason> = new Set(['BackOff', 'Unhealthy', 'FailedScheduling']);

export function recordPodEvent(store: ObjectStore, pod: KubeObject, reason: EventReason, message: string): void {
  const namespace = pod.metadata.namespace ?? 'default';
  const podName = pod.metadata.name ?? '';
  const name = `${podName}.${shortHash([reason, pod.metadata.uid ?? podName], 16)}`;
  const now = nowIso();
  const existing = store.get('v1', 'Event', namespace, name);
  if (existing) {
    const next = clone(existing);
    next.count = (num(existing.count) ?? 1) + 1;
    next.lastTimestamp = now;
    next.message = message;
    store.put(next);
    return;
  }
  const scheduler = reason === 'Scheduled' || reason === 'FailedScheduling';
  const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  store.put({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: podName, namespace, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion, ...(scheduler ? {} : { fieldPath: 'spec.containers{main}' }) },
    reason,
    message,
    type: warnings.has(reason) ? 'Warning' : 'Normal',
    source: scheduler ? { component: 'default-scheduler' } : { component: 'kubelet', host: node },
    reportingComponent: scheduler ? 'default-scheduler' : 'kubelet',
    reportingInstance: scheduler ? '' : (node ?? ''),
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    eventTime: null,
  });
}
