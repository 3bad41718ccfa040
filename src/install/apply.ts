/** Applying one manifest as an install step does: only when the cluster differs, whole, and logged with secrets masked. */
import type { KubeObject } from '../cluster';
import type { InstallContext } from './types';

/**
 * Whether `actual` already holds every field of `desired` with the same value (fields the server or a
 * controller added are ignored). Arrays compare element by element and must have the same length.
 */
export function containsDesired(actual: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((item, i) => containsDesired(actual[i], item));
  }
  if (typeof desired === 'object' && desired !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    const record = actual as Record<string, unknown>;
    return Object.entries(desired).every(([key, value]) => containsDesired(record[key], value));
  }
  return actual === desired;
}

export function describeObject(obj: KubeObject): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata.name ?? ''}`;
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Server-side applies `desired` unless the cluster already has it, so a rerun sends nothing and resourceVersions
 * stay as they are. The request gets no abort signal on purpose: once sent, it completes, and the manifest is
 * applied whole (a server-side apply is atomic); cancellation is honoured before and after it. `shownAs` is what the
 * log records (the Application passes a copy with its password masked).
 */
export async function applyIfChanged(ctx: InstallContext, desired: KubeObject, existing?: KubeObject | null, shownAs: KubeObject = desired): Promise<ApplyOutcome> {
  const ref = { apiVersion: desired.apiVersion, kind: desired.kind, name: desired.metadata.name ?? '', namespace: desired.metadata.namespace };
  const current = existing === undefined ? await ctx.client.find(ref) : (existing ?? undefined);
  if (current && containsDesired(current, desired)) {
    ctx.logger.info(`${describeObject(desired)} is already as wanted; nothing applied.`);
    return 'unchanged';
  }
  ctx.signal.throwIfAborted();
  const applied = await ctx.client.apply(desired);
  const outcome: ApplyOutcome = current ? 'updated' : 'created';
  ctx.logger.info(
    `Applied ${describeObject(desired)} (${outcome}, resourceVersion ${applied.metadata.resourceVersion ?? '?'}): ${ctx.redactor.redact(JSON.stringify(shownAs))}`,
  );
  return outcome;
}

