// Benchmark of `kdiag audit -A` on 50,000 pods and 5,000 Services in 100 namespaces (created bound to KWOK nodes,
// no controllers), with 50 broken Services planted, side by side with popeye v0.22.1 (-A, and its full scan) and
// k8sgpt v0.4.36 (`analyze --filter Service`, no AI backend), both built by exact version from the Go module proxy
// and cached under ~/.cache/kdiag/bench. For each: wall time, peak memory (the process tree's largest RSS, from
// getrusage), API requests (through a counting loopback proxy in front of the API server) and how many of the 50
// planted problems it names.
//
// Usage: npm run build && KDIAG_CLUSTER_NODES=200 node bench/audit/run.mjs [--runs N] (default 1)
// The cluster (its own run folder and ports) and its objects are kept between runs; see bench/README.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterUp, kubectl, ROOT } from '../lib/cluster.mjs';
import { plan, populate } from './populate.mjs';
import { SIZE } from './up.mjs';

const RUNS = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : 1;
const CACHE = `${process.env.XDG_CACHE_HOME ?? `${process.env.HOME}/.cache`}/kdiag/bench`;
const TOOLS = { popeye: ['github.com/derailed/popeye', 'v0.22.1'], k8sgpt: ['github.com/k8sgpt-ai/k8sgpt', 'v0.4.36'] };
const log = (s) => process.stderr.write(`bench: ${s}\n`);

/** Builds a tool by exact version: download the module from the proxy, `go build` in a copy of it. Cached. */
function tool(name) {
  const bin = join(CACHE, 'bin', name);
  if (existsSync(bin)) return bin;
  if (process.env.KDIAG_BENCH_NO_BUILD === '1') return undefined;
  const [mod, version] = TOOLS[name];
  log(`building ${name} ${version} from the Go module proxy (once)`);
  const dir = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${mod}@${version}`], { encoding: 'utf8' })).Dir;
  const src = join(CACHE, 'src', name);
  mkdirSync(join(CACHE, 'bin'), { recursive: true });
  execFileSync('rm', ['-rf', src]);
  execFileSync('cp', ['-r', dir, src]);
  execFileSync('chmod', ['-R', 'u+w', src]);
  execFileSync('nice', ['go', 'build', '-o', bin, '.'], { cwd: src, stdio: 'inherit', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  return bin;
}

const cluster = clusterUp();
const p = plan(SIZE);
const created = await populate(cluster, p, SIZE);
if (created > 0) log(`populated in ${created.toFixed(0)} s`);
await settle();

const kubeconfig = readFileSync(cluster.kubeconfig, 'utf8');
const b64 = (k) => Buffer.from(new RegExp(`${k}: (\\S+)`).exec(kubeconfig)[1], 'base64');
const upstream = new URL(/server: (\S+)/.exec(kubeconfig)[1]);
const tls = { ca: b64('certificate-authority-data'), cert: b64('client-certificate-data'), key: b64('client-key-data') };

/** A plain-HTTP proxy on loopback that forwards to the API server with the admin's certificate and counts requests. */
let counted = 0;
const proxy = createServer((req, res) => {
  counted++;
  const up = httpsRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      path: req.url,
      method: req.method,
      headers: { ...req.headers, host: upstream.host },
      ...tls,
    },
    (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  req.pipe(up);
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const proxied = join(mkdtempSync(join(tmpdir(), 'kdiag-bench-audit-')), 'kubeconfig');
writeFileSync(
  proxied,
  `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:${proxy.address().port}'}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`,
);

