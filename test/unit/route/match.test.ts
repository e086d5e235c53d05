import {
  gatewayHostMatch,
  gatewayPathMatch,
  ingressHostMatch,
  ingressPathMatch,
  intersectHostnames,
  normalizeHost,
  prefixByElement,
  sanCovers,
} from '../../../src/core/route/match.js';
import { compareIngressCandidates, matchIngresses } from '../../../src/core/route/ingress-match.js';
import { compareRouteCandidates, matchHTTPRouteMatch, routeCandidates } from '../../../src/core/route/httproute-match.js';
import { parseRequestUrl } from '../../../src/core/route/plan.js';
import type { HTTPRoute, Ingress } from '../../../src/core/route/types.js';

// Tables from the two specifications: networking.k8s.io/v1 Ingress (IngressRule.host, HTTPIngressPath.pathType)
// and gateway.networking.k8s.io/v1 (Listener.hostname, HTTPRoute.hostnames, HTTPPathMatch, match precedence).

describe('Ingress hosts', () => {
  test.each([
    // rule host, request host, matches, why contains
    [undefined, 'anything.example.org', true, ''],
    ['', 'anything.example.org', true, ''],
    ['shop.example.com', 'shop.example.com', true, ''],
    ['shop.example.com', 'SHOP.Example.COM', true, ''],
    ['shop.example.com', 'shop.example.com:8443', true, ''],
    ['shop.example.com', 'api.example.com', false, 'is not'],
    ['*.example.com', 'a.example.com', true, ''],
    ['*.example.com', 'example.com', false, 'bare domain'],
    ['*.example.com', 'a.b.example.com', false, 'exactly one label'],
    ['*.example.com', 'a.example.org', false, 'not under'],
    ['*.Example.com', 'A.example.COM', true, ''],
  ])('%s vs %s -> %s', (rule, host, ok, why) => {
    const m = ingressHostMatch(rule, host);
    expect(m.ok).toBe(ok);
    if (why) expect(m.why).toContain(why);
  });

  test('specificity: exact over wildcard over no host', () => {
    expect(ingressHostMatch('a.example.com', 'a.example.com').specificity).toBeGreaterThan(
      ingressHostMatch('*.example.com', 'a.example.com').specificity,
    );
    expect(ingressHostMatch('*.example.com', 'a.example.com').specificity).toBeGreaterThan(
      ingressHostMatch(undefined, 'a.example.com').specificity,
    );
  });
});

describe('Ingress paths, every pathType', () => {
  test.each([
    // pathType, rule path, request path, matches
    ['Exact', '/foo', '/foo', true],
    ['Exact', '/foo', '/foo/', false],
    ['Exact', '/foo/', '/foo', false],
    ['Exact', '/foo', '/bar', false],
    ['Exact', '/foo', '/FOO', false],
    ['Prefix', '/', '/anything/at/all', true],
    ['Prefix', '/foo', '/foo', true],
    ['Prefix', '/foo', '/foo/', true],
    ['Prefix', '/foo/', '/foo', true],
    ['Prefix', '/foo/', '/foo/', true],
    ['Prefix', '/foo', '/foo/bar', true],
    ['Prefix', '/foo', '/foobar', false],
    ['Prefix', '/aaa/bb', '/aaa/bbb', false],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/', true],
    ['Prefix', '/aaa/bbb/', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbbxyz', false],
    ['Prefix', '/foo', '/FOO', false],
    ['ImplementationSpecific', '/foo', '/foo/bar', true],
    [undefined, '/foo', '/foo/bar', true],
  ])('%s %s vs %s -> %s', (type, rule, path, ok) => {
    const m = ingressPathMatch(type, rule, path);
    expect(m.ok).toBe(ok);
    expect(m.controllerDependent === true).toBe(type !== 'Exact' && type !== 'Prefix');
  });

  test.each([
    ['Exact', '/login', '/login/', 'trailing slash'],
    ['Exact', '/api', '/api/v1', 'only matches itself'],
    ['Prefix', '/api', '/apiv1', 'whole path elements'],
    ['Prefix', '/api', '/API/v1', 'case-sensitive'],
    ['Prefix', '/api', '/shop', 'not a prefix'],
  ])('why %s %s misses %s', (type, rule, path, why) => {
    expect(ingressPathMatch(type, rule, path).why).toContain(why);
  });

  test('prefix by element ignores trailing slashes on both sides', () => {
    expect(prefixByElement('/a/', '/a')).toBe(true);
    expect(prefixByElement('/a', '/a/')).toBe(true);
    expect(prefixByElement('/a', '/ab')).toBe(false);
  });
});

function ing(name: string, rules: { host?: string; paths: [string, string, string, number?][] }[], extra: Partial<Ingress> = {}): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', creationTimestamp: extra.metadata?.creationTimestamp ?? '2026-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'nginx',
      rules: rules.map((r) => ({
        ...(r.host ? { host: r.host } : {}),
        http: {
          paths: r.paths.map(([pathType, path, svc, port]) => ({
            path,
            pathType,
            backend: { service: { name: svc, port: { number: port ?? 80 } } },
          })),
        },
      })),
      ...(extra.spec ?? {}),
    },
  };
}

