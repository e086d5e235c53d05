import { defineCatalogue, type CatalogueEntry } from './catalogue.js';

/** Every finding kdiag can report, from every area; the README's catalogue is generated from this. */
export const ALL_ENTRIES: readonly CatalogueEntry[] = [];

export const CATALOGUE = defineCatalogue(ALL_ENTRIES);
