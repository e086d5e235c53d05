// `kdiag route` against the real local cluster: one URL that passes Ingress -> Service -> ready pods end to end, and
// each finding code reproduced with real objects. The cluster has no ingress controller and no Gateway
// implementation, so the tests write the status a controller would (status subresource). Certificates come from
// openssl at test time (short-lived, never written to the repository).
import { randomBytes } from 'node:crypto';
import {
  LIMITED_NAMESPACE,
  applyYaml,
  clusterInfo,
  createNamespace,
  deleteNamespace,
  kubectl,
  serviceEndpoints,
  useNamespace,
  waitFor,
  waitForReadyPods,
} from '../helpers/index.js';
import { deployment, service } from '../../helpers/manifests.js';
import { makeCertificate, tlsSecret } from '../../helpers/certs.js';
import { kdiag, type JsonFinding } from '../svc/helpers.js';

const ns = useNamespace('route');
const sfx = randomBytes(3).toString('hex');
const CLASS = `kdiag-e2e-${sfx}`;
const GW_CLASS = `kdiag-e2e-gw-${sfx}`;
const DAY = 86_400_000;
let otherNs = '';

interface RouteDoc {
  schemaVersion: number;
  command: string;
  request: { url: string; host: string; path: string; port: number } | null;
  hops: { kind: string; object: { kind: string; name: string } | null; ok: boolean | null; detail: string }[];
  findings: JsonFinding[];
  backend: { service: { name: string }; endpoints: { ready: boolean }[] } | null;
  backends: { weight: number; service: { service: { name: string } } }[];
}

async function route(target: string, extra: string[] = []): Promise<{ code: number; doc: RouteDoc; stderr: string }> {
  const r = await kdiag(['route', target, '-n', ns.name, '-o', 'json', ...extra]);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`kdiag route ${target}: exit ${r.code}\n${r.stderr}`);
  return { code: r.code, doc: JSON.parse(r.stdout) as RouteDoc, stderr: r.stderr };
}
const codes = (d: RouteDoc) => d.findings.map((f) => f.code);
const host = (name: string) => `${name}-${sfx}.example.test`;

function ingress(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { ingressClassName: CLASS, ...spec },
  };
}
function rule(h: string, path: string, pathType: string, svc = 'web', port: number | string = 80) {
  return {
    host: h,
    http: {
      paths: [{ path, pathType, backend: { service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } } } }],
    },
  };
}
/** What an ingress controller writes once it serves an Ingress. */
async function admit(name: string): Promise<void> {
  await kubectl(
    [
      'patch',
      'ingress',
      name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } }),
    ],
    { namespace: ns.name },
  );
}
async function ingressCase(
  name: string,
  spec: Record<string, unknown>,
  opts: { admitted?: boolean; annotations?: Record<string, string> } = {},
): Promise<void> {
  await applyYaml(ingress(name, spec, opts.annotations), { namespace: ns.name });
  if (opts.admitted !== false) await admit(name);
}

const now = () => new Date().toISOString();
function condition(type: string, status: boolean, reason: string, message = ''): object {
  return { type, status: status ? 'True' : 'False', reason, message, lastTransitionTime: now(), observedGeneration: 1 };
}

beforeAll(async () => {
  otherNs = await createNamespace('route-other');
  await applyYaml([
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: CLASS }, spec: { controller: 'example.com/kdiag-e2e' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: GW_CLASS },
      spec: { controllerName: 'example.com/kdiag-e2e' },
    },
  ]);
  await kubectl([
    'patch',
    'gatewayclass',
    GW_CLASS,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { conditions: [condition('Accepted', true, 'Accepted')] } }),
  ]);
  await applyYaml([deployment({ name: 'web', replicas: 2 }), service({ name: 'web', selector: { 'e2e.kdiag.dev/deployment': 'web' } })], {
    namespace: ns.name,
  });
  await applyYaml(service({ name: 'api', selector: { 'e2e.kdiag.dev/deployment': 'web' } }), { namespace: otherNs });
  await waitForReadyPods(ns.name, 'e2e.kdiag.dev/deployment=web', 2);
  await waitFor(async () => (await serviceEndpoints(ns.name, 'web')).filter((e) => e.ready).length === 2 || undefined, {
    what: 'two ready endpoints of web',
  });
}, 120_000);

