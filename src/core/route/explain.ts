import type { Evidence, Finding, ObjectRef } from '../finding.js';
import { externalTrafficPolicyLocal, loadBalancerPending, rbacPartial } from '../general-catalogue.js';
import { readyCountForPort } from '../k8s/endpoints.js';
import type { Service, ServicePort } from '../k8s/types.js';
import { closeNames } from '../suggest.js';
import type { ServiceReport } from '../svc/explain.js';
import { q } from '../words.js';
import { routeFinding, routeStageIndex } from './catalogue.js';
import { ingressRuleLabel, type IngressCandidate } from './ingress-match.js';
import { routeRuleLabel, type HTTPRouteCandidate } from './httproute-match.js';
import { ingressHostMatch } from './match.js';
import { ingressClassOf, planRoute, type BackendChoice, type ParentVerdict, type RouteChoice, type RoutePlan } from './plan.js';
import type { BackendFacts, RouteSnapshot } from './snapshot.js';
import { certificateCovers, daysLeft, EXPIRY_WARNING_DAYS } from './tls.js';
import type { Condition, Gateway, HTTPRoute, Ingress, ReferenceGrant, SecretFacts } from './types.js';

/** One hop of the chain: request → rule → class/Gateway → TLS → Service port → target port → ready pods. */
export interface Hop {
  kind:
    | 'request'
    | 'ingress-rule'
    | 'httproute-rule'
    | 'class'
    | 'gateway'
    | 'listener'
    | 'address'
    | 'tls'
    | 'service'
    | 'target-port'
    | 'pods'
    | 'exposure';
  object: ObjectRef | null;
  /** null: unknown (not readable, or nothing a controller reports). */
  ok: boolean | null;
  detail: string;
}

/** A weighted backend and the `kdiag svc` report of its Service. */
export interface RouteBackend {
  weight: number;
  namespace: string;
  name: string;
  report: ServiceReport | null;
}

/** What `explainRoute` returns. */
export interface RouteReport {
  request: { url: string; host: string; path: string; port: number } | null;
  /** What was followed, in words (`https://shop.example.com/api`, `ingress/shop/web`). */
  target: string;
  hops: Hop[];
  findings: Finding[];
  backends: RouteBackend[];
  /** Closest misses of a URL, with why each missed. */
  nearMisses: { object: ObjectRef; rule: string; why: string }[];
  /** What the API cannot show, and the test that would. */
  notes: string[];
}

export interface RouteExplainOptions {
  /** The time certificates are checked against. */
  now: Date;
}

const ref = (kind: string, o: { metadata: { namespace?: string; name: string } }): ObjectRef => ({
  kind,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  name: o.metadata.name,
});

function cond(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return (conds ?? []).find((c) => c.type === type);
}

function condText(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`;
}

class Builder {
  hops: Hop[] = [];
  findings: Finding[] = [];
  private seen = new Set<string>();
  constructor(
    readonly s: RouteSnapshot,
    readonly plan: RoutePlan,
    readonly opts: RouteExplainOptions,
  ) {}
  hop(h: Hop): void {
    this.hops.push(h);
  }
  add(f: Finding): void {
    const k = `${f.code}|${f.message}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.findings.push(f);
  }
  secret(ns: string, name: string): SecretFacts | undefined {
    return this.s.secrets.find((x) => x.namespace === ns && x.name === name);
  }
  backend(b: BackendChoice): BackendFacts | undefined {
    return this.s.backends.find((x) => x.namespace === b.namespace && x.name === b.name);
  }
}

