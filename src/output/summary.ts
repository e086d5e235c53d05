import type { Severity } from '../core/finding.js';

/**
 * The one summary line every report ends with: `1 error, 2 warnings, 0 info`. Counts severities, so a command can
 * pass them without building its findings. No colour: callers style it.
 */
export function severitySummary(severities: Iterable<Severity>): string {
  const n: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const s of severities) n[s]++;
  return `${n.error} error${n.error === 1 ? '' : 's'}, ${n.warning} warning${n.warning === 1 ? '' : 's'}, ${n.info} info`;
}
