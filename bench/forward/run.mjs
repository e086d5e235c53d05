// kdiag forward against the built kubectl's port-forward, on the same local cluster in the same run.
//
//   npm run build && node bench/forward/run.mjs [--mb 64] [--runs 3] [--connections 10000] [--latency 50]
//     [--compare OTHER/dist/kdiag.js [--compare-name main]]...
//
// Each pod port 8080 is routed by a KWOK ClusterPortForward to a server this script starts on 127.0.0.1 (nothing
// dials a pod or Service IP). The server speaks a tiny protocol so one port serves every measurement: the client's
// first byte says what it wants: 'U' + 8-byte length (the server reads that many bytes, then answers "ok"), 'D' +
// 8-byte length (the server sends that many bytes), 'E' (an echo). Measured:
//   - throughput (MB/s) of one large upload and one large download, kdiag and kubectl alternating, median of --runs;
//     and the CPU seconds each process of the path spent on them (client, forward, API server, kwok);
//   - connection set-up latency: connect, send one byte, read it back; median and p95 of --latency connections;
//   - recovery: with one replica, the serving pod is deleted; the time from its replacement being Ready (as polled)
//     and from the deletion to the first connection that goes through again (kubectl does not recover);
//   - kdiag's RSS after a warm-up of 200 connections and after --connections more (20 at a time), and its heapUsed after
//     a forced full GC at both points (bench/forward/heap-hook.mjs, preloaded): flat heapUsed means nothing is retained
//     per connection, whatever RSS does. BENCH_HEAP_SNAPSHOT=1 also writes a heap snapshot at both points. A forward
//     that re-executed itself is measured in its child, the process that serves.
// With --compare (once or more), another build of kdiag (e.g. main's: a before/after in the same run) takes its turn in
// the transfers, the set-up latency and the soak (one forward after the other), under its --compare-name.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import net from 'node:net';
import { benchClusterEnv, clusterUp, kubectl, ROOT } from '../lib/cluster.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
/** Other kdiag bundles measured alongside (before/after in one run), each with its label. */
const COMPARE = process.argv.flatMap((a, i) => (a === '--compare' ? [process.argv[i + 1]] : []));
const NAMES = process.argv.flatMap((a, i) => (a === '--compare-name' ? [process.argv[i + 1]] : []));
const others = COMPARE.map((bundle, i) => ({ bundle, name: `kdiag ${NAMES[i] ?? `compared ${i + 1}`}` }));
const MB = arg('mb', 64);
const RUNS = arg('runs', 3);
const CONNECTIONS = arg('connections', 10_000);
const LATENCY = arg('latency', 50);
// A namespace of its own per run: a run deletes its namespace without waiting, and objects of a namespace still being
// deleted under the same name disturbed the next run (its pods deleted mid-transfer: connections closed with pod-gone).
const NS = `bench-forward-${Date.now().toString(36)}`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What the local "pod" got of the latest upload, and sent of the latest download (for a failed transfer's message). */
const serverSeen = { uploaded: 0, downloaded: 0 };

/** The local "pod": upload sink, download source, echo. */
function startServer() {
  const chunk = Buffer.alloc(256 * 1024, 7);
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    // KWOK keeps its connection to this server open after the tunnel ends (it does not pass the close on; kubectl's
    // tunnels too): one file descriptor per connection until this side closes. Closing idle connections keeps a
    // 10,000-connection soak from exhausting KWOK's 20,000 (it then stops accepting and every port-forward hangs).
    s.setTimeout(10_000, () => s.destroy());
    let head = Buffer.alloc(0);
    const onData = (d) => {
      head = Buffer.concat([head, d]);
      if (head[0] === 0x45 /* E */) {
        s.off('data', onData);
        s.write(head);
        s.pipe(s);
        return;
      }
      if (head.length < 9) return;
      s.off('data', onData);
      const n = Number(head.readBigUInt64BE(1));
      if (head[0] === 0x55 /* U */) {
        let got = head.length - 9;
        const check = () => got >= n && s.write('ok');
        s.on('data', (x) => {
          got += x.length;
          serverSeen.uploaded = got;
          check();
        });
        check();
      } else {
        let left = n;
        const pump = () => {
          while (left > 0) {
            const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= c.length;
            serverSeen.downloaded = n - left;
            if (!s.write(c)) return void s.once('drain', pump);
          }
        };
        pump();
      }
    };
    s.on('data', onData);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function header(kind, n) {
  const h = Buffer.alloc(9);
  h[0] = kind.charCodeAt(0);
  h.writeBigUInt64BE(BigInt(n), 1);
  return h;
}

/**
 * Fails a transfer that made no progress for 30 s, or whose connection closed before the end, saying how far each side
 * got. `progress()` is [what the client wrote or read, what the local server got or sent].
 */
function watchTransfer(s, what, progress, reject) {
  let last = '';
  let still = 0;
  const timer = setInterval(() => {
    const now = progress().join('/');
    still = now === last ? still + 1 : 0;
    last = now;
    if (still >= 30) fail('no progress for 30 s');
  }, 1000);
  const fail = (why) => {
    clearInterval(timer);
    s.destroy();
    const [client, server] = progress();
    reject(new Error(`${what}: ${why} (client ${client} B, local server ${server} B)`));
  };
  s.on('close', () => fail('the connection closed'));
  return () => clearInterval(timer);
}

/** Seconds for one upload of `bytes` through 127.0.0.1:port (until the server says it has them all). */
function upload(port, bytes, label = '') {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    serverSeen.uploaded = 0;
    const s = net.connect({ host: '127.0.0.1', port });
    const chunk = Buffer.alloc(256 * 1024, 3);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= c.length;
        if (!s.write(c)) return void s.once('drain', pump);
      }
    };
    const done = watchTransfer(s, `${label} upload of ${bytes} B`, () => [bytes - left - s.writableLength, serverSeen.uploaded], reject);
    s.on('connect', () => {
      s.write(header('U', bytes));
      pump();
    });
    s.on('data', () => {
      done();
      resolve((performance.now() - t0) / 1000);
      s.destroy();
    });
    s.on('error', () => undefined);
  });
}

