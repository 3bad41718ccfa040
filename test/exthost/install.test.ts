// Inside a real extension host: the install commands and the walkthrough are wired, and what the install remembers
// in globalState never holds a secret.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { AnswerMemory, MementoPushLedger } from '../../src/state/installMemory';
import { validateArtifactPath } from '../../src/commands/install/prompts';
import { MementoTrustStore } from '../../src/state/trustStore';

const EXTENSION_ID = 'deepflow-acp.deepflow-acp';

interface Walkthrough {
  id: string;
  steps: { id: string; description: string; media: { markdown?: string }; completionEvents?: string[] }[];
}

class MemoryMemento implements vscode.Memento {
  readonly data = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.data.keys()];
  }
  get<T>(key: string, defaultValue?: T): T | undefined {
    return (this.data.has(key) ? this.data.get(key) : defaultValue) as T | undefined;
  }
  update(key: string, value: unknown): Thenable<void> {
    this.data.set(key, value);
    return Promise.resolve();
  }
}

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return ext;
}

suite('install wiring', () => {
  test('the install commands are registered', async () => {
    await extension().activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of [
      'deepflow.install.downloadViolet',
      'deepflow.install.pushArtifacts',
      'deepflow.install.nfsPlugin',
      'deepflow.install.storageClass',
      'deepflow.install.deepflow',
      'deepflow.install.all',
      'deepflow.uninstall',
    ]) {
      assert.ok(registered.has(id), `${id} is not registered`);
    }
  });

  test('the walkthrough leads to the guided install through registered commands and existing media, in English and Chinese', async () => {
    const ext = extension();
    await ext.activate();
    const manifest = JSON.parse(readFileSync(join(ext.extensionPath, 'package.json'), 'utf8')) as { contributes: { walkthroughs: Walkthrough[] } };
    const walkthrough = manifest.contributes.walkthroughs[0];
    assert.ok(walkthrough);
    assert.deepEqual(walkthrough.steps.map((s) => s.id), ['selectContext', 'downloadViolet', 'guidedInstall']);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const nlsFile of ['package.nls.json', 'package.nls.zh-cn.json']) {
      const nls = JSON.parse(readFileSync(join(ext.extensionPath, nlsFile), 'utf8')) as Record<string, string>;
      // The manifest holds %key% placeholders; VS Code fills them from the file of the display language.
      const text = (value: string): string => nls[/^%([^%]+)%$/.exec(value)?.[1] ?? ''] ?? value;
      for (const step of walkthrough.steps) {
        for (const match of text(step.description).matchAll(/\(command:([\w.]+)\)/g)) assert.ok(registered.has(match[1] ?? ''), `${nlsFile}: ${step.id} links ${match[1]}`);
        if (step.media.markdown) assert.ok(readFileSync(join(ext.extensionPath, step.media.markdown), 'utf8').length > 50);
      }
      assert.match(text(walkthrough.steps[2]?.description ?? ''), /command:deepflow\.install\.all/, nlsFile);
    }
  });

  test('remembered answers drop anything secret, and trust decisions round-trip per origin', async () => {
    const memento = new MemoryMemento();
    const answers = new AnswerMemory(memento);
    await answers.remember({ platformUrl: 'https://acp.example.com', username: 'admin', ...({ password: 'hunter22', grafanaAdminPassword: 'x$y' } as object) });
    assert.deepEqual(answers.get(), { platformUrl: 'https://acp.example.com', username: 'admin' });
    assert.doesNotMatch(JSON.stringify([...memento.data]), /hunter22|x\$y/);

    const trust = new MementoTrustStore(memento);
    await trust.set('https://a.example:8443', { kind: 'pinned', fingerprint: 'AA:BB' });
    assert.deepEqual(trust.get('https://a.example:8443'), { kind: 'pinned', fingerprint: 'AA:BB' });
    assert.equal(trust.get('https://b.example'), undefined);

    const ledger = new MementoPushLedger(memento);
    const record = { platformOrigin: 'https://a', file: 'nfs.amd64.v4.0.2.tgz', sizeBytes: 1, modifiedMs: 2, targetChartRepo: 'public-charts', pushedAt: 'now' };
    await ledger.add(record);
    await ledger.add({ ...record, sizeBytes: 3 });
    assert.deepEqual(ledger.list(), [{ ...record, sizeBytes: 3 }]);
  });

  test('a typed artifact path must exist, be absolute, and be the right artifact', () => {
    assert.match(validateArtifactPath('nfs.amd64.v4.0.2.tgz', 'nfs') ?? '', /absolute/);
    assert.match(validateArtifactPath('/nowhere/nfs.amd64.v4.0.2.tgz', 'nfs') ?? '', /does not exist/);
    assert.match(validateArtifactPath('/nowhere/deepflow-v1.2.3.tgz', 'nfs') ?? '', /DeepFlow artifact/);
    assert.match(validateArtifactPath('/nowhere/notes.txt', 'deepflow') ?? '', /not a \.tgz/);
  });
});
