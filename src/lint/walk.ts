import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { FileType } from '../core/lint/comments.js';
import { detectFileType, detectFileTypeOf, needsFirstLine } from './filetype.js';

/**
 * The file walk of `kdiag lint`: sorted, honouring `.gitignore` and `.kdiagignore` at every level (and in the
 * parent folders up to the repository root), `.kdiag.yaml` lint.ignorePaths, never following symlinks (so never
 * out of the tree), and skipping everything that is not a regular file (FIFOs would block a read forever).
 */

export interface WalkEntry {
  /** Absolute path. */
  abs: string;
  /** Relative to the working folder, `/` separators (the path findings show). */
  rel: string;
  type: FileType;
  /** True for a file named on the command line (scanned whatever its path or type). */
  named?: boolean;
}

export interface WalkOptions {
  cwd: string;
  /** Paths as given (relative to cwd or absolute); they must exist (checked by the caller). */
  roots: readonly string[];
  /** gitignore-syntax patterns relative to `ignoreBase` (from `.kdiag.yaml`). */
  ignorePaths?: readonly string[];
  ignoreBase?: string;
  /** Scan test files too (`--include-tests`, `.kdiag.yaml` lint.includeTests). */
  includeTests?: boolean;
  /** Called for things worth a line on stderr (unreadable folders). */
  warn(message: string): void;
}

/** Counts of what the walk passed over, for the summary. */
export interface WalkStats {
  skippedSymlinks: number;
  skippedSpecial: number;
  skippedUnknownType: number;
  /** Test files passed over (see isTestPath). */
  skippedTests: number;
}

interface Level {
  dir: string;
  /** The level's rules, parsed on first use (most levels are never asked, see ruleNeedles). */
  ig: () => Ignore;
  /** What the rules of `ig` need in a path they match (see ruleNeedles); undefined: every path is asked. */
  needles?: Needles;
}

/** See ruleNeedles. */
export interface Needles {
  /** A rule with one of these can match a path only when its last name holds it. */
  last: readonly string[];
  /** A rule with one of these can match a path only when one of its names holds it. */
  any: readonly string[];
}

const IGNORE_FILES = ['.gitignore', '.kdiagignore'];
const VCS_DIRS = new Set(['.git', '.hg', '.svn']);

/** Converts a platform path to `/` separators. */
export function toSlash(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

function loadLevel(dir: string, warn: (m: string) => void, present?: ReadonlySet<string>): Level | undefined {
  const texts: string[] = [];
  // null: some rule has no needle.
  let needles: Needles | null | undefined;
  for (const name of IGNORE_FILES) {
    // When the folder listing is known, only read the ignore files it has (a failed read costs an exception).
    if (present && !present.has(name)) continue;
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') warn(`cannot read ${file}: ${code ?? String(e)}`);
      continue;
    }
    texts.push(text);
    const more = needles === null ? undefined : ruleNeedles(text);
    needles = more === undefined ? null : { last: [...(needles?.last ?? []), ...more.last], any: [...(needles?.any ?? []), ...more.any] };
  }
  if (texts.length === 0) return undefined;
  let ig: Ignore | undefined;
  const parsed = () => (ig ??= texts.reduce((i, text) => i.add(text), ignore()));
  return {
    dir,
    ig: parsed,
    ...(needles ? { needles: { last: minimalNeedles(needles.last), any: minimalNeedles(needles.any) } } : {}),
  };
}

