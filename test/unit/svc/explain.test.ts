import type { Finding } from '../../../src/core/finding.js';
import { serviceDnsNames } from '../../../src/core/k8s/services.js';
import { SVC_REPORTED } from '../../../src/core/svc/catalogue.js';
import { explainService, orderFindings } from '../../../src/core/svc/explain.js';
import type { ServiceSnapshot } from '../../../src/core/svc/snapshot.js';
import { explainFixture, snapshotOf } from './helpers.js';

/** [code, severity, fixture, service, namespace, what the message must say]. */
const CASES: [string, Finding['severity'], string, string, string | undefined, RegExp][] = [
  ['namespace-not-found', 'error', 'examples/my-app.yaml', 'web', 'my-ap', /Namespace "my-ap" does not exist/],
  ['service-not-found', 'error', 'examples/my-app.yaml', 'wbe', 'my-app', /Service "wbe" does not exist in namespace "my-app"/],
  ['no-selector', 'error', 'no-selector.yaml', 'ext', undefined, /no selector and no EndpointSlice gives it ready endpoints/],
  ['no-selector', 'info', 'no-selector.yaml', 'db', undefined, /maintained by endpointslicemirroring-controller/],
  ['endpoint-pod-ip-hardcoded', 'warning', 'no-selector.yaml', 'db', undefined, /pin the current IP of pod postgres-0/],
  ['external-name', 'info', 'external-name.yaml', 'billing', undefined, /CNAME to "billing.example.com"/],
  [
    'selector-no-match',
    'error',
    'examples/my-app.yaml',
    'web',
    'my-app',
    /carry app=web-sever instead of app=web-server \(1 edit away: a typo\?\)/,
  ],
  [
    'dns-external-name-ip',
    'warning',
    'external-name.yaml',
    'byip',
    undefined,
    /ExternalName Service byip points at the IP address 192\.0\.2\.7/,
  ],
  ['pods-in-other-namespace', 'error', 'other-namespace.yaml', 'web', 'frontend', /1 pod in namespace backend does/],
  ['workload-scaled-to-zero', 'error', 'workloads.yaml', 'web', undefined, /Deployment "web" .* scaled to 0 replicas/],
  ['workload-template-mismatch', 'error', 'workloads.yaml', 'api', undefined, /Deployment "api" carries the selector's labels on itself/],
  ['workload-pods-not-created', 'error', 'workloads.yaml', 'jobs', undefined, /wants replicas, but has no pods/],
  ['pods-not-running', 'error', 'pod-states.yaml', 'pending', undefined, /not running with an IP.*pending-1: not scheduled: Unschedulable/],
  ['pods-not-ready', 'error', 'pod-states.yaml', 'crash', undefined, /CrashLoopBackOff .*last run ended Error exit code 1, 7 restarts/],
  [
    'pods-not-ready',
    'error',
    'pod-states.yaml',
    'probe',
    undefined,
    /fails its readiness probe: Readiness probe failed: HTTP probe failed with statuscode: 503/,
  ],
  ['pods-not-ready', 'error', 'pod-states.yaml', 'gated', undefined, /readiness gate "target-health.elbv2.k8s.aws\/web" is not set/],
  [
    'some-pods-not-ready',
    'warning',
    'pod-states.yaml',
    'mixed',
    undefined,
    /1 of 2 matching pods are Ready; 1 is not: mixed-2: .*ImagePullBackOff/,
  ],
  ['pods-terminating', 'warning', 'pod-states.yaml', 'ending', undefined, /The matching pod is terminating/],
  ['endpoints-not-reconciled', 'error', 'pod-states.yaml', 'gone', undefined, /missing from every EndpointSlice: its node is gone \(n9\)/],
  [
    'target-port-not-found',
    'error',
    'examples/named-port.yaml',
    'api',
    'shop',
    /named "http", but none of the 2 matching pods declares it for TCP/,
  ],
  ['target-port-not-found', 'warning', 'ports.yaml', 'partial', undefined, /1 of 2 matching pods does not declare it/],
  ['target-port-not-found', 'error', 'manifests.yaml', 'api', undefined, /the pod template of deployment\/api does not declare it/],
  ['target-port-not-declared', 'warning', 'ports.yaml', 'wrongnum', undefined, /port 8080, but the containers declare 80/],
  ['target-port-not-declared', 'info', 'ports.yaml', 'noports', undefined, /the containers declare no ports/],
  ['protocol-mismatch', 'warning', 'ports.yaml', 'dns', undefined, /Service port dns is UDP but the container declares port 53 as TCP/],
  ['headless-port-remap', 'warning', 'traffic.yaml', 'db', 't', /port 80 is not remapped to targetPort 8080/],
  ['publish-not-ready-addresses', 'info', 'traffic.yaml', 'db', 't', /publishes not-ready addresses.*\(1 pod now\)/],
  [
    'selector-spans-workloads',
    'warning',
    'spans.yaml',
    'shop',
    undefined,
    /matches pods of 2 workloads \(deployment\/shop, deployment\/shop-canary\)/,
  ],
  [
    'network-policy-denies-all',
    'error',
    'traffic.yaml',
    'locked',
    'p',
    /default-deny, allow-web select the pods .* from any source.* A rule allows 80, the Service port/,
  ],
  [
    'network-policy-denies-all',
    'error',
    'offline-policy.yaml',
    'api',
    undefined,
    /deny-all selects the pods .* nothing on target port 8080/,
  ],
  [
    'network-policy-isolated',
    'warning',
    'engine-gaps.yaml',
    'restricted',
    'g',
    /frontend-only selects the pods .* allows target port 8080\/TCP .* only from: pods role=frontend \(same namespace\)/,
  ],
  [
    'probe-port-not-found',
    'error',
    'engine-gaps.yaml',
    'probe',
    'g',
    /readinessProbe of container "app" \(pod probe-1\) uses port "health"/,
  ],
  ['probe-port-not-found', 'error', 'offline-policy.yaml', 'api', undefined, /livenessProbe of container "api" \(deployment\/api\)/],
  ['service-warning-events', 'warning', 'engine-gaps.yaml', 'warned', 'g', /1 Warning event: ClusterIPAlreadyAllocated \(x4\)/],
  [
    'service-warning-events',
    'warning',
    'endpoint-sync.yaml',
    'capped',
    's',
    /FailedToUpdateEndpointSlices \(x2\): .*exceeded quota: slices/,
  ],
  [
    'endpoint-sync-recovered',
    'info',
    'endpoint-sync.yaml',
    'recovered',
    's',
    /failed to update the EndpointSlices .*the object has been modified.*but has synced them since: they list all 2 Ready matching pods/,
  ],
  ['load-balancer-pending', 'warning', 'traffic.yaml', 'lb', 't', /has no external address .*last event: EnsuringLoadBalancer/],
  ['external-traffic-policy-local', 'info', 'traffic.yaml', 'lb', 't', /only accepted by nodes running a ready endpoint \(n2\)/],
  ['internal-traffic-policy-local', 'info', 'traffic.yaml', 'lb', 't', /ready endpoints on: n2/],
  ['session-affinity', 'info', 'traffic.yaml', 'lb', 't', /sessionAffinity: ClientIP/],
  ['selector-no-match', 'error', 'manifests.yaml', 'web', undefined, /carries app=web instead of app=Web \(differs only in case\)/],
];

describe('explainService on fixtures: one case per finding code', () => {
  it.each(CASES)('%s (%s) on %s svc %s', async (code, severity, file, name, ns, message) => {
    const report = await explainFixture(file, name, ns);
    const f = report.findings.find((x) => x.code === code && x.severity === severity);
    expect(f).toBeDefined();
    expect(f!.message).toMatch(message);
    expect(f!.hint.length).toBeGreaterThan(10);
    expect(f!.evidence.length).toBeGreaterThan(0);
  });

  it('covers every catalogue code except rbac-partial (tested with a denying reader in loader.test.ts)', () => {
    const covered = new Set(CASES.map((c) => c[0]));
    const missing = SVC_REPORTED.map((e) => e.code).filter((c) => !covered.has(c) && c !== 'rbac-partial');
    expect(missing).toEqual([]);
  });

  it('reports nothing for a healthy Service, a sidecar-resolved named port and a policy allowing the named port', async () => {
    expect((await explainFixture('ports.yaml', 'sidecar')).findings).toEqual([]);
    expect((await explainFixture('traffic.yaml', 'open', 'p')).findings).toEqual([]);
  });

  it('ExternalName: only the external-name finding, no endpoint checks, even with a selector', async () => {
    const r = await explainFixture('external-name.yaml', 'billing');
    expect(r.findings.map((f) => f.code)).toEqual(['external-name']);
    expect(r.pods).toEqual([]);
    // An IP in spec.externalName is the general code dns-external-name-ip (kdiag dns reports the same), not external-name.
    const ip = await explainFixture('external-name.yaml', 'byip');
    expect(ip.findings.map((f) => [f.code, f.severity])).toEqual([['dns-external-name-ip', 'warning']]);
    expect(ip.findings[0]!.message).toMatch(/points at the IP address 192\.0\.2\.7: a CNAME needs a host name/);
    expect(ip.findings[0]!.evidence).toEqual([
      { kind: 'service', object: { kind: 'Service', namespace: 't', name: 'byip' }, field: 'spec.externalName', value: '192.0.2.7' },
    ]);
  });

  it('selectorless Service with endpoints under the wrong port name is an error, counted per port', async () => {
    const r = await explainFixture('no-selector.yaml', 'misnamed');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'no-selector', severity: 'error' });
    expect(r.findings[0]!.message).toMatch(/none ready under a port named like the Service's ports/);
  });

  it('selector-no-match on the bundled example names every mislabelled pod and the differing value', async () => {
    const r = await explainFixture('examples/my-app.yaml', 'web', 'my-app');
    expect(r.findings.map((f) => f.code)).toEqual(['selector-no-match']);
    const f = r.findings[0]!;
    for (const pod of ['web-6d8f7b9c54-7xk2p', 'web-6d8f7b9c54-m4q9z', 'web-6d8f7b9c54-tr8wd']) expect(f.message).toContain(pod);
    expect(f.hint).toContain(`kubectl patch service web -n my-app --type merge -p '{"spec":{"selector":{"app":"web-sever"}}}'`);
    expect(f.hint).toContain('spec.selector, which is immutable');
    expect(r.podsAreNearMisses).toBe(true);
    expect(r.pods.map((p) => [p.name, p.selectorMatch, p.ready, p.targetPorts])).toEqual([
      ['web-6d8f7b9c54-7xk2p', { app: 'differs' }, true, { http: 8080 }],
      ['web-6d8f7b9c54-m4q9z', { app: 'differs' }, true, { http: 8080 }],
      ['web-6d8f7b9c54-tr8wd', { app: 'differs' }, true, { http: 8080 }],
    ]);
  });

  it('missing key: the near miss says the label is absent and the workload template mismatch follows', async () => {
    const r = await explainFixture('workloads.yaml', 'api');
    expect(r.findings.map((f) => f.code)).toEqual(['selector-no-match', 'workload-template-mismatch']);
    expect(r.findings[0]!.message).toMatch(/carries no tier label \(the selector wants tier=backend\)/);
  });

  it('scaled to zero is not reported as a selector typo', async () => {
    const r = await explainFixture('workloads.yaml', 'web');
    expect(r.findings.map((f) => f.code)).toEqual(['workload-scaled-to-zero']);
  });

  it('service-not-found suggests close names and the same name elsewhere', async () => {
    const snap = await snapshotOf('examples/my-app.yaml', 'wbe', 'my-app');
    const r = explainService({ ...snap, sameNameElsewhere: [{ namespace: 'staging', name: 'wbe' }] });
    expect(r.service).toBeNull();
    expect(r.findings[0]!.evidence.map((e) => e.value)).toEqual([
      'close names in namespace my-app: web',
      'a Service named "wbe" exists in namespace staging',
    ]);
    expect(r.findings[0]!.hint).toBe('did you mean "web"? kdiag svc web -n my-app');
  });

  it('namespace-not-found suggests close namespace names', async () => {
    const r = await explainFixture('examples/my-app.yaml', 'web', 'my-ap');
    expect(r.findings[0]!.evidence).toContainEqual({ kind: 'suggestion', value: 'close namespace names: my-app' });
    expect(r.findings[0]!.hint).toBe('did you mean -n my-app? kdiag svc web -n my-app');
  });

  it('static manifests: no readiness or endpoint findings, and the report says so', async () => {
    const r = await explainFixture('manifests.yaml', 'api');
    expect(r.staticOnly).toBe(true);
    expect(r.findings.map((f) => f.code)).toEqual(['target-port-not-found']);
    expect(r.pods[0]).toMatchObject({ name: 'deployment/api', ready: null, phase: null, ip: null, targetPorts: { http: null } });
  });

  it('a dump without pods is checked statically against the pod templates, without claiming pods are missing', async () => {
    const r = await explainFixture('no-pods-dump.yaml', 'web');
    expect(r.staticOnly).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.pods.map((p) => [p.name, p.targetPorts])).toEqual([['deployment/web', { http: 8080 }]]);
  });

  it('namespace-not-found points at the namespace that holds a Service of that name', async () => {
    const r = await explainFixture('traffic.yaml', 'db');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.evidence.map((e) => e.value)).toEqual([
      'not found',
      'existing namespaces: p, t',
      'a Service named "db" exists in namespace t',
    ]);
    expect(r.findings[0]!.hint).toBe('the Service is in namespace t: kdiag svc db -n t');
  });

  it('orders findings causally: selector before readiness before ports before policy', () => {
    const f = (code: string): Finding => ({ code, severity: 'warning', message: code, evidence: [], hint: '' });
    expect(
      orderFindings([
        f('network-policy-isolated'),
        f('target-port-not-found'),
        f('pods-not-ready'),
        f('selector-no-match'),
        f('rbac-partial'),
      ]).map((x) => x.code),
    ).toEqual(['selector-no-match', 'pods-not-ready', 'target-port-not-found', 'network-policy-isolated', 'rbac-partial']);
  });

  it('names: short, namespaced, svc and FQDN, plus per-pod names of a headless Service', async () => {
    const r = await explainFixture('traffic.yaml', 'db', 't');
    expect(r.names).toEqual([
      'db',
      'db.t',
      'db.t.svc',
      'db.t.svc.cluster.local',
      'db-0.db.t.svc.cluster.local',
      'db-1.db.t.svc.cluster.local',
    ]);
    expect(serviceDnsNames({ metadata: { name: 'web', namespace: 'my-app' } }, [], 'corp.local')).toEqual([
      'web',
      'web.my-app',
      'web.my-app.svc',
      'web.my-app.svc.corp.local',
    ]);
  });

  it('counts endpoints per Service port, not per address', async () => {
    const r = await explainFixture('examples/named-port.yaml', 'api', 'shop');
    expect(r.endpoints).toHaveLength(2);
    expect(r.findings[0]!.evidence).toContainEqual({ kind: 'endpoints', value: 'ready endpoints for Service port http: 0' });
  });

  it('rbac-partial: each denied read becomes one info finding naming verb, resource and namespace', () => {
    const snap: ServiceSnapshot = {
      namespace: 'a',
      name: 'web',
      source: 'live',
      hasStatus: true,
      clusterDomain: 'cluster.local',
      endpointSlices: [],
      endpointsKnown: true,
      pods: [],
      events: [],
      service: { metadata: { name: 'web', namespace: 'a' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      denied: [
        { verb: 'list', resource: 'pods', message: 'forbidden' },
        { verb: 'list', resource: 'pods', message: 'forbidden' },
      ],
    };
    const r = explainService(snap);
    const rbac = r.findings.filter((f) => f.code === 'rbac-partial');
    expect(rbac).toHaveLength(1);
    expect(rbac[0]).toMatchObject({
      severity: 'info',
      message: 'Could not list pods across all namespaces: pods matching the selector in other namespaces were not looked for.',
    });
    expect(rbac[0]!.hint).toContain('kubectl auth can-i list pods -A');
  });
});

