import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { closeNames } from '../core/suggest.js';
import { describeYamlError } from '../core/yaml-error.js';
import { ClusterAccessError } from '../errors.js';

/** One named entry of a kubeconfig list (`clusters`, `users`, `contexts`). */
interface Named<T> {
  name: string;
  value: T;
}
export interface KubeCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  [k: string]: unknown;
}
export interface KubeUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  exec?: { command?: string; [k: string]: unknown };
  [k: string]: unknown;
}
export interface KubeContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** The result of kubectl-style loading: one context, resolved, with where it came from. */
export interface ResolvedKubeconfig {
  /** The files that were read, in order (empty for in-cluster config). */
  files: string[];
  contextName: string;
  clusterName: string;
  userName: string;
  cluster: KubeCluster & { server: string };
  user: KubeUser;
  /** `-n` wins over this; `default` when the context names none. */
  namespace: string;
  inCluster: boolean;
}

export interface KubeconfigInputs {
  /** `--kubeconfig`. */
  kubeconfig?: string;
  /** `--context`. */
  context?: string;
  env: NodeJS.ProcessEnv;
  home?: string;
  /** The service-account folder, overridable for tests. */
  serviceAccountDir?: string;
}

const HINT_NO_CONFIG =
  'point kdiag at a cluster: --kubeconfig FILE, the KUBECONFIG variable, or ~/.kube/config (kubectl config view shows what kubectl uses)';

/**
 * Loads the kubeconfig with kubectl's rules, not @kubernetes/client-node's `loadFromDefault()`:
 * `--kubeconfig` wins; else every file of KUBECONFIG in order (missing files skipped, the first definition of a
 * cluster, user or context and the first current-context winning); else ~/.kube/config; else the in-cluster
 * service account. No configuration at all is a ClusterAccessError (exit 3), never a fallback to localhost:8080.
 */
export function resolveKubeconfig(inp: KubeconfigInputs): ResolvedKubeconfig {
  const files = kubeconfigFiles(inp);
  if (files.length === 0) {
    const inCluster = inClusterConfig(inp);
    if (inCluster) return inCluster;
    throw new ClusterAccessError('no-kubeconfig', 'no kubeconfig found', HINT_NO_CONFIG);
  }

  const clusters = new Map<string, KubeCluster>();
  const users = new Map<string, KubeUser>();
  const contexts = new Map<string, KubeContext>();
  let current: string | undefined;
  for (const file of files) {
    const doc = readKubeconfigFile(file);
    const base = dirname(file);
    for (const c of namedList<KubeCluster>(doc, 'clusters', 'cluster', file)) {
      if (!clusters.has(c.name)) clusters.set(c.name, absolutize(c.value, base, ['certificate-authority']));
    }
    for (const u of namedList<KubeUser>(doc, 'users', 'user', file)) {
      if (!users.has(u.name)) users.set(u.name, absolutize(u.value, base, ['client-certificate', 'client-key', 'tokenFile']));
    }
    for (const c of namedList<KubeContext>(doc, 'contexts', 'context', file)) {
      if (!contexts.has(c.name)) contexts.set(c.name, c.value);
    }
    const cc = doc['current-context'];
    if (current === undefined && typeof cc === 'string' && cc !== '') current = cc;
  }

  const contextName = inp.context ?? current;
  if (!contextName) {
    throw new ClusterAccessError(
      'no-context',
      `no current context in ${files.join(', ')}`,
      contexts.size > 0
        ? `pick one with --context (available: ${[...contexts.keys()].join(', ')}) or run kubectl config use-context NAME`
        : HINT_NO_CONFIG,
    );
  }
  const context = contexts.get(contextName);
  if (!context) {
    const names = [...contexts.keys()];
    const near = closeNames(contextName, names, 1)[0];
    throw new ClusterAccessError(
      'context-not-found',
      `context "${contextName}" not found in ${files.join(', ')}`,
      names.length === 0
        ? 'the kubeconfig defines no contexts'
        : `${near ? `did you mean "${near}"? ` : ''}available contexts: ${names.join(', ')}`,
    );
  }
  const clusterName = context.cluster ?? '';
  const cluster = clusters.get(clusterName);
  if (!cluster) {
    throw new ClusterAccessError(
      'cluster-not-found',
      `context "${contextName}" names cluster "${clusterName}", which the kubeconfig does not define`,
      'fix the context with kubectl config set-context, or pick another with --context',
    );
  }
  if (typeof cluster.server !== 'string' || cluster.server === '') {
    throw new ClusterAccessError(
      'no-server',
      `cluster "${clusterName}" has no server address`,
      'set clusters[].cluster.server in the kubeconfig',
    );
  }
  const userName = context.user ?? '';
  const user = users.get(userName) ?? {};
  return {
    files,
    contextName,
    clusterName,
    userName,
    cluster: cluster as KubeCluster & { server: string },
    user,
    namespace: context.namespace || 'default',
    inCluster: false,
  };
}

