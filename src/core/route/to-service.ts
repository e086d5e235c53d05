import type { Finding, ObjectRef } from '../finding.js';
import { rbacPartial } from '../general-catalogue.js';
import type { Denied } from '../k8s/access.js';
import type { Service } from '../k8s/types.js';
import type { ServiceReport, ServiceRoute } from '../svc/explain.js';
import { backendPortFinding, grantAllows, ingressConflictFinding, referenceGrantMissingFinding, routeConflictFinding } from './explain.js';
import { compareIngressCandidates, ingressCandidates, ingressConflicts, type IngressCandidate } from './ingress-match.js';
import { backendsOfRule, ingressBackend, ingressClassOf, type BackendChoice } from './plan.js';
import type { HTTPRoute, HTTPRouteMatch, Ingress, ReferenceGrant } from './types.js';
import { compareText } from '../compare.js';

/**
 * The routing objects that may send to a Service: the Ingresses of its namespace, the HTTPRoutes of its namespace
 * and of the namespaces its ReferenceGrants admit, and those grants. kdiag svc reads them per Service, kdiag audit
 * once for its scope.
 */
export interface RouteObjectsNearService {
  ingresses: readonly Ingress[];
  httpRoutes: readonly HTTPRoute[];
  /** ReferenceGrants of the Service's namespace; undefined when not read (cross-namespace routes then count as allowed). */
  referenceGrants?: readonly ReferenceGrant[];
  /** Denied reads of these objects (rbac-partial). */
  denied: readonly Denied[];
}

/** What `routesToService` finds: the routes, and the findings about them (the route engine's codes). */
export interface RoutesToService {
  routes: ServiceRoute[];
  findings: Finding[];
}

function ingressRuleText(c: IngressCandidate | undefined, choice: BackendChoice): string {
  const port = `port ${choice.port ?? '(unset)'}`;
  if (!c || c.rule < 0) return `spec.defaultBackend -> ${port}`;
  return `spec.rules[${c.rule}].http.paths[${c.path}] ${c.host ?? '*'} ${c.pathValue} (${c.pathType}) -> ${port}`;
}

function matchText(m: HTTPRouteMatch | undefined): string {
  if (!m) return 'PathPrefix /';
  const parts = [`${m.path?.type ?? 'PathPrefix'} ${m.path?.value ?? '/'}`];
  if (m.method) parts.push(m.method);
  if (m.headers?.length) parts.push(`+${m.headers.length} header(s)`);
  return parts.join(' ');
}

function routeRuleText(route: HTTPRoute, rule: number, choice: BackendChoice): string {
  const hosts = (route.spec?.hostnames ?? []).join(',') || '*';
  const matches = route.spec?.rules?.[rule]?.matches ?? [];
  const what = matches.length > 1 ? `${matchText(matches[0])} (+${matches.length - 1} more)` : matchText(matches[0]);
  return `${choice.from.where} ${hosts} ${what} -> port ${choice.port ?? '(unset)'}`;
}

const sameKey = (c: IngressCandidate): string => `${c.host ?? '*'}|${c.pathValue.replace(/\/+$/, '')}|${c.pathType}`;

/** Other Ingresses of the class of `c`'s Ingress claiming its host and path: `route-rules-conflict`, the winner by precedence. */
function ingressConflictsOf(c: IngressCandidate, all: readonly IngressCandidate[]): Finding[] {
  const same = all.filter((x) => sameKey(x) === sameKey(c) && ingressClassOf(x.ingress) === ingressClassOf(c.ingress));
  if (new Set(same.map((x) => x.ingress)).size < 2) return [];
  const sorted = [...same].sort(compareIngressCandidates);
  const w = sorted[0]!;
  return ingressConflicts(sorted, ingressClassOf).map((o) => ingressConflictFinding(w, o));
}

function parentKeys(r: HTTPRoute): Set<string> {
  return new Set(
    (r.spec?.parentRefs ?? [])
      .filter((p) => (p.kind ?? 'Gateway') === 'Gateway')
      .map((p) => `${p.namespace ?? r.metadata.namespace ?? ''}/${p.name}/${p.sectionName ?? ''}`),
  );
}

function sharesHostname(a: HTTPRoute, b: HTTPRoute): boolean {
  const ha = (a.spec?.hostnames ?? []).map((h) => h.toLowerCase());
  const hb = (b.spec?.hostnames ?? []).map((h) => h.toLowerCase());
  if (ha.length === 0 || hb.length === 0) return ha.length === hb.length;
  return ha.some((h) => hb.includes(h));
}

