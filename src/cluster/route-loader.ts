import type { Denied } from '../core/k8s/access.js';
import { isIP } from 'node:net';
import type { KubeObject, Node, Service } from '../core/k8s/types.js';
import { routeHostnameFor } from '../core/route/httproute-match.js';
import { planRoute } from '../core/route/plan.js';
import type { AddressClaim, BackendFacts, RouteObjects, RouteSnapshot, RouteTarget } from '../core/route/snapshot.js';
import type { RouteObjectsNearService } from '../core/route/to-service.js';
import { secretFacts } from '../core/route/tls.js';
import type { Gateway, GatewayClass, HTTPRoute, Ingress, IngressClass, ReferenceGrant, Secret, SecretFacts } from '../core/route/types.js';
import { explainService, type ExplainOptions } from '../core/svc/explain.js';
import { ClusterAccessError } from '../errors.js';
import { loadServiceSnapshot } from './svc-loader.js';
import { inputIncludes, R, resourceName, type ClusterReader, type ListOptions, type Resource } from './reader.js';

const GW = 'gateway.networking.k8s.io';

/** The resources `kdiag route` reads beyond the core ones. */
export const ROUTE_RESOURCES = {
  ingresses: R.ingresses,
  ingressclasses: { group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', kind: 'IngressClass', namespaced: false },
  httproutes: { group: GW, version: 'v1', plural: 'httproutes', kind: 'HTTPRoute', namespaced: true },
  gateways: { group: GW, version: 'v1', plural: 'gateways', kind: 'Gateway', namespaced: true },
  gatewayclasses: { group: GW, version: 'v1', plural: 'gatewayclasses', kind: 'GatewayClass', namespaced: false },
  referencegrants: { group: GW, version: 'v1', plural: 'referencegrants', kind: 'ReferenceGrant', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
} as const satisfies Record<string, Resource>;
const RR = ROUTE_RESOURCES;

/** How many backend Services are followed into the `kdiag svc` engine (an `ingress/NAME` may name many). */
export const MAX_BACKENDS = 5;

export interface LoadRouteOptions {
  target: RouteTarget;
  /** The namespace to narrow the lists to (URL mode); undefined lists across all namespaces. */
  namespace?: string;
  /** The context's namespace: where a denied cluster-wide list falls back to. */
  fallbackNamespace: string;
}

function isForbidden(e: unknown): e is ClusterAccessError {
  return e instanceof ClusterAccessError && e.code === 'forbidden';
}

/**
 * Reads what the route needs, as little as it needs: URL mode lists Ingresses and HTTPRoutes (in `-n`, else across
 * namespaces, falling back to the context's namespace with rbac-partial when that is denied), gets the parent
 * Gateways by name, lists IngressClasses and GatewayClasses (small, cluster-scoped, optional) and ReferenceGrants
 * only in namespaces a cross-namespace reference points into. `ingress/NAME` and `httproute/NAME` get that object.
 * Then, from the plan: the TLS secrets by name (get, never list: a denial is rbac-partial) and each backend Service
 * through the `kdiag svc` loader and engine.
 */
export async function loadRouteSnapshot(
  reader: ClusterReader,
  opts: LoadRouteOptions,
  svcOpts: ExplainOptions = {},
): Promise<RouteSnapshot> {
  const denied: Denied[] = [];
  const optional = async <T extends KubeObject>(r: Resource, o: ListOptions): Promise<T[] | undefined> => {
    const res = await reader.tryList<T>(r, o);
    if (res.ok) return res.items;
    denied.push(res.denied);
    return undefined;
  };
  const optionalGet = async <T extends KubeObject>(r: Resource, ns: string | undefined, name: string): Promise<T | undefined | null> => {
    try {
      return await reader.get<T>(r, ns, name);
    } catch (e) {
      if (!isForbidden(e)) throw e;
      denied.push({ verb: 'get', resource: resourceName(r), ...(ns ? { namespace: ns } : {}), message: e.message });
      return null;
    }
  };
  /** A list across namespaces, or in the fallback namespace when that is denied. */
  const scoped = async <T extends KubeObject>(r: Resource): Promise<T[]> => {
    if (opts.namespace !== undefined) return (await optional<T>(r, { namespace: opts.namespace })) ?? [];
    const all = await reader.tryList<T>(r, {});
    if (all.ok) return all.items;
    denied.push(all.denied);
    return (await optional<T>(r, { namespace: opts.fallbackNamespace })) ?? [];
  };

  const t = opts.target;
  const objects: RouteObjects = {
    source: reader.source,
    target: t,
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ingresses: [],
    httpRoutes: [],
    gateways: [],
    denied,
  };
  if (t.kind === 'url') {
    const [ingresses, routes] = await Promise.all([scoped<Ingress>(RR.ingresses), scoped<HTTPRoute>(RR.httproutes)]);
    objects.ingresses = ingresses;
    objects.httpRoutes = routes;
    // An IP host, or a host no rule claims (a LoadBalancer's hostname?): which Service's address is it?
    const host = t.request.host;
    const pre = planRoute(objects);
    if (isIP(host) !== 0 || (!pre.ingress?.winner && pre.routes.length === 0)) {
      const claims = await addressClaims(reader, host, t.request.port, scoped, optional);
      if (claims.length > 0) objects.addressClaims = claims;
    }
  } else if (t.kind === 'ingress') {
    const ing = await reader.get<Ingress>(RR.ingresses, t.namespace, t.name);
    if (ing) objects.ingresses = [ing];
    else objects.targetMissing = true;
  } else if (t.kind === 'httproute') {
    const route = await reader.get<HTTPRoute>(RR.httproutes, t.namespace, t.name);
    if (route) objects.httpRoutes = [route];
    else objects.targetMissing = true;
  }
  // The classes: small cluster-scoped lists, read only when something needs them.
  const needIngressClasses = objects.ingresses.some((i) => i.spec?.ingressClassName);
  const parentKeys = new Map<string, { ns: string; name: string }>();
  // For a URL, only the parents of routes whose hostnames can match it are read.
  const candidates =
    t.kind === 'url' ? objects.httpRoutes.filter((r) => routeHostnameFor(r, t.request.host) !== undefined) : objects.httpRoutes;
  for (const r of candidates)
    for (const p of r.spec?.parentRefs ?? [])
      if ((p.kind ?? 'Gateway') === 'Gateway') {
        const ns = p.namespace ?? r.metadata.namespace ?? '';
        parentKeys.set(`${ns}/${p.name}`, { ns, name: p.name });
      }
  const [ingressClasses, gateways] = await Promise.all([
    needIngressClasses ? optional<IngressClass>(RR.ingressclasses, {}) : Promise.resolve(undefined),
    Promise.all([...parentKeys.values()].map((k) => optionalGet<Gateway>(RR.gateways, k.ns, k.name))),
  ]);
  if (ingressClasses) objects.ingressClasses = ingressClasses;
  objects.gateways = gateways.filter((g): g is Gateway => !!g);
  if (objects.gateways.length > 0) {
    const classes = await optional<GatewayClass>(RR.gatewayclasses, {});
    if (classes) objects.gatewayClasses = classes;
  }
  // Namespace labels, only for listeners that select route namespaces by label: each route's Namespace, read by name.
  if (objects.gateways.some((g) => (g.spec?.listeners ?? []).some((l) => l.allowedRoutes?.namespaces?.from === 'Selector'))) {
    const names = [...new Set(candidates.map((r) => r.metadata.namespace ?? ''))].sort();
    const got = await Promise.all(names.map((n) => optionalGet<KubeObject>(R.namespaces, undefined, n)));
    const labels: Record<string, Record<string, string>> = {};
    got.forEach((n, i) => {
      if (n) labels[names[i]!] = n.metadata.labels ?? {};
    });
    objects.namespaceLabels = labels;
  }

  const plan = planRoute(objects);
  // ReferenceGrants live in the target's namespace: read them where a cross-namespace reference points.
  const grantNs = new Set<string>();
  for (const b of plan.backends) if (b.from.kind === 'HTTPRoute' && b.namespace !== b.from.namespace) grantNs.add(b.namespace);
  for (const s of plan.secrets)
    if (s.for === 'Gateway') for (const g of objects.gateways) if (g.metadata.namespace !== s.namespace) grantNs.add(s.namespace);
  if (grantNs.size > 0) {
    const lists = await Promise.all([...grantNs].map((ns) => optional<ReferenceGrant>(RR.referencegrants, { namespace: ns })));
    if (lists.every((l) => l !== undefined)) objects.referenceGrants = lists.flatMap((l) => l ?? []);
  }

  // Secrets by name (get, never list); only their name, type, SANs and dates leave this function.
  const secrets: SecretFacts[] = await Promise.all(
    plan.secrets.map(async (s) => {
      const got = await optionalGet<Secret>(RR.secrets, s.namespace, s.name);
      if (got === null) return { namespace: s.namespace, name: s.name, exists: null };
      return secretFacts(s.namespace, s.name, got);
    }),
  );

  const backends: BackendFacts[] = [];
  const seen = new Set<string>();
  for (const b of plan.backends) {
    const key = `${b.namespace}/${b.name}`;
    if (b.kind || seen.has(key) || seen.size >= MAX_BACKENDS) continue;
    seen.add(key);
    const snap = await loadServiceSnapshot(reader, {
      namespace: b.namespace,
      name: b.name,
      ...(svcOpts.clusterDomain ? { clusterDomain: svcOpts.clusterDomain } : {}),
    });
    // Its denied reads are in its report (rbac-partial in the svc wording).
    if (!snap.service) {
      backends.push({
        namespace: b.namespace,
        name: b.name,
        ...(snap.serviceNamesInNamespace ? { namesInNamespace: snap.serviceNamesInNamespace } : {}),
      });
      continue;
    }
    backends.push({ namespace: b.namespace, name: b.name, service: snap.service, report: explainService(snap, svcOpts) });
  }
  // svc/NAME with externalTrafficPolicy Local: the nodes, to name those without a ready local endpoint (optional).
  let nodeNames: string[] | undefined;
  const exposed = backends[0]?.service;
  if (
    t.kind === 'svc' &&
    exposed?.spec?.externalTrafficPolicy === 'Local' &&
    (exposed.spec.type === 'NodePort' || exposed.spec.type === 'LoadBalancer') &&
    inputIncludes(reader, R.nodes)
  ) {
    const nodes = await optional<KubeObject>(R.nodes, { metadataOnly: true });
    if (nodes) nodeNames = nodes.map((n) => n.metadata.name).sort();
  }
  return { ...objects, secrets, backends, ...(nodeNames ? { nodeNames } : {}) };
}

/** How many other namespaces' HTTPRoutes are read for one Service (those its ReferenceGrants admit). */
export const MAX_GRANTED_NAMESPACES = 10;

/**
 * The routing objects that may send to Service `ns/name`, for kdiag svc (and kdiag audit, through a reader that
 * answers from its bulk read): the Ingresses, ReferenceGrants and HTTPRoutes of its namespace (three lists, at
 * once), then the HTTPRoutes of the namespaces those grants admit (from HTTPRoute, to Service, by this name or
 * any). All optional: a 403 is rbac-partial; the Gateway API not being installed (404) reads as none.
 */
export async function loadRoutesNearService(reader: ClusterReader, ns: string, name: string): Promise<RouteObjectsNearService> {
  // The reads run at once, so denials arrive in any order: rbacPartial sorts them when they are reported.
  const denied: Denied[] = [];
  const optional = async <T extends KubeObject>(r: Resource, o: ListOptions): Promise<T[] | undefined> => {
    const res = await reader.tryList<T>(r, o);
    if (res.ok) return res.items;
    denied.push(res.denied);
    return undefined;
  };
  const [ingresses, grants, routes] = await Promise.all([
    optional<Ingress>(RR.ingresses, { namespace: ns }),
    optional<ReferenceGrant>(RR.referencegrants, { namespace: ns }),
    optional<HTTPRoute>(RR.httproutes, { namespace: ns }),
  ]);
  const admitted = new Set<string>();
  for (const g of grants ?? []) {
    const toUs = (g.spec?.to ?? []).some((t) => (t.group ?? '') === '' && t.kind === 'Service' && (!t.name || t.name === name));
    if (!toUs) continue;
    for (const f of g.spec?.from ?? []) if (f.group === GW && f.kind === 'HTTPRoute' && f.namespace !== ns) admitted.add(f.namespace);
  }
  const others = await Promise.all(
    [...admitted]
      .sort()
      .slice(0, MAX_GRANTED_NAMESPACES)
      .map((other) => optional<HTTPRoute>(RR.httproutes, { namespace: other })),
  );
  return {
    ingresses: ingresses ?? [],
    httpRoutes: [...(routes ?? []), ...others.flatMap((o) => o ?? [])],
    ...(grants ? { referenceGrants: grants } : {}),
    denied,
  };
}

/**
 * The Services that claim `host:port`: LoadBalancers whose status.loadBalancer.ingress holds the host (ip or
 * hostname) with a port equal to `port`, and, for an IP, Services with a NodePort equal to `port` when the host is
 * a node's address (nodes listed, optional). Nothing is dialled.
 */
async function addressClaims(
  _reader: ClusterReader,
  host: string,
  port: number,
  scoped: <T extends KubeObject>(r: Resource) => Promise<T[]>,
  optional: <T extends KubeObject>(r: Resource, o: ListOptions) => Promise<T[] | undefined>,
): Promise<AddressClaim[]> {
  const ip = isIP(host) !== 0;
  const [services, nodes] = await Promise.all([scoped<Service>(R.services), ip ? optional<Node>(R.nodes, {}) : Promise.resolve(undefined)]);
  const claims: AddressClaim[] = [];
  for (const svc of services) {
    if (svc.spec?.type !== 'LoadBalancer') continue;
    const mine = (svc.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === host || i.hostname?.toLowerCase() === host);
    const sp = (svc.spec?.ports ?? []).find((p) => p.port === port);
    if (mine && sp) claims.push({ via: 'load-balancer', service: svc, port: sp });
  }
  const node = (nodes ?? []).find((n) => (n.status?.addresses ?? []).some((a) => a.address === host));
  if (node)
    for (const svc of services) {
      if (svc.spec?.type !== 'NodePort' && svc.spec?.type !== 'LoadBalancer') continue;
      const sp = (svc.spec?.ports ?? []).find((p) => p.nodePort === port);
      if (sp) claims.push({ via: 'node-port', service: svc, port: sp, node: node.metadata.name });
    }
  return claims;
}
