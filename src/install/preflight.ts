/**
 * Checks made before the install changes anything: the cluster answers, the user may do what the plan does, the
 * namespace and ACP's custom resources are there, how much storage the chart will claim, and which nodes run a
 * kernel too old for DeepFlow's eBPF agent.
 */
import * as l10n from '@vscode/l10n';
import { isClusterError, type ClusterClient, type KubeObject } from '../cluster';
import { deepflowNamespace } from '../acp/components';
import type { DeepflowInput } from '../acp/deepflowValues';
import { requestedStorage, type RequestedStorage } from '../acp/manifests';

/** One permission the install needs; `namespace` unset means cluster-scoped. */
export interface RequiredAccess {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
}

const apply = ['create', 'patch'];
const wait = ['get', 'list', 'watch'];

/** What the steps do: server-side apply (create or patch) of four objects, and the reads behind the waits. */
export const requiredAccess: readonly RequiredAccess[] = [
  ...apply.map((verb) => ({ verb, group: 'cluster.alauda.io', resource: 'clusterplugininstances' })),
  ...apply.map((verb) => ({ verb, group: 'storage.k8s.io', resource: 'storageclasses' })),
  ...apply.map((verb) => ({ verb, group: 'app.k8s.io', resource: 'applications', namespace: deepflowNamespace })),
  ...apply.map((verb) => ({ verb, group: 'networking.k8s.io', resource: 'ingresses', namespace: deepflowNamespace })),
  ...wait.map((verb) => ({ verb, group: 'operator.alauda.io', resource: 'appreleases', namespace: deepflowNamespace })),
  ...wait.map((verb) => ({ verb, group: 'app.k8s.io', resource: 'applications', namespace: deepflowNamespace })),
  ...['deployments', 'statefulsets', 'daemonsets'].flatMap((resource) => wait.map((verb) => ({ verb, group: 'apps', resource, namespace: deepflowNamespace }))),
];

/** The ACP custom resources the plan uses; a cluster without them is not an ACP cluster (or lacks a component). */
export const requiredKinds: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'cluster.alauda.io/v1alpha1', kind: 'ClusterPluginInstance' },
  { apiVersion: 'operator.alauda.io/v1alpha1', kind: 'AppRelease' },
  { apiVersion: 'app.k8s.io/v1beta1', kind: 'Application' },
];

function qualifiedResource(access: RequiredAccess): string {
  return access.group ? `${access.resource}.${access.group}` : access.resource;
}

/** "create storageclasses.storage.k8s.io (cluster-wide)": the Kubernetes verb and resource stay as RBAC spells them. */
export function describeAccess(access: RequiredAccess): string {
  return access.namespace
    ? l10n.t('{0} {1} in namespace {2}', access.verb, qualifiedResource(access), access.namespace)
    : l10n.t('{0} {1} (cluster-wide)', access.verb, qualifiedResource(access));
}

/** The preflight problem for a permission the user lacks, as a whole sentence. */
function accessDenied(access: RequiredAccess): string {
  return access.namespace
    ? l10n.t('You may not {0} {1} in namespace {2}.', access.verb, qualifiedResource(access), access.namespace)
    : l10n.t('You may not {0} {1} (cluster-wide).', access.verb, qualifiedResource(access));
}

/** eBPF needs Linux 4.14 (ACP-FACTS.md). */
export const minimumEbpfKernel = { major: 4, minor: 14 } as const;

/** Whether a `status.nodeInfo.kernelVersion` such as `3.10.0-1160.el7.x86_64` is below 4.14; undefined when unparsable. */
export function kernelBelow(kernelVersion: string, minimum: { major: number; minor: number } = minimumEbpfKernel): boolean | undefined {
  const match = /^(\d+)\.(\d+)/.exec(kernelVersion.trim());
  if (!match) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major < minimum.major || (major === minimum.major && minor < minimum.minor);
}

export interface OldKernelNode {
  name: string;
  kernelVersion: string;
}

/** The nodes whose kernel is below 4.14. */
export function oldKernelNodes(nodes: readonly KubeObject[]): OldKernelNode[] {
  return nodes.flatMap((node) => {
    const nodeInfo = (node.status as { nodeInfo?: { kernelVersion?: unknown } } | undefined)?.nodeInfo;
    const kernelVersion = typeof nodeInfo?.kernelVersion === 'string' ? nodeInfo.kernelVersion : '';
    return kernelBelow(kernelVersion) === true ? [{ name: node.metadata.name ?? '', kernelVersion }] : [];
  });
}

