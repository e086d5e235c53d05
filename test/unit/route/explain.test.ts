import { FileClusterReader } from '../../../src/cluster/file-reader.js';
import { loadRouteSnapshot } from '../../../src/cluster/route-loader.js';
import { renderRouteText } from '../../../src/commands/route/render.js';
import { routeDocument } from '../../../src/commands/route/run.js';
import { ROUTE_CATALOGUE } from '../../../src/core/route/catalogue.js';
import { explainRoute, type RouteReport } from '../../../src/core/route/explain.js';
import { parseRequestUrl } from '../../../src/core/route/plan.js';
import type { RouteTarget } from '../../../src/core/route/snapshot.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import { makeCertificate, tlsSecret } from '../../helpers/certs.js';

// Each kdiag route finding from objects written here, through the loader (a file reader) and the engine.

const NS = 'shop';
const seen = new Set<string>();

function svc(
  name: string,
  ports: { name?: string; port: number; targetPort?: number | string }[] = [{ name: 'http', port: 80, targetPort: 8080 }],
  extra: Record<string, unknown> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports, ...extra } };
}
function pod(app: string, ready = true): KubeObject[] {
  const ip = `10.244.0.${10 + app.length}`;
  return [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${app}-1`, namespace: NS, labels: { app } },
      spec: { nodeName: 'node-a', containers: [{ name: app, image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
      status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${app}-x`, namespace: NS, labels: { 'kubernetes.io/service-name': app } },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: [ip],
          conditions: { ready, serving: ready, terminating: false },
          nodeName: 'node-a',
          targetRef: { kind: 'Pod', name: `${app}-1`, namespace: NS },
        },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ];
}
const nginx: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'nginx' },
  spec: { controller: 'k8s.io/ingress-nginx' },
};
function ingress(
  name: string,
  spec: Record<string, unknown>,
  opts: { admitted?: boolean; created?: string; annotations?: Record<string, string> } = {},
): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: NS,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: { ingressClassName: 'nginx', ...spec },
    ...(opts.admitted === false ? {} : { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } }),
  };
}
function rule(host: string | undefined, path: string, pathType: string, service: string, port: number | string = 80) {
  return {
    ...(host ? { host } : {}),
    http: {
      paths: [
        { path, pathType, backend: { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } } },
      ],
    },
  };
}
const gwClass = (accepted = true): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'example' },
  spec: { controllerName: 'example.com/gateway' },
  status: {
    conditions: [
      {
        type: 'Accepted',
        status: accepted ? 'True' : 'False',
        reason: accepted ? 'Accepted' : 'InvalidParameters',
        message: accepted ? '' : 'bad parameters',
      },
    ],
  },
});
function gateway(listeners: Record<string, unknown>[], programmed = true, name = 'gw'): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: NS },
    spec: { gatewayClassName: 'example', listeners },
    status: {
      addresses: [{ value: '192.0.2.20' }],
      conditions: [
        {
          type: 'Programmed',
          status: programmed ? 'True' : 'False',
          reason: programmed ? 'Programmed' : 'AddressNotAssigned',
          message: programmed ? '' : 'no address',
        },
      ],
    },
  };
}
const http = { name: 'http', port: 80, protocol: 'HTTP' };
function httproute(
  name: string,
  spec: Record<string, unknown>,
  status?: { type: string; status: string; reason: string; message?: string }[],
  created = '2026-01-01T00:00:00Z',
): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS, creationTimestamp: created },
    spec: { parentRefs: [{ name: 'gw' }], ...spec },
    ...(status ? { status: { parents: [{ parentRef: { name: 'gw' }, controllerName: 'example.com/gateway', conditions: status }] } } : {}),
  };
}

const NOW = new Date();

async function follow(objects: KubeObject[], target: string | RouteTarget, now = NOW, namespace?: string): Promise<RouteReport> {
  const reader = new FileClusterReader(objects, { namespace: NS });
  const t: RouteTarget = typeof target === 'string' ? { kind: 'url', request: parseRequestUrl(target) } : target;
  const snap = await loadRouteSnapshot(reader, { target: t, ...(namespace ? { namespace } : {}), fallbackNamespace: NS });
  const r = explainRoute(snap, { now });
  for (const f of r.findings) seen.add(f.code);
  return r;
}
const codes = (r: RouteReport) => r.findings.map((f) => f.code);
const okMarks = (r: RouteReport) => r.hops.map((h) => `${h.kind}:${h.ok}`);

