import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * `.gitignore` and `.kdiagignore` for the walk of `kdiag lint` (src/lint/walk.ts): one level per folder holding
 * either, its rules as git reads them (the `ignore` package), the deepest level with an opinion deciding.
 *
 * Asking the package about every path was the largest part of the walk on real repositories: it runs each rule's
 * regular expression on the path (compiling it first: a generated .gitignore has a hundred rules). But most rules
 * hold a run of plain characters that a path they match must hold. The package matches a rule's last segment
 * (after its last `/` or `**`) at the end of the path, where a wildcard matches no `/`: `*.pem` can match only a
 * path whose last name holds `.pem`, `/build/*.log` one whose last name holds `.log`. A rule whose last segment has
 * no run (`foo/**`, `bar/*`) needs its longest run in some name of the path. The package answers about a path from
 * its folders first (a path in a folder it ignores is ignored); the walk keeps, per folder and level, an `Ask`:
 * `true` when the level ignored a folder above (then its whole rule set is asked), else the rules of the second
 * kind whose needle a folder name above holds. The level's verdict on a path is then that of its last rule
 * matching the path itself, and only those rules and the ones whose needle the path's last name holds can match:
 * the walk asks about those alone, each through a one-rule instance of the package, so that the other rules are
 * never compiled.
 */

export interface Level {
  dir: string;
  /** All the level's rules in one instance, parsed on first use. */
  ig: () => Ignore;
  /** The rules one by one, with their needles; undefined when a rule has no needle (then the whole set is asked). */
  rules?: readonly Rule[];
  /** The needles of all rules, for a quick no (minimal: none holds another). */
  needles?: readonly string[];
  /** The needles of the rules that need them in any name of the path. */
  anyNeedles?: readonly string[];
}

interface Rule {
  /** The line as the package reads it (a byte order mark before the first line removed). */
  line: string;
  negative: boolean;
  /** One of these is in the path's last name (`lastName`), or in one of its names, when the rule matches it. */
  needles: readonly string[];
  lastName: boolean;
  /** The rule alone, negated if it is not (so that it never makes a folder above the path count): made on use. */
  matcher?: Ignore;
}

/** See ruleNeedles. */
export interface Needles {
  /** A rule with one of these can match a path only when its last name holds it. */
  last: readonly string[];
  /** A rule with one of these can match a path only when one of its names holds it. */
  any: readonly string[];
}

/** Per folder and level: ask the whole rule set (true), or these rules (indices) besides those the name selects. */
export type Ask = true | readonly number[];
const NONE_ABOVE: readonly number[] = [];

type Verdict = Readonly<{ ignored: boolean; unignored: boolean }>;
const IGNORED: Verdict = { ignored: true, unignored: false };
const UNIGNORED: Verdict = { ignored: false, unignored: true };
const NO_OPINION: Verdict = { ignored: false, unignored: false };

const IGNORE_FILES = ['.gitignore', '.kdiagignore'];

/** Converts a platform path to `/` separators. */
export function toSlash(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The level of folder `dir`; undefined when it has no ignore file. `present`: the ignore files its listing has. */
export function loadLevel(dir: string, warn: (m: string) => void, present?: ReadonlySet<string>): Level | undefined {
  const texts: string[] = [];
  // null: some rule has no needle.
  let rules: Rule[] | null = [];
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
    const more: Rule[] | undefined = rules === null ? undefined : parseRules(text);
    rules = more === undefined ? null : [...rules!, ...more];
  }
  if (texts.length === 0) return undefined;
  let ig: Ignore | undefined;
  const level: Level = { dir, ig: () => (ig ??= texts.reduce((i, text) => i.add(text), ignore())) };
  if (rules !== null) {
    level.rules = rules;
    level.needles = minimalNeedles(rules.flatMap((r) => r.needles));
    level.anyNeedles = minimalNeedles(rules.filter((r) => !r.lastName).flatMap((r) => r.needles));
  }
  return level;
}

/** A level of patterns given as a list (`.kdiag.yaml` lint.ignorePaths): always asked as a whole. */
export function listLevel(dir: string, patterns: readonly string[]): Level {
  const ig = ignore().add([...patterns]);
  return { dir, ig: () => ig };
}

/**
 * The rules of an ignore file's text, split into lines as the package does; undefined when one has no needle.
 * Runs are of letters, digits, `.`, `_` and `-`, outside brackets and escapes, ASCII lower-cased (the package
 * matches case-insensitively, without Unicode case folding). Only lines starting with `#` and lines of spaces are
 * surely no rules.
 */
