// Shared by the benchmarks that need the local test cluster: start it (or reuse it) and run its kubectl.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The benchmarks' own cluster: a separate run folder and ports, so 10,000 bench pods never slow down (or get
 * deleted by) the e2e tests' cluster. Override with KDIAG_CLUSTER_DIR / KDIAG_CLUSTER_PORT_BASE.
 */
export const benchClusterEnv = {
  KDIAG_CLUSTER_DIR: process.env.KDIAG_CLUSTER_DIR ?? `${process.env.XDG_CACHE_HOME ?? `${process.env.HOME}/.cache`}/kdiag/bench-cluster`,
  KDIAG_CLUSTER_PORT_BASE: process.env.KDIAG_CLUSTER_PORT_BASE ?? '28000', // the e2e tests use 26000 and 27000
};

/** Starts (or reuses) the benchmarks' cluster; returns {kubeconfig, bin}. Stop it with clusterDown(). */
export function clusterUp() {
  const out = execFileSync('bash', [`${root}/test/cluster/up.sh`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...benchClusterEnv },
  });
  const kubeconfig = /export KUBECONFIG=(\S+)/.exec(out)?.[1];
  const bin = /export PATH=([^:]+):/.exec(out)?.[1];
  if (!kubeconfig || !bin) throw new Error(`unexpected output of up.sh:\n${out}`);
  return { kubeconfig, bin };
}

/** Stops the benchmarks' cluster. */
export function clusterDown() {
  execFileSync('bash', [`${root}/test/cluster/down.sh`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...benchClusterEnv },
  });
}

/** Runs the cluster's kubectl (no shell); throws with its stderr on failure. */
export function kubectl(cluster, args, input) {
  const r = spawnSync(`${cluster.bin}/kubectl`, ['--kubeconfig', cluster.kubeconfig, ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export const ROOT = root;
