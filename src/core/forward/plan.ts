import type { TargetKind } from '../resource-arg.js';
import { selectorToString } from '../k8s/selectors.js';
import type { LabelSelector } from '../k8s/types.js';

/** Which supervisor input a watch feeds (`SupervisorInput['type']`). */
export type WatchInput = 'service' | 'endpointslices' | 'pods' | 'workload';

/** One list+watch the shell runs (with the adapter's `observe`) and feeds to the supervisor. */
export interface WatchPlan {
  input: WatchInput;
  /** API group ('' for core) and plural resource, as RBAC names them. */
  group: string;
  plural: string;
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** A denied optional watch is skipped (the forward still works, with less detail); a required one is an error. */
  optional: boolean;
}

/** One permission to check before forwarding; the same shape as the adapter's `AccessCheck`. */
export interface AccessNeed {
  verb: 'get' | 'list' | 'watch' | 'create';
  resource: string;
  subresource?: string;
  group: string;
  namespace: string;
  name?: string;
}

const WORKLOAD_PLURAL: Partial<Record<TargetKind, string>> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  ReplicaSet: 'replicasets',
};

/**
 * The watches that keep a target's supervisor current. `selector` is the Service's `spec.selector` or the workload's
 * `spec.selector`, read once at start (the pod watch of a Service is optional: EndpointSlices alone decide which pods
 * serve; pods add named-port resolution per pod, uids and early notice of termination).
 */
export function watchPlan(
  kind: TargetKind,
  name: string,
  namespace: string,
  selector?: Readonly<Record<string, string>> | LabelSelector,
): WatchPlan[] {
  const byName = `metadata.name=${name}`;
  const sel = selector ? selectorToString(selector) : undefined;
  switch (kind) {
    case 'Service':
      return [
        { input: 'service', group: '', plural: 'services', namespace, fieldSelector: byName, optional: false },
        {
          input: 'endpointslices',
          group: 'discovery.k8s.io',
          plural: 'endpointslices',
          namespace,
          labelSelector: `kubernetes.io/service-name=${name}`,
          optional: false,
        },
        ...(sel ? [{ input: 'pods' as const, group: '', plural: 'pods', namespace, labelSelector: sel, optional: true }] : []),
      ];
    case 'Pod':
      return [{ input: 'pods', group: '', plural: 'pods', namespace, fieldSelector: byName, optional: false }];
    default:
      return [
        { input: 'workload', group: 'apps', plural: WORKLOAD_PLURAL[kind]!, namespace, fieldSelector: byName, optional: false },
        { input: 'pods', group: '', plural: 'pods', namespace, ...(sel !== undefined ? { labelSelector: sel } : {}), optional: false },
      ];
  }
}

/**
 * The SelfSubjectAccessReviews to run before binding: `get` and `create` on pods/portforward (the WebSocket upgrade
 * is a GET, and API servers also require `create` for it), `get` of the target itself, and list+watch of every watch
 * in the plan. Required needs first.
 */
export function accessNeeds(kind: TargetKind, name: string, namespace: string, watches: readonly WatchPlan[]): AccessNeed[] {
  const targetPlural = kind === 'Service' ? 'services' : kind === 'Pod' ? 'pods' : WORKLOAD_PLURAL[kind]!;
  const targetGroup = kind === 'Service' || kind === 'Pod' ? '' : 'apps';
  const needs: AccessNeed[] = [
    { verb: 'get', resource: 'pods', subresource: 'portforward', group: '', namespace },
    { verb: 'create', resource: 'pods', subresource: 'portforward', group: '', namespace },
    { verb: 'get', resource: targetPlural, group: targetGroup, namespace, name },
  ];
  const ordered = [...watches.filter((w) => !w.optional), ...watches.filter((w) => w.optional)];
  for (const w of ordered) {
    for (const verb of ['list', 'watch'] as const) needs.push({ verb, resource: w.plural, group: w.group, namespace });
  }
  const seen = new Set<string>();
  return needs.filter((n) => {
    const key = `${n.verb}|${n.group}|${n.resource}|${n.subresource ?? ''}|${n.name ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
