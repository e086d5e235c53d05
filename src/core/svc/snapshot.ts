import type { Denied } from '../k8s/access.js';
import type { EndpointSlice, Endpoints, KubeEvent, KubeObject, NetworkPolicy, Node, Pod, Service, Workload } from '../k8s/types.js';

/**
 * Everything `explainService` looks at, read beforehand by `loadServiceSnapshot` (src/cluster/svc-loader.ts).
 * Optional lists are `undefined` when the loader did not need them (or could not read them: see `denied`), and
 * `[]` when it read them and found nothing; checks tell the two apart.
 */
export interface ServiceSnapshot {
  /** The namespace asked about. */
  namespace: string;
  /** The Service name asked about. */
  name: string;
  /** Where the objects came from. */
  source: 'live' | 'file';
  /**
   * False when the objects came from manifests without status (no pod phases, no conditions, no endpoints): only
   * the static checks run (selector against pod templates, ports, policies) and the output says so.
   */
  hasStatus: boolean;
  /** Cluster DNS domain used for `names` (`cluster.local` unless known otherwise). */
  clusterDomain: string;
  /**
   * When a live read started (RFC 3339). Lets checks tell "the controller has not caught up yet" (seconds) from
   * "the controller never will" without reading a clock themselves; undefined for files.
   */
  readAt?: string;

  /** False when the namespace does not exist; undefined when it was not checked or could not be. */
  namespaceExists?: boolean;
  /** Existing namespace names, read only when the namespace does not exist (for suggestions). */
  namespaceNames?: string[];
  /** The Service, undefined when it does not exist. */
  service?: Service;
  /** When the Service does not exist: the namespace's Service names (for close-name suggestions). */
  serviceNamesInNamespace?: string[];
  /** When the Service does not exist: Services of the same name in other namespaces. */
  sameNameElsewhere?: { namespace: string; name: string }[];

  /** The Service's EndpointSlices (label `kubernetes.io/service-name`). */
  endpointSlices: EndpointSlice[];
  /**
   * False when the input cannot say anything about endpoints (a file without any EndpointSlice or Endpoints,
   * or a denied read): endpoint checks are skipped rather than reporting everything missing.
   */
  endpointsKnown: boolean;
  /** Legacy v1 Endpoints: read only when EndpointSlices are not served or denied, or for selectorless Services. */
  legacyEndpoints?: Endpoints;

  /** Pods the selector matches in the Service's namespace (full objects). */
  pods: Pod[];
  /** The namespace's pods, metadata only: read when no pod matches, for near misses. */
  namespacePods?: KubeObject[];
  /** Full objects of the closest near-miss pods (a few), so the table can show their phase and readiness. */
  nearMissPods?: Pod[];
  /** Deployments, StatefulSets, DaemonSets and ReplicaSets of the namespace: read when no pod matches, or offline. */
  workloads?: Workload[];
  /** Pods matching the selector in any namespace, metadata only: read when none match in the Service's namespace. */
  podsAllNamespaces?: KubeObject[];
  /** Pods found at the IP addresses of hand-written endpoints (selectorless Services). */
  podsAtEndpointIps?: Pod[];
  /** The namespace's NetworkPolicies: read when pods match. */
  networkPolicies?: NetworkPolicy[];
  /** Events about the unready pods and, for a pending LoadBalancer, the Service. */
  events: KubeEvent[];
  /** Nodes of the pods that need explaining (undefined when not read; a missing node means it is gone). */
  nodes?: Node[];
  /** Node names looked up: a name here without a Node in `nodes` is a Node that does not exist. */
  nodesLookedUp?: string[];
  /** Every node's labels: read when a matching pod cannot be scheduled, to say whether any node carries its nodeSelector. */
  nodeLabels?: Record<string, string>[];
  /** Optional reads the server refused. */
  denied: Denied[];
}
