import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleHttpsOptions } from '../../../src/cluster/credentials.js';
import type { ResolvedKubeconfig } from '../../../src/cluster/kubeconfig.js';

const base = (cluster: Record<string, unknown>, user: Record<string, unknown>): ResolvedKubeconfig => ({
  files: [],
  contextName: 'ctx',
  clusterName: 'c',
  userName: 'u',
  cluster: { server: 'https://127.0.0.1:6443', ...cluster },
  user,
  namespace: 'default',
  inCluster: false,
});

describe('credentials without client-node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-cred-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA-PEM');
  writeFileSync(join(dir, 'token'), 'file-token\n');

  it('reads inline certificate data and the CA file', () => {
    const o = simpleHttpsOptions(
      base(
        { 'certificate-authority': join(dir, 'ca.crt'), 'tls-server-name': 'kubernetes' },
        { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') },
      ),
    )!;
    expect(String(o.ca)).toBe('CA-PEM');
    expect(String(o.cert)).toBe('CERT');
    expect(String(o.key)).toBe('KEY');
    expect(o.servername).toBe('kubernetes');
    expect(o.rejectUnauthorized).toBeUndefined();
  });

  it('sends a bearer token (inline or from tokenFile) or basic auth', () => {
    expect(simpleHttpsOptions(base({}, { token: 'abc' }))!.headers).toEqual({ Authorization: 'Bearer abc' });
    expect(simpleHttpsOptions(base({}, { tokenFile: join(dir, 'token') }))!.headers).toEqual({ Authorization: 'Bearer file-token' });
    expect(simpleHttpsOptions(base({}, { username: 'a', password: 'b' }))!.headers).toEqual({
      Authorization: `Basic ${Buffer.from('a:b').toString('base64')}`,
    });
  });

  it('honours insecure-skip-tls-verify', () => {
    expect(simpleHttpsOptions(base({ 'insecure-skip-tls-verify': true }, {}))!.rejectUnauthorized).toBe(false);
  });

  it.each([
    ['an exec plugin', {}, { exec: { command: 'aws' } }],
    ['an auth provider', {}, { 'auth-provider': { name: 'oidc' } }],
    ['impersonation', {}, { token: 'x', as: 'admin' }],
    ['a proxy', { 'proxy-url': 'http://127.0.0.1:3128' }, { token: 'x' }],
  ])('leaves %s to client-node', (_what, cluster, user) => {
    expect(simpleHttpsOptions(base(cluster, user))).toBeUndefined();
  });

  it('names the context and the file when a referenced file is missing', () => {
    expect(() => simpleHttpsOptions(base({ 'certificate-authority': join(dir, 'nope.crt') }, {}))).toThrow(
      /cannot read the certificate-authority file .*nope\.crt of context "ctx": ENOENT/,
    );
  });
});
