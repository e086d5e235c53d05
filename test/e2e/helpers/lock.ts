/**
 * Advisory locks shared by every e2e run on this machine that uses the same cluster (several sessions may run e2e
 * files against one cluster at once). For tests that change cluster-wide objects, such as the
 * `kube-system/coredns` ConfigMap that `kdiag dns` reads: hold the lock, change, test, restore, release.
 *
 * The lock file lives next to the run folder (`<run dir>.<name>.lock`, never inside it: down.sh deletes the folder).
 * It is held by a `flock` child process (util-linux, which the cluster scripts already need) that waits on its
 * stdin: releasing closes that stdin, and if the jest process dies the pipe closes and the lock goes with it.
 */
import { spawn } from 'node:child_process';
import { clusterInfo } from './cluster.js';

/** The lock file for `name` (e.g. `coredns`) of the current cluster. */
export function clusterLockPath(name: string): string {
  return `${clusterInfo().runDir.replace(/\/+$/, '')}.${name}.lock`;
}

/**
 * Waits (up to `timeoutMs`, default 100 s) for the lock `name`, exclusive (a test that changes the object) or
 * shared (tests that rely on it staying as it is); resolves with the function that releases it.
 */
export function acquireClusterLock(name: string, opts: { shared?: boolean; timeoutMs?: number } = {}): Promise<() => Promise<void>> {
  const file = clusterLockPath(name);
  const timeoutMs = opts.timeoutMs ?? 100_000;
  // `read` is the shell's builtin: the child holds the lock until its stdin ends.
  const child = spawn(
    'flock',
    [opts.shared ? '-s' : '-x', '-w', String(Math.ceil(timeoutMs / 1000)), file, 'sh', '-c', 'echo locked; read _ || true'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked')) {
        resolve(async () => {
          child.stdin.end();
          await exited;
        });
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!out.includes('locked')) reject(new Error(`could not take the lock ${file} (flock exit ${code}): ${err.trim()}`));
    });
  });
}

/** Runs `work` holding the exclusive lock `name`. */
export async function withClusterLock<T>(name: string, work: () => Promise<T>, timeoutMs?: number): Promise<T> {
  const release = await acquireClusterLock(name, timeoutMs !== undefined ? { timeoutMs } : {});
  try {
    return await work();
  } finally {
    await release();
  }
}

/**
 * Holds the shared lock `name` for a whole test file (beforeAll to afterAll): for files whose expectations rely on a
 * cluster-wide object staying as the cluster starts (e.g. no kube-system/coredns), so that a test holding the
 * exclusive lock waits for them, and they for it.
 */
export function useSharedClusterLock(name: string): void {
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await acquireClusterLock(name, { shared: true });
  }, 110_000);
  afterAll(async () => {
    await release?.();
  });
}
