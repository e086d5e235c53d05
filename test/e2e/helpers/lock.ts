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

/** Waits (up to `timeoutMs`, default 120 s) for the exclusive lock `name`; resolves with the function that releases it. */
export function acquireClusterLock(name: string, timeoutMs = 120_000): Promise<() => Promise<void>> {
  const file = clusterLockPath(name);
  // `read` is the shell's builtin: the child holds the lock until its stdin ends.
  const child = spawn('flock', ['-x', '-w', String(Math.ceil(timeoutMs / 1000)), file, 'sh', '-c', 'echo locked; read _ || true'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
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

/** Runs `work` holding the lock `name`. */
export async function withClusterLock<T>(name: string, work: () => Promise<T>, timeoutMs?: number): Promise<T> {
  const release = await acquireClusterLock(name, timeoutMs);
  try {
    return await work();
  } finally {
    await release();
  }
}
