// `kdiag svc` findings about what the Service selects, reproduced live: real objects, the real EndpointSlice,
// Deployment and ReplicaSet controllers, KWOK pods. Codes: namespace-not-found, service-not-found, external-name,
// no-selector, endpoint-pod-ip-hardcoded, selector-no-match, pods-in-other-namespace, workload-scaled-to-zero,
// workload-template-mismatch, workload-pods-not-created, selector-spans-workloads.
import {
  applyYaml,
  createNamespace,
  deleteNamespace,
  getObject,
  listPods,
  serviceEndpoints,
  useNamespace,
  waitFor,
  waitForReadyPods,
} from '../helpers/index.js';
import { evidenceText, findingOf, kdiagSvc, liveCase, suffix, waitForSlice } from './helpers.js';
import { deployment, pod, service } from '../../helpers/manifests.js';

const ns = useNamespace('svc-selector');
const sfx = suffix();
/** A second namespace: pods and a Service that live elsewhere. */
let otherNs: string | undefined;
const other = (): string => {
  if (!otherNs) throw new Error('the second namespace exists only inside tests');
  return otherNs;
};

beforeAll(async () => {
  otherNs = await createNamespace('svc-selector-other');
}, 60_000);
afterAll(async () => {
  if (otherNs && process.env.KDIAG_E2E_KEEP_NAMESPACES !== '1') await deleteNamespace(otherNs);
}, 60_000);