describe('Ingress precedence', () => {
  const winner = (ings: Ingress[], url: string) => {
    const w = matchIngresses(ings, parseRequestUrl(url)).winner;
    return w ? `${w.ingress.metadata.name}:${w.backend.service?.name}` : undefined;
  };

  test('the longest path wins', () => {
    const a = ing('a', [
      {
        host: 'shop.example.com',
        paths: [
          ['Prefix', '/', 'root'],
          ['Prefix', '/api', 'api'],
          ['Prefix', '/api/v1', 'v1'],
        ],
      },
    ]);
    expect(winner([a], 'http://shop.example.com/api/v1/items')).toBe('a:v1');
    expect(winner([a], 'http://shop.example.com/api/v2')).toBe('a:api');
    expect(winner([a], 'http://shop.example.com/cart')).toBe('a:root');
  });

  test('on equal length Exact beats Prefix', () => {
    const a = ing('a', [
      {
        host: 'shop.example.com',
        paths: [
          ['Prefix', '/api', 'prefix'],
          ['Exact', '/api', 'exact'],
        ],
      },
    ]);
    expect(winner([a], 'http://shop.example.com/api')).toBe('a:exact');
    expect(winner([a], 'http://shop.example.com/api/x')).toBe('a:prefix');
  });

  test('an exact host beats a wildcard, which beats a rule without host', () => {
    const any = ing('any', [{ paths: [['Prefix', '/', 'any']] }]);
    const wild = ing('wild', [{ host: '*.example.com', paths: [['Prefix', '/', 'wild']] }]);
    const exact = ing('exact', [{ host: 'shop.example.com', paths: [['Prefix', '/', 'exact']] }]);
    expect(winner([any, wild, exact], 'http://shop.example.com/')).toBe('exact:exact');
    expect(winner([any, wild], 'http://shop.example.com/')).toBe('wild:wild');
    expect(winner([any, wild], 'http://a.b.example.com/')).toBe('any:any');
  });

  test('the same host and path in two Ingresses: the oldest wins', () => {
    const young = ing('young', [{ host: 'shop.example.com', paths: [['Prefix', '/', 'young']] }], {
      metadata: { name: 'young', creationTimestamp: '2026-02-01T00:00:00Z' },
    });
    const old = ing('old', [{ host: 'shop.example.com', paths: [['Prefix', '/', 'old']] }], {
      metadata: { name: 'old', creationTimestamp: '2025-02-01T00:00:00Z' },
    });
    expect(winner([young, old], 'http://shop.example.com/')).toBe('old:old');
  });

  test('spec.defaultBackend takes what no rule matches; none gives no winner, with near misses', () => {
    const a = ing('a', [{ host: 'shop.example.com', paths: [['Exact', '/api', 'api']] }]);
    const r = matchIngresses([a], parseRequestUrl('http://shop.example.com/api/'));
    expect(r.winner).toBeUndefined();
    expect(r.nearMisses.map((m) => m.why)).toEqual([expect.stringContaining('trailing slash')]);
    const d = ing('d', [], { spec: { defaultBackend: { service: { name: 'fallback', port: { number: 80 } } } } });
    expect(winner([a, d], 'http://shop.example.com/api/')).toBe('d:fallback');
  });

  test('compare is a total order over candidates (antisymmetric)', () => {
    const a = ing('a', [
      {
        host: 'x.example.com',
        paths: [
          ['Prefix', '/', 'a'],
          ['Exact', '/', 'b'],
        ],
      },
    ]);
    const cs = matchIngresses([a], parseRequestUrl('http://x.example.com/')).matches;
    expect(cs).toHaveLength(2);
    expect(Math.sign(compareIngressCandidates(cs[0]!, cs[1]!))).toBe(-Math.sign(compareIngressCandidates(cs[1]!, cs[0]!)));
  });
});

