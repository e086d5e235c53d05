// `kdiag svc` reads as little as the question needs, checked against the real API server through the `--debug`
// request log (`debug: GET <path>?<query> -> <status> (<ms> ms)` on stderr); and a `kubectl get ... -o yaml` export
// of the same namespace, read with -f, gives the same findings as the live run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyYaml, kubectl, serviceEndpoints, setPodReady, useNamespace, waitFor, waitForReadyPods } from '../helpers/index.js';
import { describeRun, kdiagSvc, settledFindings, suffix, type KdiagRun } from './helpers.js';
import { deployment, service } from '../../helpers/manifests.js';

const ns = useNamespace('svc-requests');
const sfx = suffix();
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kdiag-e2e-svc-requests-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One logged request: the path and its query parameters (sorted, decoded), and the status. */
interface Req {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

function requestsOf(r: KdiagRun): Req[] {
  const out: Req[] = [];
  for (const line of r.stderr.split('\n')) {
    const m = /^debug: (\w+) (\S+) -> (\d+) \(\d+ ms\)$/.exec(line);
    if (!m) continue;
    const url = new URL(m[2]!, 'https://x');
    out.push({
      method: m[1]!,
      path: url.pathname,
      query: Object.fromEntries([...url.searchParams.entries()].sort()),
      status: Number(m[3]),
    });
  }
  return out;
}

/** `GET path?k=v&...` with the parameters sorted, for set comparisons. */
function key(q: Req): string {
  const qs = Object.entries(q.query)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${q.method} ${q.path}${qs ? `?${qs}` : ''}`;
}

const want = `web-${sfx}`;
/** The near-miss case: Service storefront selects app=storefront-<sfx>, its Deployment's pods carry a typo. */
const typoSelector = `app=storefront-${sfx}`;

beforeAll(async () => {
  await applyYaml(
    [
      deployment({ name: 'web', replicas: 2, templateLabels: { app: want } }),
      service({ name: 'web', selector: { app: want } }),
      deployment({ name: 'storefront', replicas: 2, templateLabels: { app: `storefrnt-${sfx}` } }),
      service({ name: 'storefront', selector: { app: `storefront-${sfx}` } }),
    ],
    { namespace: ns.name },
  );
  await waitForReadyPods(ns.name, `app=${want}`, 2);
  await waitForReadyPods(ns.name, `app=storefrnt-${sfx}`, 2);
  await waitFor(async () => (await serviceEndpoints(ns.name, 'web')).filter((e) => e.ready).length === 2, {
    what: '2 ready endpoints of web',
  });
}, 120_000);

describe('kdiag svc reads as little as the question needs (--debug request log, real server)', () => {
  test("a healthy Service: the Service, its EndpointSlices, its pods (label selector), the Service's events and NetworkPolicies, and the routes to it only", async () => {
    const r = await kdiagSvc('web', ns.name, ['--debug']);
    expect(r.code).toBe(0);
    expect(settledFindings(r.doc?.findings)).toEqual([]);
    const reqs = requestsOf(r);
    expect(reqs.every((q) => q.method === 'GET' && q.status === 200)).toBe(true);
    expect(reqs.map(key).sort()).toEqual(
      [
        `GET /api/v1/namespaces/${ns.name}/services/web`,
        // The routes to the Service (optional): Ingresses, ReferenceGrants and HTTPRoutes of its namespace.
        `GET /apis/networking.k8s.io/v1/namespaces/${ns.name}/ingresses?limit=500`,
        `GET /apis/gateway.networking.k8s.io/v1/namespaces/${ns.name}/referencegrants?limit=500`,
        `GET /apis/gateway.networking.k8s.io/v1/namespaces/${ns.name}/httproutes?limit=500`,
        `GET /apis/discovery.k8s.io/v1/namespaces/${ns.name}/endpointslices?labelSelector=kubernetes.io/service-name=web&limit=500`,
        `GET /api/v1/namespaces/${ns.name}/pods?labelSelector=app=${want}&limit=500`,
        `GET /api/v1/namespaces/${ns.name}/events?fieldSelector=involvedObject.kind=Service,involvedObject.name=web&limit=500`,
        `GET /apis/networking.k8s.io/v1/namespaces/${ns.name}/networkpolicies?limit=500`,
      ].sort(),
    );
    // Never the deprecated v1 Endpoints, never a list of all pods.
    expect(reqs.some((q) => q.path.endsWith('/endpoints'))).toBe(false);
    expect(reqs.some((q) => q.path.endsWith('/pods') && !q.query.labelSelector)).toBe(false);
  });

  test('a selector typo: the near-miss search adds the namespace pods (metadata only), workloads, the selector in all namespaces and a few pods', async () => {
    const r = await kdiagSvc('storefront', ns.name, ['--debug']);
    expect(r.code).toBe(1);
    expect(r.doc?.findings.map((f) => f.code)).toEqual(['selector-no-match']);
    const reqs = requestsOf(r);
    expect(reqs.every((q) => q.method === 'GET' && q.status === 200)).toBe(true);
    // The closest pods are listed by name (list, not get: the minimal Role grants list on pods).
    const byName = (q: Req) =>
      q.path === `/api/v1/namespaces/${ns.name}/pods` && (q.query.fieldSelector ?? '').startsWith('metadata.name=');
    const podGets = reqs.filter(byName);
    const others = reqs.filter((q) => !podGets.includes(q));
    expect(others.map(key).sort()).toEqual(
      [
        `GET /api/v1/namespaces/${ns.name}/services/storefront`,
        // The routes to the Service (optional): Ingresses, ReferenceGrants and HTTPRoutes of its namespace.
        `GET /apis/networking.k8s.io/v1/namespaces/${ns.name}/ingresses?limit=500`,
        `GET /apis/gateway.networking.k8s.io/v1/namespaces/${ns.name}/referencegrants?limit=500`,
        `GET /apis/gateway.networking.k8s.io/v1/namespaces/${ns.name}/httproutes?limit=500`,
        `GET /apis/discovery.k8s.io/v1/namespaces/${ns.name}/endpointslices?labelSelector=kubernetes.io/service-name=storefront&limit=500`,
        `GET /api/v1/namespaces/${ns.name}/pods?labelSelector=${typoSelector}&limit=500`,
        `GET /api/v1/namespaces/${ns.name}/events?fieldSelector=involvedObject.kind=Service,involvedObject.name=storefront&limit=500`,
        `GET /apis/apps/v1/namespaces/${ns.name}/deployments?limit=500`,
        `GET /apis/apps/v1/namespaces/${ns.name}/statefulsets?limit=500`,
        `GET /apis/apps/v1/namespaces/${ns.name}/daemonsets?limit=500`,
        `GET /apis/apps/v1/namespaces/${ns.name}/replicasets?limit=500`,
        // The only list without a label selector: the namespace's pods, metadata only (the Accept header is not logged).
        `GET /api/v1/namespaces/${ns.name}/pods?limit=500`,
        `GET /api/v1/pods?labelSelector=${typoSelector}&limit=500`,
      ].sort(),
    );
    // The closest pods (the two storefront pods) read in full, in the Service's namespace: never more than three.
    const typoPods = (await waitForReadyPods(ns.name, `app=storefrnt-${sfx}`, 2)).map((p) => p.metadata.name);
    expect(podGets.length).toBeLessThanOrEqual(3);
    expect(podGets.map((q) => q.query.fieldSelector!.slice('metadata.name='.length))).toEqual(expect.arrayContaining(typoPods));
  });

  test('the namespace-wide pods list happens only in the near-miss case', async () => {
    const healthy = requestsOf(await kdiagSvc('web', ns.name, ['--debug']));
    const near = requestsOf(await kdiagSvc('storefront', ns.name, ['--debug']));
    const nsPodsList = (q: Req) => q.path === `/api/v1/namespaces/${ns.name}/pods` && !q.query.labelSelector && !q.query.fieldSelector;
    expect(healthy.filter(nsPodsList)).toHaveLength(0);
    expect(near.filter(nsPodsList)).toHaveLength(1);
  });
});

describe('kdiag svc -f on a kubectl export gives the same findings as live', () => {
  async function compare(name: string): Promise<KdiagRun> {
    const live = await kdiagSvc(name, ns.name);
    const dump = path.join(tmp, `${name}.yaml`);
    const { stdout } = await kubectl(['get', 'svc,deploy,rs,pods,endpointslices', '-o', 'yaml'], { namespace: ns.name });
    writeFileSync(dump, stdout);
    const offline = await kdiagSvc(name, ns.name, ['-f', dump]);
    const summary = (r: KdiagRun) => r.doc?.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message }));
    expect(live.doc?.findings.length ?? 0).toBeGreaterThan(0);
    expect({ code: offline.code, findings: summary(offline) }).toEqual({ code: live.code, findings: summary(live) });
    if (offline.code !== live.code) throw new Error(`${describeRun(live)}\n---\n${describeRun(offline)}`);
    return live;
  }

  test('a selector typo (selector-no-match)', async () => {
    const live = await compare('storefront');
    expect(live.doc?.findings[0]?.code).toBe('selector-no-match');
  });

  test('one pod made not ready (some-pods-not-ready)', async () => {
    const [first] = await waitForReadyPods(ns.name, `app=${want}`, 2);
    await setPodReady(ns.name, first!.metadata.name, false);
    await waitFor(async () => (await serviceEndpoints(ns.name, 'web')).filter((e) => e.ready).length === 1, {
      what: '1 ready endpoint of web',
    });
    const live = await compare('web');
    expect(live.doc?.findings.map((f) => f.code)).toEqual(['some-pods-not-ready']);
  });
});
