import { abortError, deniedFrom, parseJson, parseStatus, statusError, transportError } from '../../../src/cluster/api-errors.js';
import { R } from '../../../src/cluster/reader.js';
import { apiPath, redact } from '../../../src/cluster/transport.js';
import { ClusterAccessError, InterruptedError } from '../../../src/errors.js';

const ctx = { server: 'https://127.0.0.1:6443', contextName: 'ctx', userName: 'me', requestTimeoutMs: 5000 };
const status = (code: number, message?: string, reason?: string) => ({
  status: code,
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }),
});

describe('API errors', () => {
  test('403 names verb, resource and namespace, with a can-i hint', () => {
    const e = statusError(status(403, 'pods is forbidden: User "me" cannot list resource "pods"', 'Forbidden'), ctx, 'list', 'pods', 'web');
    expect(e).toBeInstanceOf(ClusterAccessError);
    expect(e.code).toBe('forbidden');
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe('forbidden: cannot list pods in namespace "web" (pods is forbidden: User "me" cannot list resource "pods")');
    expect(e.hint).toBe('ask for RBAC permission to list pods in namespace "web"; check with: kubectl auth can-i list pods -n web');
    expect(statusError(status(403), ctx, 'list', 'nodes', undefined).message).toBe('forbidden: cannot list nodes at cluster scope');
    expect(statusError(status(403), ctx, 'create', 'pods/exec', '').message).toBe('forbidden: cannot create pods/exec');
  });

  test('401 asks for a login; other statuses carry reason and message', () => {
    expect(statusError(status(401), ctx, 'get', 'pods', 'x')).toMatchObject({
      code: 'unauthorized',
      message: 'the API server rejected the credentials of user "me" (401 Unauthorized)',
    });
    expect(statusError(status(500, 'etcd down', 'InternalError'), ctx, 'get', 'pods', 'x').message).toBe(
      'get pods in namespace "x" failed: 500 InternalError: etcd down',
    );
    expect(statusError({ status: 502, body: '<html>bad gateway</html>' }, ctx, 'get', 'pods', 'x').message).toBe(
      'get pods in namespace "x" failed: 502',
    );
  });

  test('a 403 on an optional read is a Denied', () => {
    expect(deniedFrom(status(403, 'no'), 'list', R.endpointslices, 'web')).toEqual({
      verb: 'list',
      resource: 'endpointslices.discovery.k8s.io',
      namespace: 'web',
      message: 'no',
    });
    expect(deniedFrom({ status: 403, body: '' }, 'list', R.nodes, 'web')).toEqual({
      verb: 'list',
      resource: 'nodes',
      message: 'forbidden',
    });
  });

  test('network errors map to unreachable, timeout, tls or connection-failed', () => {
    const err = (code: string, message = code) => Object.assign(new Error(message), { code });
    expect(transportError(err('ECONNREFUSED'), ctx, 'GET', '/api/v1/pods')).toMatchObject({
      code: 'unreachable',
      message: 'cannot reach the API server at https://127.0.0.1:6443 (context "ctx"): connection refused',
    });
    expect(transportError(err('ENOTFOUND'), ctx, 'GET', '/x').message).toContain('host name not found');
    expect(transportError(Object.assign(new Error('t'), { name: 'TimeoutError' }), ctx, 'GET', '/api/v1/pods').message).toBe(
      'GET /api/v1/pods to the API server at https://127.0.0.1:6443 (context "ctx") timed out after 5s',
    );
    expect(transportError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), ctx, 'GET', '/').code).toBe(
      'tls',
    );
    expect(transportError(err('EPROTO', 'weird'), ctx, 'GET', '/').code).toBe('connection-failed');
  });

  test('an aborted request is an interruption, whatever the socket said', () => {
    const ac = new AbortController();
    ac.abort('SIGTERM');
    const e = transportError(new Error('aborted'), { ...ctx, signal: ac.signal }, 'GET', '/');
    expect(e).toBeInstanceOf(InterruptedError);
    expect(e.exitCode).toBe(143);
    const ac2 = new AbortController();
    ac2.abort();
    expect(abortError(ac2.signal).exitCode).toBe(130);
  });

  test('a 2xx that is not JSON is a bad response; Status bodies parse leniently', () => {
    expect(() => parseJson({ status: 200, body: '<html>login</html>' }, 'list', R.pods, ctx.server)).toThrow(
      'list pods: the server at https://127.0.0.1:6443 did not answer with JSON (200, starts with "<html>login</html>")',
    );
    expect(parseStatus('not json')).toEqual({});
    expect(parseStatus('null')).toEqual({});
    expect(parseStatus('{"message":"m","reason":"Gone"}')).toEqual({ message: 'm', reason: 'Gone' });
  });
});

describe('transport helpers', () => {
  test('API paths: core, groups, cluster scope, subresources', () => {
    expect(apiPath(R.pods, 'web', 'p-1', 'exec')).toBe('/api/v1/namespaces/web/pods/p-1/exec');
    expect(apiPath(R.pods, undefined)).toBe('/api/v1/pods');
    expect(apiPath(R.nodes, 'ignored', 'n')).toBe('/api/v1/nodes/n');
    expect(apiPath(R.deployments, 'a b')).toBe('/apis/apps/v1/namespaces/a%20b/deployments');
  });

  test('--debug lines never show credentials', () => {
    expect(redact('GET /api?access_token=abc.def&limit=5 -> 200')).toBe('GET /api?access_token=***&limit=5 -> 200');
    expect(redact('Authorization: Bearer eyJhbGciOi.x-y_z')).toBe('Authorization: Bearer ***');
    expect(redact('proxy https://user:secret@proxy:8080/')).toBe('proxy https://***:***@proxy:8080/');
    expect(redact('GET /api/v1/namespaces/web/pods?limit=500 -> 200 (3 ms)')).toBe(
      'GET /api/v1/namespaces/web/pods?limit=500 -> 200 (3 ms)',
    );
  });
});
