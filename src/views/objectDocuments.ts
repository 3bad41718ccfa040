import * as vscode from 'vscode';
import type { ObjectRef } from '../cluster/types';
import type { Services } from '../services';

export const objectScheme = 'deepflow';

/** `deepflow:/<context>/<apiVersion>/<kind>/<namespace or _>/<name>.yaml`: one object's YAML, read-only. */
export function objectUri(context: string, ref: ObjectRef): vscode.Uri {
  const parts = [context, ref.apiVersion, ref.kind, ref.namespace ?? '_', `${ref.name}.yaml`].map(encodeURIComponent);
  return vscode.Uri.from({ scheme: objectScheme, path: `/${parts.join('/')}` });
}

function parseUri(uri: vscode.Uri): { context: string; ref: ObjectRef } {
  const parts = uri.path.split('/').slice(1).map(decodeURIComponent);
  const [context, apiVersion, kind, namespace, file] = parts;
  if (!context || !apiVersion || !kind || !namespace || !file || parts.length !== 5) throw new Error(vscode.l10n.t('Not a DeepFlow object address: {0}', uri.toString()));
  return { context, ref: { apiVersion, kind, namespace: namespace === '_' ? undefined : namespace, name: file.replace(/\.yaml$/, '') } };
}

/**
 * Serves the YAML of cluster objects as read-only documents (a content provider has no save). managedFields are
 * left out, as `kubectl get -o yaml` does since 1.21; each open reads the object afresh.
 */
export class ObjectDocumentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly services: Services) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { context, ref } = parseUri(uri);
    const client = this.services.cluster.clientFor(context);
    // The YAML writer loads with the first object shown, not with the view.
    const [obj, { objectYaml }] = await Promise.all([client.get(ref), import('./objectYaml')]);
    return objectYaml(obj);
  }
}