/** Explains the way a request (or the named object's rules) takes, hop by hop. Pure. */
export function explainRoute(s: RouteSnapshot, opts: RouteExplainOptions): RouteReport {
  const plan = planRoute(s);
  const b = new Builder(s, plan, opts);
  const t = s.target;
  const req = t.kind === 'url' ? t.request : undefined;
  const nearMisses: RouteReport['nearMisses'] = [];
  if (req) {
    b.hop({
      kind: 'request',
      object: null,
      ok: true,
      detail: `${req.method ?? 'GET'} ${req.scheme}://${req.host}${req.port === (req.scheme === 'https' ? 443 : 80) ? '' : `:${req.port}`}${req.path} (host ${req.host}, port ${req.port})`,
    });
    for (const c of plan.ingress?.nearMisses ?? [])
      nearMisses.push({ object: ref('Ingress', c.ingress), rule: ingressRuleLabel(c).replace(/^\S+ /, ''), why: c.why ?? '' });
    for (const m of plan.routeMisses.slice(0, 5))
      nearMisses.push({ object: ref('HTTPRoute', m.route), rule: m.why.split(':')[0]!, why: m.why.slice(m.why.indexOf(':') + 2) });
  }
  if ((t.kind === 'ingress' || t.kind === 'httproute') && s.targetMissing) {
    b.hop({
      kind: t.kind === 'ingress' ? 'ingress-rule' : 'httproute-rule',
      object: { kind: t.kind === 'ingress' ? 'Ingress' : 'HTTPRoute', namespace: t.namespace, name: t.name },
      ok: false,
      detail: 'not found',
    });
    b.add(
      routeFinding('route-no-rule-matches', {
        message: `${t.kind === 'ingress' ? 'Ingress' : 'HTTPRoute'} ${t.namespace}/${t.name} does not exist, so it routes nothing.`,
        evidence: [{ kind: 'lookup', value: `no ${t.kind} named ${q(t.name)} in namespace ${t.namespace}` }],
        hint: `list them: kubectl get ${t.kind === 'ingress' ? 'ingress' : 'httproute'} -n ${t.namespace}`,
        object: { kind: t.kind === 'ingress' ? 'Ingress' : 'HTTPRoute', namespace: t.namespace, name: t.name },
      }),
    );
  }

  for (const c of req ? (s.addressClaims ?? []) : []) {
    const where =
      c.via === 'load-balancer'
        ? `the load-balancer address (status.loadBalancer.ingress)`
        : `the address of node ${c.node}, NodePort ${c.port.nodePort}`;
    b.hop({
      kind: 'address',
      object: { kind: 'Service', namespace: c.service.metadata.namespace ?? '', name: c.service.metadata.name },
      ok: true,
      detail: `${req!.host}:${req!.port} is ${where} of Service ${c.service.metadata.namespace}/${c.service.metadata.name} (port ${c.port.name ? `${c.port.name} ` : ''}${c.port.port})`,
    });
  }
  const claimed = (s.addressClaims ?? []).length > 0 && plan.backends.some((x) => x.from.kind === 'Service');
  if (plan.ingressPaths.length > 0) ingressHops(b, plan.ingressPaths, req);
  else if (plan.routes.length > 0) for (const r of plan.routes) routeHops(b, r, req);
  else if (req && !claimed) noRuleMatches(b, req, nearMisses);

  const backends: RouteBackend[] = [];
  if (t.kind === 'svc') {
    const facts = s.backends[0];
    svcHops(b, facts);
    if (facts?.report) backends.push({ weight: 1, namespace: facts.namespace, name: facts.name, report: facts.report });
  } else {
    for (const choice of plan.backends) {
      const facts = b.backend(choice);
      const ok = backendHops(b, choice, facts, choice.from.kind === 'HTTPRoute' && plan.backends.length > 1);
      backends.push({ weight: choice.weight, namespace: choice.namespace, name: choice.name, report: ok ? (facts?.report ?? null) : null });
    }
  }

  const own = b.findings
    .map((f, i) => ({ f, i }))
    .sort((x, y) => routeStageIndex(x.f.code) - routeStageIndex(y.f.code) || x.i - y.i)
    .map(({ f }) => f);
  const fromSvc: Finding[] = [];
  const seen = new Set(own.map((f) => `${f.code}|${f.message}`));
  // A shared code route reported itself about an object (a LoadBalancer, a traffic policy) is not repeated from svc.
  const ownAbout = new Set(own.map((f) => `${f.code}|${f.object?.namespace}/${f.object?.name}`));
  for (const bk of backends)
    for (const f of bk.report?.findings ?? []) {
      const k = `${f.code}|${f.message}`;
      if (!seen.has(k) && !ownAbout.has(`${f.code}|${f.object?.namespace}/${f.object?.name}`)) {
        seen.add(k);
        fromSvc.push(f);
      }
    }
  const access = rbacPartial(s.denied, { means: (d) => `${d.resource} were not checked${d.namespace ? ` in ${d.namespace}` : ''}` }).filter(
    (f) => !seen.has(`${f.code}|${f.message}`),
  );
  const notes = [
    'Not visible from the API: DNS outside the cluster (does the name point at the address above?), cloud firewalls and security groups, and what the controller actually loaded.',
  ];
  if (req)
    notes.push(
      `Test from outside: curl -sv ${req.url}${req.scheme === 'https' ? ' (add --resolve HOST:PORT:ADDRESS to try one address)' : ''}`,
    );
  return {
    request: req ? { url: req.url, host: req.host, path: req.path, port: req.port } : null,
    target: t.kind === 'url' ? t.request.url : `${t.kind}/${t.name} in namespace ${t.namespace}`,
    hops: b.hops,
    findings: [...own, ...fromSvc, ...access],
    backends,
    nearMisses,
    notes,
  };
}

function noRuleMatches(
  b: Builder,
  req: NonNullable<RouteSnapshot['target'] & { kind: 'url' }>['request'],
  misses: RouteReport['nearMisses'],
): void {
  const scope = b.s.namespace ? `namespace ${b.s.namespace}` : 'any namespace';
  const n = b.s.ingresses.length + b.s.httpRoutes.length;
  b.hop({
    kind: 'ingress-rule',
    object: null,
    ok: false,
    detail: `no Ingress rule or HTTPRoute in ${scope} claims ${req.host}${req.path} (${n} read)`,
  });
  const evidence: Evidence[] = misses.map((m) => ({ kind: 'near-miss', object: m.object, field: m.rule, value: m.why }));
  if (evidence.length === 0) evidence.push({ kind: 'rules', value: `no rule in ${scope} has host ${req.host} or a wildcard over it` });
  const first = misses[0];
  b.add(
    routeFinding('route-no-rule-matches', {
      message: `No Ingress rule or HTTPRoute in ${scope} claims host ${req.host} and path ${req.path}: the controller's default backend answers (usually 404).`,
      evidence,
      hint: first
        ? `closest: ${first.object.kind} ${first.object.namespace}/${first.object.name} ${first.rule}: ${first.why}`
        : `list the hosts: kubectl get ingress,httproute ${b.s.namespace ? `-n ${b.s.namespace}` : '-A'}`,
    }),
  );
}

// ---- Ingress ----

function ingressHops(
  b: Builder,
  paths: readonly IngressCandidate[],
  req: RouteSnapshot['target'] extends infer _ ? { scheme: string; host: string } | undefined : never,
): void {
  const done = new Set<Ingress>();
  for (const c of paths) {
    const backend = c.backend.service
      ? `service ${c.backend.service.name}:${c.backend.service.port?.number ?? c.backend.service.port?.name ?? '?'}`
      : c.backend.resource
        ? `resource ${c.backend.resource.kind}/${c.backend.resource.name}`
        : '(no backend)';
    b.hop({
      kind: 'ingress-rule',
      object: ref('Ingress', c.ingress),
      ok: true,
      detail:
        c.rule < 0
          ? `spec.defaultBackend (no rule matched) -> ${backend}`
          : `rules[${c.rule}] host ${c.host ?? '* (any)'} paths[${c.path}] ${c.pathType} ${c.pathValue} -> ${backend}`,
    });
    if (c.pathType === 'ImplementationSpecific')
      b.add(
        routeFinding('route-implementation-specific', {
          message: `Ingress ${c.ingress.metadata.name} matches with pathType ImplementationSpecific: how ${c.pathValue} matches depends on the controller (kdiag matched it as Prefix).`,
          evidence: [
            {
              kind: 'path',
              object: ref('Ingress', c.ingress),
              field: `spec.rules[${c.rule}].http.paths[${c.path}].pathType`,
              value: 'ImplementationSpecific',
            },
          ],
          hint: 'set pathType: Prefix or Exact for a portable match',
          object: ref('Ingress', c.ingress),
        }),
      );
    if (done.has(c.ingress)) continue;
    done.add(c.ingress);
    ingressClassHops(b, c.ingress);
    if (req?.scheme === 'https') ingressTls(b, c.ingress, [req.host]);
    else if (!req && (c.ingress.spec?.tls ?? []).length > 0) {
      const hosts = [...new Set((c.ingress.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => !!h))];
      ingressTls(b, c.ingress, hosts);
    }
  }
  for (const other of b.plan.ingressConflicts) b.add(ingressConflictFinding(paths[0]!, other));
}

