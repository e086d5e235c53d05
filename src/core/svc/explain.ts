import type { Finding } from '../finding.js';
import { compareSeverity } from '../finding.js';
import { findPort, servicePortKey } from '../k8s/ports.js';
import { compareLabels } from '../k8s/selectors.js';
import type { KubeObject, Pod, Service } from '../k8s/types.js';
import {
  analyse,
  endpointPodIpHardcoded,
  endpointsNotReconciled,
  externalName,
  externalTrafficPolicyLocal,
  groupNearMisses,
  headlessPortRemap,
  internalTrafficPolicyLocal,
  loadBalancerPending,
  namespaceNotFound,
  nearMisses,
  networkPolicyIsolated,
  noSelector,
  podsInOtherNamespace,
  podsNotReady,
  podsNotRunning,
  podsTerminating,
  protocolMismatch,
  publishNotReadyAddresses,
  rbacPartial,
  selectorNoMatch,
  selectorSpansWorkloads,
  serviceNotFound,
  sessionAffinity,
  somePodsNotReady,
  targetPortNotDeclared,
  targetPortNotFound,
  workloadPodsNotCreated,
  workloadScaledToZero,
  workloadTemplateMismatch,
  type Analysis,
  type Check,
} from './checks.js';
import { endpointRows, type EndpointRow } from './endpoints.js';
import { isReady } from './pods.js';
import { isHeadless, selectorOf, type ServiceSnapshot } from './snapshot.js';

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
  /** EndpointSlices were not part of the input (offline) or could not be read. */
  endpointsKnown: boolean;
}

/** The causal stage of each code: selector → workloads → pod phase → readiness → ports → endpoints → policy. */
const STAGE: Record<string, number> = {
  'namespace-not-found': 0,
  'service-not-found': 0,
  'external-name': 1,
  'no-selector': 1,
  'endpoint-pod-ip-hardcoded': 1,
  'selector-no-match': 2,
  'pods-in-other-namespace': 2,
  'selector-spans-workloads': 2,
  'workload-template-mismatch': 3,
  'workload-scaled-to-zero': 3,
  'workload-pods-not-created': 3,
  'pods-not-running': 4,
  'pods-not-ready': 5,
  'some-pods-not-ready': 5,
  'pods-terminating': 5,
  'publish-not-ready-addresses': 5,
  'target-port-not-found': 6,
  'protocol-mismatch': 6,
  'target-port-not-declared': 6,
  'headless-port-remap': 6,
  'endpoints-not-reconciled': 7,
  'network-policy-isolated': 8,
  'load-balancer-pending': 8,
  'external-traffic-policy-local': 8,
  'internal-traffic-policy-local': 8,
  'session-affinity': 8,
  'rbac-partial': 9,
};

/** The checks for a Service with a selector (or without one), in causal order. */
export const CHECKS: readonly Check[] = [
  noSelector,
  endpointPodIpHardcoded,
  selectorNoMatch,
  podsInOtherNamespace,
  selectorSpansWorkloads,
  workloadTemplateMismatch,
  workloadScaledToZero,
  workloadPodsNotCreated,
  podsNotRunning,
  podsNotReady,
  somePodsNotReady,
  podsTerminating,
  publishNotReadyAddresses,
  targetPortNotFound,
  protocolMismatch,
  targetPortNotDeclared,
  headlessPortRemap,
  endpointsNotReconciled,
  networkPolicyIsolated,
  loadBalancerPending,
  externalTrafficPolicyLocal,
  internalTrafficPolicyLocal,
  sessionAffinity,
];

/** Sorts findings causally (stable within a stage, errors first). */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((x, y) => (STAGE[x.f.code] ?? 8) - (STAGE[y.f.code] ?? 8) || compareSeverity(x.f.severity, y.f.severity) || x.i - y.i)
    .map(({ f }) => f);
}

/**
 * The DNS names that reach the Service from a pod: short name (same namespace only), `name.ns`, `name.ns.svc`,
 * the FQDN; for headless Services, per-pod names of pods whose hostname and subdomain are set.
 */
export function serviceNames(svc: Service, pods: readonly Pod[], clusterDomain: string): string[] {
  const name = svc.metadata.name;
  const ns = svc.metadata.namespace ?? 'default';
  const out = [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.${clusterDomain}`];
  if (isHeadless(svc)) {
    for (const p of pods) {
      if (p.spec?.hostname && p.spec.subdomain === name && !p.metadata.name.includes('/')) {
        out.push(`${p.spec.hostname}.${name}.${ns}.svc.${clusterDomain}`);
      }
    }
  }
  return out;
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

/**
 * Explains why a Service does or does not get traffic, from a snapshot. Pure: the same snapshot always gives the
 * same report. Findings are ordered causally, most fundamental first.
 */
export function explainService(s: ServiceSnapshot): ServiceReport {
  const base = { staticOnly: !s.hasStatus, endpointsKnown: s.endpointsKnown, podsAreNearMisses: false };
  if (s.namespaceExists === false) {
    return {
      ...base,
      service: null,
      findings: [namespaceNotFound(s), ...rbacPartial(s)],
      pods: [],
      endpoints: [],
      names: [],
      summary: null,
    };
  }
  if (!s.service) {
    return { ...base, service: null, findings: [serviceNotFound(s), ...rbacPartial(s)], pods: [], endpoints: [], names: [], summary: null };
  }
  const a = analyse(s);
  const service = { namespace: s.namespace, name: s.service.metadata.name };
  const summary = summaryOf(s.service, s.namespace);
  if (s.service.spec?.type === 'ExternalName') {
    return {
      ...base,
      service,
      summary,
      findings: orderFindings([...externalName(a), ...rbacPartial(s)]),
      pods: [],
      endpoints: [],
      names: serviceNames(s.service, [], s.clusterDomain),
    };
  }
  const findings = orderFindings([...CHECKS.flatMap((c) => c(a)), ...rbacPartial(s)]);
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
    names: serviceNames(s.service, a.matching, s.clusterDomain),
  };
}
