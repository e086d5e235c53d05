// `kdiag svc` findings about ports, policies and Service options, reproduced live, plus rbac-partial with the limited
// user. Codes: target-port-not-found, target-port-not-declared, protocol-mismatch, headless-port-remap,
// network-policy-denies-all, network-policy-isolated, probe-port-not-found, session-affinity, external-traffic-policy-local, internal-traffic-policy-local,
// load-balancer-pending, rbac-partial.
import { LIMITED_NAMESPACE, applyYaml, clusterInfo, kubectl, useNamespace, waitForReadyPods, type PodLike } from '../helpers/index.js';
import { evidenceText, findingOf, kdiagSvc, liveCase, suffix, waitForSliceAddresses } from './helpers.js';
import { deployment, pod, service } from '../../helpers/manifests.js';

const ns = useNamespace('svc-ports');
const sfx = suffix();
/** Label on what this file creates in the shared limited namespace, deleted after the file. */
const LIMITED_MARK = `e2e.kdiag.dev/svc-ports=${sfx}`;

/** Objects carrying {@link LIMITED_MARK}, so the file's afterAll finds them in the shared namespace. */
function marked(objs: object[]): object[] {
  const [k, v] = LIMITED_MARK.split('=') as [string, string];
  return objs.map((o: any) => ({ ...o, metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), [k]: v } } }));
}

afterAll(async () => {
  await kubectl(['delete', 'services,pods', '-l', LIMITED_MARK, '--ignore-not-found', '--wait=false'], {
    namespace: LIMITED_NAMESPACE,
    check: false,
  });
}, 60_000);

/** One Deployment `edge` with two ready pods, shared by the Service-option cases. */
let edgePods: PodLike[] | undefined;
async function edge(): Promise<PodLike[]> {
  if (!edgePods) {
    await applyYaml(deployment({ name: 'edge', replicas: 2, templateLabels: { app: `edge-${sfx}` } }), { namespace: ns.name });
    edgePods = await waitForReadyPods(ns.name, `app=edge-${sfx}`, 2);
  }
  return edgePods;
}

/** Applies a Service selecting the edge pods and waits until the controller lists both as ready. */
async function edgeService(name: string, spec: Record<string, unknown>, ports?: Parameters<typeof service>[0]['ports']): Promise<void> {
  await edge();
  await applyYaml(service({ name, selector: { app: `edge-${sfx}` }, spec, ...(ports ? { ports } : {}) }), { namespace: ns.name });
  await waitForSliceAddresses(ns.name, name, 2, (e) => e.conditions?.ready === true);
}

