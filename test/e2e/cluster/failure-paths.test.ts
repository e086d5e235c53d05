// Failure paths of test/cluster/*.sh, each in its own run folder and port range (isolatedPortBase: 1000 above the shared
// cluster's KDIAG_CLUSTER_PORT_BASE, default 26000, or the next free range), so none of them can disturb the cluster the
// other e2e tests use, wherever the user moved it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isolatedClusterEnv, isolatedPortBase, pathWithoutGo, runClusterScript, run, sharedPortBase, waitFor } from '../helpers/index.js';

const BASE = isolatedPortBase();

/** PIDs of processes whose command line mentions `needle` (e.g. an isolated run folder). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return pids;
}

/** True while PID exists and is not a zombie. */
function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('cluster scripts: failure paths', () => {
  test(`the throw-away clusters use their own ports (base ${BASE}), clear of the shared cluster's`, () => {
    expect(Math.abs(BASE - sharedPortBase())).toBeGreaterThanOrEqual(1000);
    expect(BASE + 443).toBeLessThan(65536);
  });

  test('Go missing and nothing cached: build.sh and up.sh fail fast with a clear message', async () => {
    const emptyCache = await mkdtemp(path.join(os.tmpdir(), 'kdiag-empty-cache-'));
    const noGo = await pathWithoutGo();
    const env = await isolatedClusterEnv(BASE, { PATH: noGo, KDIAG_CLUSTER_CACHE: emptyCache });
    try {
      expect((await run('/bin/bash', ['-c', 'command -v go'], { env })).code).not.toBe(0);
      for (const script of ['build.sh', 'up.sh'] as const) {
        const t0 = Date.now();
        const r = await runClusterScript(script, env, 20_000);
        expect(Date.now() - t0).toBeLessThan(10_000);
        expect(r.code).toBe(127);
        expect(r.stderr).toMatch(/Go is not installed \(or not on PATH\)/);
        expect(r.stderr).toMatch(/install Go >= 1\.26/);
        expect(r.stdout).toBe('');
      }
    } finally {
      await rm(emptyCache, { recursive: true, force: true });
      await rm(noGo, { recursive: true, force: true });
      await rm(path.dirname(env.KDIAG_CLUSTER_DIR!), { recursive: true, force: true });
    }
  });

  test('a port already taken: a clear error naming the port and the variable to change', async () => {
    const env = await isolatedClusterEnv(BASE);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(BASE + 443, '127.0.0.1', resolve));
    try {
      const r = await runClusterScript('up.sh', env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${BASE + 443} (for kube-apiserver) is already in use`);
      expect(r.stderr).toContain('set KDIAG_APISERVER_PORT to a free port');
      expect(r.stdout).toBe('');
      expect(processesMentioning(env.KDIAG_CLUSTER_DIR!)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await rm(path.dirname(env.KDIAG_CLUSTER_DIR!), { recursive: true, force: true });
    }
  });

  test('a component that dies on start: its log tail is shown, the others are stopped, exit non-zero', async () => {
    const env = await isolatedClusterEnv(BASE, { KDIAG_KUBE_APISERVER_ARGS: '--kdiag-no-such-flag' });
    try {
      const r = await runClusterScript('up.sh', env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('kube-apiserver exited during start-up');
      expect(r.stderr).toMatch(/last \d+ lines of .*kube-apiserver\.log/);
      expect(r.stderr).toContain('unknown flag: --kdiag-no-such-flag');
      expect(r.stderr).toContain('stopping the components this run started');
      expect(r.stdout).toBe('');
      // etcd had started before the apiserver died: it must be gone too.
      expect(processesMentioning(env.KDIAG_CLUSTER_DIR!)).toEqual([]);
      const down = await runClusterScript('down.sh', env);
      expect(down.code).toBe(0);
      expect(existsSync(env.KDIAG_CLUSTER_DIR!)).toBe(false);
    } finally {
      await rm(path.dirname(env.KDIAG_CLUSTER_DIR!), { recursive: true, force: true });
    }
  });

  test('cluster:down when nothing runs says so and exits 0', async () => {
    const env = await isolatedClusterEnv(BASE);
    try {
      const r = await runClusterScript('down.sh', env);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/nothing is running/);
    } finally {
      await rm(path.dirname(env.KDIAG_CLUSTER_DIR!), { recursive: true, force: true });
    }
  });

  test('a second cluster: up prints two lines, a second up reuses it, down leaves nothing behind', async () => {
    const env = await isolatedClusterEnv(BASE);
    const runDir = env.KDIAG_CLUSTER_DIR!;
    try {
      const up = await runClusterScript('up.sh', env, 180_000);
      expect(up.code).toBe(0);
      const lines = up.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe(`export KUBECONFIG=${runDir}/kubeconfig`);
      expect(lines[1]).toMatch(/^export PATH=\/.+\/bin:\$PATH$/);
      const pids = readdirSync(path.join(runDir, 'pids')).map((f) =>
        Number(readFileSync(path.join(runDir, 'pids', f), 'utf8').split(' ')[0]),
      );
      expect(pids).toHaveLength(5);

      const again = await runClusterScript('up.sh', env);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('reusing the cluster already running');
      expect(again.stdout).toBe(up.stdout);

      const down = await runClusterScript('down.sh', env);
      expect(down.code).toBe(0);
      // Gone, or a zombie waiting for init to reap it (it holds no sockets or files any more).
      for (const pid of pids) await waitFor(() => !isLive(pid), { timeoutMs: 5_000, what: `PID ${pid} to exit` });
      expect(processesMentioning(runDir)).toEqual([]);
      expect(existsSync(runDir)).toBe(false);
    } finally {
      await runClusterScript('down.sh', env);
      await rm(path.dirname(runDir), { recursive: true, force: true });
    }
  }, 240_000);
});
