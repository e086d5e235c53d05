import type { Finding } from '../finding.js';
import { compareSeverity } from '../finding.js';
import { findPort, servicePortKey } from '../k8s/ports.js';
import { compareLabels } from '../k8s/selectors.js';
import type { KubeObject, Pod, Service } from '../k8s/types.js';
import { DEFAULT_INVOCATION, type Invocation } from '../invocation.js';
import { externalNameIp, isIpLiteral, namespaceNotFound, serviceNotFound } from '../general-catalogue.js';
import { isReady } from '../k8s/pods.js';
import { selectorOf, serviceDnsNames } from '../k8s/services.js';
import { stageIndex } from './catalogue.js';
import {
  analyse,
  CHECKS,
  EXTERNAL_NAME_CHECKS,
  groupNearMisses,
  nearMisses,
  runChecks,
  svcRbacPartial,
  type Analysis,
} from './checks/index.js';
import { endpointRows, type EndpointRow } from '../k8s/endpoints.js';
import type { ServiceSnapshot } from './snapshot.js';

/** A row of the selector-to-pod table and of `pods` in JSON. */
export interface PodRow {
  name: string;
  labels: Record<string, string>;
  /** null when unknown (metadata-only near misses, pod templates, manifests without status). */
  ready: boolean | null;
  phase: string | null;
  ip: string | null;
  node: string | null;
  selectorMatch: Record<string, 'matched' | 'differs' | 'missing'>;
  /** Per Service port (its name, else its number): the resolved container port, null when it does not resolve. */
  targetPorts: Record<string, number | null>;
}

/** The Service as the text header shows it. */
export interface ServiceSummary {
  namespace: string;
  name: string;
  type: string;
  clusterIP: string | null;
  externalName: string | null;
  ports: { name: string; port: number; protocol: string; targetPort: number | string }[];
  selector: Record<string, string> | null;
  loadBalancer: string[];
}

/** What `explainService` returns: JSON's `service`, `findings`, `pods`, `endpoints`, `names`, plus what text needs. */
export interface ServiceReport {
  service: { namespace: string; name: string } | null;
  findings: Finding[];
  pods: PodRow[];
  endpoints: EndpointRow[];
  names: string[];
  summary: ServiceSummary | null;
  /** True when `pods` are near misses (nothing matches) rather than matching pods. */
  podsAreNearMisses: boolean;
  /** Only static checks ran: the objects have no status. */
  staticOnly: boolean;
  /** Where the objects came from: the live cluster, or a file (`-f`). */
  source: 'live' | 'file';
  /** EndpointSlices were not part of the input (offline) or could not be read. */
  endpointsKnown: boolean;
  /**
   * The Ingress paths and HTTPRoute rules that send to the Service (JSON `routes`); undefined when they were not
   * looked at (kdiag route's backends, which come from a route already).
   */
  routes?: ServiceRoute[];
}

/** One Ingress path or HTTPRoute rule that sends to the Service. */
export interface ServiceRoute {
  kind: 'Ingress' | 'HTTPRoute';
  namespace: string;
  name: string;
  /** Which rule and backend, readably: `spec.rules[0].http.paths[1] shop.example.com /api (Prefix) -> port 8080`. */
  rule: string;
  /** False when the backend is broken (a port that is no port of the Service, a missing ReferenceGrant). */
  ok: boolean;
}

/** Sorts findings causally by their catalogue stage (stable within a stage, errors first); throws on a code svc does not report. */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((x, y) => stageIndex(x.f.code) - stageIndex(y.f.code) || compareSeverity(x.f.severity, y.f.severity) || x.i - y.i)
    .map(({ f }) => f);
}

