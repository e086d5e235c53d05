import { compareSeverity, type Evidence, type Finding, type ObjectRef, type Severity } from '../finding.js';
import { matchesMap } from '../k8s/selectors.js';
import type { Pod, Service } from '../k8s/types.js';
import { suggest, suggestionCost } from '../suggest.js';
import { externalNameIp } from '../general-catalogue.js';
import { DNS_CATALOGUE, dnsEntry, type DnsCode } from './catalogue.js';
import { dashIp } from './name.js';
import {
  addressesOf,
  effectivePolicy,
  effectiveResolver,
  indexCluster,
  isExternalName,
  isHeadless,
  lookup,
  publishedAddresses,
  UNALLOCATED,
  walk,
  zoneOf,
  type ClusterIndex,
  type EffectiveResolver,
  type LookupResult,
} from './resolver.js';
import type { DnsRecord, DnsReport, DnsSnapshot, ExplainDnsOptions, ObservedAnswer, ParsedName } from './types.js';
import { compareText } from '../compare.js';

// dns-external-name-ip is a general code (svc and audit report it too); it keeps its place in the dns order.
const ORDER = new Map<string, number>(
  DNS_CATALOGUE.flatMap((e) => (e.code === 'dns-headless-client-balancing' ? [e.code, 'dns-external-name-ip'] : [e.code])).map((c, i) => [
    c,
    i,
  ]),
);

/** Most severe first, then catalogue order, then as produced: deterministic for the same input. */
export function sortDnsFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => compareSeverity(a.f.severity, b.f.severity) || (ORDER.get(a.f.code) ?? 99) - (ORDER.get(b.f.code) ?? 99) || a.i - b.i)
    .map(({ f }) => f);
}

function finding(code: DnsCode, message: string, evidence: Evidence[], hint: string, object?: ObjectRef, severity?: Severity): Finding {
  return { code, severity: severity ?? dnsEntry(code).severity, message, evidence, hint, ...(object ? { object } : {}) };
}

const q = (s: string) => `"${s}"`;
const nsOf = (o: { metadata: { namespace?: string } }) => o.metadata.namespace ?? 'default';
const svcRef = (svc: Service): ObjectRef => ({ kind: 'Service', namespace: nsOf(svc), name: svc.metadata.name });

/** The name that reaches `svc` from the client namespace: the short name at home, `<svc>.<ns>` elsewhere. */
export function nameFrom(clientNs: string, svc: { namespace: string; name: string }): string {
  return svc.namespace === clientNs ? svc.name : `${svc.name}.${svc.namespace}`;
}

/** Where the name was meant to land in cluster DNS, read from its shape. */
function intendedFqdn(p: ParsedName, clientNs: string, domain: string, zones: readonly string[]): string | undefined {
  const ns = p.namespace ?? clientNs;
  switch (p.kind) {
    case 'service':
      return `${p.service}.${ns}.svc.${domain}`;
    case 'srv':
      return `_${p.srv!.port}._${p.srv!.protocol}.${p.service}.${ns}.svc.${domain}`;
    case 'endpoint':
      return `${p.endpoint}.${p.service}.${ns}.svc.${domain}`;
    case 'pod':
      return `${p.endpoint}.${ns}.pod.${domain}`;
    default:
      return zoneOf(p.host, zones) !== undefined ? p.host : undefined;
  }
}

interface Ctx {
  s: DnsSnapshot;
  p: ParsedName;
  idx: ClusterIndex;
  domain: string;
  clientNs: string;
  notes: string[];
  findings: Finding[];
  optsCause?: ExplainDnsOptions['noEndpointsCause'];
}

/**
 * Explains what a pod in the client namespace gets when it looks NAME up: the questions its resolver sends (search
 * list and ndots), how cluster DNS answers each (as CoreDNS's kubernetes plugin would, from the objects read),
 * the answer, and findings. Pure and deterministic.
 */