const planted = p.broken;
const tools = [
  {
    name: 'kdiag audit -A',
    argv: (kc) => [process.execPath, `${ROOT}/dist/kdiag.js`, 'audit', '-A', '-o', 'json', '--kubeconfig', kc],
    // kdiag names a planted problem only with its own code (each planted kind is a kdiag svc code), not with any
    // finding on the Service; the peers' counts below are upper bounds (any warning on the Service, pod or policy).
    found: (out) => {
      const codes = new Map(
        JSON.parse(out).services.map((s) => [`${s.service.namespace}/${s.service.name}`, new Set(s.findings.map((f) => f.code))]),
      );
      return planted.filter((b) => codes.get(`${b.namespace}/${b.name}`)?.has(b.kind));
    },
  },
  {
    name: 'popeye -A -s svc',
    argv: (kc) => [tool('popeye'), '-A', '-s', 'svc', '-o', 'json', '--kubeconfig', kc, '--logs', 'none', '--force-exit-zero'],
    found: popeyeFound,
  },
  {
    name: 'popeye -A (full scan)',
    // popeye v0.22.1 fixes its client timeout at 30 s (internal/client/config.go sets restConfig.Timeout; its
    // --request-timeout does not change it): at this size its concurrent unpaged lists of pods, Services and
    // NetworkPolicies outlive it, popeye reports them under popeye.errors and scans none of them (logged below).
    argv: (kc) => [tool('popeye'), '-A', '-o', 'json', '--kubeconfig', kc, '--logs', 'none', '--force-exit-zero'],
    found: popeyeFound,
  },
  {
    name: 'k8sgpt analyze --filter Service',
    argv: (kc) => [tool('k8sgpt'), 'analyze', '--filter', 'Service', '--output', 'json', '--kubeconfig', kc],
    found: (out) => {
      const doc = JSON.parse(out.slice(out.indexOf('{')));
      const names = new Set((doc.results ?? []).filter((r) => (r.error ?? []).length > 0).map((r) => r.name));
      return planted.filter((b) => names.has(`${b.namespace}/${b.name}`));
    },
  },
];

function popeyeFound(out) {
  const doc = JSON.parse(out.slice(out.indexOf('{')));
  // Reads popeye could not make are under popeye.errors (an object whose keys repeat: count them in the text).
  const failed = (out.match(/"error":"[^"]*/g) ?? []).length;
  if (doc.popeye?.errors) log(`popeye reported ${failed} failed read(s), e.g. ${JSON.stringify(doc.popeye.errors).slice(0, 200)}`);
  const flagged = new Set();
  for (const s of doc.popeye?.sections ?? []) {
    for (const [key, issues] of Object.entries(s.issues ?? {})) {
      if ((issues ?? []).some((i) => i.level >= 2)) flagged.add(key);
    }
  }
  // A planted problem counts when popeye flags its Service, its pod or its NetworkPolicy.
  return planted.filter((b) => [b.name, `${b.name}-0`, `${b.name}-deny`].some((n) => flagged.has(`${b.namespace}/${n}`)));
}

// KDIAG_BENCH_LIMIT_MINUTES: how long one run of a tool may take (default 20); a tool still running then is stopped
// and reported as not finished, with its peak memory and requests so far.
const LIMIT_S = Number(process.env.KDIAG_BENCH_LIMIT_MINUTES ?? 20) * 60;

/**
 * Runs argv under a Python wrapper that reports the children's peak RSS (a stopped child counts too: it is reaped
 * before getrusage); returns wall ms, peak KiB, exit status (-1: stopped at the limit), stdout.
 */
function measure(argv) {
  const wrapper =
    'import resource,subprocess,sys,time\nt=time.time()\nlimit=float(sys.argv[1])\ntry:\n' +
    '  p=subprocess.run(sys.argv[2:],stdout=subprocess.PIPE,stderr=subprocess.PIPE,timeout=limit)\n  out,code=p.stdout,p.returncode\n' +
    'except subprocess.TimeoutExpired as e:\n  out,code=(e.stdout or b""),-1\n' +
    'sys.stderr.write("%d %d %d\\n"%((time.time()-t)*1000,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,code))\nsys.stdout.buffer.write(out)\n';
  return new Promise((resolve) => {
    const c = spawn('python3', ['-c', wrapper, String(LIMIT_S), ...argv], {
      env: { ...process.env, NODE_OPTIONS: '', HOME: mkdtempSync(join(tmpdir(), 'bench-home-')) },
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', () => {
      const [ms, kb, status] = err.trim().split('\n').pop().split(' ').map(Number);
      resolve({ ms, kb, status, out, err });
    });
  });
}

