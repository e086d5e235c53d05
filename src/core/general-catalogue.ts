import { defineCatalogue, entryOf, makeFinding, type CodeOf, type TypedEntry } from './catalogue.js';
import type { Evidence, Finding } from './finding.js';
import { DEFAULT_INVOCATION, commandLine, type Invocation } from './invocation.js';
import { canICommand, deniedScope, type Denied } from './k8s/access.js';
import { eventsFor } from './k8s/events.js';
import { refOf } from './k8s/refs.js';
import type { KubeEvent, Service } from './k8s/types.js';
import { closeNames } from './suggest.js';
import { plural, q } from './words.js';

/**
 * Findings that are not one command's: the object asked about does not exist, or a read was denied. Their hints
 * name the command in use (an `Invocation`), so `kubectl kdiag` runs and offline `-f FILE` runs get hints they
 * can paste.
 */

/**
 * `lookup` findings come before anything a command checks, `access` ones after; `traffic` ones are about how
 * traffic from outside reaches a Service (kdiag svc sorts them at its stage of that name, kdiag route after the
 * backend).
 */
export type GeneralStage = 'lookup' | 'traffic' | 'access';

/** Stages of `kdiag svc`'s order where a code shared with other commands sits (see SVC_STAGES). */
type SharedStage = 'service';

/*
 * `area` stays `svc`: `kdiag codes` prints it (`-o json` is a contract, and `command` repeats it), and kdiag svc
 * reports every one of these codes; kdiag route reports the traffic ones too (one fact, one code).
 */
export const GENERAL_CATALOGUE = [
  {
    code: 'namespace-not-found',
    area: 'svc',
    stage: 'lookup',
    severities: ['error'],
    title: 'Namespace does not exist',
    meaning: 'The namespace named with -n (or the context default) does not exist, so neither does the Service.',
    detection:
      'A get of the namespace returns 404 (offline: no object in the input is in that namespace). Close namespace names are suggested by edit distance.',
    fix: 'Pass the right namespace with -n; `kubectl get namespaces` lists them.',
  },
  {
    code: 'service-not-found',
    area: 'svc',
    stage: 'lookup',
    severities: ['error'],
    title: 'Service does not exist',
    meaning: 'There is no Service with this name in the namespace.',
    detection:
      "A get of the Service returns 404. kdiag lists the namespace's Service names (metadata only) to suggest close names, and Services of the same name in other namespaces (if RBAC allows listing across namespaces).",
    fix: 'Use one of the suggested names or namespaces, or create the Service.',
  },
  {
    code: 'rbac-partial',
    area: 'svc',
    stage: 'access',
    severities: ['info'],
    title: 'Some checks could not be done',
    meaning: 'An optional read was denied, so kdiag could not check something; the rest of the report stands.',
    detection:
      'A 403 on an optional read (pods in other namespaces, nodes, events, NetworkPolicies, workloads); the verb, resource and namespace are named.',
    fix: 'Ask for the named permission, or run the named check yourself (kubectl auth can-i <verb> <resource>).',
  },
  {
    code: 'dns-external-name-ip',
    area: 'dns',
    stage: 'service',
    severities: ['warning'],
    title: 'ExternalName holds an IP address',
    meaning: 'spec.externalName must be a host name: a CNAME cannot point at an IP address, so CoreDNS answers NXDOMAIN.',
    detection:
      'spec.externalName of an ExternalName Service parses as an IP address. Reported by kdiag dns for a name that resolves to it, and by kdiag svc and kdiag audit for the Service itself.',
    fix: 'Use a Service without a selector and an EndpointSlice holding the IP, or put a host name in spec.externalName.',
  },
  {
    code: 'external-traffic-policy-local',
    area: 'svc',
    stage: 'traffic',
    severities: ['info', 'warning'],
    title: 'externalTrafficPolicy: Local',
    meaning:
      "Traffic from outside the cluster is only accepted by nodes running a ready endpoint; other nodes drop it (and fail the load balancer's health check).",
    detection:
      'spec.externalTrafficPolicy is Local on a NodePort or LoadBalancer Service; the nodes holding ready endpoints are named (info). kdiag route svc/NAME also reads the nodes and names those without a ready local endpoint: then a warning.',
    fix: 'Expected with Local: keep it to preserve client IPs, or set Cluster to accept traffic on every node.',
  },
  {
    code: 'load-balancer-pending',
    area: 'svc',
    stage: 'traffic',
    severities: ['warning', 'error'],
    title: 'LoadBalancer has no address',
    meaning:
      'The LoadBalancer Service has no external address yet: no load-balancer controller is running (bare metal without MetalLB), or it failed.',
    detection:
      "spec.type is LoadBalancer and status.loadBalancer.ingress is empty; the Service's events (SyncLoadBalancerFailed) are quoted. A warning in kdiag svc and kdiag audit (traffic inside the cluster still flows); an error in kdiag route svc/NAME, whose way in goes through the missing load balancer.",
    fix: 'Install or fix the load-balancer controller (cloud controller manager, MetalLB), or use a NodePort or port-forward.',
  },
] as const satisfies readonly TypedEntry<string, GeneralStage | SharedStage>[];