/** The files kubectl would read, in order: `--kubeconfig` alone, else KUBECONFIG's existing files, else ~/.kube/config. */
export function kubeconfigFiles(inp: KubeconfigInputs): string[] {
  if (inp.kubeconfig !== undefined) {
    const file = resolve(inp.kubeconfig);
    if (!existsSync(file)) {
      throw new ClusterAccessError(
        'kubeconfig-not-found',
        `kubeconfig file ${inp.kubeconfig} does not exist`,
        'check the --kubeconfig path',
      );
    }
    return [file];
  }
  const list = inp.env.KUBECONFIG;
  if (list !== undefined && list !== '') {
    const seen = new Set<string>();
    const files: string[] = [];
    for (const p of list.split(delimiter)) {
      if (p === '') continue;
      const file = resolve(p);
      if (seen.has(file) || !isFile(file)) continue;
      seen.add(file);
      files.push(file);
    }
    return files;
  }
  const home = inp.home ?? inp.env.HOME ?? homedir();
  const def = join(home, '.kube', 'config');
  return isFile(def) ? [def] : [];
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function readKubeconfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ClusterAccessError(
      'bad-kubeconfig',
      `cannot read kubeconfig ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'check the file and its permissions',
    );
  }
  const counter = new LineCounter();
  const parsed = parseDocument(text, { prettyErrors: false, lineCounter: counter });
  const err = parsed.errors[0];
  if (err) {
    throw new ClusterAccessError(
      'bad-kubeconfig',
      `kubeconfig ${describeYamlError(file, err, counter.linePos(err.pos[0]))}`,
      'fix the file, or point --kubeconfig at another',
    );
  }
  const doc: unknown = parsed.toJS();
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ClusterAccessError(
      'bad-kubeconfig',
      `kubeconfig ${file} is not a kubeconfig (expected a mapping with clusters, users, contexts)`,
      'fix the file, or point --kubeconfig at another',
    );
  }
  return doc as Record<string, unknown>;
}

function namedList<T>(doc: Record<string, unknown>, key: string, inner: string, file: string): Named<T>[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    throw new ClusterAccessError(
      'bad-kubeconfig',
      `kubeconfig ${file}: "${key}" must be a list`,
      'fix the file, or point --kubeconfig at another',
    );
  }
  const out: Named<T>[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object' || typeof (item as Record<string, unknown>).name !== 'string') {
      throw new ClusterAccessError(
        'bad-kubeconfig',
        `kubeconfig ${file}: an entry of "${key}" has no name`,
        'fix the file, or point --kubeconfig at another',
      );
    }
    const rec = item as Record<string, unknown>;
    out.push({ name: rec.name as string, value: (rec[inner] as T | undefined) ?? ({} as T) });
  }
  return out;
}

/** Relative file references in a kubeconfig are relative to the file that holds them (kubectl's rule). */
function absolutize<T extends Record<string, unknown>>(value: T, base: string, keys: string[]): T {
  const out: Record<string, unknown> = { ...value };
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) out[k] = resolve(base, v);
  }
  return out as T;
}

function inClusterConfig(inp: KubeconfigInputs): ResolvedKubeconfig | undefined {
  const host = inp.env.KUBERNETES_SERVICE_HOST;
  const port = inp.env.KUBERNETES_SERVICE_PORT;
  const dir = inp.serviceAccountDir ?? '/var/run/secrets/kubernetes.io/serviceaccount';
  if (!host || !port || !isFile(join(dir, 'token'))) return undefined;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let namespace = 'default';
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    /* the namespace file is optional */
  }
  return {
    files: [],
    contextName: 'in-cluster',
    clusterName: 'in-cluster',
    userName: 'in-cluster',
    cluster: { server: `https://${hostPart}:${port}`, 'certificate-authority': join(dir, 'ca.crt') },
    user: { tokenFile: join(dir, 'token') },
    namespace,
    inCluster: true,
  };
}
