/**
 * The two artifacts pushed with violet. Their file names carry what the install needs: the DeepFlow artifact's name
 * holds the chart version that the Application must ask for.
 */
import * as l10n from '@vscode/l10n';

export type ArtifactKind = 'deepflow' | 'nfs';

// Helm chart versions are SemVer 2, here with ACP's leading "v": v3.19.0-fix.49.27.gb547cdc5-dbs.
const deepflowArtifactPattern = /^deepflow-(v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\.tgz$/;
// e.g. nfs.amd64.v4.0.2.tgz; the architecture and version parts vary between ACP releases.
const nfsArtifactPattern = /^nfs[.\-_][0-9A-Za-z._-]*\.tgz$/;

/** The last path segment, for both / and \ separators, since the file picker hands over native paths. */
function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The chart version in a DeepFlow artifact's name, or undefined when the name is not `deepflow-<version>.tgz`. */
export function chartVersionFromArtifact(fileName: string): string | undefined {
  return deepflowArtifactPattern.exec(baseName(fileName))?.[1];
}

export function isNfsArtifact(fileName: string): boolean {
  return nfsArtifactPattern.test(baseName(fileName));
}

const examples: Readonly<Record<ArtifactKind, string>> = {
  deepflow: 'deepflow-v3.19.0-fix.49.27.gb547cdc5-dbs.tgz',
  nfs: 'nfs.amd64.v4.0.2.tgz',
};
/** What the messages call each artifact ("the DeepFlow artifact"); localized when a message is made. */
function labelOf(kind: ArtifactKind): string {
  return kind === 'deepflow' ? l10n.t('DeepFlow artifact') : l10n.t('NFS CSI plugin artifact');
}

/** Checks a picked file by its name only (the picker guarantees it exists); returns a message, or undefined when fine. */
export function validateArtifactFile(path: string, expected: ArtifactKind): string | undefined {
  const name = baseName(path);
  if (!name) return l10n.t('Pick the {0}, like {1}', labelOf(expected), examples[expected]);
  if (!name.endsWith('.tgz')) return l10n.t('{0} is not a .tgz artifact; pick the {1}, like {2}', name, labelOf(expected), examples[expected]);
  const actual: ArtifactKind | undefined = chartVersionFromArtifact(name) ? 'deepflow' : isNfsArtifact(name) ? 'nfs' : undefined;
  if (actual === expected) return undefined;
  if (actual) return l10n.t('{0} is the {1}; pick the {2}, like {3}', name, labelOf(actual), labelOf(expected), examples[expected]);
  return expected === 'deepflow'
    ? l10n.t('{0} does not look like a DeepFlow artifact: its name must be deepflow-<version>.tgz, like {1}', name, examples.deepflow)
    : l10n.t('{0} does not look like the NFS CSI plugin artifact, like {1}', name, examples.nfs);
}
