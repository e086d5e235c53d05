import { matchesMap, rankNearMisses, selectorToString } from '../core/k8s/selectors.js';
import type { EndpointSlice, Endpoints, KubeEvent, KubeObject, Node, Pod, Service, Workload, NetworkPolicy } from '../core/k8s/types.js';
import { endpointRows, readyCountForPort } from '../core/k8s/endpoints.js';
import { condition, diagnosePod, isReady, isTerminating, podIps } from '../core/k8s/pods.js';
import { DEFAULT_CLUSTER_DOMAIN, selectorOf } from '../core/k8s/services.js';
import { topWorkloads } from '../core/k8s/workloads.js';
import type { ServiceSnapshot } from '../core/svc/snapshot.js';
import { ClusterAccessError } from '../errors.js';
import { inputIncludes, R, type ClusterReader, type Denied, type ListOptions, type Resource } from './reader.js';
import { compareText } from '../core/compare.js';

/** What to explain. */
export interface LoadServiceOptions {
  namespace: string;
  name: string;
  /** Cluster DNS domain for `names`; `cluster.local` by default. */
  clusterDomain?: string;
}

/** Caps on the reads made to explain unready pods, so a broken 10,000-pod Service costs a bounded number of requests. */
export const LIMITS = {
  /** Pods whose events are read. */
  eventPods: 5,
  /** Nodes looked up. */
  nodes: 5,
  /** Near-miss pods read in full (phase, readiness, IP for the table). */
  nearMissPods: 3,
  /** Endpoint IPs of selectorless Services looked up among pods. */
  endpointIps: 10,
};

const WORKLOADS: Resource[] = [R.deployments, R.statefulsets, R.daemonsets, R.replicasets];

/**
 * Loads what `explainService` needs through any ClusterReader (live or file), reading as little as the question
 * needs:
 * - always: the Service (get; a 403 here is an error, exit 3);
 * - Service missing: the namespace (get; 403 tolerated), then either namespace names (namespace missing) or the
 *   namespace's Service names (metadata only) and same-named Services in other namespaces (tryList);
 * - ExternalName: nothing more;
 * - its EndpointSlices by label `kubernetes.io/service-name` (v1 Endpoints only if slices are denied, or for a
 *   selectorless Service without slices);
 * - selector: matching pods (server-side label selector; required);
 * - no pod matches: the namespace's pods metadata only, workloads, the same selector in all namespaces, and the
 *   closest near-miss pods in full;
 * - pods match: NetworkPolicies; events of a few unready pods; Nodes of pods whose cause may be their node;
 * - offline without status: workloads (their pod templates stand in for pods).
 * Denied optional reads are recorded in `denied` and become `rbac-partial` findings.
 */
