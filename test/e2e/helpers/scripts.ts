/**
 * Running test/cluster/*.sh from tests (failure paths), isolated from the shared cluster: a separate run folder and
 * a separate port range, so nothing a failure test does can touch the cluster the other tests use.
 */
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, run, type RunResult } from './cluster.js';

/** Absolute path of a script in test/cluster/, e.g. `clusterScript('up.sh')`. */
export const clusterScript = (name: 'up.sh' | 'down.sh' | 'build.sh'): string => path.join(repoRoot, 'test/cluster', name);

/** Offsets from the port base of the ports a cluster listens on (test/cluster/lib/common.sh: etcd, etcd peer, apiserver, kcm, scheduler, kwok). */
export const CLUSTER_PORT_OFFSETS = [379, 380, 443, 257, 259, 250] as const;

/**
 * The port base of the shared cluster, read as test/cluster/lib/common.sh reads it: KDIAG_CLUSTER_PORT_BASE, default
 * 26000 (the README tells users to move the ports with it when 26xxx is taken).
 */
export function sharedPortBase(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KDIAG_CLUSTER_PORT_BASE;
  if (raw === undefined || raw === '') return 26000;
  const base = Number(raw);
  if (!Number.isInteger(base) || base < 1 || base + 1000 > 65535)
    throw new Error(`KDIAG_CLUSTER_PORT_BASE=${raw} is not a usable port base`);
  return base;
}

/** TCP ports something listens on, on any address, IPv4 or IPv6 (from /proc/net/tcp{,6}, as up.sh checks: nothing is dialed). */
export function listeningPorts(): Set<number> {
  const out = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // Columns: sl local_address rem_address st ...; st 0A = LISTEN; local_address ends in :PORT (hex).
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A' || !cols[1]) continue;
      out.add(parseInt(cols[1].slice(cols[1].lastIndexOf(':') + 1), 16));
    }
  }
  return out;
}

/**
 * A port base for the throw-away clusters of the failure-path tests, derived from the shared cluster's
 * (`sharedPortBase`): the first of base + 1000, base + 2000, ... whose cluster ports are all free now and stay below
 * the ephemeral port range. With the default base that is 27000; with KDIAG_CLUSTER_PORT_BASE=27000 (the shared
 * cluster on 27xxx) it is 28000, or 29000 while a bench cluster holds 28xxx.
 */
export function isolatedPortBase(env: NodeJS.ProcessEnv = process.env): number {
  const shared = sharedPortBase(env);
  let ephemeral = 32768;
  try {
    ephemeral = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeral;
  } catch {
    // not Linux's /proc: keep the usual default
  }
  const taken = listeningPorts();
  for (let base = shared + 1000; base + 1000 <= Math.max(ephemeral, shared + 2000); base += 1000) {
    if (CLUSTER_PORT_OFFSETS.every((o) => !taken.has(base + o))) return base;
  }
  throw new Error(`no free port range for the failure-path clusters above KDIAG_CLUSTER_PORT_BASE=${shared}`);
}

/**
 * An environment for a throw-away cluster: a fresh temporary run folder (KDIAG_CLUSTER_DIR) and ports moved to
 * `portBase` + offsets (KDIAG_CLUSTER_PORT_BASE; pass `isolatedPortBase()`, never the shared cluster's). The build cache is shared unless
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