describe('selector-no-match evidence', () => {
  it("carries each near-miss pod's raw label value, for scripts to read", async () => {
    const report = await explainFixture('examples/my-app.yaml', 'web', 'my-app');
    const f = report.findings.find((x) => x.code === 'selector-no-match')!;
    expect(f.evidence).toEqual([
      { kind: 'selector', object: { kind: 'Service', namespace: 'my-app', name: 'web' }, field: 'spec.selector', value: 'app=web-server' },
      ...['web-6d8f7b9c54-7xk2p', 'web-6d8f7b9c54-m4q9z', 'web-6d8f7b9c54-tr8wd'].map((name) => ({
        kind: 'label',
        object: { kind: 'Pod', namespace: 'my-app', name },
        field: 'metadata.labels.app',
        value: 'web-sever',
      })),
    ]);
  });
});

describe("endpoints-not-reconciled and the controller's catch-up time", () => {
  /** The `gone` Service's pod, made Ready at `readyAt` on a node that exists, with the slices last changed a minute earlier. */
  async function snapshotWith(readyAt: string, readAt: string | undefined): Promise<ServiceSnapshot> {
    const s = await snapshotOf('pod-states.yaml', 'gone');
    s.nodesLookedUp = [];
    for (const p of s.pods) {
      for (const c of p.status?.conditions ?? []) if (c.type === 'Ready') c.lastTransitionTime = readyAt;
    }
    for (const sl of s.endpointSlices) {
      sl.metadata.annotations = {
        ...sl.metadata.annotations,
        'endpoints.kubernetes.io/last-change-trigger-time': new Date(Date.parse(readyAt) - 60_000).toISOString(),
      };
    }
    if (readAt === undefined) delete s.readAt;
    else s.readAt = readAt;
    return s;
  }
  const codes = (s: ServiceSnapshot) => explainService(s).findings.map((f) => f.code);

  it('allows a pod that turned Ready seconds before the read', async () => {
    expect(codes(await snapshotWith('2026-11-26T10:00:00Z', '2026-11-26T10:00:03Z'))).not.toContain('endpoints-not-reconciled');
  });

  it('reports a pod Ready for longer than the grace: the controller is not catching up', async () => {
    expect(codes(await snapshotWith('2026-11-26T10:00:00Z', '2026-11-26T10:05:00Z'))).toContain('endpoints-not-reconciled');
  });

  it('reports it from a file, where there is no read time to compare with', async () => {
    expect(codes(await snapshotWith('2026-11-26T10:00:00Z', undefined))).toContain('endpoints-not-reconciled');
  });

  it('never waits for a pod whose node is gone', async () => {
    const s = await snapshotOf('pod-states.yaml', 'gone');
    s.readAt = new Date(Date.now() + 1000).toISOString();
    for (const p of s.pods)
      for (const c of p.status?.conditions ?? []) if (c.type === 'Ready') c.lastTransitionTime = new Date().toISOString();
    expect(codes(s)).toContain('endpoints-not-reconciled');
  });
});

