import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a kubeconfig with one context (cluster "c", user "u" with a token) pointing at `server` in a fresh temporary
 * folder, for tests against a server on 127.0.0.1; returns its path. `insecure` skips certificate checks (https).
 */
export function writeKubeconfig(server: string, opts: { namespace?: string; insecure?: boolean } = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kdiag-kc-')), 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, ...(opts.insecure ? { 'insecure-skip-tls-verify': true } : {}) } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
      'current-context': 'c',
    }),
  );
  return file;
}
