#!/usr/bin/env node
// Benchmark of `kdiag lint` against ripgrep running an IPv4 regex over the same generated tree, in one run.
//
//   node bench/lint/run.mjs [--mb 150] [--dir $TMPDIR/kdiag-lint-bench] [--keep] [--runs 5]
//
// Generates a tree of mixed config (YAML manifests, Helm templates, .env, JSON, Terraform, nginx) and code
// (TypeScript, Go, Python, shell) with realistic densities: version strings everywhere, a few hard-coded
// addresses, decoys (OIDs, masks, CIDRs, times, MACs). Then runs, on a warm page cache:
//   - kdiag lint through the built bundle (node dist/kdiag.js lint -o json), with its default -j (the CPUs, at
//     most 4, with 3 CPUs or more; else 1), with -j 1 (single-threaded) and, where the default is 1, with -j 2;
//   - rg -j1 (single-threaded) and rg (default threads) with an IPv4 regex.
// The tools take turns for --runs rounds (so that a busy machine's load hits all alike). Prints throughput
// (MB/s) of each tool's fastest run, peak memory (from /usr/bin/time -v when present, else bench/lib/maxrss.mjs
// for kdiag; worker threads share the process, so its peak covers them), how many matches each reported, the
// best, median and worst per-round ratio of each kdiag mode to each rg mode, and whether the goal is met (the
// default mode's median round against rg on all cores). ripgrep is not bundled: install it with
// `apt-get install -y ripgrep` (Debian/Ubuntu), `brew install ripgrep` (macOS), or see
// https://github.com/BurntSushi/ripgrep#installation.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const targetMb = Number(opt('mb', process.env.BENCH_MB ?? '150'));
// Outside the repository by default: the repository's .gitignore (bench/out/) would hide it from kdiag lint.
const dir = resolve(opt('dir', join(tmpdir(), 'kdiag-lint-bench')));
const keep = args.includes('--keep');

// ------------------------------------------------------------------ deterministic generator
let seed = 42;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const ver = () => `${rnd(5)}.${rnd(30)}.${rnd(20)}`;
const ver4 = () => `${rnd(5)}.${rnd(30)}.${rnd(20)}.${rnd(200)}`;
// A real hard-coded address in about 1 of 400 value slots (a few per hundred files).
const maybeIp = () => (rnd(400) === 0 ? `10.${rnd(250)}.${rnd(250)}.${1 + rnd(250)}` : 'db.shop.svc.cluster.local');

function manifest(i) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  labels:
    app.kubernetes.io/name: app-${i}
    app.kubernetes.io/version: "${ver()}"
    helm.sh/chart: app-${ver()}
spec:
  replicas: ${1 + rnd(5)}
  selector:
    matchLabels: {app: app-${i}}
  template:
    metadata:
      labels: {app: app-${i}}
      annotations:
        checksum/config: ${'abcdef0123456789'.repeat(4)}
    spec:
      containers:
        - name: app
          image: registry.example.com/team/app-${i}:${rnd(5) === 0 ? ver4() : ver()}
          ports: [{containerPort: 8080}]
          env:
            - name: DB_HOST
              value: "${maybeIp()}"
            - name: TIMEOUT
              value: "0.5"
            - name: STARTED
              value: "2024-01-0${1 + rnd(8)}T12:${10 + rnd(49)}:00Z"
          resources:
            limits: {cpu: 500m, memory: 128Mi}
      # netmask 255.255.255.0, pod range 10.244.0.0/16, snmp oid 1.3.6.1.4.1.2021.10
      nodeSelector:
        kubernetes.io/os: linux
---
apiVersion: v1
kind: Service
metadata:
  name: app-${i}
spec:
  selector: {app: app-${i}}
  ports: [{port: 80, targetPort: 8080}]
