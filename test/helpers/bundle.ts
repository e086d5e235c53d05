import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from './paths.js';

export { ROOT };
export const BUNDLE = join(ROOT, 'dist', 'kdiag.js');

/** Builds dist/ once if it is missing (npm test builds it first anyway). */
export function ensureBundle(): void {
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
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
