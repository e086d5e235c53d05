import type { KubeEvent } from '../k8s/types.js';
import { diagnosePod, hintForReason } from '../k8s/pods.js';
import type { Pod } from '../k8s/types.js';
import { ENFORCE_LABEL } from './pss.js';

/**
 * Why the debug pod did not start, or why the API server would not take it: the same readiness cause chain as
 * `kdiag svc` (core/k8s/pods.ts: scheduling, image pull, containers waiting...), plus what admission said.
 */

export interface StartFailure {
  /** `Unschedulable`, `ImagePullBackOff`, `DeadlineExceeded`... (diagnosePod's reason). */
  reason: string;
  message: string;
  hint: string;
}

/** The pod did not become Running within the start timeout (or ended first). */
export function explainNotStarted(pod: Pod | undefined, events: readonly KubeEvent[], waitedText: string): StartFailure {
  if (!pod) {
    return {
      reason: 'Gone',
      message: `the debug pod disappeared while starting (after ${waitedText})`,
      hint: 'someone or something deleted it; try again',
    };
  }
  const d = diagnosePod(pod, events, undefined, undefined);
  const name = pod.metadata.name;
  if (!d) return { reason: 'Timeout', message: `pod ${name} did not start within ${waitedText}`, hint: 'raise --start-timeout' };
  return {
    reason: d.reason,
    message: `pod ${name} did not start within ${waitedText}: ${d.cause}`,
    hint: `${hintForReason(d.reason, pod)} (the pod is deleted; raise --start-timeout to wait longer)`,
  };
}

/** What an admission rejection of the pod is about. */
export type Rejection =
  | { kind: 'pod-security'; message: string }
  | { kind: 'quota'; message: string }
  | { kind: 'policy'; message: string }
  | { kind: 'other'; message: string };

/**
 * Classifies the API server's answer to creating the pod (dry run or real): PodSecurity admission, a
 * ResourceQuota, another admission webhook (Kyverno, Gatekeeper), or anything else. `message` is the server's.
 */
export function classifyRejection(message: string): Rejection {
  if (/violates PodSecurity/i.test(message)) return { kind: 'pod-security', message };
  if (/exceeded quota|must specify limits|must specify requests|forbidden: failed quota/i.test(message)) return { kind: 'quota', message };
  if (/admission webhook|denied the request|validation error|policy/i.test(message)) return { kind: 'policy', message };
  return { kind: 'other', message };
}

/** True when trying a stricter profile could help (the rejection is about the pod's security settings). */
export function stricterProfileMayHelp(r: Rejection): boolean {
  return r.kind === 'pod-security' || r.kind === 'policy';
}

/** The explanation when no profile is accepted. `labels` are the namespace's labels when kdiag could read them. */
export function explainRejected(
  namespace: string,
  r: Rejection,
  labels: Record<string, string> | undefined,
): { message: string; hint: string } {
  const enforce = labels?.[ENFORCE_LABEL];
  switch (r.kind) {
    case 'pod-security':
      return {
        message: `namespace ${namespace} rejects the debug pod even with the restricted profile: ${r.message}`,
        hint:
          enforce !== undefined
            ? `the namespace's label ${ENFORCE_LABEL}=${enforce} enforces this; run the shell in another namespace, or ask an admin for an exemption`
            : `Pod Security admission enforces this (cluster defaults or exemptions); run the shell in another namespace, or ask an admin`,
      };
    case 'quota':
      return {
        message: `namespace ${namespace} has no room for the debug pod under its ResourceQuota: ${r.message}`,
        hint: `free some quota (kubectl describe resourcequota -n ${namespace}) or run the shell in another namespace`,
      };
    case 'policy':
      return {
        message: `an admission policy in namespace ${namespace} rejects the debug pod: ${r.message}`,
        hint: `a policy engine (Kyverno, Gatekeeper, a webhook) enforces this; try --image with an allowed image, or another namespace`,
      };
    default:
      return {
        message: `the API server rejected the debug pod in namespace ${namespace}: ${r.message}`,
        hint: 'retry with --debug to see the requests',
      };
  }
}
