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

  it('a live command does load it (the tracing can tell)', () => {
    const r = runBundle(['svc', 'web', '--kubeconfig', '/nonexistent/kubeconfig'], { trace: true });
    expect(r.status).toBe(3);
    const files = loadedFiles(r.loaded);
    expect(clientNodeChunks().some((c) => files.includes(c))).toBe(true);
  });
});
