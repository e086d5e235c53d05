import { matchesLabelSelector, SelectorSyntaxError, selectorToString } from '../k8s/selectors.js';
import type { LabelSelector } from '../k8s/types.js';
import type { Gateway, HTTPRoute, HTTPRouteMatch, Listener, ParentRef, RouteRequest } from './types.js';
import { gatewayHostMatch, gatewayPathMatch, intersectHostnames, normalizeHost } from './match.js';
import { compareText } from '../compare.js';

/** How one match of one rule fared against the request. */
export interface RouteMatchResult {
  ok: boolean;
  /** The match needs input the request does not give (a method without -X, a header without -H). */
  conditional: string[];
  why?: string;
  /** For precedence. */
  exact: boolean;
  prefixLength: number;
  method: boolean;
  headers: number;
  query: number;
  controllerDependent: boolean;
}

/** Matches one HTTPRouteMatch (path, method, headers, query parameters); an empty match is PathPrefix `/`. */
export function matchHTTPRouteMatch(m: HTTPRouteMatch, req: RouteRequest): RouteMatchResult {
  const pathType = m.path?.type ?? 'PathPrefix';
  const p = gatewayPathMatch(pathType, m.path?.value ?? '/', req.path);
  const base = {
    exact: pathType === 'Exact',
    prefixLength: pathType === 'PathPrefix' ? p.length : 0,
    method: m.method !== undefined,
    headers: m.headers?.length ?? 0,
    query: m.queryParams?.length ?? 0,
    controllerDependent: p.controllerDependent === true,
  };
  const conditional: string[] = [];
  if (!p.ok) return { ...base, ok: false, conditional, why: p.why ?? 'path does not match' };
  if (m.method) {
    if (req.method === undefined) conditional.push(`method ${m.method} (give it with -X ${m.method})`);
    else if (req.method.toUpperCase() !== m.method)
      return { ...base, ok: false, conditional, why: `method ${req.method.toUpperCase()} is not ${m.method}` };
  }
  for (const h of m.headers ?? []) {
    const v = req.headers[h.name.toLowerCase()];
    if (v === undefined) {
      conditional.push(`header ${h.name}: ${h.value} (give it with -H '${h.name}: ${h.value}')`);
      continue;
    }
    const ok = h.type === 'RegularExpression' ? safeRegex(h.value, v) : v === h.value;
    if (!ok)
      return {
        ...base,
        ok: false,
        conditional,
        why: `header ${h.name} is ${JSON.stringify(v)}, the match wants ${JSON.stringify(h.value)}`,
      };
  }
  for (const q of m.queryParams ?? []) {
    const v = req.query[q.name];
    if (v === undefined) return { ...base, ok: false, conditional, why: `query parameter ${q.name}=${q.value} is not in the URL` };
    const ok = q.type === 'RegularExpression' ? safeRegex(q.value, v) : v === q.value;
    if (!ok)
      return {
        ...base,
        ok: false,
        conditional,
        why: `query parameter ${q.name} is ${JSON.stringify(v)}, the match wants ${JSON.stringify(q.value)}`,
      };
  }
  return { ...base, ok: true, conditional };
}

function safeRegex(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}

/** A listener of a parent Gateway, and whether the route attaches to it for this request. */
export interface ListenerVerdict {
  gateway: Gateway;
  listener: Listener;
  ok: boolean;
  why?: string;
  /** The hostname the listener and route agree on (null: any). */
  hostname: string | null;
}

