// The extension as the e2e suites install it: the .vsix that `npm run package` builds (vsce, offline), unless
// DEEPFLOW_E2E_VSIX names one already built.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { defaultVsix, repoRoot } from './paths';

const execFileAsync = promisify(execFile);

export async function packageExtension(): Promise<string> {
  const given = process.env.DEEPFLOW_E2E_VSIX;
  if (given) {
    if (!existsSync(given)) throw new Error(`DEEPFLOW_E2E_VSIX=${given} does not exist`);
    return given;
  }
  mkdirSync(dirname(defaultVsix), { recursive: true }); // vsce -o does not create the folder
  await execFileAsync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
  if (!existsSync(defaultVsix)) throw new Error(`npm run package did not produce ${defaultVsix}`);
  return defaultVsix;
}

/** Packs a fixture extension (a folder under test/fixtures) into a .vsix with the project's vsce, offline. */
export async function packageFixture(name: string): Promise<string> {
  const folder = join(repoRoot, 'test', 'fixtures', name);
  const out = join(dirname(defaultVsix), `${name}.vsix`);
  mkdirSync(dirname(out), { recursive: true });
  const vsce = join(repoRoot, 'node_modules', '.bin', 'vsce');
  await execFileAsync(vsce, ['package', '--allow-missing-repository', '--skip-license', '-o', out], { cwd: folder, timeout: 120_000 });
  if (!existsSync(out)) throw new Error(`vsce did not produce ${out}`);
  return out;
}

export interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

interface Manifest {
  contributes: {
    commands: ContributedCommand[];
    viewsContainers: { activitybar: { id: string; title: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    menus?: Record<string, { command: string; when?: string }[]>;
  };
}

/**
 * package.json with its %key% placeholders filled from package.nls.json, or from package.nls.<locale>.json, as VS Code
 * shows the manifest in that display language.
 */
export function manifest(locale?: string): Manifest {
  const nlsFile = join(repoRoot, locale ? `package.nls.${locale}.json` : 'package.nls.json');
  const nls = JSON.parse(readFileSync(nlsFile, 'utf8')) as Record<string, string>;
  const text = readFileSync(join(repoRoot, 'package.json'), 'utf8');
  return JSON.parse(text, (_key, value: unknown) => {
    const placeholder = typeof value === 'string' ? /^%([^%]+)%$/.exec(value) : null;
    return placeholder ? (nls[placeholder[1] as string] ?? value) : value;
  }) as Manifest;
}

/** "Category: Title", as the command palette shows it. */
export function paletteLabel(c: ContributedCommand): string {
  return c.category ? `${c.category}: ${c.title}` : c.title;
}