function parseRules(text: string): Rule[] | undefined {
  const rules: Rule[] = [];
  const lines = (text.endsWith('\r') ? text.slice(0, -1) : text).split(/\r?\n/).filter(Boolean);
  for (let k = 0; k < lines.length; k++) {
    const line = k === 0 && text.charCodeAt(0) === 0xfeff ? lines[0]!.slice(1) : lines[k]!;
    if (line[0] === '#' || /^ *$/.test(line)) continue;
    const negative = line[0] === '!';
    const last = line.includes('\\') ? [] : segmentNeedles(lastSegment(line));
    if (last.length > 0) {
      rules.push({ line, negative, needles: last, lastName: true });
      continue;
    }
    const any = longestRun(line);
    if (any === '') return undefined;
    rules.push({ line, negative, needles: [any], lastName: false });
  }
  return rules;
}

/** The needles of an ignore file's text, by kind (see parseRules); undefined when a rule has none. */
export function ruleNeedles(text: string): Needles | undefined {
  const rules = parseRules(text);
  if (rules === undefined) return undefined;
  return {
    last: rules.filter((r) => r.lastName).flatMap((r) => r.needles),
    any: rules.filter((r) => !r.lastName).flatMap((r) => r.needles),
  };
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

/** `name` with A-Z lower-cased (what needles are compared with). */
function asciiLower(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return name;
}

function holds(needles: readonly string[], lowerName: string): boolean {
  for (const n of needles) if (lowerName.includes(n)) return true;
  return false;
}

/**
 * The level's verdict on `rel` (relative to its folder, `/` separators, a trailing `/` for a folder), whose last
 * name lower-cased is `lowerName`, with `ask` for the folder holding it (see the top of this file).
 */
function verdict(level: Level, rel: string, lowerName: string, ask: Ask): Verdict {
  const rules = level.rules;
  if (ask === true || rules === undefined) return level.ig().test(rel);
  if (ask.length === 0 && !holds(level.needles!, lowerName)) return NO_OPINION;
  // The last rule matching the path decides.
  for (let k = rules.length - 1; k >= 0; k--) {
    const r = rules[k]!;
    if (!holds(r.needles, lowerName) && !(ask.length > 0 && !r.lastName && ask.includes(k))) continue;
    r.matcher ??= ignore().add(r.negative ? r.line : `!${r.line}`);
    if (r.matcher.test(rel).unignored) return r.negative ? UNIGNORED : IGNORED;
  }
  return NO_OPINION;
}

/**
 * git's verdict over the stack of levels on `abs` (named `name`): the deepest level with an opinion wins.
 * `asks`: per level (see the top of this file); undefined for all true. `ignoredBy` (for a folder) gets true for
 * each level that ignores it.
 */
export function isIgnored(
  levels: readonly Level[],
  abs: string,
  isDir: boolean,
  name: string,
  asks?: readonly Ask[],
  ignoredBy?: boolean[],
): boolean {
  let ignored = false;
  let lowerName: string | undefined;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    // `abs` is built by joining names under the level's folder, so a prefix test replaces path.relative.
    const prefix = level.dir.endsWith(sep) ? level.dir : level.dir + sep;
    if (!abs.startsWith(prefix)) continue;
    const rel = toSlash(abs.slice(prefix.length));
    if (rel === '') continue;
    lowerName ??= asciiLower(name);
    const r = verdict(level, isDir ? `${rel}/` : rel, lowerName, asks === undefined ? true : asks[i]!);
    if (r.ignored) {
      ignored = true;
      if (ignoredBy) ignoredBy[i] = true;
    } else if (r.unignored) ignored = false;
  }
  return ignored;
}

/** The `Ask` of a folder for its own level: the whole set for a level without rules one by one. */
export function askOfNew(level: Level): Ask {
  return level.rules === undefined ? true : NONE_ABOVE;
}

/** The `Ask`s below folder `name` (its levels' `asks` and `ignoredBy` from asking about it). */
export function asksBelow(levels: readonly Level[], asks: readonly Ask[], name: string, ignoredBy: readonly boolean[]): Ask[] {
  let lowerName: string | undefined;
  return asks.map((ask, i) => {
    if (ask === true || ignoredBy[i] === true) return true;
    const level = levels[i]!;
    lowerName ??= asciiLower(name);
    if (!holds(level.anyNeedles!, lowerName)) return ask;
    const more = ask.slice();
    level.rules!.forEach((r, k) => {
      if (!r.lastName && !more.includes(k) && holds(r.needles, lowerName!)) more.push(k);
    });
    return more;
  });
}

/** Ignore files of the folders above `dir`, up to the repository root (a folder holding `.git`), outermost first. */
export function ancestorLevels(dir: string, warn: (m: string) => void): Level[] {
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

/** The `Ask`s of a walked root for the levels above it, from the folders between each level's and the root. */
export function asksOfAncestors(levels: readonly Level[], root: string): Ask[] {
  return levels.map((level) => {
    let ask = askOfNew(level);
    let rel = '';
    for (const name of relative(level.dir, root).split(sep)) {
      if (ask === true) break;
      rel += `${name}/`;
      const ignoredBy: boolean[] = [];
      if (verdict(level, rel, asciiLower(name), ask).ignored) ignoredBy[0] = true;
      ask = asksBelow([level], [ask], name, ignoredBy)[0]!;
    }
    return ask;
  });
}