export function explainDns(s: DnsSnapshot, p: ParsedName, opts: ExplainDnsOptions = {}): DnsReport {
  const notes: string[] = [];
  const findings: Finding[] = [];
  let domain = s.clusterDomain.toLowerCase().replace(/\.$/, '');
  const served = s.corefile && s.corefile.zones.length > 0 ? s.corefile.zones.map((z) => z.toLowerCase().replace(/\.$/, '')) : [domain];

  // A name with a domain after .svc/.pod: is that domain served?
  if (
    p.domain !== undefined &&
    !served.includes(p.domain) &&
    (p.kind === 'service' || p.kind === 'srv' || p.kind === 'endpoint' || p.kind === 'pod')
  ) {
    if (s.clusterDomainSource === 'assumed' && !s.corefile && !opts.probe?.resolvConf) {
      domain = p.domain;
      notes.push(
        `The cluster domain could not be read; kdiag takes ${p.domain} from the name. Pass --cluster-domain (or --probe) to check it.`,
      );
    } else {
      findings.push(customDomain(s, p, domain, served));
    }
  }
  const idx = indexCluster({ ...s, clusterDomain: domain }, domain);
  const ctx: Ctx = { s, p, idx, domain, clientNs: s.clientNamespace, notes, findings, optsCause: opts.noEndpointsCause };
  const resolver = effectiveResolver(s, domain, opts.probe?.resolvConf);
  const base = {
    query: p,
    clientNamespace: s.clientNamespace,
    clusterDomain: domain,
    clusterDomainSource: s.clusterDomainSource,
    resolver: { search: resolver.search, ndots: resolver.ndots, source: resolver.source },
  };
  for (const d of s.denied ?? []) {
    notes.push(
      `Could not ${d.verb} ${d.resource}${d.namespace ? ` in namespace ${d.namespace}` : ''}: answers that depend on them may be wrong.`,
    );
  }
  if (p.kind === 'ip') {
    notes.push(`${p.host} is an IP address: there is nothing to look up.`);
    return { ...base, queries: [], answer: { records: [] }, findings: sortDnsFindings(findings), notes };
  }

  if (!s.corefile && p.kind === 'pod') {
    notes.push(
      'The CoreDNS Corefile was not read: kdiag assumes "pods insecure" (kubeadm\u2019s setting; the plugin\u2019s own default is disabled).',
    );
  }
  if (s.clientPod) {
    const pol = policyFinding(s.clientPod);
    if (pol) findings.push(pol);
  }

  const w = walk(idx, p, resolver, opts.addressTypes ?? ['A', 'AAAA']);
  nodeSearchNote(ctx, resolver, w.answered?.fqdn);
  const records = dedupe(w.answered ? w.answered.results.flatMap((r) => r.records) : []);
  for (const r of records) {
    if (r.type === 'CNAME' && zoneOf(r.value, idx.zones) === undefined) {
      notes.push(`${r.value} (the CNAME's target) is outside the cluster: its addresses come from upstream DNS, not checked.`);
    }
  }

  // A name written with another served zone (a Corefile may serve several) is meant in that zone.
  const intendedDomain = p.domain !== undefined && idx.zones.includes(p.domain) ? p.domain : domain;
  const intended = intendedFqdn(p, s.clientNamespace, intendedDomain, idx.zones);
  if (w.answered) {
    const first = w.answered.results[0]!;
    if (intended && w.answered.fqdn !== intended && p.domain === undefined && (p.kind === 'service' || p.kind === 'srv')) {
      notes.push(`${w.answered.fqdn} answered first, before ${intended} was tried.`);
    }
    answeredFindings(ctx, first, records);
  } else if (resolver.clusterDns) {
    const zone = intended ? zoneOf(intended, idx.zones) : undefined;
    if (intended && zone !== undefined) {
      const r = lookup(idx, intended, zone, p.queryType === 'SRV' ? 'SRV' : 'A');
      // NOERROR here: the name works once written right (a wrong cluster domain, reported above).
      if (r.rcode === 'NXDOMAIN') missFindings(ctx, intended, r);
    } else {
      notes.push(`${p.host} is not a cluster name: it is resolved by upstream DNS, which kdiag does not check.`);
    }
  }
  if (w.reachedUpstream && !w.answered && resolver.clusterDns && intended) {
    notes.push('Names outside the cluster zones are forwarded upstream; kdiag does not check their answers.');
  }

  if (opts.probe?.observed) {
    const m = probeMismatch(p, records, w.answered !== undefined, w.reachedUpstream, opts.probe.observed);
    if (m === 'unknown') notes.push('The probe\u2019s answer was not compared: the expected answer comes from upstream DNS.');
    else if (m) findings.push(m);
  }

  return { ...base, queries: w.queries, answer: { records }, findings: sortDnsFindings(findings), notes };
}

