import { strict as assert } from 'node:assert';
import { agentCoverage, kernelBelowMinimum, shrinkNode } from '../../src/acp/agentCoverage';
import { componentState, deepflowComponents } from '../../src/acp/components';
import type { KubeObject } from '../../src/acp/kubeObject';
import { comparePods, describePod, summarizePod } from '../../src/acp/pods';

function node(name: string, extra: { kernel?: string; taints?: unknown[]; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/os': 'linux', ...extra.labels }, annotations: { big: 'x'.repeat(100) } },
    spec: { taints: extra.taints },
    status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kernelVersion: extra.kernel ?? '5.15.0-91-generic', osImage: 'Ubuntu' }, images: [{ names: ['a'] }] },
  };
}

function pod(name: string, nodeName: string, status: Record<string, unknown>, component = 'deepflow-agent'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'cpaas-system', labels: { app: 'deepflow', component } }, spec: { nodeName, containers: [{ name: 'agent' }] }, status };
}

const crashing = { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } } }] };
const pulling = { phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] };
const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 1, state: { running: {} } }] };

const daemonSet = (template: Record<string, unknown> = {}, status = { desiredNumberScheduled: 3, numberReady: 3 }): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'deepflow-agent', namespace: 'cpaas-system' },
  spec: { template: { spec: template } },
  status,
});

describe('agent coverage', () => {
  it('names a node below kernel 4.14 with its kernel', () => {
    const coverage = agentCoverage(daemonSet(), [node('node-1', { kernel: '3.10.0-1160.el7.x86_64' }), node('node-2')], []);
    assert.deepEqual(coverage.gaps.map((g) => [g.node, g.kind]), [['node-1', 'kernel']]);
    assert.match(coverage.gaps[0]?.reason ?? '', /Kernel 3\.10\.0-1160\.el7\.x86_64 is below 4\.14/);
  });

  it('names a taint the agent does not tolerate, and ignores a tolerated one', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    const nodes = [node('node-1', { taints: [taint] }), node('node-2', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] })];
    assert.deepEqual(agentCoverage(daemonSet(), nodes, []).gaps.map((g) => g.reason), ['The taint dedicated=gpu:NoSchedule keeps the agent off this node.']);
    const tolerant = daemonSet({ tolerations: [{ operator: 'Exists' }] });
    assert.deepEqual(agentCoverage(tolerant, nodes, []).gaps, []);
  });

  it('names a node selector that keeps the agent off', () => {
    const gaps = agentCoverage(daemonSet({ nodeSelector: { 'deepflow/agent': 'on' } }), [node('node-1', { labels: { 'deepflow/agent': 'on' } }), node('node-2')], []).gaps;
    assert.deepEqual(gaps.map((g) => [g.node, g.kind]), [['node-2', 'nodeSelector']]);
  });

  it('names the waiting reason of a not-running agent pod, and counts the not-ready pods it cannot name', () => {
    const coverage = agentCoverage(daemonSet({}, { desiredNumberScheduled: 3, numberReady: 1 }), [node('node-1'), node('node-2'), node('node-3')], [pod('deepflow-agent-abcde', 'node-2', pulling)]);
    assert.deepEqual(coverage.gaps.map((g) => g.reason), ['Agent pod deepflow-agent-abcde is ImagePullBackOff.']);
    assert.equal(coverage.unnamedNotReady, 1);
  });

  it('keeps only what coverage reads of a node', () => {
    const small = shrinkNode(node('node-1'));
    assert.deepEqual(small.status, { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kernelVersion: '5.15.0-91-generic' } });
    assert.equal(small.metadata.annotations, undefined);
    assert.ok(kernelBelowMinimum('4.9.0') && !kernelBelowMinimum('4.14.0') && !kernelBelowMinimum('garbage'));
  });
});

describe('pods and component states', () => {
  const spec = deepflowComponents.find((c) => c.name === 'deepflow-clickhouse');
  const statefulSet: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'deepflow-clickhouse' }, spec: { replicas: 1 }, status: { readyReplicas: 0 } };

  it('turns a component red with the waiting reason of a crash-looping pod', () => {
    assert.ok(spec);
    const state = componentState(spec, statefulSet, [summarizePod(pod('deepflow-clickhouse-0', 'node-1', crashing, 'deepflow-clickhouse'))]);
    assert.equal(state.readiness, 'failing');
    assert.equal(state.detail, '0/1 ready: CrashLoopBackOff');
    assert.equal(state.problemPods?.[0]?.restarts, 4);
  });

  it('stays yellow while pods are only starting', () => {
    assert.ok(spec);
    const starting = { phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }] };
    assert.equal(componentState(spec, statefulSet, [summarizePod(pod('deepflow-clickhouse-0', 'node-1', starting, 'deepflow-clickhouse'))]).readiness, 'progressing');
  });

  it('sorts problem pods first and describes each like kubectl get pods -o wide', () => {
    const pods = [summarizePod(pod('b-ready', 'node-1', ready)), summarizePod(pod('c-crash', 'node-2', crashing)), summarizePod(pod('a-pull', 'node-3', pulling))];
    assert.deepEqual([...pods].sort(comparePods).map((p) => p.name), ['a-pull', 'c-crash', 'b-ready']);
    assert.equal(describePod(pods[1]!), 'CrashLoopBackOff · 0/1 ready · 4 restarts · node-2');
    assert.equal(describePod(pods[0]!), 'Running · 1/1 ready · 1 restart · node-1');
  });
});