describe('kdiag svc, live: ports', () => {
  liveCase(
    'target-port-not-found',
    'a named targetPort no container declares: the real controller publishes the pods without that Service port',
    async () => {
      await applyYaml(
        [
          deployment({
            name: 'metrics',
            replicas: 2,
            templateLabels: { app: `metrics-${sfx}` },
            ports: [{ containerPort: 8080, name: 'http' }],
          }),
          service({
            name: 'metrics',
            selector: { app: `metrics-${sfx}` },
            ports: [
              { name: 'http', port: 80, targetPort: 'http' },
              { name: 'metrics', port: 9090, targetPort: 'metrics' },
            ],
          }),
        ],
        { namespace: ns.name },
      );
      const pods = await waitForReadyPods(ns.name, `app=metrics-${sfx}`, 2);
      const slices = await waitForSliceAddresses(ns.name, 'metrics', 2, (e) => e.conditions?.ready === true);
      // What the real EndpointSlice controller did: the pods are listed, ready, but only under port "http".
      expect(slices.flatMap((s) => (s.ports ?? []).map((p: any) => p.name)).sort()).toEqual(['http']);

      const r = await kdiagSvc('metrics', ns.name);
      expect(r.code).toBe(1);
      const f = findingOf(r, 'target-port-not-found');
      expect(f.message).toBe(
        'Service port metrics targets the container port named "metrics", but none of the 2 matching pods declares it for TCP: the endpoint controller leaves this port out of every endpoint, even for Ready pods.',
      );
      expect(f.evidence).toContainEqual({
        kind: 'port',
        object: { kind: 'Service', namespace: ns.name, name: 'metrics' },
        field: 'spec.ports[1].targetPort',
        value: '"metrics" (TCP)',
      });
      // Endpoints are counted per Service port, not per address: 2 ready addresses, 0 for port metrics.
      expect(f.evidence).toContainEqual({ kind: 'endpoints', value: 'ready endpoints for Service port metrics: 0' });
      const sliceEvidence = f.evidence.find((e) => e.kind === 'endpointslice');
      expect(sliceEvidence?.object?.name).toBe(slices[0].metadata.name);
      expect(sliceEvidence?.value).toMatch(/without port "metrics"$/);
      expect(f.hint).toContain('set spec.ports[1].targetPort to "http" or 8080');
      expect(r.doc!.endpoints.filter((e) => e.ready)).toHaveLength(2);
      for (const p of r.doc!.pods) expect(p.targetPorts).toEqual({ http: 8080, metrics: null });
      expect(r.doc!.pods.map((p) => p.name).sort()).toEqual(pods.map((p) => p.metadata.name).sort());
      // The other port resolves: nothing reported about it.
      expect(r.doc!.findings.filter((x) => x.code === 'target-port-not-found')).toHaveLength(1);
      return r;
    },
  );

  liveCase('target-port-not-declared', 'a numeric targetPort (9090) while the containers declare 8080 (exit 0, warning)', async () => {
    await applyYaml(
      [
        deployment({
          name: 'legacy',
          replicas: 1,
          templateLabels: { app: `legacy-${sfx}` },
          ports: [{ containerPort: 8080, name: 'http' }],
        }),
        service({ name: 'legacy', selector: { app: `legacy-${sfx}` }, ports: [{ name: 'http', port: 80, targetPort: 9090 }] }),
      ],
      { namespace: ns.name },
    );
    await waitForReadyPods(ns.name, `app=legacy-${sfx}`, 1);
    await waitForSliceAddresses(ns.name, 'legacy', 1, (e) => e.conditions?.ready === true);
    const r = await kdiagSvc('legacy', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'target-port-not-declared');
    expect(f.message).toBe('Service port http sends traffic to port 9090, but the containers declare 8080: probably the wrong number.');
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.ports[0].targetPort', value: '9090' }));
    expect(evidenceText(f)).toMatch(/declared ports: .*\b8080\/TCP/);
    expect(f.hint).toMatch(/^set spec\.ports\[0\]\.targetPort to 8080 \(or "http"\)/);
    return r;
  });

  liveCase('protocol-mismatch', 'a TCP Service port whose numeric targetPort the container declares as UDP', async () => {
    await applyYaml(
      [
        deployment({
          name: 'dns',
          replicas: 1,
          templateLabels: { app: `dns-${sfx}` },
          ports: [{ containerPort: 5353, name: 'dns', protocol: 'UDP' }],
        }),
        service({ name: 'dns', selector: { app: `dns-${sfx}` }, ports: [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'TCP' }] }),
      ],
      { namespace: ns.name },
    );
    await waitForReadyPods(ns.name, `app=dns-${sfx}`, 1);
    await waitForSliceAddresses(ns.name, 'dns', 1);
    const r = await kdiagSvc('dns', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'protocol-mismatch');
    expect(f.message).toBe('Service port dns is TCP but the container declares port 5353 as UDP: TCP traffic finds nothing listening.');
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.ports[0].protocol', value: 'TCP' }));
    expect(f.hint).toMatch(/^set spec\.ports\[0\]\.protocol to UDP/);
    expect(r.doc?.findings.map((x) => x.code)).not.toContain('target-port-not-declared');
    return r;
  });

  liveCase('headless-port-remap', 'a headless Service with port 80 and targetPort 8080', async () => {
    await edgeService('edge-headless', { clusterIP: 'None' });
    const r = await kdiagSvc('edge-headless', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'headless-port-remap');
    expect(f.message).toBe(
      'Service "edge-headless" is headless, so clients connect to pod IPs directly: port 80 is not remapped to targetPort 8080.',
    );
    expect(f.evidence).toContainEqual(expect.objectContaining({ field: 'spec.clusterIP', value: 'None' }));
    expect(f.hint).toContain('set spec.ports[0].port to 8080');
    return r;
  });
});