describe('Gateway API hostnames', () => {
  test.each([
    [undefined, 'any.example.com', true],
    ['shop.example.com', 'shop.example.com', true],
    ['shop.example.com', 'Shop.Example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.example.org', false],
  ])('%s vs %s -> %s', (pattern, host, ok) => {
    expect(gatewayHostMatch(pattern, host).ok).toBe(ok);
  });

  test.each([
    // listener, route, intersection (undefined: none; null: any)
    [undefined, undefined, null],
    [undefined, 'shop.example.com', 'shop.example.com'],
    ['*.example.com', undefined, '*.example.com'],
    ['*.example.com', 'shop.example.com', 'shop.example.com'],
    ['*.example.com', 'a.b.example.com', 'a.b.example.com'],
    ['shop.example.com', '*.example.com', 'shop.example.com'],
    ['*.example.com', '*.example.com', '*.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['shop.example.com', 'api.example.com', undefined],
    ['*.example.com', '*.example.org', undefined],
  ])('listener %s ∩ route %s = %s', (l, r, want) => {
    expect(intersectHostnames(l, r)).toBe(want);
  });
});

describe('Gateway API paths', () => {
  test.each([
    ['Exact', '/foo', '/foo', true],
    ['Exact', '/foo', '/foo/', false],
    ['PathPrefix', '/foo', '/foo/bar', true],
    ['PathPrefix', '/foo', '/foobar', false],
    ['PathPrefix', '/foo/', '/foo', true],
    [undefined, '/', '/x', true],
    ['RegularExpression', '/items/[0-9]+', '/items/42', true],
    ['RegularExpression', '/items/[0-9]+', '/items/x', false],
  ])('%s %s vs %s -> %s', (type, value, path, ok) => {
    const m = gatewayPathMatch(type, value, path);
    expect(m.ok).toBe(ok);
    expect(m.controllerDependent === true).toBe(type === 'RegularExpression');
  });
});

function route(
  name: string,
  rules: NonNullable<HTTPRoute['spec']>['rules'],
  created = '2026-01-01T00:00:00Z',
  hostnames?: string[],
): HTTPRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'shop', creationTimestamp: created },
    spec: { parentRefs: [{ name: 'gw' }], ...(hostnames ? { hostnames } : {}), rules },
  };
}