function podRow(a: Analysis, obj: KubeObject | Pod, full: Pod | undefined): PodRow {
  const pod = (full ?? obj) as Pod;
  const hasStatus = a.s.hasStatus && pod.status !== undefined;
  const selectorMatch: Record<string, 'matched' | 'differs' | 'missing'> = {};
  for (const k of compareLabels(a.selector ?? {}, obj.metadata.labels)) selectorMatch[k.key] = k.status;
  const targetPorts: Record<string, number | null> = {};
  for (const sp of a.ports) {
    const r = pod.spec ? findPort(pod.spec, sp) : undefined;
    targetPorts[servicePortKey(sp)] = r?.ok ? r.port : null;
  }
  return {
    name: obj.metadata.name,
    labels: obj.metadata.labels ?? {},
    ready: hasStatus ? isReady(pod) : null,
    phase: hasStatus ? (pod.status?.phase ?? null) : null,
    ip: hasStatus ? (pod.status?.podIP ?? null) : null,
    node: pod.spec?.nodeName ?? null,
    selectorMatch,
    targetPorts,
  };
}

const MAX_NEAR_MISS_ROWS = 10;

function summaryOf(svc: Service, ns: string): ServiceSummary {
  const spec = svc.spec ?? {};
  return {
    namespace: ns,
    name: svc.metadata.name,
    type: spec.type ?? 'ClusterIP',
    clusterIP: spec.clusterIP ?? null,
    externalName: spec.externalName ?? null,
    ports: (spec.ports ?? []).map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      targetPort: p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '' ? p.port : p.targetPort,
    })),
    selector: selectorOf(svc) ?? null,
    loadBalancer: (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean),
  };
}

/** How `explainService` words what depends on the cluster and the invocation. */
export interface ExplainOptions {
  /** The cluster DNS domain for `names`; the snapshot's when omitted. */
  clusterDomain?: string;
  /** How the user ran kdiag, for hints that suggest a command (`kdiag svc` when omitted). */
  invocation?: Invocation;
}

/**
 * Explains why a Service does or does not get traffic, from a snapshot. Pure: the same snapshot always gives the
 * same report. Findings are ordered causally, most fundamental first.
 */
export function explainService(s: ServiceSnapshot, opts: ExplainOptions = {}): ServiceReport {
  const domain = opts.clusterDomain ?? s.clusterDomain;
  const invocation = opts.invocation ?? DEFAULT_INVOCATION;
  const base = { staticOnly: !s.hasStatus, source: s.source, endpointsKnown: s.endpointsKnown, podsAreNearMisses: false };
  const missing = { ...base, service: null, pods: [], endpoints: [], names: [], summary: null };
  if (s.namespaceExists === false) return { ...missing, findings: [namespaceNotFound(s, invocation), ...svcRbacPartial(s.denied)] };
  if (!s.service) return { ...missing, findings: [serviceNotFound(s, invocation), ...svcRbacPartial(s.denied)] };
  const a = analyse(s);
  const service = { namespace: s.namespace, name: s.service.metadata.name };
  const summary = summaryOf(s.service, s.namespace);
  if (s.service.spec?.type === 'ExternalName') {
    return {
      ...base,
      service,
      summary,
      findings: orderFindings([
        ...runChecks(EXTERNAL_NAME_CHECKS, a),
        // An IP in spec.externalName is one code everywhere (kdiag dns reports it for a name that resolves here).
        ...(isIpLiteral(s.service.spec.externalName ?? '') || !s.service.spec.externalName ? [externalNameIp(s.service)] : []),
        ...svcRbacPartial(s.denied),
      ]),
      pods: [],
      endpoints: [],
      names: serviceDnsNames(s.service, [], domain),
    };
  }
  const findings = orderFindings([...runChecks(CHECKS, a), ...svcRbacPartial(s.denied)]);
  let pods: PodRow[];
  let podsAreNearMisses = false;
  if (a.matching.length > 0 || !a.selector) {
    pods = a.matching.map((p) => podRow(a, p, undefined));
  } else {
    podsAreNearMisses = true;
    const full = new Map((s.nearMissPods ?? []).map((p) => [p.metadata.name, p]));
    pods = groupNearMisses(nearMisses(a))
      .flatMap((g) => g.items)
      .slice(0, MAX_NEAR_MISS_ROWS)
      .map((o) => podRow(a, o, full.get(o.metadata.name)));
  }
  return {
    ...base,
    podsAreNearMisses,
    service,
    summary,
    findings,
    pods,
    endpoints: endpointRows(s.endpointSlices, s.legacyEndpoints),
    names: serviceDnsNames(s.service, a.matching, domain),
  };
}
