import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: a plain ES module shared with scripts/record-outputs.mjs
import { CASES, formatResult, runCase } from '../recorded/cases.mjs';
import { ensureBundle, ROOT } from '../helpers/bundle.js';

// svc, lint and codes print exactly what test/recorded/outputs/ holds (stdout, stderr, exit status). An output
// that changes on purpose is re-recorded with `node scripts/record-outputs.mjs` and the diff committed with it.
const cases = CASES as { name: string; args: string[] }[];
// SARIF names the scanned checkout's folder (originalUriBaseIds): the outputs were recorded in /work/main, and
// the comparison holds in any other checkout (a worktree, CI's) with that folder put back.
const RECORDED_ROOT_URL = 'file:///work/main/';
const rootUrl = `${pathToFileURL(ROOT).href}/`;

beforeAll(() => ensureBundle());

test.each(cases.map((c) => [c.name, c.args] as const))('%s', (name, args) => {
  const expected = readFileSync(join(ROOT, 'test', 'recorded', 'outputs', `${name}.txt`), 'utf8');
  const actual = (formatResult as (r: unknown) => string)((runCase as (root: string, a: readonly string[]) => unknown)(ROOT, args));
  expect(actual.replaceAll(rootUrl, RECORDED_ROOT_URL)).toBe(expected);
});
