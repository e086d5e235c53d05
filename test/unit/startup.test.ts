import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE, clientNodeChunks, ensureBundle, runBundle } from './helpers/bundle.js';

/** The start-up contract: --help, --version and offline commands never load @kubernetes/client-node. */
describe('start-up of the bundle', () => {
  beforeAll(() => ensureBundle());

  const loadedFiles = (urls: string[]) => urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));

  it('keeps client-node in chunks of its own', () => {
    const chunks = clientNodeChunks();
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks).not.toContain(BUNDLE);
  });

  it.each([
    [['--help'], 0],
    [['--version'], 0],
    [['svc', '--help'], 0],
    [['lint', 'test/fixtures/lint/types', '-o', 'json'], 0],
    [['codes'], 0],
  ])('%j does not load client-node', (args, status) => {
    const r = runBundle(args, { trace: true });
    expect(r.status).toBe(status);
    const files = loadedFiles(r.loaded);
    expect(files).toContain(BUNDLE); // the trace works
    for (const chunk of clientNodeChunks()) expect(files).not.toContain(chunk);
  });

  const kubeconfig = (user: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'kdiag-kc-')), 'config');
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    return file;
  };

  it('a live command with a token or certificates does not need client-node either', () => {
    const r = runBundle(['svc', 'web', '--kubeconfig', kubeconfig('{token: abc}')], { trace: true });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('connection refused');
    const files = loadedFiles(r.loaded);
    for (const chunk of clientNodeChunks()) expect(files).not.toContain(chunk);
  });

  it('a credential plugin that never answers is bounded by --request-timeout (exit 3, not a hang)', () => {
    const plugin = kubeconfig('{exec: {apiVersion: client.authentication.k8s.io/v1, command: sleep, args: ["5"]}}');
    const r = runBundle(['svc', 'web', '--kubeconfig', plugin, '--request-timeout', '1s']);
    expect(r.status).toBe(3);
    expect(r.stderr).toBe(
      'kdiag: running the credential plugin for user "u" took longer than 1s\nhint: run the plugin by hand to log in (it may be waiting for input), or raise --request-timeout\n',
    );
  });

  it('an exec credential plugin loads it (the tracing can tell)', () => {
    const r = runBundle(['svc', 'web', '--kubeconfig', kubeconfig('{exec: {apiVersion: client.authentication.k8s.io/v1, command: kdiag-no-such-plugin}}')], { trace: true });
    expect(r.status).toBe(3);
    expect(r.stderr.split('\n')[0]).toMatch(/^kdiag: cannot load the credentials of user "u"/);
    const files = loadedFiles(r.loaded);
    expect(clientNodeChunks().some((c) => files.includes(c))).toBe(true);
  });
});
