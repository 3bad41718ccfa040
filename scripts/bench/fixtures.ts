// Packages a fixture extension of test/fixtures/ into a .vsix with the repository's vsce, offline, as `npm run
// package` packages ours. code-server installs a .vsix properly (it records it in extensions.json); a copied folder
// is ignored once that file exists.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';
import { run } from './util';

export async function packageFixture(name: string, outDir: string): Promise<string> {
  const folder = join(repoRoot, 'test', 'fixtures', name);
  const out = join(outDir, `${name}.vsix`);
  const vsce = join(repoRoot, 'node_modules', '.bin', 'vsce');
  const args = ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out];
  const result = await run(vsce, args, { cwd: folder, timeoutMs: 120_000 });
  if (result.code !== 0 || !existsSync(out)) throw new Error(`vsce package of ${folder} failed (${result.code}):\n${result.stdout}${result.stderr}`);
  return out;
}