`;
}
function tsFile(i) {
  let s = `// Copyright 2024. Version ${ver()}\nimport { connect } from './db-${i}.js';\n\n`;
  for (let k = 0; k < 20; k++) {
    s += `export async function handler${k}(req: Request): Promise<Response> {\n  const url = new URL(req.url);\n  const limit = Number(url.searchParams.get('limit') ?? '${10 + k}');\n  const host = process.env.DB_HOST ?? '${maybeIp()}';\n  const ratio = 0.${k}5 * limit;\n  return connect(host, { timeout: 1.5, retries: ${k % 4} });\n}\n\n`;
  }
  return s;
}
function goFile(i) {
  let s = `package svc${i}\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\n`;
  for (let k = 0; k < 15; k++) {
    s += `func Handle${k}(w http.ResponseWriter, r *http.Request) {\n\taddr := fmt.Sprintf("%s:%d", "${maybeIp()}", ${8000 + k})\n\t_ = addr // mac 00:1a:2b:3c:4d:${(10 + k).toString(16)}\n\tfmt.Fprintf(w, "v${ver()} ok\\n")\n}\n\n`;
  }
  return s;
}
function pyFile(i) {
  let s = `"""Module ${i}, version ${ver()}."""\nimport os\n\n`;
  for (let k = 0; k < 20; k++)
    s += `def f${k}(x):\n    # default host ${maybeIp()}\n    return os.environ.get("HOST_${k}", "svc-${k}.default.svc") + str(x * 1.${k})\n\n`;
  return s;
}
const envFile = (i) =>
  `APP_VERSION=${ver4()}\nDB_HOST=${maybeIp()}\nLISTEN=0.0.0.0:8080\nLOG_LEVEL=info\nREDIS_URL=redis://cache-${i}:6379/0\n`;
const jsonFile = (i) =>
  JSON.stringify(
    {
      name: `pkg-${i}`,
      version: ver(),
      dependencies: Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`dep-${k}`, `^${ver()}`])),
      config: { upstream: maybeIp(), port: 8080 },
    },
    null,
    2,
  );
const tfFile = (i) =>
  `resource "aws_subnet" "s${i}" {\n  vpc_id     = aws_vpc.main.id\n  cidr_block = "10.${rnd(250)}.${rnd(250)}.0/24"\n  tags = { Version = "${ver4()}" }\n}\n\nresource "aws_instance" "i${i}" {\n  ami           = "ami-0abcdef${i}"\n  private_ip    = "${maybeIp()}"\n}\n`;
const nginxFile = (i) =>
  `server {\n  listen 80;\n  server_name app-${i}.example.com;\n  location / {\n    proxy_pass http://${maybeIp()}:8080;\n    allow 10.0.0.0/8;\n    deny all;\n  }\n}\n`;
const shFile = (i) =>
  `#!/bin/sh\nset -eu\n# release ${ver4()}\ncurl -fsS http://${maybeIp()}:8080/healthz\necho "done ${i} at $(date +%H:%M:%S)"\n`;

const kinds = [
  ['yaml', manifest, 30],
  ['ts', tsFile, 20],
  ['go', goFile, 15],
  ['py', pyFile, 10],
  ['env', envFile, 5],
  ['json', jsonFile, 10],
  ['tf', tfFile, 5],
  ['conf', nginxFile, 3],
  ['sh', shFile, 2],
];

function generate() {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  let files = 0;
  const total = kinds.reduce((a, k) => a + k[2], 0);
  const target = targetMb * 1e6;
  while (bytes < target) {
    const sub = join(dir, `team-${Math.floor(files / 400)}`, `svc-${Math.floor(files / 40) % 10}`);
    mkdirSync(sub, { recursive: true });
    let pick = rnd(total);
    let kind = kinds[0];
    for (const k of kinds) {
      if (pick < k[2]) {
        kind = k;
        break;
      }
      pick -= k[2];
    }
    const [ext, gen] = kind;
    // Some files are large (many documents in one manifest) to exercise chunked reading.
    const reps = ext === 'yaml' && rnd(50) === 0 ? 400 : 1;
    let text = '';
    for (let r = 0; r < reps; r++) text += gen(files * 1000 + r);
    const name = ext === 'conf' ? `nginx-${files}.conf` : ext === 'env' ? `.env.${files}` : `file-${files}.${ext}`;
    writeFileSync(join(sub, name), text);
    bytes += Buffer.byteLength(text);
    files++;
  }
  return { bytes, files };
}

function treeSize(d) {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) {
      const s = treeSize(p);
      bytes += s.bytes;
      files += s.files;
    } else if (e.isFile()) {
      bytes += statSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}