afterAll(async () => {
  await kubectl(['delete', 'ingressclass', CLASS, '--ignore-not-found', '--wait=false'], { check: false });
  await kubectl(['delete', 'gatewayclass', GW_CLASS, '--ignore-not-found', '--wait=false'], { check: false });
  if (otherNs) await deleteNamespace(otherNs);
});

describe('kdiag route: Ingress', () => {
  test('a URL passes Ingress -> class -> Service -> target port -> ready pods (exit 0)', async () => {
    await ingressCase('pass', { rules: [rule(host('pass'), '/api', 'Prefix')] });
    const { code, doc } = await route(`http://${host('pass')}/api/v1`);
    expect(codes(doc)).toEqual([]);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'route', request: { host: host('pass'), path: '/api/v1', port: 80 } });
    expect(doc.hops.map((h) => [h.kind, h.ok])).toEqual([
      ['request', true],
      ['ingress-rule', true],
      ['class', true],
      ['address', true],
      ['service', true],
      ['target-port', true],
      ['pods', true],
    ]);
    expect(doc.hops.at(-1)!.detail).toMatch(/^2 ready endpoints/);
    expect(doc.backend!.service.name).toBe('web');
    expect(doc.backends).toEqual([{ weight: 1, service: expect.objectContaining({ service: { namespace: ns.name, name: 'web' } }) }]);
  });

  test('without -n a URL is looked up across namespaces (-A is the default)', async () => {
    const r = await kdiag(['route', `http://${host('pass')}/api`, '-o', 'json']);
    const doc = JSON.parse(r.stdout) as RouteDoc;
    expect(doc.hops[1]).toMatchObject({ kind: 'ingress-rule', ok: true, object: { name: 'pass' } });
  });

  test('route-no-rule-matches: pathType Exact and a wildcard one label deep, with why', async () => {
    await ingressCase('exact', { rules: [rule(host('exact'), '/login', 'Exact'), rule(`*.${host('wild')}`, '/', 'Prefix')] });
    const { code, doc } = await route(`http://${host('exact')}/login/`);
    expect(codes(doc)).toEqual(['route-no-rule-matches']);
    expect(code).toBe(1);
    expect(JSON.stringify(doc.findings[0]!.evidence)).toContain('trailing slash');
    const deep = await route(`http://a.b.${host('wild')}/`);
    expect(JSON.stringify(deep.doc.findings[0]!.evidence)).toContain('exactly one label');
  });

  test('route-rules-conflict: two Ingresses of one class claim the same host and path', async () => {
    await ingressCase('first', { rules: [rule(host('twice'), '/', 'Prefix')] });
    await ingressCase('second', { rules: [rule(host('twice'), '/', 'Prefix')] });
    expect(codes((await route(`http://${host('twice')}/`)).doc)).toEqual(['route-rules-conflict']);
  });

  test('route-implementation-specific', async () => {
    await ingressCase('impl', { rules: [rule(host('impl'), '/', 'ImplementationSpecific')] });
    expect(codes((await route(`http://${host('impl')}/x`)).doc)).toEqual(['route-implementation-specific']);
  });

  test('ingress-class-not-found, ingress-class-annotation, ingress-no-class, ingress-not-admitted', async () => {
    await ingressCase('noclass-typo', { ingressClassName: `${CLASS}x`, rules: [rule(host('typo'), '/', 'Prefix')] });
    await ingressCase(
      'annotated',
      { ingressClassName: undefined, rules: [rule(host('annotated'), '/', 'Prefix')] },
      { annotations: { 'kubernetes.io/ingress.class': CLASS } },
    );
    await ingressCase('classless', { ingressClassName: undefined, rules: [rule(host('classless'), '/', 'Prefix')] });
    await ingressCase('waiting', { rules: [rule(host('waiting'), '/', 'Prefix')] }, { admitted: false });
    const typo = await route(`http://${host('typo')}/`);
    expect(codes(typo.doc)).toEqual(['ingress-class-not-found']);
    expect(typo.doc.findings[0]!.hint).toContain(CLASS);
    expect(codes((await route(`http://${host('annotated')}/`)).doc)).toEqual(['ingress-class-annotation']);
    expect(codes((await route(`http://${host('classless')}/`)).doc)).toEqual(['ingress-no-class']);
    const waiting = await route(`http://${host('waiting')}/`);
    expect(codes(waiting.doc)).toEqual(['ingress-not-admitted']);
    expect(waiting.doc.hops.find((h) => h.kind === 'address')!.ok).toBeNull();
  });

  test('ingress-backend-service-not-found and ingress-backend-port-not-found (8080 of a Service whose port is 80)', async () => {
    await ingressCase('nosvc', { rules: [rule(host('nosvc'), '/', 'Prefix', 'wbe')] });
    await ingressCase('noport', { rules: [rule(host('noport'), '/', 'Prefix', 'web', 8080)] });
    const s = await route(`http://${host('nosvc')}/`);
    expect(codes(s.doc)).toEqual(['ingress-backend-service-not-found']);
    expect(s.doc.findings[0]!.hint).toContain('"web"');
    expect(codes((await route(`http://${host('noport')}/`)).doc)).toEqual(['ingress-backend-port-not-found']);
  });
  test('kdiag svc lists the Ingresses routing to the Service and reports the broken port with the same code; audit names the Service', async () => {
    await ingressCase('noport', { rules: [rule(host('noport'), '/', 'Prefix', 'web', 8080)] });
    const r = await kdiag(['svc', 'web', '-n', ns.name, '-o', 'json']);
    const broken = r.doc!.routes!.filter((x) => x.kind === 'Ingress' && x.name === 'noport');
    expect(broken).toEqual([expect.objectContaining({ namespace: ns.name, ok: false, rule: expect.stringContaining('-> port 8080') })]);
    const f = r.doc!.findings.filter((x) => x.code === 'ingress-backend-port-not-found' && x.object?.name === 'noport');
    expect(f).toHaveLength(1);
    const audit = await kdiag(['audit', '-n', ns.name, '-o', 'json']);
    const doc = JSON.parse(audit.stdout) as { services: { service: { name: string }; findings: { code: string }[] }[] };
    const web = doc.services.find((x) => x.service.name === 'web');
    expect(web?.findings.map((x) => x.code)).toContain('ingress-backend-port-not-found');
  });
});