/** `route-rules-conflict` for two Ingress paths of one class claiming the same host and path; `w` wins. */
export function ingressConflictFinding(w: IngressCandidate, other: IngressCandidate): Finding {
  return routeFinding('route-rules-conflict', {
    message: `Ingresses ${w.ingress.metadata.namespace}/${w.ingress.metadata.name} and ${other.ingress.metadata.namespace}/${other.ingress.metadata.name} (class ${ingressClassOf(w.ingress) ?? 'none'}) both claim host ${w.host ?? '*'} path ${w.pathValue} (${w.pathType}): the controller decides which wins (ingress-nginx: the oldest, here ${w.ingress.metadata.name}, or its webhook rejects the second).`,
    evidence: [w, other].map((c) => ({
      kind: 'rule',
      object: ref('Ingress', c.ingress),
      field: `spec.rules[${c.rule}].http.paths[${c.path}]`,
      value: `created ${c.ingress.metadata.creationTimestamp ?? '(unknown)'}`,
    })),
    hint: 'keep the host and path in one Ingress, or change one of them',
    object: ref('Ingress', other.ingress),
  });
}

function ingressClassHops(b: Builder, ing: Ingress): void {
  const name = ing.spec?.ingressClassName;
  const annotation = ing.metadata.annotations?.['kubernetes.io/ingress.class'];
  const obj = ref('Ingress', ing);
  if (name) {
    const classes = b.s.ingressClasses;
    const cls = classes?.find((c) => c.metadata.name === name);
    if (classes === undefined)
      b.hop({ kind: 'class', object: { kind: 'IngressClass', name }, ok: null, detail: `IngressClass ${name} (could not be read)` });
    else if (!cls) {
      b.hop({ kind: 'class', object: { kind: 'IngressClass', name }, ok: false, detail: `IngressClass ${name} does not exist` });
      const close = closeNames(
        name,
        classes.map((c) => c.metadata.name),
      );
      b.add(
        routeFinding('ingress-class-not-found', {
          message: `Ingress ${ing.metadata.name} names IngressClass ${q(name)}, which does not exist: no controller serves it.`,
          evidence: [
            { kind: 'field', object: obj, field: 'spec.ingressClassName', value: name },
            {
              kind: 'ingressclasses',
              value: classes.length
                ? `existing classes: ${classes.map((c) => c.metadata.name).join(', ')}`
                : 'the cluster has no IngressClass',
            },
          ],
          hint: close[0]
            ? `did you mean ${q(close[0])}? kubectl patch ingress ${ing.metadata.name} -n ${ing.metadata.namespace} --type merge -p '{"spec":{"ingressClassName":"${close[0]}"}}'`
            : 'install the controller that brings this class, or set spec.ingressClassName to an existing one (kubectl get ingressclass)',
          object: obj,
        }),
      );
    } else
      b.hop({
        kind: 'class',
        object: { kind: 'IngressClass', name },
        ok: true,
        detail: `IngressClass ${name} (controller ${cls.spec?.controller ?? 'unknown'})`,
      });
  } else if (annotation) {
    b.hop({ kind: 'class', object: null, ok: null, detail: `annotation kubernetes.io/ingress.class: ${annotation} (deprecated)` });
    b.add(
      routeFinding('ingress-class-annotation', {
        message: `Ingress ${ing.metadata.name} picks its controller with the deprecated kubernetes.io/ingress.class annotation (${annotation}).`,
        evidence: [{ kind: 'annotation', object: obj, field: 'metadata.annotations.kubernetes.io/ingress.class', value: annotation }],
        hint: `set spec.ingressClassName: ${annotation} and drop the annotation`,
        object: obj,
      }),
    );
  } else {
    b.hop({ kind: 'class', object: null, ok: false, detail: 'no class (no spec.ingressClassName, no annotation)' });
    b.add(
      routeFinding('ingress-no-class', {
        message: `Ingress ${ing.metadata.name} names no class: no default IngressClass existed when it was created, and a later default does not apply to it.`,
        evidence: [{ kind: 'field', object: obj, field: 'spec.ingressClassName', value: '(unset)' }],
        hint: `set spec.ingressClassName (kubectl get ingressclass lists the classes)`,
        object: obj,
      }),
    );
  }
  const addrs = (ing.status?.loadBalancer?.ingress ?? []).map((a) => a.ip ?? a.hostname ?? '').filter(Boolean);
  if (addrs.length > 0) b.hop({ kind: 'address', object: obj, ok: true, detail: `admitted: address ${addrs.join(', ')}` });
  else {
    b.hop({
      kind: 'address',
      object: obj,
      ok: null,
      detail: `Ingress ${ing.metadata.name} has no address in status.loadBalancer.ingress (not admitted yet, or the controller writes no status)`,
    });
    b.add(
      routeFinding('ingress-not-admitted', {
        message: `No controller has given Ingress ${ing.metadata.name} an address (status.loadBalancer.ingress is empty).`,
        evidence: [{ kind: 'status', object: obj, field: 'status.loadBalancer.ingress', value: '(empty)' }],
        hint: `check that the controller of class ${ingressClassOf(ing) ?? '(none)'} runs, and its logs for ${ing.metadata.namespace}/${ing.metadata.name}`,
        object: obj,
      }),
    );
  }
}

