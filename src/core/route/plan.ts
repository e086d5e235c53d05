import { matchIngresses, ingressCandidates, ingressConflicts, type IngressCandidate, type IngressMatchResult } from './ingress-match.js';
import {
  compareRouteCandidates,
  listenerVerdict,
  routeCandidates,
  routeHostnameFor,
  type HTTPRouteCandidate,
  type ListenerVerdict,
} from './httproute-match.js';
import { ingressHostMatch, normalizeHost } from './match.js';
import type { RouteObjects } from './snapshot.js';
import type { BackendRef, Gateway, HTTPRoute, Ingress, ParentRef, RouteRequest } from './types.js';

/** A route's parent Gateway and how its listeners fared. */
export interface ParentVerdict {
  ref: ParentRef;
  namespace: string;
  gateway?: Gateway;
  listeners: ListenerVerdict[];
}

/** An HTTPRoute considered for the request (or checked as `httproute/NAME`). */
export interface RouteChoice {
  route: HTTPRoute;
  /** The winning match (URL mode); undefined for `httproute/NAME`, where every rule is checked. */
  candidate?: HTTPRouteCandidate;
  parents: ParentVerdict[];
  /** True when some listener of some parent takes the route (or the parents could not be read). */
  attached: boolean;
}

/** One weighted backend of the winning rule(s). */
export interface BackendChoice {
  namespace: string;
  name: string;
  /** Number or name of the Service port. */
  port?: number | string;
  weight: number;
  /** Where it was named, for findings. */
  from: { kind: 'Ingress' | 'HTTPRoute' | 'Service'; namespace: string; name: string; where: string };
  /** Not a Service (another kind): not followed. */
  kind?: string;
}

/** What the match decided, and what is left to read. */
export interface RoutePlan {
  ingress?: IngressMatchResult;
  /** Ingress paths to check: the winner (URL) or every path (`ingress/NAME`). */
  ingressPaths: IngressCandidate[];
  /** Other Ingresses of the same class claiming the winner's host and path. */
  ingressConflicts: IngressCandidate[];
  /** HTTPRoute: the winner (URL), or the named route. */
  routes: RouteChoice[];
  /** HTTPRoute matches that also matched (URL), the winner first. */
  routeMatches: HTTPRouteCandidate[];
  /** Why routes whose hostnames matched still missed (URL). */
  routeMisses: { route: HTTPRoute; why: string }[];
  /** TLS secrets to read by name. */
  secrets: { namespace: string; name: string; for: 'Ingress' | 'Gateway' }[];
  backends: BackendChoice[];
}

export function ingressClassOf(i: Ingress): string | undefined {
  return i.spec?.ingressClassName ?? i.metadata.annotations?.['kubernetes.io/ingress.class'];
}

function gatewayKey(ns: string, name: string): string {
  return `${ns}/${name}`;
}

/** The parents of `route`, their Gateways and listener verdicts (for `req`, or for any request). */
export function parentVerdicts(o: RouteObjects, route: HTTPRoute, req?: RouteRequest): ParentVerdict[] {
  const byKey = new Map(o.gateways.map((g) => [gatewayKey(g.metadata.namespace ?? '', g.metadata.name), g]));
  const nsLabels = o.namespaceLabels ? (ns: string) => o.namespaceLabels![ns] : undefined;
  return (route.spec?.parentRefs ?? [])
    .filter((r) => (r.kind ?? 'Gateway') === 'Gateway')
    .map((ref) => {
      const namespace = ref.namespace ?? route.metadata.namespace ?? '';
      const gateway = byKey.get(gatewayKey(namespace, ref.name));
      const listeners = gateway ? (gateway.spec?.listeners ?? []).map((l) => listenerVerdict(route, ref, gateway, l, req, nsLabels)) : [];
      return { ref, namespace, ...(gateway ? { gateway } : {}), listeners };
    });
}

function isAttached(parents: readonly ParentVerdict[]): boolean {
  return parents.length === 0 || parents.some((p) => !p.gateway || p.listeners.some((l) => l.ok));
}

