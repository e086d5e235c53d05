import { R } from '../../cluster/reader.js';
import type { Pod } from '../../core/k8s/types.js';
import { shellAccessNeeds } from '../../core/shell/access.js';
import { formatAge, selectGarbage, type GcRow } from '../../core/shell/gc.js';
import { SHELL_SELECTOR } from '../../core/shell/spec.js';
import { missingPermissions } from '../../context.js';
import { table } from '../../output/table.js';
import type { Context, Outcome } from '../types.js';
import { detachedConnection } from './connection.js';
import type { ShellOptions } from './options.js';

/**
 * `kdiag shell --gc [-A]`: lists kdiag's debug pods (label selector, server side), keeps those whose heartbeat is
 * fresh by the API server's clock, deletes the stale and the finished ones, and reports what it removed.
 */
export async function runShellGc(opts: ShellOptions, ctx: Context): Promise<Outcome> {
  const conn = await detachedConnection(ctx);
  const namespace = opts.namespace ?? conn.reader.defaultNamespace;
  const all = opts.allNamespaces;
  const results = await conn.canI(shellAccessNeeds({ kind: 'gc', allNamespaces: all }, namespace));
  const denied = results.filter((r) => !r.allowed);
  if (denied.length > 0) throw missingPermissions(denied);

  const pods = await conn.reader.list<Pod>(R.pods, { ...(all ? {} : { namespace }), labelSelector: SHELL_SELECTOR });
  // The Date of the list's answer: staleness by the server's clock.
  const serverNow = await conn.serverTime();
  const rows = selectGarbage(pods, serverNow, opts.staleAfterMs);
  const removed: (GcRow & { deleted: boolean })[] = [];
  for (const row of rows) {
    const deleted = await conn.delete(R.pods, row.namespace, row.name);
    removed.push({ ...row, deleted });
  }
  const kept = pods.length - rows.length;
  const document = {
    serverTime: serverNow.toISOString(),
    staleAfterSeconds: Math.round(opts.staleAfterMs / 1000),
    namespace: all ? null : namespace,
    removed,
    kept,
  };
  return {
    document,
    findings: [],
    renderers: {
      text: () => {
        const where = all ? 'in any namespace' : `in namespace ${namespace}`;
        const keptText = kept > 0 ? `; ${kept} still in use kept` : '';
        if (removed.length === 0) return `no kdiag debug pods to remove ${where}${keptText}\n`;
        const body = table(
          ['NAMESPACE', 'POD', 'REASON', 'PHASE', 'LAST HEARTBEAT', 'OWNER'],
          removed.map((r) => [
            r.namespace,
            r.name,
            r.reason === 'finished' ? `finished${r.statusReason ? ` (${r.statusReason})` : ''}` : 'stale heartbeat',
            r.phase,
            `${formatAge(r.ageSeconds)} ago`,
            r.owner ?? '-',
          ]),
        );
        return `${body}\nremoved ${removed.length} kdiag debug pod${removed.length === 1 ? '' : 's'} ${where}${keptText}\n`;
      },
    },
  };
}
