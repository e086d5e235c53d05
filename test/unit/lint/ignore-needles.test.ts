import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { ruleNeedles, walk, type WalkStats } from '../../../src/lint/walk.js';

// The walk asks the `ignore` package about a path only when one of its names holds a needle of the rules
// (src/lint/walk.ts): these tests hold that to what the package itself answers.

let seed = 1;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed % n;
};
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
const PATTERN_PARTS = [
  'a',
  'b',
  'B',
  'pem',
  '.',
  '-',
  '_',
  '*',
  '**',
  '?',
  '/',
  '!',
  '#',
  '[',
  ']',
  '[a-c]',
  '\\',
  ' ',
  'x1',
  'Yaml',
  '.yaml',
  '\t',
];
const NAMES = [
  'a',
  'b',
  'B.yaml',
  'a.yaml',
  'x1.yaml',
  'pem',
  'c.pem.yaml',
  '.a.yaml',
  'a-b',
  'a_b.yaml',
  'ab',
  'yaml',
  '#.yaml',
  '!b.yaml',
];
const WHOLE = [
  'a.yaml',
  '*.yaml',
  'b*',
  'x1*',
  '!a.yaml',
  '/a',
  'a/',
  'pem',
  '*.pem.*',
  'A*',
  '**/b',
  'a-?',
  'b/*',
  'ab/**',
  'pem/*',
  '\\*.yaml',
];
const pattern = () => (rnd(3) === 0 ? pick(WHOLE) : Array.from({ length: 1 + rnd(5) }, () => pick(PATTERN_PARTS)).join(''));
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

describe('ruleNeedles', () => {
  it.each([
    ['*.pem', ['.pem']],
    ['**/.terraform/*', ['.terraform']],
    ['/Build/\n# a comment\n\n!keep.local.yaml', ['build', 'keep.local.yaml']],
    ['[ab]cd', ['cd']],
    ['\\#literal', ['literal']],
    ['*', undefined],
    ['ok\n[xy]', undefined],
    ['#only a comment\n   \n', []],
  ])('%j', (text, expected) => {
    expect(ruleNeedles(text)).toEqual(expected);
  });

  it('every path a rule matches, or whose folder it matches, holds one of its needles (ASCII case-insensitively)', () => {
    seed = 3;
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      const p = pattern();
      const ig = ignore().add(p);
      const needles = ruleNeedles(p);
      for (let k = 0; k < 12; k++) {
        const parts = Array.from({ length: 1 + rnd(3) }, () => pick(NAMES));
        const path = parts.join('/') + (rnd(4) === 0 ? '/' : '');
        const r = ig.test(path);
        if (!r.ignored && !r.unignored) continue;
        if (needles === undefined) continue; // a rule without a needle: the walk asks about every path
        matched++;
        expect({ p, path, holds: needles!.some((n) => asciiLower(path).includes(n)) }).toEqual({ p, path, holds: true });
      }
    }
    expect(matched).toBeGreaterThan(1500); // the generator makes rules that match
  });
});

/** The walk's verdicts as they were before the needles: every level asked about every path (deepest opinion wins). */
function reference(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string, levels: { rel: string; ig: Ignore }[]) => {
    const names = readdirSync(dir).sort();
    const lv = names.includes('.gitignore')
      ? [...levels, { rel, ig: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }]
      : levels;
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const isDir = statSync(join(dir, name)).isDirectory();
      let ignored = false;
      for (const l of lv) {
        const sub = l.rel === '' ? r : r.slice(l.rel.length + 1);
        const t = l.ig.test(isDir ? `${sub}/` : sub);
        if (t.ignored) ignored = true;
        else if (t.unignored) ignored = false;
      }
      if (ignored) continue;
      if (isDir) visit(join(dir, name), r, lv);
      else if (name.endsWith('.yaml')) out.push(r);
    }
  };
  visit(root, '', []);
  return out;
}

// Names and rules with few letters in common, so that most names hold no needle of most levels.
const DIRS = ['c', 'dd', 'Ef', 'gh'];
const FILES = ['c.yaml', 'Dd.yaml', 'x.yaml', 'gh-1.yaml', 'IJ.yaml'];
const RULES = [
  'c/*',
  'dd/**',
  'ef',
  'Gh*',
  '!c.yaml',
  'ij*',
  'x*',
  '/dd',
  'c',
  'D?.yaml',
  '[cd]*',
  '**/gh/x.yaml',
  '!dd/x.yaml',
  'gh/',
  '*.yaml',
];

it('the walk keeps and drops the same files as asking the package about every path', () => {
  seed = 11;
  let kept = 0;
  let dropped = 0;
  for (let t = 0; t < 30; t++) {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-needles-'));
    try {
      const make = (d: string, depth: number) => {
        if (rnd(3) === 0) {
          const rules = Array.from({ length: 1 + rnd(2) }, () => (rnd(4) === 0 ? pattern() : pick(RULES)));
          writeFileSync(join(d, '.gitignore'), rules.join(rnd(2) ? '\n' : '\r\n'));
        }
        for (const name of new Set(Array.from({ length: 2 + rnd(4) }, () => pick(FILES)))) writeFileSync(join(d, name), 'x: 1\n');
        if (depth < 3) {
          for (const name of new Set(Array.from({ length: rnd(4) }, () => pick(DIRS)))) {
            mkdirSync(join(d, name));
            make(join(d, name), depth + 1);
          }
        }
      };
      make(dir, 0);
      const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnknownType: 0, skippedTests: 0 };
      const walked = [...walk({ cwd: dir, roots: ['.'], warn: () => undefined }, stats)].map((e) => e.rel);
      const expected = reference(dir);
      expect(walked).toEqual(expected);
      kept += expected.length;
      const all = readdirSync(dir, { recursive: true }).filter((n) => String(n).endsWith('.yaml')).length;
      dropped += all - expected.length;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Both kinds of verdict happen.
  expect(kept).toBeGreaterThan(700);
  expect(dropped).toBeGreaterThan(300);
});