function ingressTls(b: Builder, ing: Ingress, hosts: readonly string[]): void {
  const obj = ref('Ingress', ing);
  const tls = ing.spec?.tls ?? [];
  const checked = new Set<string>();
  for (const host of hosts) {
    const entry = tls.find((t) => (t.hosts ?? []).some((h) => ingressHostMatch(h, host).ok));
    if (!entry) {
      b.hop({
        kind: 'tls',
        object: obj,
        ok: false,
        detail: `host ${host} is in no spec.tls[].hosts: the controller's default certificate is served`,
      });
      b.add(
        routeFinding('tls-host-not-listed', {
          message: `Host ${host} is in no spec.tls[].hosts of Ingress ${ing.metadata.name}: HTTPS gets the controller's default certificate.`,
          evidence: [
            {
              kind: 'tls',
              object: obj,
              field: 'spec.tls',
              value: tls.length
                ? tls.map((t) => `${(t.hosts ?? []).join(',') || '(no hosts)'} -> ${t.secretName ?? '(no secret)'}`).join('; ')
                : '(none)',
            },
          ],
          hint: `add ${host} to a spec.tls entry whose secret's certificate covers it`,
          object: obj,
        }),
      );
      continue;
    }
    if (!entry.secretName) {
      b.hop({
        kind: 'tls',
        object: obj,
        ok: null,
        detail: `host ${host}: tls entry without secretName (the controller's default certificate)`,
      });
      continue;
    }
    secretHop(b, ing.metadata.namespace ?? '', entry.secretName, host, 'Ingress', obj, checked);
  }
}

/** The TLS hop and findings of one secret for one host. */
function secretHop(
  b: Builder,
  ns: string,
  name: string,
  host: string | null,
  forKind: 'Ingress' | 'Gateway',
  owner: ObjectRef,
  checked: Set<string>,
): void {
  const sref: ObjectRef = { kind: 'Secret', namespace: ns, name };
  const facts = b.secret(ns, name);
  const first = !checked.has(name);
  checked.add(name);
  if (!facts || facts.exists === null) {
    b.hop({ kind: 'tls', object: sref, ok: null, detail: `secret ${name} could not be read` });
    return;
  }
  if (!facts.exists) {
    b.hop({ kind: 'tls', object: sref, ok: false, detail: `secret ${name} does not exist` });
    b.add(
      routeFinding('tls-secret-not-found', {
        message: `TLS secret ${ns}/${name} named by ${owner.kind} ${owner.name} does not exist.`,
        evidence: [{ kind: 'secret', object: sref, value: 'not found' }],
        hint: `create it: kubectl create secret tls ${name} -n ${ns} --cert=FILE --key=FILE`,
        object: owner,
      }),
    );
    return;
  }
  const typeBad = facts.type !== 'kubernetes.io/tls';
  if (typeBad || !facts.certificate) {
    const why = typeBad ? `its type is ${facts.type ?? '(unset)'}, not kubernetes.io/tls` : (facts.problem ?? 'no certificate');
    b.hop({ kind: 'tls', object: sref, ok: false, detail: `secret ${name}: ${why}` });
    if (first)
      b.add(
        routeFinding('tls-secret-invalid', {
          message: `TLS secret ${ns}/${name} is not a usable certificate: ${why}.`,
          evidence: [{ kind: 'secret', object: sref, field: typeBad ? 'type' : 'data.tls.crt', value: why }],
          hint: `recreate it: kubectl create secret tls ${name} -n ${ns} --cert=FILE --key=FILE`,
          object: owner,
          severity: forKind === 'Gateway' ? 'error' : 'warning',
        }),
      );
    if (!facts.certificate) return;
  }
  const cert = facts.certificate!;
  const sans = cert.sans.join(', ') || '(no DNS names)';
  const left = daysLeft(cert, b.opts.now);
  const notYet = Date.parse(cert.notBefore) > b.opts.now.getTime();
  const covers = host === null || certificateCovers(cert, host);
  const dates = `valid ${cert.notBefore.slice(0, 10)} to ${cert.notAfter.slice(0, 10)}`;
  const ok = covers && left > 0 && !notYet && !typeBad;
  b.hop({ kind: 'tls', object: sref, ok, detail: `secret ${name}: SANs ${sans}; ${dates}${covers ? '' : `; does not cover ${host}`}` });
  if (!covers)
    b.add(
      routeFinding('tls-host-not-covered', {
        message: `The certificate in ${ns}/${name} does not cover ${host}: its names are ${sans}.`,
        evidence: [{ kind: 'certificate', object: sref, field: 'data.tls.crt', value: `SANs ${sans}` }],
        hint: `issue a certificate with ${host} (or *.${host!.split('.').slice(1).join('.')}) in its subjectAltName`,
        object: owner,
      }),
    );
  if (!first) return;
  if (left <= 0 || notYet)
    b.add(
      routeFinding('tls-certificate-expired', {
        message: notYet
          ? `The certificate in ${ns}/${name} is not valid before ${cert.notBefore}.`
          : `The certificate in ${ns}/${name} expired on ${cert.notAfter}.`,
        evidence: [{ kind: 'certificate', object: sref, field: 'data.tls.crt', value: dates }],
        hint: 'renew the certificate (check the issuer, e.g. cert-manager: kubectl describe certificate -n ' + ns + ')',
        object: owner,
      }),
    );
  else if (left < EXPIRY_WARNING_DAYS)
    b.add(
      routeFinding('tls-certificate-expiring', {
        message: `The certificate in ${ns}/${name} expires on ${cert.notAfter} (in ${Math.max(0, Math.floor(left))} days).`,
        evidence: [{ kind: 'certificate', object: sref, field: 'data.tls.crt', value: dates }],
        hint: 'renew it before it expires; check that automatic renewal works',
        object: owner,
      }),
    );
}

// ---- HTTPRoute ----

