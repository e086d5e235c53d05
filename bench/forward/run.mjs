// kdiag forward against the built kubectl's port-forward, on the same local cluster in the same run.
//
//   npm run build && node bench/forward/run.mjs [--mb 64] [--runs 3] [--connections 10000] [--latency 50]
//
// Each pod port 8080 is routed by a KWOK ClusterPortForward to a server this script starts on 127.0.0.1 (nothing
// dials a pod or Service IP). The server speaks a tiny protocol so one port serves every measurement: the client's
// first byte says what it wants: 'U' + 8-byte length (the server reads that many bytes, then answers "ok"), 'D' +
// 8-byte length (the server sends that many bytes), 'E' (an echo). Measured:
//   - throughput (MB/s) of one large upload and one large download, kdiag and kubectl alternating, median of --runs;
//   - connection set-up latency: connect, send one byte, read it back; median and p95 of --latency connections;
//   - recovery: with one replica, the serving pod is deleted; the time from its replacement being Ready (as polled)
//     and from the deletion to the first connection that goes through again (kubectl does not recover);
//   - kdiag's RSS after a warm-up of 200 connections and after --connections more (20 at a time), and its heapUsed after
//     a forced full GC at both points (bench/forward/heap-hook.mjs, preloaded): flat heapUsed means nothing is retained
//     per connection, whatever RSS does. BENCH_HEAP_SNAPSHOT=1 also writes a heap snapshot at both points.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { clusterUp, kubectl, ROOT } from '../lib/cluster.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MB = arg('mb', 64);
const RUNS = arg('runs', 3);
const CONNECTIONS = arg('connections', 10_000);
const LATENCY = arg('latency', 50);
const NS = 'bench-forward';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The local "pod": upload sink, download source, echo. */
function startServer() {
  const chunk = Buffer.alloc(256 * 1024, 7);
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
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
          check();
        });
        check();
      } else {
        let left = n;
        const pump = () => {
          while (left > 0) {
            const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= c.length;
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

/** Seconds for one upload of `bytes` through 127.0.0.1:port (until the server says it has them all). */
function upload(port, bytes) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
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
    s.on('connect', () => {
      s.write(header('U', bytes));
      pump();
    });
    s.on('data', () => {
      resolve((performance.now() - t0) / 1000);
      s.destroy();
    });
    s.on('error', reject);
    setTimeout(() => (s.destroy(), reject(new Error('upload timed out'))), 300_000).unref();
  });
}