/**
 * Asking the `ignore` package about every file was the largest part of the walk on real repositories: it runs
 * each rule's regular expression on the path, and a generated .gitignore has a hundred rules. But most rules hold
 * a run of plain characters that a path they match must hold. The package matches a rule's last segment (after
 * its last `/` or `**`) at the end of the path, where a wildcard matches no `/`: `*.pem` can match only a path
 * whose last name holds `.pem`, `/build/*.log` one whose last name holds `.log`. A rule whose last segment
 * has no run (`foo/**`, `bar/*`) needs its longest run in some name of the path. The package answers about a
 * path from its folders first (a path in an ignored folder is ignored), so the walk asks a level about an entry
 * when its name holds a needle, or when a folder above it did (a rule needing it in any name), or when the level
 * ignored a folder above it; otherwise no rule can match and the package would answer "no opinion".
 *
 * The needles of an ignore file's text, for each line that may be a rule (all but blank lines and those starting
 * with `#`): runs are of letters, digits, `.`, `_` and `-`, outside brackets and escapes, ASCII lower-cased (the
 * package matches case-insensitively, without Unicode case folding). Undefined when a line has no run at all
 * (`*`, `[ab]`): then every path is asked.
 */
export function ruleNeedles(text: string): Needles | undefined {
  const last: string[] = [];
  const any: string[] = [];
  for (const line of text.split('\n')) {
    if (line[0] === '#' || line.trim() === '') continue;
    const lastRuns = line.includes('\\') ? [] : segmentNeedles(lastSegment(line));
    if (lastRuns.length > 0) {
      last.push(...lastRuns);
      continue;
    }
    const anyRun = longestRun(line);
    if (anyRun === '') return undefined;
    any.push(anyRun);
  }
  return { last, any };
}

/**
 * What a rule (a line without escapes) matches against the path's last name: the text after its last `/` (a
 * trailing one, with the spaces and CR the package trims, removed first) or `**`; '' when that may be inside a
 * bracket expression.
 */
function lastSegment(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\r')) end--;
  if (end > 0 && line[end - 1] === '/') end--;
  const body = line.slice(0, end);
  const slash = body.lastIndexOf('/');
  const stars = body.lastIndexOf('**');
  const start = Math.max(slash + 1, stars === -1 ? 0 : stars + 2);
  const seg = body.slice(start);
  // The split may be inside a bracket expression that opened before it (`[a/b]`, `[x**]`): then ''. (A `]`
  // right after `[` or `[!` may be a member, not the end: such a bracket is taken as still open.)
  let open = -1;
  for (let i = 0; i < start; i++) {
    if (open === -1 && body[i] === '[') open = i;
    else if (open !== -1 && body[i] === ']' && i > open + 2) open = -1;
  }
  return open === -1 ? seg : '';
}

/**
 * Needles of a rule's last segment, one of which a name it matches holds: its longest run; or, when the segment
 * has one bracket of a few plain characters (`*.[oa]`, `[Mm]akefile`), the longest run of each spelling of it
 * (`.o`, `.a`) when the shortest of those is longer than that run. [] when there is no run.
 */
function segmentNeedles(seg: string): string[] {
  const plain = longestRun(seg);
  const m = /^([^[]*)\[([a-zA-Z0-9._]{1,8})\]([^[\]]*)$/.exec(seg);
  if (m === null) return plain === '' ? [] : [plain];
  const spelled = [...m[2]!].map((c) => longestRun(m[1]! + c + m[3]!));
  return Math.min(...spelled.map((n) => n.length)) > plain.length ? spelled : plain === '' ? [] : [plain];
}

/** The longest run of letters, digits, `.`, `_` and `-` in `text` outside brackets and escapes, ASCII lower-cased. */
function longestRun(text: string): string {
  let best = '';
  let run = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const plain = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 45;
    if (plain) {
      run += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
      continue;
    }
    if (run.length > best.length) best = run;
    run = '';
    if (c === 92)
      i++; // an escaped character may be anything
    else if (c === 91) {
      // A bracket expression matches one character of a set: skip to its end (to the text's end if unclosed).
      const close = text.indexOf(']', i + 2);
      i = close === -1 ? text.length : close;
    }
  }
  return run.length > best.length ? run : best;
}

/** The needles without those holding another (that one is found whenever they are). */
function minimalNeedles(needles: readonly string[]): string[] {
  const unique = [...new Set(needles)].sort((a, b) => a.length - b.length);
  return unique.filter((n, i) => !unique.slice(0, i).some((m) => n.includes(m)));
}

