import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from './paths.js';

export { ROOT };
export const BUNDLE = join(ROOT, 'dist', 'kdiag.js');

/** What the bundle is built from: a file here newer than dist/kdiag.js makes it stale. */
const BUILD_INPUTS = ['src', 'assembly', 'scripts/build.mjs', 'scripts/build-wasm.mjs', 'package.json'];

/** The newest modification time (ms) of the files under `path` (a file or a folder), 0 when it does not exist. */
function newestMtime(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when dist/kdiag.js is missing or older than one of its inputs (an edit since the last build). */
export function bundleIsStale(): boolean {
  if (!existsSync(BUNDLE)) return true;
  const built = statSync(BUNDLE).mtimeMs;
  return BUILD_INPUTS.some((p) => newestMtime(join(ROOT, p)) > built);
}

/**
 * Builds dist/ when it is missing or stale (npm test builds it first anyway; this catches an edit since, in a
 * jest run on its own). Test files run in parallel workers: the check and the build happen under a lock (a
 * folder next to dist/, made atomically), so one worker builds and the others wait for it, then see it fresh.
 */
export function ensureBundle(): void {
  if (!bundleIsStale()) return;
  const lock = join(ROOT, 'node_modules', '.cache', 'kdiag-dist-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock left by a killed run is old: take it over.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`ensureBundle: gave up waiting for ${lock}`, { cause: e });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (bundleIsStale()) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    rmdirSync(lock);
  }
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Module URLs the process loaded (with `trace: true`). */
  loaded: string[];
}

/** Runs the bundled CLI as a user would, with stdout and stderr piped (not a TTY). */
export function runBundle(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; trace?: boolean; input?: string } = {},
): RunResult {
  const traceFile = opts.trace ? join(mkdtempSync(join(tmpdir(), 'kdiag-trace-')), 'loads.txt') : undefined;
  const nodeArgs = traceFile ? ['--import', join(ROOT, 'test', 'helpers', 'trace-loads.mjs')] : [];
  const r = spawnSync(process.execPath, [...nodeArgs, BUNDLE, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...(traceFile ? { KDIAG_TRACE_FILE: traceFile } : {}), ...opts.env },
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: 60_000,
  });
  const loaded = traceFile && existsSync(traceFile) ? readFileSync(traceFile, 'utf8').split('\n').filter(Boolean) : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
}

/** The output files of the bundle that contain code of an input whose path contains `fragment` (from esbuild's metafile). */
export function chunksWith(fragment: string): string[] {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return Object.entries(meta.outputs)
    .filter(([, o]) => Object.keys(o.inputs).some((i) => i.includes(fragment)))
    .map(([file]) => resolve(ROOT, file));
}

/** The output files of the bundle that contain @kubernetes/client-node code. */
export function clientNodeChunks(): string[] {
  return chunksWith('node_modules/@kubernetes/client-node/');
}

/** The built CLI started in the background: its process, its exit code when it ends, and what it printed so far. */
export interface BundleProcess {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  out: () => string;
  err: () => string;
}

/** Starts `node dist/kdiag.js ARGS` with `env`, stdin closed; `group` makes it lead a process group of its own. */
export function spawnBundle(args: string[], env: NodeJS.ProcessEnv, opts: { group?: boolean } = {}): BundleProcess {
  const child = spawn(process.execPath, [BUNDLE, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.group ?? false,
  }) as unknown as ChildProcessWithoutNullStreams;
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => out, err: () => err };
}