export type GeneralCode = CodeOf<typeof GENERAL_CATALOGUE>;
export type GeneralEntry = (typeof GENERAL_CATALOGUE)[number];

export const GENERAL_CODES: ReadonlyMap<string, GeneralEntry> = defineCatalogue(GENERAL_CATALOGUE);

/** What is known when the object asked about was not found. */
export interface NotFoundFacts {
  namespace: string;
  /** The Service's name. */
  name: string;
  /** Existing namespace names (for suggestions), when read. */
  namespaceNames?: readonly string[];
  /** The namespace's Service names (for suggestions), when read. */
  serviceNamesInNamespace?: readonly string[];
  /** Services of the same name in other namespaces. */
  sameNameElsewhere?: readonly { namespace: string; name: string }[];
}

function elsewhereEvidence(name: string, elsewhere: readonly { namespace: string }[]): Evidence {
  const nss = elsewhere.map((x) => x.namespace).join(', ');
  return { kind: 'services', value: `a Service named ${q(name)} exists in namespace${elsewhere.length > 1 ? 's' : ''} ${nss}` };
}

/** `namespace-not-found`, with close namespace names. */
export function namespaceNotFound(s: NotFoundFacts, inv: Invocation = DEFAULT_INVOCATION): Finding {
  const close = closeNames(s.namespace, s.namespaceNames ?? []);
  const evidence: Evidence[] = [{ kind: 'namespace', object: { kind: 'Namespace', name: s.namespace }, value: 'not found' }];
  if (close.length > 0) evidence.push({ kind: 'suggestion', value: `close namespace names: ${close.join(', ')}` });
  else if (s.namespaceNames && s.namespaceNames.length > 0 && s.namespaceNames.length <= 10) {
    evidence.push({ kind: 'namespaces', value: `existing namespaces: ${[...s.namespaceNames].sort().join(', ')}` });
  }
  const elsewhere = s.sameNameElsewhere ?? [];
  if (elsewhere.length > 0) evidence.push(elsewhereEvidence(s.name, elsewhere));
  let hint = `list the namespaces: kubectl get namespaces`;
  // A close namespace that holds the Service comes first; a close one known not to hold it is suggested without
  // the Service's name (and where a Service of that name is, if anywhere).
  const closeWithService = close.find((ns) => elsewhere.some((x) => x.namespace === ns));
  const known = s.sameNameElsewhere !== undefined;
  const inOther = elsewhere[0]?.namespace;
  if (closeWithService) hint = `did you mean -n ${closeWithService}? ${commandLine(inv, s.name, '-n', closeWithService)}`;
  else if (close.length > 0 && known) {
    hint = `did you mean -n ${close[0]}? It holds no Service named ${q(s.name)} either: ${commandLine(inv, 'NAME', '-n', close[0]!)}`;
    if (inOther) hint += `; a Service of that name is in namespace ${inOther}: ${commandLine(inv, s.name, '-n', inOther)}`;
  } else if (close.length > 0) hint = `did you mean -n ${close[0]}? ${commandLine(inv, s.name, '-n', close[0]!)}`;
  else if (inOther) hint = `the Service is in namespace ${inOther}: ${commandLine(inv, s.name, '-n', inOther)}`;
  return makeFinding(entryOf(GENERAL_CODES, 'namespace-not-found'), {
    message: `Namespace ${q(s.namespace)} does not exist.`,
    evidence,
    hint,
    object: { kind: 'Namespace', name: s.namespace },
  });
}

