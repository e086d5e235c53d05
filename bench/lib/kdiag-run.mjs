// Shared by the cluster benches (svc, route): the median of repeated runs, and one kdiag run with its wall time, API
// requests (counted from --debug's request log) and peak RSS (bench/lib/maxrss.mjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cluster.mjs';

/** Runs fn `runs` times (after one warm-up) and keeps the median by wall time. */
export function medianRun(fn, runs) {
  fn();
  const all = [];
  for (let i = 0; i < runs; i++) all.push(fn());
  all.sort((a, b) => a.ms - b.ms);
  return all[Math.floor(all.length / 2)];
}

/** One run of the built kdiag against `kubeconfig`; exit statuses other than 0 and 1 throw. */
export function runKdiag(args, kubeconfig) {
  const rss = join(mkdtempSync(join(tmpdir(), 'kdiag-bench-')), 'maxrss');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', `${ROOT}/bench/lib/maxrss.mjs`, `${ROOT}/dist/kdiag.js`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: kubeconfig, KDIAG_MAXRSS_FILE: rss, NODE_OPTIONS: '' },
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`kdiag ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const requests = r.stderr.split('\n').filter((l) => /^debug: (GET|POST) /.test(l)).length;
  return { ms, requests, status: r.status, maxRssKb: Number(readFileSync(rss, 'utf8')) };
}