const healthy = () => [nginx, ingress('shop', { rules: [rule('shop.example.com', '/api', 'Prefix', 'api')] }), svc('api'), ...pod('api')];

describe('a passing route', () => {
  test('URL -> Ingress rule -> class -> Service port -> target port -> ready pods, no findings', async () => {
    const r = await follow(healthy(), 'http://shop.example.com/api/v1');
    expect(codes(r)).toEqual([]);
    expect(okMarks(r)).toEqual([
      'request:true',
      'ingress-rule:true',
      'class:true',
      'address:true',
      'service:true',
      'target-port:true',
      'pods:true',
    ]);
    expect(r.backends).toHaveLength(1);
    expect(r.backends[0]!.report!.service).toEqual({ namespace: NS, name: 'api' });
  });

  test('json: request, hops, findings, backend (the svc document) and weighted backends', async () => {
    const doc = routeDocument(await follow(healthy(), 'http://shop.example.com/api'));
    expect(doc.request).toEqual({ url: 'http://shop.example.com/api', host: 'shop.example.com', path: '/api', port: 80 });
    expect((doc.backend as { service: unknown }).service).toEqual({ namespace: NS, name: 'api' });
    expect(doc.backends).toEqual([{ weight: 1, service: expect.objectContaining({ service: { namespace: NS, name: 'api' } }) }]);
    expect(doc.backends as unknown[]).not.toContainEqual(expect.objectContaining({ schemaVersion: expect.anything() }));
  });

  test('the chain renderer marks each hop and ends with the verdict', async () => {
    const text = renderRouteText(await follow(healthy(), 'http://shop.example.com/api'), { color: false, width: 120, wide: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Route http://shop.example.com/api');
    expect(lines.filter((l) => /^\s+(->)?\s*\[ok {2}\]/.test(l))).toHaveLength(7);
    expect(text).toContain('No problems found: the route reaches ready pods.');
    const broken = renderRouteText(await follow(healthy(), 'http://shop.example.com/cart'), { color: false, width: 120, wide: false });
    expect(broken).toMatch(/\[FAIL\] ingress/);
    expect(broken).toContain('ERROR route-no-rule-matches');
    expect(broken).toContain('Near misses:');
  });
});

describe('matching findings', () => {
  test('route-no-rule-matches: near misses say why (Exact, wildcard depth)', async () => {
    const objs = [
      nginx,
      ingress('a', { rules: [rule('shop.example.com', '/api', 'Exact', 'api'), rule('*.example.com', '/', 'Prefix', 'api')] }),
      svc('api'),
      ...pod('api'),
    ];
    const r = await follow(objs, 'http://a.b.example.com/api/v1');
    expect(codes(r)).toEqual(['route-no-rule-matches']);
    expect(r.nearMisses.map((m) => m.why).join('\n')).toMatch(/exactly one label/);
    const r2 = await follow(objs, 'http://shop.example.com/api/v1');
    expect(codes(r2)).toEqual([]); // the wildcard takes it
  });

  test('route-rules-conflict: two Ingresses of one class claim the same host and path; the oldest is named', async () => {
    const objs = [
      nginx,
      ingress('young', { rules: [rule('shop.example.com', '/', 'Prefix', 'api')] }, { created: '2026-03-01T00:00:00Z' }),
      ingress('old', { rules: [rule('shop.example.com', '/', 'Prefix', 'api')] }, { created: '2025-03-01T00:00:00Z' }),
      svc('api'),
      ...pod('api'),
    ];
    const r = await follow(objs, 'http://shop.example.com/');
    expect(codes(r)).toEqual(['route-rules-conflict']);
    expect(r.findings[0]!.message).toContain('here old');
  });

  test('route-implementation-specific: the winner uses ImplementationSpecific', async () => {
    const r = await follow(
      [nginx, ingress('a', { rules: [rule('shop.example.com', '/', 'ImplementationSpecific', 'api')] }), svc('api'), ...pod('api')],
      'http://shop.example.com/x',
    );
    expect(codes(r)).toEqual(['route-implementation-specific']);
  });
});

describe('class findings', () => {
  test('ingress-class-not-found suggests a close class', async () => {
    const r = await follow(
      [nginx, ingress('a', { ingressClassName: 'ngnix', rules: [rule(undefined, '/', 'Prefix', 'api')] }), svc('api'), ...pod('api')],
      'http://x/',
    );
    expect(codes(r)).toEqual(['ingress-class-not-found']);
    expect(r.findings[0]!.hint).toContain('"nginx"');
    expect(r.hops.find((h) => h.kind === 'class')!.ok).toBe(false);
  });

  test('ingress-class-annotation (info) and ingress-no-class (warning)', async () => {
    const annotated = ingress(
      'a',
      { ingressClassName: undefined, rules: [rule(undefined, '/', 'Prefix', 'api')] },
      { annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
    );
    expect(codes(await follow([annotated, svc('api'), ...pod('api')], 'http://x/'))).toEqual(['ingress-class-annotation']);
    const none = ingress('a', { ingressClassName: undefined, rules: [rule(undefined, '/', 'Prefix', 'api')] });
    const r = await follow([none, svc('api'), ...pod('api')], 'http://x/');
    expect(codes(r)).toEqual(['ingress-no-class']);
    expect(r.findings[0]!.severity).toBe('warning');
  });

  test('ingress-not-admitted: the address hop is unknown, not failed', async () => {
    const r = await follow(
      [nginx, ingress('a', { rules: [rule(undefined, '/', 'Prefix', 'api')] }, { admitted: false }), svc('api'), ...pod('api')],
      'http://x/',
    );
    expect(codes(r)).toEqual(['ingress-not-admitted']);
    expect(r.hops.find((h) => h.kind === 'address')!.ok).toBeNull();
  });
});

describe('TLS findings (certificates from openssl at test time)', () => {
  const tlsIngress = (secret = 'shop-tls', hosts = ['shop.example.com']) =>
    ingress('a', { tls: [{ hosts, secretName: secret }], rules: [rule('shop.example.com', '/', 'Prefix', 'api')] });
  const base = () => [nginx, svc('api'), ...pod('api')];
  // Valid for 30 days: past the 14-day warning, and still short-lived.
  const good = makeCertificate({ cn: 'shop.example.com', sans: ['shop.example.com'], notAfter: new Date(Date.now() + 30 * 86_400_000) });

  test('a covering, valid certificate passes and shows only name, SANs and dates', async () => {
    const r = await follow([...base(), tlsIngress(), tlsSecret(NS, 'shop-tls', good)], 'https://shop.example.com/');
    expect(codes(r)).toEqual([]);
    const hop = r.hops.find((h) => h.kind === 'tls')!;
    expect(hop).toMatchObject({ ok: true, object: { kind: 'Secret', name: 'shop-tls' } });
    expect(hop.detail).toMatch(/SANs shop\.example\.com; valid \d{4}-\d\d-\d\d to/);
    expect(JSON.stringify(routeDocument(r))).not.toContain(Buffer.from(good.crt).toString('base64').slice(0, 40));
  });

  test('tls-secret-not-found, tls-secret-invalid (warning for an Ingress), tls-host-not-listed', async () => {
    expect(codes(await follow([...base(), tlsIngress()], 'https://shop.example.com/'))).toEqual(['tls-secret-not-found']);
    const opaque = await follow([...base(), tlsIngress(), tlsSecret(NS, 'shop-tls', undefined, 'Opaque')], 'https://shop.example.com/');
    expect(opaque.findings.map((f) => [f.code, f.severity])).toEqual([['tls-secret-invalid', 'warning']]);
    expect(
      codes(
        await follow(
          [...base(), tlsIngress('shop-tls', ['other.example.com']), tlsSecret(NS, 'shop-tls', good)],
          'https://shop.example.com/',
        ),
      ),
    ).toEqual(['tls-host-not-listed']);
  });

  test('tls-host-not-covered: SANs per RFC 6125 (one label per *.)', async () => {
    const wild = makeCertificate({ cn: 'example.com', sans: ['*.example.com'], notAfter: new Date(Date.now() + 30 * 86_400_000) });
    const objs = [
      ...base(),
      ingress('a', {
        tls: [{ hosts: ['*.shop.example.com'], secretName: 'w' }],
        rules: [rule('a.shop.example.com', '/', 'Prefix', 'api')],
      }),
      tlsSecret(NS, 'w', wild),
    ];
    const r = await follow(objs, 'https://a.shop.example.com/');
    expect(codes(r)).toEqual(['tls-host-not-covered']);
    expect(r.findings[0]!.message).toContain('*.example.com');
  });

  test('tls-certificate-expired, not yet valid, and tls-certificate-expiring (14 days)', async () => {
    const objs = [...base(), tlsIngress(), tlsSecret(NS, 'shop-tls', good)];
    expect(codes(await follow(objs, 'https://shop.example.com/', new Date(Date.now() + 31 * 86_400_000)))).toEqual([
      'tls-certificate-expired',
    ]);
    const future = await follow(objs, 'https://shop.example.com/', new Date(Date.now() - 3 * 86_400_000));
    expect(future.findings[0]!.message).toContain('not valid before');
    expect(codes(await follow(objs, 'https://shop.example.com/'))).toEqual([]);
    expect(codes(await follow(objs, 'https://shop.example.com/', new Date(Date.now() + 20 * 86_400_000)))).toEqual([
      'tls-certificate-expiring',
    ]);
  });
});

describe('backend findings and the svc engine behind them', () => {
  test('ingress-backend-service-not-found suggests close names', async () => {
    const r = await follow(
      [nginx, ingress('a', { rules: [rule(undefined, '/', 'Prefix', 'ap')] }), svc('api'), ...pod('api')],
      'http://x/',
    );
    expect(codes(r)).toEqual(['ingress-backend-service-not-found']);
    expect(r.findings[0]!.hint).toContain('"api"');
    expect(r.backends[0]!.report).toBeNull();
  });

  test('ingress-backend-port-not-found: port 8080 of a Service whose only port is an unnamed 80', async () => {
    const r = await follow(
      [
        nginx,
        ingress('a', { rules: [rule(undefined, '/', 'Prefix', 'api', 8080)] }),
        svc('api', [{ port: 80, targetPort: 8080 }]),
        ...pod('api'),
      ],
      'http://x/',
    );
    expect(codes(r)).toEqual(['ingress-backend-port-not-found']);
    expect(r.hops.at(-1)).toMatchObject({ kind: 'service', ok: false });
  });

  test("the backend's own findings come from the kdiag svc engine (same codes), after the route's", async () => {
    const r = await follow(
      [nginx, ingress('a', { rules: [rule(undefined, '/', 'Prefix', 'api')] }, { admitted: false }), svc('api'), ...pod('api', false)],
      'http://x/',
    );
    expect(codes(r)[0]).toBe('ingress-not-admitted');
    expect(codes(r)).toContain('pods-not-ready');
    expect(r.hops.at(-1)).toMatchObject({ kind: 'pods', ok: false });
  });

  test('svc/NAME: the NodePort / LoadBalancer way in; a pending load balancer is the svc code', async () => {
    const lb = svc('api', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 } as never], {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
    });
    const r = await follow([lb, ...pod('api')], { kind: 'svc', namespace: NS, name: 'api' });
    expect(codes(r)).toContain('load-balancer-pending');
    expect(r.hops.map((h) => h.kind)).toEqual(['service', 'exposure', 'exposure', 'target-port', 'pods']);
    expect(r.hops[1]!.ok).toBe(false);
  });

  const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
  const lbSvc = (extra: Record<string, unknown> = {}) =>
    svc('api', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 } as never], { type: 'LoadBalancer', ...extra });

  test("svc/NAME on a pending LoadBalancer: load-balancer-pending is route's own finding, once, an error (svc's is a warning)", async () => {
    const r = await follow([lbSvc(), ...pod('api')], { kind: 'svc', namespace: NS, name: 'api' });
    expect(codes(r).filter((c) => c === 'load-balancer-pending')).toHaveLength(1);
    const f = r.findings.find((x) => x.code === 'load-balancer-pending')!;
    expect(f).toMatchObject({ severity: 'error', object: { kind: 'Service', namespace: NS, name: 'api' } });
    expect(f.message).toMatch(/LoadBalancer Service "api" has no external address/);
    // kdiag svc's own report of the backend keeps it a warning (inside the cluster the Service still answers).
    expect(r.backends[0]!.report!.findings.find((x) => x.code === 'load-balancer-pending')?.severity).toBe('warning');
    const withAddress = await follow([{ ...lbSvc(), status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } }, ...pod('api')], {
      kind: 'svc',
      namespace: NS,
      name: 'api',
    });
    expect(codes(withAddress)).not.toContain('load-balancer-pending');
  });

  test('svc/NAME with externalTrafficPolicy Local and a node without a local endpoint: external-traffic-policy-local names it (warning)', async () => {
    const objs = [
      { ...lbSvc({ externalTrafficPolicy: 'Local' }), status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } },
      ...pod('api'),
      node('node-a'),
      node('node-b'),
    ];
    const r = await follow(objs, { kind: 'svc', namespace: NS, name: 'api' });
    const f = r.findings.filter((x) => x.code === 'external-traffic-policy-local');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: 'warning', object: { kind: 'Service', name: 'api' } });
    expect(f[0]!.message).toMatch(/\(node-a\)\. 1 node without a ready local endpoint drop .*: node-b\./);
    expect(r.hops.find((h) => h.kind === 'exposure' && h.detail.startsWith('NodePort'))).toMatchObject({ ok: false });
    // Every node has a ready endpoint: the info finding svc gives, and the hop passes.
    const one = await follow([...objs.slice(0, -1)], { kind: 'svc', namespace: NS, name: 'api' });
    expect(one.findings.filter((x) => x.code === 'external-traffic-policy-local').map((x) => x.severity)).toEqual(['info']);
    expect(one.hops.find((h) => h.kind === 'exposure' && h.detail.startsWith('NodePort'))).toMatchObject({ ok: true });
  });
});

