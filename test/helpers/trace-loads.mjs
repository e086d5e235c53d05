// `node --import ./trace-loads.mjs ...` appends every module URL the process loads to $KDIAG_TRACE_FILE.
import { register } from 'node:module';

register('./trace-loads-hooks.mjs', import.meta.url);