export function backendsOfRule(route: HTTPRoute, rule: number): BackendChoice[] {
  const ns = route.metadata.namespace ?? '';
  return (route.spec?.rules?.[rule]?.backendRefs ?? []).map((b: BackendRef, i) => ({
    namespace: b.namespace ?? ns,
    name: b.name,
    ...(b.port !== undefined ? { port: b.port } : {}),
    weight: b.weight ?? 1,
    from: { kind: 'HTTPRoute' as const, namespace: ns, name: route.metadata.name, where: `rules[${rule}].backendRefs[${i}]` },
    ...((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '' ? { kind: b.kind ?? 'Service' } : {}),
  }));
}

export function ingressBackend(c: IngressCandidate): BackendChoice | undefined {
  const svc = c.backend.service;
  const ns = c.ingress.metadata.namespace ?? '';
  const where = c.rule < 0 ? 'spec.defaultBackend' : `spec.rules[${c.rule}].http.paths[${c.path}].backend`;
  if (!svc) return undefined;
  const port = svc.port?.number ?? svc.port?.name;
  return {
    namespace: ns,
    name: svc.name,
    ...(port !== undefined ? { port } : {}),
    weight: 1,
    from: { kind: 'Ingress', namespace: ns, name: c.ingress.metadata.name, where },
  };
}

function ingressSecrets(i: Ingress, host: string | undefined): RoutePlan['secrets'] {
  const ns = i.metadata.namespace ?? '';
  return (i.spec?.tls ?? [])
    .filter((t) => t.secretName && (host === undefined || (t.hosts ?? []).some((h) => ingressHostMatch(h, host).ok)))
    .map((t) => ({ namespace: ns, name: t.secretName!, for: 'Ingress' as const }));
}

function listenerSecrets(l: ListenerVerdict): RoutePlan['secrets'] {
  if (l.listener.protocol !== 'HTTPS') return [];
  const ns = l.gateway.metadata.namespace ?? '';
  return (l.listener.tls?.certificateRefs ?? [])
    .filter((r) => (r.kind ?? 'Secret') === 'Secret')
    .map((r) => ({ namespace: r.namespace ?? ns, name: r.name, for: 'Gateway' as const }));
}

function uniq<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Matches the request (or takes the named object) and lists what must be read next. Pure. */
export function planRoute(o: RouteObjects): RoutePlan {
  const plan: RoutePlan = {
    ingressPaths: [],
    ingressConflicts: [],
    routes: [],
    routeMatches: [],
    routeMisses: [],
    secrets: [],
    backends: [],
  };
  const t = o.target;
  if (t.kind === 'ingress') {
    const ing = o.ingresses.find((i) => i.metadata.namespace === t.namespace && i.metadata.name === t.name);
    if (!ing) return plan;
    // Every path of every rule is checked, as if a request had matched it.
    const all = ingressCandidates(ing, { host: 'x', path: '/' }).map(({ why: _why, ...c }) => ({
      ...c,
      ok: true,
      hostMatch: { ok: true, specificity: 2 },
      pathMatch: { ok: true, length: c.pathValue.length },
    }));
    plan.ingressPaths = all;
    if (ing.spec?.defaultBackend)
      plan.ingressPaths.push({
        ingress: ing,
        rule: -1,
        path: -1,
        pathValue: '/',
        pathType: 'defaultBackend',
        backend: ing.spec.defaultBackend,
        hostMatch: { ok: true, specificity: -1 },
        pathMatch: { ok: true, length: 0 },
        ok: true,
      });
    plan.secrets = ingressSecrets(ing, undefined);
    plan.backends = uniq(
      plan.ingressPaths.map(ingressBackend).filter((b): b is BackendChoice => b !== undefined),
      (b) => `${b.namespace}/${b.name}:${b.port}`,
    );
    return plan;
  }
  if (t.kind === 'httproute') {
    const route = o.httpRoutes.find((r) => r.metadata.namespace === t.namespace && r.metadata.name === t.name);
    if (!route) return plan;
    const parents = parentVerdicts(o, route);
    plan.routes = [{ route, parents, attached: isAttached(parents) }];
    plan.secrets = uniq(
      parents.flatMap((p) => p.listeners.filter((l) => l.ok).flatMap(listenerSecrets)),
      (s) => `${s.namespace}/${s.name}`,
    );
    plan.backends = (route.spec?.rules ?? []).flatMap((_, i) => backendsOfRule(route, i));
    return plan;
  }
  if (t.kind === 'svc') {
    plan.backends = [
      { namespace: t.namespace, name: t.name, weight: 1, from: { kind: 'Ingress', namespace: t.namespace, name: '', where: '' } },
    ];
    return plan;
  }
  const req = t.request;
  // Ingress.
  plan.ingress = matchIngresses(o.ingresses, req);
  const w = plan.ingress.winner;
  if (w) {
    plan.ingressPaths = [w];
    plan.ingressConflicts = ingressConflicts(plan.ingress.matches, ingressClassOf);
    if (req.scheme === 'https') plan.secrets.push(...ingressSecrets(w.ingress, req.host));
    const b = ingressBackend(w);
    if (b) plan.backends.push(b);
  }
  // HTTPRoutes: those whose hostnames match, attached to a listener that serves the request.
  const attached: HTTPRouteCandidate[] = [];
  const detached: { route: HTTPRoute; parents: ParentVerdict[]; cands: HTTPRouteCandidate[] }[] = [];
  const parentsOf = new Map<HTTPRoute, ParentVerdict[]>();
  for (const route of o.httpRoutes) {
    const hostname = routeHostnameFor(route, req.host);
    if (hostname === undefined) continue;
    const parents = parentVerdicts(o, route, req);
    parentsOf.set(route, parents);
    const cands = routeCandidates(route, hostname, req);
    if (isAttached(parents)) attached.push(...cands);
    else detached.push({ route, parents, cands });
    for (const c of cands)
      if (!c.result.ok && c.result.why) plan.routeMisses.push({ route, why: `rules[${c.rule}].matches[${c.match}]: ${c.result.why}` });
  }
  plan.routeMatches = attached.filter((c) => c.result.ok).sort(compareRouteCandidates);
  let best = plan.routeMatches[0];
  let parents = best ? parentsOf.get(best.route)! : [];
  let isAtt = true;
  if (!best && !w) {
    // Nothing attached matches: a route that would match but no listener takes is the likely culprit.
    const d = detached.find((x) => x.cands.some((c) => c.result.ok));
    if (d) {
      best = d.cands.filter((c) => c.result.ok).sort(compareRouteCandidates)[0];
      parents = d.parents;
      isAtt = false;
    }
  }
  if (best) {
    plan.routes = [{ route: best.route, candidate: best, parents, attached: isAtt }];
    if (!w) {
      const serving = parents.flatMap((p) => p.listeners.filter((l) => l.ok));
      if (req.scheme === 'https') plan.secrets.push(...uniq(serving.flatMap(listenerSecrets), (s) => `${s.namespace}/${s.name}`));
      plan.backends.push(...backendsOfRule(best.route, best.rule));
    }
  }
  // Nothing routes by host, but a Service claims the address (its load balancer's, or a node's with a NodePort).
  const claim = o.addressClaims?.[0];
  if (!w && !best && claim) {
    const ns = claim.service.metadata.namespace ?? '';
    plan.backends.push({
      namespace: ns,
      name: claim.service.metadata.name,
      port: claim.port.name || claim.port.port,
      weight: 1,
      from: {
        kind: 'Service',
        namespace: ns,
        name: claim.service.metadata.name,
        where: claim.via === 'node-port' ? 'spec.ports[].nodePort' : 'status.loadBalancer.ingress',
      },
    });
  }
  return plan;
}

/** The request a URL stands for; throws a plain Error with a reason on a URL kdiag cannot follow. */
export function parseRequestUrl(raw: string, method?: string, headers: readonly string[] = []): RouteRequest {
  const u = new URL(raw);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`the URL's scheme is ${u.protocol.replace(':', '')}; kdiag route follows http and https`);
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const h: Record<string, string> = {};
  for (const line of headers) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`-H ${JSON.stringify(line)} is not "Name: value"`);
    h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) if (!(k in query)) query[k] = v;
  return {
    url: raw,
    scheme,
    host: normalizeHost(u.hostname),
    path: decodeURI(u.pathname || '/'),
    port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80,
    ...(method ? { method: method.toUpperCase() } : {}),
    headers: h,
    query,
  };
}