describe('kdiag route: TLS (openssl certificates made now)', () => {
  const tls = (name: string, secret: string, hosts = [host(name)]) => ({
    tls: [{ hosts, secretName: secret }],
    rules: [rule(host(name), '/', 'Prefix')],
  });
  const cert = (h: string, from: number, to: number) =>
    makeCertificate({ cn: h, sans: [h], notBefore: new Date(Date.now() + from), notAfter: new Date(Date.now() + to) });

  test('a valid certificate passes; the chain shows only its name, SANs and dates', async () => {
    await applyYaml(tlsSecret(ns.name, 'good', cert(host('tls-ok'), -DAY, 30 * DAY)), { namespace: ns.name });
    await ingressCase('tls-ok', tls('tls-ok', 'good'));
    const { code, doc } = await route(`https://${host('tls-ok')}/`);
    expect([code, codes(doc)]).toEqual([0, []]);
    expect(doc.hops.find((h) => h.kind === 'tls')!.detail).toMatch(
      new RegExp(`^secret good: SANs ${host('tls-ok').replace(/\./g, '\\.')}; valid `),
    );
  });

  test('tls-secret-not-found, tls-secret-invalid, tls-host-not-listed', async () => {
    await ingressCase('tls-missing', tls('tls-missing', 'absent'));
    await applyYaml(tlsSecret(ns.name, 'opaque', undefined, 'Opaque'), { namespace: ns.name });
    await ingressCase('tls-opaque', tls('tls-opaque', 'opaque'));
    await ingressCase('tls-unlisted', tls('tls-unlisted', 'good', ['elsewhere.example.test']));
    expect(codes((await route(`https://${host('tls-missing')}/`)).doc)).toEqual(['tls-secret-not-found']);
    expect((await route(`https://${host('tls-opaque')}/`)).doc.findings.map((f) => [f.code, f.severity])).toEqual([
      ['tls-secret-invalid', 'warning'],
    ]);
    expect(codes((await route(`https://${host('tls-unlisted')}/`)).doc)).toEqual(['tls-host-not-listed']);
  });

  test('tls-host-not-covered, tls-certificate-expired, tls-certificate-expiring', async () => {
    await applyYaml(
      [
        tlsSecret(ns.name, 'other-host', cert('other.example.test', -DAY, 30 * DAY)),
        tlsSecret(ns.name, 'expired', cert(host('tls-expired'), -3 * DAY, -DAY)),
        tlsSecret(ns.name, 'expiring', cert(host('tls-expiring'), -DAY, 3 * DAY)),
      ],
      { namespace: ns.name },
    );
    await ingressCase('tls-cover', tls('tls-cover', 'other-host'));
    await ingressCase('tls-expired', tls('tls-expired', 'expired'));
    await ingressCase('tls-expiring', tls('tls-expiring', 'expiring'));
    expect(codes((await route(`https://${host('tls-cover')}/`)).doc)).toEqual(['tls-host-not-covered']);
    expect(codes((await route(`https://${host('tls-expired')}/`)).doc)).toEqual(['tls-certificate-expired']);
    expect(codes((await route(`https://${host('tls-expiring')}/`)).doc)).toEqual(['tls-certificate-expiring']);
  });
});