export async function loadServiceSnapshot(reader: ClusterReader, opts: LoadServiceOptions): Promise<ServiceSnapshot> {
  const { namespace: ns, name } = opts;
  const denied: Denied[] = [];
  const optional = async <T extends KubeObject>(r: Resource, o: ListOptions): Promise<T[] | undefined> => {
    const res = await reader.tryList<T>(r, o);
    if (res.ok) return res.items;
    denied.push(res.denied);
    return undefined;
  };
  const snap: ServiceSnapshot = {
    namespace: ns,
    name,
    source: reader.source,
    hasStatus: reader.source === 'live',
    clusterDomain: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    ...(reader.source === 'live' ? { readAt: new Date().toISOString() } : {}),
    endpointSlices: [],
    endpointsKnown: false,
    pods: [],
    events: [],
    denied,
  };

  const svc = await reader.get<Service>(R.services, ns, name);
  if (!svc) {
    let nsObj: KubeObject | undefined | null = null;
    try {
      nsObj = await reader.get(R.namespaces, undefined, ns);
    } catch (e) {
      if (!(e instanceof ClusterAccessError && e.code === 'forbidden')) throw e;
      denied.push({ verb: 'get', resource: 'namespaces', message: e.message });
    }
    if (nsObj === undefined) {
      snap.namespaceExists = false;
      const all = await optional(R.namespaces, { metadataOnly: true });
      if (all) snap.namespaceNames = all.map((n) => n.metadata.name);
      const elsewhere = await optional(R.services, { fieldSelector: `metadata.name=${name}`, metadataOnly: true });
      if (elsewhere) snap.sameNameElsewhere = elsewhere.map((s) => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name }));
      return snap;
    }
    if (nsObj) snap.namespaceExists = true;
    const inNs = await optional(R.services, { namespace: ns, metadataOnly: true });
    if (inNs) snap.serviceNamesInNamespace = inNs.map((s) => s.metadata.name).sort();
    const elsewhere = await optional(R.services, { fieldSelector: `metadata.name=${name}`, metadataOnly: true });
    if (elsewhere) snap.sameNameElsewhere = elsewhere.map((s) => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name }));
    return snap;
  }
  snap.service = svc;
  snap.namespaceExists = true;
  if (reader.source === 'file' && svc.status !== undefined) snap.hasStatus = true;
  if (svc.spec?.type === 'ExternalName') return snap;

  const selector = selectorOf(svc);
  // The slices and the matching pods both depend only on the Service: read them together.
  const slicesRead = optional<EndpointSlice>(R.endpointslices, { namespace: ns, labelSelector: `kubernetes.io/service-name=${name}` });
  const podsRead = selector ? reader.list<Pod>(R.pods, { namespace: ns, labelSelector: selectorToString(selector) }) : undefined;
  // The Service's own events (endpoint, EndpointSlice or load-balancer sync failures), read alongside.
  const eventsRead = optional<KubeEvent>(R.events, {
    namespace: ns,
    fieldSelector: `involvedObject.kind=Service,involvedObject.name=${name}`,
  });
  // Settle all before acting on any, so a failed required read never leaves another unobserved.
  const [slicesResult, podsResult, eventsResult] = await Promise.allSettled([slicesRead, podsRead ?? Promise.resolve([]), eventsRead]);
  if (slicesResult.status === 'rejected') throw slicesResult.reason;
  if (podsResult.status === 'rejected') throw podsResult.reason;
  if (eventsResult.status === 'rejected') throw eventsResult.reason;
  snap.events.push(...(eventsResult.value ?? []));
  const slices = slicesResult.value;
  let legacy: Endpoints[] | undefined;
  if (slices) {
    snap.endpointSlices = slices;
    snap.endpointsKnown = inputIncludes(reader, R.endpointslices) || inputIncludes(reader, R.endpoints);
  }
  if (!slices || (!selector && slices.length === 0)) {
    legacy = await optional<Endpoints>(R.endpoints, { namespace: ns, fieldSelector: `metadata.name=${name}` });
    if (legacy) {
      if (legacy[0]) snap.legacyEndpoints = legacy[0];
      snap.endpointsKnown = snap.endpointsKnown || inputIncludes(reader, R.endpoints) || inputIncludes(reader, R.endpointslices);
    }
  }

  if (!selector) {
    await loadPodsAtEndpointIps(reader, snap);
    return snap;
  }

  snap.pods = podsResult.value;
  if (reader.source === 'file') {
    const stat = snap.pods.some((p) => p.status !== undefined) || snap.endpointSlices.length > 0;
    // A dump without pods (`kubectl get svc,deploy -o yaml`) says nothing about which pods exist.
    snap.hasStatus = (snap.hasStatus || stat) && inputIncludes(reader, R.pods);
  }
  // Independent reads run concurrently (started in a fixed order, so the request log stays stable).
  const noMatch = snap.pods.length === 0;
  // One await for all of them: a failure then surfaces once, and no read is left to reject unobserved.
  const [workloads, nsPods, all] = await Promise.all([
    !snap.hasStatus || noMatch ? Promise.all(WORKLOADS.map((r) => optional<Workload>(r, { namespace: ns }))) : undefined,
    noMatch ? optional<KubeObject>(R.pods, { namespace: ns, metadataOnly: true }) : undefined,
    noMatch ? optional<KubeObject>(R.pods, { labelSelector: selectorToString(selector), metadataOnly: true }) : undefined,
  ]);
  if (workloads) snap.workloads = workloads.flatMap((w) => w ?? []);

  // Offline without status, the workloads' pod templates stand in for the pods they will create: policies apply to them.
  if (!snap.hasStatus && noMatch) {
    const policies = await optional<NetworkPolicy>(R.networkpolicies, { namespace: ns });
    if (policies) snap.networkPolicies = policies;
  }

  if (noMatch) {
    if (nsPods) snap.namespacePods = nsPods;
    if (all) snap.podsAllNamespaces = all;
    // Top-level workloads only: a Deployment's ReplicaSet would take an event slot its Deployment already covers.
    const creating = topWorkloads(snap.workloads).filter(
      (w) => w.spec?.replicas !== 0 && matchesMap(selector, w.spec?.template?.metadata?.labels ?? {}),
    );
    const best =
      snap.hasStatus && nsPods
        ? rankNearMisses(
            selector,
            nsPods,
            (p) => p.metadata.labels,
            (p) => p.metadata.name,
          ).slice(0, LIMITS.nearMissPods)
        : [];
    const [full, events] = await Promise.all([
      // `list` with a name selector, not `get`: the minimal Role grants list on pods, and these reads are optional.
      Promise.all(best.map((m) => optional<Pod>(R.pods, { namespace: ns, fieldSelector: `metadata.name=${m.item.metadata.name}` }))),
      Promise.all(
        creating.slice(0, 2).map((w) =>
          optional<KubeEvent>(R.events, {
            namespace: ns,
            fieldSelector: `involvedObject.kind=${w.kind},involvedObject.name=${w.metadata.name}`,
          }),
        ),
      ),
    ]);
    if (snap.hasStatus && nsPods) snap.nearMissPods = full.flatMap((p) => p ?? []);
    snap.events.push(...events.flatMap((e) => e ?? []));
    return snap;
  }

  const policies = await optional<NetworkPolicy>(R.networkpolicies, { namespace: ns });
  if (policies) snap.networkPolicies = policies;

  if (snap.hasStatus) {
    const unready = snap.pods.filter((p) => !isTerminating(p) && diagnosePod(p, [], undefined, undefined) !== undefined);
    const podEvents = await Promise.all(
      unready
        .slice(0, LIMITS.eventPods)
        .map((p) =>
          optional<KubeEvent>(R.events, { namespace: ns, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${p.metadata.name}` }),
        ),
    );
    snap.events.push(...podEvents.flatMap((e) => e ?? []));
    // A pod the scheduler cannot place on its nodeSelector: do any nodes carry those labels? (metadata only)
    if (unready.some((p) => p.spec?.nodeSelector && condition(p, 'PodScheduled')?.status === 'False') && inputIncludes(reader, R.nodes)) {
      const nodes = await optional<KubeObject>(R.nodes, { metadataOnly: true });
      if (nodes) snap.nodeLabels = nodes.map((n) => n.metadata.labels ?? {});
    }
    // A node matters when nothing in the pod itself explains it, or when a Ready pod is missing from the slices.
    const listed = new Set(snap.endpointSlices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)));
    const needNode = snap.pods.filter((p) => {
      if (isTerminating(p) || !p.spec?.nodeName) return false;
      if (isReady(p)) return snap.endpointsKnown && !podIps(p).some((ip) => listed.has(ip));
      const d = diagnosePod(p, snap.events, undefined, undefined);
      return d?.reason === 'NotReady';
    });
    const nodeNames = [...new Set(needNode.map((p) => p.spec!.nodeName!))].slice(0, LIMITS.nodes);
    if (nodeNames.length > 0 && inputIncludes(reader, R.nodes)) {
      const got = await Promise.all(nodeNames.map((n) => optional<Node>(R.nodes, { fieldSelector: `metadata.name=${n}` })));
      // A denied read says nothing about whether that node exists: only names actually read count as looked up.
      snap.nodes = got.flatMap((g) => g ?? []);
      snap.nodesLookedUp = nodeNames.filter((_, i) => got[i] !== undefined);
    }
  }
  return snap;
}

/** Pods at the addresses of a selectorless Service's endpoints: across namespaces, else (if denied) in its own. */
async function loadPodsAtEndpointIps(reader: ClusterReader, snap: ServiceSnapshot): Promise<void> {
  const ips = new Set<string>();
  for (const s of snap.endpointSlices) for (const e of s.endpoints ?? []) for (const ip of e.addresses) ips.add(ip);
  for (const sub of snap.legacyEndpoints?.subsets ?? [])
    for (const a of [...(sub.addresses ?? []), ...(sub.notReadyAddresses ?? [])]) ips.add(a.ip);
  if (ips.size === 0 || !inputIncludes(reader, R.pods)) return;
  const found: Pod[] = [];
  let scope: string | undefined;
  for (const ip of [...ips].slice(0, LIMITS.endpointIps)) {
    const res = await reader.tryList<Pod>(R.pods, { ...(scope ? { namespace: scope } : {}), fieldSelector: `status.podIP=${ip}` });
    if (res.ok) {
      found.push(...res.items.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'));
      continue;
    }
    if (scope) {
      snap.denied.push(res.denied);
      break;
    }
    // Not allowed across namespaces: look in the Service's own namespace instead.
    scope = snap.namespace;
    const again = await reader.tryList<Pod>(R.pods, { namespace: scope, fieldSelector: `status.podIP=${ip}` });
    if (!again.ok) {
      snap.denied.push(again.denied);
      break;
    }
    found.push(...again.items);
  }
  snap.podsAtEndpointIps = found;
}

/** A Service for the pick list: its name and its ready endpoints, counted per Service port as the diagnosis does. */
export interface ServiceChoice {
  name: string;
  type: string;
  /** The fewest ready endpoints of any of its ports: 0 when some port has none (it cannot serve that port). */
  readyEndpoints: number;
  /** True when it selects pods (a label selector); `kdiag forward` offers only those. */
  selector: boolean;
}

/** The namespace's Services for the interactive pick list: those without ready endpoints first, then by name. */
export async function listServiceChoices(reader: ClusterReader, namespace: string): Promise<ServiceChoice[]> {
  const services = await reader.list<Service>(R.services, { namespace });
  const slices = await reader.tryList<EndpointSlice>(R.endpointslices, { namespace });
  const byService = new Map<string, EndpointSlice[]>();
  for (const s of slices.ok ? slices.items : []) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    if (svc) byService.set(svc, [...(byService.get(svc) ?? []), s]);
  }
  const readyOf = (s: Service): number => {
    const rows = endpointRows(byService.get(s.metadata.name) ?? []);
    const ports = s.spec?.ports ?? [];
    return ports.length === 0 ? 0 : Math.min(...ports.map((p) => readyCountForPort(rows, p)));
  };
  return services
    .map((s) => ({
      name: s.metadata.name,
      type: s.spec?.type ?? 'ClusterIP',
      readyEndpoints: readyOf(s),
      selector: Object.keys(s.spec?.selector ?? {}).length > 0,
    }))
    .sort((a, b) => Number(a.readyEndpoints > 0) - Number(b.readyEndpoints > 0) || compareText(a.name, b.name));
}
