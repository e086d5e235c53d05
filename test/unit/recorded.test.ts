import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module shared with scripts/record-outputs.mjs
import { CASES, formatResult, runCase } from '../recorded/cases.mjs';
import { ensureBundle, ROOT } from '../helpers/bundle.js';

// svc, lint and codes print exactly what test/recorded/outputs/ holds (stdout, stderr, exit status), with the
// checkout's path as <root>. An output that changes on purpose is re-recorded with `node scripts/record-outputs.mjs`
// and the diff committed with it.
const cases = CASES as { name: string; args: string[] }[];
const record = formatResult as (r: unknown, root: string) => string;
const run = runCase as (root: string, a: readonly string[]) => unknown;

beforeAll(() => ensureBundle());

test.each(cases.map((c) => [c.name, c.args] as const))('%s', (name, args) => {
  const expected = readFileSync(join(ROOT, 'test', 'recorded', 'outputs', `${name}.txt`), 'utf8');
  expect(record(run(ROOT, args), ROOT)).toBe(expected);
});