describe('kdiag svc, live: the Service and what it selects', () => {
  liveCase('namespace-not-found', 'a one-letter typo of an existing namespace; the real one is suggested', async () => {
    const typo = ns.name.slice(0, -1);
    const r = await kdiagSvc('web', typo);
    expect(r.code).toBe(1);
    expect(r.doc?.service).toBeNull();
    const f = findingOf(r, 'namespace-not-found');
    expect(f.message).toBe(`Namespace "${typo}" does not exist.`);
    // Closest first: one deletion away.
    expect(evidenceText(f)).toMatch(new RegExp(`close namespace names: ${ns.name}(,|$)`, 'm'));
    expect(f.hint).toContain(`did you mean -n ${ns.name}?`);
    expect(r.doc?.findings.map((x) => x.code)).toEqual(['namespace-not-found']);
    return r;
  });

  liveCase('service-not-found', 'a typo of a Service name, and a name that only exists in another namespace', async () => {
    await applyYaml(service({ name: 'checkout-api', selector: { app: `checkout-${sfx}` } }), { namespace: ns.name });
    await applyYaml(service({ name: 'ledger', selector: { app: `ledger-${sfx}` } }), { namespace: other() });

    const typo = await kdiagSvc('checkout-apj', ns.name);
    expect(typo.code).toBe(1);
    const f = findingOf(typo, 'service-not-found');
    expect(f.severity).toBe('error');
    expect(f.message).toBe(`Service "checkout-apj" does not exist in namespace "${ns.name}".`);
    expect(evidenceText(f)).toContain(`close names in namespace ${ns.name}: checkout-api`);
    expect(f.hint).toBe(`did you mean "checkout-api"? kdiag svc checkout-api -n ${ns.name}`);

    const elsewhere = await kdiagSvc('ledger', ns.name);
    expect(elsewhere.code).toBe(1);
    const g = findingOf(elsewhere, 'service-not-found');
    expect(evidenceText(g)).toContain(`a Service named "ledger" exists in namespace ${other()}`);
    expect(g.hint).toBe(`the Service is in another namespace: kdiag svc ledger -n ${other()}`);
    return typo;
  });

  liveCase('external-name', 'an ExternalName Service: a CNAME, no endpoints by design (exit 0)', async () => {
    await applyYaml(
      service({
        name: 'payments',
        spec: { type: 'ExternalName', externalName: 'payments.example.com' },
        ports: [{ name: 'https', port: 443 }],
      }),
      {
        namespace: ns.name,
      },
    );
    const r = await kdiagSvc('payments', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'external-name');
    expect(f.message).toContain('CNAME to "payments.example.com"');
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.externalName', value: 'payments.example.com' }));
    expect(r.doc?.findings.map((x) => x.code)).toEqual(['external-name']);
    expect(r.doc?.endpoints).toEqual([]);
    return r;
  });

  liveCase('dns-external-name-ip', 'an ExternalName Service holding an IP address: the one code kdiag dns reports too', async () => {
    await applyYaml(
      service({ name: 'ledger', spec: { type: 'ExternalName', externalName: '192.0.2.10' }, ports: [{ name: 'http', port: 80 }] }),
      { namespace: ns.name },
    );
    const r = await kdiagSvc('ledger', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'dns-external-name-ip');
    expect(f.message).toContain('points at the IP address 192.0.2.10');
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.externalName', value: '192.0.2.10' }));
    expect(r.doc?.findings.map((x) => x.code)).toEqual(['dns-external-name-ip']);
    return r;
  });

  liveCase('no-selector', 'a selectorless Service that nobody writes endpoints for', async () => {
    await applyYaml(service({ name: 'manual', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }), { namespace: ns.name });
    const r = await kdiagSvc('manual', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'no-selector');
    expect(f.message).toMatch(/has no selector and no EndpointSlice gives it ready endpoints/);
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.selector', value: '(none)' }));
    expect(f.hint).toContain('kubernetes.io/service-name=manual');
    expect(r.doc?.endpoints).toEqual([]);
    return r;
  });

  liveCase(
    'endpoint-pod-ip-hardcoded',
    'a selectorless Service whose hand-written EndpointSlice pins the current IP of a pod',
    async () => {
      await applyYaml(pod('db-0', { app: `db-${sfx}` }, { ports: [{ containerPort: 5432, name: 'postgres' }] }), { namespace: ns.name });
      const [dbPod] = await waitForReadyPods(ns.name, `app=db-${sfx}`, 1);
      const ip = dbPod!.status!.podIP!;
      expect(ip).toMatch(/^10\.244\./);
      await applyYaml(
        [
          service({ name: 'db-pinned', ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }] }),
          {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: {
              name: 'db-pinned-manual',
              labels: { 'kubernetes.io/service-name': 'db-pinned', 'endpointslice.kubernetes.io/managed-by': 'e2e.kdiag.dev-by-hand' },
            },
            addressType: 'IPv4',
            endpoints: [{ addresses: [ip], conditions: { ready: true } }],
            ports: [{ name: 'postgres', port: 5432, protocol: 'TCP' }],
          },
        ],
        { namespace: ns.name },
      );
      const r = await kdiagSvc('db-pinned', ns.name);
      expect(r.code).toBe(0); // a warning and an info: below the default --fail-on error
      const f = findingOf(r, 'endpoint-pod-ip-hardcoded');
      expect(f.message).toContain('pin the current IP of pod db-0');
      expect(f.evidence).toContainEqual({
        kind: 'endpoint',
        object: { kind: 'Pod', namespace: ns.name, name: 'db-0' },
        field: 'status.podIP',
        value: `${ip} is listed in db-pinned-manual`,
      });
      expect(f.hint).toContain(`app=db-${sfx}`);
      // The same Service is also reported as selectorless, as info: its endpoints have a ready address.
      const ns2 = findingOf(r, 'no-selector');
      expect(ns2.severity).toBe('info');
      expect(ns2.message).toContain('e2e.kdiag.dev-by-hand');
      expect(r.doc?.endpoints).toEqual([expect.objectContaining({ slice: 'db-pinned-manual', ip, ready: true })]);
      return r;
    },
  );

  liveCase('selector-no-match', 'a Deployment whose pod template label has a typo (app: web-sever)', async () => {
    const want = `web-server-${sfx}`;
    const got = `web-sever-${sfx}`;
    await applyYaml(
      [
        deployment({ name: 'web', replicas: 2, templateLabels: { app: got, tier: 'frontend' } }),
        service({ name: 'web', selector: { app: want, tier: 'frontend' } }),
      ],
      {
        namespace: ns.name,
      },
    );
    const pods = await waitForReadyPods(ns.name, `app=${got}`, 2);
    await waitForSlice(ns.name, 'web');
    const names = pods.map((p) => p.metadata.name).sort();

    const r = await kdiagSvc('web', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'selector-no-match');
    expect(f.message).toContain(`the closest, 2 pods of deployment/web`);
    expect(f.message).toContain(`carry app=${got} instead of app=${want} (1 edit away: a typo?)`);
    expect(f.message.split(': the closest')[1]).not.toContain('tier'); // the matching key is not blamed
    const label = f.evidence.find((e) => e.kind === 'label');
    expect(label).toMatchObject({ field: 'metadata.labels.app', object: { kind: 'Pod', namespace: ns.name } });
    expect(names).toContain(label!.object!.name);
    expect(label!.value).toContain(got);
    expect(f.hint).toContain(`kubectl patch service web -n ${ns.name}`);
    expect(f.hint).toContain(`spec.template.metadata.labels of deployment/web`);
    // The near-miss table: the real pods, read in full (Ready, Running, on a KWOK node), key by key.
    const rows = r.doc!.pods.filter((p) => names.includes(p.name));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ ready: true, phase: 'Running', selectorMatch: { app: 'differs', tier: 'matched' } });
      expect(row.node).toMatch(/^kwok-node-/);
    }
    expect(r.doc?.endpoints).toEqual([]);
    return r;
  });

  // A pod template label renamed with a suffix (app=api-<x> -> app=api-<x>-v2) is 3 edits away: a near miss all the
  // same, because the value contains the wanted one (a regression test: kdiag once said "none comes close").
  test('selector-no-match: a renamed label value (api -> api-v2) is named as the near miss', async () => {
    const want = `api-${sfx}`;
    const renamed = `api-${sfx}-v2`;
    await applyYaml(
      [deployment({ name: 'api', replicas: 1, templateLabels: { app: renamed } }), service({ name: 'api', selector: { app: want } })],
      {
        namespace: ns.name,
      },
    );
    await waitForReadyPods(ns.name, `app=${renamed}`, 1);
    const r = await kdiagSvc('api', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'selector-no-match');
    expect(f.message).toContain(`carries app=${renamed} instead of app=${want}`);
  });

  liveCase('pods-in-other-namespace', 'the only matching pods run in another namespace', async () => {
    await applyYaml(deployment({ name: 'billing', replicas: 1, templateLabels: { app: `billing-${sfx}` } }), { namespace: other() });
    const [elsewhere] = await waitForReadyPods(other(), `app=billing-${sfx}`, 1);
    await applyYaml(service({ name: 'billing', selector: { app: `billing-${sfx}` } }), { namespace: ns.name });
    const r = await kdiagSvc('billing', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'pods-in-other-namespace');
    expect(f.message).toBe(
      `No pod in namespace "${ns.name}" matches app=billing-${sfx}, but 1 pod in namespace ${other()} does: a Service only selects pods in its own namespace.`,
    );
    expect(f.evidence).toEqual([{ kind: 'pods', object: { kind: 'Namespace', name: other() }, value: elsewhere!.metadata.name }]);
    expect(f.hint).toContain(`create the Service in namespace ${other()}`);
    expect(r.doc?.findings.map((x) => x.code)).not.toContain('selector-no-match');
    return r;
  });

  liveCase('workload-scaled-to-zero', 'the Deployment whose template matches has replicas: 0', async () => {
    await applyYaml(
      [
        deployment({ name: 'batch', replicas: 0, templateLabels: { app: `batch-${sfx}` } }),
        service({ name: 'batch', selector: { app: `batch-${sfx}` } }),
      ],
      {
        namespace: ns.name,
      },
    );
    await waitFor(async () => (await getObject('deployment', 'batch', ns.name))?.status?.observedGeneration === 1, {
      what: 'deployment batch observed',
    });
    const r = await kdiagSvc('batch', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'workload-scaled-to-zero');
    expect(f.message).toBe('Deployment "batch" has pods that would match the selector, but it is scaled to 0 replicas.');
    expect(f.object).toEqual({ kind: 'Deployment', namespace: ns.name, name: 'batch' });
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.replicas', value: '0' }));
    expect(f.hint).toContain(`kubectl scale deployment/batch -n ${ns.name} --replicas=1`);
    expect(r.doc?.findings.map((x) => x.code)).not.toContain('selector-no-match');
    return r;
  });

  liveCase('workload-template-mismatch', "the Deployment carries the selector's label on itself, not on its pod template", async () => {
    await applyYaml(
      [
        deployment({ name: 'frontend', replicas: 1, labels: { app: `frontend-${sfx}` }, templateLabels: { component: `frontend-${sfx}` } }),
        service({ name: 'frontend', selector: { app: `frontend-${sfx}` } }),
      ],
      { namespace: ns.name },
    );
    await waitForReadyPods(ns.name, `component=frontend-${sfx}`, 1);
    const r = await kdiagSvc('frontend', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'workload-template-mismatch');
    expect(f.object).toEqual({ kind: 'Deployment', namespace: ns.name, name: 'frontend' });
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'metadata.labels', value: `app=frontend-${sfx}` }));
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.template.metadata.labels.app' }));
    expect(f.hint).toContain(`put app: frontend-${sfx} under spec.template.metadata.labels of deployment/frontend`);
    return r;
  });

  liveCase('workload-pods-not-created', 'the ReplicaSet controller cannot create the pods (missing ServiceAccount)', async () => {
    await applyYaml(
      [
        deployment({ name: 'worker', replicas: 1, templateLabels: { app: `worker-${sfx}` }, serviceAccountName: 'does-not-exist' }),
        service({ name: 'worker', selector: { app: `worker-${sfx}` } }),
      ],
      { namespace: ns.name },
    );
    // The real controllers: the ReplicaSet's pod creation is rejected by admission, the Deployment reports it.
    const failure = await waitFor(
      async () =>
        ((await getObject('deployment', 'worker', ns.name))?.status?.conditions ?? []).find(
          (c: any) => c.type === 'ReplicaFailure' && c.status === 'True',
        ),
      { what: 'ReplicaFailure on deployment worker' },
    );
    expect(failure.message).toMatch(/serviceaccount "does-not-exist" not found/);
    expect(await listPods(ns.name, `app=worker-${sfx}`)).toEqual([]);

    const r = await kdiagSvc('worker', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'workload-pods-not-created');
    expect(f.message).toBe(
      'Deployment "worker" matches the selector and wants replicas, but has no pods: its controller cannot create them.',
    );
    expect(evidenceText(f)).toMatch(/status\.conditions\[ReplicaFailure\]: True FailedCreate: .*serviceaccount "does-not-exist" not found/);
    expect(r.doc?.findings.map((x) => x.code)).not.toContain('selector-no-match');
    return r;
  });

  liveCase('selector-spans-workloads', 'a stable Deployment and a canary share the selected label', async () => {
    await applyYaml(
      [
        deployment({ name: 'shop-v1', replicas: 2, templateLabels: { app: `shop-${sfx}`, track: 'stable' } }),
        deployment({ name: 'shop-canary', replicas: 1, templateLabels: { app: `shop-${sfx}`, track: 'canary' } }),
        service({ name: 'shop', selector: { app: `shop-${sfx}` } }),
      ],
      { namespace: ns.name },
    );
    const pods = await waitForReadyPods(ns.name, `app=shop-${sfx}`, 3);
    await waitFor(async () => (await serviceEndpoints(ns.name, 'shop')).filter((e) => e.ready).length === 3, {
      what: '3 ready endpoints of shop',
    });
    const r = await kdiagSvc('shop', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'selector-spans-workloads');
    expect(f.message).toBe(
      `The selector app=shop-${sfx} matches pods of 2 workloads (deployment/shop-v1, deployment/shop-canary): traffic is spread over all of them.`,
    );
    const byOwner = Object.fromEntries(f.evidence.map((e) => [e.object?.name, e.value]));
    const canary = pods.find((p) => p.metadata.labels?.track === 'canary')!.metadata.name;
    expect(byOwner['shop-canary']).toBe(`1 pod: ${canary}`);
    expect(byOwner['shop-v1']).toMatch(/^2 pods: /);
    // The suggested label: one that every shop-v1 pod carries and no canary pod does.
    const m = /^if only deployment\/shop-v1 should serve, add (\S+): (\S+) to spec\.selector \(only its pods carry it\)$/.exec(f.hint);
    expect(m).not.toBeNull();
    const [, key, value] = m!;
    for (const p of pods) expect(p.metadata.labels?.[key!] === value).toBe(p.metadata.labels?.track === 'stable');
    return r;
  });
});