/** Seconds for one download of `bytes`. */
function download(port, bytes) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = net.connect({ host: '127.0.0.1', port });
    let got = 0;
    s.on('connect', () => s.write(header('D', bytes)));
    s.on('data', (d) => {
      got += d.length;
      if (got >= bytes) {
        resolve((performance.now() - t0) / 1000);
        s.destroy();
      }
    });
    s.on('error', reject);
    setTimeout(() => (s.destroy(), reject(new Error('download timed out'))), 300_000).unref();
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
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${err}`)));
  });
}

const rssMB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function main() {
  const cluster = clusterUp();
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
  delete env.NODE_OPTIONS;
  const server = await startServer();
  const serverPort = server.address().port;
  kubectl(cluster, ['create', 'namespace', NS, '--dry-run=client', '-o', 'yaml'], undefined);
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
  const kdiagArgs = (target, extra = []) => [
    ...nodeArgs,
    ...extra,
    `${ROOT}/dist/kdiag.js`,
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
  const kctl = await startForward(
    `${cluster.bin}/kubectl`,
    ['--kubeconfig', cluster.kubeconfig, '-n', NS, 'port-forward', 'svc/web', ':80', '--address', '127.0.0.1'],
    env,
    /Forwarding from 127\.0\.0\.1:(\d+)/,
  );
  const tools = { kdiag, kubectl: kctl };
  const bytes = MB * 1024 * 1024;
  const results = { kdiag: { up: [], down: [], lat: [] }, kubectl: { up: [], down: [], lat: [] } };
  for (const t of Object.values(tools)) await download(t.port, 1024 * 1024); // warm-up
  for (let r = 0; r < RUNS; r++) {
    for (const [name, t] of Object.entries(tools)) {
      results[name].up.push(MB / (await upload(t.port, bytes)));
      results[name].down.push(MB / (await download(t.port, bytes)));
    }
  }
  for (let i = 0; i < LATENCY; i++) {
    for (const [name, t] of Object.entries(tools)) results[name].lat.push(await ping(t.port));
  }
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

  // RSS: kdiag on svc/solo, after 200 connections, then after CONNECTIONS more, 20 at a time.
  for (let i = 0; i < 200; i++) await ping(kdiagSolo.port);
  await sleep(500);
  const rssBefore = rssMB(kdiagSolo.pid);
  const heapBefore = await heapAfterGc(kdiagSolo.pid);
  const t0 = performance.now();
  let failed = 0;
  for (let done = 0; done < CONNECTIONS; done += 20) {
    const n = Math.min(20, CONNECTIONS - done);
    const rs = await Promise.allSettled(Array.from({ length: n }, () => ping(kdiagSolo.port, 15_000)));
    failed += rs.filter((r) => r.status === 'rejected').length;
  }
  const soakS = (performance.now() - t0) / 1000;
  await sleep(2000);
  const rssAfter = rssMB(kdiagSolo.pid);
  const heapAfter = await heapAfterGc(kdiagSolo.pid);
  const rssAfterGc = rssMB(kdiagSolo.pid);
  kdiagSolo.child.kill('SIGTERM');

  const fmt = (xs) => median(xs).toFixed(1);
  console.log(`\nkdiag forward vs kubectl port-forward (svc/web, one pod), ${MB} MB transfers, median of ${RUNS} runs:\n`);
  console.log('| | upload MB/s | download MB/s | set-up latency median | p95 |');
  console.log('|---|---:|---:|---:|---:|');
  for (const name of ['kdiag', 'kubectl']) {
    const r = results[name];
    console.log(`| ${name} | ${fmt(r.up)} | ${fmt(r.down)} | ${median(r.lat).toFixed(1)} ms | ${pct(r.lat, 0.95).toFixed(1)} ms |`);
  }
  console.log(
    `| kdiag / kubectl | ${(median(results.kdiag.up) / median(results.kubectl.up)).toFixed(2)}x | ${(median(results.kdiag.down) / median(results.kubectl.down)).toFixed(2)}x | | |`,
  );
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
  console.log(
    `\nRSS of kdiag forward: ${rssBefore.toFixed(1)} MB after 200 connections, ${rssAfter.toFixed(1)} MB after ${CONNECTIONS} more (${(rssAfter - rssBefore).toFixed(1)} MB growth; ${failed} failed; ${soakS.toFixed(0)} s)`,
  );
  console.log(
    `after a forced full GC: heapUsed ${heapBefore.heapUsed.toFixed(1)} -> ${heapAfter.heapUsed.toFixed(1)} MB (${(heapAfter.heapUsed - heapBefore.heapUsed).toFixed(1)} MB), heapTotal ${heapBefore.heapTotal.toFixed(1)} -> ${heapAfter.heapTotal.toFixed(1)} MB (new space ${heapBefore.newSpace.toFixed(1)} -> ${heapAfter.newSpace.toFixed(1)} MB), external ${heapBefore.external.toFixed(1)} -> ${heapAfter.external.toFixed(1)} MB, RSS ${rssAfterGc.toFixed(1)} MB after it (${(rssAfterGc - rssBefore).toFixed(1)} MB growth)`,
  );
  if (heapBefore.snapshot) console.log(`heap snapshots: ${heapBefore.snapshot}, ${heapAfter.snapshot}`);
  const goal = recKdiag.fromReadyMs !== undefined && recKdiag.fromReadyMs <= 2000;
  console.log(`recovery goal (first connection within 2 s of a ready replacement): ${goal ? 'met' : 'not met'}`);
  rmSync(heapFile, { force: true });
  kubectl(cluster, ['delete', 'namespace', NS, '--wait=false']);
  kubectl(cluster, ['delete', 'clusterportforwards.kwok.x-k8s.io', route.metadata.name, '--ignore-not-found']);
  server.close();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exit(1);
});
