/**
 * Jest globalSetup of the e2e project: starts the local test cluster once per run with test/cluster/up.sh (which
 * builds the binaries first when they are not cached, and reuses a cluster that already runs), then exports for the
 * tests: KUBECONFIG (admin), KDIAG_E2E_LIMITED_KUBECONFIG, KDIAG_E2E_BIN, KDIAG_E2E_RUN_DIR.
 *
 * It never skips: without Go and without cached binaries, up.sh (build.sh) fails at once and so does this setup.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalSetup(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kdiag-e2e-setup-'));
  const resultFile = path.join(tmp, 'result');
  const started = Date.now();
  process.stderr.write('\n[e2e] starting the local test cluster (test/cluster/up.sh; the first run builds it, which takes minutes)\n');
  const { code, stdout, stderrTail } = await new Promise<{ code: number; stdout: string; stderrTail: string }>((resolve, reject) => {
    const child = spawn('/bin/bash', [path.join(repoRoot, 'test/cluster/up.sh')], {
      cwd: repoRoot,
      // KDIAG_CLUSTER_USER_PID: up.sh registers this run (under its lock) in <run>/e2e-users, so that another e2e
      // run sharing the cluster does not stop it under us (see down.sh and global-teardown.ts).
      env: { ...process.env, KDIAG_CLUSTER_UP_RESULT: resultFile, KDIAG_CLUSTER_USER_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errTail = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      errTail = (errTail + String(d)).split('\n').slice(-30).join('\n');
    });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? 1, stdout: out, stderrTail: errTail }));
  });
  if (code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`e2e setup: test/cluster/up.sh failed (exit ${code}):\n${stderrTail.trim()}`);
  }
  const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(stdout)?.[1];
  const bin = /^export PATH=(.+):\$PATH$/m.exec(stdout)?.[1];
  if (!kubeconfig || !bin) throw new Error(`e2e setup: unexpected output from up.sh:\n${stdout}`);
  const result = readFileSync(resultFile, 'utf8').trim();
  rmSync(tmp, { recursive: true, force: true });

  const runDir = path.dirname(kubeconfig);
  process.env.KUBECONFIG = kubeconfig;
  process.env.KDIAG_E2E_LIMITED_KUBECONFIG = path.join(runDir, 'limited.kubeconfig');
  process.env.KDIAG_E2E_BIN = bin;
  process.env.KDIAG_E2E_RUN_DIR = runDir;

  process.stderr.write(
    `[e2e] cluster ${result === 'started' ? 'started' : 'reused'} in ${((Date.now() - started) / 1000).toFixed(1)} s (KUBECONFIG=${kubeconfig})\n`,
  );
}