function routeHops(b: Builder, choice: RouteChoice, req: { scheme: string; host: string } | undefined): void {
  const route = choice.route;
  const obj = ref('HTTPRoute', route);
  const c = choice.candidate;
  if (c) {
    const backends = (route.spec?.rules?.[c.rule]?.backendRefs ?? [])
      .map((x) => `${x.name}:${x.port ?? '?'}${x.weight !== undefined ? ` (weight ${x.weight})` : ''}`)
      .join(', ');
    const m = route.spec?.rules?.[c.rule]?.matches?.[c.match];
    b.hop({
      kind: 'httproute-rule',
      object: obj,
      ok: true,
      detail: `${routeRuleLabel(c).replace(/^\S+ /, '')} hostname ${c.hostname ?? '* (any)'} ${m?.path?.type ?? 'PathPrefix'} ${m?.path?.value ?? '/'}${m?.method ? ` ${m.method}` : ''}${m?.headers?.length ? ` +${m.headers.length} header(s)` : ''} -> ${backends || '(no backends)'}`,
    });
    if (c.result.controllerDependent)
      b.add(
        routeFinding('route-implementation-specific', {
          message: `HTTPRoute ${route.metadata.name} matches with a RegularExpression: its syntax and anchoring are up to the implementation.`,
          evidence: [{ kind: 'match', object: obj, field: `spec.rules[${c.rule}].matches[${c.match}].path`, value: m?.path?.value ?? '' }],
          hint: 'use PathPrefix or Exact for a portable match',
          object: obj,
        }),
      );
    if (c.result.conditional.length > 0)
      b.add(
        routeFinding('route-match-conditional', {
          message: `HTTPRoute ${route.metadata.name} matches only if the request also has: ${c.result.conditional.join('; ')}.`,
          evidence: c.result.conditional.map((x) => ({
            kind: 'match',
            object: obj,
            field: `spec.rules[${c.rule}].matches[${c.match}]`,
            value: x,
          })),
          hint: 'repeat with -X and -H to follow one specific request',
          object: obj,
        }),
      );
    const others = b.plan.routeMatches.filter((o) => o.route !== route && sameRank(o, c));
    for (const o of others) b.add(routeConflictFinding(c, o));
  } else {
    b.hop({
      kind: 'httproute-rule',
      object: obj,
      ok: true,
      detail: `hostnames ${(route.spec?.hostnames ?? []).join(', ') || '* (any)'}; ${(route.spec?.rules ?? []).length} rule(s)`,
    });
  }
  if ((route.spec?.parentRefs ?? []).length === 0) {
    b.hop({ kind: 'gateway', object: null, ok: false, detail: 'the route names no parent Gateway' });
    b.add(
      routeFinding('gateway-listener-mismatch', {
        message: `HTTPRoute ${route.metadata.name} has no parentRefs, so no Gateway serves it.`,
        evidence: [{ kind: 'field', object: obj, field: 'spec.parentRefs', value: '(empty)' }],
        hint: 'add spec.parentRefs naming the Gateway (and its listener with sectionName)',
        object: obj,
      }),
    );
  }
  const checked = new Set<string>();
  for (const p of choice.parents) parentHops(b, route, p, req, checked);
}

/** `route-rules-conflict` for two HTTPRoutes with the same hostname and match; `c` wins by the Gateway API's precedence. */
export function routeConflictFinding(
  c: Pick<HTTPRouteCandidate, 'route' | 'rule' | 'match'>,
  o: Pick<HTTPRouteCandidate, 'route' | 'rule' | 'match'>,
): Finding {
  const route = c.route;
  return routeFinding('route-rules-conflict', {
    message: `HTTPRoutes ${route.metadata.namespace}/${route.metadata.name} and ${o.route.metadata.namespace}/${o.route.metadata.name} claim the same hostname and match; by the Gateway API's precedence ${route.metadata.namespace}/${route.metadata.name} wins (older, or first by namespace/name).`,
    evidence: [c, o].map((x) => ({
      kind: 'match',
      object: ref('HTTPRoute', x.route),
      field: `spec.rules[${x.rule}].matches[${x.match}]`,
      value: `created ${x.route.metadata.creationTimestamp ?? '(unknown)'}`,
    })),
    hint: 'remove the duplicate match, or make one more specific',
    object: ref('HTTPRoute', o.route),
  });
}

function sameRank(a: HTTPRouteCandidate, b: HTTPRouteCandidate): boolean {
  const r = (x: typeof a) =>
    [x.hostname, x.result.exact, x.result.prefixLength, x.result.method, x.result.headers, x.result.query].join('|');
  const m = (x: typeof a) => JSON.stringify(x.route.spec?.rules?.[x.rule]?.matches?.[x.match] ?? {});
  return r(a) === r(b) && m(a) === m(b);
}

