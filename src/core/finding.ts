/**
 * The unit every diagnostic produces. Field names are a public contract (`-o json`, schemaVersion 1):
 * `{code, severity, message, evidence: [{kind, object?, field?, value}], hint}`.
 */
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** A Kubernetes object named in evidence or as a finding's subject. */
export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** One fact behind a conclusion: a label value, a condition, an event message, a line of a file. */
export interface Evidence {
  /** What sort of fact this is, e.g. `selector`, `label`, `condition`, `event`, `port`, `line`. */
  kind: string;
  object?: ObjectRef;
  /** JSON-path-like field of `object` the value was read from, e.g. `spec.template.metadata.labels.app`. */
  field?: string;
  value: string;
}

/** A position in a file: 1-based line and column (columns count Unicode code points). */
export interface FileLocation {
  /** Relative to the working folder, `/` separators. */
  file: string;
  line: number;
  column: number;
  endColumn?: number;
}

export interface Finding {
  /** Stable kebab-case code from the catalogue, e.g. `selector-no-match`. */
  code: string;
  severity: Severity;
  /** One sentence: what is wrong, in the user's terms. */
  message: string;
  evidence: Evidence[];
  /** The concrete next step. */
  hint: string;
  /** The object the finding is about, where there is one. */
  object?: ObjectRef;
  /** Where in a file, for offline checks of files (`lint`). */
  location?: FileLocation;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Negative when `a` is more severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[a] - RANK[b];
}

/** True when `severity` is at or above `threshold` (error > warning > info). */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] <= RANK[threshold];
}

/** Counts per severity, for summaries. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}
