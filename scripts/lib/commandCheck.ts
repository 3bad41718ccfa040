import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every contributed command must be registered, and every registered command contributed (the habit of
 * vscode-pull-request-github's check-commands). Registrations are found in the source: the handler tables in
 * src/commands (keys like 'deepflow.x.y':) and any direct registerCommand('…') call. Menus and welcome-view links
 * must name contributed commands too. The extension-host suite checks the same thing at run time.
 */
export interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus?: Record<string, { command: string }[]>;
    viewsWelcome?: { contents: string }[];
  };
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

export function findProblems(manifest: Manifest, sources: Map<string, string>): string[] {
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
  const registered = new Set<string>();
  for (const [file, text] of sources) {
    const inTable = file.includes('commands') ? text.matchAll(/^\s*'(deepflow\.[\w.]+)':/gm) : [];
    for (const match of [...inTable, ...text.matchAll(/registerCommand\(\s*'(deepflow\.[\w.]+)'/g)]) {
      if (match[1]) registered.add(match[1]);
    }
  }
  const problems: string[] = [];
  for (const id of contributed) if (!registered.has(id)) problems.push(`contributed but never registered: ${id}`);
  for (const id of registered) if (!contributed.has(id)) problems.push(`registered but not contributed: ${id}`);
  for (const [menu, entries] of Object.entries(manifest.contributes.menus ?? {})) {
    for (const entry of entries) {
      if (!contributed.has(entry.command)) problems.push(`menu ${menu} names an unknown command: ${entry.command}`);
    }
  }
  for (const welcome of manifest.contributes.viewsWelcome ?? []) {
    for (const match of welcome.contents.matchAll(/\(command:([\w.]+)\)/g)) {
      if (match[1] && !contributed.has(match[1])) problems.push(`welcome view links an unknown command: ${match[1]}`);
    }
  }
  return problems;
}

