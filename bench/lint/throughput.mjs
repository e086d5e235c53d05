#!/usr/bin/env node
// `kdiag lint` throughput against ripgrep (IPv4 regex, all cores) on a given tree, or on a generated "dense" tree
// where every fourth line holds a dotted number that is not an address (versions, image tags, timeouts).
//
//   node bench/lint/throughput.mjs --tree DIR [--runs 3]          # a real tree (e.g. repositories unpacked by
//                                                                 # bench/lint/real-world.mjs)
//   node bench/lint/throughput.mjs --dense 60 [--runs 3]          # generate ~60 MB in $TMPDIR/kdiag-lint-dense
//
// Prints each tool's best wall time over --runs alternating rounds, MB/s, and kdiag/rg as a ratio of speeds.
// Goals (issue 13): at least 0.5x on a real tree, 0.3x on the dense tree. ripgrep: `apt-get install ripgrep`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const runs = Number(opt('runs', '3'));
let dir = opt('tree');
if (!dir) {
  const mb = Number(opt('dense', '60'));
  dir = join(tmpdir(), 'kdiag-lint-dense');
  if (!existsSync(dir)) {
    let seed = 11;
    const rnd = (n) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const dotted = () =>
      [
        () => `  version: "${rnd(9)}.${rnd(30)}.${rnd(20)}.${rnd(200)}"`,
        () => `  image: registry.example.com/team/app:${rnd(9)}.${rnd(30)}.${rnd(20)}.${rnd(99)}`,
        () => `  timeout: ${rnd(99)}.${rnd(9)}s  # retry after ${rnd(9)}.${rnd(9)}.${rnd(9)}`,
        () => `  chart: app-${rnd(9)}.${rnd(30)}.${rnd(20)}`,
      ][rnd(4)]();
    let written = 0;
    for (let f = 0; written < mb << 20; f++) {
      const sub = join(dir, `d${f % 50}`);
      mkdirSync(sub, { recursive: true });
      const lines = [];
      for (let k = 0; k < 2000; k++) lines.push(k % 4 === 3 ? dotted() : `  key${k}: value-${rnd(100000)} # plain text line`);
      if (f % 7 === 0) lines.push(`  host: 10.${rnd(250)}.${rnd(250)}.${1 + rnd(250)}`);
      const text = `apiVersion: v1\nkind: ConfigMap\ndata:\n${lines.join('\n')}\n`;
      writeFileSync(join(sub, `cm-${f}.yaml`), text);
      written += text.length;
    }
  }
}
dir = resolve(dir);
let bytes = 0;
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.name === '.git') continue;
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) bytes += statSync(p).size;
  }
};
walk(dir);

const time = (cmd, argv) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: dir, maxBuffer: 1 << 29, encoding: 'utf8' });
  if (r.error) throw r.error;
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const kdiag = ['node', [join(root, 'dist', 'kdiag.js'), 'lint', '-o', 'json', '--fail-on', 'none', '.']];
const rg = ['rg', ['-c', '--no-messages', '\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b', '.']];
let bestK = Infinity;
let bestR = Infinity;
for (let i = 0; i < runs; i++) {
  bestK = Math.min(bestK, time(...kdiag));
  bestR = Math.min(bestR, time(...rg));
}
const mbs = (ms) => (bytes / (1 << 20) / (ms / 1000)).toFixed(0);
console.log(`tree ${dir}: ${(bytes / (1 << 20)).toFixed(1)} MB`);
console.log(`kdiag lint -o json: ${bestK.toFixed(0)} ms (${mbs(bestK)} MB/s)`);
console.log(`rg (all cores):     ${bestR.toFixed(0)} ms (${mbs(bestR)} MB/s)`);
console.log(`kdiag/rg speed:     ${(bestR / bestK).toFixed(2)}x`);
