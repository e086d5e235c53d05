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
  ig: Ignore;
  /**
   * What every rule of `ig` needs in a path it matches (see ruleNeedles); undefined when some rule has no such
   * text (then every path is asked).
   */
  needles?: readonly string[];
}

const IGNORE_FILES = ['.gitignore', '.kdiagignore'];
const VCS_DIRS = new Set(['.git', '.hg', '.svn']);

/** Converts a platform path to `/` separators. */
export function toSlash(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

function loadLevel(dir: string, warn: (m: string) => void, present?: ReadonlySet<string>): Level | undefined {
  let ig: Ignore | undefined;
  // null: some rule has no needle.
  let needles: string[] | null | undefined;
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
    ig ??= ignore();
    ig.add(text);
    const more = needles === null ? undefined : ruleNeedles(text);
    needles = more === undefined ? null : [...(needles ?? []), ...more];
  }
  return ig ? { dir, ig, ...(needles ? { needles: minimalNeedles(needles) } : {}) } : undefined;
}

/**
 * Asking the `ignore` package about every file was the largest part of the walk on real repositories: it runs
 * each rule's regular expression on the path, and a generated .gitignore has a hundred rules. But most rules hold
 * a run of plain characters that every path they match contains within one of its names (wildcards other than
 * `**` match no `/`, and a run holds none): `*.pem` needs `.pem`, `.terraform/*` in any folder needs `.terraform`.
 * When no name of a path holds a needle of a level's rules, none of them matches the path or a folder above it,
 * and the package would answer "no opinion": the walk then does not ask it.
 *
 * The needles of an ignore file's text, one per line that may be a rule: its longest run of letters, digits,
 * `.`, `_` and `-` outside brackets and escapes, ASCII lower-cased (the package matches case-insensitively,
 * without Unicode case folding); undefined when a line that may be a rule has no such run (`*`, `[ab]`): then
 * every path must be asked. Only lines starting with `#` and blank lines are surely no rules.
 */
export function ruleNeedles(text: string): string[] | undefined {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line[0] === '#' || line.trim() === '') continue;
    let best = '';
    let run = '';
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
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
        // A bracket expression matches one character of a set: skip to its end (to the line's end if unclosed).
        const close = line.indexOf(']', i + 2);
        i = close === -1 ? line.length : close;
      }
    }
    if (run.length > best.length) best = run;
    if (best === '') return undefined;
    out.push(best);
  }
  return out;
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
 * git's verdict over the stack of levels: the deepest level with an opinion wins. With `quiet` (per level: no
 * folder name between the level's folder and `abs`'s holds one of its needles), a level is asked only when `name`
 * (`abs`'s last name) holds one.
 */
function isIgnored(levels: readonly Level[], abs: string, isDir: boolean, quiet?: readonly boolean[], name?: string): boolean {
  let ignored = false;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (quiet?.[i] && !holdsNeedle(level.needles!, name!)) continue;
    // `abs` is built by joining names under the level's folder, so a prefix test replaces path.relative.
    const prefix = level.dir.endsWith(sep) ? level.dir : level.dir + sep;
    if (!abs.startsWith(prefix)) continue;
    const rel = toSlash(abs.slice(prefix.length));
    if (rel === '') continue;
    const r = level.ig.test(isDir ? `${rel}/` : rel);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
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
      ? { dir: resolve(opts.cwd, opts.ignoreBase ?? '.'), ig: ignore().add([...opts.ignorePaths]) }
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
    // A parent level is quiet when no folder name from its folder down to the root holds one of its needles.
    const quiet = levels.map(
      (l) =>
        l.needles !== undefined &&
        !relative(l.dir, abs)
          .split(sep)
          .some((name) => holdsNeedle(l.needles!, name)),
    );
    // A folder named on the command line is scanned even when lint.ignorePaths covers it (the user asked for it).
    const own = extra && isIgnored([extra], abs, true) ? undefined : extra;
    yield* walkDir(abs, toSlash(relative(opts.cwd, abs)), levels, quiet, own, opts, stats, seen);
  }
}

/** A folder being walked: its sorted entries and where the walk is in them. */
interface Frame {
  entries: Dirent[];
  next: number;
  levels: Level[];
  /** Per level: true when it has needles and no folder name between its folder and this one holds one. */
  quiet: boolean[];
  /** The folder's absolute path and its path relative to the working folder, each with a trailing separator. */
  absPrefix: string;
  relPrefix: string;
}

/** Reads and sorts folder `dir` (relative path `relDir`, '' for the working folder); undefined if unreadable. */
function openFrame(dir: string, relDir: string, parentLevels: Level[], parentQuiet: boolean[], opts: WalkOptions): Frame | undefined {
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
    quiet: own ? [...parentQuiet, own.needles !== undefined] : parentQuiet,
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
  parentQuiet: boolean[],
  extra: Level | undefined,
  opts: WalkOptions,
  stats: WalkStats,
  seen: Set<string> | undefined,
): Generator<WalkEntry> {
  const root = openFrame(dir, relDir, parentLevels, parentQuiet, opts);
  if (!root) return;
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.entries.length) {
      stack.pop();
      continue;
    }
    const ent = frame.entries[frame.next++]!;
    const { levels, quiet } = frame;
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
        if (!(isIgnored(levels, abs, true, quiet, ent.name) || (extra && isIgnored([extra], abs, true))))
          stats.skippedTests += countFiles(abs);
        continue;
      }
      if (isIgnored(levels, abs, true, quiet, ent.name) || (extra && isIgnored([extra], abs, true))) continue;
      const childQuiet = quiet.map((q, i) => q && !holdsNeedle(levels[i]!.needles!, ent.name));
      const child = openFrame(abs, frame.relPrefix + ent.name, levels, childQuiet, opts);
      if (child) stack.push(child);
      continue;
    }
    if (!isFile) {
      stats.skippedSpecial++;
      continue;
    }
    if ((levels.length > 0 && isIgnored(levels, abs, false, quiet, ent.name)) || (extra && isIgnored([extra], abs, false))) continue;
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