// ------------------------------------------------------------------ measuring
const haveTime = existsSync('/usr/bin/time');
const rssFile = join(tmpdir(), `kdiag-bench-maxrss-${process.pid}`);
function measure(cmd, cmdArgs, cwd) {
  // Without /usr/bin/time, node children report their own peak through bench/lib/maxrss.mjs.
  const viaImport = !haveTime && cmd === process.execPath;
  if (viaImport) cmdArgs = ['--import', join(root, 'bench', 'lib', 'maxrss.mjs'), ...cmdArgs];
  const argv = haveTime ? ['/usr/bin/time', '-v', cmd, ...cmdArgs] : [cmd, ...cmdArgs];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
    env: viaImport ? { ...process.env, KDIAG_MAXRSS_FILE: rssFile } : process.env,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let peakKb;
  let cpu;
  if (haveTime) {
    const err = r.stderr ?? '';
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
    if (m) peakKb = Number(m[1]);
    const u = /User time \(seconds\): ([\d.]+)/.exec(err);
    const sy = /System time \(seconds\): ([\d.]+)/.exec(err);
    if (u && sy) cpu = Number(u[1]) + Number(sy[1]);
  } else if (viaImport && existsSync(rssFile)) {
    peakKb = Number(readFileSync(rssFile, 'utf8'));
    rmSync(rssFile, { force: true });
  }
  return { seconds, cpu, peakKb, stdout: r.stdout ?? '', status: r.status, stderr: r.stderr ?? '' };
}