describe('kdiag route: Gateway API (standard CRDs from the cluster scripts)', () => {
  async function gateway(name: string, listeners: object[], programmed = true, cls = GW_CLASS): Promise<void> {
    await applyYaml(
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name }, spec: { gatewayClassName: cls, listeners } },
      { namespace: ns.name },
    );
    const status = {
      addresses: [{ type: 'IPAddress', value: '192.0.2.20' }],
      conditions: [
        condition('Accepted', true, 'Accepted'),
        condition('Programmed', programmed, programmed ? 'Programmed' : 'AddressNotAssigned', programmed ? '' : 'no address assigned'),
      ],
    };
    await kubectl(['patch', 'gateway', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], {
      namespace: ns.name,
    });
  }
  async function httproute(name: string, gw: string, spec: Record<string, unknown>, accepted?: [boolean, string, string]): Promise<void> {
    await applyYaml(
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name }, spec: { parentRefs: [{ name: gw }], ...spec } },
      { namespace: ns.name },
    );
    if (!accepted) return;
    const status = {
      parents: [
        {
          parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gw },
          controllerName: 'example.com/kdiag-e2e',
          conditions: [condition('Accepted', accepted[0], accepted[1], accepted[2])],
        },
      ],
    };
    await kubectl(['patch', 'httproute', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], {
      namespace: ns.name,
    });
  }
  const http = (port = 80) => ({ name: 'http', port, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } });
  const to = (svc = 'web', port = 80, extra: object = {}) => ({ backendRefs: [{ name: svc, port, ...extra }] });

  test('an HTTPRoute passes class, Gateway, listener, Service, pods; weights are reported', async () => {
    await gateway('gw', [http()]);
    await httproute('hr-pass', 'gw', { hostnames: [host('hr-pass')], rules: [to('web', 80, { weight: 3 })] }, [true, 'Accepted', '']);
    const { code, doc } = await route(`http://${host('hr-pass')}/`);
    expect([code, codes(doc)]).toEqual([0, []]);
    expect(doc.hops.map((h) => h.kind)).toEqual([
      'request',
      'httproute-rule',
      'class',
      'gateway',
      'listener',
      'gateway',
      'service',
      'target-port',
      'pods',
    ]);
    expect(doc.backends.map((b) => b.weight)).toEqual([3]);
  });

  test('gateway-class-not-accepted, gateway-not-programmed, gateway-route-not-accepted', async () => {
    await gateway('gw-noclass', [http()], true, `${GW_CLASS}-missing`);
    await gateway('gw-down', [http()], false);
    await httproute('hr-noclass', 'gw-noclass', { hostnames: [host('hr-noclass')], rules: [to()] });
    await httproute('hr-down', 'gw-down', { hostnames: [host('hr-down')], rules: [to()] });
    await httproute('hr-refused', 'gw', { hostnames: [host('hr-refused')], rules: [to()] }, [
      false,
      'NotAllowedByListeners',
      'refused by the test',
    ]);
    expect(codes((await route(`http://${host('hr-noclass')}/`)).doc)).toEqual(['gateway-class-not-accepted']);
    expect(codes((await route(`http://${host('hr-down')}/`)).doc)).toEqual(['gateway-not-programmed']);
    const refused = await route(`http://${host('hr-refused')}/`);
    expect(codes(refused.doc)).toEqual(['gateway-route-not-accepted']);
    expect(refused.doc.findings[0]!.message).toContain('NotAllowedByListeners');
  });

  test('gateway-listener-mismatch, gateway-backend-not-resolved, route-match-conditional', async () => {
    await gateway('gw-other-host', [{ ...http(), hostname: 'only.example.test' }]);
    await httproute('hr-mismatch', 'gw-other-host', { hostnames: [host('hr-mismatch')], rules: [to()] });
    await httproute('hr-badport', 'gw', { hostnames: [host('hr-badport')], rules: [to('web', 8080)] });
    await httproute('hr-header', 'gw', {
      hostnames: [host('hr-header')],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'X-Canary', value: 'true' }] }], ...to() }],
    });
    expect(codes((await route(`http://${host('hr-mismatch')}/`)).doc)).toEqual(['gateway-listener-mismatch']);
    expect(codes((await route(`http://${host('hr-badport')}/`)).doc)).toEqual(['gateway-backend-not-resolved']);
    expect(codes((await route(`http://${host('hr-header')}/`)).doc)).toEqual(['route-match-conditional']);
    expect(codes((await route(`http://${host('hr-header')}/`, ['-H', 'X-Canary: true'])).doc)).toEqual([]);
  });

  test('gateway-reference-grant-missing: a backend in another namespace, then allowed by a ReferenceGrant there', async () => {
    await httproute('hr-cross', 'gw', { hostnames: [host('hr-cross')], rules: [to('api', 80, { namespace: otherNs })] });
    expect(codes((await route(`http://${host('hr-cross')}/`)).doc)).toEqual(['gateway-reference-grant-missing']);
    await applyYaml(
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'ReferenceGrant',
        metadata: { name: 'from-route' },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: ns.name }],
          to: [{ group: '', kind: 'Service' }],
        },
      },
      { namespace: otherNs },
    );
    expect(codes((await route(`http://${host('hr-cross')}/`)).doc)).not.toContain('gateway-reference-grant-missing');
  });
});

