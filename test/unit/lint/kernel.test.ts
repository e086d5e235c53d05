import { COMMENT_SYNTAX, regexStartAt, spanningOpeners, type FileType } from '../../../src/core/lint/comments.js';
import { FileLinter, type LintSettings } from '../../../src/core/lint/engine.js';
import { defaultRanges } from '../../../src/core/lint/ranges.js';
import { commentMode } from '../../../src/lint/chunker.js';
import {
  COMMENT_LINE,
  COMMENTS_DROP,
  EVENT_FIELDS,
  FLAG_BITS,
  HAS_IPV6,
  PREV_MARKER,
  SCAN_CONTINUED,
  SCAN_FIRST,
  scanKernel,
  TRAILING_COMMENT,
} from '../../../src/lint/scan-kernel.js';

// The WebAssembly scan kernel (assembly/scan.ts) against plain JavaScript oracles, on generated lines: the lines
// it lists, their seeds, line numbers and flags, and the comment lines it drops, for every file type.

const settings: LintSettings = { strict: false, includeComments: false, ranges: defaultRanges(), allow: [], disabled: new Set() };
const TYPES = Object.keys(COMMENT_SYNTAX) as FileType[];

/** The engine's image-tag context (src/core/lint/scan.ts): the text before a run that follows a colon. */
const IMAGE_BEFORE = /(?:^|[\s"'=[(,])([a-z0-9][\w.-]*(?:\/[\w.-]+)*):$/i;

/**
 * The IPv4 seed of a line: the last digit of the first `[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]` (tried from every dot)
 * whose run is not an image tag with a registry path.
 */
function v4Seed(line: string): number {
  for (let q = line.indexOf('.'); q !== -1; q = line.indexOf('.', q + 1)) {
    const m = /^[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]/.exec(line.slice(q - 1));
    if (q === 0 || !m) continue;
    // The run's start, extended as the engine does: digits, then `.digit` groups.
    let s = q - 1;
    while (s > 0 && /[0-9]/.test(line[s - 1]!)) s--;
    while (s > 1 && line[s - 1] === '.' && /[0-9]/.test(line[s - 2]!)) {
      s--;
      while (s > 0 && /[0-9]/.test(line[s - 1]!)) s--;
    }
    const image = line[s - 1] === ':' ? IMAGE_BEFORE.exec(line.slice(Math.max(0, s - 200), s)) : null;
    if (image && image[1]!.includes('/')) continue;
    return q - 1 + m[0].length - 1;
  }
  return -1;
}

/** The IPv6 seed of a line: the colon starting the first `::` or `:h{1,4}:h{1,4}:`. */
function v6Seed(line: string): number {
  for (let i = line.indexOf(':'); i !== -1; i = line.indexOf(':', i + 1)) {
    if (line[i + 1] === ':' || /^:[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:/.test(line.slice(i))) return i;
  }
  return -1;
}

/**
 * A line the kernel drops as a version under a version key (assembly/scan.ts, isVersionLine), unless it is the
 * range's first line or the line before holds `kdiag-ignore`.
 */
function versionLine(line: string): boolean {
  const m = /^[ \t]*(?:-[ \t]+)?["']?([A-Za-z0-9_-]+)["']?[ \t]*(?::=?|=)[ \t]*["']?(\d+(?:\.\d+)*)["']?,?[ \t]*\r?$/.exec(line);
  if (!m) return false;
  const key = m[1]!;
  const keyAt = line.indexOf(key);
  const runAt = line.lastIndexOf(m[2]!);
  return (
    runAt - keyAt <= 70 && /(version|tags?)$/i.test(key) && !/ubnet|cidr|ddresses|ip-range/i.test(key) && !line.includes('kdiag-ignore')
  );
}

let state = 12345;
function rnd(n: number): number {
  state = (state * 1103515245 + 12345) & 0x7fffffff;
  return state % n;
}

const PIECES = [
  ' ',
  ' ',
  '  ',
  '\t',
  'a',
  'key',
  'host',
  ':',
  ': ',
  '=',
  ',',
  '(',
  '[',
  '{',
  '"',
  "'",
  '`',
  '\\',
  '#',
  '# ',
  '//',
  'https://',
  '://',
  '--',
  ';',
  '!',
  '/*',
  '*/',
  '{{/*',
  '{{- /*',
  '{{',
  '<!--',
  '-->',
  // Openers and closers of strings that span lines.
  '"""',
  "'''",
  '<<EOF',
  '<<-EOF',
  "<<'EOF'",
  '<<<',
  'EOF',
  // YAML block scalar headers (not tracked: the kernel must agree).
  'key: |',
  '- >-',
  'x = `',
  // Regular-expression literals (c-like): a `/` where an operand starts.
  '= /',
  '(/[`\'"]/',
  'kdiag-ignore',
  'kdiag-ignore: ok',
  // Version lines (the kernel drops a line that is only a version under a version key).
  'version: ',
  'appVersion: "',
  '- imageTag: ',
  'IMAGE_TAG=',
  '"tags": "',
  'kube-version:=',
  'subnetVersion: ',
  'versionHost: ',
  '1.2.3.4',
  '10.20.30.40"',
  '1.2.3.4.5',
  '",',
  '10.1.2.3',
  '1.2.3.4',
  '10.0.0.1:8080',
  '1.2.3',
  '2.5',
  '::',
  'fd00::1',
  '::1',
  'a:b:c',
  '12:30:45',
  'fe80::1%eth0',
  '00:1a:2b:3c:4d:5e',
  'x1.2.3.4',
  'v1.2.3.4',
  '1.2.34.567.8',
  'é',
  '€',
  "'x\\'",
  '"x\\"y"',
  ' # ',
  ' // ',
  ' -- ',
  'image: ',
  'registry.example.com/team/app-1:',
  'nginx:',
  'a/b:',
  'x//y:',
  'a/b/:',
  '_x/y:',
  'A.B/c-d:',
  '=r/x:',
  '(q/z:',
];

const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;

/** A line shaped like a version under a key, or nearly (another key, separator, value or tail). */
function versionish(): string {
  const key = pick([
    'version',
    'appVersion',
    'IMAGE_TAG',
    'tags',
    'kube-version',
    'subnetVersion',
    'versionHost',
    'image.tag',
    'cidrTag',
    'kdiag-ignore-version',
    'v',
    'release',
    'host',
    `${'x'.repeat(64)}Version`,
  ]);
  const run = pick(['1.2.3.4', '10.0.0.1', '255.255.255.0', '1.2.3.4.5', '01.2.3.4', '10.1.2.3', '1.2.3.4-rc1', '1.2.3']);
  const q = pick(['', '', '"', "'"]);
  return `${pick(['', '  ', '\t'])}${pick(['', '', '- ', '-'])}${q}${key}${q}${pick(['', ' '])}${pick([':', ':', '=', ':=', '=>'])}${pick(['', ' ', '  ', ' '.repeat(75)])}${q}${run}${q}${pick(['', '', ',', ' ', '\r', ' # x', 'x', ' 1.2.3.4'])}`;
}

function line(): string {
  if (rnd(6) === 0) return versionish();
  let s = '';
  const n = 1 + rnd(9);
  for (let i = 0; i < n; i++) s += PIECES[rnd(PIECES.length)];
  return s;
}

describe('scan kernel', () => {
  test.each(TYPES)('lists the lines a %s file needs, with their seeds, line numbers and comment flags', (type) => {
    const kernel = scanKernel();
    const mode = commentMode(type, false);
    kernel.configure(mode.markers, mode.quotes, mode.openers, mode.openers2, mode.syntax);
    // Block comments and multi-line strings: the kernel knows their first one or two bytes.
    const openers = spanningOpeners(COMMENT_SYNTAX[type]).map((open) => open.slice(0, 2));
    let listed = 0;
    let flagged = 0;
    let prevMarked = 0;
    let versions = 0;
    for (let round = 0; round < 25; round++) {
      const lines = Array.from({ length: 60 }, line);
      const text = lines.join('\n') + (rnd(2) ? '\n' : '');
      const bytes = Buffer.from(text, 'utf8');
      bytes.copy(kernel.buf);
      const count = kernel.scan(0, bytes.length, 0);
      expect(count).toBeGreaterThanOrEqual(0);
      expect(kernel.newlines()).toBe(lines.length - 1 + (text.endsWith('\n') ? 1 : 0));
      expect(kernel.sawNonAscii()).toBe(/[^\x00-\x7f]/.test(text) ? 1 : 0);
      expect([kernel.status[0], kernel.status[1], kernel.status[2]]).toEqual([
        kernel.newlines(),
        kernel.sawNonAscii(),
        (mode.syntax & 3) === COMMENTS_DROP ? 1 : 0,
      ]);
      // Expected: per line with a seed, in byte offsets (the kernel works on bytes: a latin1 view of the line).
      const events = new Map<number, number[]>();
      for (let e = 0; e < count; e++)
        events.set(kernel.events[e * EVENT_FIELDS]!, Array.from(kernel.events.subarray(e * EVENT_FIELDS, (e + 1) * EVENT_FIELDS)));
      let offset = 0;
      let prevStart = 0;
      lines.forEach((_, n) => {
        const end = bytes.indexOf(10, offset) === -1 ? bytes.length : bytes.indexOf(10, offset);
        const raw = bytes.toString('latin1', offset, end);
        const seeds = [v4Seed(raw), v6Seed(raw)].filter((x) => x >= 0);
        const ev = events.get(offset);
        const linter = new FileLinter(type, settings);
        // What the engine reports on the line on its own must be on a listed line (or on a comment line the
        // kernel drops, where the engine reports nothing).
        const reported = new FileLinter(type, settings).line(raw, false, true).filter((f) => f.ip !== undefined);
        if (reported.length > 0) expect([raw, ev !== undefined]).toEqual([raw, true]);
        if (seeds.length === 0) {
          expect(ev).toBeUndefined();
        } else {
          const seed = Math.min(...seeds);
          const wholeLine = linter.isSkippableCommentLine(raw, 0, raw.length);
          const prevMarker = n > 0 && bytes.toString('latin1', prevStart, offset).includes('kdiag-ignore');
          const version = n > 0 && !prevMarker && v6Seed(raw) < 0 && versionLine(raw);
          if (version) versions++;
          if (ev === undefined && version) {
            // Dropped as a version line: the engine reports nothing there (checked above).
            expect(reported).toEqual([]);
          } else if (ev === undefined) {
            // Dropped: only comment lines of types without block comments or multi-line strings.
            expect(mode.syntax & 3).toBe(COMMENTS_DROP);
            expect(wholeLine || linter.isSkippableTrailingComment(raw, 0, raw.length, seed)).toBe(true);
          } else {
            expect([raw, version]).toEqual([raw, false]);
            listed++;
            expect(ev).toEqual([offset, end, offset + seed, expect.any(Number), prevStart]);
            const flags = ev[3]!;
            if ((flags & PREV_MARKER) !== 0) prevMarked++;
            expect(flags >>> FLAG_BITS).toBe(n);
            expect((flags & HAS_IPV6) !== 0).toBe(v6Seed(raw) >= 0);
            expect((flags & PREV_MARKER) !== 0).toBe(n > 0 && bytes.toString('latin1', prevStart, offset).includes('kdiag-ignore'));
            expect((flags & COMMENT_LINE) !== 0).toBe(mode.syntax !== 0 && wholeLine);
            // A trailing-comment flag must be right. The kernel leaves a line to JavaScript only when the first bytes
            // of an opener of a block comment or multi-line string come before the seed.
            const trailing = !wholeLine && linter.isSkippableTrailingComment(raw, 0, raw.length, seed);
            if ((flags & TRAILING_COMMENT) !== 0) {
              flagged++;
              expect(trailing).toBe(true);
            } else if (
              mode.syntax !== 0 &&
              !openers.some((o) => raw.slice(0, seed).includes(o)) &&
              !(
                COMMENT_SYNTAX[type].regexLiterals === true &&
                [...raw.slice(0, seed)].some((ch, i) => ch === '/' && regexStartAt(raw, 0, i, raw.length))
              )
            ) {
              expect(trailing).toBe(false);
            }
          }
        }
        prevStart = offset;
        offset = end + 1;
      });
    }
    // The generator reaches the kernel's cases for this type.
    expect(listed).toBeGreaterThan(100);
    expect(prevMarked).toBeGreaterThan(0);
    expect(versions).toBeGreaterThan(0);
    if (COMMENT_SYNTAX[type].line.length > 0 && spanningOpeners(COMMENT_SYNTAX[type]).length > 0) expect(flagged).toBeGreaterThan(0);
  });

  test('a NUL byte makes the range binary', () => {
    const kernel = scanKernel();
    kernel.configure(0, 0, 0, 0, 0);
    Buffer.from('a: 10.1.2.3\nb\0c\n').copy(kernel.buf);
    expect(kernel.scan(0, 16, 0)).toBe(-1);
    // Bytes past the range do not count.
    expect(kernel.scan(0, 12, 0)).toBe(1);
  });

  test('the rest of a line cut at the previous chunk is listed even when it looks like a comment', () => {
    const kernel = scanKernel();
    // A type whose comment lines the kernel drops (no block comments, no multi-line strings).
    const mode = commentMode('env', false);
    kernel.configure(mode.markers, mode.quotes, mode.openers, mode.openers2, mode.syntax);
    Buffer.from('# 10.1.2.3\n# 10.1.2.4\n').copy(kernel.buf);
    expect(kernel.scan(0, 22, 0)).toBe(0);
    expect(kernel.scan(0, 22, SCAN_CONTINUED)).toBe(1);
    expect(kernel.events[0]).toBe(0);
  });

  test("SCAN_FIRST drops comment lines of a file's first range when no block comment can open in it", () => {
    const kernel = scanKernel();
    const mode = commentMode('c-like', false);
    kernel.configure(mode.markers, mode.quotes, mode.openers, mode.openers2, mode.syntax);
    for (const [text, flags, listed, dropped] of [
      ['// 10.1.2.3\nx = 1\n', 0, 1, 0],
      ['// 10.1.2.3\nx = 1\n', SCAN_FIRST, 0, 1],
      ['// 10.1.2.3\n/* x */\n', SCAN_FIRST, 1, 0],
      ['a = "10.1.2.3"; // 10.9.9.9\n', SCAN_FIRST, 1, 1],
    ] as const) {
      const bytes = Buffer.from(text);
      bytes.copy(kernel.buf);
      expect([text, flags, kernel.scan(0, bytes.length, flags), kernel.status[2]]).toEqual([text, flags, listed, dropped]);
      expect(kernel.status[0]).toBe(text.split('\n').length - 1);
    }
  });

  test('hasOpener finds the first two bytes of a block-comment opener inside the range only', () => {
    const kernel = scanKernel();
    for (const [type, text, expected] of [
      ['c-like', 'a = 1; // x\nb = 2 / *3\n', 0],
      ['c-like', 'a = 1; /* x */\n', 1],
      ['c-like', `${'x'.repeat(40)}/*`, 1], // in a later block of 16 bytes, at its end
      ['helm', 'a: b\nc: "{ {"\n', 0],
      // Only the first two bytes are known: any template expression may open a comment ({{/*, {{- /*).
      ['helm', 'a: {{ .Values.x }}\n', 1],
      ['helm', 'a: b\n{{- /* c */}}\n', 1],
      ['sql', 'select 1; -- x\n', 0],
      ['sql', 'select 1; /* x */\n', 1],
      // Multi-line strings: a backquote (one byte), Python's triple quotes, an HCL heredoc.
      ['c-like', 'const t = `\n', 1],
      ['c-like', 'const t = "x";\n', 0],
      ['hash-code', 'DOC = """\n', 1],
      ['hash-code', 'a = "x" # y\n', 0],
      ['terraform', 'x = <<EOF\n', 1],
      ['terraform', 'x = 1 < 2\n', 0],
      // Shell and Dockerfile heredocs; Jinja comments.
      ['shell', 'cat <<EOF\n', 1],
      ['shell', 'a < b\n', 0],
      ['dockerfile', 'RUN <<EOF\n', 1],
      ['jinja', 'a: {# x #}\n', 1],
      ['jinja', 'a: b\n', 0],
    ] as const) {
      const mode = commentMode(type, false);
      kernel.configure(mode.markers, mode.quotes, mode.openers, mode.openers2, mode.syntax);
      const bytes = Buffer.from(text);
      bytes.copy(kernel.buf);
      expect([type, text, kernel.hasOpener(0, bytes.length)]).toEqual([type, text, expected]);
    }
    // Bytes past the range do not count, even where a vector load reads them.
    const mode = commentMode('c-like', false);
    kernel.configure(mode.markers, mode.quotes, mode.openers, mode.openers2, mode.syntax);
    Buffer.from('abc /* d').copy(kernel.buf);
    expect(kernel.hasOpener(0, 4)).toBe(0);
    expect(kernel.hasOpener(0, 6)).toBe(1);
  });
});