describe('HTTPRoute matches and precedence', () => {
  const req = (url: string, method?: string, headers: string[] = []) => parseRequestUrl(url, method, headers);

  test('method, header and query matches; absent input is conditional', () => {
    const m = { path: { type: 'PathPrefix', value: '/api' }, method: 'POST', headers: [{ name: 'X-Canary', value: 'true' }] };
    expect(matchHTTPRouteMatch(m, req('http://h/api')).conditional).toHaveLength(2);
    expect(matchHTTPRouteMatch(m, req('http://h/api', 'POST', ['x-canary: true']))).toMatchObject({ ok: true, conditional: [] });
    expect(matchHTTPRouteMatch(m, req('http://h/api', 'GET')).why).toContain('method GET is not POST');
    expect(matchHTTPRouteMatch(m, req('http://h/api', 'POST', ['X-Canary: false'])).why).toContain('X-Canary');
    const q = { queryParams: [{ name: 'v', value: '2' }] };
    expect(matchHTTPRouteMatch(q, req('http://h/?v=2')).ok).toBe(true);
    expect(matchHTTPRouteMatch(q, req('http://h/?v=1')).ok).toBe(false);
    expect(matchHTTPRouteMatch(q, req('http://h/')).why).toContain('not in the URL');
  });

  const best = (routes: HTTPRoute[], r: ReturnType<typeof req>, host: string | null = null) =>
    routes
      .flatMap((x) => routeCandidates(x, host, r))
      .filter((c) => c.result.ok)
      .sort(compareRouteCandidates)
      .map((c) => `${c.route.metadata.name}#${c.rule}`)[0];

  test('precedence: Exact, longest prefix, method, most headers, most query parameters', () => {
    const r = route('r', [
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }] },
      { matches: [{ path: { type: 'Exact', value: '/api' } }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'GET', headers: [{ name: 'a', value: '1' }] }] },
      {
        matches: [
          {
            path: { type: 'PathPrefix', value: '/api' },
            method: 'GET',
            headers: [{ name: 'a', value: '1' }],
            queryParams: [{ name: 'q', value: '1' }],
          },
        ],
      },
    ]);
    expect(best([r], req('http://h/api'))).toBe('r#2');
    expect(best([r], req('http://h/api/x'))).toBe('r#1');
    expect(best([r], req('http://h/api/x', 'GET'))).toBe('r#3');
    expect(best([r], req('http://h/api/x', 'GET', ['a: 1']))).toBe('r#4');
    expect(best([r], req('http://h/api/x?q=1', 'GET', ['a: 1']))).toBe('r#5');
    expect(best([r], req('http://h/cart'))).toBe('r#0');
  });

  test('ties: the oldest route, then namespace/name, then rule order', () => {
    const a = route('a', [{}, {}], '2026-02-01T00:00:00Z');
    const b = route('b', [{}], '2026-01-01T00:00:00Z');
    const c = route('c', [{}], '2026-02-01T00:00:00Z');
    expect(best([a, b, c], req('http://h/'))).toBe('b#0');
    expect(best([c, a], req('http://h/'))).toBe('a#0');
  });

  test('hostname precedence: the longest non-wildcard hostname, then the longest hostname', () => {
    const wild = route('wild', [{}], '2020-01-01T00:00:00Z');
    const exact = route('exact', [{}], '2026-01-01T00:00:00Z');
    const r = req('http://shop.example.com/');
    const cands = [...routeCandidates(wild, '*.example.com', r), ...routeCandidates(exact, 'shop.example.com', r)].sort(
      compareRouteCandidates,
    );
    expect(cands[0]!.route.metadata.name).toBe('exact');
  });
});

describe('URLs and certificates', () => {
  test('scheme gives the port unless written; host lower-cased; query and headers parsed', () => {
    expect(parseRequestUrl('https://Shop.Example.com/api/v1?x=1')).toMatchObject({
      host: 'shop.example.com',
      port: 443,
      path: '/api/v1',
      query: { x: '1' },
    });
    expect(parseRequestUrl('http://shop.example.com:8080')).toMatchObject({ port: 8080, path: '/' });
    expect(() => parseRequestUrl('ftp://x/')).toThrow(/http and https/);
    expect(normalizeHost('Example.COM.')).toBe('example.com');
  });

  test.each([
    ['shop.example.com', 'shop.example.com', true],
    ['*.example.com', 'shop.example.com', true],
    ['*.example.com', 'a.shop.example.com', false],
    ['*.example.com', 'example.com', false],
    ['shop.example.com', 'api.example.com', false],
  ])('SAN %s covers %s: %s (RFC 6125)', (san, host, ok) => {
    expect(sanCovers(san, host)).toBe(ok);
  });
});
