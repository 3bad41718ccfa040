import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { ApiStatusError, ClusterError, redactSecrets, toClusterError } from '../../src/cluster/errors';

const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InNlY3JldCJ9.c2VjcmV0LXRva2Vu';

function status(code: number, reason: string, message: string, details?: unknown): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, details });
}

function apiException(code: number, body: unknown): ApiException<unknown> {
  // client-node puts the response headers, request auth included in some proxies, into the exception message.
  return new ApiException(code, 'Unsuccessful HTTP Request', body, { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
}

function systemError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

describe('cluster error mapping', () => {
  const request = { verb: 'patch', resource: 'applications.app.k8s.io', kind: 'Application', namespace: 'cpaas-system', name: 'deepflow', server: 'https://10.0.0.1:6443' };

  it('maps 401 to unauthorized with advice and no secret', () => {
    const err = toClusterError(apiException(401, status(401, 'Unauthorized', 'Unauthorized')), request);
    assert.equal(err.kind, 'unauthorized');
    assert.equal(err.httpStatus, 401);
    assert.match(err.message, /rejected the credentials \(401 Unauthorized\)/);
    assert.ok(!err.message.includes(TOKEN));
  });

  it('maps 403 and names user, verb, resource and namespace from the Status', () => {
    const message = 'applications.app.k8s.io "deepflow" is forbidden: User "dev" cannot patch resource "applications" in API group "app.k8s.io" in the namespace "cpaas-system"';
    const err = toClusterError(apiException(403, status(403, 'Forbidden', message, { name: 'deepflow', group: 'app.k8s.io', kind: 'applications' })), request);
    assert.equal(err.kind, 'forbidden');
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.statusMessage, message);
    assert.equal(err.message, 'Permission denied: user "dev" may not patch applications.app.k8s.io in namespace "cpaas-system".');
  });

  it('maps a cluster-scoped 403 and a 403 without the usual wording', () => {
    const clusterScoped = 'storageclasses.storage.k8s.io "nfs" is forbidden: User "dev" cannot get resource "storageclasses" in API group "storage.k8s.io" at the cluster scope';
    assert.equal(
      toClusterError(apiException(403, status(403, 'Forbidden', clusterScoped)), {}).message,
      'Permission denied: user "dev" may not get storageclasses.storage.k8s.io at cluster scope.',
    );
    const odd = toClusterError(apiException(403, { kind: 'Status', message: 'denied by policy', reason: 'Forbidden', code: 403 }), request);
    assert.equal(odd.message, 'Permission denied: not allowed to patch applications.app.k8s.io in namespace "cpaas-system". The server said: denied by policy');
  });

  it('maps 404, 409 (field manager conflict), 422 and 5xx', () => {
    const notFound = toClusterError(apiException(404, status(404, 'NotFound', 'applications.app.k8s.io "deepflow" not found')), request);
    assert.equal(notFound.kind, 'notFound');
    assert.equal(notFound.message, 'Application "deepflow" in namespace "cpaas-system" was not found.');

    const conflictBody = status(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas', {
      causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }],
    });
    const conflict = toClusterError(apiException(409, conflictBody), request);
    assert.equal(conflict.kind, 'conflict');
    assert.deepEqual(conflict.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }]);
    assert.match(conflict.message, /another field manager owns \.spec\.replicas \(conflict with "kubectl"\)\. Re-apply with force/);

    const invalid = toClusterError(
      apiException(422, status(422, 'Invalid', 'Application.app.k8s.io "deepflow" is invalid', { causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.descriptor' }] })),
      request,
    );
    assert.equal(invalid.kind, 'invalid');
    assert.equal(invalid.message, 'Application.app.k8s.io "deepflow" is invalid (spec.descriptor: Required value)');

    const server = toClusterError(apiException(500, status(500, 'InternalError', 'etcd is down')), request);
    assert.equal(server.kind, 'server');
    assert.equal(server.message, 'The API server at https://10.0.0.1:6443 answered 500: etcd is down.');
    assert.equal(toClusterError(apiException(503, 'not json'), request).kind, 'server');
  });

  it("maps the client's own ApiStatusError exactly as client-node's ApiException", () => {
    const bodies: [number, string][] = [
      [401, status(401, 'Unauthorized', 'Unauthorized')],
      [403, status(403, 'Forbidden', 'applications.app.k8s.io "deepflow" is forbidden: User "dev" cannot patch resource "applications" in API group "app.k8s.io" in the namespace "cpaas-system"')],
      [403, status(403, 'Forbidden', 'denied by policy')],
      [404, status(404, 'NotFound', 'applications.app.k8s.io "deepflow" not found')],
      [409, status(409, 'AlreadyExists', 'exists')],
      [422, status(422, 'Invalid', 'is invalid', { causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.x' }] })],
      [429, status(429, 'TooManyRequests', 'slow down')],
      [500, status(500, 'InternalError', `etcd is down, token=${TOKEN}`)],
      [502, 'not json'],
      [504, status(504, 'Timeout', 'request timed out')],
    ];
    for (const [code, body] of bodies) {
      for (const described of [request, {}]) {
        const ours = toClusterError(new ApiStatusError(code, body, { authorization: `Bearer ${TOKEN}` }), described);
        const theirs = toClusterError(apiException(code, body), described);
        assert.deepEqual(
          { kind: ours.kind, message: ours.message, httpStatus: ours.httpStatus, reason: ours.reason, statusMessage: ours.statusMessage, causes: ours.causes },
          { kind: theirs.kind, message: theirs.message, httpStatus: theirs.httpStatus, reason: theirs.reason, statusMessage: theirs.statusMessage, causes: theirs.causes },
          `HTTP ${code}`,
        );
        assert.ok(!ours.message.includes(TOKEN));
      }
    }
    assert.equal(new ApiStatusError(401, 'secret body').message, 'HTTP 401', 'its own message holds only the status');
  });

  it('accepts a Status body given as an object, and a Watch failure with statusCode', () => {
    assert.equal(toClusterError({ code: 404, body: { kind: 'Status', reason: 'NotFound', code: 404 } }).kind, 'notFound');
    assert.equal(toClusterError(Object.assign(new Error('Forbidden'), { statusCode: 403 }), { verb: 'watch', resource: 'pods' }).kind, 'forbidden');
  });

  it('maps node network errors to unreachable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND']) {
      const err = toClusterError(systemError(code, `connect ${code} 10.0.0.1:6443`), request);
      assert.equal(err.kind, 'unreachable', code);
      assert.equal(err.code, code);
      assert.match(err.message, /^Cannot reach the API server at https:\/\/10\.0\.0\.1:6443: /);
    }
    assert.equal(toClusterError(new Error('socket hang up'), request).kind, 'unreachable');
  });

  it('maps node-fetch FetchError and undici "fetch failed" (socket error in .cause)', () => {
    const nodeFetch = Object.assign(new Error(`request to https://10.0.0.1:6443/api?token=${TOKEN} failed, reason: connect ECONNREFUSED`), {
      name: 'FetchError',
      type: 'system',
      code: 'ECONNREFUSED',
      errno: 'ECONNREFUSED',
    });
    const mapped = toClusterError(nodeFetch, request);
    assert.equal(mapped.kind, 'unreachable');
    assert.ok(!mapped.message.includes(TOKEN));

    const undici = new TypeError('fetch failed', { cause: systemError('ECONNRESET', 'read ECONNRESET') });
    assert.equal(toClusterError(undici, request).kind, 'unreachable');
    const undiciTls = new TypeError('fetch failed', { cause: systemError('CERT_HAS_EXPIRED', 'certificate has expired') });
    assert.equal(toClusterError(undiciTls, request).kind, 'tls');
  });

  it('maps timeouts', () => {
    assert.equal(toClusterError(systemError('ETIMEDOUT', 'connect ETIMEDOUT'), request).kind, 'timeout');
    const abortTimeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.equal(toClusterError(abortTimeout, { ...request, timeoutMs: 30000 }).message, 'The API server at https://10.0.0.1:6443 did not answer within 30 s.');
    assert.equal(toClusterError(apiException(504, status(504, 'Timeout', 'request timed out'))).kind, 'timeout');
  });

  it('maps TLS verification errors with a hint and no advice to disable checks', () => {
    const cases: [string, RegExp][] = [
      ['DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed/],
      ['SELF_SIGNED_CERT_IN_CHAIN', /self-signed CA/],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /issuer is not trusted/],
      ['CERT_HAS_EXPIRED', /expired/],
      ['ERR_TLS_CERT_ALTNAME_INVALID', /another host name/],
    ];
    for (const [code, text] of cases) {
      const err = toClusterError(systemError(code, 'tls failure'), request);
      assert.equal(err.kind, 'tls', code);
      assert.match(err.message, text);
      assert.match(err.message, /certificate-authority-data/);
    }
    assert.equal(toClusterError(new Error('self-signed certificate'), request).kind, 'tls');
  });

  it('maps aborts to cancelled and passes ClusterErrors through', () => {
    const abort = Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' });
    assert.equal(toClusterError(abort).kind, 'cancelled');
    const original = new ClusterError('conflict', 'x');
    assert.equal(toClusterError(original), original);
  });

  it('never lets a token or password through, even inside a server message', () => {
    const leaky = status(500, 'InternalError', `webhook failed: Authorization: Bearer ${TOKEN} password=hunter2 https://admin:s3cret@host/`);
    const err = toClusterError(apiException(500, leaky), request);
    for (const secret of [TOKEN, 'hunter2', 's3cret']) {
      assert.ok(!err.message.includes(secret), `message leaks ${secret}: ${err.message}`);
      assert.ok(!(err.statusMessage ?? '').includes(secret), `statusMessage leaks ${secret}`);
    }
    assert.equal(redactSecrets('token: abc123 and Bearer xyz'), 'token: •••••• and Bearer ••••••');
  });
});
