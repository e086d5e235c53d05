import type { FileType } from '../core/lint/comments.js';

/**
 * File-type detection by name (and, for extensionless files, by the first line's shebang). Files of no known
 * type are skipped by the walk: documentation, data and lock files mention addresses for reasons lint cannot
 * judge. A file named explicitly on the command line is always scanned (as `text` when its type is unknown).
 */

const BY_EXTENSION: Record<string, FileType> = {
  yaml: 'yaml',
  yml: 'yaml',
  json: 'json',
  jsonc: 'jsonc',
  json5: 'jsonc',
  env: 'env',
  properties: 'properties',
  ini: 'ini',
  cfg: 'ini',
  conf: 'ini',
  cnf: 'ini',
  toml: 'toml',
  dockerfile: 'dockerfile',
  containerfile: 'dockerfile',
  tf: 'terraform',
  tfvars: 'terraform',
  hcl: 'terraform',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  ksh: 'shell',
  tpl: 'helm',
  tmpl: 'helm',
  gotmpl: 'helm',
  jsonnet: 'jsonnet',
  libsonnet: 'jsonnet',
  j2: 'jinja',
  jinja: 'jinja',
  jinja2: 'jinja',
  cue: 'c-like',
  nix: 'nix',
  // systemd units: INI-like, `#` and `;` comments.
  service: 'ini',
  socket: 'ini',
  timer: 'ini',
  mount: 'ini',
  netdev: 'ini',
  network: 'ini',
  link: 'ini',
  // Ansible inventories named `*.inventory`.
  inventory: 'ini',
  // C-like sources
  js: 'c-like',
  mjs: 'c-like',
  cjs: 'c-like',
  jsx: 'c-like',
  ts: 'c-like',
  mts: 'c-like',
  cts: 'c-like',
  tsx: 'c-like',
  go: 'c-like',
  java: 'c-like',
  kt: 'c-like',
  kts: 'c-like',
  scala: 'c-like',
  groovy: 'c-like',
  gradle: 'c-like',
  c: 'c-like',
  h: 'c-like',
  cc: 'c-like',
  cpp: 'c-like',
  cxx: 'c-like',
  hpp: 'c-like',
  cs: 'c-like',
  rs: 'c-like',
  swift: 'c-like',
  dart: 'c-like',
  proto: 'c-like',
  php: 'php',
  py: 'hash-code',
  rb: 'hash-code',
  pl: 'hash-code',
  pm: 'hash-code',
  r: 'hash-code',
  ex: 'hash-code',
  exs: 'hash-code',
  mk: 'hash-code',
  sql: 'sql',
  lua: 'lua',
  xml: 'markup',
  html: 'markup',
  htm: 'markup',
};

const BY_NAME: Record<string, FileType> = {
  dockerfile: 'dockerfile',
  containerfile: 'dockerfile',
  '.env': 'env',
  makefile: 'hash-code',
  gnumakefile: 'hash-code',
  jenkinsfile: 'c-like',
  vagrantfile: 'hash-code',
  gemfile: 'hash-code',
  rakefile: 'hash-code',
  'nginx.conf': 'nginx',
  'haproxy.cfg': 'haproxy',
  caddyfile: 'shell',
  // Ansible inventories (INI without an extension).
  hosts: 'ini',
  inventory: 'ini',
};

/** Lock files and minified bundles: generated, full of versions and hashes, never hand-written addresses. */
const GENERATED_NAMES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'composer.lock',
  'cargo.lock',
  'poetry.lock',
  'go.sum',
  'gemfile.lock',
]);

function isGenerated(lower: string): boolean {
  return GENERATED_NAMES.has(lower) || lower.endsWith('.min.js') || lower.endsWith('.min.css') || lower.endsWith('.map');
}

/**
 * The file type of `relPath` (`/` separators), or undefined when lint does not read this kind of file.
 * `firstLine` is consulted for extensionless files (shebangs).
 */
export function detectFileType(relPath: string, firstLine?: string): FileType | undefined {
  const slash = relPath.lastIndexOf('/');
  return typeOf(relPath, slash, (slash === -1 ? relPath : relPath.slice(slash + 1)).toLowerCase(), firstLine);
}

/** detectFileType for the walk, which has the base name at hand (`name`, the part of `relPath` after its last `/`). */
export function detectFileTypeOf(relPath: string, name: string, firstLine?: string): FileType | undefined {
  return typeOf(relPath, relPath.length - name.length - 1, name.toLowerCase(), firstLine);
}

/** The folder part of `relPath` (before `slash`), lower-cased; only YAML and .conf/.cfg files look at it. */
function folderOf(relPath: string, slash: number): string {
  return slash > 0 ? relPath.slice(0, slash).toLowerCase() : '';
}

function typeOf(relPath: string, slash: number, lower: string, firstLine: string | undefined): FileType | undefined {
  if (isGenerated(lower)) return undefined;
  // Own keys only: a file named `constructor` must not find Object.prototype's.
  const named = Object.hasOwn(BY_NAME, lower) ? BY_NAME[lower] : undefined;
  if (named) return named;
  if (lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile') || lower.startsWith('containerfile.')) return 'dockerfile';
  if (lower.startsWith('.env.') || lower === '.envrc') return 'env';
  const dot = lower.lastIndexOf('.');
  const ext = dot > 0 ? lower.slice(dot + 1) : '';
  // Helm chart templates: YAML with `{{ }}` and `{{/* */}}` comments.
  if ((ext === 'yaml' || ext === 'yml' || ext === 'tpl' || ext === 'txt') && TEMPLATES.test(folderOf(relPath, slash))) {
    return ext === 'txt' ? undefined : 'helm';
  }
  if (ext === 'yaml' || ext === 'yml') {
    if (COMPOSE.test(lower)) return 'compose';
    if (lower.includes('envoy')) return 'envoy';
    return 'yaml';
  }
  if (ext === 'conf' || ext === 'cfg') {
    if (lower.includes('nginx') || NGINX_DIR.test(folderOf(relPath, slash))) return 'nginx';
    if (lower.includes('haproxy') || HAPROXY_DIR.test(folderOf(relPath, slash))) return 'haproxy';
  }
  if (ext === 'nginx') return 'nginx';
  if (ext === 'haproxy') return 'haproxy';
  if (ext !== '') return Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext] : undefined;
  // Ansible inventories: extensionless files in an inventory folder (`inventory/production`, `inventories/x/hosts`).
  if (INVENTORY_DIR.test(folderOf(relPath, slash)) && !lower.startsWith('.')) return 'ini';
  if (firstLine?.startsWith('#!')) {
    if (/\b(ba|z|k|da)?sh\b/.test(firstLine)) return 'shell';
    if (/\b(python[0-9.]*|ruby|perl)\b/.test(firstLine)) return 'hash-code';
    if (/\b(node|deno|bun)\b/.test(firstLine)) return 'c-like';
  }
  return undefined;
}

const TEMPLATES = /(^|\/)templates(\/|$)/;
const INVENTORY_DIR = /(^|\/)(inventory|inventories)(\/|$)/;
const COMPOSE = /^(docker-)?compose([.-].*)?\.ya?ml$/;
const NGINX_DIR = /(^|\/)(nginx|sites-available|sites-enabled|conf\.d)(\/|$)/;
const HAPROXY_DIR = /(^|\/)haproxy(\/|$)/;

/** True when the type can only be decided with the first line (extensionless files). */
export function needsFirstLine(relPath: string): boolean {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  return !base.includes('.') || (base.startsWith('.') && base.indexOf('.', 1) === -1 && !Object.hasOwn(BY_NAME, base.toLowerCase()));
}
