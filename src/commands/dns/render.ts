import type { DnsRecord, DnsReport } from '../../core/dns/types.js';
import { severitySummary } from '../../output/summary.js';
import { table } from '../../output/table.js';
import { paint, renderFinding } from '../../output/text.js';
import type { RenderEnv } from '../types.js';
import type { ProbeOutcome } from './probe.js';

function value(r: DnsRecord): string {
  if (r.type === 'SRV') return `${r.value.priority} ${r.value.weight} ${r.value.port} ${r.value.target}`;
  return r.value;
}

/** The `kdiag dns` text report: the queries the resolver sends, the answer, notes, then the findings. */
export function renderDnsText(r: DnsReport, env: RenderEnv, probe?: ProbeOutcome): string {
  const c = paint(env);
  const out: string[] = [];
  out.push(
    `${c.bold('Lookup')} ${r.query.host}${r.query.port !== undefined ? ` (port ${r.query.port})` : ''} from namespace ${r.clientNamespace} (cluster domain ${r.clusterDomain}${r.clusterDomainSource === 'assumed' ? ', assumed' : r.clusterDomainSource === 'resolv.conf' ? ", from the pod's resolv.conf" : ''})`,
  );
  if (r.queries.length > 0) {
    out.push('', `${c.bold('Queries')} (search ${r.resolver.search.join(' ') || '(none)'}, ndots ${r.resolver.ndots}):`);
    const rows = r.queries.map((q) => [
      q.name,
      q.type,
      q.result === 'NOERROR' ? c.green(q.result) : q.result === 'UPSTREAM' ? q.result : c.red(q.result),
      q.object ? `${q.object.kind} ${q.object.namespace ? `${q.object.namespace}/` : ''}${q.object.name}` : (q.reason ?? '-'),
    ]);
    out.push(indent(table(['NAME', 'TYPE', 'RESULT', 'OBJECT'], rows)));
  }
  out.push('');
  if (r.answer.records.length === 0) out.push(`${c.bold('Answer')}: none`);
  else {
    out.push(`${c.bold('Answer')}:`);
    out.push(
      indent(
        table(
          ['TYPE', 'NAME', 'VALUE'],
          r.answer.records.map((x) => [x.type, x.name, value(x)]),
        ),
      ),
    );
  }
  if (probe) {
    out.push('', `${c.bold('Probe')} in pod ${probe.pod.namespace}/${probe.pod.name}${probe.pod.debug ? ' (a debug pod, deleted)' : ''}:`);
    for (const cmd of probe.commands) {
      const how = cmd.missing ? 'not in the image' : cmd.failure !== undefined ? `failed: ${cmd.failure}` : `exit ${cmd.exitCode ?? '?'}`;
      out.push(`  $ ${cmd.command}   (${how})`);
    }
    const o = probe.observed;
    if (o) {
      const got = o.srv ? o.srv.map((x) => `${x.priority} ${x.weight} ${x.port} ${x.target}`) : (o.addresses ?? []);
      out.push(`  answered: ${got.length > 0 ? got.join(', ') : (o.error ?? 'nothing')}`);
    }
  }
  if (r.notes.length > 0) {
    out.push('', `${c.bold('Notes')}:`, ...r.notes.map((n) => `  - ${n}`));
  }
  out.push('');
  if (r.findings.length === 0) out.push(c.green('No problems found.'));
  else {
    out.push(`${c.bold('Findings')} (most severe first):`, '', r.findings.map((f) => renderFinding(f, env)).join('\n\n'), '');
  }
  out.push(severitySummary(r.findings.map((f) => f.severity)));
  return `${out.join('\n')}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
