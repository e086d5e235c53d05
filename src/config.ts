import { parseDocument } from 'yaml';
import { CONFIG_FILE } from './config-file.js';
import { UsageError } from './errors.js';

// Finding and reading the file live in config-file.ts, which imports this module (and so `yaml`) only once a
// config file exists; they are re-exported here so this stays the one module to import the config from.
export { CONFIG_FILE, findConfigFile, loadConfig } from './config-file.js';

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
