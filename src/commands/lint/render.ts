import { severitySummary } from '../../output/summary.js';
import type { Finding, Severity } from '../../core/finding.js';
import type { RenderEnv } from '../types.js';

// The text report of `kdiag lint`, in a module of its own (imported only when text is printed), and chalk is
// imported only when the report is coloured.

/** The styles the report uses. */
export interface LintStyles {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  /** The severity label, upper case (the report lower-cases it). */
  severity(sev: Severity): string;
}

/** No colour: what chalk prints at level 0 (the text unchanged), without importing chalk. */
const PLAIN: LintStyles = {
  bold: (text) => text,
  dim: (text) => text,
  green: (text) => text,
  severity: (sev) => sev.toUpperCase(),
};

/** The styles for `env`: chalk's (src/output/text.ts) when colouring, else PLAIN. */
export async function lintStyles(env: Pick<RenderEnv, 'color'>): Promise<LintStyles> {
  if (!env.color) return PLAIN;
  const { paint, severityLabel } = await import('../../output/text.js');
  const c = paint(env);
  return { bold: (t) => c.bold(t), dim: (t) => c.dim(t), green: (t) => c.green(t), severity: (sev) => severityLabel(sev, env) };
}

/** `file:line:col code message`, the line excerpt, the hint; then a summary. */
export function renderText(
  findings: readonly Finding[],
  summary: { files: number; unreadable: number; testFiles?: number },
  c: LintStyles,
): string {
  const out: string[] = [];
  for (const f of findings) {
    const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}` : 'cluster';
    // The issue's contract is `file:line:col code message`: the severity leads the message, as compilers print it.
    out.push(`${c.bold(where)} ${c.bold(f.code)} ${c.severity(f.severity).toLowerCase()}: ${f.message}`);
    const line = f.evidence.find((e) => e.kind === 'line')?.value;
    if (line !== undefined) out.push(`    ${c.dim('|')} ${line}`);
    if (f.hint) out.push(`    ${c.green('hint:')} ${f.hint}`);
  }
  const files = `${summary.files} file${summary.files === 1 ? '' : 's'} scanned`;
  const tests = summary.testFiles ? `, ${summary.testFiles} test file${summary.testFiles === 1 ? '' : 's'} skipped (--include-tests)` : '';
  const unread = `${summary.unreadable > 0 ? `, ${summary.unreadable} unreadable` : ''}${tests}`;
  if (findings.length === 0) out.push(`no hard-coded IPs found (${files}${unread})`);
  else {
    if (out.length > 0) out.push('');
    out.push(`${severitySummary(findings.map((f) => f.severity))} (${files}${unread})`);
  }
  return out.join('\n');
}
