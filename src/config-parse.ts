import { parseDocument } from 'yaml';
import { CONFIG_FILE, type KdiagConfig } from './config-types.js';
import { UsageError } from './errors.js';

// Parsing and validating `.kdiag.yaml`. config-file.ts imports this module (and so `yaml`) only once a config file
// has been found and read.

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
