import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync, type Dirent } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { FileType } from '../core/lint/comments.js';
import { detectFileType, detectFileTypeOf, needsFirstLine } from './filetype.js';
import {
  ancestorLevels,
  askOfNew,
  asksBelow,
  asksOfAncestors,
  isIgnored,
  listLevel,
  loadLevel,
  toSlash,
  type Ask,
  type Level,
} from './gitignore.js';

export { toSlash };

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

const VCS_DIRS = new Set(['.git', '.hg', '.svn']);

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
    opts.ignorePaths && opts.ignorePaths.length > 0 ? listLevel(resolve(opts.cwd, opts.ignoreBase ?? '.'), opts.ignorePaths) : undefined;
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
    const asks = asksOfAncestors(levels, abs);
    // A folder named on the command line is scanned even when lint.ignorePaths covers it (the user asked for it).
    const own = extra && isIgnored([extra], abs, true, '') ? undefined : extra;
    yield* walkDir(abs, toSlash(relative(opts.cwd, abs)), levels, asks, own, opts, stats, seen);
  }
}

/** A folder being walked: its sorted entries and where the walk is in them. */
interface Frame {
  entries: Dirent[];
  next: number;
  levels: Level[];
  /** Per level: must it be asked about every entry here (see isIgnored)? */
  asks: Ask[];
  /** The folder's absolute path and its path relative to the working folder, each with a trailing separator. */
  absPrefix: string;
  relPrefix: string;
}

/** Reads and sorts folder `dir` (relative path `relDir`, '' for the working folder); undefined if unreadable. */
function openFrame(dir: string, relDir: string, parentLevels: Level[], parentAsks: Ask[], opts: WalkOptions): Frame | undefined {
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
    asks: own ? [...parentAsks, askOfNew(own)] : parentAsks,
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
  parentAsks: Ask[],
  extra: Level | undefined,
  opts: WalkOptions,
  stats: WalkStats,
  seen: Set<string> | undefined,
): Generator<WalkEntry> {
  const root = openFrame(dir, relDir, parentLevels, parentAsks, opts);
  if (!root) return;
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.entries.length) {
      stack.pop();
      continue;
    }
    const ent = frame.entries[frame.next++]!;
    const { levels, asks } = frame;
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
        if (!(isIgnored(levels, abs, true, ent.name, asks) || (extra && isIgnored([extra], abs, true, ent.name))))
          stats.skippedTests += countFiles(abs);
        continue;
      }
      const ignoredBy: boolean[] = [];
      if (isIgnored(levels, abs, true, ent.name, asks, ignoredBy) || (extra && isIgnored([extra], abs, true, ent.name))) continue;
      const child = openFrame(abs, frame.relPrefix + ent.name, levels, asksBelow(levels, asks, ent.name, ignoredBy), opts);
      if (child) stack.push(child);
      continue;
    }
    if (!isFile) {
      stats.skippedSpecial++;
      continue;
    }
    if ((levels.length > 0 && isIgnored(levels, abs, false, ent.name, asks)) || (extra && isIgnored([extra], abs, false, ent.name)))
      continue;
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
