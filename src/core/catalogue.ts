import type { Severity } from './finding.js';

/**
 * One entry of the finding catalogue: the single source of the texts that the README, `kdiag docs` and SARIF
 * `tool.driver.rules` show. `severity` is the default; a check may lower or raise it where the entry says so.
 */
export interface CatalogueEntry {
  code: string;
  severity: Severity;
  /** Which command emits it. */
  area: 'svc' | 'lint' | 'general';
  title: string;
  /** What it means for the user. */
  meaning: string;
  /** How kdiag detects it. */
  detection: string;
  /** How to fix it. */
  fix: string;
}

/** Builds a lookup that throws on an unknown code, so a typo in a check fails its tests at once. */
export function defineCatalogue(entries: readonly CatalogueEntry[]): ReadonlyMap<string, CatalogueEntry> {
  const map = new Map<string, CatalogueEntry>();
  for (const e of entries) {
    if (map.has(e.code)) throw new Error(`duplicate catalogue code ${e.code}`);
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(e.code)) throw new Error(`catalogue code is not kebab-case: ${e.code}`);
    map.set(e.code, e);
  }
  return map;
}
