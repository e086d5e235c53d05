import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE, ROOT, chunksWith, clientNodeChunks, ensureBundle, runBundle } from '../helpers/bundle.js';

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
    [['version'], 0],
    [['help', 'svc'], 0],
    [['svc', '--help'], 0],
    [['codes', '--help'], 0],
    [['lint', 'test/fixtures/lint/types', '-o', 'json'], 0],
    [['codes'], 0],
  ])('%j does not load client-node', (args, status) => {
    const r = runBundle(args, { trace: true });
    expect(r.status).toBe(status);
    const files = loadedFiles(r.loaded);
    expect(files).toContain(BUNDLE); // the trace works
    for (const chunk of clientNodeChunks()) expect(files).not.toContain(chunk);
  });

  // `kdiag lint -o json` is benchmarked against ripgrep with process start counted: it loads what scanning needs
  // and nothing for other outputs, a config file or --cluster.
  const LINT_JSON_UNNEEDED = [
    'node_modules/yaml/',
    'node_modules/cli-table3/',
    'node_modules/@colors/colors/',
    'node_modules/string-width/',
    'node_modules/chalk/',
    'node_modules/ora/',
    'node_modules/fastest-levenshtein/',
    'src/lint/cluster.ts',
    'src/core/svc/',
    'src/core/k8s/',
    'src/output/',
  ];

  it('lint -o json on an empty folder without a config file loads none of yaml, cli-table3, chalk, --cluster code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-empty-'));
    const r = runBundle(['lint', '-o', 'json'], { trace: true, cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('{\n  "schemaVersion": 1,\n  "command": "lint",\n  "findings": []\n}\n');
    const files = loadedFiles(r.loaded);
    expect(files).toContain(BUNDLE);
    for (const fragment of LINT_JSON_UNNEEDED) {
      const chunks = chunksWith(fragment);
      expect(chunks.length).toBeGreaterThan(0); // the fragment still names bundled code
      expect({ fragment, loaded: chunks.filter((c) => files.includes(c)) }).toEqual({ fragment, loaded: [] });
    }
  });

  // Each file of the bundle costs the ESM loader time (resolve, read, compile, link): the start-up islands of
  // scripts/build.mjs keep --help and --version to the entry and two small shared chunks (the error classes,
  // esbuild's helpers), and `lint -o json` to those and its own one chunk.
  const bundleFiles = (loaded: string[]) => loadedFiles(loaded).filter((f) => f.startsWith(join(ROOT, 'dist')));
  it.each([
    [['--help'], 3],
    [['--version'], 3],
    [['svc', '--help'], 3],
    [['lint', '-o', 'json'], 4],
    [['lint', '-o', 'json', '--pod-cidr', '10.244.0.0/16'], 4],
  ])('%j loads at most %i files of the bundle', (args, most) => {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-empty-'));
    const r = runBundle(args, { trace: true, cwd: dir });
    expect(r.status).toBe(0);
    const files = bundleFiles(r.loaded);
    expect(files).toContain(BUNDLE);
    expect(files.length).toBeLessThanOrEqual(most);
  });

  it.each([
    ['-o yaml', ['lint', '-o', 'yaml'], false, 'schemaVersion: 1\ncommand: lint\nfindings: []\n'],
    ['a .kdiag.yaml', ['lint', '-o', 'json'], true, '{\n  "schemaVersion": 1,\n  "command": "lint",\n  "findings": []\n}\n'],
  ])('lint with %s loads yaml', (_t, args, config, stdout) => {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-empty-'));
    if (config) writeFileSync(join(dir, '.kdiag.yaml'), 'lint:\n  allow: [10.0.0.0/8]\n');
    const r = runBundle(args, { trace: true, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(stdout);
    const files = loadedFiles(r.loaded);
    expect(chunksWith('node_modules/yaml/').some((c) => files.includes(c))).toBe(true);
    expect(chunksWith('node_modules/cli-table3/').some((c) => files.includes(c))).toBe(false);
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
    const r = runBundle(
      ['svc', 'web', '--kubeconfig', kubeconfig('{exec: {apiVersion: client.authentication.k8s.io/v1, command: kdiag-no-such-plugin}}')],
      { trace: true },
    );
    expect(r.status).toBe(3);
    expect(r.stderr.split('\n')[0]).toMatch(/^kdiag: cannot load the credentials of user "u"/);
    const files = loadedFiles(r.loaded);
    expect(clientNodeChunks().some((c) => files.includes(c))).toBe(true);
  });
});
