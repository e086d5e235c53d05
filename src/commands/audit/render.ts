import type { RenderEnv } from '../types.js';
import { mostCausal, summaryLine, worstOf, type AuditSummary, type AuditedService } from '../../core/audit/summary.js';
import type { Finding } from '../../core/finding.js';
import { table } from '../../output/table.js';
import { paint, renderFinding, severityLabel } from '../../output/text.js';

/**
 * The `kdiag audit` text report: a table of the Services with findings, worst first (namespace, Service, type,
 * ready endpoints per port, the most causal code and its message), then one summary line. `-o wide` follows the
 * table with every finding of each Service, as `kdiag svc` prints them.
 */
export function renderAuditText(
  broken: readonly AuditedService[],
  summary: AuditSummary,
  topLevel: readonly Finding[],
  env: RenderEnv,
): string {
  const c = paint(env);
  const out: string[] = [];
  for (const f of topLevel) out.push(renderFinding(f, env), '');
  if (broken.length > 0) {
    const rows = broken.map((a) => {
      const f = mostCausal(a.findings)!;
      const more = a.findings.length > 1 ? ` (+${a.findings.length - 1})` : '';
      return [
        a.service.namespace,
        a.service.name,
        a.type,
        a.ready,
        `${severityLabel(worstOf(a.findings)!, env)} ${f.code}${more}`,
        f.message,
      ];
    });
    out.push(table(['NAMESPACE', 'SERVICE', 'TYPE', 'READY', 'FINDING', 'MESSAGE'], rows), '');
    if (env.wide) {
      for (const a of broken) {
        out.push(c.bold(`Service ${a.service.namespace}/${a.service.name}`));
        for (const f of a.findings) out.push(renderFinding(f, env));
        out.push('');
      }
    }
  }
  out.push(summaryLine(summary));
  return `${out.join('\n')}\n`;
}
