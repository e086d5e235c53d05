import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigFiles, resolveKubeconfig } from '../../../src/cluster/kubeconfig.js';
import { ClusterAccessError } from '../../../src/errors.js';

function kubeconfig(opts: {
  clusters?: [string, string][];
  users?: string[];
  contexts?: [string, string, string, string?][];
  current?: string;
}): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const [name, server] of opts.clusters ?? [])
    lines.push(`- name: ${name}`, `  cluster: {server: "${server}", certificate-authority: ca.crt}`);
  lines.push('users:');
  for (const name of opts.users ?? []) lines.push(`- name: ${name}`, `  user: {token: t-${name}}`);
  lines.push('contexts:');
  for (const [name, cluster, user, ns] of opts.contexts ?? []) {
    lines.push(`- name: ${name}`, `  context: {cluster: ${cluster}, user: ${user}${ns ? `, namespace: ${ns}` : ''}}`);
  }
  if (opts.current !== undefined) lines.push(`current-context: "${opts.current}"`);
  return lines.join('\n') + '\n';
}

function catchErr(fn: () => unknown): ClusterAccessError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ClusterAccessError) return e;
    throw e;
  }
  throw new Error('expected a ClusterAccessError');
}

describe('resolveKubeconfig (kubectl rules)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-kc-'));
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  writeFileSync(
    a,
    kubeconfig({ clusters: [['c1', 'https://127.0.0.1:1111']], users: ['u1'], contexts: [['ctx', 'c1', 'u1', 'team-a']], current: 'ctx' }),
  );
  writeFileSync(
    b,
    kubeconfig({
      clusters: [
        ['c1', 'https://127.0.0.1:2222'],
        ['c2', 'https://127.0.0.1:3333'],
      ],
      users: ['u1', 'u2'],
      contexts: [
        ['ctx', 'c2', 'u2'],
        ['other', 'c2', 'u2'],
      ],
      current: 'other',
    }),
  );

  it('merges KUBECONFIG files with the first definition and the first current-context winning', () => {
    const r = resolveKubeconfig({ env: { KUBECONFIG: `${join(dir, 'missing.yaml')}:${a}:${b}` } });
    expect(r.files).toEqual([a, b]);
    expect(r.contextName).toBe('ctx');
    expect(r.cluster.server).toBe('https://127.0.0.1:1111');
    expect(r.namespace).toBe('team-a');
    // Relative file references resolve against the file that holds them.
    expect(r.cluster['certificate-authority']).toBe(join(dir, 'ca.crt'));
  });

  it('lets --context pick a context defined only in a later file', () => {
    const r = resolveKubeconfig({ env: { KUBECONFIG: `${a}:${b}` }, context: 'other' });
    expect(r.cluster.server).toBe('https://127.0.0.1:3333');
    expect(r.userName).toBe('u2');
    expect(r.namespace).toBe('default');
  });

  it('uses --kubeconfig alone, ignoring KUBECONFIG', () => {
    const r = resolveKubeconfig({ env: { KUBECONFIG: a }, kubeconfig: b });
    expect(r.files).toEqual([b]);
    expect(r.contextName).toBe('other');
  });

  it('falls back to ~/.kube/config', () => {
    const home = mkdtempSync(join(tmpdir(), 'kdiag-home-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(
      join(home, '.kube', 'config'),
      kubeconfig({ clusters: [['c', 'https://127.0.0.1:9']], users: ['u'], contexts: [['h', 'c', 'u']], current: 'h' }),
    );
    expect(kubeconfigFiles({ env: {}, home })).toEqual([join(home, '.kube', 'config')]);
    expect(resolveKubeconfig({ env: {}, home }).contextName).toBe('h');
  });

  it('never falls back to localhost:8080: no kubeconfig is an error with a hint', () => {
    const home = mkdtempSync(join(tmpdir(), 'kdiag-empty-'));
    const e = catchErr(() => resolveKubeconfig({ env: {}, home, serviceAccountDir: join(home, 'none') }));
    expect(e.code).toBe('no-kubeconfig');
    expect(e.exitCode).toBe(3);
    expect(e.hint).toMatch(/--kubeconfig/);
  });

  it('uses the in-cluster service account when nothing else exists', () => {
    const home = mkdtempSync(join(tmpdir(), 'kdiag-sa-'));
    writeFileSync(join(home, 'token'), 'abc');
    writeFileSync(join(home, 'namespace'), 'payments\n');
    const r = resolveKubeconfig({
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443' },
      home,
      serviceAccountDir: home,
    });
    expect(r.inCluster).toBe(true);
    expect(r.cluster.server).toBe('https://127.0.0.1:6443');
    expect(r.namespace).toBe('payments');
  });

  it('names the missing context and suggests the closest one', () => {
    const e = catchErr(() => resolveKubeconfig({ env: { KUBECONFIG: `${a}:${b}` }, context: 'othre' }));
    expect(e.code).toBe('context-not-found');
    expect(e.message).toContain('"othre"');
    expect(e.hint).toContain('did you mean "other"?');
  });

  it('reports a missing --kubeconfig file and broken YAML as exit 3 with one-line messages', () => {
    expect(catchErr(() => resolveKubeconfig({ env: {}, kubeconfig: join(dir, 'nope') })).code).toBe('kubeconfig-not-found');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'clusters: [\n  - {name: x\n');
    const e = catchErr(() => resolveKubeconfig({ env: {}, kubeconfig: bad }));
    expect(e.code).toBe('bad-kubeconfig');
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('reports a context whose cluster is undefined', () => {
    const f = join(dir, 'dangling.yaml');
    writeFileSync(f, kubeconfig({ users: ['u'], contexts: [['d', 'ghost', 'u']], current: 'd' }));
    expect(catchErr(() => resolveKubeconfig({ env: {}, kubeconfig: f })).code).toBe('cluster-not-found');
  });

  it('asks for a context when none is current', () => {
    const f = join(dir, 'nocurrent.yaml');
    writeFileSync(f, kubeconfig({ clusters: [['c', 'https://127.0.0.1:9']], users: ['u'], contexts: [['x', 'c', 'u']] }));
    const e = catchErr(() => resolveKubeconfig({ env: {}, kubeconfig: f }));
    expect(e.code).toBe('no-context');
    expect(e.hint).toContain('x');
  });
});
