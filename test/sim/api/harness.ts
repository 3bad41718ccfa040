/**
 * A bare API server for tests of the API server itself (no controllers): CA, certificate, an admin token, a
 * kubeconfig writer. The full simulator (test/sim/index.ts) composes the same parts with the ACP controllers.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ApiServer, Faults, TokenGrant } from '../contract';
import { startApiServer } from '../apiServer';
import { createCertificateAuthority, issueCertificate } from '../pki';
import { MemoryStore } from '../store';

export interface TestApiServer {
  api: ApiServer;
  store: MemoryStore;
  faults: Faults;
  caPem: string;
  adminToken: string;
  addToken(grant: TokenGrant): string;
  writeKubeconfig(file: string, token?: string): void;
}

export function noFaults(): Faults {
  return { slowApiMs: 0, apiDown: false, errors500: false, dropWatchesAfterMs: 0, watchGone: false, crashLoop: '' };
}

export async function startTestApiServer(): Promise<TestApiServer> {
  const ca = createCertificateAuthority('deepflow-acp-sim-ca');
  const leaf = issueCertificate(ca, { commonName: 'kube-apiserver', hosts: ['127.0.0.1', 'localhost'] });
  const tokens = new Map<string, TokenGrant>();
  const adminToken = randomBytes(16).toString('hex');
  tokens.set(adminToken, { user: 'admin', admin: true });
  const faults = noFaults();
  const store = new MemoryStore();
  const api = await startApiServer({ tls: { cert: leaf.certPem, key: leaf.keyPem }, tokens, faults, store });
  return {
    api,
    store,
    faults,
    caPem: ca.certPem,
    adminToken,
    addToken(grant) {
      const token = randomBytes(16).toString('hex');
      tokens.set(token, grant);
      return token;
    },
    writeKubeconfig(file, token = adminToken) {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'sim', cluster: { server: api.url, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
        users: [{ name: 'sim-user', user: { token } }],
        contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'sim-user', namespace: 'default' } }],
        'current-context': 'sim',
      };
      writeFileSync(file, stringify(config), { mode: 0o600 });
    },
  };
}
