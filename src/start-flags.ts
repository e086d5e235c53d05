/**
 * V8 flags chosen from the command line before anything else is loaded (src/start.ts sets them; src/main.ts imports
 * it first).
 *
 * `kdiag audit` on a cluster reads every pod, page by page, for seconds to minutes, and its peak memory is a goal
 * (bench/README.md). V8's optimizing compiler (TurboFan) costs such a run about 9 MB of resident memory: its own
 * code pages, the compile jobs' memory on V8's worker threads, the optimized code. The work that matters runs in
 * native code anyway (TLS, JSON.parse, the garbage collector, the native search that splits list pages), so the
 * interpreter is about as fast there (bench/README.md has both measures). The flag must be set before the bundle's
 * modules load: the module loader's own functions get optimized while it loads them, which is 3.5 MB of the 9.
 * Baseline code (Sparkplug) is turned off as well: 1 MB, no measurable time.
 *
 * Offline (`-f`), the audit parses YAML, where optimized code is much faster, and the heap holds the whole file
 * anyway: the flags are kept for live runs. A word `audit` anywhere (a Service named audit) only costs speed.
 */
export function startFlags(argv: readonly string[]): string[] {
  if (!argv.includes('audit')) return [];
  if (argv.some((a) => a === '-f' || a === '--filename' || a.startsWith('--filename=') || /^-f[^-]/.test(a))) return [];
  return ['--no-opt', '--no-sparkplug'];
}
