import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli.js';
import { defaultJobs } from '../../../src/commands/lint/run.js';
import type { LintSettings } from '../../../src/core/lint/engine.js';
import { defaultRanges } from '../../../src/core/lint/ranges.js';
import { scanTree } from '../../../src/lint/scan-tree.js';
import { createTestIo } from '../../helpers/io.js';
import { BUNDLE, ensureBundle, ROOT } from '../../helpers/bundle.js';

/**
 * `kdiag lint -j N`: worker threads only exist in the bundle (dist/lint-worker.js), so the parallel path runs
 * through `node dist/kdiag.js`. Its output must be byte for byte that of `-j 1`.
 */

// As root nothing is unreadable by mode: run the CLI as `nobody` then, so that mode 000 files and folders fail.
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BUNDLE, 'lint', ...args], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 120_000,
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let seed = 7;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

/** About 35 MB in ~1,750 files: findings in many of them, large multi-chunk files, binaries, symlinks, unreadable files and a folder. */
function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-lint-par-'));
  const ip = () => `10.${rnd(250)}.${rnd(250)}.${1 + rnd(250)}`;
  const yaml = (i: number, lines: number) => {
    let s = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n`;
    for (let k = 0; k < lines; k++) {
      const r = rnd(60);
      if (r === 0) s += `  host${k}: "${ip()}"\n`;
      else if (r === 1) s += `  # old host ${ip()}\n`;
      else if (r === 2) s += `  svc${k}: 10.96.${rnd(250)}.${1 + rnd(250)} # kdiag-ignore hardcoded-service-ip\n`;
      else s += `  key${k}: "version ${rnd(9)}.${rnd(30)}.${rnd(20)} at 12:${10 + rnd(49)}:00"\n`;
    }
    return s;
  };
  for (let t = 0; t < 15; t++) {
    for (let f = 0; f < 100; f++) {
      const sub = join(dir, `team-${String(t).padStart(2, '0')}`, `svc-${f % 10}`);
      mkdirSync(sub, { recursive: true });
      const n = t * 100 + f;
      // Every 40th file is large (several 64 KiB chunks).
      writeFileSync(join(sub, `cm-${n}.yaml`), yaml(n, n % 40 === 0 ? 12_000 : 200 + rnd(200)));
      if (f % 10 === 3) writeFileSync(join(sub, `main-${n}.go`), `package main\n\n// host ${ip()}\nvar addr = "${ip()}:8080"\n`);
      if (f % 25 === 7) writeFileSync(join(sub, `blob-${n}.json`), Buffer.concat([Buffer.from(`{"a": "${ip()}"`), Buffer.alloc(64, 0)]));
      if (f % 33 === 5) symlinkSync(join(sub, `cm-${n}.yaml`), join(sub, `link-${n}.yaml`));
      if (f % 31 === 11) {
        writeFileSync(join(sub, `locked-${n}.yaml`), `a: ${ip()}\n`);
        chmodSync(join(sub, `locked-${n}.yaml`), 0o000);
      }
    }
  }
  // A kubeadm configuration late in the walk (so scanned by a worker thread) declares the pod range: addresses in it
  // are errors everywhere in the tree, whichever thread found them.
  writeFileSync(
    join(dir, 'team-14', 'svc-9', 'zz-kubeadm.yaml'),
    'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.0.0.0/10\n',
  );
  // An unreadable folder late in the walk (its warning comes from the walk, not from a scan).
  mkdirSync(join(dir, 'team-14', 'svc-5', 'zz-locked'));
  writeFileSync(join(dir, 'team-14', 'svc-5', 'zz-locked', 'x.yaml'), `a: ${ip()}\n`);
  chmodSync(join(dir, 'team-14', 'svc-5', 'zz-locked'), 0o000);
  if (asRoot) {
    chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
  }
  return dir;
}

