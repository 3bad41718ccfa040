// Runs inside a real VS Code extension host: the extension activates, returns its API, and registers every
// command that package.json contributes.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'deepflow-acp.deepflow-acp';

interface Manifest {
  contributes: { commands: { command: string }[]; views?: Record<string, { id: string }[]> };
}

function manifest(extension: vscode.Extension<unknown>): Manifest {
  return JSON.parse(readFileSync(join(extension.extensionPath, 'package.json'), 'utf8')) as Manifest;
}

function deepflow(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not installed in this host`);
  return extension;
}

suite('activation', () => {
  test('the extension activates and returns its API', async () => {
    const extension = deepflow();
    const api = (await extension.activate()) as { version?: unknown } | undefined;
    assert.equal(extension.isActive, true);
    assert.ok(api && typeof api === 'object', 'activate() returned no API object');
    assert.equal(typeof api.version, 'string');
    assert.equal(api.version, (extension.packageJSON as { version: string }).version);
  });

  test('every contributed command is registered', async () => {
    const extension = deepflow();
    await extension.activate();
    const contributed = manifest(extension).contributes.commands.map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('the components view can be shown', async () => {
    const extension = deepflow();
    await extension.activate();
    const views = manifest(extension).contributes.views?.deepflow?.map((v) => v.id) ?? [];
    assert.ok(views.includes('deepflow.views.components'));
    // Every contributed view gets a "<view id>.focus" command; running it must not throw.
    await vscode.commands.executeCommand('deepflow.views.components.focus');
  });
});
