/**
 * Jest globalTeardown of the e2e project: runs test/cluster/down.sh with KDIAG_CLUSTER_USER_PID set to this run, so
 * down.sh (under the cluster lock) deregisters it and stops the cluster only when an e2e run started it and no other
 * e2e run still uses it. A cluster started by hand (`npm run cluster:up`) is left running.
 * KDIAG_E2E_KEEP_CLUSTER=1 only deregisters, keeping the cluster for the next run (`npm run cluster:down` stops it).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalTeardown(): Promise<void> {
  const runDir = process.env.KDIAG_E2E_RUN_DIR;
  if (!runDir) return; // setup failed before the cluster was up
  if (process.env.KDIAG_E2E_KEEP_CLUSTER === '1') {
    rmSync(path.join(runDir, 'e2e-users', String(process.pid)), { force: true });
    process.stderr.write('[e2e] KDIAG_E2E_KEEP_CLUSTER=1: leaving the cluster running (npm run cluster:down stops it)\n');
    return;
  }
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('/bin/bash', [path.join(repoRoot, 'test/cluster/down.sh')], {
      cwd: repoRoot,
      env: { ...process.env, KDIAG_CLUSTER_USER_PID: String(process.pid) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`e2e teardown: test/cluster/down.sh failed (exit ${code})`);
}