describe("the EndpointSlice controller's sync failures", () => {
  const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code);

  it('a failure the slices show is over is info, not a warning, and nothing else is reported', async () => {
    const r = await explainFixture('endpoint-sync.yaml', 'recovered', 's');
    expect(codes(r)).toEqual(['endpoint-sync-recovered']);
    const f = r.findings[0]!;
    expect(f.evidence.map((e) => e.value)).toEqual([
      expect.stringMatching(/^FailedToUpdateEndpointSlices: Error updating Endpoint Slices for Service s\/recovered/),
      '1 EndpointSlice lists 2 addresses',
    ]);
  });

  it('the same event stays a warning while a Ready pod is missing from the slices', async () => {
    const s = await snapshotOf('endpoint-sync.yaml', 'recovered', 's');
    s.endpointSlices[0]!.endpoints = s.endpointSlices[0]!.endpoints!.slice(0, 1);
    expect(codes(explainService(s))).toEqual(['endpoints-not-reconciled', 'service-warning-events']);
  });

  it('the same event stays a warning while the slices list a pod that is gone', async () => {
    expect(codes(await explainFixture('endpoint-sync.yaml', 'stale', 's'))).toEqual(['service-warning-events']);
  });

  it('the same event stays a warning when the Service has no EndpointSlice at all', async () => {
    const s = await snapshotOf('endpoint-sync.yaml', 'recovered', 's');
    s.endpointSlices = [];
    expect(codes(explainService(s))).toContain('service-warning-events');
    expect(codes(explainService(s))).not.toContain('endpoint-sync-recovered');
  });

  it('other Warning reasons are never taken for a recovered sync', async () => {
    const s = await snapshotOf('endpoint-sync.yaml', 'recovered', 's');
    s.events = s.events.map((e) => ({ ...e, reason: 'ClusterIPAlreadyAllocated' }));
    expect(codes(explainService(s))).toEqual(['service-warning-events']);
  });

  it('counts every event of a reason and quotes the newest', async () => {
    const f = (await explainFixture('endpoint-sync.yaml', 'capped', 's')).findings.find((x) => x.code === 'service-warning-events')!;
    expect(f.message).toMatch(/^Service "capped" has 1 Warning event: FailedToUpdateEndpointSlices \(x2\): .*"capped-m2v9t"/);
  });

  it('a quota named by the failure is the cause and the fix of the missing endpoints', async () => {
    const f = (await explainFixture('endpoint-sync.yaml', 'capped', 's')).findings.find((x) => x.code === 'endpoints-not-reconciled')!;
    expect(f.message).toBe(
      '1 Ready matching pod is missing from every EndpointSlice: the ResourceQuota "slices" stops the EndpointSlice controller from creating EndpointSlices.',
    );
    expect(f.hint).toMatch(
      /^raise or remove the quota on count\/endpointslices.discovery.k8s.io \(kubectl describe resourcequota slices -n s\)/,
    );
    expect(f.evidence.map((e) => e.kind)).toEqual(['pod', 'endpointslices', 'event']);
  });

  it('no grace period once the controller has failed after the pod turned Ready', async () => {
    const s = await snapshotOf('endpoint-sync.yaml', 'capped', 's');
    s.readAt = '2026-12-01T10:00:04Z'; // 4 s after the pod turned Ready: within the grace, but the controller failed at 10:00:03
    expect(codes(explainService(s))).toContain('endpoints-not-reconciled');
    s.events = s.events.map((e) => ({ ...e, lastTimestamp: '2026-12-01T09:59:59Z' })); // failures before the pod was Ready
    expect(codes(explainService(s))).not.toContain('endpoints-not-reconciled');
  });
});

