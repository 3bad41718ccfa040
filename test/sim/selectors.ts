/** Label and field selectors with the Kubernetes syntax (=, ==, !=, in, notin, exists, !key). */
import type { KubeObject } from './contract';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses ("a in (x,y),b" -> ["a in (x,y)", "b"]). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function parseLabelSelector(text: string | null | undefined): LabelRequirement[] {
  if (!text) return [];
  return splitTopLevel(text).map((part): LabelRequirement => {
    const setMatch = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const values = (setMatch[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      return { key: setMatch[1] ?? '', op: setMatch[2] === 'in' ? 'in' : 'notin', values };
    }
    const notEqual = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part);
    if (notEqual) return { key: notEqual[1] ?? '', op: 'notin', values: [notEqual[2] ?? ''] };
    const equal = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part);
    if (equal) return { key: equal[1] ?? '', op: 'in', values: [equal[2] ?? ''] };
    const notExists = /^!\s*([^\s!=()]+)$/.exec(part);
    if (notExists) return { key: notExists[1] ?? '', op: '!exists' };
    if (/^[^\s!=()]+$/.test(part)) return { key: part, op: 'exists' };
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(part)}`);
  });
}

export function labelsMatch(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const req of requirements) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, req.key);
    const value = has ? labels[req.key] : undefined;
    switch (req.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
      case 'in':
        if (value === undefined || !req.values.includes(value)) return false;
        break;
      case 'notin':
        // Like Kubernetes, a missing label satisfies "!=" and "notin".
        if (value !== undefined && req.values.includes(value)) return false;
        break;
    }
  }
  return true;
}

export interface FieldRequirement {
  path: string;
  equals: boolean;
  value: string;
}

export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text) return [];
  return splitTopLevel(text).map((part) => {
    const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) throw new SelectorError(`invalid field selector: ${JSON.stringify(part)}`);
    return { path: match[1] ?? '', equals: match[2] !== '!=', value: (match[3] ?? '').trim() };
  });
}

/** Reads a dotted field path (metadata.name, status.phase, spec.nodeName) as a string for comparison. */
function fieldValue(obj: KubeObject, path: string): string {
  let current: unknown = obj;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === undefined || current === null) return '';
  return typeof current === 'string' ? current : JSON.stringify(current);
}

export function fieldsMatch(requirements: FieldRequirement[], obj: KubeObject): boolean {
  return requirements.every((req) => (fieldValue(obj, req.path) === req.value) === req.equals);
}

export interface Selector {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export function parseSelector(labelSelector: string | null, fieldSelector: string | null): Selector {
  return { labels: parseLabelSelector(labelSelector), fields: parseFieldSelector(fieldSelector) };
}

export function selectorMatches(selector: Selector, obj: KubeObject): boolean {
  return labelsMatch(selector.labels, obj.metadata.labels) && fieldsMatch(selector.fields, obj);
}
