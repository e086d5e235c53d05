import { defineCatalogue, type CatalogueEntry } from './catalogue.js';
import { LINT_CATALOGUE } from './lint/catalogue.js';
import { SVC_CATALOGUE } from './svc/catalogue.js';

/** Every finding kdiag can report, from every area; the README's catalogue is generated from this. */
export const ALL_ENTRIES: readonly CatalogueEntry[] = [...SVC_CATALOGUE, ...LINT_CATALOGUE];

export const CATALOGUE = defineCatalogue(ALL_ENTRIES);
