import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { ruleNeedles } from '../../../src/lint/gitignore.js';
import { walk, type WalkStats } from '../../../src/lint/walk.js';

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
  '[ab]',
  '[.y]',
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
  '*.[ya]aml',
  '[ab].yaml',
  'x[1a]*',
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
    ['*.pem', { last: ['.pem'], any: [] }],
    ['**/.terraform/*', { last: [], any: ['.terraform'] }],
    ['/charts/*/charts', { last: ['charts'], any: [] }],
    ['/Build/ \n# a comment\n\n!keep.local.yaml', { last: ['build', 'keep.local.yaml'], any: [] }],
    ['node_modules/**', { last: [], any: ['node_modules'] }],
    ['[ab]cd', { last: ['acd', 'bcd'], any: [] }],
    ['*.[oa]', { last: ['.o', '.a'], any: [] }],
    ['[568].out', { last: ['5.out', '6.out', '8.out'], any: [] }],
    ['[a-c]d', { last: ['d'], any: [] }],
    ['a[/]bc', { last: [], any: ['bc'] }],
    ['\\#literal', { last: [], any: ['literal'] }],
    ['*', undefined],
    ['ok\n[!xy]', undefined],
    ['#only a comment\n   \n', { last: [], any: [] }],
  ])('%j', (text, expected) => {
    expect(ruleNeedles(text)).toEqual(expected);
  });

  it('a path a rule matches (in no folder it ignores) holds its needle: in its last name, or in any name', () => {
    seed = 3;
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      const p = pattern();
      const ig = ignore().add(p);
      const needles = ruleNeedles(p);
      if (needles === undefined) continue; // a rule without a needle: the walk asks about every path
      for (let k = 0; k < 12; k++) {
        const names = Array.from({ length: 1 + rnd(3) }, () => pick(NAMES));
        const isDir = rnd(4) === 0;
        const path = names.join('/') + (isDir ? '/' : '');
        const r = ig.test(path);
        if (!r.ignored && !r.unignored) continue;
        // Matched through a folder above it, which the walk asked about (and then asks about all below).
        if (names.slice(0, -1).some((_, j) => ig.test(`${names.slice(0, j + 1).join('/')}/`).ignored)) continue;
        matched++;
        const last = asciiLower(names[names.length - 1]!);
        const holds =
          needles.last.some((n) => last.includes(n)) || needles.any.some((n) => names.some((name) => asciiLower(name).includes(n)));
        expect({ p, path, holds }).toEqual({ p, path, holds: true });
      }
    }
    expect(matched).toBeGreaterThan(800); // the generator makes rules that match
  });
});

/**
 * The walk's verdicts as they were before the needles: every level asked about every path (deepest opinion wins).
 * `start`: the folder named on the command line (walked whatever the levels above say about it).
 */
function reference(root: string, start = ''): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string, levels: { rel: string; ig: Ignore }[]) => {
    const names = readdirSync(dir).sort();
    const lv = names.includes('.gitignore')
      ? [...levels, { rel, ig: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }]
      : levels;
    if (start !== '' && (rel === '' || start.startsWith(`${rel}/`))) {
      // On the way down to the named folder.
      const next = start.slice(rel === '' ? 0 : rel.length + 1).split('/')[0]!;
      visit(join(dir, next), rel === '' ? next : `${rel}/${next}`, lv);
      return;
    }
    for (const name of names) {
      if (name === '.git') continue;
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

/** A folder of `dir` whose name is in DIRS, or undefined. */
function someFolder(dir: string): string | undefined {
  const found = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory() && DIRS.includes(e.name));
  if (found.length === 0) return undefined;
  const e = found[rnd(found.length)]!;
  return join(e.parentPath, e.name)
    .slice(dir.length + 1)
    .split('\\')
    .join('/');
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
  '!c',
  '!gh/',
  '**/dd/**',
  '!Ef',
  'D[dx].yaml',
  '*.[xy]aml',
];

it('the walk keeps and drops the same files as asking the package about every path', () => {
  seed = 11;
  let kept = 0;
  let dropped = 0;
  let started = 0;
  for (let t = 0; t < 40; t++) {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-needles-'));
    try {
      const make = (d: string, depth: number) => {
        if (rnd(3) === 0) {
          const rules = Array.from({ length: 1 + rnd(4) }, () => (rnd(4) === 0 ? pattern() : pick(RULES)));
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
      // Every other tree is a repository scanned from a folder inside it: the levels above that folder apply.
      const start = t % 2 === 1 ? someFolder(dir) : undefined;
      if (start !== undefined) {
        mkdirSync(join(dir, '.git'));
        started++;
      }
      const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnknownType: 0, skippedTests: 0 };
      const walked = [...walk({ cwd: dir, roots: [start ?? '.'], warn: () => undefined }, stats)].map((e) => e.rel);
      const expected = reference(dir, start);
      expect(walked).toEqual(expected);
      kept += expected.length;
      const all = readdirSync(join(dir, start ?? ''), { recursive: true }).filter((n) => String(n).endsWith('.yaml')).length;
      dropped += all - expected.length;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Both kinds of verdict happen, from the top and from folders inside.
  expect(started).toBeGreaterThan(10);
  expect(kept).toBeGreaterThan(400);
  expect(dropped).toBeGreaterThan(150);
});

it.each([
  ['the last rule matching decides', { '.gitignore': '*.yaml\n!keep.yaml\n', 'keep.yaml': '', 'a.yaml': '' }, '.', ['keep.yaml']],
  [
    'a rule matching the folder above, not the path, overruled there by a later rule',
    { '.gitignore': '*b\n!a*\n', 'ab/b.yaml': '', 'b.yaml': '' },
    '.',
    ['ab/b.yaml', 'b.yaml'],
  ],
  [
    'a folder a level ignores, re-included by a deeper level: the files in it stay ignored by the first',
    { '.gitignore': 'c\n', 'dd/.gitignore': '!c\n', 'dd/c/x.yaml': '', 'dd/y.yaml': '' },
    '.',
    ['dd/y.yaml'],
  ],
  [
    'a folder named on the command line, under a rule of a level above it that needs its name',
    { '.git/HEAD': '', '.gitignore': 'logs/**\n', 'logs/x.yaml': '', 'logs/sub/y.yaml': '', 'z.yaml': '' },
    'logs',
    [],
  ],
  [
    'a folder named on the command line, inside a folder a level above ignores',
    { '.git/HEAD': '', '.gitignore': 'gen/\n', 'gen/app/x.yaml': '' },
    'gen/app',
    [],
  ],
])('%s', (_what, files, root, expected) => {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-needles-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnknownType: 0, skippedTests: 0 };
    const walked = [...walk({ cwd: dir, roots: [root], warn: () => undefined }, stats)].map((e) => e.rel);
    expect(walked).toEqual(expected);
    expect(reference(dir, root === '.' ? '' : root)).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