function serviceNamesEvidence(s: NotFoundFacts, names: readonly string[], close: readonly string[]): Evidence {
  let value = `namespace ${s.namespace} has ${plural(names.length, 'Service')}, none with a close name`;
  if (names.length === 0) value = `namespace ${s.namespace} has no Services`;
  else if (close.length > 0) value = `close names in namespace ${s.namespace}: ${close.join(', ')}`;
  return { kind: 'services', value };
}

/** `service-not-found`, with close names in the namespace and the same name elsewhere. */
export function serviceNotFound(s: NotFoundFacts, inv: Invocation = DEFAULT_INVOCATION): Finding {
  const close = closeNames(s.name, s.serviceNamesInNamespace ?? []);
  const elsewhere = (s.sameNameElsewhere ?? []).filter((x) => x.namespace !== s.namespace);
  const evidence: Evidence[] = [];
  if (s.serviceNamesInNamespace) evidence.push(serviceNamesEvidence(s, s.serviceNamesInNamespace, close));
  if (elsewhere.length > 0) evidence.push(elsewhereEvidence(s.name, elsewhere));
  let hint = `list the Services: kubectl get services -n ${s.namespace}`;
  if (close.length > 0) hint = `did you mean ${q(close[0]!)}? ${commandLine(inv, close[0]!, '-n', s.namespace)}`;
  else if (elsewhere.length > 0) hint = `the Service is in another namespace: ${commandLine(inv, s.name, '-n', elsewhere[0]!.namespace)}`;
  return makeFinding(entryOf(GENERAL_CODES, 'service-not-found'), {
    message: `Service ${q(s.name)} does not exist in namespace ${q(s.namespace)}.`,
    evidence,
    hint,
    object: { kind: 'Service', namespace: s.namespace, name: s.name },
  });
}

/** How a command words what a denied read prevented. */
export interface RbacWording {
  /** What the denied read prevented, in the command's terms (`NetworkPolicies were not checked`). */
  means: (d: Denied) => string;
  /** Another way to the same result, appended to the hint (`give the ranges with --pod-cidr`). */
  alternative?: string;
}

