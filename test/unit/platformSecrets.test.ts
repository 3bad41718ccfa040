import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { Redactor, secretMask } from '../../src/acp/redact';
import { PlatformSecrets } from '../../src/state/platformSecrets';

/** SecretStorage as VS Code's API shapes it, kept in a Map (the type is all this test takes from vscode). */
function memorySecretStorage(): vscode.SecretStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: (key) => Promise.resolve(data.get(key)),
    store: (key, value) => Promise.resolve(void data.set(key, value)),
    delete: (key) => Promise.resolve(void data.delete(key)),
    onDidChange: () => ({ dispose: () => undefined }),
  };
}

describe('PlatformSecrets: the Grafana admin password', () => {
  it('keeps it per platform origin, cluster and Grafana user, masks it at once, and forgets it', async () => {
    const storage = memorySecretStorage();
    const redactor = new Redactor();
    const secrets = new PlatformSecrets(storage, redactor);
    const password = 'q7XkP2mVt9RbWc4HsNa3LdZe';
    await secrets.storeGrafanaPassword('https://acp.example.com', 'business-1', 'admin', password);
    assert.equal(await secrets.getGrafanaPassword('https://acp.example.com', 'business-1', 'admin'), password);
    assert.equal(await secrets.getGrafanaPassword('https://acp.example.com', 'business-2', 'admin'), undefined);
    assert.equal(await secrets.getGrafanaPassword('https://acp.example.com', 'business-1', 'ops'), undefined);
    assert.equal(await secrets.getGrafanaPassword('https://other.example.com', 'business-1', 'admin'), undefined);
    assert.equal(redactor.redact(`grafana login ${password}`), `grafana login ${secretMask}`);

    // Read back in a new session: registered with that session's redactor as soon as it is read.
    const later = new Redactor();
    assert.equal(await new PlatformSecrets(storage, later).getGrafanaPassword('https://acp.example.com', 'business-1', 'admin'), password);
    assert.equal(later.redact(password), secretMask);

    await secrets.forgetGrafanaPassword('https://acp.example.com', 'business-1', 'admin');
    assert.equal(await secrets.getGrafanaPassword('https://acp.example.com', 'business-1', 'admin'), undefined);
    assert.equal(storage.data.size, 0);
  });
});
