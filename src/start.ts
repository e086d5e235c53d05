import { setFlagsFromString } from 'node:v8';
import { startFlags } from './start-flags.js';

// Imported first by src/main.ts, so that this runs before the rest of the bundle is evaluated (see start-flags.ts).
for (const flag of startFlags(process.argv.slice(2))) {
  try {
    setFlagsFromString(flag);
  } catch {
    // A runtime without V8 flags: the defaults stay.
  }
}
