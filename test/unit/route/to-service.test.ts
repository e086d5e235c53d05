import { readFileSync } from 'node:fs';
import { FileClusterReader, parseObjects } from '../../../src/cluster/file-reader.js';
import type { ClusterReader, Optional, Resource, ListOptions } from '../../../src/cluster/reader.js';
import { loadRoutesNearService } from '../../../src/cluster/route-loader.js';
import { runCli } from '../../../src/cli.js';
import type { KubeObject, Service } from '../../../src/core/k8s/types.js';
import { routesToService, withRoutes } from '../../../src/core/route/to-service.js';
import type { ServiceReport } from '../../../src/core/svc/explain.js';
import { createTestIo } from '../../helpers/io.js';
import { ROOT } from '../svc/helpers.js';

// kdiag svc lists the routes to a Service and reports their broken backends with kdiag route's codes (one engine);
// kdiag audit does the same per Service.

const FIXTURE = 'test/fixtures/route/routes-to-service.yaml';

const svc = (ports: { name?: string; port: number }[], ns = 'shop', name = 'web'): Service =>
  ({ kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports } }) as Service;

const ingress = (name: string, port: { number?: number; name?: string }, extra: Record<string, unknown> = {}): KubeObject =>
  ({
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', ...extra },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        { host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port } } }] } },
      ],
    },
  }) as KubeObject;

const httpRoute = (name: string, ns: string, port: number, target = 'web'): KubeObject =>
  ({
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: {
      parentRefs: [{ name: 'gw', namespace: 'infra' }],
      hostnames: ['shop.example.com'],
      rules: [{ backendRefs: [{ name: target, namespace: 'shop', port }] }],
    },
  }) as KubeObject;

const codes = (fs: { code: string }[]) => fs.map((f) => f.code);

