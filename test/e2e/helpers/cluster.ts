/**
 * The local test cluster as the e2e tests see it: where its files are, a `kubectl` runner (the built kubectl of the
 * same version, run with execFile, never through a shell), applying YAML, reading objects and polling.
 *
 * Everything here reads the environment that test/e2e/global-setup.ts exports after `test/cluster/up.sh`:
 * KUBECONFIG (admin), KDIAG_E2E_LIMITED_KUBECONFIG, KDIAG_E2E_BIN and KDIAG_E2E_RUN_DIR.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { stringify } from 'yaml';
import { ROOT } from '../../helpers/paths.js';

/** Absolute path of the repository root (test/helpers/paths.ts). */
export const repoRoot = ROOT;

/** Paths of the running cluster, from the environment global-setup exported. */
export interface ClusterInfo {
  /** Admin kubeconfig (context `kdiag-e2e`, plus context `limited` for the limited user). */
  kubeconfig: string;
  /** Kubeconfig whose only (current) context is `limited`: user kdiag-limited, read-only in {@link LIMITED_NAMESPACE}. */
  limitedKubeconfig: string;
  /** Folder with kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok and etcd. */
  binDir: string;
  /** The built kubectl (same version as the apiserver). */
  kubectl: string;
  /** The cluster's run folder (PKI, logs, PIDs, shim data). */
  runDir: string;
  /** Data read by the exec shims (dns.txt, closed.txt); see test/cluster/lib/shim.bash. */
  shimDataDir: string;
}

/** The namespace where the limited user may read (and nothing else anywhere). */
export const LIMITED_NAMESPACE = 'kdiag-limited';
/** Pod IPs come from here (kwok --cidr and the nodes' podCIDRs). Virtual: never dial them. */
export const POD_CIDR = '10.244.0.0/16';
/** ClusterIPs come from here (--service-cluster-ip-range). Virtual: never dial them. */
export const SERVICE_CIDR = '10.96.0.0/16';

/** Reads the cluster paths exported by global-setup; throws when the e2e harness did not run. */
export function clusterInfo(): ClusterInfo {
  const { KUBECONFIG, KDIAG_E2E_LIMITED_KUBECONFIG, KDIAG_E2E_BIN, KDIAG_E2E_RUN_DIR } = process.env;
  if (!KUBECONFIG || !KDIAG_E2E_LIMITED_KUBECONFIG || !KDIAG_E2E_BIN || !KDIAG_E2E_RUN_DIR) {
    throw new Error('the e2e cluster environment is missing: run these tests with `npm run test:e2e` (jest project e2e)');
  }
  return {
    kubeconfig: KUBECONFIG,
    limitedKubeconfig: KDIAG_E2E_LIMITED_KUBECONFIG,
    binDir: KDIAG_E2E_BIN,
    kubectl: path.join(KDIAG_E2E_BIN, 'kubectl'),
    runDir: KDIAG_E2E_RUN_DIR,
    shimDataDir: path.join(KDIAG_E2E_RUN_DIR, 'shim-data'),
  };
}

/** Result of a finished child process. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this many ms (default 60 s). */
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a program with execFile (no shell) and resolves with its exit code and output; never rejects on exit codes. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.killed) {
          reject(error);
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 124) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.on('error', () => undefined); // the child may exit before reading everything
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Options of {@link kubectl}. */
export interface KubectlOptions extends RunOptions {
  /** Adds `-n <namespace>`. */
  namespace?: string;
  /** Kubeconfig to use (default: the admin one). */
  kubeconfig?: string;
  /** Adds `--context <name>`. */
  context?: string;
  /** Throw a {@link KubectlError} on a non-zero exit (default true). */
  check?: boolean;
}

/** A kubectl call that exited non-zero. */
export class KubectlError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: RunResult,
  ) {
    super(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'KubectlError';
  }
}

/** Runs the built kubectl against the test cluster (admin unless `kubeconfig`/`context` say otherwise). */
export async function kubectl(args: readonly string[], opts: KubectlOptions = {}): Promise<RunResult> {
  const info = clusterInfo();
  const full = [`--kubeconfig=${opts.kubeconfig ?? info.kubeconfig}`];
  if (opts.context) full.push(`--context=${opts.context}`);
  if (opts.namespace) full.push(`--namespace=${opts.namespace}`);
  full.push(...args);
  const result = await run(info.kubectl, full, opts);
  if (result.code !== 0 && opts.check !== false) throw new KubectlError(args, result);
  return result;
}

/** A manifest: YAML text (one or more documents) or objects that are serialised to YAML. */
export type Manifest = string | object | readonly object[];

function manifestText(manifest: Manifest): string {
  if (typeof manifest === 'string') return manifest;
  const docs = Array.isArray(manifest) ? manifest : [manifest];
  return docs.map((d) => stringify(d)).join('---\n');
}

/** `kubectl apply -f -` of YAML text or objects, in `namespace` when given (objects without their own namespace). */
export async function applyYaml(manifest: Manifest, opts: { namespace?: string; serverSide?: boolean } = {}): Promise<void> {
  const args = ['apply', '-f', '-'];
  if (opts.serverSide) args.push('--server-side', '--force-conflicts');
  await kubectl(args, { input: manifestText(manifest), namespace: opts.namespace });
}

/** `kubectl delete -f -` of YAML text or objects (missing objects are fine). */
export async function deleteYaml(manifest: Manifest, opts: { namespace?: string; wait?: boolean } = {}): Promise<void> {
  await kubectl(['delete', '--ignore-not-found', `--wait=${opts.wait ?? false}`, '-f', '-'], {
    input: manifestText(manifest),
    namespace: opts.namespace,
  });
}

/** `kubectl get <args> -o json`, parsed. Example: `getJson(['pods', '-l', 'app=web'], { namespace })`. */
export async function getJson<T = any>(args: readonly string[], opts: KubectlOptions = {}): Promise<T> {
  const { stdout } = await kubectl(['get', ...args, '-o', 'json'], opts);
  return JSON.parse(stdout) as T;
}

/** Like {@link getJson} for one object, but resolves `undefined` when it does not exist. */
export async function getObject<T = any>(kind: string, name: string, namespace?: string): Promise<T | undefined> {
  const r = await kubectl(['get', kind, name, '-o', 'json', '--ignore-not-found'], { namespace });
  return r.stdout.trim() ? (JSON.parse(r.stdout) as T) : undefined;
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many ms (default 30 s). */
  timeoutMs?: number;
  /** Poll every this many ms (default 250). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/** Promise-based sleep. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a truthy value and resolves with that value. Errors thrown by the probe count as
 * "not yet"; on timeout the last value or error is part of the thrown message.
 */
export async function waitFor<T>(probe: () => Promise<T> | T, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (last: ${detail})`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

/**
 * Waits for a status condition with `kubectl wait`, e.g. `waitForCondition('deployment/web', 'Available', { namespace })`
 * or `waitForCondition('pod/x', 'Ready=false', ...)` (kubectl's `--for=condition=<type>[=<status>]`).
 */
export async function waitForCondition(
  resource: string,
  condition: string,
  opts: { namespace?: string; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await kubectl(['wait', resource, `--for=condition=${condition}`, `--timeout=${Math.ceil(timeoutMs / 1000)}s`], {
    namespace: opts.namespace,
    timeoutMs: timeoutMs + 10_000,
  });
}
