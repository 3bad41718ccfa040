/** The resource types the simulated API server serves: a useful slice of Kubernetes plus the three ACP CRDs. */
import type { KubeObject, ResourceType } from './contract';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function rt(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: { shortNames?: string[]; hasStatus?: boolean; verbs?: string[] } = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: extra.shortNames,
    hasStatus: extra.hasStatus ?? false,
    verbs: extra.verbs ?? ALL_VERBS,
  };
}

/** Groups whose types are built into Kubernetes (strategic merge patch works); everything else is a CRD. */
export const BUILTIN_GROUPS = new Set(['', 'apps', 'storage.k8s.io', 'networking.k8s.io', 'authorization.k8s.io', 'apiextensions.k8s.io', 'batch', 'policy', 'rbac.authorization.k8s.io', 'autoscaling', 'coordination.k8s.io', 'events.k8s.io', 'discovery.k8s.io']);

export const ACP_CUSTOM_TYPES: ResourceType[] = [
  rt('cluster.alauda.io', 'v1alpha1', 'ClusterPluginInstance', 'clusterplugininstances', false, { hasStatus: true }),
  rt('operator.alauda.io', 'v1alpha1', 'AppRelease', 'appreleases', true, { hasStatus: true, shortNames: ['ars'] }),
  rt('app.k8s.io', 'v1beta1', 'Application', 'applications', true, { hasStatus: true }),
];

export function builtinResourceTypes(): ResourceType[] {
  return [
    rt('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], hasStatus: true, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
    rt('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], hasStatus: true }),
    rt('', 'v1', 'Pod', 'pods', true, { shortNames: ['po'], hasStatus: true }),
    rt('', 'v1', 'Service', 'services', true, { shortNames: ['svc'], hasStatus: true, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
    rt('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'] }),
    rt('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
    rt('', 'v1', 'Secret', 'secrets', true),
    rt('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'] }),
    rt('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], hasStatus: true }),
    rt('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], hasStatus: true }),
    rt('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
    rt('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], hasStatus: true }),
    rt('apps', 'v1', 'StatefulSet', 'statefulsets', true, { shortNames: ['sts'], hasStatus: true }),
    rt('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], hasStatus: true }),
    rt('apps', 'v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], hasStatus: true }),
    rt('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
    rt('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
    rt('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { shortNames: ['ing'], hasStatus: true }),
    rt('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
    rt('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { verbs: ['create'] }),
    rt('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { shortNames: ['crd', 'crds'], hasStatus: true }),
    ...ACP_CUSTOM_TYPES,
  ];
}

/** Kinds that have a /scale subresource (kubectl scale, rollout tooling). */
export const SCALABLE_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The served CustomResourceDefinition object for a custom type, as `kubectl get crd` would show it. */
export function customResourceDefinition(type: ResourceType): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${type.plural}.${type.group}` },
    spec: {
      group: type.group,
      names: { kind: type.kind, listKind: `${type.kind}List`, plural: type.plural, singular: type.singular, shortNames: type.shortNames },
      scope: type.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: type.version,
          served: true,
          storage: true,
          subresources: type.hasStatus ? { status: {} } : undefined,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
    status: {
      acceptedNames: { kind: type.kind, plural: type.plural },
      conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }],
      storedVersions: [type.version],
    },
  };
}