function parentHops(
  b: Builder,
  route: HTTPRoute,
  p: ParentVerdict,
  req: { scheme: string; host: string } | undefined,
  checked: Set<string>,
): void {
  const robj = ref('HTTPRoute', route);
  const gref: ObjectRef = { kind: 'Gateway', namespace: p.namespace, name: p.ref.name };
  const gw = p.gateway;
  if (!gw) {
    b.hop({ kind: 'gateway', object: gref, ok: false, detail: `Gateway ${p.namespace}/${p.ref.name} does not exist` });
    b.add(
      routeFinding('gateway-listener-mismatch', {
        message: `HTTPRoute ${route.metadata.name} names parent Gateway ${p.namespace}/${p.ref.name}, which does not exist.`,
        evidence: [{ kind: 'parentRef', object: robj, field: 'spec.parentRefs', value: `${p.namespace}/${p.ref.name}` }],
        hint: `fix spec.parentRefs (kubectl get gateway -A lists the Gateways)`,
        object: robj,
      }),
    );
    return;
  }
  gatewayClassHop(b, gw);
  const programmed = cond(gw.status?.conditions, 'Programmed');
  const addrs = (gw.status?.addresses ?? []).map((a) => a.value).join(', ');
  if (programmed?.status === 'False') {
    b.hop({ kind: 'gateway', object: gref, ok: false, detail: `Gateway ${gw.metadata.name}: ${condText(programmed)}` });
    b.add(
      routeFinding('gateway-not-programmed', {
        message: `Gateway ${p.namespace}/${gw.metadata.name} is not programmed: ${programmed.reason ?? ''}${programmed.message ? ` (${programmed.message})` : ''}.`,
        evidence: [{ kind: 'condition', object: gref, field: 'status.conditions', value: condText(programmed) }],
        hint: `kubectl describe gateway ${gw.metadata.name} -n ${p.namespace}, and the controller's logs`,
        object: gref,
      }),
    );
  } else
    b.hop({
      kind: 'gateway',
      object: gref,
      ok: programmed ? true : null,
      detail: `Gateway ${gw.metadata.name}${programmed ? ` ${condText(programmed)}` : ' (no Programmed condition yet)'}${addrs ? `; address ${addrs}` : ''}`,
    });
  const ok = p.listeners.filter((l) => l.ok);
  if (ok.length === 0) {
    b.hop({
      kind: 'listener',
      object: gref,
      ok: false,
      detail: p.listeners.map((l) => l.why).join('; ') || 'the Gateway has no listeners',
    });
    b.add(
      routeFinding('gateway-listener-mismatch', {
        message: `No listener of Gateway ${p.namespace}/${gw.metadata.name} takes HTTPRoute ${route.metadata.name}${req ? ` for ${req.host}` : ''}.`,
        evidence: p.listeners.map((l) => ({
          kind: 'listener',
          object: gref,
          field: `spec.listeners[${l.listener.name}]`,
          value: l.why ?? '',
        })),
        hint: 'point parentRefs at a listener that accepts the route (sectionName, port), widen allowedRoutes.namespaces, or fix the hostnames',
        object: robj,
      }),
    );
  } else {
    const l = ok[0]!;
    b.hop({
      kind: 'listener',
      object: gref,
      ok: true,
      detail: `listener ${l.listener.name} ${l.listener.protocol}/${l.listener.port}${l.listener.hostname ? ` hostname ${l.listener.hostname}` : ''}`,
    });
    if (l.listener.protocol === 'HTTPS' && (req === undefined || req.scheme === 'https')) {
      for (const cr of l.listener.tls?.certificateRefs ?? []) {
        const ns = cr.namespace ?? p.namespace;
        if (ns !== p.namespace && !granted(b, 'Gateway', p.namespace, ns, 'Secret', cr.name)) {
          referenceGrantMissing(b, gref, 'Gateway', p.namespace, { kind: 'Secret', namespace: ns, name: cr.name });
          continue;
        }
        secretHop(b, ns, cr.name, req?.host ?? (l.hostname && !l.hostname.startsWith('*') ? l.hostname : null), 'Gateway', gref, checked);
      }
    }
  }
  const st = (route.status?.parents ?? []).find(
    (s) => s.parentRef.name === p.ref.name && (s.parentRef.namespace ?? route.metadata.namespace) === p.namespace,
  );
  const accepted = cond(st?.conditions, 'Accepted');
  const resolved = cond(st?.conditions, 'ResolvedRefs');
  if (accepted?.status === 'False') {
    b.hop({ kind: 'gateway', object: gref, ok: false, detail: `route not accepted: ${condText(accepted)}` });
    b.add(
      routeFinding('gateway-route-not-accepted', {
        message: `Gateway ${p.namespace}/${p.ref.name} did not accept HTTPRoute ${route.metadata.name}: ${accepted.reason ?? 'no reason'}${accepted.message ? ` (${accepted.message})` : ''}.`,
        evidence: [{ kind: 'condition', object: robj, field: 'status.parents[].conditions', value: condText(accepted) }],
        hint: `fix what ${accepted.reason ?? 'the condition'} names; kubectl describe httproute ${route.metadata.name} -n ${route.metadata.namespace}`,
        object: robj,
      }),
    );
  } else if (accepted) b.hop({ kind: 'gateway', object: gref, ok: true, detail: `route ${condText(accepted)}` });
  if (resolved?.status === 'False')
    b.add(
      routeFinding('gateway-backend-not-resolved', {
        message: `Gateway ${p.namespace}/${p.ref.name} could not resolve the backends of HTTPRoute ${route.metadata.name}: ${resolved.reason ?? ''}${resolved.message ? ` (${resolved.message})` : ''}.`,
        evidence: [{ kind: 'condition', object: robj, field: 'status.parents[].conditions', value: condText(resolved) }],
        hint: 'fix the backendRefs the message names',
        object: robj,
      }),
    );
}

function gatewayClassHop(b: Builder, gw: Gateway): void {
  const name = gw.spec?.gatewayClassName ?? '';
  const cref: ObjectRef = { kind: 'GatewayClass', name };
  const classes = b.s.gatewayClasses;
  if (classes === undefined) {
    b.hop({ kind: 'class', object: cref, ok: null, detail: `GatewayClass ${name} (could not be read)` });
    return;
  }
  const cls = classes.find((c) => c.metadata.name === name);
  const accepted = cond(cls?.status?.conditions, 'Accepted');
  if (!cls || accepted?.status === 'False') {
    const why = !cls ? 'does not exist' : `is not accepted: ${condText(accepted!)}`;
    b.hop({ kind: 'class', object: cref, ok: false, detail: `GatewayClass ${name} ${why}` });
    b.add(
      routeFinding('gateway-class-not-accepted', {
        message: `GatewayClass ${q(name)} of Gateway ${gw.metadata.namespace}/${gw.metadata.name} ${why}: nothing programs the Gateway.`,
        evidence: [
          { kind: 'field', object: ref('Gateway', gw), field: 'spec.gatewayClassName', value: name },
          ...(cls
            ? [{ kind: 'condition', object: cref, field: 'status.conditions', value: condText(accepted!) }]
            : [
                {
                  kind: 'gatewayclasses',
                  value: classes.length ? `existing: ${classes.map((c) => c.metadata.name).join(', ')}` : 'the cluster has no GatewayClass',
                },
              ]),
        ],
        hint: cls
          ? `read the controller's reason: kubectl describe gatewayclass ${name}`
          : 'install the Gateway implementation for this class, or use an existing class (kubectl get gatewayclass)',
        object: ref('Gateway', gw),
      }),
    );
    return;
  }
  b.hop({
    kind: 'class',
    object: cref,
    ok: accepted ? true : null,
    detail: `GatewayClass ${name} (controller ${cls.spec?.controllerName ?? 'unknown'}${accepted ? `, ${condText(accepted)}` : ', no Accepted condition yet'})`,
  });
}