function olderFirst(a: HTTPRoute, b: HTTPRoute): number {
  return (
    compareText(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') ||
    compareText(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`)
  );
}

/** Other HTTPRoutes of the same parent with a shared hostname and the same match as a match of `rule` of `route`. */
function routeConflictsOf(route: HTTPRoute, rule: number, all: readonly HTTPRoute[]): Finding[] {
  const mine = parentKeys(route);
  const matches = route.spec?.rules?.[rule]?.matches ?? [];
  const key = (m: HTTPRouteMatch | undefined) => JSON.stringify(m ?? { path: { type: 'PathPrefix', value: '/' } });
  const out: Finding[] = [];
  (matches.length ? matches : [undefined]).forEach((m, mi) => {
    for (const other of all) {
      if (other === route || ![...parentKeys(other)].some((k) => mine.has(k)) || !sharesHostname(route, other)) continue;
      (other.spec?.rules ?? []).forEach((r, ri) => {
        const oms = r.matches?.length ? r.matches : [undefined];
        oms.forEach((om, omi) => {
          if (key(om) !== key(m)) return;
          const a = { route, rule, match: mi };
          const b = { route: other, rule: ri, match: omi };
          out.push(olderFirst(route, other) <= 0 ? routeConflictFinding(a, b) : routeConflictFinding(b, a));
        });
      });
    }
  });
  return out;
}

/**
 * The Ingress paths (and default backends) and HTTPRoute rules that send to `svc`, each checked with the route
 * engine's own checks: a port that is no port of the Service (`ingress-backend-port-not-found`,
 * `gateway-backend-not-resolved`), a cross-namespace backendRef no ReferenceGrant allows, and another object
 * claiming the same host and path (`route-rules-conflict`). Pure.
 */
export function routesToService(svc: Service, objs: RouteObjectsNearService): RoutesToService {
  const ns = svc.metadata.namespace ?? '';
  const name = svc.metadata.name;
  const routes: ServiceRoute[] = [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding | undefined): void => {
    if (!f) return;
    const k = `${f.code}|${f.message}`;
    if (seen.has(k)) return;
    seen.add(k);
    findings.push(f);
  };

  const ingresses = objs.ingresses.filter((i) => (i.metadata.namespace ?? '') === ns);
  const allPaths = objs.ingresses.flatMap((i) => ingressCandidates(i, { host: '', path: '/' }));
  for (const ing of ingresses) {
    const paths: (IngressCandidate | undefined)[] = allPaths.filter((c) => c.ingress === ing);
    const cands: { c: IngressCandidate | undefined; choice: BackendChoice }[] = [];
    for (const c of paths) {
      const choice = ingressBackend(c!);
      if (choice && choice.name === name) cands.push({ c, choice });
    }
    const def = ing.spec?.defaultBackend;
    if (def?.service?.name === name) {
      const port = def.service.port?.number ?? def.service.port?.name;
      cands.push({
        c: undefined,
        choice: {
          namespace: ns,
          name,
          ...(port !== undefined ? { port } : {}),
          weight: 1,
          from: { kind: 'Ingress', namespace: ns, name: ing.metadata.name, where: 'spec.defaultBackend' },
        },
      });
    }
    for (const { c, choice } of cands) {
      const broken = backendPortFinding(choice, svc);
      add(broken);
      routes.push({ kind: 'Ingress', namespace: ns, name: ing.metadata.name, rule: ingressRuleText(c, choice), ok: !broken });
      if (c) for (const f of ingressConflictsOf(c, allPaths)) add(f);
    }
  }

  for (const route of objs.httpRoutes) {
    const rns = route.metadata.namespace ?? '';
    (route.spec?.rules ?? []).forEach((_, ri) => {
      for (const choice of backendsOfRule(route, ri)) {
        if (choice.kind || choice.namespace !== ns || choice.name !== name) continue;
        const rref: ObjectRef = { kind: 'HTTPRoute', namespace: rns, name: route.metadata.name };
        let broken: Finding | undefined;
        if (rns !== ns && !grantAllows(objs.referenceGrants, 'HTTPRoute', rns, ns, 'Service', name))
          broken = referenceGrantMissingFinding(rref, 'HTTPRoute', rns, { kind: 'Service', namespace: ns, name });
        else broken = backendPortFinding(choice, svc);
        add(broken);
        routes.push({ kind: 'HTTPRoute', namespace: rns, name: route.metadata.name, rule: routeRuleText(route, ri, choice), ok: !broken });
        for (const f of routeConflictsOf(route, ri, objs.httpRoutes)) add(f);
      }
    });
  }
  return { routes, findings };
}

/**
 * The report with the routes to its Service: `routes`, and their findings after the Service's own (before
 * `rbac-partial`, with the denied route reads added there). kdiag svc and kdiag audit both use it.
 */
export function withRoutes(report: ServiceReport, svc: Service | undefined, objs: RouteObjectsNearService | undefined): ServiceReport {
  if (!svc || !objs || !report.service) return report;
  const found = routesToService(svc, objs);
  const access = report.findings.filter((f) => f.code === 'rbac-partial');
  const own = report.findings.filter((f) => f.code !== 'rbac-partial');
  const denied = rbacPartial(objs.denied, {
    means: (d) => `routes to the Service from ${d.resource}${d.namespace ? ` in ${d.namespace}` : ''} were not listed`,
  });
  return { ...report, routes: found.routes, findings: [...own, ...found.findings, ...access, ...denied] };
}
