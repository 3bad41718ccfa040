// Fails when a user-facing string has no zh-cn translation. The English messages are exported from the sources by
// @vscode/l10n-dev, the same tool that makes the bundle, so there is no hand-kept key list; the rules are in
// lib/l10nCheck.ts. `--write-english` also writes l10n/bundle.l10n.json, for translators.
import { getL10nJson } from '@vscode/l10n-dev';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { findL10nProblems } from './lib/l10nCheck';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

async function main(): Promise<void> {
  const files = sourceFiles('src').map((path) => ({ contents: readFileSync(path, 'utf8'), extension: extname(path) }));
  const sourceMessages = await getL10nJson(files);
  if (process.argv.includes('--write-english')) writeFileSync('l10n/bundle.l10n.json', `${JSON.stringify(sourceMessages, null, 2)}\n`);
  const problems = findL10nProblems({
    sourceMessages,
    bundleZh: readJson('l10n/bundle.l10n.zh-cn.json'),
    nls: readJson('package.nls.json'),
    nlsZh: readJson('package.nls.zh-cn.json'),
    manifestText: readFileSync('package.json', 'utf8'),
  });
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    console.error(`l10n: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`l10n: ${Object.keys(sourceMessages).length} messages and the manifest, all translated to zh-cn`);
}

void main();