/** Whether a ReferenceGrant in `toNs` allows `fromKind` objects of `fromNs` to refer to `toKind` `name`. Unknown (not read): true. */
function granted(b: Builder, fromKind: string, fromNs: string, toNs: string, toKind: string, name: string): boolean {
  return grantAllows(b.s.referenceGrants, fromKind, fromNs, toNs, toKind, name);
}

/** Whether one of `grants` (in `toNs`) allows `fromKind` objects of `fromNs` to refer to `toKind` `name`. Unknown (undefined): true. */
export function grantAllows(
  grants: readonly ReferenceGrant[] | undefined,
  fromKind: string,
  fromNs: string,
  toNs: string,
  toKind: string,
  name: string,
): boolean {
  if (grants === undefined) return true;
  return grants.some(
    (g) =>
      g.metadata.namespace === toNs &&
      (g.spec?.from ?? []).some((f) => f.group === 'gateway.networking.k8s.io' && f.kind === fromKind && f.namespace === fromNs) &&
      (g.spec?.to ?? []).some((t) => (t.group ?? '') === '' && t.kind === toKind && (!t.name || t.name === name)),
  );
}

function referenceGrantMissing(b: Builder, from: ObjectRef, fromKind: string, fromNs: string, to: ObjectRef): void {
  b.hop({
    kind: to.kind === 'Secret' ? 'tls' : 'service',
    object: to,
    ok: false,
    detail: `${to.kind} ${to.namespace}/${to.name}: no ReferenceGrant in ${to.namespace} allows it`,
  });
  b.add(referenceGrantMissingFinding(from, fromKind, fromNs, to));
}

/** `gateway-reference-grant-missing`: `from` (a `fromKind` in `fromNs`) refers to `to` in another namespace without a grant. */
export function referenceGrantMissingFinding(from: ObjectRef, fromKind: string, fromNs: string, to: ObjectRef): Finding {
  return routeFinding('gateway-reference-grant-missing', {
    message: `${from.kind} ${from.namespace}/${from.name} refers to ${to.kind} ${to.namespace}/${to.name} in another namespace, and no ReferenceGrant in ${to.namespace} allows it.`,
    evidence: [{ kind: 'reference', object: from, value: `${fromKind} in ${fromNs} -> ${to.kind} ${to.namespace}/${to.name}` }],
    hint: `create a ReferenceGrant in ${to.namespace}: from {group: gateway.networking.k8s.io, kind: ${fromKind}, namespace: ${fromNs}} to {group: "", kind: ${to.kind}}`,
    object: from,
  });
}

// ---- Backends ----

function portList(svc: Service): string {
  return (svc.spec?.ports ?? []).map((p) => (p.name ? `${p.name}=${p.port}` : String(p.port))).join(', ') || '(none)';
}

/**
 * The backend's port is no port of its Service (by number or name): `ingress-backend-port-not-found` for an
 * Ingress, `gateway-backend-not-resolved` for an HTTPRoute; undefined when the port exists. kdiag route, kdiag svc
 * (the routes to a Service) and kdiag audit all check it here.
 */
export function backendPortFinding(choice: BackendChoice, svc: Service): Finding | undefined {
  if (portOf(svc, choice.port)) return undefined;
  const sref: ObjectRef = { kind: 'Service', namespace: choice.namespace, name: choice.name };
  const owner: ObjectRef = { kind: choice.from.kind, namespace: choice.from.namespace, name: choice.from.name };
  const ports = portList(svc);
  return routeFinding(choice.from.kind === 'HTTPRoute' ? 'gateway-backend-not-resolved' : 'ingress-backend-port-not-found', {
    message: `${choice.from.kind} ${choice.from.name} sends to port ${choice.port ?? '(unset)'} of Service ${choice.name}, which has no such port (its ports: ${ports}).`,
    evidence: [
      { kind: 'backend', object: owner, field: choice.from.where, value: `port ${choice.port ?? '(unset)'}` },
      { kind: 'ports', object: sref, field: 'spec.ports', value: ports },
    ],
    hint: `use a Service port (the port, not the container's targetPort): ${ports}`,
    object: owner,
  });
}

/** The Service port a backend names (by number or name; unset: the only port). */
export function portOf(svc: Service, port: number | string | undefined): ServicePort | undefined {
  const ports = svc.spec?.ports ?? [];
  if (port === undefined) return ports.length === 1 ? ports[0] : undefined;
  return typeof port === 'number' ? ports.find((p) => p.port === port) : ports.find((p) => p.name === port);
}

