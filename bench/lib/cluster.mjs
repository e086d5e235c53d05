// Shared by the benchmarks that need the local test cluster: start it (or reuse it) and run its kubectl.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts (or reuses) the local cluster; returns {kubeconfig, bin}. */
export function clusterUp() {
  const out = execFileSync('bash', [`${root}/test/cluster/up.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const kubeconfig = /export KUBECONFIG=(\S+)/.exec(out)?.[1];
  const bin = /export PATH=([^:]+):/.exec(out)?.[1];
  if (!kubeconfig || !bin) throw new Error(`unexpected output of up.sh:\n${out}`);
  return { kubeconfig, bin };
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
