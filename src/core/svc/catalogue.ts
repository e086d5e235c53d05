import { defineCatalogue, entryOf, type CodeOf, type TypedEntry } from '../catalogue.js';
import type { Severity } from '../finding.js';
import { GENERAL_CATALOGUE, type GeneralCode, type GeneralStage } from '../general-catalogue.js';

/**
 * The causal order of `kdiag svc`, written once: lookup (general) → the Service → its selector → workloads →
 * pod phase → readiness → ports → endpoints → traffic policies → access (general). Findings are sorted by the
 * stage of their code, and every check declares the stage of the codes it emits.
 */
export const SVC_STAGES = [
  'lookup',
  'service',
  'selector',
  'workloads',
  'pod-phase',
  'readiness',
  'ports',
  'endpoints',
  'traffic',
  'access',
] as const satisfies readonly (string | GeneralStage)[];

/** The stages of svc's own entries ('traffic' is shared with the general catalogue). */
export type SvcStage = Exclude<(typeof SVC_STAGES)[number], 'lookup' | 'access'>;

const e = <const C extends string>(
  code: C,
  stage: SvcStage,
  severities: readonly [Severity, ...Severity[]],
  title: string,
  meaning: string,
  detection: string,
  fix: string,
) => ({ code, area: 'svc' as const, stage, severities, title, meaning, detection, fix }) satisfies TypedEntry<C, SvcStage>;

