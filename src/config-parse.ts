import { LineCounter, parseDocument } from 'yaml';
import { describeYamlError } from './core/yaml-error.js';
import { CONFIG_FILE, type KdiagConfig } from './config-types.js';
import { UsageError } from './errors.js';

// Parsing and validating `.kdiag.yaml`. config-file.ts imports this module (and so `yaml`) only once a config file
// has been found and read.

type Shape = { [key: string]: 'string' | 'string[]' | 'boolean' | Shape };
const SCHEMA: Shape = {
  lint: {
    allow: 'string[]',
    ignorePaths: 'string[]',
    disable: 'string[]',
    podCidrs: 'string[]',
    serviceCidrs: 'string[]',
    includeTests: 'boolean',
  },
  shell: { image: 'string' },
};

/** Parses and validates config text. Pure; exported for tests. */
export function parseConfig(text: string, path = CONFIG_FILE): KdiagConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: counter });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    throw new UsageError(describeYamlError(path, err, counter.linePos(err.pos[0])), 'fix the YAML syntax');
  }
  const value: unknown = doc.toJS() ?? {};
  const warnings: string[] = [];
  validate(value, SCHEMA, '', path, warnings);
  const config = value as KdiagConfig;
  for (const w of warnings) delete (config as Record<string, unknown>)[w];
  return warnings.length > 0
    ? {
        ...config,
        warnings: warnings.map(
          (k) => `${path}: unknown section "${k}" ignored (a newer kdiag's, or a typo; known: ${Object.keys(SCHEMA).join(', ')})`,
        ),
      }
    : config;
}

function validate(value: unknown, shape: Shape, prefix: string, path: string, unknownSections: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${path}: ${prefix || 'the top level'} must be a mapping`);
  }
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    const want = shape[key];
    if (want === undefined && prefix === '') {
      unknownSections.push(key);
      continue;
    }
    if (want === undefined) {
      const known = Object.keys(shape).map((k) => (prefix ? `${prefix}.${k}` : k));
      throw new UsageError(`${path}: unknown key "${name}"`, `known keys here: ${known.join(', ')}`);
    }
    if (want === 'boolean') {
      if (typeof v !== 'boolean') throw new UsageError(`${path}: "${name}" must be true or false`);
    } else if (want === 'string') {
      if (typeof v !== 'string') throw new UsageError(`${path}: "${name}" must be a string`);
    } else if (want === 'string[]') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
        throw new UsageError(`${path}: "${name}" must be a list of strings`);
      }
    } else if (v !== null) {
      validate(v, want, name, path, unknownSections);
    }
  }
}
