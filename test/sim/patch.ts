/**
 * The three patch formats the API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
 * Kubernetes strategic merge patch, the one `kubectl apply` (client side) sends for built-in types.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class PatchError extends Error {
  constructor(message: string, readonly code: 400 | 422 = 422) {
    super(message);
  }
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

// ---------------------------------------------------------------- JSON merge patch

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

// ---------------------------------------------------------------- JSON patch

interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`, 400);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, segments: string[]): { parent: Json; key: string } {
  let current = doc;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(segment)] as Json;
    else if (isObject(current)) current = current[segment] as Json;
    else current = undefined as unknown as Json;
    if (current === undefined) throw new PatchError(`path ${'/' + segments.join('/')} not found`);
  }
  return { parent: current, key: segments[segments.length - 1] ?? '' };
}

function readPointer(doc: Json, path: string): Json {
  let current: Json | undefined = doc;
  for (const segment of pointer(path)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isObject(current)) current = current[segment];
    else current = undefined;
    if (current === undefined) throw new PatchError(`path ${path} not found`);
  }
  return current;
}

function removeAt(doc: Json, path: string): Json {
  const { parent, key } = parentOf(doc, pointer(path));
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!(index >= 0 && index < parent.length)) throw new PatchError(`path ${path} not found`);
    return parent.splice(index, 1)[0] ?? null;
  }
  if (isObject(parent) && key in parent) {
    const old = parent[key] ?? null;
    delete parent[key];
    return old;
  }
  throw new PatchError(`unable to remove nonexistent key: ${path}`);
}

function addAt(doc: Json, path: string, value: Json): Json {
  const segments = pointer(path);
  if (segments.length === 0) return value;
  const { parent, key } = parentOf(doc, segments);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!(index >= 0 && index <= parent.length)) throw new PatchError(`index out of range in ${path}`);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`path ${path} has no parent object`);
  return doc;
}

export function jsonPatch(target: Json, operations: unknown): Json {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations', 400);
  let doc = clone(target);
  for (const raw of operations as unknown[]) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new PatchError('invalid JSON patch operation', 400);
    const op = raw as unknown as JsonPatchOperation;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, clone(op.value ?? null));
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'replace':
        if (op.path === '') doc = clone(op.value ?? null);
        else {
          removeAt(doc, op.path);
          doc = addAt(doc, op.path, clone(op.value ?? null));
        }
        break;
      case 'move': {
        const value = removeAt(doc, op.from ?? '');
        doc = addAt(doc, op.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, clone(readPointer(doc, op.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(readPointer(doc, op.path)) !== JSON.stringify(op.value ?? null)) throw new PatchError(`test operation failed at ${op.path}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch operation ${JSON.stringify(op.op)}`, 400);
    }
  }
  return doc;
}

// ---------------------------------------------------------------- strategic merge patch

/**
 * The merge key of a list field in the built-in types (the patchMergeKey of the Go structs), or undefined for
 * lists that are replaced whole. Server-side apply uses the same keys for its associative lists.
 */
export function mergeKeyFor(field: string, items: readonly Json[]): string | undefined {
  const first = items.find(isObject);
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'env':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
    case 'volumeDevices':
      return 'mountPath';
    case 'ports':
      return first && 'containerPort' in first ? 'containerPort' : 'port';
    case 'conditions':
      return 'type';
    case 'hostAliases':
      return 'ip';
    case 'ownerReferences':
      return 'uid';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    default:
      return undefined;
  }
}

function sameKey(a: Json, b: Json, key: string): boolean {
  return isObject(a) && isObject(b) && JSON.stringify(a[key]) === JSON.stringify(b[key]);
}

function strategicList(field: string, original: Json[], patch: Json[]): Json[] {
  const key = mergeKeyFor(field, [...patch, ...original]);
  if (!key || !patch.every(isObject)) return clone(patch);
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map(clone);
  }
  const result = original.map(clone);
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = result.findIndex((existing) => sameKey(existing, item, key));
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = strategicMergePatch(result[index], item);
    else result.push(strategicMergePatch(undefined, item));
  }
  return result;
}

function applyElementOrder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const position = (item: Json): number => {
    const index = order.findIndex((o) => (key ? sameKey(o, item, key) : JSON.stringify(o) === JSON.stringify(item)));
    return index < 0 ? order.length : index;
  };
  // Stable: items the order does not name keep their relative place after the named ones.
  return list.map((item, i) => ({ item, i })).sort((a, b) => position(a.item) - position(b.item) || a.i - b.i).map((x) => x.item);
}

export function strategicMergePatch(original: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const replaced = clone(patch);
    delete replaced.$patch;
    return replaced;
  }
  const result: JsonObject = isObject(original) ? clone(original) : {};
  const orders: [string, Json[]][] = [];
  let retainKeys: string[] | undefined;
  for (const [field, value] of Object.entries(patch)) {
    if (field === '$patch') continue;
    if (field === '$retainKeys') {
      retainKeys = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
      continue;
    }
    if (field.startsWith('$setElementOrder/')) {
      if (Array.isArray(value)) orders.push([field.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (field.startsWith('$deleteFromPrimitiveList/')) {
      const listField = field.slice('$deleteFromPrimitiveList/'.length);
      const current = result[listField];
      if (Array.isArray(current) && Array.isArray(value)) {
        const doomed = new Set(value.map((v) => JSON.stringify(v)));
        result[listField] = current.filter((v) => !doomed.has(JSON.stringify(v)));
      }
      continue;
    }
    if (value === null) {
      delete result[field];
    } else if (isObject(value)) {
      if (value.$patch === 'delete') delete result[field];
      else result[field] = strategicMergePatch(result[field], value);
    } else if (Array.isArray(value)) {
      const current = result[field];
      result[field] = strategicList(field, Array.isArray(current) ? current : [], value);
    } else {
      result[field] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list)) result[field] = applyElementOrder(list, order, mergeKeyFor(field, order));
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  return result;
}
