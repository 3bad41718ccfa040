/**
 * Server-side apply and field ownership, kept simple but faithful where clients notice:
 * - every write records which manager owns which fields in metadata.managedFields (FieldsV1 format);
 * - an apply that sets a field another manager owns with a different value is a conflict unless forced;
 * - a field the same manager applied before and no longer applies is removed, unless someone else owns it.
 * Lists with a known merge key (containers by name, ...) are associative: their items are owned one by one.
 */
import { isObject, mergeKeyFor, type Json, type JsonObject } from '../patch';

export type FieldPath = string[];

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

interface Ownership {
  entry: ManagedFieldsEntry;
  paths: Map<string, FieldPath>;
}

export interface FieldConflict {
  manager: string;
  apiVersion: string;
  field: string;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: FieldConflict[]) {
    super(`Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`).join('\n')}`);
  }
}

const SERVER_OWNED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

function pathKey(path: FieldPath): string {
  return path.join('\n');
}

function itemSegment(item: JsonObject, key: string): string {
  return `k:${JSON.stringify({ [key]: item[key] ?? null })}`;
}

/**
 * Leaf paths (and associative list item paths) of an object's fields. `scope` 'main' skips status; 'status'
 * keeps only status. Top-level identity fields and server-owned metadata are never owned by anyone.
 */
export function fieldPaths(obj: JsonObject, scope: 'main' | 'status' | 'all'): Map<string, FieldPath> {
  const paths = new Map<string, FieldPath>();
  const walk = (value: Json, path: FieldPath, field: string): void => {
    if (isObject(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0 && path.length > 0) paths.set(pathKey(path), path);
      for (const [key, child] of entries) {
        if (child === null) continue;
        if (path.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
        if (path.length === 0 && key === 'status' && scope === 'main') continue;
        if (path.length === 0 && key !== 'status' && scope === 'status') continue;
        if (path.length === 1 && path[0] === 'f:metadata' && SERVER_OWNED_METADATA.has(key)) continue;
        walk(child, [...path, `f:${key}`], key);
      }
      return;
    }
    if (Array.isArray(value)) {
      const key = mergeKeyFor(field, value);
      if (key && value.length > 0 && value.every((item) => isObject(item) && item[key] !== undefined)) {
        for (const item of value as JsonObject[]) {
          const itemPath = [...path, itemSegment(item, key)];
          paths.set(pathKey(itemPath), itemPath);
          walk(item, itemPath, '');
        }
        return;
      }
    }
    paths.set(pathKey(path), path);
  };
  walk(obj, [], '');
  return paths;
}

function matchesItem(item: Json, segment: string): boolean {
  if (!isObject(item)) return false;
  const wanted = JSON.parse(segment.slice(2)) as JsonObject;
  return Object.entries(wanted).every(([k, v]) => JSON.stringify(item[k] ?? null) === JSON.stringify(v));
}

/** The value at a field path, or undefined. Understands f:, k:, v: and i: segments. */
export function valueAt(obj: Json, path: FieldPath): Json | undefined {
  let current: Json | undefined = obj;
  for (const segment of path) {
    if (current === undefined) return undefined;
    const kind = segment.slice(0, 2);
    const rest = segment.slice(2);
    if (kind === 'f:') current = isObject(current) ? current[rest] : undefined;
    else if (kind === 'k:') current = Array.isArray(current) ? current.find((item) => matchesItem(item, segment)) : undefined;
    else if (kind === 'v:') current = Array.isArray(current) ? current.find((item) => JSON.stringify(item) === rest) : undefined;
    else if (kind === 'i:') current = Array.isArray(current) ? current[Number(rest)] : undefined;
    else return undefined;
  }
  return current;
}

/** Removes the field or list item at a path, in place. */
export function removeAt(obj: Json, path: FieldPath): void {
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1] ?? '';
  const kind = last.slice(0, 2);
  const rest = last.slice(2);
  if (kind === 'f:' && isObject(parent)) delete parent[rest];
  else if (Array.isArray(parent)) {
    const index =
      kind === 'k:' ? parent.findIndex((item) => matchesItem(item, last))
      : kind === 'v:' ? parent.findIndex((item) => JSON.stringify(item) === rest)
      : kind === 'i:' ? Number(rest)
      : -1;
    if (index >= 0 && index < parent.length) parent.splice(index, 1);
  }
}

export function encodeFieldsV1(paths: Iterable<FieldPath>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path) {
      const next = node[segment];
      if (isObject(next)) node = next;
      else {
        const created: JsonObject = {};
        node[segment] = created;
        node = created;
      }
    }
    if (path[path.length - 1]?.startsWith('k:')) node['.'] = {};
  }
  return root;
}

export function decodeFieldsV1(tree: Json): Map<string, FieldPath> {
  const paths = new Map<string, FieldPath>();
  const walk = (node: Json, path: FieldPath): void => {
    if (!isObject(node)) return;
    for (const [segment, child] of Object.entries(node)) {
      if (segment === '.') {
        paths.set(pathKey(path), path);
        continue;
      }
      const childPath = [...path, segment];
      if (isObject(child) && Object.keys(child).length === 0) paths.set(pathKey(childPath), childPath);
      else walk(child, childPath);
    }
  };
  walk(tree, []);
  return paths;
}

function ownerKey(manager: string, operation: string, subresource: string | undefined): string {
  return `${manager}\n${operation}\n${subresource ?? ''}`;
}

function readOwnership(obj: JsonObject): Map<string, Ownership> {
  const result = new Map<string, Ownership>();
  const metadata = obj.metadata;
  const managed = isObject(metadata) ? metadata.managedFields : undefined;
  if (!Array.isArray(managed)) return result;
  for (const raw of managed) {
    if (!isObject(raw) || typeof raw.manager !== 'string') continue;
    const entry = raw as unknown as ManagedFieldsEntry;
    result.set(ownerKey(entry.manager, entry.operation, entry.subresource), { entry, paths: decodeFieldsV1(raw.fieldsV1 ?? {}) });
  }
  return result;
}

function writeOwnership(obj: JsonObject, owners: Map<string, Ownership>): void {
  const metadata = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  const entries: Json[] = [];
  for (const { entry, paths } of owners.values()) {
    if (paths.size === 0) continue;
    entries.push({ ...entry, fieldsV1: encodeFieldsV1(paths.values()) });
  }
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function isUnder(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

function isLeaf(value: Json | undefined): boolean {
  return !isObject(value);
}

/**
 * Records a non-apply write (create, update, patch) by `manager`: changed and new fields become its own, and
 * fields that disappeared are owned by nobody. A write that sets managedFields itself is taken as given.
 */
export function recordUpdate(before: JsonObject | undefined, after: JsonObject, manager: string, apiVersion: string, subresource?: string): void {
  const beforeManaged = before && isObject(before.metadata) ? JSON.stringify(before.metadata.managedFields ?? null) : 'null';
  const afterManaged = isObject(after.metadata) ? JSON.stringify(after.metadata.managedFields ?? null) : 'null';
  if (afterManaged !== beforeManaged && afterManaged !== 'null' && afterManaged !== '[]') return;
  if (before && isObject(before.metadata) && isObject(after.metadata)) after.metadata.managedFields = before.metadata.managedFields ?? [];
  const scope = subresource === 'status' ? 'status' : 'main';
  const owners = readOwnership(after);
  const newPaths = fieldPaths(after, scope);
  const oldPaths = before ? fieldPaths(before, scope) : new Map<string, FieldPath>();
  const changed: FieldPath[] = [];
  for (const [key, path] of newPaths) {
    const old = oldPaths.get(key);
    if (!old || (isLeaf(valueAt(after, path)) && JSON.stringify(valueAt(before ?? {}, path)) !== JSON.stringify(valueAt(after, path)))) changed.push(path);
  }
  for (const owner of owners.values()) {
    for (const key of [...owner.paths.keys()]) {
      const ownedPath = owner.paths.get(key);
      if (!ownedPath) continue;
      const inScope = scope === 'status' ? ownedPath[0] === 'f:status' : ownedPath[0] !== 'f:status';
      if (inScope && valueAt(after, ownedPath) === undefined) owner.paths.delete(key);
    }
  }
  if (changed.length > 0) {
    const myKey = ownerKey(manager, 'Update', subresource);
    for (const [key, owner] of owners) {
      if (key === myKey) continue;
      for (const path of changed) owner.paths.delete(pathKey(path));
    }
    const mine = owners.get(myKey) ?? { entry: { manager, operation: 'Update', apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {}, subresource }, paths: new Map() };
    mine.entry.time = now();
    for (const path of changed) mine.paths.set(pathKey(path), path);
    owners.set(myKey, mine);
  }
  writeOwnership(after, owners);
}

/** Merges an applied configuration into the live object: maps recursively, associative lists by key. */
function applyMerge(live: Json | undefined, applied: Json, field: string): Json {
  if (isObject(applied)) {
    const result: JsonObject = isObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(applied)) {
      if (value === null) continue;
      result[key] = applyMerge(result[key], value, key);
    }
    return result;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const key = mergeKeyFor(field, applied);
    if (key && applied.every((item) => isObject(item) && item[key] !== undefined)) {
      const result = [...live];
      for (const item of applied) {
        const index = result.findIndex((existing) => isObject(existing) && isObject(item) && JSON.stringify(existing[key]) === JSON.stringify(item[key]));
        if (index >= 0) result[index] = applyMerge(result[index], item, '');
        else result.push(structuredClone(item));
      }
      return result;
    }
  }
  return structuredClone(applied);
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
  apiVersion: string;
  subresource?: string;
}

/**
 * Server-side apply of `applied` onto `live` (undefined when the object does not exist yet). Returns the new
 * object with managedFields updated; throws ApplyConflictError on conflicts that were not forced.
 */
export function serverSideApply(live: JsonObject | undefined, applied: JsonObject, options: ApplyOptions): JsonObject {
  const scope = options.subresource === 'status' ? 'status' : 'main';
  const result: JsonObject = live ? structuredClone(live) : {};
  const owners = readOwnership(result);
  const myKey = ownerKey(options.manager, 'Apply', options.subresource);
  const appliedPaths = fieldPaths(applied, scope);

  const conflicts: FieldConflict[] = [];
  for (const [key, owner] of owners) {
    if (key === myKey) continue;
    for (const [pathId, path] of appliedPaths) {
      if (!owner.paths.has(pathId)) continue;
      const wanted = valueAt(applied, path);
      const current = valueAt(result, path);
      if (!isLeaf(wanted) || !isLeaf(current) || JSON.stringify(wanted) === JSON.stringify(current)) continue;
      if (options.force) owner.paths.delete(pathId);
      else conflicts.push({ manager: owner.entry.manager, apiVersion: owner.entry.apiVersion, field: displayPath(path) });
    }
  }
  if (conflicts.length > 0) throw new ApplyConflictError(conflicts);

  const previous = owners.get(myKey);
  if (previous) {
    const dropped = [...previous.paths.entries()].filter(([pathId]) => !appliedPaths.has(pathId)).map(([, path]) => path);
    // Deepest first, so list items go after their fields.
    dropped.sort((a, b) => b.length - a.length);
    for (const path of dropped) {
      const ownedElsewhere = [...owners].some(([key, owner]) => key !== myKey && [...owner.paths.values()].some((p) => isUnder(p, path)));
      if (!ownedElsewhere) removeAt(result, path);
    }
  }

  const merged = applyMerge(result, stripNulls(applied), '') as JsonObject;
  const entry: ManagedFieldsEntry = { manager: options.manager, operation: 'Apply', apiVersion: options.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {}, subresource: options.subresource };
  owners.set(myKey, { entry, paths: appliedPaths });
  if (!live) {
    for (const key of [...owners.keys()]) if (key !== myKey) owners.delete(key);
  }
  if (scope === 'main' && live && 'status' in live) merged.status = structuredClone(live.status ?? null);
  if (scope === 'status' && live) {
    for (const key of Object.keys(merged)) if (key !== 'status' && key !== 'metadata') merged[key] = structuredClone(live[key] ?? null);
    merged.metadata = structuredClone(live.metadata ?? {});
  }
  writeOwnership(merged, owners);
  return merged;
}

function stripNulls(value: Json): Json {
  if (isObject(value)) {
    const result: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) result[k] = stripNulls(v);
    return result;
  }
  if (Array.isArray(value)) return value.map(stripNulls);
  return value;
}

/** ".spec.replicas", ".spec.template.spec.containers[name="app"].image": how Kubernetes names a field. */
export function displayPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (segment.startsWith('f:')) text += `.${segment.slice(2)}`;
    else if (segment.startsWith('k:')) {
      const keys = JSON.parse(segment.slice(2)) as JsonObject;
      text += `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else text += `[${segment.slice(2)}]`;
  }
  return text;
}