describe('kdiag svc, live: policies and Service options', () => {
  liveCase(
    'network-policy-denies-all',
    'a NetworkPolicy selects the pods and allows the Service port (80), not the target port (8080)',
    async () => {
      await edgeService('edge-policy', {});
      await applyYaml(
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'edge-ingress' },
          spec: {
            podSelector: { matchLabels: { app: `edge-${sfx}` } },
            policyTypes: ['Ingress'],
            ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }],
          },
        },
        { namespace: ns.name },
      );
      const r = await kdiagSvc('edge-policy', ns.name);
      expect(r.code).toBe(1);
      const f = findingOf(r, 'network-policy-denies-all');
      expect(f.message).toBe(
        "NetworkPolicy edge-ingress selects the pods for ingress and allows nothing on target port 8080/TCP (Service port http) from any source: every connection is dropped although endpoints look healthy. A rule allows 80, the Service port, but policies apply to the pod's port.",
      );
      expect(f.evidence).toEqual([
        expect.objectContaining({
          kind: 'networkpolicy',
          object: { kind: 'NetworkPolicy', namespace: ns.name, name: 'edge-ingress' },
          value: expect.stringContaining('ingress ports allowed: 80/TCP'),
        }),
      ]);
      expect(f.hint).toBe(
        "change the policy's port from 80 to 8080 (the container port; policies see traffic after the Service translated it)",
      );
      await kubectl(['delete', 'networkpolicy', 'edge-ingress'], { namespace: ns.name });
      return r;
    },
  );

  liveCase(
    'network-policy-isolated',
    'a NetworkPolicy allows the target port only from pods labelled role=frontend: a warning naming the source',
    async () => {
      await edgeService('edge-frontend', {});
      await applyYaml(
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'edge-frontend-only' },
          spec: {
            podSelector: { matchLabels: { app: `edge-${sfx}` } },
            policyTypes: ['Ingress'],
            ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
          },
        },
        { namespace: ns.name },
      );
      const r = await kdiagSvc('edge-frontend', ns.name);
      expect(r.code).toBe(0);
      const f = findingOf(r, 'network-policy-isolated');
      expect(f.message).toBe(
        'NetworkPolicy edge-frontend-only selects the pods for ingress and allows target port 8080/TCP (Service port http) only from: pods role=frontend (same namespace). Other clients are dropped.',
      );
      expect(r.doc!.findings.map((x) => x.code)).not.toContain('network-policy-denies-all');
      await kubectl(['delete', 'networkpolicy', 'edge-frontend-only'], { namespace: ns.name });
      return r;
    },
  );

  liveCase('probe-port-not-found', "a readiness probe names port 'health', which the container does not declare", async () => {
    const d = deployment({
      name: 'probed',
      replicas: 1,
      templateLabels: { app: `probed-${sfx}` },
      readinessProbe: { httpGet: { path: '/healthz', port: 'health' } },
    });
    await applyYaml([d, service({ name: 'probed', selector: { app: `probed-${sfx}` } })], { namespace: ns.name });
    await waitForSliceAddresses(ns.name, 'probed', 1);
    const r = await kdiagSvc('probed', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'probe-port-not-found');
    expect(f.message).toMatch(/^The readinessProbe of container "app" \(.*\) uses port "health", which the container does not declare/);
    expect(evidenceText(f)).toContain('httpGet HTTP :health (not declared by the container)/healthz');
    expect(f.hint).toBe('use one of the declared ports in the probe (http (8080)), or name the container port "health"');
    return r;
  });

  liveCase('session-affinity', 'sessionAffinity: ClientIP (info, exit 0)', async () => {
    await edgeService('edge-sticky', { sessionAffinity: 'ClientIP' });
    const r = await kdiagSvc('edge-sticky', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'session-affinity');
    expect(f.evidence).toEqual([
      {
        kind: 'field',
        object: { kind: 'Service', namespace: ns.name, name: 'edge-sticky' },
        field: 'spec.sessionAffinity',
        value: 'ClientIP',
      },
    ]);
    return r;
  });

  liveCase(
    'external-traffic-policy-local',
    'a NodePort Service with externalTrafficPolicy: Local names the nodes holding ready endpoints',
    async () => {
      const pods = await edge();
      await edgeService('edge-nodeport', { type: 'NodePort', externalTrafficPolicy: 'Local' });
      const nodes = [...new Set(pods.map((p) => p.spec.nodeName!))].sort();
      const r = await kdiagSvc('edge-nodeport', ns.name);
      expect(r.code).toBe(0);
      const f = findingOf(r, 'external-traffic-policy-local');
      expect(f.message).toBe(
        `Service "edge-nodeport" has externalTrafficPolicy: Local: traffic from outside the cluster is only accepted by nodes running a ready endpoint (${nodes.join(', ')}).`,
      );
      return r;
    },
  );

  liveCase('internal-traffic-policy-local', 'internalTrafficPolicy: Local names the nodes holding ready endpoints', async () => {
    const pods = await edge();
    await edgeService('edge-local', { internalTrafficPolicy: 'Local' });
    const nodes = [...new Set(pods.map((p) => p.spec.nodeName!))].sort();
    const r = await kdiagSvc('edge-local', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'internal-traffic-policy-local');
    expect(f.message).toBe(
      `Service "edge-local" has internalTrafficPolicy: Local: in-cluster clients only reach endpoints on their own node (ready endpoints on: ${nodes.join(', ')}).`,
    );
    return r;
  });

  liveCase('load-balancer-pending', 'a LoadBalancer Service in a cluster without a load-balancer controller', async () => {
    await edgeService('edge-lb', { type: 'LoadBalancer' });
    const r = await kdiagSvc('edge-lb', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'load-balancer-pending');
    expect(f.message).toMatch(
      /^LoadBalancer Service "edge-lb" has no external address \(created \d{4}-\d\d-\d\dT[\d:]+Z\): no load-balancer controller has provisioned one\.$/,
    );
    expect(f.evidence).toContainEqual({
      kind: 'field',
      object: { kind: 'Service', namespace: ns.name, name: 'edge-lb' },
      field: 'status.loadBalancer.ingress',
      value: '(empty)',
    });
    return r;
  });
});