describe('Gateway API findings', () => {
  const backend = () => [svc('api'), ...pod('api')];
  const route = (extra: Record<string, unknown> = {}, status?: Parameters<typeof httproute>[2]) =>
    httproute(
      'web',
      {
        hostnames: ['shop.example.com'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'api', port: 80 }] }],
        ...extra,
      },
      status,
    );

  test('a passing HTTPRoute: rule, class, Gateway, listener, Service, pods', async () => {
    const r = await follow(
      [gwClass(), gateway([http]), route({}, [{ type: 'Accepted', status: 'True', reason: 'Accepted' }]), ...backend()],
      'http://shop.example.com/',
    );
    expect(codes(r)).toEqual([]);
    expect(r.hops.every((h) => h.ok === true)).toBe(true);
    expect(r.hops.map((h) => h.kind)).toEqual([
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
  });

  test('gateway-class-not-accepted and gateway-not-programmed', async () => {
    expect(codes(await follow([gwClass(false), gateway([http]), route(), ...backend()], 'http://shop.example.com/'))).toEqual([
      'gateway-class-not-accepted',
    ]);
    expect(codes(await follow([gateway([http]), route(), ...backend()], 'http://shop.example.com/'))).toEqual([
      'gateway-class-not-accepted',
    ]);
    expect(codes(await follow([gwClass(), gateway([http], false), route(), ...backend()], 'http://shop.example.com/'))).toEqual([
      'gateway-not-programmed',
    ]);
  });

  test('gateway-route-not-accepted quotes the reason; ResolvedRefs False is gateway-backend-not-resolved', async () => {
    const r = await follow(
      [
        gwClass(),
        gateway([http]),
        route({}, [
          { type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'no listener allows it' },
          { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'svc x' },
        ]),
        ...backend(),
      ],
      'http://shop.example.com/',
    );
    expect(codes(r)).toEqual(['gateway-route-not-accepted', 'gateway-backend-not-resolved']);
    expect(r.findings[0]!.message).toContain('NotAllowedByListeners');
  });

  test('gateway-listener-mismatch: hostnames that do not intersect, allowedRoutes Same, sectionName', async () => {
    const other = gateway([{ ...http, hostname: 'api.example.com' }]);
    const r = await follow([gwClass(), other, route(), ...backend()], 'http://shop.example.com/');
    expect(codes(r)).toEqual(['gateway-listener-mismatch']);
    expect(r.findings[0]!.evidence[0]!.value).toMatch(/intersects|hostname/);
    const section = await follow(
      [gwClass(), gateway([http]), route({ parentRefs: [{ name: 'gw', sectionName: 'https' }] }), ...backend()],
      'http://shop.example.com/',
    );
    expect(codes(section)).toEqual(['gateway-listener-mismatch']);
  });

  test('route-match-conditional and HTTPRoute precedence names the winner of a conflict', async () => {
    const r = await follow(
      [
        gwClass(),
        gateway([http]),
        route({
          rules: [
            {
              matches: [{ path: { value: '/' }, headers: [{ name: 'X-Canary', value: 'true' }] }],
              backendRefs: [{ name: 'api', port: 80 }],
            },
          ],
        }),
        ...backend(),
      ],
      'http://shop.example.com/',
    );
    expect(codes(r)).toEqual(['route-match-conditional']);
    const twin = httproute(
      'twin',
      { hostnames: ['shop.example.com'], rules: [{ backendRefs: [{ name: 'api', port: 80 }] }] },
      undefined,
      '2026-05-01T00:00:00Z',
    );
    const c = await follow(
      [gwClass(), gateway([http]), route({ rules: [{ backendRefs: [{ name: 'api', port: 80 }] }] }), twin, ...backend()],
      'http://shop.example.com/',
    );
    expect(codes(c)).toEqual(['route-rules-conflict']);
    expect(c.findings[0]!.message).toContain('shop/web wins');
  });

  test('gateway-backend-not-resolved: a missing Service or port; weights are kept', async () => {
    const r = await follow(
      [
        gwClass(),
        gateway([http]),
        route({
          rules: [
            {
              backendRefs: [
                { name: 'api', port: 80, weight: 90 },
                { name: 'api-canary', port: 80, weight: 10 },
              ],
            },
          ],
        }),
        ...backend(),
      ],
      'http://shop.example.com/',
    );
    expect(codes(r)).toEqual(['gateway-backend-not-resolved']);
    expect(r.backends.map((b) => [b.name, b.weight])).toEqual([
      ['api', 90],
      ['api-canary', 10],
    ]);
    const port = await follow(
      [gwClass(), gateway([http]), route({ rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] }), ...backend()],
      'http://shop.example.com/',
    );
    expect(codes(port)).toEqual(['gateway-backend-not-resolved']);
  });

  test('gateway-reference-grant-missing: a backend in another namespace needs a ReferenceGrant there', async () => {
    const cross = route({ rules: [{ backendRefs: [{ name: 'api', namespace: 'data', port: 80 }] }] });
    const dataSvc = { ...svc('api'), metadata: { name: 'api', namespace: 'data' } };
    expect(codes(await follow([gwClass(), gateway([http]), cross, dataSvc], 'http://shop.example.com/'))).toEqual([
      'gateway-reference-grant-missing',
    ]);
    const grant: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ReferenceGrant',
      metadata: { name: 'allow', namespace: 'data' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: NS }], to: [{ group: '', kind: 'Service' }] },
    };
    expect(codes(await follow([gwClass(), gateway([http]), cross, dataSvc, grant], 'http://shop.example.com/'))).not.toContain(
      'gateway-reference-grant-missing',
    );
  });

  test('tls-secret-invalid is an error for a Gateway listener', async () => {
    const https = { name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'gw-tls' }] } };
    const r = await follow(
      [gwClass(), gateway([https]), route(), ...backend(), tlsSecret(NS, 'gw-tls', undefined, 'Opaque')],
      'https://shop.example.com/',
    );
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['tls-secret-invalid', 'error']]);
  });

  test('httproute/NAME checks every rule; a missing one is said plainly', async () => {
    const r = await follow([gwClass(), gateway([http]), route(), ...backend()], { kind: 'httproute', namespace: NS, name: 'web' });
    expect(codes(r)).toEqual([]);
    const missing = await follow([gwClass(), gateway([http]), ...backend()], { kind: 'httproute', namespace: NS, name: 'nope' });
    expect(codes(missing)).toEqual(['route-no-rule-matches']);
  });
});

test('every kdiag route code is reproduced by a test above', () => {
  expect(ROUTE_CATALOGUE.map((e) => e.code).filter((c) => !seen.has(c))).toEqual([]);
});
