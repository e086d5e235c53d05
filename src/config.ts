import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from './errors.js';

/**
 * `.kdiag.yaml`: found in the working folder or any parent (the first wins), or named by `--config`.
 * Unknown keys are a usage error naming the key, so a typo never silently disables a setting.
 */
export interface KdiagConfig {
  /** The file it came from, when there was one. */
  path?: string;
  lint?: {
    /** CIDRs (or single IPs) never reported. */
    allow?: string[];
    /** gitignore-syntax patterns of paths to skip. */
    ignorePaths?: string[];
    /** Finding codes never reported. */
    disable?: string[];
    /** The cluster's pod ranges, for classifying literals (the `--pod-cidr` flag wins). */
    podCidrs?: string[];
    /** The cluster's Service ranges (the `--service-cidr` flag wins). */
    serviceCidrs?: string[];
  };
  shell?: {
    image?: string;
  };
}

type Shape = { [key: string]: 'string' | 'string[]' | Shape };
const SCHEMA: Shape = {
  lint: { allow: 'string[]', ignorePaths: 'string[]', disable: 'string[]', podCidrs: 'string[]', serviceCidrs: 'string[]' },
  shell: { image: 'string' },
};

export const CONFIG_FILE = '.kdiag.yaml';

/** Finds `.kdiag.yaml` from `cwd` upwards. */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    try {
      await stat(candidate);
      // Found (even if unreadable: loadConfig then says so, rather than silently using a parent's).
      return candidate;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return candidate;
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

/** Loads and validates the config; `explicit` is `--config FILE` (which must exist). */
export async function loadConfig(cwd: string, explicit?: string): Promise<KdiagConfig> {
  const path = explicit ? resolve(cwd, explicit) : await findConfigFile(cwd);
  if (!path) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'check the --config path');
  }
  return { ...parseConfig(text, path), path };
}

/** Parses and validates config text. Pure; exported for tests. */
export function parseConfig(text: string, path = CONFIG_FILE): KdiagConfig {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new UsageError(`${path}${line ? `:${line}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`, 'fix the YAML syntax');
  }
  const value: unknown = doc.toJS() ?? {};
  validate(value, SCHEMA, '', path);
  return value as KdiagConfig;
}

function validate(value: unknown, shape: Shape, prefix: string, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${path}: ${prefix || 'the top level'} must be a mapping`);
  }
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    const want = shape[key];
    if (want === undefined) {
      const known = Object.keys(shape).map((k) => (prefix ? `${prefix}.${k}` : k));
      throw new UsageError(`${path}: unknown key "${name}"`, `known keys here: ${known.join(', ')}`);
    }
    if (want === 'string') {
      if (typeof v !== 'string') throw new UsageError(`${path}: "${name}" must be a string`);
    } else if (want === 'string[]') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
        throw new UsageError(`${path}: "${name}" must be a list of strings`);
      }
    } else if (v !== null) {
      validate(v, want, name, path);
    }
  }
}