export function describeOldKernels(nodes: readonly OldKernelNode[], shown = 10): string {
  const listed = nodes
    .slice(0, shown)
    .map((n) => `${n.name} (${n.kernelVersion})`)
    .join(', ');
  const minimum = `${minimumEbpfKernel.major}.${minimumEbpfKernel.minor}`;
  if (nodes.length > shown) {
    return l10n.t(
      "{0} nodes run a kernel below {1}, too old for DeepFlow's eBPF agent: {2} and {3} more. The agent still runs there, with less data (some RHEL/CentOS 7 3.10 backports work).",
      nodes.length,
      minimum,
      listed,
      nodes.length - shown,
    );
  }
  if (nodes.length === 1) {
    return l10n.t(
      "1 node runs a kernel below {0}, too old for DeepFlow's eBPF agent: {1}. The agent still runs there, with less data (some RHEL/CentOS 7 3.10 backports work).",
      minimum,
      listed,
    );
  }
  return l10n.t(
    "{0} nodes run a kernel below {1}, too old for DeepFlow's eBPF agent: {2}. The agent still runs there, with less data (some RHEL/CentOS 7 3.10 backports work).",
    nodes.length,
    minimum,
    listed,
  );
}

export interface PreflightInput {
  /** For the storage total; omit when the plan does not install DeepFlow itself. */
  deepflow?: Pick<DeepflowInput, 'mysqlSize' | 'clickhousePathSize' | 'clickhouseStoragePathSize'>;
  /** Defaults to requiredAccess. */
  access?: readonly RequiredAccess[];
  signal?: AbortSignal;
}

export interface PreflightResult {
  /** No problems: the install may start (after the user confirmed the storage and read the warnings). */
  ok: boolean;
  problems: string[];
  warnings: string[];
  storage: RequestedStorage | undefined;
  oldKernelNodes: OldKernelNode[];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function listAllNodes(client: ClusterClient, signal?: AbortSignal): Promise<KubeObject[]> {
  return client.listAll({ apiVersion: 'v1', kind: 'Node' }, { limit: 500, signal });
}

export async function runPreflight(client: ClusterClient, input: PreflightInput = {}): Promise<PreflightResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const result = (storage?: RequestedStorage, old: OldKernelNode[] = []): PreflightResult => ({ ok: problems.length === 0, problems, warnings, storage, oldKernelNodes: old });
  const signal = input.signal;

  // Reachability and credentials: every authenticated user may create a SelfSubjectAccessReview, so the first
  // review doubles as the "context is reachable" check.
  const access = input.access ?? requiredAccess;
  const reviews: { access: RequiredAccess; allowed: boolean }[] = [];
  try {
    for (const item of access) {
      const review = await client.selfSubjectAccessReview(item.verb, item.group, item.resource, item.namespace, { signal });
      reviews.push({ access: item, allowed: review.allowed });
    }
  } catch (err) {
    problems.push(l10n.t('The cluster of context {0} ({1}) cannot be used: {2}', client.contextName, client.server, messageOf(err)));
    return result();
  }
  for (const { access: item, allowed } of reviews) {
    if (!allowed) problems.push(accessDenied(item));
  }

  try {
    const namespace = await client.find({ apiVersion: 'v1', kind: 'Namespace', name: deepflowNamespace }, { signal });
    if (!namespace) problems.push(l10n.t('The namespace {0} does not exist: this does not look like a cluster managed by ACP.', deepflowNamespace));
  } catch (err) {
    if (isClusterError(err, 'forbidden')) warnings.push(l10n.t('Could not check that the namespace {0} exists: you may not get namespaces.', deepflowNamespace));
    else problems.push(l10n.t('Could not check the namespace {0}: {1}', deepflowNamespace, messageOf(err)));
  }

  for (const { apiVersion, kind } of requiredKinds) {
    try {
      await client.resourceFor(apiVersion, kind, { signal });
    } catch (err) {
      problems.push(
        isClusterError(err, 'notFound')
          ? l10n.t('The cluster does not serve {0} ({1}): is it a cluster managed by ACP?', kind, apiVersion)
          : l10n.t('Could not check that the cluster serves {0}: {1}', kind, messageOf(err)),
      );
    }
  }

  let storage: RequestedStorage | undefined;
  if (input.deepflow) {
    try {
      storage = requestedStorage(input.deepflow);
    } catch (err) {
      problems.push(messageOf(err));
    }
  }

  let old: OldKernelNode[] = [];
  try {
    old = oldKernelNodes(await listAllNodes(client, signal));
    if (old.length > 0) warnings.push(describeOldKernels(old));
  } catch (err) {
    warnings.push(
      isClusterError(err, 'forbidden')
        ? l10n.t("Could not check the nodes' kernel versions for eBPF: you may not list nodes.")
        : l10n.t("Could not check the nodes' kernel versions: {0}", messageOf(err)),
    );
  }
  return result(storage, old);
}
