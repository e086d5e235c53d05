import type { Evidence, Finding, ObjectRef, Severity } from './finding.js';

/**
 * One entry of the finding catalogue as `kdiag codes` prints it (`-o json` is a contract: these fields, in this
 * order) and as the README, `kdiag docs` and SARIF `tool.driver.rules` show it. `severity` is the default.
 */
export interface CatalogueEntry {
  code: string;
  severity: Severity;
  /** Which command emits it. */
  area: 'svc' | 'lint' | 'dns' | 'route' | 'audit' | 'general';
  title: string;
  /** What it means for the user. */
  meaning: string;
  /** How kdiag detects it. */
  detection: string;
  /** How to fix it. */
  fix: string;
}

/**
 * A catalogue entry as written in the source (`as const`): the texts, plus what checks and ordering use. `C` is
 * the literal code, `S` the stage vocabulary of its catalogue.
 */
export interface TypedEntry<C extends string = string, S extends string = string> {
  readonly code: C;
  readonly area: CatalogueEntry['area'];
  /** Where in its command's causal order the finding sits; findings are sorted by stage. */
  readonly stage: S;
  /** The severities a finding of this code may take, the default first. */
  readonly severities: readonly [Severity, ...Severity[]];
  readonly title: string;
  readonly meaning: string;
  readonly detection: string;
  readonly fix: string;
}

/** The literal codes of a typed catalogue. */
export type CodeOf<T extends readonly TypedEntry[]> = T[number]['code'];

/** The public shape of a typed entry (the default severity first in `severities`). */
export function publicEntry(e: TypedEntry): CatalogueEntry {
  return {
    code: e.code,
    severity: e.severities[0],
    area: e.area,
    title: e.title,
    meaning: e.meaning,
    detection: e.detection,
    fix: e.fix,
  };
}

/** Builds a lookup that throws on an unknown code, so a typo in a check fails its tests at once. */
export function defineCatalogue<E extends { code: string }>(entries: readonly E[]): ReadonlyMap<string, E> {
  const map = new Map<string, E>();
  for (const e of entries) {
    if (map.has(e.code)) throw new Error(`duplicate catalogue code ${e.code}`);
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(e.code)) throw new Error(`catalogue code is not kebab-case: ${e.code}`);
    map.set(e.code, e);
  }
  return map;
}

/** The entry of `code`; throws on a code the catalogue does not hold. */
export function entryOf<E extends TypedEntry>(index: ReadonlyMap<string, E>, code: string): E {
  const entry = index.get(code);
  if (!entry) throw new Error(`unknown finding code ${code}`);
  return entry;
}

/** The severity a finding gets: the entry's default, or `wanted` when the entry allows it (else this throws). */
export function severityFor(entry: TypedEntry, wanted?: Severity): Severity {
  if (wanted === undefined) return entry.severities[0];
  if (!entry.severities.includes(wanted)) throw new Error(`${entry.code} is never ${wanted} (catalogue: ${entry.severities.join(', ')})`);
  return wanted;
}

/** What a finding says beyond its code. */
export interface FindingParts {
  message: string;
  evidence: Evidence[];
  hint: string;
  object?: ObjectRef;
  /** One of the entry's `severities`; its default when omitted. */
  severity?: Severity;
}

/** A finding of a catalogued code, its severity checked against the catalogue. Keys in the `-o json` order. */
export function makeFinding(entry: TypedEntry, p: FindingParts): Finding {
  return {
    code: entry.code,
    severity: severityFor(entry, p.severity),
    message: p.message,
    evidence: p.evidence,
    hint: p.hint,
    ...(p.object ? { object: p.object } : {}),
  };
}