describe('one notion of a ready endpoint pod', () => {
  it('a pod still marked Ready but in phase Failed counts as not running, never as ready', async () => {
    const s = await snapshotOf('traffic.yaml', 'open', 'p');
    expect(s.pods.length).toBeGreaterThan(0);
    for (const p of s.pods) p.status = { ...p.status, phase: 'Failed' };
    const codes = explainService(s).findings.map((f) => f.code);
    expect(codes).toContain('pods-not-running');
    expect(codes).not.toContain('endpoints-not-reconciled');
  });
});

describe('checks added with kdiag audit', () => {
  it("a Pending pod's hint follows the scheduler's reason: the nodeSelector labels and whether any node carries them", async () => {
    const r = await explainFixture('engine-gaps.yaml', 'unplaced', 'g');
    const f = r.findings.find((x) => x.code === 'pods-not-running')!;
    expect(f.hint).toMatch(/nodeSelector disktype=ssd \(no node carries it\), zone=a \(1 node carries it\)/);
    expect(f.hint).not.toMatch(/add capacity/);
  });

  it('probe evidence shows the resolved port of a named probe port', async () => {
    const r = await explainFixture('engine-gaps.yaml', 'probe', 'g');
    const ev = r.findings.find((x) => x.code === 'pods-not-ready')!.evidence.find((e) => e.kind === 'probe')!;
    expect(ev.value).toMatch(/httpGet HTTP :health \(not declared by the container\)\/healthz/);
  });

  it('a rule with ports and no from admits every source: no policy finding', async () => {
    expect((await explainFixture('traffic.yaml', 'open', 'p')).findings.map((f) => f.code)).not.toContain('network-policy-isolated');
  });

  it('offline, a workload template is evaluated against the NetworkPolicies as the pods it will create', async () => {
    const r = await explainFixture('offline-policy.yaml', 'api');
    expect(r.staticOnly).toBe(true);
    expect(r.findings.find((f) => f.code === 'network-policy-denies-all')!.evidence[0]!.value).toMatch(/selects deployment\/api/);
  });
});
