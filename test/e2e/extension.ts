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

export function manifest(): Manifest {
  return JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
}

/** "Category: Title", as the command palette shows it. */
export function paletteLabel(c: ContributedCommand): string {
  return c.category ? `${c.category}: ${c.title}` : c.title;
}