/** The backend hops (Service, port, target port, ready pods) and findings; true when the Service and port exist. */
function backendHops(b: Builder, choice: BackendChoice, facts: BackendFacts | undefined, several: boolean): boolean {
  const sref: ObjectRef = { kind: 'Service', namespace: choice.namespace, name: choice.name };
  const owner: ObjectRef = { kind: choice.from.kind, namespace: choice.from.namespace, name: choice.from.name };
  const w = several ? ` (weight ${choice.weight})` : '';
  const isRoute = choice.from.kind === 'HTTPRoute';
  if (choice.kind) {
    b.hop({ kind: 'service', object: null, ok: null, detail: `backend is a ${choice.kind} ${choice.name}: not followed` });
    return false;
  }
  if (
    isRoute &&
    choice.namespace !== choice.from.namespace &&
    !granted(b, 'HTTPRoute', choice.from.namespace, choice.namespace, 'Service', choice.name)
  ) {
    referenceGrantMissing(b, owner, 'HTTPRoute', choice.from.namespace, sref);
    return false;
  }
  const svc = facts?.service;
  if (!svc) {
    b.hop({
      kind: 'service',
      object: sref,
      ok: facts ? false : null,
      detail: `Service ${choice.namespace}/${choice.name}${w} ${facts ? 'does not exist' : 'could not be read'}`,
    });
    if (!facts) return false;
    const close = closeNames(choice.name, facts.namesInNamespace ?? []);
    const evidence: Evidence[] = [{ kind: 'backend', object: owner, field: choice.from.where, value: `service ${choice.name}` }];
    if (facts.namesInNamespace)
      evidence.push({
        kind: 'services',
        value: close.length
          ? `close names in ${choice.namespace}: ${close.join(', ')}`
          : `no close name among ${facts.namesInNamespace.length} Service(s) in ${choice.namespace}`,
      });
    const parts = {
      message: `${choice.from.kind} ${choice.from.name} sends ${choice.from.where} to Service ${q(choice.name)}, which does not exist in namespace ${choice.namespace}.`,
      evidence,
      hint: close[0] ? `did you mean ${q(close[0])}? fix ${choice.from.where}` : `create the Service, or fix ${choice.from.where}`,
      object: owner,
    };
    b.add(routeFinding(isRoute ? 'gateway-backend-not-resolved' : 'ingress-backend-service-not-found', parts));
    return false;
  }
  const sp = portOf(svc, choice.port);
  if (!sp) {
    b.hop({
      kind: 'service',
      object: sref,
      ok: false,
      detail: `Service ${choice.name}${w} has no port ${choice.port ?? '(unset)'}; its ports: ${portList(svc)}`,
    });
    b.add(backendPortFinding(choice, svc)!);
    return false;
  }
  b.hop({
    kind: 'service',
    object: sref,
    ok: true,
    detail: `Service ${choice.name}${w} port ${sp.name ? `${sp.name} ` : ''}${sp.port}/${sp.protocol ?? 'TCP'}`,
  });
  podHops(b, facts.report, sp);
  return true;
}

function podHops(b: Builder, r: ServiceReport | undefined, sp: ServicePort): void {
  if (!r) return;
  const tp = sp.targetPort ?? sp.port;
  const key = sp.name || String(sp.port);
  const resolved = r.pods.map((p) => p.targetPorts[key]).filter((x): x is number => typeof x === 'number');
  const portBad = r.findings.some(
    (f) => f.code === 'target-port-not-found' && (f.message.includes(` ${key} `) || f.message.includes(String(tp))),
  );
  b.hop({
    kind: 'target-port',
    object: null,
    ok: r.pods.length === 0 ? null : !portBad && resolved.length > 0,
    detail: `targetPort ${tp}${resolved.length ? ` -> container port ${[...new Set(resolved)].join(', ')}` : r.pods.length ? ' resolves on no pod' : ''}`,
  });
  if (!r.endpointsKnown) {
    b.hop({ kind: 'pods', object: null, ok: null, detail: 'endpoints not known (not in the input, or not readable)' });
    return;
  }
  const ready = readyCountForPort(r.endpoints, sp);
  b.hop({
    kind: 'pods',
    object: null,
    ok: ready > 0,
    detail: `${ready} ready endpoint${ready === 1 ? '' : 's'} on port ${key} (${r.endpoints.length} listed)`,
  });
}

function svcHops(b: Builder, facts: BackendFacts | undefined): void {
  const t = b.s.target as { namespace: string; name: string };
  const sref: ObjectRef = { kind: 'Service', namespace: t.namespace, name: t.name };
  const svc = facts?.service;
  if (!svc) {
    b.hop({ kind: 'service', object: sref, ok: false, detail: `Service ${t.namespace}/${t.name} does not exist` });
    return;
  }
  const type = svc.spec?.type ?? 'ClusterIP';
  b.hop({ kind: 'service', object: sref, ok: true, detail: `Service ${t.name} type ${type}` });
  const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
  if (type === 'LoadBalancer') {
    b.hop({
      kind: 'exposure',
      object: sref,
      ok: lb.length > 0,
      detail: lb.length ? `load balancer ${lb.join(', ')}` : 'no load-balancer address (pending)',
    });
    // The same finding kdiag svc gives (its report's, which quotes the Service's events), as route's own: an error
    // here, since the way in that was asked about goes through the load balancer that is missing.
    if (lb.length === 0) {
      const pending = facts.report?.findings.find((f) => f.code === 'load-balancer-pending') ?? loadBalancerPending(svc, []);
      b.add({ ...pending, severity: 'error' });
    }
  }
  if (type === 'LoadBalancer' || type === 'NodePort') {
    const np = (svc.spec?.ports ?? []).map((p) => `${p.nodePort ?? '?'}->${p.port}`).join(', ');
    const local = svc.spec?.externalTrafficPolicy === 'Local';
    let without: string[] = [];
    if (local) {
      const r = facts.report;
      const withReady = r?.endpointsKnown
        ? [...new Set(r.endpoints.filter((e) => e.ready && e.nodeName).map((e) => e.nodeName!))].sort()
        : undefined;
      without = withReady && b.s.nodeNames ? b.s.nodeNames.filter((n) => !withReady.includes(n)) : [];
      b.add(externalTrafficPolicyLocal(svc, { ...(withReady ? { withReady } : {}), without }));
    }
    b.hop({
      kind: 'exposure',
      object: sref,
      ok: local && without.length > 0 ? false : true,
      detail: `NodePort ${np} on every node${local ? ` (externalTrafficPolicy Local: only nodes with a ready endpoint answer${without.length ? `; ${without.join(', ')} drop it` : ''})` : ''}`,
    });
  } else
    b.hop({
      kind: 'exposure',
      object: sref,
      ok: null,
      detail: `type ${type}: not exposed outside the cluster by itself (an Ingress or Gateway routes to it)`,
    });
  for (const sp of svc.spec?.ports ?? []) podHops(b, facts?.report, sp);
}