describe('kdiag route svc/NAME', () => {
  test('a LoadBalancer without an address: the svc engine reports load-balancer-pending (the same code)', async () => {
    await applyYaml(service({ name: 'lb', selector: { 'e2e.kdiag.dev/deployment': 'web' }, spec: { type: 'LoadBalancer' } }), {
      namespace: ns.name,
    });
    await waitFor(async () => (await serviceEndpoints(ns.name, 'lb')).filter((e) => e.ready).length === 2 || undefined, {
      what: 'ready endpoints of lb',
    });
    const { doc, code } = await route('svc/lb');
    expect(codes(doc)).toContain('load-balancer-pending');
    // The way in asked about is broken: an error, so the default --fail-on error exits 1.
    expect(doc.findings.find((f) => f.code === 'load-balancer-pending')!.severity).toBe('error');
    expect(code).toBe(1);
    expect(doc.hops.find((h) => h.kind === 'exposure')!.ok).toBe(false);
    // route's own finding, once (not repeated from the svc report).
    expect(codes(doc).filter((c) => c === 'load-balancer-pending')).toHaveLength(1);
  });

  test('a URL to a LoadBalancer address (status written through the status subresource) and to a node address with a NodePort', async () => {
    await applyYaml(service({ name: 'lbaddr', selector: { 'e2e.kdiag.dev/deployment': 'web' }, spec: { type: 'LoadBalancer' } }), {
      namespace: ns.name,
    });
    await kubectl(
      [
        'patch',
        'service',
        'lbaddr',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '192.0.2.77' }] } } }),
      ],
      { namespace: ns.name },
    );
    const lb = (await route('http://192.0.2.77/')).doc;
    expect(lb.hops.find((h) => h.kind === 'address')).toMatchObject({ ok: true, object: { kind: 'Service', name: 'lbaddr' } });
    const svcJson = JSON.parse((await kubectl(['get', 'service', 'lbaddr', '-o', 'json'], { namespace: ns.name })).stdout);
    const nodePort = svcJson.spec.ports[0].nodePort as number;
    const nodes = JSON.parse((await kubectl(['get', 'nodes', '-o', 'json'])).stdout).items as {
      metadata: { name: string };
      status: { addresses: { address: string }[] };
    }[];
    const addr = nodes[0]!.status.addresses[0]!.address;
    const np = (await route(`http://${addr}:${nodePort}/`)).doc;
    const hop = np.hops.find((h) => h.kind === 'address' && h.object?.name === 'lbaddr');
    expect(hop?.detail).toContain(`node ${nodes[0]!.metadata.name}`);
  });

  test('externalTrafficPolicy Local without local endpoints: external-traffic-policy-local names the nodes that drop the traffic', async () => {
    await applyYaml(
      service({
        name: 'local',
        selector: { 'e2e.kdiag.dev/deployment': 'nothing-here' },
        spec: { type: 'NodePort', externalTrafficPolicy: 'Local' },
      }),
      { namespace: ns.name },
    );
    const { doc } = await route('svc/local');
    const f = doc.findings.filter((x) => x.code === 'external-traffic-policy-local');
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('warning');
    const nodes = JSON.parse((await kubectl(['get', 'nodes', '-o', 'json'])).stdout).items.map(
      (n: { metadata: { name: string } }) => n.metadata.name,
    );
    for (const n of nodes) expect(f[0]!.message).toContain(n);
  });
});

