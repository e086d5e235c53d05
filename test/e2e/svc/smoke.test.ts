// Smoke test of issue 3, through the built CLI as a user runs it (`node dist/kdiag.js`, no shell, KUBECONFIG in the
// environment): a Deployment and a Service with matching labels get ready endpoints from the real EndpointSlice
// controller and kdiag sees them (exit 0); after the pod template's label changes and the rollout drains the
// endpoints, kdiag reports selector-no-match naming the new value (exit 1).
import path from 'node:path';
import {
  applyYaml,
  clusterInfo,
  kubectl,
  listPods,
  repoRoot,
  run,
  serviceEndpoints,
  useNamespace,
  waitFor,
  waitForReadyPods,
} from '../helpers/index.js';
import { ensureBundle } from '../../helpers/bundle.js';
import { deployment, service } from '../../helpers/manifests.js';
import { settledFindings, suffix, type SvcDocument } from './helpers.js';

const ns = useNamespace('svc-smoke');
const sfx = suffix();
const bundle = path.join(repoRoot, 'dist/kdiag.js');
const ESC = '\u001b';

beforeAll(() => ensureBundle());

/** The built kdiag, as a user runs it: its own process, argv without a shell, the admin KUBECONFIG. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: clusterInfo().kubeconfig };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not how users run kdiag
  delete env.FORCE_COLOR;
  return run(process.execPath, [bundle, ...args], { env, cwd: repoRoot, timeoutMs: 60_000 });
}

describe('kdiag svc through the built CLI sees both states of a Service', () => {
  test('matching labels: ready endpoints listed, exit 0; template label changed: endpoints drain, selector-no-match, exit 1', async () => {
    const want = `web-${sfx}`;
    await applyYaml(
      [deployment({ name: 'web', replicas: 2, templateLabels: { app: want } }), service({ name: 'web', selector: { app: want } })],
      {
        namespace: ns.name,
      },
    );
    const pods = await waitForReadyPods(ns.name, `app=${want}`, 2);
    const podNames = pods.map((p) => p.metadata.name).sort();
    const eps = await waitFor(
      async () => {
        const e = await serviceEndpoints(ns.name, 'web');
        return e.length === 2 && e.every((x) => x.ready) ? e : undefined;
      },
      { what: '2 ready endpoints of web' },
    );

    // State 1, JSON.
    const healthy = await cli(['svc', 'web', '-n', ns.name, '-o', 'json']);
    expect({ code: healthy.code, stderr: healthy.stderr }).toEqual({ code: 0, stderr: '' });
    const doc = JSON.parse(healthy.stdout) as SvcDocument;
    expect(doc.schemaVersion).toBe(1);
    expect(doc.service).toEqual({ namespace: ns.name, name: 'web' });
    expect(settledFindings(doc.findings)).toEqual([]);
    expect(doc.endpoints.map((e) => ({ ip: e.ip, pod: e.pod, ready: e.ready })).sort((a, b) => a.ip.localeCompare(b.ip))).toEqual(
      eps.map((e) => ({ ip: e.address, pod: e.pod!.split('/')[1], ready: true })),
    );
    expect(doc.pods.map((p) => p.name).sort()).toEqual(podNames);
    expect(doc.pods.every((p) => p.ready && p.selectorMatch.app === 'matched' && p.targetPorts.http === 8080)).toBe(true);

    // State 1, text (piped: no escape sequences).
    const text = await cli(['svc', 'web', '-n', ns.name]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Service ${ns.name}/web`);
    expect(text.stdout).toMatch(/Endpoints \(2 addresses, 2 ready/);
    for (const p of podNames) expect(text.stdout).toContain(p);
    expect(text.stdout + text.stderr).not.toContain(ESC);

    // Change the pod template's label; the Deployment's own selector does not use it, so this is a valid rollout.
    const changed = `web2-${sfx}`;
    await kubectl(
      [
        'patch',
        'deployment',
        'web',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { template: { metadata: { labels: { app: changed } } } } }),
      ],
      {
        namespace: ns.name,
      },
    );
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s'], { namespace: ns.name, timeoutMs: 70_000 });
    await waitFor(async () => (await serviceEndpoints(ns.name, 'web')).length === 0, {
      timeoutMs: 60_000,
      what: 'the endpoints of web to drain',
    });
    await waitFor(async () => (await listPods(ns.name, `app=${want}`)).length === 0, {
      timeoutMs: 60_000,
      what: 'the old pods to be gone',
    });
    const newPods = (await waitForReadyPods(ns.name, `app=${changed}`, 2)).map((p) => p.metadata.name);

    // State 2, JSON.
    const broken = await cli(['svc', 'web', '-n', ns.name, '-o', 'json']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe('');
    const doc2 = JSON.parse(broken.stdout) as SvcDocument;
    expect(doc2.endpoints).toEqual([]);
    const f = doc2.findings.find((x) => x.code === 'selector-no-match');
    expect(f).toBeDefined();
    expect(f!.severity).toBe('error');
    expect(f!.message).toContain(`carry app=${changed} instead of app=${want}`);
    expect(f!.message).toContain('deployment/web');
    expect(doc2.findings[0]!.code).toBe('selector-no-match');
    expect(
      doc2.pods
        .map((p) => p.name)
        .filter((n) => newPods.includes(n))
        .sort(),
    ).toEqual([...newPods].sort());

    // State 2, text.
    const text2 = await cli(['svc', 'web', '-n', ns.name]);
    expect(text2.code).toBe(1);
    expect(text2.stdout).toMatch(new RegExp(`ERROR selector-no-match: .*app=${changed} instead of app=${want}`));
    expect(text2.stdout).toContain(changed);
    expect(text2.stdout + text2.stderr).not.toContain(ESC);
  });
});
