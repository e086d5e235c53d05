import { Chalk, type ChalkInstance } from 'chalk';
import type { RenderEnv } from './render-env.js';
import type { Finding, Severity } from '../core/finding.js';
import { formatRef } from '../core/k8s/refs.js';

/** A chalk instance that colours only when the environment says so (chalk alone ignores NO_COLOR on a TTY). */
export function paint(env: Pick<RenderEnv, 'color'>): ChalkInstance {
  return new Chalk({ level: env.color ? 1 : 0 });
}

export function severityLabel(sev: Severity, env: Pick<RenderEnv, 'color'>): string {
  const c = paint(env);
  const label = sev.toUpperCase();
  return sev === 'error' ? c.red.bold(label) : sev === 'warning' ? c.yellow.bold(label) : c.cyan(label);
}

/** The common text block for a finding: severity, code, message, evidence lines, hint. */
export function renderFinding(f: Finding, env: Pick<RenderEnv, 'color'>): string {
  const c = paint(env);
  const lines = [`${severityLabel(f.severity, env)} ${c.bold(f.code)}: ${f.message}`];
  for (const e of f.evidence) {
    const where = e.object ? formatRef(e.object) : '';
    const field = e.field ? `${where ? ' ' : ''}${e.field}` : '';
    const prefix = where || field ? `${where}${field}: ` : `${e.kind}: `;
    lines.push(`    ${c.dim('-')} ${prefix}${e.value}`);
  }
  if (f.hint) lines.push(`    ${c.green('hint:')} ${f.hint}`);
  return lines.join('\n');
}
