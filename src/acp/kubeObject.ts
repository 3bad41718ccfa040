import type { KubeObject } from '../cluster/types';

export type { KubeObject };

/** Narrows an untyped field (spec, status) to a record, or undefined. */
export function recordField(source: unknown): Record<string, unknown> | undefined {
  return typeof source === 'object' && source !== null && !Array.isArray(source) ? (source as Record<string, unknown>) : undefined;
}

/** Reads a number field from an untyped status, or 0 when absent. */
export function numberField(source: Record<string, unknown> | undefined, key: string): number {
  const value = source?.[key];
  return typeof value === 'number' ? value : 0;
}

export function stringField(source: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = source?.[key];
  return typeof value === 'string' ? value : undefined;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function conditionsOf(obj: KubeObject | undefined): Condition[] {
  const raw = recordField(obj?.status)?.conditions;
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (c): c is Condition =>
      typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string' && typeof (c as Condition).status === 'string',
  );
}