describe('kdiag route as the limited user (read-only in its own namespace)', () => {
  test('a URL without -n: the denied cluster-wide lists fall back to the context namespace, each denial an rbac-partial naming the verb and resource', async () => {
    const name = `lim-${sfx}`;
    const h = host('limited');
    // An Ingress in the limited user's namespace whose backend Service does not exist: finding it proves the
    // fallback list was made; the class is one nobody created (the limited user cannot read IngressClasses anyway).
    await applyYaml({ ...ingress(name, { rules: [rule(h, '/', 'Prefix', `missing-${sfx}`)] }) }, { namespace: LIMITED_NAMESPACE });
    try {
      const r = await kdiag(['route', `http://${h}/`, '-o', 'json'], {
        env: { ...process.env, KUBECONFIG: clusterInfo().limitedKubeconfig },
      });
      expect(r.stderr).toBe('');
      const doc = JSON.parse(r.stdout) as RouteDoc;
      expect(r.code).toBe(1);
      expect(codes(doc)).toContain('ingress-backend-service-not-found');
      expect(doc.hops.find((x) => x.kind === 'ingress-rule')?.object?.name).toBe(name);
      const partial = doc.findings.filter((f) => f.code === 'rbac-partial').map((f) => f.message);
      expect(partial.length).toBeGreaterThan(0);
      // The cluster-wide Ingress list was denied and named with its verb; nothing about the context namespace's list.
      expect(partial.join('\n')).toMatch(/list[^\n]*ingresses/);
      expect(partial.join('\n')).toMatch(/httproutes/);
    } finally {
      await kubectl(['delete', 'ingress', name, '-n', LIMITED_NAMESPACE, '--ignore-not-found', '--wait=false']);
    }
  });
});
