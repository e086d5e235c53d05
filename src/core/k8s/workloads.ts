import { formatRef } from './refs.js';
import type { Pod, Workload } from './types.js';

/** Workloads and their pod templates. Pure. */

/** A workload's pod template labels (`spec.template.metadata.labels`), `{}` when unset. */
export function templateLabels(w: Workload): Record<string, string> {
  return w.spec?.template?.metadata?.labels ?? {};
}

/** A workload's pod template as a pod-shaped object, so offline checks can treat templates like pods. */
export function templatePod(w: Workload): Pod {
  const kind = w.kind ?? 'Workload';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: formatRef({ kind, name: w.metadata.name }),
      ...(w.metadata.namespace ? { namespace: w.metadata.namespace } : {}),
      labels: templateLabels(w),
      ownerReferences: [{ apiVersion: w.apiVersion ?? 'apps/v1', kind, name: w.metadata.name, controller: true }],
    },
    ...(w.spec?.template?.spec ? { spec: w.spec.template.spec } : {}),
  };
}

/** True for the pod-shaped stand-in `templatePod` makes (its name is `kind/name`). */
export function isTemplatePod(pod: Pod | { metadata: { name: string } }): boolean {
  return pod.metadata.name.includes('/');
}

/** Workloads whose pods users think of as theirs: ReplicaSets owned by a Deployment are covered by it. */
export function topWorkloads(ws: readonly Workload[] | undefined): Workload[] {
  return (ws ?? []).filter((w) => !(w.kind === 'ReplicaSet' && (w.metadata.ownerReferences ?? []).some((o) => o.kind === 'Deployment')));
}

/** True when the workload's own `spec.selector` uses `key` (in matchLabels or a matchExpression). */
export function selectsByKey(w: Workload, key: string): boolean {
  const sel = w.spec?.selector;
  return Boolean(
    sel && (Object.prototype.hasOwnProperty.call(sel.matchLabels ?? {}, key) || (sel.matchExpressions ?? []).some((e) => e.key === key)),
  );
}

/** The workload's kind as kubectl spells it on a command line (`deployment` when unknown). */
export function workloadKindPath(kind: string | undefined): string {
  return (kind ?? 'deployment').toLowerCase();
}