/** Every finding only `kdiag svc` reports, in causal order (severities: the default first). */
export const SVC_CATALOGUE = [
  e(
    'external-name',
    'service',
    ['info'],
    'ExternalName Service',
    'An ExternalName Service is a DNS CNAME to another name: it never has endpoints or a cluster IP, by design.',
    'spec.type is ExternalName and spec.externalName is a host name. No other check runs. An IP address in spec.externalName is dns-external-name-ip instead: DNS cannot CNAME to an IP.',
    'Nothing to fix for endpoints. If clients cannot connect, check that the external name resolves and that the server accepts the Host/SNI the client sends.',
  ),
  e(
    'no-selector',
    'service',
    ['error', 'info'],
    'Service without a selector',
    'The Service has no selector, so Kubernetes does not create its endpoints: someone (a person or an operator) must write EndpointSlices or Endpoints for it.',
    'spec.selector is empty. Error when no EndpointSlice (or v1 Endpoints) of the Service lists an address; info when they do (kdiag then names who manages them from the endpointslice.kubernetes.io/managed-by label).',
    'Add spec.selector to select the pods, or create an EndpointSlice labelled kubernetes.io/service-name=<service> with the backend addresses.',
  ),
  e(
    'endpoint-pod-ip-hardcoded',
    'service',
    ['warning'],
    'Hand-written endpoint pins a pod IP',
    "A hand-written EndpointSlice or Endpoints lists an IP that is a pod's current IP. Pod IPs change when the pod is rescheduled, so the endpoint breaks silently.",
    'For selectorless Services, each endpoint address is looked up among pods (field selector status.podIP). Endpoints that reference the pod through targetRef (as operators do) are not reported.',
    'Select the pod with spec.selector instead of pinning its IP, or let an operator maintain the endpoints.',
  ),
  e(
    'selector-no-match',
    'selector',
    ['error'],
    'Selector matches no pod',
    "No pod in the Service's namespace carries all of the selector's labels, so the Service has no endpoints.",
    "Pods are listed with the selector server-side; when none match, the namespace's pods are listed metadata-only and ranked per selector key (matched, differs with a case-only or small-edit difference, missing with a similarly named key). Offline, pod templates of workloads count as pods.",
    "Change spec.selector of the Service to the labels the pods carry, or change the labels of the pod template (spec.template.metadata.labels) to the selector's.",
  ),
  e(
    'pods-in-other-namespace',
    'selector',
    ['error'],
    'Matching pods are in another namespace',
    'Pods matching the selector exist, but only in other namespaces: a Service selects pods in its own namespace only.',
    'When no pod matches in the namespace, pods are listed across all namespaces with the same label selector (if RBAC allows).',
    "Create the Service in the pods' namespace (clients elsewhere use <service>.<namespace>), or deploy the pods into the Service's namespace.",
  ),
  e(
    'selector-spans-workloads',
    'selector',
    ['warning'],
    'Selector matches pods of several workloads',
    'The selector matches pods of more than one workload, so traffic is spread over all of them (an old version, a canary, another app sharing a label).',
    "Matching pods are grouped by their controlling owner (a Deployment's ReplicaSets count as that Deployment). Offline, pod templates are grouped by workload.",
    "Add a label that only the intended workload's pods carry to spec.selector (kdiag suggests one), or remove the shared label from the other workload.",
  ),
  e(
    'workload-template-mismatch',
    'workloads',
    ['error'],
    'Workload labels match but its pod template does not',
    "A workload's own labels (metadata.labels) match the Service selector but its pod template's labels do not. Services select pods, so the workload's own labels do not count.",
    'Read when no pod matches: each Deployment, StatefulSet, DaemonSet and ReplicaSet of the namespace whose metadata.labels match the selector while spec.template.metadata.labels do not.',
    "Put the selector's labels under spec.template.metadata.labels (and spec.selector, which is immutable for Deployments: recreate it), or change the Service selector.",
  ),
  e(
    'workload-scaled-to-zero',
    'workloads',
    ['error'],
    'Workload scaled to zero',
    'The workload whose pod template matches the selector has 0 replicas, so there are no pods to serve.',
    'Read when no pod matches: a workload whose spec.template.metadata.labels match the selector has spec.replicas 0.',
    'Scale it up: kubectl scale <kind>/<name> --replicas=N (check any HorizontalPodAutoscaler or GitOps tool that sets replicas).',
  ),
  e(
    'workload-pods-not-created',
    'workloads',
    ['error'],
    'Workload has no pods',
    'A workload whose pod template matches the selector wants replicas but has no pods: its controller cannot create them (quota, admission, a missing ServiceAccount).',
    'Read when no pod matches: a matching workload with spec.replicas > 0 and no pods; its conditions (ReplicaFailure, FailedCreate) are quoted.',
    "Read the workload's conditions and events (kubectl describe) and fix what rejects pod creation.",
  ),
  e(
    'pods-not-running',
    'pod-phase',
    ['error'],
    'Matching pods are not running',
    'Pods match, but none is Ready, and some have no IP or are not running: Pending (unschedulable, pulling images, init containers), Failed or Succeeded.',
    "status.phase, the PodScheduled condition, init and container states, and the pods' events (FailedScheduling, FailedCreatePodSandBox).",
    'Follow the cause given per pod (free capacity, fix the image, fix the init container, ...).',
  ),
  e(
    'pods-not-ready',
    'readiness',
    ['error'],
    'Matching pods are running but none is Ready',
    'Pods match and run, but none is Ready, so every endpoint is not-ready and receives no traffic.',
    "The Ready condition and the cause chain per pod: container waiting reason (CrashLoopBackOff with the last exit code), startup and readiness probes with the last Unhealthy event message, readiness gates, the node's Ready condition.",
    "Follow the cause given per pod: fix the crash, the probe's path/port, the readiness gate's controller, or the node.",
  ),
  e(
    'some-pods-not-ready',
    'readiness',
    ['warning'],
    'Some matching pods are not ready',
    'Some pods serve, others do not: capacity is reduced and a rollout may be stuck.',
    'Matching pods are split by the Ready condition; unready ones get the same cause chain as pods-not-ready.',
    'Follow the cause given per pod.',
  ),
  e(
    'pods-terminating',
    'readiness',
    ['warning'],
    'Matching pods are terminating',
    'Some matching pods are being deleted: their endpoints are serving-only or draining and receive no new connections.',
    'metadata.deletionTimestamp on matching pods, or EndpointSlice conditions terminating=true.',
    'Usually transient during a rollout; if pods stay terminating, look for finalizers or a long terminationGracePeriodSeconds.',
  ),
  e(
    'publish-not-ready-addresses',
    'readiness',
    ['info'],
    'Unready pods receive traffic',
    'spec.publishNotReadyAddresses is true: endpoints include pods that are not ready, and DNS returns them too.',
    'The Service field; unready matching pods are named.',
    'Intended for StatefulSet peer discovery; for client traffic, set it to false so only ready pods receive it.',
  ),
  e(
    'target-port-not-found',
    'ports',
    ['error', 'warning'],
    'Named targetPort not declared by the pods',
    "The Service port's targetPort is a name that the matching pods do not declare with that protocol. The endpoint controller then leaves this Service port out of the pods' endpoints: the pods can be Ready and listed, yet the port has no endpoints.",
    "The EndpointSlice controller's FindPort is replicated per pod and Service port: containers[].ports and sidecar (restartPolicy: Always) init containers, matched by name AND protocol. Endpoints are counted per Service port. Error when no matching pod resolves the name; warning when only some do not.",
    "Set targetPort to the port's number or to a name the container declares (kdiag names the closest), or name the container port (containers[].ports[].name) with the same protocol.",
  ),
  e(
    'probe-port-not-found',
    'ports',
    ['error'],
    'A probe names a port the container does not declare',
    'A readiness, liveness or startup probe (httpGet, tcpSocket) names its port by a name the container does not declare. The kubelet cannot resolve it, so the probe fails every time: a readiness probe keeps the pod out of the endpoints, a liveness or startup probe restarts the container.',
    "Each probe of each matching pod's containers (or, offline, each workload's pod template) whose port is a string is looked up among that container's containers[].ports[].name.",
    "Name the container port (containers[].ports[].name) as the probe does, or give the probe the port's number or a declared name (kdiag lists them).",
  ),
  e(
    'target-port-not-declared',
    'ports',
    ['warning', 'info'],
    'Numeric targetPort not declared by the pods',
    'The numeric targetPort (or port, when targetPort is omitted) is not among the ports the containers declare. Declared ports are informational, but when containers declare other ports this is usually the wrong number.',
    'Numeric targetPorts are compared with containers[].ports. Warning when the containers declare other ports; info when they declare none (kdiag cannot tell what listens).',
    'Set targetPort to the number the application listens on (kdiag lists the declared ones), or declare the port in the container.',
  ),
  e(
    'protocol-mismatch',
    'ports',
    ['warning'],
    'Service and container protocols differ',
    "The numeric targetPort is declared by a container, but with another protocol (e.g. UDP vs TCP): traffic of the Service's protocol finds nothing listening.",
    "For numeric targetPorts: a container port with that number exists, none with that number and the Service port's protocol. (For a named targetPort the same mistake is target-port-not-found.)",
    'Make spec.ports[].protocol and containers[].ports[].protocol agree; a Service can expose the same port for TCP and UDP as two entries.',
  ),
  e(
    'headless-port-remap',
    'ports',
    ['warning'],
    'Headless Service cannot remap ports',
    'A headless Service (clusterIP: None) has no virtual IP, so clients connect straight to pod IPs on the port they chose: port and targetPort differing does not remap anything.',
    "spec.clusterIP is None and a port's resolved targetPort differs from its port.",
    'Make port equal targetPort, or use a ClusterIP Service when you need the remapping.',
  ),
  e(
    'endpoints-not-reconciled',
    'endpoints',
    ['error'],
    'Ready pods are missing from the endpoints',
    'Matching pods are Ready with an IP but no EndpointSlice lists them: the endpoint controller has not caught up (its node is gone, kube-controller-manager is not running, or it cannot write, e.g. a ResourceQuota caps EndpointSlices).',
    "Ready, running matching pods whose IPs appear in none of the Service's EndpointSlices, Ready for over 10 s (at once when their node is gone or the controller recorded a FailedToUpdateEndpointSlices event since they turned Ready; that event is quoted, and a quota it names is); the pods' nodes are looked up.",
    "Check kube-controller-manager (kubectl get pods -n kube-system) and the pods' nodes; raise a ResourceQuota that caps count/endpointslices.discovery.k8s.io; recreating the pod forces an update.",
  ),
  e(
    'service-warning-events',
    'endpoints',
    ['warning'],
    'Warning events on the Service',
    'Controllers recorded Warning events on the Service itself: the endpoint or EndpointSlice controller failed to update its endpoints, a load-balancer or IP allocation failed, or the Service was misconfigured in a way only the controller noticed.',
    "The Service's events of type Warning (field selector involvedObject.kind=Service,involvedObject.name=NAME); the latest of each reason is quoted, with the count of all its events. Load-balancer events of a pending LoadBalancer are quoted by load-balancer-pending instead; EndpointSlice sync failures the controller has recovered from are endpoint-sync-recovered.",
    'Read the events (kubectl describe service NAME) and fix what they name; they stop once the controller succeeds.',
  ),
  e(
    'endpoint-sync-recovered',
    'endpoints',
    ['info'],
    'EndpointSlice sync failed earlier, synced since',
    "The EndpointSlice controller recorded that it failed to write the Service's EndpointSlices (FailedToUpdateEndpointSlices), but the EndpointSlices now list every Ready matching pod: the controller retried and succeeded. A conflict or a timeout under load does this now and then; Kubernetes keeps the event for an hour.",
    'Warning events with reason FailedToUpdateEndpointSlices on the Service, while its EndpointSlices exist, list every Ready matching pod and point at no pod that is gone. While they do not, the same events are service-warning-events (and missing pods endpoints-not-reconciled, without its grace period).',
    "Nothing to fix now. If the event keeps coming back, read kube-controller-manager's log for EndpointSlice errors and check the namespace's ResourceQuotas (count/endpointslices.discovery.k8s.io).",
  ),
  e(
    'network-policy-denies-all',
    'traffic',
    ['error'],
    'NetworkPolicies drop every connection to the target port',
    'NetworkPolicies select the pods for ingress and no rule of theirs allows the target port from any source, so every connection through the Service is dropped although the endpoints look healthy.',
    "The namespace's NetworkPolicies whose podSelector selects the matching pods (offline: the workloads' pod templates) and whose policyTypes include Ingress (policyTypes: [Ingress] with no rules denies all); their rules are checked for the resolved target port and protocol (named policy ports against the pods' container port names). A rule with ports and no from allows every source. A rule that names the Service port instead of the target port is called out.",
    "Add an ingress rule allowing the target port (the container port, not the Service port) from the clients, or fix the policy's podSelector.",
  ),
  e(
    'network-policy-isolated',
    'traffic',
    ['warning'],
    'NetworkPolicies admit only some sources',
    'NetworkPolicies select the pods for ingress and allow the target port only from some sources (pods, namespaces or IP blocks they name): every other client is dropped, although the endpoints look healthy.',
    "The namespace's NetworkPolicies selecting the matching pods for ingress: every rule that allows the resolved target port has a from list. The sources are named. (No rule allowing the port at all is network-policy-denies-all.)",
    "Check that the clients are among the named sources; add them to a rule's from list (podSelector, namespaceSelector, ipBlock) if not.",
  ),
  e(
    'internal-traffic-policy-local',
    'traffic',
    ['info'],
    'internalTrafficPolicy: Local',
    "Traffic from inside the cluster only reaches endpoints on the client's own node; clients on other nodes get no answer.",
    'spec.internalTrafficPolicy is Local; the nodes holding ready endpoints are named.',
    'Set it to Cluster unless every client node runs an endpoint (a DaemonSet).',
  ),
  e(
    'session-affinity',
    'traffic',
    ['info'],
    'sessionAffinity: ClientIP',
    'Each client IP sticks to one pod (for up to 3 hours by default), so load looks unbalanced and a client can keep hitting a bad pod.',
    'spec.sessionAffinity is ClientIP.',
    'Set sessionAffinity: None unless the application needs stickiness.',
  ),
] as const;