/** Seconds for one download of `bytes`. */
function download(port, bytes, label = '') {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    serverSeen.downloaded = 0;
    const s = net.connect({ host: '127.0.0.1', port });
    let got = 0;
    const done = watchTransfer(s, `${label} download of ${bytes} B`, () => [got, serverSeen.downloaded], reject);
    s.on('connect', () => s.write(header('D', bytes)));
    s.on('data', (d) => {
      got += d.length;
      if (got >= bytes) {
        done();
        resolve((performance.now() - t0) / 1000);
        s.destroy();
      }
    });
    s.on('error', () => undefined);
  });
}

/** Milliseconds from connect to one echoed byte; rejects on failure or after timeoutMs. */
function ping(port, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => (s.destroy(), reject(new Error('ping timed out'))), timeoutMs);
    s.on('connect', () => s.write('E'));
    s.on('data', () => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
      s.destroy();
    });
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
    s.on('close', () => (clearTimeout(timer), reject(new Error('closed'))));
  });
}

/** Every forward started, stopped if the benchmark fails half-way (none is left running). */
const children = new Set();

/** Starts a forward and resolves {port, pid, child, out} once it prints its local port. */
function startForward(cmd, args, env, re) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = re.exec(out);
      if (m)
        resolve({
          port: Number(m[1]),
          pid: child.pid,
          child,
          get out() {
            return out;
          },
          get err() {
            return err;
          },
        });
    });
    child.stderr.on('data', (d) => (err += d));
    child.stderrText = () => err;
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${err}`)));
  });
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14, 15) in clock ticks of 10 ms
  } catch {
    return 0;
  }
}

/** The pid that serves: a forward that re-executed itself (`kdiag forward` with its V8 flags) serves in its child. */
function servingPid(pid) {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length === 1 ? Number(kids[0]) : pid;
  } catch {
    return pid;
  }
}

/** RSS of a process (MB). */
const rssMB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function main() {
  const loadStart = loadavg()[0];
  const cluster = clusterUp();
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
  delete env.NODE_OPTIONS;
  const server = await startServer();
  const serverPort = server.address().port;
  kubectl(cluster, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }));
  const route = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterPortForward',
    metadata: { name: `kdiag-bench-${NS}` },
    spec: { selector: { matchNamespaces: [NS] }, forwards: [{ ports: [8080], target: { address: '127.0.0.1', port: serverPort } }] },
  };
  kubectl(cluster, ['apply', '-f', '-'], JSON.stringify(route));
  const deploy = (name, replicas) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'app', image: 'registry.invalid/bench:1', ports: [{ name: 'http', containerPort: 8080 }] }],
        },
      },
    },
  });
  const svc = (name) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  kubectl(
    cluster,
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deploy('web', 1), svc('web'), deploy('solo', 1), svc('solo')] }),
  );
  kubectl(cluster, ['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=120s']);
  kubectl(cluster, ['-n', NS, 'rollout', 'status', 'deployment/solo', '--timeout=120s']);
  await sleep(1000);

  // BENCH_NODE_ARGS: extra node flags for kdiag, e.g. --max-old-space-size=48 to tell a leak from lazy collection.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const kdiagArgs = (target, extra = [], bundle = `${ROOT}/dist/kdiag.js`) => [
    ...nodeArgs,
    ...extra,
    bundle,
    'forward',
    target,
    ':80',
    '-n',
    NS,
    '--address',
    '127.0.0.1',
  ];
  const heapFile = `${tmpdir()}/kdiag-bench-forward-heap-${process.pid}.jsonl`;
  rmSync(heapFile, { force: true });
  const heapEnv = {
    ...env,
    KDIAG_BENCH_HEAP_FILE: heapFile,
    ...(process.env.BENCH_HEAP_SNAPSHOT ? { KDIAG_BENCH_HEAP_SNAPSHOT: '1' } : {}),
  };
  const heapArgs = ['--expose-gc', '--import', `${ROOT}/bench/forward/heap-hook.mjs`];
  /** heapUsed and RSS (MB) of the kdiag process after a forced full GC; asks the preloaded hook and waits for its line. */
  const heapAfterGc = async (pid) => {
    const before = existsSync(heapFile) ? readFileSync(heapFile, 'utf8').split('\n').filter(Boolean).length : 0;
    process.kill(pid, 'SIGUSR2');
    for (let i = 0; i < 600; i++) {
      await sleep(100);
      const rows = existsSync(heapFile) ? readFileSync(heapFile, 'utf8').split('\n').filter(Boolean) : [];
      if (rows.length > before) {
        const m = JSON.parse(rows.at(-1));
        return {
          heapUsed: m.heapUsed / 1048576,
          heapTotal: m.heapTotal / 1048576,
          newSpace: (m.spaces?.new_space ?? 0) / 1048576,
          rss: m.rss / 1048576,
          external: m.external / 1048576,
          snapshot: m.snapshot,
        };
      }
    }
    throw new Error('the heap hook did not answer');
  };
  const kdiag = await startForward(process.execPath, kdiagArgs('svc/web'), env, /Forwarding from 127\.0\.0\.1:(\d+)/);
  const otherForwards = {};
  for (const o of others) {
    otherForwards[o.name] = await startForward(
      process.execPath,
      kdiagArgs('svc/web', [], o.bundle),
      env,
      /Forwarding from 127\.0\.0\.1:(\d+)/,
    );
  }
  const kctl = await startForward(
    `${cluster.bin}/kubectl`,
    ['--kubeconfig', cluster.kubeconfig, '-n', NS, 'port-forward', 'svc/web', ':80', '--address', '127.0.0.1'],
    env,
    /Forwarding from 127\.0\.0\.1:(\d+)/,
  );
  const tools = { kdiag, ...otherForwards, kubectl: kctl };
  const bytes = MB * 1024 * 1024;
  const results = Object.fromEntries(Object.keys(tools).map((name) => [name, { up: [], down: [], lat: [], cpu: {} }]));
  // The processes of the path, for the CPU each spends on the transfers (the forward's child when it re-executed itself).
  const pidFile = (name) => Number(readFileSync(`${benchClusterEnv.KDIAG_CLUSTER_DIR}/pids/${name}`, 'utf8').split(' ')[0]);
  const pathPids = (t) => ({ forward: servingPid(t.pid), apiserver: pidFile('kube-apiserver'), kwok: pidFile('kwok') });
  /** Runs fn, adding the CPU seconds of the client (this process, mostly the local server) and of the path to `into`. */
  const withCpu = async (t, into, fn) => {
    const pids = pathPids(t);
    const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const self = process.cpuUsage();
    const r = await fn();
    const selfUsed = process.cpuUsage(self);
    into.client = (into.client ?? 0) + (selfUsed.user + selfUsed.system) / 1e6;
    for (const [k, pid] of Object.entries(pids)) into[k] = (into[k] ?? 0) + cpuSeconds(pid) - before[k];
    return r;
  };
  for (const t of Object.values(tools)) await download(t.port, 1024 * 1024); // warm-up
  for (let r = 0; r < RUNS; r++) {
    for (const [name, t] of Object.entries(tools)) {
      const cpu = results[name].cpu;
      results[name].up.push(MB / (await withCpu(t, (cpu.up ??= {}), () => upload(t.port, bytes, name))));
      results[name].down.push(MB / (await withCpu(t, (cpu.down ??= {}), () => download(t.port, bytes, name))));
    }
  }
  for (let i = 0; i < LATENCY; i++) {
    for (const [name, t] of Object.entries(tools)) results[name].lat.push(await ping(t.port));
  }
  for (const f of Object.values(otherForwards)) f.child.kill('SIGTERM');
  kctl.child.kill('SIGTERM');
  kdiag.child.kill('SIGTERM');

  // Recovery: one replica; delete the pod that serves, then connect every 50 ms until a connection goes through.
  const recover = async (t, label) => {
    const podName = kubectl(cluster, ['-n', NS, 'get', 'pods', '-l', 'app=solo', '-o', 'jsonpath={.items[0].metadata.name}']).trim();
    await ping(t.port);
    const deletedAt = performance.now();
    kubectl(cluster, ['-n', NS, 'delete', 'pod', podName, '--wait=false']);
    let readyAt;
    let okAt;
    const poller = (async () => {
      while (readyAt === undefined && performance.now() - deletedAt < 60_000) {
        const json = JSON.parse(kubectl(cluster, ['-n', NS, 'get', 'pods', '-l', 'app=solo', '-o', 'json']));
        const fresh = json.items.find(
          (p) =>
            p.metadata.name !== podName &&
            !p.metadata.deletionTimestamp &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        if (fresh) readyAt = performance.now();
      }
    })();
    while (performance.now() - deletedAt < 30_000) {
      try {
        await ping(t.port, 2_000);
        okAt = performance.now();
        break;
      } catch {
        await sleep(50);
      }
    }
    await poller;
    return {
      label,
      fromDeleteMs: okAt === undefined ? undefined : Math.round(okAt - deletedAt),
      fromReadyMs: okAt === undefined || readyAt === undefined ? undefined : Math.round(okAt - readyAt),
    };
  };
  const kdiagSolo = await startForward(process.execPath, kdiagArgs('svc/solo', heapArgs), heapEnv, /Forwarding from 127\.0\.0\.1:(\d+)/);
  const recKdiag = await recover(kdiagSolo, 'kdiag');
  const kctlSolo = await startForward(
    `${cluster.bin}/kubectl`,
    ['--kubeconfig', cluster.kubeconfig, '-n', NS, 'port-forward', 'svc/solo', ':80', '--address', '127.0.0.1'],
    env,
    /Forwarding from 127\.0\.0\.1:(\d+)/,
  ).catch((e) => ({ error: e }));
  const recKubectl = kctlSolo.error ? { label: 'kubectl', error: String(kctlSolo.error) } : await recover(kctlSolo, 'kubectl');
  kctlSolo.child?.kill('SIGTERM');

  // RSS: kdiag on svc/solo, after 200 connections, then after CONNECTIONS more, 20 at a time (with --compare, the other
  // builds' forwards too, one after the other).
  const soakers = [{ name: 'kdiag', f: kdiagSolo }];
  for (const o of others) {
    const f = await startForward(
      process.execPath,
      kdiagArgs('svc/solo', heapArgs, o.bundle),
      heapEnv,
      /Forwarding from 127\.0\.0\.1:(\d+)/,
    );
    soakers.push({ name: o.name, f });
  }
  for (const s of soakers) {
    for (let i = 0; i < 200; i++) await ping(s.f.port);
  }
  await sleep(500);
  for (const s of soakers) {
    // A forward that re-executed itself serves in its child: that is the process measured; the parent only waits.
    s.serving = servingPid(s.f.pid);
    s.parentRss = s.serving === s.f.pid ? undefined : [rssMB(s.f.pid)];
    s.rssBefore = rssMB(s.serving);
    s.heapBefore = await heapAfterGc(s.serving);
    s.failed = 0;
    s.why = new Map();
  }
  // One forward at a time, each under a continuous load: V8 sizes its young generation by the allocation rate, so
  // batches alternating between two processes (each idle half the time) would not measure the same thing.
  for (const s of soakers) {
    s.errorsBefore = s.f.err.length;
    const t0 = performance.now();
    for (let done = 0; done < CONNECTIONS; done += 20) {
      const n = Math.min(20, CONNECTIONS - done);
      const rs = await Promise.allSettled(Array.from({ length: n }, () => ping(s.f.port, 15_000)));
      s.failed += rs.filter((r) => r.status === 'rejected').length;
      for (const r of rs) if (r.status === 'rejected') s.why.set(r.reason.message, (s.why.get(r.reason.message) ?? 0) + 1);
    }
    s.soakMs = performance.now() - t0;
  }
  await sleep(2000);
  for (const s of soakers) {
    s.rssAfter = rssMB(s.serving);
    s.parentRss?.push(rssMB(s.f.pid));
    s.heapAfter = await heapAfterGc(s.serving);
    s.rssAfterGc = rssMB(s.serving);
    s.args = readFileSync(`/proc/${s.serving}/cmdline`, 'utf8').split('\0');
    s.f.child.kill('SIGTERM');
  }

  const fmt = (xs) => median(xs).toFixed(1);
  console.log(`\nload average (1 min) at the start ${loadStart.toFixed(1)}, at the end ${loadavg()[0].toFixed(1)}`);
  console.log(`\nkdiag forward vs kubectl port-forward (svc/web, one pod), ${MB} MB transfers, median of ${RUNS} runs:\n`);
  console.log('| | upload MB/s | download MB/s | set-up latency median | p95 |');
  console.log('|---|---:|---:|---:|---:|');
  for (const name of Object.keys(tools)) {
    const r = results[name];
    console.log(`| ${name} | ${fmt(r.up)} | ${fmt(r.down)} | ${median(r.lat).toFixed(1)} ms | ${pct(r.lat, 0.95).toFixed(1)} ms |`);
  }
  for (const name of Object.keys(tools).filter((n) => n !== 'kubectl')) {
    console.log(
      `| ${name} / kubectl | ${(median(results[name].up) / median(results.kubectl.up)).toFixed(2)}x | ${(median(results[name].down) / median(results.kubectl.down)).toFixed(2)}x | | |`,
    );
  }
  console.log(`\nCPU seconds per ${MB} MB transfer (mean of ${RUNS}; client = this script and the local server):\n`);
  console.log('| | direction | client | forward | API server | kwok |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const name of Object.keys(tools)) {
    for (const dir of ['up', 'down']) {
      const c = results[name].cpu[dir];
      const f = (k) => (c[k] / RUNS).toFixed(2);
      console.log(`| ${name} | ${dir} | ${f('client')} | ${f('forward')} | ${f('apiserver')} | ${f('kwok')} |`);
    }
  }
  console.log('\nrecovery after deleting the only pod (svc/solo, one replica):');
  for (const r of [recKdiag, recKubectl]) {
    if (r.error) console.log(`- ${r.label}: ${r.error}`);
    else if (r.fromDeleteMs === undefined)
      console.log(`- ${r.label}: no connection went through within 30 s of the deletion (does not recover)`);
    else
      console.log(
        `- ${r.label}: first connection through ${r.fromDeleteMs} ms after the deletion, ${r.fromReadyMs ?? '?'} ms after the replacement was seen Ready`,
      );
  }
  for (const { name, ...s } of soakers) {
    const flags = s.args.filter((x) => /^--max-(semi-space|young)/.test(x)).join(' ') || 'no young-generation flag';
    const { heapBefore: hb, heapAfter: ha } = s;
    console.log(
      `\nRSS of ${name} forward: ${s.rssBefore.toFixed(1)} MB after 200 connections, ${s.rssAfter.toFixed(1)} MB after ${CONNECTIONS} more (${(s.rssAfter - s.rssBefore).toFixed(1)} MB growth; ${s.failed} failed; ${(s.soakMs / 1000).toFixed(0)} s); serving process ${s.serving === s.f.pid ? 'is the one started' : 'is its child'}, ${flags}`,
    );
    console.log(
      `after a forced full GC: heapUsed ${hb.heapUsed.toFixed(1)} -> ${ha.heapUsed.toFixed(1)} MB (${(ha.heapUsed - hb.heapUsed).toFixed(1)} MB), heapTotal ${hb.heapTotal.toFixed(1)} -> ${ha.heapTotal.toFixed(1)} MB (new space ${hb.newSpace.toFixed(1)} -> ${ha.newSpace.toFixed(1)} MB), external ${hb.external.toFixed(1)} -> ${ha.external.toFixed(1)} MB, RSS ${s.rssAfterGc.toFixed(1)} MB after it (${(s.rssAfterGc - s.rssBefore).toFixed(1)} MB growth)`,
    );
    if (s.parentRss)
      console.log(`the parent process that waits for it: RSS ${s.parentRss[0].toFixed(1)} -> ${s.parentRss[1].toFixed(1)} MB`);
    if (hb.snapshot) console.log(`heap snapshots: ${hb.snapshot}, ${ha.snapshot}`);
  }
  const goal = recKdiag.fromReadyMs !== undefined && recKdiag.fromReadyMs <= 2000;
  console.log(`recovery goal (first connection within 2 s of a ready replacement): ${goal ? 'met' : 'not met'}`);
  const growth = soakers[0].rssAfter - soakers[0].rssBefore;
  console.log(`RSS goal (under 20 MB growth of the serving process over the soak): ${growth < 20 ? 'met' : 'not met'}`);
  rmSync(heapFile, { force: true });
  kubectl(cluster, ['delete', 'namespace', NS, '--wait=false']);
  kubectl(cluster, ['delete', 'clusterportforwards.kwok.x-k8s.io', route.metadata.name, '--ignore-not-found']);
  server.close();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  for (const c of children) {
    const err = c.stderrText?.() ?? '';
    if (err) console.error(`--- last stderr of ${c.spawnargs.slice(0, 4).join(' ')}...:\n${err.split('\n').slice(-8).join('\n')}`);
  }
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exit(1);
});
