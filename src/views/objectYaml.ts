import { stringify } from 'yaml';
import type { KubeObject } from '../cluster/types';

/**
 * An object's YAML as `kubectl get -o yaml` shows it since 1.21: managedFields left out, no line folded. Its own
 * module so that the YAML writer loads with the first object shown, through import() of our code: the build's chunks
 * keep a CommonJS package's named exports only behind a static import.
 */
export function objectYaml(obj: KubeObject): string {
  const { managedFields: _managed, ...metadata } = obj.metadata;
  void _managed;
  return stringify({ ...obj, metadata }, { lineWidth: 0 });
}
