#!/usr/bin/env node
// The real-world measure of `kdiag lint`: precision and recall on public repositories at pinned commits.
//
//   node bench/lint/real-world.mjs [--mirror /work/.mirror] [--trees $TMPDIR/kdiag-real-world] [--unlabeled]
//
// Repositories and commits: bench/lint/real-world/repos.json. Each tree is read from a git directory
// (<mirror>/<owner>+<name>/repo, as the `fetch` tool or `git clone --mirror` leaves it; `git archive <commit>`
// unpacks it under --trees), or from <trees>/<owner>+<name> when that folder already exists. Nothing of the
// repositories is committed here: only our labels, bench/lint/real-world/labels.tsv, one line per IP-looking
// literal, `<owner/name> TAB <file>:<line>:<literal> TAB real|not TAB why`.
//
// Candidates are every match of a broad IPv4 regex (four dot-separated groups of 1 to 3 digits, not inside a
// longer dotted run) in every text file of the tree, every match of a broad IPv6 regex (two to eight groups of up
// to four hex digits joined by colons, an optional dotted IPv4 tail, zone and prefix length, not inside a longer
// run of word characters, colons or dots) that Node's own parser takes for an IPv6 address (so times such as
// 12:30:45 and MACs are not candidates, while `::`, `A::B` in code and `fe80::1` are), plus every address kdiag
// reports. Precision and recall are given for IPv4, IPv6 and both. `real` means an address a reviewer
// wants replaced: a host, pod, Service or node address in configuration or code. Versions, OIDs, ranges,
// loopback/unspecified/documentation/fixed-by-design addresses, placeholders and addresses in documentation
// (Markdown, descriptions, help text) are `not`.
//
// kdiag runs as a user would: `kdiag lint -o json` in the tree (default settings: test paths skipped). Precision
// is over its findings at warning or above outside test paths; recall over the `real` literals outside test paths
// (the same test-path rule as kdiag's: docs/commands/lint.md). Also counted: errors, and errors without a known
// range (an error whose range evidence is a guess, or has none).
//
// --unlabeled prints the candidates outside test paths that have no label yet (TSV, to fill in) and exits.
import { execFileSync } from 'node:child_process';
import { isIPv6 } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const mirror = resolve(opt('mirror', '/work/.mirror'));
const trees = resolve(opt('trees', join(tmpdir(), 'kdiag-real-world')));
const here = join(root, 'bench', 'lint', 'real-world');
const repos = JSON.parse(readFileSync(join(here, 'repos.json'), 'utf8'));
const kdiag = join(root, 'dist', 'kdiag.js');

// Labels.
const labels = new Map();
for (const line of readFileSync(join(here, 'labels.tsv'), 'utf8').split('\n')) {
  if (line.trim() === '' || line.startsWith('#')) continue;
  const [repo, key, verdict] = line.split('\t');
  if (verdict !== 'real' && verdict !== 'not') throw new Error(`labels.tsv: bad verdict in: ${line}`);
  labels.set(`${repo}\t${key}`, verdict);
}

// kdiag's test-path rule (src/lint/walk.ts).
const TEST_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'testdata',
  'fixtures',
  'fixture',
  'spec',
  'e2e',
  'unittests',
  'testing',
  'molecule',
]);
function isTestPath(rel, dir) {
  const parts = rel.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    if (TEST_DIRS.has(parts[i])) return true;
    // A Helm chart's ci/ folder (chart-testing's values).
    if (parts[i] === 'ci' && existsSync(join(dir, ...parts.slice(0, i), 'Chart.yaml'))) return true;
  }
  const name = parts[parts.length - 1].toLowerCase();
  return (
    name.endsWith('_test.go') ||
    /\.(test|spec)\.[a-z0-9]+$/.test(name) ||
    name.endsWith('_test.py') ||
    (name.startsWith('test_') && name.endsWith('.py'))
  );
}

function treeOf(r) {
  const dir = join(trees, r.repo.replace('/', '+'));
  if (existsSync(dir)) return dir;
  const git = join(mirror, r.repo.replace('/', '+'), 'repo');
  if (!existsSync(git)) throw new Error(`no tree for ${r.repo}: fetch it (git dir ${git}) or unpack it at ${dir}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git --git-dir="${git}" archive "${r.commit}" | tar -x -C "${dir}"`]);
  return dir;
}

function* files(dir, rel = '') {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== '.git') yield* files(dir, p);
    } else if (e.isFile()) yield p;
  }
}

const V4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
// Broad on purpose: anything made of hex groups and colons with a `::` or enough groups; Node's parser then keeps
// what is an IPv6 address at all. The literal is the address without its zone and prefix length, as kdiag reports it.
const V6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%[\w.-]+)?(?:\/\d{1,3})?(?![\w:]|\.\w)/g;
function v6Literal(m) {
  const addr = m.replace(/\/\d+$/, '').replace(/%.*$/, '');
  return isIPv6(addr) ? addr : undefined;
}

function candidates(dir) {
  const out = [];
  for (const rel of files(dir)) {
    const abs = join(dir, rel);
    if (statSync(abs).size > 8 << 20) continue;
    const buf = readFileSync(abs);
    if (buf.includes(0)) continue; // binary
    const lines = buf.toString('utf8').split('\n');
    lines.forEach((text, i) => {
      for (const m of text.matchAll(V4)) out.push({ file: rel, line: i + 1, literal: m[0], text });
      if (text.includes(':')) {
        for (const m of text.matchAll(V6)) {
          const literal = v6Literal(m[0]);
          if (literal !== undefined) out.push({ file: rel, line: i + 1, literal, text });
        }
      }
    });
  }
  return out;
}