/** True when `name` (a file or folder name) holds one of `needles`. */
function holdsNeedle(needles: readonly string[], name: string): boolean {
  let lower = name;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      lower = name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
      break;
    }
  }
  for (const n of needles) if (lower.includes(n)) return true;
  return false;
}

/** Ignore files of the folders above `dir`, up to the repository root (a folder holding `.git`), outermost first. */
function ancestorLevels(dir: string, warn: (m: string) => void): Level[] {
  const chain: string[] = [];
  let d = dirname(dir);
  let probe = dir;
  // Only when `dir` is inside a repository: find its root first.
  let root: string | undefined;
  for (;;) {
    if (existsSync(join(probe, '.git'))) {
      root = probe;
      break;
    }
    const up = dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  if (root === undefined || root === dir) return [];
  for (;;) {
    chain.push(d);
    if (d === root) break;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return chain
    .reverse()
    .map((x) => loadLevel(x, warn))
    .filter((l): l is Level => l !== undefined);
}

/**
 * git's verdict over the stack of levels: the deepest level with an opinion wins. With `askAll` (per level: must
 * it be asked about every entry of the folder, see ruleNeedles), a level is otherwise asked only when `name`
 * (`abs`'s last name) holds one of its needles. `ignoredBy` (for a folder) gets true for each level that ignores it.
 */
function isIgnored(
  levels: readonly Level[],
  abs: string,
  isDir: boolean,
  askAll?: readonly boolean[],
  name?: string,
  ignoredBy?: boolean[],
): boolean {
  let ignored = false;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (askAll && !askAll[i] && !holdsNeedle(level.needles!.last, name!) && !holdsNeedle(level.needles!.any, name!)) continue;
    // `abs` is built by joining names under the level's folder, so a prefix test replaces path.relative.
    const prefix = level.dir.endsWith(sep) ? level.dir : level.dir + sep;
    if (!abs.startsWith(prefix)) continue;
    const rel = toSlash(abs.slice(prefix.length));
    if (rel === '') continue;
    const r = level.ig().test(isDir ? `${rel}/` : rel);
    if (r.ignored) {
      ignored = true;
      if (ignoredBy) ignoredBy[i] = true;
    } else if (r.unignored) ignored = false;
  }
  return ignored;
}

/** A folder's `askAll` for its sub-folder `name` (see isIgnored; `ignoredBy` from asking about that folder). */
function askAllBelow(levels: readonly Level[], askAll: readonly boolean[], name: string, ignoredBy: readonly boolean[]): boolean[] {
  return askAll.map((all, i) => all || ignoredBy[i] === true || holdsNeedle(levels[i]!.needles!.any, name));
}

/**
 * `askAll` for the levels above a walked root: those without needles, and those a folder between theirs and the
 * root (the root included) makes ask about everything.
 */
function askAllOfAncestors(levels: readonly Level[], root: string): boolean[] {
  return levels.map((level) => {
    if (!level.needles) return true;
    let rel = '';
    for (const name of relative(level.dir, root).split(sep)) {
      rel += `${name}/`;
      if (holdsNeedle(level.needles.any, name)) return true;
      if (holdsNeedle(level.needles.last, name) && level.ig().test(rel).ignored) return true;
    }
    return false;
  });
}

function firstLineOf(abs: string): string {
  const b = Buffer.alloc(256);
  let fd: number | undefined;
  try {
    fd = openSync(abs, 'r');
    const n = readSync(fd, b, 0, b.length, 0);
    const text = b.toString('latin1', 0, n);
    const nl = text.indexOf('\n');
    return nl === -1 ? text : text.slice(0, nl);
  } catch {
    return ''; // the scan itself will report the read error
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Yields the files to scan, in a stable order. */
export function* walk(opts: WalkOptions, stats: WalkStats): Generator<WalkEntry> {
  const extra: Level | undefined =
    opts.ignorePaths && opts.ignorePaths.length > 0
      ? {
          dir: resolve(opts.cwd, opts.ignoreBase ?? '.'),
          ig: (
            (ig: Ignore) => () =>
              ig
          )(ignore().add([...opts.ignorePaths])),
        }
      : undefined;
  // Files reachable from two roots (`kdiag lint a.yaml .`, `kdiag lint . deploy`) are scanned once. With one
  // root nothing can come twice (symlinks are not followed), so the set, which hashes every path, is not kept.
  const seen: Set<string> | undefined = opts.roots.length > 1 ? new Set<string>() : undefined;
  for (const root of opts.roots) {
    const abs = resolve(opts.cwd, root);
    // An explicit root may itself be a symlink: the user named it, so follow it.
    const st = statSync(abs);
    if (st.isFile()) {
      if (seen?.has(abs)) continue;
      seen?.add(abs);
      const rel = toSlash(relative(opts.cwd, abs)) || '.';
      const type = detectFileType(rel, needsFirstLine(rel) ? firstLineOf(abs) : undefined) ?? 'text';
      yield { abs, rel, type, named: true };
      continue;
    }
    if (!st.isDirectory()) {
      stats.skippedSpecial++;
      opts.warn(`skipping ${root}: not a regular file or folder`);
      continue;
    }
    const levels = ancestorLevels(abs, opts.warn);
    const askAll = askAllOfAncestors(levels, abs);
    // A folder named on the command line is scanned even when lint.ignorePaths covers it (the user asked for it).
    const own = extra && isIgnored([extra], abs, true) ? undefined : extra;
    yield* walkDir(abs, toSlash(relative(opts.cwd, abs)), levels, askAll, own, opts, stats, seen);
  }
}

/** A folder being walked: its sorted entries and where the walk is in them. */
interface Frame {
  entries: Dirent[];
  next: number;
  levels: Level[];
  /** Per level: must it be asked about every entry here (see isIgnored)? */
  askAll: boolean[];
  /** The folder's absolute path and its path relative to the working folder, each with a trailing separator. */
  absPrefix: string;
  relPrefix: string;
}

/** Reads and sorts folder `dir` (relative path `relDir`, '' for the working folder); undefined if unreadable. */
function openFrame(dir: string, relDir: string, parentLevels: Level[], parentAskAll: boolean[], opts: WalkOptions): Frame | undefined {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    opts.warn(`cannot read folder ${relDir || '.'}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return undefined;
  }
  const present = new Set<string>();
  for (const ent of entries) if (ent.name === '.gitignore' || ent.name === '.kdiagignore') present.add(ent.name);
  const own = present.size > 0 ? loadLevel(dir, opts.warn, present) : undefined;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    entries,
    next: 0,
    levels: own ? [...parentLevels, own] : parentLevels,
    askAll: own ? [...parentAskAll, own.needles === undefined] : parentAskAll,
    // `dir` is already normalized: plain concatenation is much cheaper than path.join for every entry.
    absPrefix: dir.endsWith(sep) ? dir : dir + sep,
    relPrefix: relDir === '' ? '' : `${relDir}/`,
  };
}

/**
 * The files under `dir`, depth first in sorted order. One generator with a stack of folders (not one generator
 * per folder delegating with `yield*`, which resumes every level of the chain for every file).
 */
function* walkDir(
  dir: string,
  /** `dir` relative to the working folder, `/` separators ('' for the working folder itself). */
  relDir: string,
  parentLevels: Level[],
  parentAskAll: boolean[],
  extra: Level | undefined,
  opts: WalkOptions,
  stats: WalkStats,
  seen: Set<string> | undefined,
): Generator<WalkEntry> {
  const root = openFrame(dir, relDir, parentLevels, parentAskAll, opts);
  if (!root) return;
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.entries.length) {
      stack.pop();
      continue;
    }
    const ent = frame.entries[frame.next++]!;
    const { levels, askAll } = frame;
    const abs = frame.absPrefix + ent.name;
    // Regular files first: most entries are (a Dirent has one type, so a file is no symlink).
    let isFile = ent.isFile();
    let isDir = !isFile && ent.isDirectory();
    if (!isFile && !isDir && ent.isSymbolicLink()) {
      stats.skippedSymlinks++;
      continue;
    }
    if (!isDir && !isFile && !ent.isFIFO() && !ent.isSocket() && !ent.isCharacterDevice() && !ent.isBlockDevice()) {
      // Some file systems do not report the type in readdir: ask.
      try {
        const st = lstatSync(abs);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        continue;
      }
    }
    if (isDir) {
      if (VCS_DIRS.has(ent.name)) continue;
      // A Helm chart's `ci/` folder holds chart-testing's test values (`ct install` reads `ci/*-values.yaml`).
      const chartCi = ent.name === 'ci' && frame.entries.some((e) => e.name === 'Chart.yaml');
      if (!opts.includeTests && (TEST_DIRS.has(ent.name) || chartCi)) {
        // Counted below as the files it holds would be: one walk of the folder, without reading any.
        if (!(isIgnored(levels, abs, true, askAll, ent.name) || (extra && isIgnored([extra], abs, true))))
          stats.skippedTests += countFiles(abs);
        continue;
      }
      const ignoredBy: boolean[] = [];
      if (isIgnored(levels, abs, true, askAll, ent.name, ignoredBy) || (extra && isIgnored([extra], abs, true))) continue;
      const child = openFrame(abs, frame.relPrefix + ent.name, levels, askAllBelow(levels, askAll, ent.name, ignoredBy), opts);
      if (child) stack.push(child);
      continue;
    }
    if (!isFile) {
      stats.skippedSpecial++;
      continue;
    }
    if ((levels.length > 0 && isIgnored(levels, abs, false, askAll, ent.name)) || (extra && isIgnored([extra], abs, false))) continue;
    if (seen?.has(abs)) continue;
    const rel = frame.relPrefix + ent.name;
    const type = detectFileTypeOf(rel, ent.name, needsFirstLine(ent.name) ? firstLineOf(abs) : undefined);
    if (type === undefined) {
      stats.skippedUnknownType++;
      continue;
    }
    if (!opts.includeTests && isTestFileName(ent.name)) {
      stats.skippedTests++;
      continue;
    }
    seen?.add(abs);
    yield { abs, rel, type };
  }
}

/**
 * Folders of test code and test data, skipped by default (docs/commands/lint.md lists them): fixtures are full of
 * addresses on purpose.
 */
export const TEST_DIRS: ReadonlySet<string> = new Set([
  'test',
  'tests',
  '__tests__',
  'testdata',
  'fixtures',
  'fixture',
  'spec',
  'e2e',
  'unittests',
  'testing',
  // Ansible's role tests (Molecule scenarios).
  'molecule',
]);

/** Test files by name: `*_test.go`, `*.test.*`, `*.spec.*`, `*_test.py`, `test_*.py`. */
export function isTestFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.endsWith('_test.go') ||
    /\.(test|spec)\.[a-z0-9]+$/.test(lower) ||
    lower.endsWith('_test.py') ||
    (lower.startsWith('test_') && lower.endsWith('.py'))
  );
}

/** True when `relPath` (`/` separators) is a test path: in a test folder, or a test file by name. */
export function isTestPath(relPath: string): boolean {
  const parts = relPath.split('/');
  for (let i = 0; i < parts.length - 1; i++) if (TEST_DIRS.has(parts[i]!)) return true;
  return isTestFileName(parts[parts.length - 1]!);
}

/** Regular files under `dir` (not following symlinks), for the count of skipped test files. */
function countFiles(dir: string): number {
  let n = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!VCS_DIRS.has(e.name)) stack.push(join(d, e.name));
      } else if (e.isFile() && detectFileTypeOf(e.name, e.name) !== undefined) n++;
    }
  }
  return n;
}
