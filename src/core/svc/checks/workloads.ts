import type { Evidence } from '../../finding.js';
import { eventsFor } from '../../k8s/events.js';
import { refOf } from '../../k8s/refs.js';
import { compareLabels, keyEvidence, matchesMap, selectorToString } from '../../k8s/selectors.js';
import type { Workload } from '../../k8s/types.js';
import { templateLabels, topWorkloads, workloadKindPath } from '../../k8s/workloads.js';
import { workloadsMatchingTemplate } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { q } from '../../words.js';

// Workloads whose pod template would match when no pod does: scaled to zero, failing to create pods, or
// labelled on the workload instead of its template.

/** `workload-scaled-to-zero`: the workload whose template matches has 0 replicas. */
export const workloadScaledToZero = defineCheck({
  name: 'workloadScaledToZero',
  codes: ['workload-scaled-to-zero'],
  stage: 'workloads',
  run: (a) => {
    if (!a.selector || a.matching.length > 0) return [];
    return workloadsMatchingTemplate(a)
      .filter((w) => w.spec?.replicas === 0)
      .map((w) => {
        const ref = refOf(w);
        return finding(
          'workload-scaled-to-zero',
          `${w.kind} ${q(w.metadata.name)} has pods that would match the selector, but it is scaled to 0 replicas.`,
          [
            { kind: 'field', object: ref, field: 'spec.replicas', value: '0' },
            { kind: 'labels', object: ref, field: 'spec.template.metadata.labels', value: selectorToString(templateLabels(w)) },
          ],
          `scale it up: kubectl scale ${workloadKindPath(w.kind)}/${w.metadata.name} -n ${a.ns} --replicas=1 (check for an HPA or a ` +
            `GitOps tool that sets replicas back)`,
          ref,
        );
      });
  },
});

/** `workload-pods-not-created`: a matching workload wants replicas but has no pods. */
export const workloadPodsNotCreated = defineCheck({
  name: 'workloadPodsNotCreated',
  codes: ['workload-pods-not-created'],
  stage: 'workloads',
  run: (a) => {
    if (!a.selector || a.matching.length > 0 || !a.s.hasStatus) return [];
    const failing = (w: Workload) =>
      (w.status?.conditions ?? []).some(
        (c) => (c.type === 'ReplicaFailure' && c.status === 'True') || (c.type === 'Available' && c.status === 'False'),
      );
    return (
      workloadsMatchingTemplate(a)
        // A workload whose status counts pods has them (the pod list may just be behind); say nothing then.
        .filter((w) => w.spec?.replicas !== 0 && (!(w.status?.replicas ?? 0) || failing(w)))
        .map((w) => {
          const ref = refOf(w);
          const evidence: Evidence[] = [
            {
              kind: 'field',
              object: ref,
              field: 'spec.replicas',
              value: String(w.spec?.replicas ?? (w.kind === 'DaemonSet' ? '(one per node)' : 1)),
            },
          ];
          for (const c of w.status?.conditions ?? []) {
            if (
              (c.type === 'ReplicaFailure' && c.status === 'True') ||
              (c.type === 'Available' && c.status === 'False') ||
              (c.type === 'Progressing' && c.status === 'False')
            ) {
              evidence.push({
                kind: 'condition',
                object: ref,
                field: `status.conditions[${c.type}]`,
                value: `${c.status} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`.trim(),
              });
            }
          }
          const ev = eventsFor(a.s.events, w, w.kind ?? '').find((e) => e.type === 'Warning');
          if (ev) evidence.push({ kind: 'event', object: ref, value: `${ev.reason ?? ''}: ${ev.message ?? ''}` });
          return finding(
            'workload-pods-not-created',
            `${w.kind} ${q(w.metadata.name)} matches the selector and wants replicas, but has no pods: its controller cannot create them.`,
            evidence,
            `read why pods are not created: kubectl describe ${workloadKindPath(w.kind)}/${w.metadata.name} -n ${a.ns} (quota, admission ` +
              `webhooks, a missing ServiceAccount)`,
            ref,
          );
        })
    );
  },
});

/** Workload kinds whose spec.selector cannot change once created. */
const IMMUTABLE_SELECTOR = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** `workload-template-mismatch`: labels on the workload itself, not on its pod template. */
export const workloadTemplateMismatch = defineCheck({
  name: 'workloadTemplateMismatch',
  codes: ['workload-template-mismatch'],
  stage: 'workloads',
  run: (a) => {
    if (!a.selector || a.matching.length > 0) return [];
    return topWorkloads(a.s.workloads)
      .filter((w) => matchesMap(a.selector, w.metadata.labels) && !matchesMap(a.selector, templateLabels(w)))
      .map((w) => {
        const ref = refOf(w);
        const diffs = compareLabels(a.selector!, templateLabels(w)).filter((k) => k.status !== 'matched');
        const immutable = IMMUTABLE_SELECTOR.has(w.kind ?? '')
          ? ' (its spec.selector is immutable: if it must change too, recreate the workload)'
          : '';
        return finding(
          'workload-template-mismatch',
          `${w.kind} ${q(w.metadata.name)} carries the selector's labels on itself (metadata.labels) but not on its pod template, and a ` +
            `Service selects pods.`,
          [
            { kind: 'labels', object: ref, field: 'metadata.labels', value: selectorToString(w.metadata.labels ?? {}) },
            { kind: 'labels', object: ref, field: 'spec.template.metadata.labels', value: selectorToString(templateLabels(w)) || '(none)' },
            ...diffs.flatMap((k): Evidence[] => keyEvidence(k, ref, 'spec.template.metadata.labels')),
          ],
          `put ${diffs.map((k) => `${k.key}: ${k.want}`).join(', ')} under spec.template.metadata.labels of ` +
            `${workloadKindPath(w.kind)}/${w.metadata.name}${immutable}`,
          ref,
        );
      });
  },
});
