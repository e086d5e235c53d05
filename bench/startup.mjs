// Start-up of `kdiag --version` (and `--help`, `lint` on an empty folder) against `node -e 0`.
// Goal: within 2x of bare Node. Usage: npm run build && node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 30);
const bundle = new URL('../dist/kdiag.js', import.meta.url).pathname;
const empty = mkdtempSync(join(tmpdir(), 'kdiag-bench-'));

function time(args) {
  const samples = [];
  for (let i = 0; i < runs + 3; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore', cwd: empty, env: { ...process.env, NODE_OPTIONS: '' } });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0 && r.status !== 1) return { error: `exited ${r.status}` };
    if (i >= 3) samples.push(ms); // the first runs warm the file cache
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], p90: samples[Math.floor(samples.length * 0.9)] };
}

const base = time(['-e', '0']);
const rows = [
  ['node -e 0', base],
  ['kdiag --version', time([bundle, '--version'])],
  ['kdiag --help', time([bundle, '--help'])],
  ['kdiag lint <empty dir>', time([bundle, 'lint', empty])],
];
console.log(`start-up, ${runs} runs each (median / p90 ms, ratio to node -e 0)`);
for (const [name, r] of rows) {
  if (r.error) {
    console.log(`${name.padEnd(24)} ${r.error}`);
    continue;
  }
  console.log(
    `${name.padEnd(24)} ${r.median.toFixed(1).padStart(7)} ${r.p90.toFixed(1).padStart(7)}   ${(r.median / base.median).toFixed(2)}x`,
  );
}
