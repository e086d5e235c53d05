import { compareSeverity, type Finding, type Severity } from '../finding.js';
import { compareText } from '../compare.js';

/** One audited Service: what `kdiag svc` reports for it, plus what the table shows. */
export interface AuditedService {
  service: { namespace: string; name: string };
  type: string;
  /** Ready endpoints per Service port (`http 3, metrics 0`); '' when not known (offline without status). */
  ready: string;
  findings: Finding[];
}

export interface AuditSummary {
  services: number;
  healthy: number;
  /** Services whose worst finding is an error; likewise warnings and infos: a Service counts once. */
  errors: number;
  warnings: number;
  infos: number;
}

/** The worst severity of a Service's findings; undefined when it has none. */
export function worstOf(findings: readonly Finding[]): Severity | undefined {
  let worst: Severity | undefined;
  for (const f of findings) if (!worst || compareSeverity(f.severity, worst) < 0) worst = f.severity;
  return worst;
}

/** `--only` and `--skip`: keep the findings whose code is in `only` (when given) and not in `skip`. */
export function filterFindings(findings: readonly Finding[], only: readonly string[] | undefined, skip: readonly string[]): Finding[] {
  return findings.filter((f) => (!only || only.includes(f.code)) && !skip.includes(f.code));
}

export function summarize(all: readonly AuditedService[]): AuditSummary {
  const s: AuditSummary = { services: all.length, healthy: 0, errors: 0, warnings: 0, infos: 0 };
  for (const a of all) {
    const w = worstOf(a.findings);
    if (!w) s.healthy++;
    else if (w === 'error') s.errors++;
    else if (w === 'warning') s.warnings++;
    else s.infos++;
  }
  return s;
}

/** `412 Services: 398 healthy, 9 with errors, 5 with warnings` (and `, N with info only` when there are some). */
export function summaryLine(s: AuditSummary): string {
  const parts = [`${s.healthy} healthy`, `${s.errors} with errors`, `${s.warnings} with warnings`];
  if (s.infos > 0) parts.push(`${s.infos} with info only`);
  return `${s.services} Service${s.services === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** Services with findings, worst first: by worst severity, then number of errors, then namespace and name. */
export function worstFirst(all: readonly AuditedService[]): AuditedService[] {
  const count = (a: AuditedService, sev: Severity) => a.findings.filter((f) => f.severity === sev).length;
  return all
    .filter((a) => a.findings.length > 0)
    .sort(
      (a, b) =>
        compareSeverity(worstOf(a.findings)!, worstOf(b.findings)!) ||
        count(b, 'error') - count(a, 'error') ||
        count(b, 'warning') - count(a, 'warning') ||
        compareText(a.service.namespace, b.service.namespace) ||
        compareText(a.service.name, b.service.name),
    );
}

/**
 * The most causal finding of a Service, for its table row: the first at its worst severity (`kdiag svc` orders
 * findings causally, so the first error is the root cause).
 */
export function mostCausal(findings: readonly Finding[]): Finding | undefined {
  const w = worstOf(findings);
  return findings.find((f) => f.severity === w);
}