const rows = [];
// KDIAG_BENCH_SKIP=name,...: tools left out (e.g. k8sgpt, which did not finish within 15 minutes at this size).
const skip = (process.env.KDIAG_BENCH_SKIP ?? '').split(',').filter(Boolean);
// KDIAG_BENCH_KEEP=dir: each tool's output through the proxy is written there (to check what a reader counts).
const keep = process.env.KDIAG_BENCH_KEEP;
for (const t of tools) {
  if (skip.some((s) => t.name.startsWith(s))) {
    log(`${t.name}: skipped (KDIAG_BENCH_SKIP)`);
    continue;
  }
  if (t.argv('').includes(undefined)) {
    log(`${t.name}: not built (KDIAG_BENCH_NO_BUILD=1), skipped`);
    continue;
  }
  // Requests: one run through the counting proxy; time and memory: RUNS runs straight to the API server (median).
  counted = 0;
  const viaProxy = await measure(t.argv(proxied));
  const requests = counted;
  if (keep) writeFileSync(join(keep, `${t.name.replace(/[^a-z0-9]+/gi, '-')}.out`), viaProxy.out);
  let found = [];
  try {
    found = t.found(viaProxy.out);
  } catch (e) {
    log(`${t.name}: could not read its output (${e.message}); exit ${viaProxy.status}; stderr: ${viaProxy.err.slice(0, 400)}`);
  }
  if (viaProxy.status === -1) {
    // Stopped at the limit: no direct runs (they would be stopped too); its peak and requests are those so far.
    rows.push({ tool: t.name, ms: viaProxy.ms, mb: viaProxy.kb / 1024, requests, found: 0, missed: [], stopped: true });
    log(`${t.name}: did not finish in ${LIMIT_S / 60} min (peak ${(viaProxy.kb / 1024).toFixed(0)} MB, ${requests} requests so far)`);
    continue;
  }
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure(t.argv(cluster.kubeconfig)));
  runs.sort((a, b) => a.ms - b.ms);
  const med = runs[Math.floor(runs.length / 2)];
  rows.push({
    tool: t.name,
    ms: med.ms,
    mb: Math.max(...runs.map((r) => r.kb)) / 1024,
    requests,
    found: found.length,
    missed: planted.filter((b) => !found.includes(b)).map((b) => b.kind),
  });
  log(`${t.name}: ${med.ms} ms, ${(med.kb / 1024).toFixed(0)} MB, ${requests} requests, ${found.length}/${planted.length} found`);
}
proxy.close();

console.log(
  `kdiag audit on ${SIZE.pods} pods / ${SIZE.services} Services in ${SIZE.namespaces} namespaces, ${SIZE.planted} broken planted (median of ${RUNS} direct run(s); requests from one more run through the counting proxy)`,
);
console.log('tool                               wall s   peak MB   requests   planted found');
for (const r of rows) {
  const wall = r.stopped ? `>${(r.ms / 1000).toFixed(0)}` : (r.ms / 1000).toFixed(1);
  const found = r.stopped ? 'did not finish' : `${r.found}/${SIZE.planted}`;
  console.log(
    `${r.tool.padEnd(34)}${wall.padStart(7)}${r.mb.toFixed(0).padStart(10)}${String(r.requests).padStart(11)}${found.padStart(16)}`,
  );
}
for (const r of rows)
  if (r.stopped)
    console.log(`${r.tool}: stopped after ${LIMIT_S / 60} min (KDIAG_BENCH_LIMIT_MINUTES); peak and requests are those so far`);
for (const r of rows) {
  const byKind = {};
  for (const k of r.missed) byKind[k] = (byKind[k] ?? 0) + 1;
  if (r.missed.length)
    console.log(
      `${r.tool} missed: ${Object.entries(byKind)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
    );
}

/** Waits until KWOK runs every pod and the EndpointSlice controller lists the last namespace's endpoints. */
async function settle() {
  const deadline = Date.now() + Number(process.env.KDIAG_BENCH_SETTLE_MINUTES ?? 30) * 60_000;
  for (;;) {
    const pending = kubectl(cluster, ['get', 'pods', '-A', '--field-selector=status.phase!=Running', '-o', 'name', '--chunk-size=1000'])
      .split('\n')
      .filter(Boolean).length;
    const last = `audit-${String(SIZE.namespaces - 1).padStart(3, '0')}`;
    const slices = JSON.parse(kubectl(cluster, ['get', 'endpointslices', '-n', last, '-o', 'json'])).items;
    const ready = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
    const expected = SIZE.pods / SIZE.namespaces;
    // The planted pods-not-running pods stay Pending on purpose.
    const plantedPending = p.broken.filter((b) => b.kind === 'pods-not-running').length;
    log(`${pending} pods not running (${plantedPending} on purpose); ${last} has ${ready}/${expected} ready endpoints`);
    if (pending <= plantedPending && ready >= expected) return;
    if (Date.now() > deadline) {
      log(`not settled after KDIAG_BENCH_SETTLE_MINUTES: measuring as it is (${pending} pods not running)`);
      return;
    }
    spawnSync('sleep', ['10']);
  }
}
