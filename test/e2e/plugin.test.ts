/**
 * kdiag as a kubectl plugin: the built kubectl finds `kubectl-kdiag` on PATH, and `kubectl kdiag svc ...` runs the
 * same command against the same cluster, with kdiag's own exit status.
 */
import path from 'node:path';
import { applyYaml, clusterInfo, repoRoot, run, useNamespace } from './helpers/index.js';
import { ensureBundle } from '../helpers/bundle.js';
import { service } from '../helpers/manifests.js';

const ns = useNamespace('plugin');
beforeAll(() => ensureBundle()); // bin/kubectl-kdiag runs dist/kdiag.js

test("kubectl kdiag svc NAME reports through kubectl, with kdiag's exit status", async () => {
  await applyYaml(service({ name: 'lonely', selector: { app: 'nobody-here' } }), { namespace: ns.name });
  const env = { ...process.env, NODE_OPTIONS: '', PATH: `${path.join(repoRoot, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin` };
  const list = await run(clusterInfo().kubectl, ['plugin', 'list'], { env });
  expect(list.stdout).toContain(path.join(repoRoot, 'bin', 'kubectl-kdiag'));

  const r = await run(clusterInfo().kubectl, ['kdiag', 'svc', 'lonely', '-n', ns.name, '-o', 'json'], { env });
  expect(r.code).toBe(1);
  const doc = JSON.parse(r.stdout) as { schemaVersion: number; service: { name: string }; findings: { code: string }[] };
  expect(doc.schemaVersion).toBe(1);
  expect(doc.service.name).toBe('lonely');
  expect(doc.findings.map((f) => f.code)).toContain('selector-no-match');

  const help = await run(clusterInfo().kubectl, ['kdiag', '--help'], { env });
  expect(help.stdout).toContain('Usage: kubectl kdiag');
});
