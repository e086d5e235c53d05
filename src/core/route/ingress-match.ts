import type { Ingress, IngressBackend, RouteRequest } from './types.js';
import { ingressHostMatch, ingressPathMatch, normalizeHost, type HostMatch, type PathMatch } from './match.js';
import { compareText } from '../compare.js';

/** One path of one rule of one Ingress (or its `spec.defaultBackend`), matched against the request. */
export interface IngressCandidate {
  ingress: Ingress;
  /** Index in `spec.rules`; -1 for `spec.defaultBackend`. */
  rule: number;
  /** Index in `rules[rule].http.paths`; -1 for `spec.defaultBackend`. */
  path: number;
  host?: string;
  pathValue: string;
  pathType: string;
  backend: IngressBackend;
  hostMatch: HostMatch;
  pathMatch: PathMatch;
  ok: boolean;
  /** Why it missed (host or path). */
  why?: string;
}

/** `namespace/name#rule[i].path[j]` for messages. */
export function ingressRuleLabel(c: IngressCandidate): string {
  const n = `${c.ingress.metadata.namespace ?? ''}/${c.ingress.metadata.name}`;
  if (c.rule < 0) return `${n} spec.defaultBackend`;
  return `${n} rules[${c.rule}].http.paths[${c.path}] (host ${c.host ?? '*'} ${c.pathType} ${c.pathValue})`;
}

const TYPE_RANK: Record<string, number> = { Exact: 0, Prefix: 1, ImplementationSpecific: 2 };

function created(i: Ingress): string {
  return i.metadata.creationTimestamp ?? '';
}

/**
 * Precedence among matching Ingress paths: the more specific host (exact, then wildcard, then none), the longest
 * path, Exact before Prefix on equal length, then the oldest Ingress and its `namespace/name` (what ingress-nginx does
 * when two Ingresses claim the same host and path), then rule and path order.
 */
export function compareIngressCandidates(a: IngressCandidate, b: IngressCandidate): number {
  return (
    b.hostMatch.specificity - a.hostMatch.specificity ||
    b.pathMatch.length - a.pathMatch.length ||
    (TYPE_RANK[a.pathType] ?? 2) - (TYPE_RANK[b.pathType] ?? 2) ||
    compareText(created(a.ingress), created(b.ingress)) ||
    compareText(
      `${a.ingress.metadata.namespace}/${a.ingress.metadata.name}`,
      `${b.ingress.metadata.namespace}/${b.ingress.metadata.name}`,
    ) ||
    a.rule - b.rule ||
    a.path - b.path
  );
}

/** Every path of every rule of `ing`, matched against `req` (hosts and paths; the default backend is not a rule). */
export function ingressCandidates(ing: Ingress, req: Pick<RouteRequest, 'host' | 'path'>): IngressCandidate[] {
  const out: IngressCandidate[] = [];
  (ing.spec?.rules ?? []).forEach((rule, ri) => {
    const hostMatch = ingressHostMatch(rule.host, req.host);
    (rule.http?.paths ?? []).forEach((p, pi) => {
      const pathMatch = ingressPathMatch(p.pathType, p.path, req.path);
      const ok = hostMatch.ok && pathMatch.ok;
      const why = !hostMatch.ok ? hostMatch.why : !pathMatch.ok ? pathMatch.why : undefined;
      out.push({
        ingress: ing,
        rule: ri,
        path: pi,
        ...(rule.host ? { host: normalizeHost(rule.host) } : {}),
        pathValue: p.path || '/',
        pathType: p.pathType ?? 'ImplementationSpecific',
        backend: p.backend,
        hostMatch,
        pathMatch,
        ok,
        ...(why ? { why } : {}),
      });
    });
  });
  return out;
}

/** What matching a request against a set of Ingresses gives. */
export interface IngressMatchResult {
  /** The path that serves the request, or the default backend that takes it; undefined when nothing does. */
  winner?: IngressCandidate;
  /** Every matching path, the winner first. */
  matches: IngressCandidate[];
  /** The closest misses (host matched and path missed first), with why. */
  nearMisses: IngressCandidate[];
}

/** How close a miss is: host right and path wrong is closest; then the same domain; then the same path. */
function missRank(c: IngressCandidate, req: Pick<RouteRequest, 'host' | 'path'>): number {
  if (c.hostMatch.ok) return 0;
  const reqDomain = normalizeHost(req.host).split('.').slice(-2).join('.');
  const sameDomain = (c.host ?? '').endsWith(reqDomain);
  if (sameDomain && c.pathMatch.ok) return 1;
  if (sameDomain) return 2;
  if (c.pathMatch.ok) return 3;
  return 9;
}

/** Matches `req` against `ingresses` (already narrowed to the ones in scope). */
export function matchIngresses(ingresses: readonly Ingress[], req: Pick<RouteRequest, 'host' | 'path'>, maxMisses = 5): IngressMatchResult {
  const all = ingresses.flatMap((i) => ingressCandidates(i, req));
  const matches = all.filter((c) => c.ok).sort(compareIngressCandidates);
  let winner = matches[0];
  if (!winner) {
    // No rule matches: a `spec.defaultBackend` takes the request (the oldest Ingress's, as controllers merge them).
    const withDefault = ingresses
      .filter((i) => i.spec?.defaultBackend)
      .sort((a, b) => compareText(created(a), created(b)) || compareText(a.metadata.name, b.metadata.name))[0];
    if (withDefault)
      winner = {
        ingress: withDefault,
        rule: -1,
        path: -1,
        pathValue: '/',
        pathType: 'defaultBackend',
        backend: withDefault.spec!.defaultBackend!,
        hostMatch: { ok: true, specificity: -1 },
        pathMatch: { ok: true, length: 0 },
        ok: true,
      };
  }
  // With a winner, only the paths of the same host that missed are worth showing; without, the closest of all.
  const nearMisses = all
    .filter((c) => !c.ok && missRank(c, req) < (winner ? 1 : 9))
    .map((c, i) => ({ c, i, r: missRank(c, req) }))
    .sort((a, b) => a.r - b.r || b.c.pathMatch.length - a.c.pathMatch.length || a.i - b.i)
    .slice(0, maxMisses)
    .map(({ c }) => c);
  return { ...(winner ? { winner } : {}), matches, nearMisses };
}

/** Two matching paths of different Ingresses with the same host, path and type: the controller decides which wins. */
export function ingressConflicts(matches: readonly IngressCandidate[], classOf: (i: Ingress) => string | undefined): IngressCandidate[] {
  const w = matches[0];
  if (!w) return [];
  return matches.filter(
    (c) =>
      c !== w &&
      c.ingress !== w.ingress &&
      c.host === w.host &&
      c.pathValue.replace(/\/+$/, '') === w.pathValue.replace(/\/+$/, '') &&
      c.pathType === w.pathType &&
      classOf(c.ingress) === classOf(w.ingress),
  );
}
