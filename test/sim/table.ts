/** The meta.k8s.io/v1 Table answer that `kubectl get` asks for, with kubectl-like columns per kind. */
import type { KubeObject } from './contract';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number;

interface KindColumns {
  columns: TableColumn[];
  cells: (obj: KubeObject) => Cell[];
}

function column(name: string, type: TableColumn['type'] = 'string', priority = 0, format = ''): TableColumn {
  return { name, type, format: name === 'Name' ? 'name' : format, description: name, priority };
}

/** Kubernetes' short human duration ("45s", "3m12s", "5h", "12d"). */
export function humanAge(since: string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(record) : [];
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function str(value: unknown, fallback = '<none>'): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function podCells(pod: KubeObject): Cell[] {
  const spec = record(pod.spec);
  const status = record(pod.status);
  const containers = list(spec.containers);
  const statuses = list(status.containerStatuses);
  const ready = statuses.filter((s) => s.ready === true).length;
  const restarts = statuses.reduce((sum, s) => sum + num(s.restartCount), 0);
  let phase = str(status.phase, 'Pending');
  for (const s of statuses) {
    const waiting = record(record(s.state).waiting);
    if (typeof waiting.reason === 'string') phase = waiting.reason;
  }
  if (pod.metadata.deletionTimestamp) phase = 'Terminating';
  return [pod.metadata.name, `${ready}/${containers.length}`, phase, restarts, humanAge(pod.metadata.creationTimestamp), str(status.podIP), str(spec.nodeName), '<none>', '<none>'];
}

function images(obj: KubeObject): { names: string; images: string } {
  const containers = list(record(record(record(obj.spec).template).spec).containers);
  return { names: containers.map((c) => str(c.name, '')).join(','), images: containers.map((c) => str(c.image, '')).join(',') };
}

function selectorText(obj: KubeObject): string {
  const labels = record(record(record(obj.spec).selector).matchLabels);
  const text = Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`).join(',');
  return text || '<none>';
}

function conditionStatus(obj: KubeObject, type: string): string {
  const condition = list(record(obj.status).conditions).find((c) => c.type === type);
  return str(condition?.status, '');
}

const AGE = column('Age', 'string');

const BY_KIND: Record<string, KindColumns> = {
  Pod: {
    columns: [column('Name'), column('Ready'), column('Status'), column('Restarts', 'integer'), AGE, column('IP', 'string', 1), column('Node', 'string', 1), column('Nominated Node', 'string', 1), column('Readiness Gates', 'string', 1)],
    cells: podCells,
  },
  Deployment: {
    columns: [column('Name'), column('Ready'), column('Up-to-date', 'integer'), column('Available', 'integer'), AGE, column('Containers', 'string', 1), column('Images', 'string', 1), column('Selector', 'string', 1)],
    cells: (d) => {
      const status = record(d.status);
      const { names, images: imageList } = images(d);
      return [d.metadata.name, `${num(status.readyReplicas)}/${num(record(d.spec).replicas ?? 1)}`, num(status.updatedReplicas), num(status.availableReplicas), humanAge(d.metadata.creationTimestamp), names, imageList, selectorText(d)];
    },
  },
  StatefulSet: {
    columns: [column('Name'), column('Ready'), AGE, column('Containers', 'string', 1), column('Images', 'string', 1)],
    cells: (s) => {
      const { names, images: imageList } = images(s);
      return [s.metadata.name, `${num(record(s.status).readyReplicas)}/${num(record(s.spec).replicas ?? 1)}`, humanAge(s.metadata.creationTimestamp), names, imageList];
    },
  },
  DaemonSet: {
    columns: [column('Name'), column('Desired', 'integer'), column('Current', 'integer'), column('Ready', 'integer'), column('Up-to-date', 'integer'), column('Available', 'integer'), column('Node Selector'), AGE],
    cells: (d) => {
      const status = record(d.status);
      return [d.metadata.name, num(status.desiredNumberScheduled), num(status.currentNumberScheduled), num(status.numberReady), num(status.updatedNumberScheduled), num(status.numberAvailable), '<none>', humanAge(d.metadata.creationTimestamp)];
    },
  },
  Namespace: {
    columns: [column('Name'), column('Status'), AGE],
    cells: (n) => [n.metadata.name, str(record(n.status).phase, 'Active'), humanAge(n.metadata.creationTimestamp)],
  },
  Node: {
    columns: [column('Name'), column('Status'), column('Roles'), AGE, column('Version')],
    cells: (n) => [n.metadata.name, conditionStatus(n, 'Ready') === 'True' ? 'Ready' : 'NotReady', '<none>', humanAge(n.metadata.creationTimestamp), str(record(record(n.status).nodeInfo).kubeletVersion, '')],
  },
  Service: {
    columns: [column('Name'), column('Type'), column('Cluster-IP'), column('External-IP'), column('Port(s)'), AGE],
    cells: (s) => {
      const spec = record(s.spec);
      const ports = list(spec.ports).map((p) => `${num(p.port)}/${str(p.protocol, 'TCP')}`).join(',');
      return [s.metadata.name, str(spec.type, 'ClusterIP'), str(spec.clusterIP), '<none>', ports || '<none>', humanAge(s.metadata.creationTimestamp)];
    },
  },
  ConfigMap: {
    columns: [column('Name'), column('Data', 'integer'), AGE],
    cells: (c) => [c.metadata.name, Object.keys(record(c.data)).length + Object.keys(record(c.binaryData)).length, humanAge(c.metadata.creationTimestamp)],
  },
  AppRelease: {
    columns: [column('Name'), column('Health'), AGE],
    cells: (a) => [a.metadata.name, conditionStatus(a, 'Health') || '<none>', humanAge(a.metadata.creationTimestamp)],
  },
  Application: {
    columns: [column('Name'), column('Phase'), AGE],
    cells: (a) => [a.metadata.name, str(record(a.spec).assemblyPhase), humanAge(a.metadata.creationTimestamp)],
  },
};

const DEFAULT_COLUMNS: KindColumns = {
  columns: [column('Name'), column('Created At', 'date')],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

const DEFAULT_CUSTOM_COLUMNS: KindColumns = {
  columns: [column('Name'), AGE],
  cells: (o) => [o.metadata.name, humanAge(o.metadata.creationTimestamp)],
};

export type IncludeObject = 'None' | 'Object' | 'PartialObjectMetadata';

export function buildTable(
  kind: string,
  objects: KubeObject[],
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  includeObject: IncludeObject,
  builtin: boolean,
): Record<string, unknown> {
  const spec = BY_KIND[kind] ?? (builtin ? DEFAULT_COLUMNS : DEFAULT_CUSTOM_COLUMNS);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: spec.columns,
    rows: objects.map((obj) => ({
      cells: spec.cells(obj),
      object:
        includeObject === 'None' ? undefined
        : includeObject === 'Object' ? obj
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata },
    })),
  };
}
