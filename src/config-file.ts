import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_FILE, type KdiagConfig } from './config-types.js';
import { UsageError } from './errors.js';

/**
 * Finding and reading `.kdiag.yaml`, without the YAML parser: most runs have no config file, so `yaml` (and
 * the validation in config-parse.ts) is imported only once a file has been found and read.
 */

export { CONFIG_FILE };

/**
 * Finds `.kdiag.yaml` from `cwd` upwards. Synchronous calls (a few stats of a small file at start-up): no
 * exception per missing file, and `node:fs/promises` is not loaded for them.
 */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    try {
      // Found (even if unreadable: loadConfig then says so, rather than silently using a parent's).
      if (statSync(candidate, { throwIfNoEntry: false }) !== undefined) return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Loads and validates the config; `explicit` is `--config FILE` (which must exist). */
export async function loadConfig(cwd: string, explicit?: string): Promise<KdiagConfig> {
  const path = explicit ? resolve(cwd, explicit) : await findConfigFile(cwd);
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'check the --config path');
  }
  const { parseConfig } = await import('./config-parse.js');
  return { ...parseConfig(text, path), path };
}