function hasRg() {
  try {
    execFileSync('rg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const gen = existsSync(dir) && keep ? treeSize(dir) : generate();
const mb = gen.bytes / 1e6;
console.log(`tree: ${dir}\n  ${gen.files} files, ${mb.toFixed(1)} MB`);

// Warm the page cache so that both tools read from memory.
spawnSync('cat', ['-'], { input: '' });
treeSize(dir);
if (hasRg()) spawnSync('rg', ['-c', 'x', dir], { stdio: 'ignore' });

// The tools take turns, RUNS rounds after one warm-up round: the kdiag modes, rg -j1, rg. On a busy
// machine the load changes from second to second, and taking turns exposes all of them to the same load; each
// round gives one ratio per kdiag mode and rg mode, and the best and the median ratio are reported (the fastest
// run of each tool too). The warm-up round also checks that every kdiag mode prints the JSON of -j 1, byte for byte.
const RUNS = Number(opt('runs', '5'));
const best = (runs) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const bundle = join(root, 'dist', 'kdiag.js');
const IPV4 = '\\b(?:[0-9]{1,3}\\.){3}[0-9]{1,3}\\b';
// --hidden: kdiag reads hidden files (.env...) too, so both read the same bytes.
const rgArgs = (extra) => [...extra, '--hidden', '-n', '--no-heading', '-o', IPV4, '.'];
const tools = [];
// kdiag's default -j, as src/commands/lint/run.ts computes it: the CPUs, at most 4, with 3 CPUs or more; else 1.
const cpus = (await import('node:os')).availableParallelism();
const defaultJobs = cpus >= 3 ? Math.min(cpus, 4) : 1;
// The default, -j 1 and (when the default is single-threaded) -j 2, so that the threaded path is always measured.
const kdiagModes = [...new Set([defaultJobs, 1, ...(defaultJobs === 1 ? [2] : [])])];
const kdiagLabel = (j) => `kdiag lint -j ${j}${j === defaultJobs ? ' (default)' : ''}`;
const KDIAG_ONE = kdiagLabel(1);
const RG_ONE = 'rg -j1 IPv4 regex';
const RG_ALL = 'rg IPv4 regex (all cores)';
if (existsSync(bundle)) {
  for (const j of kdiagModes) {
    tools.push({
      tool: kdiagLabel(j),
      what: 'findings',
      run: () => measure(process.execPath, [bundle, 'lint', '-o', 'json', '--fail-on', 'none', '-j', String(j), '.'], dir),
      count: (r) => JSON.parse(r.stdout).findings.length,
    });
  }
} else {
  console.log('dist/kdiag.js is missing: run `npm run build` first to include kdiag lint.');
}
if (hasRg()) {
  for (const [label, extra] of [
    [RG_ONE, ['-j1']],
    [RG_ALL, []],
  ]) {
    tools.push({
      tool: label,
      what: 'matches',
      run: () => measure('rg', rgArgs(extra), dir),
      count: (r) => r.stdout.split('\n').filter(Boolean).length,
    });
  }
} else {
  console.log(
    'ripgrep (rg) is not installed, so there is no comparison. Install it with:\n  apt-get update && apt-get install -y ripgrep   # Debian/Ubuntu\n  brew install ripgrep                          # macOS',
  );
}
const os = await import('node:os');
const loadStart = os.loadavg()[0].toFixed(2);
const runs = new Map(tools.map((t) => [t.tool, []]));
let failed = false;
const warmOut = new Map();
for (let round = 0; round <= RUNS && !failed; round++) {
  for (const t of tools) {
    const r = t.run();
    if (r.status !== 0) {
      console.error(`${t.tool} exited ${r.status}: ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
      failed = true;
      break;
    }
    if (round === 0 && t.tool.startsWith('kdiag')) warmOut.set(t.tool, r.stdout);
    if (round > 0) runs.get(t.tool).push({ ...r, matches: t.count(r), stdout: '' });
  }
}
const rows = tools.filter((t) => runs.get(t.tool).length > 0).map((t) => ({ tool: t.tool, what: t.what, ...best(runs.get(t.tool)) }));

// Wall time is what a CI job waits for; CPU time (user + system) is steadier on a busy machine and is the fair
// measure for single-threaded tools.
console.log(`\nload average (1 min): ${loadStart} at the start, ${os.loadavg()[0].toFixed(2)} at the end, on ${os.cpus().length} cores`);
console.log(`\nfastest of ${RUNS} runs each:\n`);
console.log('| tool | wall s | MB/s (wall) | CPU s | MB/s (CPU) | peak RSS | reported |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const peak = r.peakKb ? `${(r.peakKb / 1024).toFixed(0)} MB` : 'n/a';
  const cpu = r.cpu !== undefined ? `${r.cpu.toFixed(2)} | ${(mb / r.cpu).toFixed(0)}` : 'n/a | n/a';
  console.log(`| ${r.tool} | ${r.seconds.toFixed(2)} | ${(mb / r.seconds).toFixed(0)} | ${cpu} | ${peak} | ${r.matches} ${r.what} |`);
}
// One ratio per round and pair: the runs of a round saw about the same load.
const fmt = (xs) => `best ${Math.max(...xs).toFixed(2)}x, median ${median(xs).toFixed(2)}x, worst ${Math.min(...xs).toFixed(2)}x`;
// The goal, judged on the default mode against ripgrep on all cores: the median round's wall-time ratio.
let verdict = 'not measured (ripgrep or the bundle is missing)';
console.log('');
for (const k of kdiagModes.map(kdiagLabel)) {
  const kRuns = runs.get(k) ?? [];
  if (kRuns.length === 0) continue;
  for (const g of [RG_ONE, RG_ALL]) {
    const gRuns = runs.get(g) ?? [];
    if (gRuns.length !== kRuns.length) continue;
    const wall = kRuns.map((x, i) => gRuns[i].seconds / x.seconds);
    if (k === kdiagLabel(defaultJobs) && g === RG_ALL) {
      const peakMb = Math.max(...kRuns.map((x) => x.peakKb ?? 0)) / 1024;
      const met = median(wall) >= 0.5 && peakMb < 150;
      verdict = `${met ? 'met' : 'NOT met'} (median round ${median(wall).toFixed(2)}x, peak RSS ${peakMb.toFixed(0)} MB, ${kRuns.length} rounds)`;
    }
    const cpu = kRuns.every((x, i) => x.cpu && gRuns[i].cpu) ? kRuns.map((x, i) => gRuns[i].cpu / x.cpu) : undefined;
    console.log(`${k} / ${g} throughput, per round: by wall time ${fmt(wall)}${cpu ? `; by CPU time ${fmt(cpu)}` : ''}`);
  }
  const peak = Math.max(...kRuns.map((x) => x.peakKb ?? 0)) / 1024;
  console.log(
    `${k}: peak RSS ${peak.toFixed(0)} MB over all runs (goal < 150 MB); findings ${[...new Set(kRuns.map((x) => x.matches))].join(', ')}`,
  );
}
for (const [label, out] of warmOut)
  if (label !== KDIAG_ONE) console.log(`${label} and -j 1 JSON output: ${out === warmOut.get(KDIAG_ONE) ? 'identical' : 'DIFFERENT'}`);
console.log(
  `goal: kdiag >= 0.5x rg (all cores) by wall time in the median round, peak RSS < 150 MB (${cpus} CPUs: default -j ${defaultJobs}): ${verdict}`,
);
if (!keep) rmSync(dir, { recursive: true, force: true });