function dedupe(records: DnsRecord[]): DnsRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = `${r.type} ${r.name} ${JSON.stringify(r.value)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function nodeSearchNote(ctx: Ctx, resolver: EffectiveResolver, answeredFqdn: string | undefined): void {
  if (!resolver.nodeSearchUnknown || ctx.p.absolute) return;
  const dots = (ctx.p.host.match(/\./g) ?? []).length;
  const asIsLast = dots < resolver.ndots;
  // The node's search domains follow the pod's own: before the name as written when that comes last.
  const matters = answeredFqdn === undefined || (asIsLast && answeredFqdn === ctx.p.host);
  if (!matters) return;
  const where = resolver.policy === 'Default' ? "the node's search domains" : "the node's search domains (after the cluster ones)";
  ctx.notes.push(`The resolver also tries ${where}; they are unknown without --probe, and a name there could answer first.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Findings when the name resolves.

function answeredFindings(ctx: Ctx, r: LookupResult, records: DnsRecord[]): void {
  const svc = r.service;
  if (!svc) return;
  const ref = svcRef(svc);
  if (isExternalName(svc)) return;
  const addresses = records.filter((x) => x.type === 'A' || x.type === 'AAAA');
  if (isHeadless(svc) && ctx.p.kind === 'service' && addresses.length > 1) {
    ctx.findings.push(
      finding(
        'dns-headless-client-balancing',
        `${svc.metadata.name} is headless: the name answers with ${addresses.length} pod addresses, and most clients use the first one and keep it.`,
        [
          { kind: 'service', object: ref, field: 'spec.clusterIP', value: 'None' },
          { kind: 'answer', value: addresses.map((a) => a.value as string).join(', ') },
        ],
        'Give the Service a cluster IP for kube-proxy balancing, or use a client that balances over every address and resolves again (gRPC round_robin, a mesh).',
        ref,
      ),
    );
  }
  if (!isHeadless(svc)) noEndpoints(ctx, svc, 'warning');
  if (ctx.p.port !== undefined) portCheck(ctx, svc);
}

function noEndpoints(ctx: Ctx, svc: Service, severity: Severity, opts?: { cause?: string }): void {
  const ref = svcRef(svc);
  if ((ctx.s.denied ?? []).some((d) => d.resource.startsWith('endpointslices'))) return;
  const published = publishedAddresses(ctx.idx, svc);
  if (published.length > 0) return;
  const all = addressesOf(ctx.idx, svc);
  const cause = opts?.cause ?? ctx.optsCause?.({ namespace: ref.namespace!, name: ref.name });
  const ignore = ctx.idx.ignoreEmptyService;
  const evidence: Evidence[] = [
    {
      kind: 'endpoints',
      object: ref,
      value: all.length === 0 ? 'no EndpointSlice lists an address' : `${all.length} address${all.length > 1 ? 'es' : ''}, none ready`,
    },
  ];
  if (cause) evidence.push({ kind: 'cause', object: ref, value: cause });
  if (ignore) evidence.push({ kind: 'corefile', value: 'kubernetes plugin: ignore empty_service (the name answers NXDOMAIN)' });
  ctx.findings.push(
    finding(
      'dns-service-no-endpoints',
      ignore
        ? `Service ${svc.metadata.name} has no ready endpoint, and CoreDNS ("ignore empty_service") answers NXDOMAIN for it.`
        : `${svc.metadata.name} resolves to its cluster IP, but the Service has no ready endpoint: connections will fail${cause ? ` (${cause})` : ''}.`,
      evidence,
      `kdiag svc ${svc.metadata.name} -n ${ref.namespace} explains why it has no endpoints.`,
      ref,
      ignore ? 'error' : severity,
    ),
  );
}

