import { startFlags } from './start-flags.js';

// Imported first by src/main.ts, so that this runs before the rest of the bundle is evaluated (see start-flags.ts).
// node:v8 is loaded only when there is a flag to set: `--help` and the other commands do not pay for it.
const flags = startFlags(process.argv.slice(2));
if (flags.length > 0) {
  try {
    const { setFlagsFromString } = await import('node:v8');
    for (const flag of flags) setFlagsFromString(flag);
  } catch {
    // A runtime without V8 flags: the defaults stay.
  }
}