export type SvcCode = CodeOf<typeof SVC_CATALOGUE>;
export type SvcEntry = (typeof SVC_CATALOGUE)[number];

/** Lookup by code; throws on an unknown code so a typo fails fast in tests. */
export const SVC_CODES: ReadonlyMap<string, SvcEntry> = defineCatalogue(SVC_CATALOGUE);

/** The general codes kdiag svc's checks emit (kdiag route reports them too): one fact, one code. */
export type SharedTrafficCode = Extract<GeneralCode, 'external-traffic-policy-local' | 'load-balancer-pending'>;

/** A code a kdiag svc check may declare: its own, or a shared one. */
export type SvcCheckCode = SvcCode | SharedTrafficCode;

/**
 * Where the shared codes sit among svc's own within their stage (right after the named code), so `kdiag codes`
 * keeps listing them where it always has.
 */
const SHARED_AFTER: Record<SharedTrafficCode, SvcCode> = {
  'external-traffic-policy-local': 'network-policy-isolated',
  'load-balancer-pending': 'session-affinity',
};

function position(code: string, i: number): number {
  const after = SHARED_AFTER[code as SharedTrafficCode];
  if (after === undefined) return i;
  return GENERAL_CATALOGUE.length + SVC_CATALOGUE.findIndex((e) => e.code === after) + 0.5;
}

/** Every code `kdiag svc` can report (its own and the general ones), in the order `kdiag codes` lists them. */
export const SVC_REPORTED: readonly TypedEntry<string, (typeof SVC_STAGES)[number]>[] = [...GENERAL_CATALOGUE, ...SVC_CATALOGUE]
  .map((entry, i) => ({ entry, i: position(entry.code, i) }))
  .sort((a, b) => SVC_STAGES.indexOf(a.entry.stage) - SVC_STAGES.indexOf(b.entry.stage) || a.i - b.i)
  .map(({ entry }) => entry);

const STAGE_INDEX = new Map(SVC_REPORTED.map((entry) => [entry.code, SVC_STAGES.indexOf(entry.stage)]));

export const REPORTED_INDEX = defineCatalogue(SVC_REPORTED);

/** The default severity of a code `kdiag svc` reports (its own or a general one). */
export function severityOf(code: string): Severity {
  return entryOf(REPORTED_INDEX, code).severities[0];
}

/** Where a code sits in the causal order; throws on a code `kdiag svc` does not report. */
export function stageIndex(code: string): number {
  const i = STAGE_INDEX.get(code);
  if (i === undefined) throw new Error(`kdiag svc does not report ${code}`);
  return i;
}
