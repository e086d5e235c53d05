/**
 * Running test/cluster/*.sh from tests (failure paths), isolated from the shared cluster: a separate run folder and
 * a separate port range, so nothing a failure test does can touch the cluster the other tests use.
 */
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, run, type RunResult } from './cluster.js';

/** Absolute path of a script in test/cluster/, e.g. `clusterScript('up.sh')`. */
export const clusterScript = (name: 'up.sh' | 'down.sh' | 'build.sh'): string => path.join(repoRoot, 'test/cluster', name);

/**
 * An environment for a throw-away cluster: a fresh temporary run folder (KDIAG_CLUSTER_DIR) and ports moved to
 * `portBase` + offsets (KDIAG_CLUSTER_PORT_BASE; the shared cluster uses 26000). The build cache is shared unless
 * `overrides` sets KDIAG_CLUSTER_CACHE. Individual KDIAG_*_PORT variables from the caller's environment are removed.
 */
export async function isolatedClusterEnv(portBase: number, overrides: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'kdiag-cluster-test-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env))
    if (/^KDIAG_(.*_PORT|.*_ARGS|CLUSTER_UP_RESULT|CLUSTER_USER_PID|CLUSTER_LOCK_HELD)$/.test(k)) delete env[k];
  return { ...env, KDIAG_CLUSTER_DIR: path.join(runDir, 'run'), KDIAG_CLUSTER_PORT_BASE: String(portBase), ...overrides };
}

/** Runs `bash test/cluster/<script>` with `env` (execFile, no shell); never rejects on a non-zero exit. */
export function runClusterScript(name: 'up.sh' | 'down.sh' | 'build.sh', env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RunResult> {
  return run('/bin/bash', [clusterScript(name)], { env, timeoutMs, cwd: repoRoot });
}

/**
 * A PATH that finds everything this one finds except `go` (to simulate a machine without Go): a temporary folder of
 * symlinks to every other executable name on process.env.PATH (first one wins, as in a PATH lookup). Dropping whole
 * folders instead would also drop bash and coreutils where Go lives in /usr/bin.
 */
export async function pathWithoutGo(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kdiag-path-without-go-'));
  const seen = new Set<string>(['go', 'gofmt']);
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (!d || !existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      if (seen.has(name)) continue;
      seen.add(name);
      symlinkSync(path.join(d, name), path.join(dir, name));
    }
  }
  return dir;
}
