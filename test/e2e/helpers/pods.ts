/**
 * Pod and endpoint helpers: list pods, wait for them, flip readiness (status patch), make a pod unschedulable (the real
 * kube-scheduler with an impossible request), delete a pod and wait for its replacement, read a Service's endpoints.
 * The manifests themselves come from test/helpers/manifests.ts (shared with the unit project).
 */
import { unschedulablePod } from '../../helpers/manifests.js';
import { getJson, getObject, kubectl, waitFor } from './cluster.js';

/** The parts of a Pod these helpers read. */
export interface PodLike {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; deletionTimestamp?: string; uid: string };
  spec: { nodeName?: string; containers: { name: string }[] };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** True when the pod's Ready condition is True (and it is not being deleted). */
export function isPodReady(pod: PodLike): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** Pods in `namespace` matching a label selector such as `app=web` (all pods when omitted). */
export async function listPods(namespace: string, selector?: string): Promise<PodLike[]> {
  const args = ['pods'];
  if (selector) args.push('-l', selector);
  const list = await getJson<{ items: PodLike[] }>(args, { namespace });
  return list.items;
}

/** Waits until exactly `count` pods match `selector`, none terminating, all Ready; resolves with them. */
export async function waitForReadyPods(namespace: string, selector: string, count: number, timeoutMs = 60_000): Promise<PodLike[]> {
  return waitFor(
    async () => {
      const pods = (await listPods(namespace, selector)).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === count && pods.every(isPodReady) ? pods : undefined;
    },
    { timeoutMs, what: `${count} ready pods ${selector} in ${namespace}` },
  );
}

/**
 * Sets a running pod's readiness with a status patch (Ready and ContainersReady conditions, each container's
 * `ready`). KWOK leaves Running pods alone, so the change sticks until the next call; the EndpointSlice controller
 * then marks the endpoint ready:false (or true again).
 */
export async function setPodReady(namespace: string, pod: string, ready: boolean): Promise<void> {
  const current = await getObject<PodLike>('pod', pod, namespace);
  if (!current) throw new Error(`setPodReady: pod ${namespace}/${pod} not found`);
  const status = ready ? 'True' : 'False';
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const reason = ready ? undefined : 'KdiagE2ENotReady';
  const patch = {
    status: {
      conditions: ['Ready', 'ContainersReady'].map((type) => ({ type, status, lastTransitionTime: now, reason: reason ?? null })),
      containerStatuses: current.spec.containers.map((c) => ({ name: c.name, ready })),
    },
  };
  await kubectl(['patch', 'pod', pod, '--subresource=status', '--type=strategic', '-p', JSON.stringify(patch)], { namespace });
}

/**
 * Creates an unschedulable pod (test/helpers/manifests.ts `unschedulablePod`) in `namespace` and waits until kube-scheduler reports it
 * (PodScheduled=False, reason Unschedulable). Resolves with the pod's scheduling message.
 */
export async function createUnschedulablePod(namespace: string, name: string, labels: Record<string, string> = {}): Promise<string> {
  await kubectl(['apply', '-f', '-'], { namespace, input: JSON.stringify(unschedulablePod(name, labels)) });
  return waitForUnschedulable(namespace, name);
}

/** Waits until the scheduler marks a pod PodScheduled=False/Unschedulable; resolves with the condition message. */
export async function waitForUnschedulable(namespace: string, pod: string, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    async () => {
      const p = await getObject<PodLike>('pod', pod, namespace);
      const c = p?.status?.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.status === 'False' && c.reason === 'Unschedulable' ? (c.message ?? 'Unschedulable') : undefined;
    },
    { timeoutMs, what: `pod ${namespace}/${pod} to be Unschedulable` },
  );
}

/**
 * Deletes a pod owned by a controller and waits until it is gone and a different, Ready pod matching `selector`
 * replaced it (default selector: all the old pod's labels, which include pod-template-hash). Resolves with the
 * replacement's name.
 */
export async function deletePodAndWaitForReplacement(
  namespace: string,
  pod: string,
  opts: { selector?: string; timeoutMs?: number } = {},
): Promise<string> {
  const old = await getObject<PodLike>('pod', pod, namespace);
  if (!old) throw new Error(`deletePodAndWaitForReplacement: pod ${namespace}/${pod} not found`);
  const selector =
    opts.selector ??
    Object.entries(old.metadata.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  if (!selector) throw new Error(`deletePodAndWaitForReplacement: pod ${pod} has no labels; pass a selector`);
  await kubectl(['delete', 'pod', pod, '--wait=false'], { namespace });
  return waitFor(
    async () => {
      const pods = await listPods(namespace, selector);
      if (pods.some((p) => p.metadata.uid === old.metadata.uid)) return undefined;
      const fresh = pods.find((p) => p.metadata.name !== pod && isPodReady(p));
      return fresh?.metadata.name;
    },
    { timeoutMs: opts.timeoutMs ?? 60_000, what: `a ready replacement for pod ${namespace}/${pod}` },
  );
}

/** One endpoint of a Service, flattened from its EndpointSlices. */
export interface ServiceEndpoint {
  address: string;
  ready: boolean;
  /** `namespace/name` of the pod behind it, when the slice names one. */
  pod?: string;
  nodeName?: string;
}

/** All endpoints of a Service from its EndpointSlices (label kubernetes.io/service-name). */
export async function serviceEndpoints(namespace: string, service: string): Promise<ServiceEndpoint[]> {
  const list = await getJson<{ items: any[] }>(['endpointslices.discovery.k8s.io', '-l', `kubernetes.io/service-name=${service}`], {
    namespace,
  });
  const out: ServiceEndpoint[] = [];
  for (const slice of list.items) {
    for (const ep of slice.endpoints ?? []) {
      for (const address of ep.addresses ?? []) {
        out.push({
          address,
          ready: ep.conditions?.ready === true,
          pod: ep.targetRef?.kind === 'Pod' ? `${ep.targetRef.namespace}/${ep.targetRef.name}` : undefined,
          nodeName: ep.nodeName,
        });
      }
    }
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}