describe('kdiag svc, live: the limited user (read-only Role in its namespace)', () => {
  liveCase('rbac-partial', 'a selector typo: pods in other namespaces cannot be listed, which kdiag says instead of failing', async () => {
    const env = { ...process.env, KUBECONFIG: clusterInfo().limitedKubeconfig };
    await applyYaml(
      marked([
        pod(`rbac-web-${sfx}`, { app: `rbac-web-sever-${sfx}` }),
        service({ name: `rbac-web-${sfx}`, selector: { app: `rbac-web-server-${sfx}` } }),
      ]),
      {
        namespace: LIMITED_NAMESPACE,
      },
    );
    await waitForReadyPods(LIMITED_NAMESPACE, `app=rbac-web-sever-${sfx}`, 1);

    const r = await kdiagSvc(`rbac-web-${sfx}`, LIMITED_NAMESPACE, [], { env });
    expect(r.code).toBe(1); // selector-no-match is an error; rbac-partial alone would not fail the run
    expect(findingOf(r, 'selector-no-match').message).toContain(`app=rbac-web-sever-${sfx} instead of app=rbac-web-server-${sfx}`);
    const f = findingOf(r, 'rbac-partial');
    expect(f.message).toBe(
      'Could not list pods across all namespaces: pods matching the selector in other namespaces were not looked for.',
    );
    expect(f.evidence).toEqual([
      {
        kind: 'rbac',
        value: expect.stringMatching(
          /^list pods across all namespaces: pods is forbidden: User "kdiag-limited" cannot list resource "pods" in API group "" at the cluster scope/,
        ),
      },
    ]);
    expect(f.hint).toBe('ask for permission to list pods across all namespaces; check with: kubectl auth can-i list pods -A');
    return r;
  });

  test('rbac-partial: a pod Ready=False with ready containers needs its Node, which the limited user cannot read', async () => {
    const env = { ...process.env, KUBECONFIG: clusterInfo().limitedKubeconfig };
    const name = `rbac-node-${sfx}`;
    await applyYaml(marked([pod(name, { app: name }), service({ name, selector: { app: name } })]), { namespace: LIMITED_NAMESPACE });
    await waitForReadyPods(LIMITED_NAMESPACE, `app=${name}`, 1);
    // What the node lifecycle controller does to the pods of a NotReady node: Ready=False, containers untouched.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const patch = { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KdiagE2ENodeLost', lastTransitionTime: now }] } };
    await kubectl(['patch', 'pod', name, '--subresource=status', '--type=strategic', '-p', JSON.stringify(patch)], {
      namespace: LIMITED_NAMESPACE,
    });
    await waitForSliceAddresses(LIMITED_NAMESPACE, name, 1, (e) => e.conditions?.ready === false);

    const r = await kdiagSvc(name, LIMITED_NAMESPACE, [], { env });
    expect(r.code).toBe(1);
    expect(findingOf(r, 'pods-not-ready').message).toContain(`${name}: Ready is False (KdiagE2ENodeLost)`);
    const f = findingOf(r, 'rbac-partial');
    expect(f.message).toBe("Could not list nodes at cluster scope: the pods' nodes were not checked (NotReady, gone).");
    expect(f.evidence[0]!.value).toMatch(/cannot list resource "nodes"/);
    expect(f.hint).toBe('ask for permission to list nodes at cluster scope; check with: kubectl auth can-i list nodes');
    // Then the routes to the Service: the Role allows Ingresses but not the Gateway API's HTTPRoutes and ReferenceGrants.
    expect(r.doc?.findings.map((x) => x.code)).toEqual(['pods-not-ready', 'rbac-partial', 'rbac-partial', 'rbac-partial']);
    expect(r.doc?.findings.slice(2).map((x) => x.message.split(':')[0])).toEqual([
      `Could not list httproutes.gateway.networking.k8s.io in namespace ${LIMITED_NAMESPACE}`,
      `Could not list referencegrants.gateway.networking.k8s.io in namespace ${LIMITED_NAMESPACE}`,
    ]);

    // The admin reads the node: it exists and is Ready, so nothing more is said and nothing is denied.
    const admin = await kdiagSvc(name, LIMITED_NAMESPACE);
    expect(admin.doc?.findings.map((x) => x.code)).toEqual(['pods-not-ready']);
  });
});