describe('kdiag lint -j: parallel scanning', () => {
  let dir: string;
  let one: ReturnType<typeof run>;

  beforeAll(() => {
    ensureBundle();
    dir = makeTree();
    one = run(dir, ['-o', 'json', '-j', '1']);
  });
  afterAll(() => {
    if (dir) {
      spawnSync('chmod', ['-R', 'u+rwX', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the -j 1 run has findings in many files, unreadable files and a warning from the walk', () => {
    expect(one.status).toBe(1); // pod IPs in the declared range are errors
    const findings = (JSON.parse(one.stdout) as { findings: { file: string; severity: string; evidence: { value: string }[] }[] }).findings;
    const errors = findings.filter((f) => f.severity === 'error');
    expect(errors.length).toBeGreaterThan(10);
    expect(errors[0]!.evidence[1]!.value).toBe('the pod range 10.0.0.0/10 (from team-14/svc-9/zz-kubeadm.yaml:4)');
    expect(new Set(findings.map((f) => f.file)).size).toBeGreaterThan(300);
    expect(one.stderr).toMatch(/warning: cannot read team-\d+\/svc-\d\/locked-\d+\.yaml: EACCES; skipped\n/);
    expect(one.stderr).toContain('warning: cannot read folder team-14/svc-5/zz-locked: EACCES\n');
  });

  test.each([['2'], ['3']])('-j %s prints the same JSON, warnings and exit status as -j 1, with worker threads', (jobs) => {
    const r = run(dir, ['-o', 'json', '-j', jobs, '--debug']);
    const debug = r.stderr.split('\n').filter((l) => l.startsWith('debug: '));
    // The workers did start and scan (the tree is far above the threshold).
    expect(debug.join('\n')).toMatch(
      new RegExp(
        `debug: lint: ${Number(jobs) - 1} worker thread\\(s\\) started after \\d+ file\\(s\\); of the \\d+ files after, the main thread scanned \\d+, the worker threads [1-9]`,
      ),
    );
    expect(r.stdout).toBe(one.stdout);
    expect(
      r.stderr
        .split('\n')
        .filter((l) => !l.startsWith('debug: '))
        .join('\n'),
    ).toBe(one.stderr);
    expect(r.status).toBe(one.status);
  });

  test('text output matches -j 1 as well, and so does the default jobs', () => {
    const text1 = run(dir, ['-j', '1']);
    const textN = run(dir, ['-j', '2']);
    const textDefault = run(dir, []);
    expect(textDefault.stdout).toBe(text1.stdout);
    expect(textDefault.stderr).toBe(text1.stderr);
    expect(textN.stdout).toBe(text1.stdout);
    expect(textN.stderr).toBe(text1.stderr);
    expect(textN.status).toBe(text1.status);
    expect(text1.stdout).toMatch(/^\d+ errors?, \d+ warnings?, \d+ info \(\d+ files scanned, \d+ unreadable\)$/m);
  });

  test('a worker that fails leaves its files to the main thread: same findings and warnings', async () => {
    // In-process, from the sources, with scanTree pointed at a worker script of the test's own: the real bundled
    // worker, made to crash with a batch of scanned files unreported (workers/crash-on-second-results.mjs).
    const settings: LintSettings = { strict: false, includeComments: false, ranges: defaultRanges(), allow: [], disabled: new Set() };
    const scan = async (jobs: number, worker?: URL) => {
      const warnings: string[] = [];
      const debug: string[] = [];
      const r = await scanTree({
        walk: { cwd: dir, roots: ['.'] },
        settings,
        jobs,
        warn: (m) => warnings.push(m),
        debug: (l) => debug.push(l),
        signal: new AbortController().signal,
        interrupted: () => new Error('interrupted'),
        ...(worker ? { worker } : {}),
      });
      return { r, warnings, debug: debug.join('\n') };
    };
    const alone = await scan(1);
    const crashed = await scan(2, new URL('./workers/crash-on-second-results.mjs', import.meta.url));
    expect(crashed.debug).toContain(
      'lint: a worker thread failed (its files are scanned again on the main thread): test: the lint worker crashed',
    );
    expect(crashed.debug).toMatch(
      /lint: 1 worker thread\(s\) started after \d+ file\(s\); of the \d+ files after, the main thread scanned \d+, the worker threads [1-9]/,
    );
    expect(alone.r.fileFindings.length).toBeGreaterThan(300);
    expect(crashed.r).toEqual(alone.r);
    expect(crashed.warnings).toEqual(alone.warnings);
  });

  test('a small tree starts no worker', () => {
    const r = run(join(ROOT, 'test', 'fixtures', 'lint', 'types'), ['-o', 'json', '-j', '2', '--debug']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('worker thread');
  });
});

describe('kdiag lint -j: values', () => {
  const cwd = join(ROOT, 'test', 'fixtures', 'lint', 'types');

  test.each([['0'], ['-1'], ['abc'], ['1.5'], ['65'], ['']])('-j %j is a usage error (exit 2)', async (value) => {
    const io = createTestIo();
    const code = await runCli(['lint', '-j', value], { io, env: {}, cwd });
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(/^kdiag: invalid --jobs "[^"]*"\nhint: give a number of scanning threads from 1 to 64/);
  });

  test('-j without a value is a usage error too', async () => {
    const io = createTestIo();
    expect(await runCli(['lint', '-j'], { io, env: {}, cwd })).toBe(2);
  });

  test('the default: the CPUs, at most 4, with 3 CPUs or more; else 1', () => {
    expect([1, 2, 3, 4, 8, 64].map((n) => defaultJobs(n))).toEqual([1, 1, 3, 4, 4, 4]);
  });

  test.each([['1'], ['4'], ['64']])('-j %s is accepted (from the sources, the scan stays on the main thread)', async (value) => {
    const io = createTestIo();
    const code = await runCli(['lint', '-o', 'json', '--jobs', value], { io, env: {}, cwd });
    expect(code).toBe(0);
    expect((JSON.parse(io.stdout()) as { findings: unknown[] }).findings).toHaveLength(16);
  });
});
