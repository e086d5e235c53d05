import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, clientNodeChunks, ensureBundle, ROOT, runBundle } from '../../helpers/bundle.js';

/** Offline `kdiag svc -f` must not load @kubernetes/client-node (start-up contract). */
describe('kdiag svc -f from the bundle', () => {
  beforeAll(() => ensureBundle());

  it.each([
    ['a file', ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml'], undefined],
    ['stdin', ['svc', 'web', '-f', '-'], readFileSync(join(ROOT, 'examples', 'my-app.yaml'), 'utf8')],
  ])('%s: exit 1 with the report, without loading client-node', (_t, args, input) => {
    const r = runBundle(args, { trace: true, cwd: ROOT, ...(input !== undefined ? { input } : {}) });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('app=web-sever instead of app=web-server');
    const files = r.loaded.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
    expect(files).toContain(BUNDLE);
    for (const chunk of clientNodeChunks()) expect(files).not.toContain(chunk);
  });
});