/** The kinds a listener accepts by default for its protocol. */
function acceptsHTTPRoute(l: Listener): boolean {
  if (l.allowedRoutes?.kinds && l.allowedRoutes.kinds.length > 0)
    return l.allowedRoutes.kinds.some(
      (k) => k.kind === 'HTTPRoute' && (k.group ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io',
    );
  return l.protocol === 'HTTP' || l.protocol === 'HTTPS';
}

/**
 * Whether `route` attaches to `listener` of `gw` through `ref` and the listener serves `req`: sectionName and port,
 * the protocol's route kinds, allowedRoutes namespaces (default Same; Selector cannot be checked without the
 * namespace's labels, so it counts as allowed and says so), hostnames intersecting, the request's host and port.
 */
export function listenerVerdict(
  route: HTTPRoute,
  ref: ParentRef,
  gw: Gateway,
  l: Listener,
  req: Pick<RouteRequest, 'host' | 'port'> | undefined,
  namespaceLabels?: (ns: string) => Record<string, string> | undefined,
): ListenerVerdict {
  const no = (why: string): ListenerVerdict => ({ gateway: gw, listener: l, ok: false, why, hostname: null });
  if (ref.sectionName && ref.sectionName !== l.name) return no(`the route names section ${ref.sectionName}`);
  if (ref.port && ref.port !== l.port) return no(`the route names port ${ref.port}`);
  if (!acceptsHTTPRoute(l)) return no(`listener ${l.name} (${l.protocol}) does not accept HTTPRoutes`);
  const routeNs = route.metadata.namespace ?? '';
  const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'Same' && routeNs !== (gw.metadata.namespace ?? ''))
    return no(
      `listener ${l.name} admits routes from its own namespace ${gw.metadata.namespace} only (allowedRoutes.namespaces.from: Same)`,
    );
  if (from === 'Selector' && namespaceLabels) {
    const labels = namespaceLabels(routeNs);
    const sel = l.allowedRoutes?.namespaces?.selector as LabelSelector | undefined;
    if (labels) {
      let admits: boolean;
      try {
        // matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist); an empty selector admits every namespace.
        admits = matchesLabelSelector(sel ?? {}, labels);
      } catch (e) {
        if (!(e instanceof SelectorSyntaxError)) throw e;
        return no(`listener ${l.name}'s allowedRoutes.namespaces.selector is invalid: ${e.message}`);
      }
      if (!admits)
        return no(
          `listener ${l.name} admits routes from namespaces matching ${selectorToString(sel ?? {}) || '(any)'}; namespace ${routeNs} (labels ${selectorToString(labels) || 'none'}) does not match`,
        );
    }
  }
  const routeHosts = route.spec?.hostnames ?? [];
  const inter =
    routeHosts.length === 0 ? [intersectHostnames(l.hostname, undefined)] : routeHosts.map((h) => intersectHostnames(l.hostname, h));
  const agreed = inter.filter((h) => h !== undefined);
  if (agreed.length === 0) return no(`no route hostname (${routeHosts.join(', ')}) intersects listener ${l.name}'s hostname ${l.hostname}`);
  if (req) {
    if (req.port !== l.port) return no(`listener ${l.name} listens on port ${l.port}, the request goes to ${req.port}`);
    const lh = gatewayHostMatch(l.hostname, req.host);
    if (!lh.ok) return no(`listener ${l.name}: ${lh.why}`);
    const hit = agreed.find((h) => h === null || gatewayHostMatch(h, req.host).ok);
    if (hit === undefined) return no(`the route's hostnames (${routeHosts.join(', ')}) do not match ${normalizeHost(req.host)}`);
    return { gateway: gw, listener: l, ok: true, hostname: hit };
  }
  return { gateway: gw, listener: l, ok: true, hostname: agreed[0] ?? null };
}

/** One match of one rule of one route, for the request. */
export interface HTTPRouteCandidate {
  route: HTTPRoute;
  rule: number;
  match: number;
  /** The route hostname that matched the request (null: the route has none, so the listener's). */
  hostname: string | null;
  result: RouteMatchResult;
}

function hostRank(h: string | null): [number, number] {
  if (!h) return [0, 0];
  return h.startsWith('*.') ? [0, h.length] : [h.length, h.length];
}

/**
 * HTTPRoute precedence (Gateway API v1): the longest non-wildcard hostname, then the longest hostname; an Exact path;
 * the longest PathPrefix; a method match; the most header matches; the most query matches; then the oldest route,
 * `{namespace}/{name}` alphabetically, and rule and match order. A match that needs input the request does not give
 * (a method without -X, a header without -H) comes after those that hold as given.
 */
export function compareRouteCandidates(a: HTTPRouteCandidate, b: HTTPRouteCandidate): number {
  const [an, al] = hostRank(a.hostname);
  const [bn, bl] = hostRank(b.hostname);
  return (
    // kdiag's own first key: a match that holds for the request as given beats one that needs more input.
    Number(a.result.conditional.length > 0) - Number(b.result.conditional.length > 0) ||
    bn - an ||
    bl - al ||
    Number(b.result.exact) - Number(a.result.exact) ||
    b.result.prefixLength - a.result.prefixLength ||
    Number(b.result.method) - Number(a.result.method) ||
    b.result.headers - a.result.headers ||
    b.result.query - a.result.query ||
    compareText(a.route.metadata.creationTimestamp ?? '', b.route.metadata.creationTimestamp ?? '') ||
    compareText(`${a.route.metadata.namespace}/${a.route.metadata.name}`, `${b.route.metadata.namespace}/${b.route.metadata.name}`) ||
    a.rule - b.rule ||
    a.match - b.match
  );
}

/** Every match of every rule of `route`, for a request whose host matched `hostname`. */
export function routeCandidates(route: HTTPRoute, hostname: string | null, req: RouteRequest): HTTPRouteCandidate[] {
  const out: HTTPRouteCandidate[] = [];
  (route.spec?.rules ?? []).forEach((rule, ri) => {
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
    matches.forEach((m, mi) => out.push({ route, rule: ri, match: mi, hostname, result: matchHTTPRouteMatch(m, req) }));
  });
  return out;
}

/** A route hostname that matches the request, most specific first (for precedence); null when the route has none. */
export function routeHostnameFor(route: HTTPRoute, host: string): string | null | undefined {
  const hs = route.spec?.hostnames ?? [];
  if (hs.length === 0) return null;
  const hits = hs.filter((h) => gatewayHostMatch(h, host).ok).sort((a, b) => compareHost(a, b));
  return hits[0] ? normalizeHost(hits[0]) : undefined;
}

function compareHost(a: string, b: string): number {
  const [an, al] = hostRank(a);
  const [bn, bl] = hostRank(b);
  return bn - an || bl - al;
}

/** `namespace/name rules[i].matches[j]` for messages. */
export function routeRuleLabel(c: HTTPRouteCandidate): string {
  return `${c.route.metadata.namespace ?? ''}/${c.route.metadata.name} rules[${c.rule}].matches[${c.match}]`;
}
