import type { RenderEnv } from '../types.js';
import type { Hop, RouteReport } from '../../core/route/explain.js';
import { severitySummary } from '../../output/summary.js';
import { paint, renderFinding } from '../../output/text.js';

const LABEL: Record<Hop['kind'], string> = {
  request: 'request',
  'ingress-rule': 'ingress',
  'httproute-rule': 'httproute',
  class: 'class',
  gateway: 'gateway',
  listener: 'listener',
  address: 'address',
  tls: 'tls',
  service: 'service',
  'target-port': 'target port',
  pods: 'pods',
  exposure: 'exposure',
};

function objectName(h: Hop): string {
  if (!h.object) return '';
  return `${h.object.kind} ${h.object.namespace ? `${h.object.namespace}/` : ''}${h.object.name}`;
}

/** The chain: one line per hop, marked ok / FAIL / ? (unknown), then near misses, findings, and what the API cannot show. */
export function renderRouteText(r: RouteReport, env: RenderEnv): string {
  const c = paint(env);
  const out: string[] = [`${c.bold('Route')} ${r.target}`, ''];
  r.hops.forEach((h, i) => {
    const mark = h.ok === true ? c.green('ok  ') : h.ok === false ? c.red('FAIL') : c.yellow('?   ');
    const obj = objectName(h);
    out.push(
      `  ${i === 0 ? '  ' : '->'} [${mark}] ${LABEL[h.kind].padEnd(11)} ${h.detail}${obj && !h.detail.includes(h.object!.name) ? `  (${obj})` : ''}`,
    );
  });
  if (r.nearMisses.length > 0) {
    out.push('', `${c.bold('Near misses')}:`);
    for (const m of r.nearMisses) out.push(`  ${m.object.kind} ${m.object.namespace ?? ''}/${m.object.name} ${m.rule}: ${m.why}`);
  }
  out.push('');
  if (r.findings.length === 0) out.push(c.green('No problems found: the route reaches ready pods.'));
  else {
    out.push(`${c.bold('Findings')} (most causal first):`, '', r.findings.map((f) => renderFinding(f, env)).join('\n\n'), '');
    out.push(severitySummary(r.findings.map((f) => f.severity)));
  }
  out.push('', ...r.notes.map((n) => c.dim(n)));
  return `${out.join('\n')}\n`;
}
