import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBundle, ROOT } from '../helpers/bundle.js';

// The published package is the bundle alone: it installs with no registry at all and runs every offline command.
let work: string;
let prefix: string;
let files: string[];
let manifest: { scripts?: Record<string, string>; dependencies?: unknown };

/** Total size of the files under `dir`, in bytes. */
function sizeOf(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? sizeOf(p) : e.isFile() ? statSync(p).size : 0;
  }
  return total;
}

let installLog: string;

beforeAll(() => {
  ensureBundle();
  work = mkdtempSync(join(tmpdir(), 'kdiag-pack-'));
  prefix = join(work, 'prefix');
  // Pack a copy, as `npm pack` does through prepack and postpack (scripts/pack-manifest.mjs), without touching the
  // repository's package.json while other tests run.
  const copy = join(work, 'src');
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin', 'dist', 'scripts'])
    cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  execFileSync(process.execPath, [join(copy, 'scripts', 'pack-manifest.mjs'), 'strip'], { cwd: copy });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: copy, encoding: 'utf8' }),
  ) as {
    filename: string;
    files: { path: string }[];
  }[];
  execFileSync(process.execPath, [join(copy, 'scripts', 'pack-manifest.mjs'), 'restore'], { cwd: copy });
  files = packed[0]!.files.map((f) => f.path);
  manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', join(work, packed[0]!.filename), 'package/package.json'], { encoding: 'utf8' }),
  ) as typeof manifest;
  // No registry can be reached: an install that needed one would fail here.
  const r = spawnSync(
    'npm',
    ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(work, packed[0]!.filename)],
    {
      cwd: work,
      env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: join(work, 'cache') },
      encoding: 'utf8',
    },
  );
  expect(r.status).toBe(0);
  installLog = `${r.stdout}${r.stderr}`;
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function installed(args: string[]) {
  return spawnSync(join(prefix, 'bin', 'kdiag'), args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '' },
  });
}

test('the package ships the bundle, its licences and the docs, no maps, metafile or sources', () => {
  expect(files).toContain('dist/kdiag.js');
  expect(files).toContain('dist/THIRD-PARTY-NOTICES.txt');
  expect(files).toContain('LICENSE');
  expect(files.filter((f) => f.endsWith('.map') || f.endsWith('meta.json') || f.startsWith('src/'))).toEqual([]);
});

test('the packed manifest has no install-time script and no dependency, and npm installs it without a warning', () => {
  expect(Object.keys(manifest.scripts ?? {}).filter((k) => /^(pre|post)?(install|prepare)$/.test(k))).toEqual([]);
  expect(manifest.dependencies).toBeUndefined();
  expect(installLog).not.toMatch(/warn/i);
  // The repository's own package.json keeps prepare (it builds dist/ after npm ci in a clone) and the pack hooks.
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(own.scripts.prepare).toBeDefined();
  expect(own.scripts.prepack).toContain('pack-manifest.mjs strip');
  expect(own.scripts.postpack).toContain('pack-manifest.mjs restore');
});

test('installing needs no dependency: nothing lands in node_modules beside kdiag', () => {
  const lib = join(prefix, 'lib', 'node_modules');
  expect(readdirSync(lib)).toEqual(['kdiag']);
  expect(readdirSync(join(lib, 'kdiag'))).not.toContain('node_modules');
  // The installed size stays small (the README states it).
  expect(sizeOf(join(lib, 'kdiag'))).toBeLessThan(8 * 1024 * 1024);
});

test('the installed kdiag runs --version, svc -f and lint', () => {
  const version = installed(['--version']);
  expect(version.status).toBe(0);
  expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  const svc = installed(['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml']);
  expect(svc.status).toBe(1);
  expect(svc.stdout).toContain('selector-no-match');
  const lint = installed(['lint', 'test/fixtures/lint/types', '-o', 'json']);
  expect(lint.status).toBe(0);
  expect((JSON.parse(lint.stdout) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
});