/** `rbac-partial`: one info finding per distinct denied read (the one builder every command uses). */
export function rbacPartial(denied: readonly Denied[], wording: RbacWording): Finding[] {
  const entry = entryOf(GENERAL_CODES, 'rbac-partial');
  const seen = new Set<string>();
  const out: Finding[] = [];
  // Optional reads run in parallel and are denied in the order their answers arrive: sort, so that the same
  // denials always print the same way (cluster scope first, then by resource, namespace and verb).
  const order = (d: Denied) => `${d.namespace === undefined ? 0 : 1}|${d.resource}|${d.namespace ?? ''}|${d.verb}`;
  for (const d of [...denied].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
    const key = `${d.verb}|${d.resource}|${d.namespace ?? '*'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const what = `${d.verb} ${d.resource} ${deniedScope(d)}`;
    const alternative = wording.alternative ? `; or ${wording.alternative}` : '';
    out.push(
      makeFinding(entry, {
        message: `Could not ${what}: ${wording.means(d)}.`,
        evidence: [{ kind: 'rbac', value: `${what}: ${d.message}` }],
        hint: `ask for permission to ${what}; check with: ${canICommand(d)}${alternative}`,
      }),
    );
  }
  return out;
}

/** True when `target` (an ExternalName's spec.externalName) is an IPv4 or IPv6 literal, not a host name. */
export function isIpLiteral(target: string): boolean {
  const t = target.toLowerCase().replace(/\.$/, '');
  return /^[0-9.]+$/.test(t) || (t.includes(':') && /^[0-9a-f:.]+$/.test(t));
}

/**
 * `dns-external-name-ip`: an ExternalName Service whose spec.externalName is an IP literal (or empty). One code
 * and one wording wherever it is found: kdiag dns (a name resolving to the Service), kdiag svc and kdiag audit.
 */
export function externalNameIp(svc: { metadata: { name: string; namespace?: string }; spec?: { externalName?: string } }): Finding {
  const target = svc.spec?.externalName ?? '';
  const object = { kind: 'Service', namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name };
  return makeFinding(entryOf(GENERAL_CODES, 'dns-external-name-ip'), {
    message: `ExternalName Service ${svc.metadata.name} points at the IP address ${target}: a CNAME needs a host name, so the name does not resolve.`,
    evidence: [{ kind: 'service', object, field: 'spec.externalName', value: target }],
    hint: `Replace the ExternalName with a Service without selector plus an EndpointSlice holding ${target}, or put a host name in spec.externalName.`,
    object,
  });
}

/**
 * `load-balancer-pending`: a LoadBalancer Service without an external address (the caller checks that it has
 * none); `events` are the Service's, the latest is quoted. kdiag svc's check and kdiag route's LB hop both build it
 * here, so the two commands say the same thing.
 */
export function loadBalancerPending(svc: Service, events: readonly KubeEvent[]): Finding {
  const ref = refOf(svc, 'Service');
  const evidence: Evidence[] = [{ kind: 'field', object: ref, field: 'status.loadBalancer.ingress', value: '(empty)' }];
  const ev = eventsFor([...events], svc, 'Service')[0];
  if (ev) evidence.push({ kind: 'event', object: ref, value: `${ev.reason ?? ''}: ${ev.message ?? ''}` });
  return makeFinding(entryOf(GENERAL_CODES, 'load-balancer-pending'), {
    message:
      `LoadBalancer Service ${q(svc.metadata.name)} has no external ` +
      `address${svc.metadata.creationTimestamp ? ` (created ${svc.metadata.creationTimestamp})` : ''}: no load-balancer ` +
      `controller has provisioned one${ev ? `; last event: ${ev.reason}` : ''}.`,
    evidence,
    hint:
      'install or fix the load-balancer controller (cloud controller manager, MetalLB); meanwhile reach it through its NodePort or ' +
      'kubectl port-forward',
    object: ref,
  });
}

/** What is known about the nodes of an `externalTrafficPolicy: Local` Service. */
export interface LocalPolicyNodes {
  /** Nodes with a ready endpoint of the Service (sorted); undefined when the status is not known (offline). */
  withReady?: readonly string[];
  /**
   * Nodes without one, when the nodes were read (kdiag route): they drop the Service's NodePort and
   * load-balancer traffic. Named, the finding becomes a warning.
   */
  without?: readonly string[];
}

/** `external-traffic-policy-local`: only nodes with a ready endpoint accept external traffic (kdiag svc and kdiag route). */
export function externalTrafficPolicyLocal(svc: Service, nodes: LocalPolicyNodes): Finding {
  const ref = refOf(svc, 'Service');
  const w = nodes.withReady;
  const base =
    `Service ${q(svc.metadata.name)} has externalTrafficPolicy: Local: traffic from outside the cluster is only accepted by nodes ` +
    `running a ready endpoint${w ? ` (${w.length > 0 ? w.join(', ') : 'none now'})` : ''}.`;
  const without = nodes.without ?? [];
  const evidence: Evidence[] = [{ kind: 'field', object: ref, field: 'spec.externalTrafficPolicy', value: 'Local' }];
  if (without.length > 0) evidence.push({ kind: 'nodes', value: `without a ready endpoint: ${without.join(', ')}` });
  return makeFinding(entryOf(GENERAL_CODES, 'external-traffic-policy-local'), {
    message:
      without.length > 0
        ? `${base} ${plural(without.length, 'node')} without a ready local endpoint drop its NodePort and load-balancer traffic and fail the health check: ${without.join(', ')}.`
        : base,
    evidence,
    hint:
      without.length > 0
        ? 'run an endpoint on every node that receives the traffic (or let the load balancer health-check the nodes), or use externalTrafficPolicy: Cluster'
        : 'expected with Local (it preserves client IPs); use externalTrafficPolicy: Cluster to accept traffic on every node',
    object: ref,
    ...(without.length > 0 ? { severity: 'warning' as const } : {}),
  });
}

/** The builders above and the codes each emits: with the checks' declarations, every code has one emitter. */
export const GENERAL_EMITTERS: readonly { name: string; codes: readonly GeneralCode[] }[] = [
  { name: 'namespaceNotFound', codes: ['namespace-not-found'] },
  { name: 'serviceNotFound', codes: ['service-not-found'] },
  { name: 'rbacPartial', codes: ['rbac-partial'] },
  { name: 'externalNameIp', codes: ['dns-external-name-ip'] },
  // loadBalancerPending and externalTrafficPolicyLocal are declared by kdiag svc's checks of those names, which
  // call them (kdiag route calls them too).
];