function portCheck(ctx: Ctx, svc: Service): void {
  const port = ctx.p.port!;
  const ref = svcRef(svc);
  const shown = ctx.p.scheme && !/:\d+/.test(ctx.p.input.replace(/^[a-z]+:\/\//i, '')) ? ` (the ${ctx.p.scheme} default)` : '';
  let ports: number[];
  let field: string;
  if (isHeadless(svc) || ctx.p.kind === 'endpoint') {
    ports = [
      ...new Set(
        addressesOf(ctx.idx, svc)
          .flatMap((a) => (a.slice.ports ?? []).map((x) => x.port))
          .filter((x): x is number => x !== undefined),
      ),
    ];
    field = 'endpointslice.ports[].port';
    if (ports.length === 0)
      ports = [...new Set((svc.spec?.ports ?? []).map((x) => (typeof x.targetPort === 'number' ? x.targetPort : x.port)))];
    if (ports.length === 0) return;
  } else {
    ports = (svc.spec?.ports ?? []).map((x) => x.port);
    field = 'spec.ports[].port';
  }
  if (ports.includes(port)) return;
  const targetMatch = (svc.spec?.ports ?? []).find((x) => x.targetPort === port);
  const list = ports.sort((a, b) => a - b).join(', ');
  const hint = targetMatch
    ? `${port} is the targetPort (the pods' port); through the Service use port ${targetMatch.port}: ${ctx.p.scheme ?? 'http'}://${ctx.p.host}:${targetMatch.port}`
    : `use ${ports.length === 1 ? `port ${ports[0]}` : `one of ports ${list}`}, or add port ${port} to the Service`;
  ctx.findings.push(
    finding(
      'dns-port-not-on-service',
      `Port ${port}${shown} is not a port of ${isHeadless(svc) ? 'headless ' : ''}Service ${svc.metadata.name} (${list || 'none'}): the name resolves but the connection fails.`,
      [{ kind: 'port', object: ref, field, value: list || '(none)' }],
      hint,
      ref,
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Findings when the name does not resolve in the cluster.

function missFindings(ctx: Ctx, intended: string, r: LookupResult): void {
  const { p } = ctx;
  const ns = p.namespace ?? ctx.clientNs;
  switch (r.miss) {
    case 'headless-no-ready':
      return headlessNoReady(ctx, r.service!);
    case 'empty-service':
      return noEndpoints(ctx, r.service!, 'error');
    case 'external-name-ip':
      ctx.findings.push(externalNameIp(r.service!));
      return;
    case 'no-service':
      if (p.namespace === undefined && (p.kind === 'service' || p.kind === 'srv')) {
        const elsewhere = ctx.s.services.filter((x) => x.metadata.name === p.service && nsOf(x) !== ns);
        if (elsewhere.length > 0) return crossNamespace(ctx, elsewhere);
      }
      return notFound(ctx, intended, r.reason);
    case 'no-namespace':
      if ((p.kind === 'service' || p.kind === 'endpoint') && p.domain === undefined && !p.host.includes('.svc')) {
        // `a.b` (or `a.b.c`) with no namespace b (c): a misspelt namespace, or an outside name (example.com).
        const nsNames = [...ctx.idx.namespaces];
        const close = suggest(ns, nsNames, { max: 3 }).names;
        const sameName = ctx.s.services.some((x) => x.metadata.name === p.service);
        if (close.length === 0 && !sameName) {
          ctx.notes.push(`${p.host} is not a cluster name (there is no namespace ${q(ns)}): upstream DNS answers it, not checked.`);
          return;
        }
      }
      return notFound(ctx, intended, r.reason);
    case 'no-endpoint':
      return notFound(ctx, intended, podRecordReason(ctx, r.service!), r.service);
    case 'no-port':
      return notFound(ctx, intended, r.reason, r.service);
    default:
      return notFound(ctx, intended, r.reason);
  }
}

function crossNamespace(ctx: Ctx, elsewhere: Service[]): void {
  const p = ctx.p;
  const sorted = [...elsewhere].sort((a, b) => compareText(nsOf(a), nsOf(b)));
  const works = sorted.map((x) =>
    p.kind === 'srv' ? `_${p.srv!.port}._${p.srv!.protocol}.${x.metadata.name}.${nsOf(x)}` : `${x.metadata.name}.${nsOf(x)}`,
  );
  const withPort = (n: string) => (p.port !== undefined ? `${p.scheme ? `${p.scheme}://` : ''}${n}:${p.port}` : n);
  ctx.findings.push(
    finding(
      'dns-cross-namespace-short-name',
      `${q(p.service!)} is not a Service in namespace ${ctx.clientNs}; it exists in namespace${sorted.length > 1 ? 's' : ''} ${sorted.map(nsOf).join(', ')}, and a short name only reaches the client's own namespace.`,
      [
        { kind: 'search', value: `the search list starts with ${ctx.clientNs}.svc.${ctx.domain}` },
        ...sorted.map((x) => ({ kind: 'service', object: svcRef(x), value: `exists in namespace ${nsOf(x)}` })),
      ],
      `use ${withPort(works[0]!)}${works.length > 1 ? ` (or ${works.slice(1).map(withPort).join(', ')})` : ''}`,
      svcRef(sorted[0]!),
    ),
  );
}

function headlessNoReady(ctx: Ctx, svc: Service): void {
  const ref = svcRef(svc);
  const all = addressesOf(ctx.idx, svc);
  const pods = all.map((a) => a.endpoint.targetRef?.name).filter((x): x is string => !!x);
  const cause = ctx.optsCause?.({ namespace: ref.namespace!, name: ref.name });
  const evidence: Evidence[] = [
    { kind: 'service', object: ref, field: 'spec.clusterIP', value: 'None' },
    {
      kind: 'endpoints',
      object: ref,
      value:
        all.length === 0
          ? 'no EndpointSlice lists an address'
          : `${all.length} address${all.length > 1 ? 'es' : ''}, none ready${pods.length ? ` (${pods.join(', ')})` : ''}`,
    },
    { kind: 'service', object: ref, field: 'spec.publishNotReadyAddresses', value: String(svc.spec?.publishNotReadyAddresses ?? false) },
  ];
  if (cause) evidence.push({ kind: 'cause', object: ref, value: cause });
  ctx.findings.push(
    finding(
      'dns-headless-no-ready-pods',
      `Headless Service ${svc.metadata.name} has no ready endpoint, so its name does not exist (NXDOMAIN) and the resolver moves on to the next search domain.`,
      evidence,
      `kdiag svc ${svc.metadata.name} -n ${ref.namespace} explains why the pods are not ready; set publishNotReadyAddresses: true if peers must find each other before they are ready.`,
      ref,
    ),
  );
}

/** Why `<endpoint>.<svc>.<ns>.svc.<domain>` has no record: the first condition of a pod record that fails, and its fix. */
export function podRecordReason(ctx: { idx: ClusterIndex; s: DnsSnapshot; p: ParsedName }, svc: Service): { reason: string; hint: string } {
  const ep = ctx.p.endpoint!;
  const ns = nsOf(svc);
  const name = svc.metadata.name;
  const zone = ctx.idx.zones[0];
  const svcCmd = `kdiag svc ${name} -n ${ns}`;
  const addresses = addressesOf(ctx.idx, svc);
  const byLabel = addresses.find((a) => a.label === ep);
  if (byLabel && !byLabel.ready) {
    return {
      reason: `endpoint ${ep} (${byLabel.ip}) of Service ${name} is not ready, and publishNotReadyAddresses is not set`,
      hint: `${svcCmd} explains why the pod is not ready; publishNotReadyAddresses: true publishes it anyway`,
    };
  }
  const byIp = addresses.find((a) => dashIp(a.ip) === ep);
  if (byIp) {
    return {
      reason: `endpoint ${byIp.ip} has hostname ${q(byIp.label)}, so its record is named after the hostname`,
      hint: `use ${byIp.label}.${name}.${ns}.svc.${zone}`,
    };
  }
  const pods = ctx.s.pods.filter((x) => nsOf(x) === ns);
  const pod: Pod | undefined = pods.find((x) => x.spec?.hostname === ep) ?? pods.find((x) => x.metadata.name === ep);
  if (!pod) {
    const labels = addresses.filter((a) => a.ready || svc.spec?.publishNotReadyAddresses).map((a) => a.label);
    const close = suggest(ep, labels, { max: 3, fallbackUpTo: 5 }).names;
    return {
      reason: `no pod in namespace ${ns} has hostname ${q(ep)}, and no endpoint of Service ${name} has that name or IP`,
      hint:
        close.length > 0 ? `endpoints of ${name}: ${close.map((l) => `${l}.${name}.${ns}`).join(', ')}` : `${svcCmd} lists its endpoints`,
    };
  }
  const pn = pod.metadata.name;
  if (!pod.spec?.hostname) {
    return {
      reason: `pod ${pn} sets no spec.hostname (StatefulSet pods get one; other pods must set it)`,
      hint: `set spec.hostname: ${ep} and spec.subdomain: ${name} on the pod (template)`,
    };
  }
  if (pod.spec.hostname !== ep) {
    return { reason: `pod ${pn} has spec.hostname ${q(pod.spec.hostname)}, not ${q(ep)}`, hint: `use ${pod.spec.hostname}.${name}.${ns}` };
  }
  if (pod.spec.subdomain !== name) {
    return {
      reason: `pod ${pn} has spec.subdomain ${pod.spec.subdomain ? q(pod.spec.subdomain) : '(unset)'}: it must name the headless Service ${q(name)} (a StatefulSet's serviceName)`,
      hint: `set spec.subdomain: ${name} (for a StatefulSet: spec.serviceName: ${name})`,
    };
  }
  if (!matchesMap(svc.spec?.selector, pod.metadata.labels)) {
    return {
      reason: `Service ${name}'s selector does not select pod ${pn}`,
      hint: `${svcCmd} compares the selector with the pod's labels`,
    };
  }
  // The DNS specification defines pod records under headless Services only (CoreDNS also answers them under a
  // cluster IP Service, from the same EndpointSlices): with a cluster IP, say so before anything else.
  if (!isHeadless(svc)) {
    return {
      reason: `Service ${name} is not headless (clusterIP: None): pod records belong to headless Services`,
      hint: `create a headless Service ${name} (clusterIP: None; the field cannot be changed in place) for the pods' names`,
    };
  }
  const listed = addresses.filter((a) => a.endpoint.targetRef?.name === pn);
  if (listed.length === 0) {
    return { reason: `no EndpointSlice of Service ${name} lists pod ${pn}`, hint: `${svcCmd} explains why the pod is not an endpoint` };
  }
  if (!listed.some((a) => a.endpoint.hostname === ep)) {
    return {
      reason: `the EndpointSlice lists pod ${pn} without hostname ${q(ep)}`,
      hint: 'the EndpointSlice controller sets the hostname from spec.hostname and spec.subdomain: check them, or the slice is hand-written',
    };
  }
  return {
    reason: `pod ${pn}'s endpoint is not ready, and publishNotReadyAddresses is not set`,
    hint: `${svcCmd} explains why the pod is not ready`,
  };
}

function notFound(ctx: Ctx, intended: string, why: string | { reason: string; hint: string }, svc?: Service): void {
  const p = ctx.p;
  const reason = typeof why === 'string' ? why : why.reason;
  const ns = p.namespace ?? ctx.clientNs;
  const evidence: Evidence[] = [{ kind: 'lookup', value: `${intended}: ${reason}` }];
  let hint: string;
  if (p.kind === 'srv' && svc) {
    const named = (svc.spec?.ports ?? []).filter((x) => x.name).map((x) => `${x.name}/${x.protocol ?? 'TCP'}`);
    const close = suggest(p.srv!.port, (svc.spec?.ports ?? []).map((x) => x.name ?? '').filter(Boolean), { max: 1, fallbackUpTo: 5 })
      .names[0];
    evidence.push({ kind: 'port', object: svcRef(svc), field: 'spec.ports[].name', value: named.join(', ') || '(no named ports)' });
    hint = close
      ? `SRV names use a named Service port: _${close}._${(svc.spec?.ports ?? []).find((x) => x.name === close)?.protocol?.toLowerCase() ?? 'tcp'}.${svc.metadata.name}.${nsOf(svc)}.svc.${ctx.domain}`
      : `name the Service port (spec.ports[].name) to get SRV records`;
  } else if (typeof why !== 'string') {
    hint = why.hint;
  } else if (svc) {
    hint = `kdiag svc ${svc.metadata.name} -n ${nsOf(svc)}`;
  } else {
    const close = closeServices(ctx, p.service ?? p.host.split('.')[0]!, ns);
    if (close.names.length > 0) {
      evidence.push({ kind: 'suggestion', value: `${close.fallback ? 'Services' : 'close Service names'}: ${close.names.join(', ')}` });
      hint = close.fallback ? `no close name; the Services ${close.where}: ${close.names.join(', ')}` : `did you mean ${close.names[0]}?`;
    } else {
      hint = `list the Services: kubectl get services -n ${ns}`;
    }
  }
  ctx.findings.push(
    finding('dns-name-not-found', `${p.host} does not resolve in cluster DNS: ${reason}.`, evidence, hint, svc ? svcRef(svc) : undefined),
  );
}

/** The Services closest to `name`, written as they reach from the client namespace; the intended namespace first. */
function closeServices(ctx: Ctx, name: string, ns: string): { names: string[]; fallback: boolean; where: string } {
  const scored: { label: string; cost: number }[] = [];
  for (const svc of ctx.s.services) {
    const sns = nsOf(svc);
    let cost = suggestionCost(name, svc.metadata.name);
    if (cost === undefined) continue;
    if (svc.metadata.name === name && sns === ns) continue;
    // Another namespace costs a little, more when its name is not close to the one typed.
    if (sns !== ns) cost += suggestionCost(ns, sns) === undefined ? 0.75 : 0.25;
    scored.push({ label: nameFrom(ctx.clientNs, { namespace: sns, name: svc.metadata.name }), cost });
  }
  scored.sort((a, b) => a.cost - b.cost || compareText(a.label, b.label));
  if (scored.length > 0) return { names: [...new Set(scored.map((x) => x.label))].slice(0, 5), fallback: false, where: '' };
  const inNs = ctx.s.services.filter((x) => nsOf(x) === ns).map((x) => x.metadata.name);
  const fb = suggest(name, inNs, { max: 5, fallbackUpTo: 5 });
  return {
    names: fb.names.map((n) => nameFrom(ctx.clientNs, { namespace: ns, name: n })),
    fallback: fb.fallback,
    where: `in namespace ${ns}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Domain, policy, probe.

function customDomain(s: DnsSnapshot, p: ParsedName, domain: string, served: readonly string[]): Finding {
  const corrected = p.host.slice(0, p.host.length - p.domain!.length) + domain;
  const portable = p.host.slice(0, p.host.length - p.domain!.length - 1).replace(/\.svc$/, '');
  const source =
    s.clusterDomainSource === 'corefile'
      ? 'the CoreDNS Corefile'
      : s.clusterDomainSource === 'resolv.conf'
        ? "the pod's /etc/resolv.conf"
        : s.clusterDomainSource === 'flag'
          ? '--cluster-domain'
          : 'kdiag\u2019s assumption';
  return finding(
    'dns-custom-cluster-domain',
    `${p.host} hard-codes the domain ${p.domain}, but this cluster serves ${served.filter((z) => !z.endsWith('arpa')).join(', ')}: the name cannot resolve.`,
    [
      { kind: 'name', value: `domain as written: ${p.domain}` },
      { kind: 'cluster-domain', value: `${domain} (from ${source})` },
    ],
    p.kind === 'pod' || p.kind === 'endpoint' ? `use ${corrected}` : `use ${portable} (works in any cluster) or ${corrected}`,
  );
}

function policyFinding(pod: Pod): Finding | undefined {
  const { written, effective } = effectivePolicy(pod);
  if (effective !== 'Default' && effective !== 'None') return undefined;
  const ref: ObjectRef = { kind: 'Pod', namespace: nsOf(pod), name: pod.metadata.name };
  const evidence: Evidence[] = [
    { kind: 'pod', object: ref, field: 'spec.dnsPolicy', value: pod.spec?.dnsPolicy ?? '(unset: ClusterFirst)' },
  ];
  if (pod.spec?.hostNetwork) evidence.push({ kind: 'pod', object: ref, field: 'spec.hostNetwork', value: 'true' });
  const message =
    written === 'ClusterFirst' && pod.spec?.hostNetwork
      ? `Pod ${pod.metadata.name} runs on the host network with dnsPolicy ClusterFirst, which falls back to the node's resolver: cluster names do not resolve from it.`
      : effective === 'None'
        ? `Pod ${pod.metadata.name} has dnsPolicy None: it uses only its spec.dnsConfig, not the cluster DNS defaults.`
        : `Pod ${pod.metadata.name} has dnsPolicy Default: it uses the node's resolver, which does not know cluster names.`;
  const hint = pod.spec?.hostNetwork ? 'set dnsPolicy: ClusterFirstWithHostNet' : 'set dnsPolicy: ClusterFirst (or remove dnsPolicy)';
  return finding('dns-pod-dns-policy', message, evidence, hint, ref);
}

const normTarget = (t: string) => t.toLowerCase().replace(/\.$/, '');

/** Compares a probe's answer with the expected one; 'unknown' when the expected answer is not known. */
function probeMismatch(
  p: ParsedName,
  records: DnsRecord[],
  answered: boolean,
  reachedUpstream: boolean,
  observed: ObservedAnswer,
): Finding | 'unknown' | undefined {
  const cnameOut = records.some((r) => r.type === 'CNAME') && !records.some((r) => r.type === 'A' || r.type === 'AAAA' || r.type === 'SRV');
  if ((!answered && reachedUpstream) || cnameOut) return 'unknown';
  const observedText = observed.error ? observed.error : undefined;
  if (p.queryType === 'SRV') {
    const want = records
      .filter((r) => r.type === 'SRV')
      .map((r) => `${(r.value as { port: number }).port} ${normTarget((r.value as { target: string }).target)}`);
    const got = (observed.srv ?? []).map((r) => `${r.port} ${normTarget(r.target)}`);
    if (sameSet(want, got)) return undefined;
    return mismatch(observed, want, got, observedText, 'SRV records (port target)');
  }
  const want = records.filter((r) => r.type === 'A' || r.type === 'AAAA').map((r) => r.value as string);
  if (want.includes(UNALLOCATED)) return 'unknown';
  const got = observed.addresses ?? [];
  if (sameSet(want, got)) return undefined;
  return mismatch(observed, want, got, observedText, 'addresses');
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function mismatch(observed: ObservedAnswer, want: string[], got: string[], error: string | undefined, what: string): Finding {
  const show = (xs: string[]) => (xs.length ? [...new Set(xs)].sort().join(', ') : '(none)');
  const message =
    want.length > 0 && got.length === 0
      ? `Inside the pod the lookup failed (${error ?? 'no answer'}), but cluster DNS should answer ${show(want)}.`
      : want.length === 0
        ? `Inside the pod the lookup answered ${show(got)}, but cluster DNS has no record for the name: something else answers (a search domain, a cache, another resolver).`
        : `Inside the pod the lookup answered ${show(got)}, but cluster DNS should answer ${show(want)}.`;
  return finding(
    'dns-probe-mismatch',
    message,
    [
      { kind: 'expected', value: `${what}: ${show(want)}` },
      { kind: 'observed', value: `${observed.source}: ${error ?? show(got)}` },
    ],
    "compare the pod's /etc/resolv.conf with the search list above, check NodeLocal DNSCache and the Corefile, and restart clients that cache answers",
  );
}
