// commander requires node:child_process when it loads, only to run executable subcommands (kdiag has none), and
// Node takes ~7 ms to load child_process with what it pulls in. The bundle gives commander this stand-in instead
// (scripts/build.mjs), which loads the real module on first use.
import { createRequire } from 'node:module';

let real;

export function spawn(...args) {
  real ??= createRequire(import.meta.url)('node:child_process');
  return real.spawn(...args);
}