function lint(dir) {
  let out;
  try {
    out = execFileSync('node', [kdiag, 'lint', '-o', 'json', '--fail-on', 'none', '.'], { cwd: dir, maxBuffer: 1 << 28, encoding: 'utf8' });
  } catch (e) {
    out = e.stdout;
  }
  return JSON.parse(out).findings.filter((f) => f.file !== undefined);
}

const unlabeledOnly = args.includes('--unlabeled');
const rows = [];
const totals = { candidates: 0, real: 0, reported: 0, tp: 0, fp: 0, fn: 0, errors: 0, errorsGuessed: 0, unlabeled: 0 };
const falsePositives = [];
// Per address family (a literal with a colon is IPv6): reported true/false, real, missed.
const family = { IPv4: { tp: 0, fp: 0, real: 0, fn: 0 }, IPv6: { tp: 0, fp: 0, real: 0, fn: 0 } };
const fam = (literal) => family[literal.includes(':') ? 'IPv6' : 'IPv4'];
const misses = [];
for (const r of repos) {
  const dir = treeOf(r);
  const found = lint(dir);
  const cands = candidates(dir);
  const keys = new Map();
  for (const c of cands) keys.set(`${c.file}:${c.line}:${c.literal}`, c);
  for (const f of found) {
    if (f.ip !== undefined && f.ip.includes(':'))
      keys.set(`${f.file}:${f.line}:${f.ip}`, { file: f.file, line: f.line, literal: f.ip, text: f.evidence[0].value });
  }
  if (unlabeledOnly) {
    for (const [key, c] of keys)
      if (!labels.has(`${r.repo}\t${key}`) && !isTestPath(c.file, dir)) console.log(`${r.repo}\t${key}\t?\t${c.text.trim().slice(0, 160)}`);
    continue;
  }
  const row = { repo: r.repo, candidates: 0, real: 0, reported: 0, tp: 0, fp: 0, fn: 0, errors: 0, errorsGuessed: 0, unlabeled: 0 };
  const reported = new Set();
  for (const f of found) {
    if (f.severity === 'error') {
      row.errors++;
      const range = f.evidence.find((e) => e.kind === 'range');
      if (!range || range.value.startsWith('guessed')) row.errorsGuessed++;
    }
    if (f.ip === undefined || (f.severity !== 'error' && f.severity !== 'warning') || isTestPath(f.file, dir)) continue;
    const key = `${f.file}:${f.line}:${f.ip}`;
    reported.add(key);
    row.reported++;
    const v = labels.get(`${r.repo}\t${key}`);
    if (v === undefined) row.unlabeled++;
    else if (v === 'real') {
      row.tp++;
      fam(f.ip).tp++;
    } else {
      row.fp++;
      fam(f.ip).fp++;
      falsePositives.push(`${r.repo} ${key}`);
    }
  }
  for (const [key, c] of keys) {
    if (isTestPath(c.file, dir)) continue;
    row.candidates++;
    const v = labels.get(`${r.repo}\t${key}`);
    if (v === undefined) {
      if (!reported.has(key)) row.unlabeled++;
      continue;
    }
    if (v !== 'real') continue;
    row.real++;
    fam(c.literal).real++;
    if (!reported.has(key)) {
      row.fn++;
      fam(c.literal).fn++;
      misses.push(`${r.repo} ${key}`);
    }
  }
  rows.push(row);
  for (const k of Object.keys(totals)) totals[k] += row[k];
}
if (unlabeledOnly) process.exit(0);

const pct = (a, b) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
console.log(
  '| repository | commit | kind | IP-looking literals (outside test paths) | real | reported | true | false | missed | precision | recall | errors |',
);
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [i, row] of rows.entries()) {
  const r = repos[i];
  console.log(
    `| ${r.repo} | ${r.commit.slice(0, 12)} | ${r.kind} | ${row.candidates} | ${row.real} | ${row.reported} | ${row.tp} | ${row.fp} | ${row.fn} | ${pct(row.tp, row.tp + row.fp)} | ${pct(row.real - row.fn, row.real)} | ${row.errors} |`,
  );
}
const t = totals;
console.log(
  `| **all** | | | ${t.candidates} | ${t.real} | ${t.reported} | ${t.tp} | ${t.fp} | ${t.fn} | **${pct(t.tp, t.tp + t.fp)}** | **${pct(t.real - t.fn, t.real)}** | ${t.errors} |`,
);
console.log('\n| family | real | reported | true | false | missed | precision | recall |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, x] of [...Object.entries(family), ['both', { tp: t.tp, fp: t.fp, real: t.real, fn: t.fn }]]) {
  console.log(
    `| ${name} | ${x.real} | ${x.tp + x.fp} | ${x.tp} | ${x.fp} | ${x.fn} | ${pct(x.tp, x.tp + x.fp)} | ${pct(x.real - x.fn, x.real)} |`,
  );
}
console.log(`\nerrors without a known range: ${t.errorsGuessed}; unlabeled: ${t.unlabeled}`);
if (falsePositives.length > 0) console.log(`false positives:\n  ${falsePositives.join('\n  ')}`);
if (misses.length > 0) console.log(`missed:\n  ${misses.join('\n  ')}`);
const ok =
  t.tp / Math.max(1, t.tp + t.fp) >= 0.9 && (t.real - t.fn) / Math.max(1, t.real) >= 0.95 && t.errorsGuessed === 0 && t.unlabeled === 0;
console.log(`goals (precision >= 90%, recall >= 95%, no error without a known range, all labeled): ${ok ? 'met' : 'NOT met'}`);
