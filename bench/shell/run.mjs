// Reliability and speed of `kdiag shell` on the local test cluster.
//
// 1. Pods left behind: RUNS runs of `kdiag shell -- sleep 30`, ending in turn by a normal exit (0), a failing
//    command (non-zero), SIGINT, SIGTERM, SIGHUP, SIGKILL of kdiag, a lost connection that comes back within
//    --request-timeout, and one that never does (a loopback TCP proxy in front of the apiserver, cut). Then
//    `kdiag shell --gc --stale-after 1s` once the heartbeats are stale. Reports the debug pods left before and after.
// 2. Time from `kdiag shell -- true` to its exit, next to `kubectl run --rm -i --restart=Never` on the same
//    cluster. KWOK runs no container: the pod stays Running and kubectl's attach never ends, so kubectl's figure is
//    the time until it is attached ("If you don't see a command prompt"), then it is stopped with SIGINT; the pods
//    it leaves behind are counted (and removed by the script).
//
// Usage: npm run build && node bench/shell/run.mjs [--runs 50] [--timing-runs 10]
// Uses the benchmarks' cluster (bench/lib/cluster.mjs), or yours with KDIAG_CLUSTER_DIR / KDIAG_CLUSTER_PORT_BASE.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterUp, kubectl, ROOT } from '../lib/cluster.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 50);
const TIMING_RUNS = arg('timing-runs', 10);
const NS = 'bench-shell';
const SELECTOR = 'app.kubernetes.io/managed-by=kdiag,app.kubernetes.io/component=kdiag-shell';
const BIN = join(ROOT, 'bin', 'kdiag');
const log = (s) => process.stderr.write(`bench: ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cluster = clusterUp();
// Create the namespace if needed (apply of a generated manifest is idempotent).
kubectl(cluster, ['apply', '-f', '-'], kubectl(cluster, ['create', 'namespace', NS, '--dry-run=client', '-o', 'yaml']));
for (let i = 0; i < 60; i++) {
  try {
    kubectl(cluster, ['get', 'serviceaccount', 'default', '-n', NS]);
    break;
  } catch {
    await sleep(500);
  }
}

/** Starts a process; resolves {code, stdout, stderr, ms} at its exit. */
function start(file, args, kubeconfig = cluster.kubeconfig) {
  const t0 = process.hrtime.bigint();
  const proc = spawn(file, args, { env: { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code: code ?? signal, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 })),
  );
  return { proc, exit, out: () => stdout + stderr };
}

const shellPods = () =>
  JSON.parse(kubectl(cluster, ['get', 'pods', '-n', NS, '-l', SELECTOR, '-o', 'json'])).items.filter((p) => !p.metadata.deletionTimestamp);

async function untilRunning(names) {
  for (let i = 0; i < 200; i++) {
    const running = shellPods().filter((p) => p.status?.phase === 'Running' && !names.has(p.metadata.name));
    if (running.length > 0) return running[0].metadata.name;
    await sleep(100);
  }
  throw new Error('no debug pod became Running');
}

// A loopback proxy in front of the apiserver, and a kubeconfig that goes through it.
const server = /server: (\S+)/.exec(readFileSync(cluster.kubeconfig, 'utf8'))[1];
const upstreamPort = Number(new URL(server).port);
const sockets = new Set();
let proxy;
const listen = (port) =>
  new Promise((resolve) => {
    proxy = net.createServer((client) => {
      const up = net.connect(upstreamPort, '127.0.0.1');
      sockets.add(client).add(up);
      client.pipe(up).pipe(client);
      const drop = () => (client.destroy(), up.destroy());
      client.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
    });
    proxy.listen(port, '127.0.0.1', () => resolve(proxy.address().port));
  });
const cut = () =>
  new Promise((resolve) => {
    proxy.close(() => resolve());
    for (const s of sockets) s.destroy();
    sockets.clear();
  });
const proxyPort = await listen(0);
const proxied = join(mkdtempSync(join(tmpdir(), 'kdiag-bench-shell-')), 'kubeconfig');
writeFileSync(proxied, readFileSync(cluster.kubeconfig, 'utf8').split(server).join(`https://127.0.0.1:${proxyPort}`));

// 1. RUNS runs, every way out.
const WAYS = ['exit 0', 'exit 1', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL', 'lost, back', 'lost for good'];
const seen = new Set();
const tally = Object.fromEntries(WAYS.map((w) => [w, { runs: 0, statuses: {} }]));
for (let i = 0; i < RUNS; i++) {
  const way = WAYS[i % WAYS.length];
  let r;
  if (way === 'exit 0' || way === 'exit 1') {
    r = await start(BIN, ['shell', '-n', NS, '--', way === 'exit 0' ? 'true' : 'false']).exit;
  } else if (way.startsWith('lost')) {
    const c = start(BIN, ['shell', '-n', NS, '--request-timeout', way === 'lost, back' ? '8s' : '2s', '--', 'sleep', '30'], proxied);
    seen.add(await untilRunning(seen));
    await sleep(300);
    await cut();
    if (way === 'lost, back') {
      await sleep(1000);
      await listen(proxyPort);
      r = await c.exit;
    } else {
      r = await c.exit;
      await listen(proxyPort);
    }
  } else {
    const c = start(BIN, ['shell', '-n', NS, '--', 'sleep', '30']);
    seen.add(await untilRunning(seen));
    c.proc.kill(way);
    r = await c.exit;
  }
  tally[way].runs++;
  tally[way].statuses[r.code] = (tally[way].statuses[r.code] ?? 0) + 1;
  log(`run ${i + 1}/${RUNS}: ${way} -> ${r.code}`);
}
await sleep(1500); // heartbeats of the SIGKILLed and cut-off runs become stale
const leftBefore = shellPods().length;
const gc = await start(BIN, ['shell', '--gc', '-n', NS, '--stale-after', '1s', '-o', 'json']).exit;
const removed = JSON.parse(gc.stdout).removed.length;
await sleep(1000);
const leftAfter = shellPods().length;
proxy.close();

// 2. Time to exit of `kdiag shell -- true`, and kubectl run --rm -i's time to attach.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kdiagMs = [];
for (let i = 0; i < TIMING_RUNS; i++) {
  const r = await start(BIN, ['shell', '-n', NS, '--', 'true']).exit;
  if (r.code !== 0) throw new Error(`kdiag shell -- true exited ${r.code}: ${r.stderr}`);
  kdiagMs.push(r.ms);
}
const kubectlMs = [];
const image = /DEFAULT_IMAGE = '([^']+)'/.exec(readFileSync(join(ROOT, 'src/core/shell/spec.ts'), 'utf8'))[1];
for (let i = 0; i < TIMING_RUNS; i++) {
  const t0 = process.hrtime.bigint();
  const c = start(join(cluster.bin, 'kubectl'), [
    'run',
    `bench-kubectl-${i}`,
    '-n',
    NS,
    '--rm',
    '-i',
    '--restart=Never',
    `--image=${image}`,
    '--',
    'true',
  ]);
  for (let j = 0; j < 600 && !/If you don't see a command prompt/.test(c.out()); j++) await sleep(10);
  kubectlMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  c.proc.kill('SIGINT');
  await c.exit;
}
await sleep(1000);
const kubectlLeft = JSON.parse(kubectl(cluster, ['get', 'pods', '-n', NS, '-o', 'json'])).items.filter((p) =>
  p.metadata.name.startsWith('bench-kubectl-'),
).length;
kubectl(cluster, ['delete', 'pods', '-n', NS, '--all', '--wait=false']);

console.log(`kdiag shell: ${RUNS} runs ending in every way, then kdiag shell --gc --stale-after 1s`);
console.log('way out          runs  exit statuses');
for (const w of WAYS) console.log(`${w.padEnd(17)}${String(tally[w].runs).padStart(4)}  ${JSON.stringify(tally[w].statuses)}`);
console.log(`debug pods left after the runs: ${leftBefore}; removed by --gc: ${removed}; left after --gc: ${leftAfter}`);
console.log(`\ntime, median of ${TIMING_RUNS} runs`);
console.log(`kdiag shell -- true, to exit (pod created, started, exec'd, deleted): ${median(kdiagMs).toFixed(0)} ms`);
console.log(`kubectl run --rm -i --restart=Never -- true, to attached (it never exits on KWOK): ${median(kubectlMs).toFixed(0)} ms`);
console.log(`kubectl pods left behind after SIGINT at that point: ${kubectlLeft} of ${TIMING_RUNS}`);
