import { resolve } from 'node:path';

/** The repository's root folder (the checkout the tests run in). */
export const ROOT = resolve(import.meta.dirname, '../..');