describe('routesToService (the route engine on the routes that send to a Service)', () => {
  test('an Ingress port that is no port of the Service, by number: ingress-backend-port-not-found, ok false', () => {
    const r = routesToService(svc([{ name: 'http', port: 80 }]), {
      ingresses: [ingress('a', { number: 8080 })] as never,
      httpRoutes: [],
      denied: [],
    });
    expect(r.routes).toEqual([
      {
        kind: 'Ingress',
        namespace: 'shop',
        name: 'a',
        rule: 'spec.rules[0].http.paths[0] shop.example.com / (Prefix) -> port 8080',
        ok: false,
      },
    ]);
    expect(codes(r.findings)).toEqual(['ingress-backend-port-not-found']);
    expect(r.findings[0]!.message).toContain('port 8080 of Service web');
  });

  test('by name: a port name the Service does not have is broken, one it has is fine', () => {
    const s = svc([{ name: 'http', port: 80 }]);
    const bad = routesToService(s, { ingresses: [ingress('a', { name: 'web' })] as never, httpRoutes: [], denied: [] });
    expect(bad.routes.map((x) => x.ok)).toEqual([false]);
    expect(codes(bad.findings)).toEqual(['ingress-backend-port-not-found']);
    const good = routesToService(s, { ingresses: [ingress('a', { name: 'http' })] as never, httpRoutes: [], denied: [] });
    expect(good.routes.map((x) => x.ok)).toEqual([true]);
    expect(good.findings).toEqual([]);
  });

  test('an Ingress to another Service, or in another namespace, is not a route to this one', () => {
    const other = { ...ingress('b', { number: 1 }), metadata: { name: 'b', namespace: 'elsewhere' } };
    const r = routesToService(svc([{ port: 80 }]), { ingresses: [other] as never, httpRoutes: [], denied: [] });
    expect(r.routes).toEqual([]);
  });

  test('an HTTPRoute backendRef to a missing port: gateway-backend-not-resolved (the route code)', () => {
    const r = routesToService(svc([{ name: 'http', port: 80 }]), {
      ingresses: [],
      httpRoutes: [httpRoute('r', 'shop', 81)] as never,
      denied: [],
    });
    expect(r.routes).toMatchObject([{ kind: 'HTTPRoute', namespace: 'shop', name: 'r', ok: false }]);
    expect(codes(r.findings)).toEqual(['gateway-backend-not-resolved']);
  });

  test('a cross-namespace HTTPRoute: allowed by a ReferenceGrant (optionally by name), else gateway-reference-grant-missing', () => {
    const grant = (name?: string) =>
      ({
        kind: 'ReferenceGrant',
        metadata: { name: 'g', namespace: 'shop' },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'front' }],
          to: [{ group: '', kind: 'Service', ...(name ? { name } : {}) }],
        },
      }) as never;
    const route = [httpRoute('r', 'front', 80)] as never;
    const s = svc([{ port: 80 }]);
    expect(
      routesToService(s, { ingresses: [], httpRoutes: route, referenceGrants: [grant()], denied: [] }).routes.map((x) => x.ok),
    ).toEqual([true]);
    expect(routesToService(s, { ingresses: [], httpRoutes: route, referenceGrants: [grant('web')], denied: [] }).findings).toEqual([]);
    const denied = routesToService(s, { ingresses: [], httpRoutes: route, referenceGrants: [grant('api')], denied: [] });
    expect(denied.routes.map((x) => x.ok)).toEqual([false]);
    expect(codes(denied.findings)).toEqual(['gateway-reference-grant-missing']);
  });

  test('two Ingresses of one class claiming the host and path: route-rules-conflict, the oldest named the winner', () => {
    const r = routesToService(svc([{ port: 80 }]), {
      ingresses: [
        ingress('new', { number: 80 }, { creationTimestamp: '2026-02-01T00:00:00Z' }),
        ingress('old', { number: 80 }, { creationTimestamp: '2026-01-01T00:00:00Z' }),
      ] as never,
      httpRoutes: [],
      denied: [],
    });
    expect(codes(r.findings)).toEqual(['route-rules-conflict']);
    expect(r.findings[0]!.message).toContain('the oldest, here old');
  });

  test("withRoutes: route findings after the Service's own, rbac-partial last, naming the denied verb and resource", () => {
    const report = {
      service: { namespace: 'shop', name: 'web' },
      findings: [{ code: 'session-affinity', severity: 'info', message: 'm', evidence: [], hint: '' }],
    } as unknown as ServiceReport;
    const out = withRoutes(report, svc([{ port: 80 }]), {
      ingresses: [ingress('a', { number: 9 })] as never,
      httpRoutes: [],
      denied: [{ verb: 'list', resource: 'httproutes.gateway.networking.k8s.io', namespace: 'shop', message: 'forbidden' }],
    });
    expect(codes(out.findings)).toEqual(['session-affinity', 'ingress-backend-port-not-found', 'rbac-partial']);
    expect(out.findings[2]!.message).toMatch(/list httproutes\.gateway\.networking\.k8s\.io .*shop/);
    expect(out.routes).toHaveLength(1);
  });
});

/** A reader that logs the lists asked for and answers from `objects`, denying some resources and 404ing others. */
function fakeReader(objects: KubeObject[], opts: { deny?: string[]; absent?: string[] } = {}): ClusterReader & { log: string[] } {
  const file = new FileClusterReader(objects, { namespace: 'shop' });
  const log: string[] = [];
  return {
    source: 'live',
    defaultNamespace: 'shop',
    requestCount: 0,
    log,
    get: (r: Resource, ns: string | undefined, name: string) => file.get(r, ns, name),
    list: (r: Resource, o?: ListOptions) => file.list(r, o),
    tryList: async <T extends KubeObject>(r: Resource, o: ListOptions = {}): Promise<Optional<T>> => {
      log.push(`${r.plural} ${o.namespace ?? '*'}`);
      if (opts.deny?.includes(r.plural))
        return {
          ok: false,
          denied: { verb: 'list', resource: r.plural, ...(o.namespace ? { namespace: o.namespace } : {}), message: 'forbidden' },
        };
      if (opts.absent?.includes(r.plural)) return { ok: true, items: [] };
      return file.tryList<T>(r, o);
    },
  };
}

