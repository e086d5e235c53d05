import { AUDIT_CATALOGUE, type AuditCode } from './audit/catalogue.js';
import { defineCatalogue, publicEntry, type CatalogueEntry } from './catalogue.js';
import { DNS_CATALOGUE, type DnsCode } from './dns/catalogue.js';
import type { GeneralCode } from './general-catalogue.js';
import { LINT_CATALOGUE, type LintCode } from './lint/catalogue.js';
import { ROUTE_CATALOGUE, type RouteCode } from './route/catalogue.js';
import { SVC_REPORTED, type SvcCode } from './svc/catalogue.js';

/** Every finding code kdiag has, as a union of literals. */
export type Code = GeneralCode | SvcCode | LintCode | DnsCode | RouteCode | AuditCode;

/**
 * Every finding kdiag can report, from every area, as `kdiag codes` prints them; the README's catalogue is
 * generated from this. The general codes sit where `kdiag svc` reports them (its causal order).
 */
export const ALL_ENTRIES: readonly CatalogueEntry[] = [
  ...[...SVC_REPORTED, ...LINT_CATALOGUE].map(publicEntry),
  // The dns catalogue is written in the public shape already (one default severity, no stage).
  ...DNS_CATALOGUE.map((e): CatalogueEntry => ({ ...e })),
  ...ROUTE_CATALOGUE.map(publicEntry),
  ...AUDIT_CATALOGUE.map(publicEntry),
];

export const CATALOGUE = defineCatalogue(ALL_ENTRIES);
