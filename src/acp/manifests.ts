/**
 * The guide's manifests (seed/deepflow-on-acp.md, steps 3 to 5), built as objects for server-side apply.
 * Field for field as the guide writes them, except the MySQL size bug, which buildDeepflowValues fixes.
 */
import * as l10n from '@vscode/l10n';
import { deepflowNamespace } from './components';
import { buildDeepflowValues, chartValuesAnnotation, grafanaRootPath, serialiseDeepflowValues, type DeepflowInput } from './deepflowValues';
import type { KubeObject } from './kubeObject';
import { formatQuantity, parseQuantity, validateClusterName } from './validation';

export { deepflowNamespace };

// Names the guide fixes; the installer, the waits and uninstall all refer to these.
export const nfsPluginName = 'nfs';
/** The AppRelease (`ars`) that ACP's cluster-transformer creates from the plugin instance, in deepflowNamespace. */
export const nfsAppReleaseName = nfsPluginName;
export const defaultNfsStorageClassName = 'nfs';
export const nfsProvisioner = 'nfs.csi.k8s.io';
export const deepflowApplicationName = 'deepflow';
export const deepflowChartSource = 'public-charts/deepflow-plugin';
export const deepflowDisplayName = 'DeepFlow';
export const grafanaIngressName = 'deepflow-grafana';
export const grafanaServiceName = 'deepflow-grafana';
export const grafanaServicePort = 80;
export const grafanaIngressClassName = 'cpaas-system';

export const chartSourceAnnotation = 'app.cpaas.io/chart.source';
export const chartVersionAnnotation = 'app.cpaas.io/chart.version';
export { chartValuesAnnotation };
export const displayNameAnnotation = 'cpaas.io/display-name';

export const clusterPluginInstanceApiVersion = 'cluster.alauda.io/v1alpha1';
export const appReleaseApiVersion = 'operator.alauda.io/v1alpha1';
export const applicationApiVersion = 'app.k8s.io/v1beta1';

/** Step 3: ask ACP to install its NFS CSI plugin. Cluster-scoped; ACP turns it into ars/nfs in cpaas-system. */
export function buildNfsPluginInstance(): KubeObject {
  return {
    apiVersion: clusterPluginInstanceApiVersion,
    kind: 'ClusterPluginInstance',
    metadata: {
      annotations: {
        [displayNameAnnotation]: nfsPluginName,
      },
      // The guide's labels mark the instance as the cluster-transformer's, so ACP manages updates and deletion.
      labels: {
        'create-by': 'cluster-transformer',
        'manage-delete-by': 'cluster-transformer',
        'manage-update-by': 'cluster-transformer',
      },
      name: nfsPluginName,
    },
    spec: {
      pluginName: nfsPluginName,
    },
  };
}

export interface NfsStorageClassInput {
  name: string;
  /** Host name or IPv4 address of the NFS server. */
  server: string;
  /** Absolute path of the exported share. */
  share: string;
}

/** Step 4: the storage class DeepFlow's volumes use. */
export function buildNfsStorageClass({ name, server, share }: NfsStorageClassInput): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      // These labels share the class with every ACP project.
      labels: {
        'project.cpaas.io/ALL_ALL': 'true',
        'project.cpaas.io/name': '',
      },
      name,
    },
    mountOptions: ['hard', 'nfsvers=4.1'],
    parameters: {
      server,
      share,
    },
    provisioner: nfsProvisioner,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}

/** The cluster name is pasted into a URL path and an ingress regex, so a bad one must never reach a manifest. */
function checkedClusterName(clusterName: string): string {
  const problem = validateClusterName(clusterName);
  if (problem) throw new Error(l10n.t('Invalid cluster name "{0}": {1}', clusterName, problem));
  return clusterName;
}

/** Step 5: the Helm chart Application. ACP installs the chart version pushed with violet, with these values. */
export function buildDeepflowApplication(input: DeepflowInput): KubeObject {
  checkedClusterName(input.clusterName);
  return {
    apiVersion: applicationApiVersion,
    kind: 'Application',
    metadata: {
      name: deepflowApplicationName,
      namespace: deepflowNamespace,
      annotations: {
        [chartSourceAnnotation]: deepflowChartSource,
        [chartVersionAnnotation]: input.chartVersion,
        [chartValuesAnnotation]: serialiseDeepflowValues(buildDeepflowValues(input)),
        [displayNameAnnotation]: deepflowDisplayName,
      },
      labels: {
        'sync-from-helmrequest': 'true',
      },
    },
  };
}

/** The ingress path for Grafana: the sub-path itself, or anything below it (nginx regex, ImplementationSpecific). */
export function grafanaIngressPath(clusterName: string): string {
  return `${grafanaRootPath(checkedClusterName(clusterName))}($|/)(.*)`;
}

/** Step 5, last part: expose Grafana on the platform's ingress under /clusters/<cluster>/deepflow. */
export function buildGrafanaIngress(clusterName: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      annotations: {
        'nginx.ingress.kubernetes.io/backend-protocol': 'http',
        'nginx.ingress.kubernetes.io/enable-cors': 'true',
      },
      name: grafanaIngressName,
      namespace: deepflowNamespace,
    },
    spec: {
      ingressClassName: grafanaIngressClassName,
      rules: [
        {
          http: {
            paths: [
              {
                backend: {
                  service: {
                    name: grafanaServiceName,
                    port: {
                      number: grafanaServicePort,
                    },
                  },
                },
                path: grafanaIngressPath(clusterName),
                pathType: 'ImplementationSpecific',
              },
            ],
          },
        },
      ],
    },
  };
}

export interface RequestedStorage {
  /** Sum of the items as a Kubernetes quantity, e.g. 350Gi. */
  total: string;
  items: { name: string; size: string }[];
}

/** The volumes the chart will claim from the storage class, for the preflight confirmation. Throws on an invalid size. */
export function requestedStorage(input: Pick<DeepflowInput, 'mysqlSize' | 'clickhousePathSize' | 'clickhouseStoragePathSize'>): RequestedStorage {
  const items = [
    { name: 'MySQL', size: input.mysqlSize },
    { name: 'ClickHouse clickhouse-path', size: input.clickhousePathSize },
    { name: 'ClickHouse clickhouse-storage-path', size: input.clickhouseStoragePathSize },
  ];
  const bytes = items.reduce((sum, item) => sum + parseQuantity(item.size), 0n);
  return { total: formatQuantity(bytes), items };
}
