import type { Pod } from '../k8s/types.js';
import { HEARTBEAT_ANNOTATION, OWNER_ANNOTATION, RUN_ID_LABEL } from './spec.js';
import { compareText } from '../compare.js';

/**
 * What `kdiag shell --gc` removes: kdiag debug pods whose heartbeat is older than `--stale-after` by the API
 * server's clock (never the local one: laptops' clocks drift), or that have finished (Succeeded/Failed, including
 * those stopped by their activeDeadlineSeconds, whose objects otherwise stay).
 */

export interface GcRow {
  namespace: string;
  name: string;
  /** `finished` (Succeeded/Failed) or `stale` (heartbeat older than --stale-after). */
  reason: 'finished' | 'stale';
  phase: string;
  /** The pod's status reason, e.g. DeadlineExceeded. */
  statusReason: string | null;
  heartbeat: string | null;
  /** Seconds between the heartbeat (else the creation time) and the server's time; null when neither is known. */
  ageSeconds: number | null;
  owner: string | null;
  runId: string | null;
}

/** The time a pod was last known alive: its heartbeat, else its creation. */
function lastSeen(pod: Pod): number | undefined {
  const hb = pod.metadata.annotations?.[HEARTBEAT_ANNOTATION];
  const t = Date.parse(hb ?? pod.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** The pods to remove, oldest first, with why. `serverNow` is the API server's Date. */
export function selectGarbage(pods: readonly Pod[], serverNow: Date, staleAfterMs: number): GcRow[] {
  const rows: GcRow[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const phase = pod.status?.phase ?? 'Unknown';
    const seen = lastSeen(pod);
    const age = seen === undefined ? null : Math.max(0, Math.round((serverNow.getTime() - seen) / 1000));
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const stale = seen !== undefined && serverNow.getTime() - seen > staleAfterMs;
    if (!finished && !stale) continue;
    rows.push({
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name,
      reason: finished ? 'finished' : 'stale',
      phase,
      statusReason: pod.status?.reason ?? null,
      heartbeat: pod.metadata.annotations?.[HEARTBEAT_ANNOTATION] ?? null,
      ageSeconds: age,
      owner: pod.metadata.annotations?.[OWNER_ANNOTATION] ?? null,
      runId: pod.metadata.labels?.[RUN_ID_LABEL] ?? null,
    });
  }
  return rows.sort(
    (a, b) => (b.ageSeconds ?? 0) - (a.ageSeconds ?? 0) || compareText(a.namespace, b.namespace) || compareText(a.name, b.name),
  );
}

/** `3m12s`, `45s`, `2h5m`: an age for the table. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}h${m ? `${m}m` : ''}`;
}