describe('loadRoutesNearService (the optional reads)', () => {
  const objs = () => parseObjects(readFileSync(`${ROOT}/${FIXTURE}`, 'utf8'), FIXTURE);

  test("the Service's namespace (Ingresses, ReferenceGrants, HTTPRoutes), then the namespaces its grants admit", async () => {
    const reader = fakeReader(objs());
    const got = await loadRoutesNearService(reader, 'shop', 'web');
    expect(reader.log).toEqual(['ingresses shop', 'referencegrants shop', 'httproutes shop', 'httproutes front']);
    expect(got.ingresses.map((i) => i.metadata.name).sort()).toEqual(['shop', 'shop2']);
    expect(got.httpRoutes.map((r) => r.metadata.name)).toEqual(['r1']);
    expect(got.denied).toEqual([]);
  });

  test('a denied read is recorded (rbac-partial later), the rest stands', async () => {
    const reader = fakeReader(objs(), { deny: ['httproutes'] });
    const got = await loadRoutesNearService(reader, 'shop', 'web');
    expect(got.ingresses).toHaveLength(2);
    expect(got.denied.map((d) => `${d.verb} ${d.resource} ${d.namespace}`)).toEqual(['list httproutes shop', 'list httproutes front']);
  });

  test('the Gateway API not installed (the lists answer empty, as a 404 does): no HTTPRoutes, no error', async () => {
    const reader = fakeReader(objs(), { absent: ['httproutes', 'referencegrants'] });
    const got = await loadRoutesNearService(reader, 'shop', 'web');
    expect(got.httpRoutes).toEqual([]);
    expect(got.denied).toEqual([]);
    expect(reader.log).toEqual(['ingresses shop', 'referencegrants shop', 'httproutes shop']);
  });
});

describe('kdiag svc and kdiag audit offline (-f) on the same engine', () => {
  async function run(argv: string[]) {
    const io = createTestIo();
    const code = await runCli(argv, { io, env: {}, cwd: ROOT });
    return { code, out: io.stdout(), err: io.stderr() };
  }

  test('kdiag svc -o json: routes, and the broken backends with the route codes', async () => {
    const r = await run(['svc', 'web', '-n', 'shop', '-f', FIXTURE, '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc).at(-1)).toBe('routes');
    expect(doc.routes.map((x: { kind: string; name: string; ok: boolean }) => `${x.kind} ${x.name} ${x.ok}`)).toEqual([
      'Ingress shop false',
      'Ingress shop true',
      'HTTPRoute r1 false',
    ]);
    expect(codes(doc.findings)).toEqual([
      'selector-no-match',
      'ingress-backend-port-not-found',
      'route-rules-conflict',
      'gateway-backend-not-resolved',
    ]);
  });

  test('kdiag svc text: a Routes section, one line per route', async () => {
    const r = await run(['svc', 'web', '-n', 'shop', '-f', FIXTURE]);
    expect(r.out).toContain('Routes to the Service (3):');
    expect(r.out).toMatch(/broken Ingress shop\/shop spec\.rules\[0\]\.http\.paths\[0\] shop\.example\.com \/api \(Prefix\) -> port 8080/);
    expect(r.out).toMatch(/ok {5}Ingress shop\/shop spec\.rules\[0\]\.http\.paths\[1\]/);
  });

  test('kdiag audit names the Service with a broken Ingress backend', async () => {
    const r = await run(['audit', '-n', 'shop', '-f', FIXTURE, '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    const web = doc.services.find((s: { service: { name: string } }) => s.service.name === 'web');
    expect(codes(web.findings)).toEqual(
      expect.arrayContaining(['ingress-backend-port-not-found', 'route-rules-conflict', 'gateway-backend-not-resolved']),
    );
    const f = web.findings.find((x: { code: string }) => x.code === 'ingress-backend-port-not-found');
    expect(f.object).toEqual({ kind: 'Ingress', namespace: 'shop', name: 'shop' });
  });
});
