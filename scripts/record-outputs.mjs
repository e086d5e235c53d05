// Records what the built CLI prints for each case of test/recorded/cases.mjs (stdout, then the exit status), into
// test/recorded/outputs/. Run after `npm run build`, only when an output changes on purpose; commit the diff.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CASES, formatResult, runCase } from '../test/recorded/cases.mjs';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'test', 'recorded', 'outputs');
mkdirSync(out, { recursive: true });
for (const c of CASES) {
  const r = runCase(root, c.args);
  writeFileSync(join(out, `${c.name}.txt`), formatResult(r, root));
}
console.log(`recorded ${CASES.length} outputs in ${out}`);
