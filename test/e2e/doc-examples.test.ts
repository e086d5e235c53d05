// The live examples of the README, docs/ and `--help` run as written against the local cluster, where namespace
// my-app holds what examples/my-app.yaml shows: deployment/web whose pods carry app=web-sever, and Service web that
// selects app=web-server. Offline examples run in test/unit/doc-examples.test.ts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expectExampleRun, helpExamples, scanDocs } from '../helpers/doc-examples.js';
import { ensureBundle, ROOT, runBundle } from '../helpers/bundle.js';
import { deployment, service } from '../helpers/manifests.js';
import { applyYaml, clusterInfo, kubectl, waitForReadyPods } from './helpers/index.js';

const NS = 'my-app';

beforeAll(async () => {
  ensureBundle();
  await applyYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await applyYaml(deployment({ name: 'web', templateLabels: { app: 'web-sever' } }), { namespace: NS });
  await applyYaml(service({ name: 'web', selector: { app: 'web-server' } }), { namespace: NS });
  await waitForReadyPods(NS, 'app=web-sever', 2);
});
afterAll(async () => {
  await kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
});

/** Runs an example as the user would: `kubectl kdiag` through the plugin's own entry point, else the bundle. */
function runExample(args: string[], plugin: boolean) {
  const env = { ...process.env, KUBECONFIG: clusterInfo().kubeconfig, NO_COLOR: '1', NODE_OPTIONS: '' };
  if (!plugin) return runBundle(args, { env });
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kubectl-kdiag'), ...args], { cwd: ROOT, env, encoding: 'utf8', input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const live = scanDocs(ROOT).examples.filter((e) => e.mode === 'live');

test('the docs have live examples', () => {
  expect(live.length).toBeGreaterThanOrEqual(4);
});

test.each(live.map((e) => [e.where, e] as const))('%s', (_where, e) => {
  expectExampleRun(e, runExample(e.args, e.plugin === true));
});

test('kubectl kdiag svc web -n my-app explains the typo, as the plugin', () => {
  const r = runExample(['svc', 'web', '-n', NS], true);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('selector-no-match');
  expect(r.stdout).toContain('app=web-sever instead of app=web-server');
});

test('every --help example that needs the cluster runs as written', () => {
  let ran = 0;
  for (const name of ['svc', 'lint']) {
    for (const ex of helpExamples(runBundle([name, '--help']).stdout)) {
      if (!ex.args || ex.args.includes('-f') || (name === 'lint' && !ex.args.includes('--cluster'))) continue;
      expectExampleRun({ where: `kdiag ${name} --help: ${ex.line}`, expected: [] }, runExample(ex.args, false));
      ran++;
    }
  }
  expect(ran).toBeGreaterThanOrEqual(3);
});
