// The per-byte part of `kdiag lint`'s file scanner, compiled to WebAssembly by AssemblyScript (scripts/build.mjs
// writes it to src/lint/scan-wasm.generated.ts). src/lint/scan-file.ts reads each chunk of a file straight
// into BUFFER and calls `scan`, which finds the lines worth a look in one SIMD pass: it counts newlines, rejects
// NUL bytes, notes non-ASCII bytes, and checks every `.` and `:` for the start of an address, so that the
// JavaScript side never touches the other lines. Everything here is a plain function over linear memory: no
// allocation, no runtime.
//
// A line is reported (an "event") when it holds an IPv4 seed or an IPv6 seed:
//   - IPv4: a digit, a dot, then `[0-9]{1,3}\.[0-9]{1,3}\.[0-9]` (the seed is the last digit of the first such
//     match on the line, as the regex `[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]` would find it), unless it is an
//     image tag (isImageTag: `registry/app:1.2.3.4`, which the engine never reports);
//   - IPv6: a colon followed by `:`, or by `h{1,4}:h{1,4}:` (h a hex digit); the seed is that colon. Every IPv6
//     literal has one of the two, while times (`12:30:45`) and `host:port` do not.
// Bytes at or past `end` do not exist for the patterns.

/** Where JavaScript reads file data to: up to CAPACITY bytes, followed by SLACK bytes the vector loads may touch. */
const BUFFER: usize = 65536;
const CAPACITY: usize = 65536;
/** Events: EVENT_FIELDS u32 per reported line. A reported line takes at least 3 bytes (`::` and its newline). */
const EVENTS: usize = BUFFER + CAPACITY + 1024;
const EVENT_FIELDS: usize = 5;
const HAS_IPV6: u32 = 1;
const COMMENT_LINE: u32 = 2;
const TRAILING_COMMENT: u32 = 4;
const PREV_MARKER: u32 = 8;
const FLAG_BITS: u32 = 4;

/** What `scan` does with lines it finds to be comments (see `configure`). */
const COMMENTS_KEEP: u32 = 0;
const COMMENTS_FLAG: u32 = 1;
const COMMENTS_DROP: u32 = 2;
const MODE_MASK: u32 = 3;
/** Syntax bits of `configure`'s `syntax`, as in src/core/lint/comments.ts's CommentSyntax. */
const MARKER_NEEDS_SPACE: u32 = 4;
const LINE_START_ONLY: u32 = 8;
const QUOTE_NEEDS_BOUNDARY: u32 = 16;
const REGEX_LITERALS: u32 = 32;

// The file type's comment syntax, set by `configure` before its first chunk.
let lineMarkers: u32 = 0;
let quoteChars: u32 = 0;
let blockOpeners: u32 = 0;
let blockOpeners2: u32 = 0;
let syntaxBits: u32 = COMMENTS_KEEP;

let newlineCount: i32 = 0;
let highBits: i32 = 0;

/**
 * What the last `scan` found out about its range, as three u32 in memory (JavaScript reads them through a view:
 * no call): newlines, 1 when a byte was above 0x7f, 1 when comment lines were dropped (COMMENTS_DROP).
 */
const STATUS: usize = BUFFER - 32;
/** `scan`'s flags: the range starts with the rest of a line cut at the previous chunk's end. */
const SCAN_CONTINUED: u32 = 1;
/**
 * `scan`'s flags: the range is a file's first; with COMMENTS_FLAG, drop comment lines as with COMMENTS_DROP when it
 * holds no opener of a block comment or multi-line string (none can be open there).
 */
const SCAN_FIRST: u32 = 2;

/** Offset of the status words of the last `scan` in memory. */
export function statusOffset(): usize {
  return STATUS;
}

/** Offset of the read buffer in memory. */
export function bufferOffset(): usize {
  return BUFFER;
}

/** Bytes the read buffer holds. */
export function bufferCapacity(): usize {
  return CAPACITY;
}

/**
 * Offset of the event table in memory: per reported line, [lineStart, lineEnd, firstSeed, flags, previousLineStart]
 * where flags is newlinesBefore << 4 | PREV_MARKER | TRAILING_COMMENT | COMMENT_LINE | HAS_IPV6.
 */
export function eventsOffset(): usize {
  return EVENTS;
}

/** Newlines in the range given to the last `scan`. */
export function newlines(): i32 {
  return newlineCount;
}

/** True when the range given to the last `scan` held a byte above 0x7f. */
export function sawNonAscii(): bool {
  return highBits != 0;
}

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool {
  return c - 48 < 10;
}

// @ts-ignore: decorator
@inline
function isHex(c: u32): bool {
  return c - 48 < 10 || (c | 32) - 97 < 6;
}

/** The byte at `i`, or 256 (matches nothing) at or past `end`. */
// @ts-ignore: decorator
@inline
function at(i: usize, end: usize): u32 {
  return i < end ? <u32>load<u8>(BUFFER + i) : 256;
}

/**
 * With a dot at `q`: the offset of the last digit of `[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]` starting one byte
 * before `q`, or -1. Digits and dots are disjoint, so `[0-9]{1,3}\.` holds exactly when the run of digits is 1 to 3
 * long and a dot follows it.
 */
function ipv4Seed(q: usize, start: usize, end: usize): i32 {
  if (q <= start || !isDigit(at(q - 1, end))) return -1;
  let i = q + 1;
  for (let group = 0; group < 2; group++) {
    let n = 0;
    while (isDigit(at(i, end))) {
      i++;
      if (++n > 3) return -1;
    }
    if (n == 0 || at(i, end) != 46) return -1;
    i++;
  }
  return isDigit(at(i, end)) ? <i32>i : -1;
}

// @ts-ignore: decorator
@inline
function isAlnum(c: u32): bool {
  return c - 48 < 10 || (c | 32) - 97 < 26;
}

/**
 * True when the IPv4-like run holding the dot at `q` (on the line starting at `ls`) is an image tag with a
 * registry path: `registry.example.com/team/app:1.2.3.4`. The engine's rule (src/core/lint/scan.ts, contextDecoy):
 * the run (digits and `.digit` groups, as the engine extends it) follows a colon, and the text before that colon
 * matches `(?:^|[\s"'=[(,])([a-z0-9][\w.-]*(?:\/[\w.-]+)*):$` (case-insensitive) over the 200 characters before
 * the run, with a `/` in the name. The engine then never reports the run (it is a decoy, or, if an earlier check
 * fires, a decoy or not an address at all), so the kernel need not list a line for it. Anything the check cannot
 * settle byte by byte (a non-ASCII byte before the name, a name reaching past the 200 characters) is no.
 */
function isImageTag(q: usize, ls: usize): bool {
  // The run's start, as the engine extends it backwards: digits, then `.digit` groups.
  let s = q - 1;
  while (s > ls && isDigit(<u32>load<u8>(BUFFER + s - 1))) s--;
  while (s > ls + 1 && load<u8>(BUFFER + s - 1) == 46 && isDigit(<u32>load<u8>(BUFFER + s - 2))) {
    s--;
    while (s > ls && isDigit(<u32>load<u8>(BUFFER + s - 1))) s--;
  }
  if (s == ls || load<u8>(BUFFER + s - 1) != 58) return false;
  const colon = s - 1;
  // The name: the longest run of [A-Za-z0-9_.-/] before the colon, with segments between slashes non-empty.
  let n = colon;
  let slash = false;
  let segment = 0;
  while (n > ls) {
    const c = <u32>load<u8>(BUFFER + n - 1);
    if (c == 47) {
      if (segment == 0) return false; // `//` or a trailing `/`
      slash = true;
      segment = 0;
    } else if (isAlnum(c) || c == 95 || c == 46 || c == 45) {
      segment++;
    } else break;
    n--;
  }
  if (n == colon || !slash || !isAlnum(<u32>load<u8>(BUFFER + n))) return false;
  // The regex sees the 200 characters before the run: the name and what precedes it must lie inside.
  if (s - n > 199) return false;
  if (n == ls) return true;
  const b = <u32>load<u8>(BUFFER + n - 1);
  return b == 32 || (b >= 9 && b <= 13) || b == 34 || b == 39 || b == 61 || b == 91 || b == 40 || b == 44;
}

/** With a colon at `q`: true when `::` or `:h{1,4}:h{1,4}:` starts there. */
function ipv6Seed(q: usize, end: usize): bool {
  const c = at(q + 1, end);
  if (c == 58) return true;
  if (!isHex(c)) return false;
  let j = q + 2;
  for (let n = 1; n < 4 && isHex(at(j, end)); n++) j++;
  if (at(j, end) != 58 || !isHex(at(j + 1, end))) return false;
  let k = j + 2;
  for (let m = 1; m < 4 && isHex(at(k, end)); m++) k++;
  return at(k, end) == 58;
}

/** True when the 1- or 2-byte marker `m` (first byte in the low 8 bits, 0 for none) starts at `i`. */
function markerAt(i: usize, end: usize, m: u32): bool {
  if (m == 0 || at(i, end) != (m & 0xff)) return false;
  const second = m >>> 8;
  return second == 0 || at(i + 1, end) == second;
}

/**
 * True when BUFFER[from, to) holds `kdiag-ignore`: 16 bytes at a time, the positions of a `k` followed by `d`
 * are checked in full (loads may read up to 16 bytes past `to`, inside the buffer's slack).
 */
function hasSuppression(from: usize, to: usize): bool {
  const k = i8x16.splat(107);
  const d = i8x16.splat(100);
  for (let p = from; p + 12 <= to; p += 16) {
    let m = i8x16.bitmask(v128.and(i8x16.eq(v128.load(BUFFER + p), k), i8x16.eq(v128.load(BUFFER + p + 1), d)));
    while (m != 0) {
      const i = p + <usize>ctz(m);
      m &= m - 1;
      if (i + 12 > to) return false;
      // "diag-ignore": 'd','i','a','g','-','i','g','n','o','r','e'
      if (load<u32>(BUFFER + i + 1) == 0x67616964 && load<u32>(BUFFER + i + 5) == 0x6e67692d && load<u16>(BUFFER + i + 9) == 0x726f && load<u8>(BUFFER + i + 11) == 101) return true;
    }
  }
  return false;
}

/**
 * True when line [ls, le) is a whole-line comment (its first non-blank text is one of the file type's line
 * markers) holding no `kdiag-ignore`: a line the engine would not report on, unless a block
 * comment is open, which only JavaScript knows.
 */
function isCommentLine(ls: usize, le: usize): bool {
  let i = ls;
  while (i < le) {
    const c = load<u8>(BUFFER + i);
    if (c != 32 && c != 9) break;
    i++;
  }
  if (!markerAt(i, le, lineMarkers & 0xffff) && !markerAt(i, le, lineMarkers >>> 16)) return false;
  return !hasSuppression(i, le);
}

/**
 * Sets the comment syntax of the next file's chunks: `markers`, two line-comment markers of up to two bytes (16
 * bits each, first byte low, 0 for none); `quotes`, up to three quote characters (a byte each); `openers` and
 * `openers2`, the first one or two bytes of up to four openers of block comments or multi-line strings (16 bits
 * each, a second byte of 0 matching any byte: a backquote, YAML's `|`); `syntax`, a COMMENTS_* mode and the
 * MARKER_NEEDS_SPACE, LINE_START_ONLY and QUOTE_NEEDS_BOUNDARY bits. With COMMENTS_KEEP, lines are listed as they
 * are; with COMMENTS_FLAG, comment lines are listed with COMMENT_LINE or TRAILING_COMMENT set; with COMMENTS_DROP
 * (file types without block comments, where nothing else can make them matter) they are not listed at all.
 */
export function configure(markers: u32, quotes: u32, openers: u32, openers2: u32, syntax: u32): void {
  lineMarkers = markers;
  quoteChars = quotes;
  blockOpeners = openers;
  blockOpeners2 = openers2;
  syntaxBits = syntax;
}

/**
 * True when BUFFER[start, end) may hold one of the configured openers (of a block comment or a multi-line string:
 * their first bytes occur). Without one, nothing spanning lines can open in the range.
 */
export function hasOpener(start: usize, end: usize): bool {
  if (hasOpenerPair(start, end, blockOpeners)) return true;
  return blockOpeners2 != 0 && hasOpenerPair(start, end, blockOpeners2);
}

/** hasOpener for the two openers packed in `openers` (a second of 0: the first again). */
function hasOpenerPair(start: usize, end: usize, openers: u32): bool {
  const a = openers & 0xffff;
  const b = openers >>> 16 != 0 ? openers >>> 16 : a;
  const a0 = i8x16.splat(<i8>(a & 0xff));
  const a1 = i8x16.splat(<i8>(a >>> 8));
  const b0 = i8x16.splat(<i8>(b & 0xff));
  const b1 = i8x16.splat(<i8>(b >>> 8));
  // A one-byte opener: its second byte matches anything.
  const anyA = a >>> 8 == 0 ? i8x16.splat(-1) : i8x16.splat(0);
  const anyB = b >>> 8 == 0 ? i8x16.splat(-1) : i8x16.splat(0);
  for (let p = start; p < end; p += 16) {
    const v = v128.load(BUFFER + p);
    const w = v128.load(BUFFER + p + 1);
    let m = i8x16.bitmask(
      v128.or(v128.and(i8x16.eq(v, a0), v128.or(i8x16.eq(w, a1), anyA)), v128.and(i8x16.eq(v, b0), v128.or(i8x16.eq(w, b1), anyB))),
    );
    if (end - p < 16) m &= (1 << <i32>(end - p)) - 1;
    if (m != 0) return true;
  }
  return false;
}

// @ts-ignore: decorator
@inline
function isSpace(c: u32): bool {
  return c == 32 || c == 9;
}

// @ts-ignore: decorator
@inline
function isQuote(c: u32): bool {
  return c != 0 && (c == (quoteChars & 0xff) || c == ((quoteChars >>> 8) & 0xff) || c == quoteChars >>> 16);
}

/** True when one of the configured openers (see `configure`) starts at `i`. */
// @ts-ignore: decorator
@inline
function openerAt(i: usize, le: usize): bool {
  return (
    (blockOpeners != 0 && (markerAt(i, le, blockOpeners & 0xffff) || markerAt(i, le, blockOpeners >>> 16))) ||
    (blockOpeners2 != 0 && (markerAt(i, le, blockOpeners2 & 0xffff) || markerAt(i, le, blockOpeners2 >>> 16)))
  );
}

/** The characters after which a quote opens a string when QUOTE_NEEDS_BOUNDARY is set: space, tab, `=:[{,(`. */
// @ts-ignore: decorator
@inline
function isQuoteBoundary(c: u32): bool {
  return c == 32 || c == 9 || c == 61 || c == 58 || c == 91 || c == 123 || c == 44 || c == 40;
}

/**
 * True when lexing line [ls, seed] (the lexer of src/core/lint/comments.ts, from a line start outside any block
 * comment) meets a line comment before the seed, outside strings, with no block-comment opener before it: the
 * seed then sits in a trailing comment. Any bytes that may start an opener of a block comment or multi-line
 * string end the lexing with false (the JavaScript check then decides).
 */
function inTrailingComment(ls: usize, seed: usize, le: usize): bool {
  const end = seed + 1 < le ? seed + 1 : le;
  let i = ls;
  let quote: u32 = 0;
  let firstNonBlank = true;
  while (i < end) {
    const c = <u32>load<u8>(BUFFER + i);
    if (quote != 0) {
      if (c == 92 && quote != 39) {
        i += 2; // an escape (not in single quotes)
        continue;
      }
      if (c == quote) quote = 0;
      i++;
      continue;
    }
    // An opener of a block comment or multi-line string (checked before quotes: `"""` is no empty string).
    if (openerAt(i, le)) return false;
    // A `/` that may open a regular-expression literal (src/core/lint/comments.ts, regexStartAt).
    if (c == 47 && (syntaxBits & REGEX_LITERALS) != 0 && regexStartAt(ls, i, le)) return false;
    if (isQuote(c)) {
      const prev = i == ls ? 32 : <u32>load<u8>(BUFFER + i - 1);
      if ((syntaxBits & QUOTE_NEEDS_BOUNDARY) == 0 || isQuoteBoundary(prev)) {
        quote = c;
        firstNonBlank = false;
        i++;
        continue;
      }
    }
    if ((markerAt(i, le, lineMarkers & 0xffff) || markerAt(i, le, lineMarkers >>> 16)) && !isUrlSlashes(i, ls)) {
      const startOk = (syntaxBits & LINE_START_ONLY) == 0 || firstNonBlank;
      const spaceOk = (syntaxBits & MARKER_NEEDS_SPACE) == 0 || i == ls || isSpace(<u32>load<u8>(BUFFER + i - 1));
      if (startOk && spaceOk) return true;
    }
    if (!isSpace(c)) firstNonBlank = false;
    i++;
  }
  return false;
}

/** As regexStartAt in src/core/lint/comments.ts: not `//` or `/*`; at the line start or after one of `(,=:[!&|?{};`. */
function regexStartAt(ls: usize, i: usize, le: usize): bool {
  const next = at(i + 1, le);
  if (next == 47 || next == 42) return false;
  let j = i;
  while (j > ls && isSpace(<u32>load<u8>(BUFFER + j - 1))) j--;
  if (j == ls) return true;
  const b = <u32>load<u8>(BUFFER + j - 1);
  return b == 40 || b == 44 || b == 61 || b == 58 || b == 91 || b == 33 || b == 38 || b == 124 || b == 63 || b == 123 || b == 59;
}

/** True when `//` starts at `i` right after a colon: a URL (`https://...`), never a `//` comment. */
// @ts-ignore: decorator
@inline
function isUrlSlashes(i: usize, ls: usize): bool {
  return i > ls && load<u8>(BUFFER + i - 1) == 58 && load<u8>(BUFFER + i) == 47 && load<u8>(BUFFER + i + 1) == 47;
}

// @ts-ignore: decorator
@inline
function isQuoteByte(c: u32): bool {
  return c == 34 || c == 39;
}

/** Letters, digits, `_` and `-`: the bytes of a key this kernel recognizes (the engine's keys may also hold `.`). */
// @ts-ignore: decorator
@inline
function isKeyByte(c: u32): bool {
  return isAlnum(c) || c == 95 || c == 45;
}

/** True when the key [k0, k1), lower-cased, ends with `suffix` (lower-case ASCII, packed a byte each, first low). */
function keyEndsWith(k0: usize, k1: usize, suffix: u64, n: usize): bool {
  if (k1 - k0 < n) return false;
  for (let j: usize = 0; j < n; j++) {
    if ((<u32>load<u8>(BUFFER + k1 - n + j) | 32) != <u32>((suffix >> (8 * j)) & 0xff)) return false;
  }
  return true;
}

/** True when the key [k0, k1), lower-cased, holds `word` (lower-case ASCII, packed a byte each, first low). */
function keyHolds(k0: usize, k1: usize, word: u64, n: usize): bool {
  for (let i = k0; i + n <= k1; i++) if (keyEndsWith(k0, i + n, word, n)) return true;
  return false;
}

/**
 * True when line [ls, le) is a version under a version key and nothing else, a line the engine never reports on
 * (src/core/lint/scan.ts): `version: "1.2.3.4"`, `- appVersion: 1.2.3.4`, `IMAGE_TAG=1.2.3.4`, `"tag": "1.2.3.4",`.
 * The whole line must be: blanks, an optional `- `, an optional quote, a key of letters, digits, `_` and `-`
 * ending in `version`, `tag` or `tags` (any case: the engine's VERSION_KEY, which no key ending so can escape
 * through ADDRESS_KEY), an optional quote, blanks, `:`, `:=` or `=`, blanks, an optional quote, digits in groups
 * joined by single dots, an optional quote and comma, blanks, an optional CR. Then the dotted run is the line's
 * only candidate, and the engine finds its key right before it, so it is a `version` decoy if nothing else (a
 * netmask, an invalid address...) made it one first. The key must not hold what makes the engine look for a
 * declared range (`subnet`, `cidr`, ...: mayDeclare), and the line no `kdiag-ignore`.
 */
function isVersionLine(ls: usize, le: usize): bool {
  let i = ls;
  while (i < le && isSpace(<u32>load<u8>(BUFFER + i))) i++;
  if (i + 1 < le && load<u8>(BUFFER + i) == 45 && isSpace(<u32>load<u8>(BUFFER + i + 1))) {
    i++;
    while (i < le && isSpace(<u32>load<u8>(BUFFER + i))) i++;
  }
  if (i < le && isQuoteByte(<u32>load<u8>(BUFFER + i))) i++;
  const k0 = i;
  while (i < le && isKeyByte(<u32>load<u8>(BUFFER + i))) i++;
  const k1 = i;
  if (k1 == k0) return false;
  if (i < le && isQuoteByte(<u32>load<u8>(BUFFER + i))) i++;
  while (i < le && isSpace(<u32>load<u8>(BUFFER + i))) i++;
  if (i >= le) return false;
  const sep = <u32>load<u8>(BUFFER + i);
  if (sep == 58) {
    i++;
    if (i < le && load<u8>(BUFFER + i) == 61) i++;
  } else if (sep == 61) {
    i++;
  } else return false;
  while (i < le && isSpace(<u32>load<u8>(BUFFER + i))) i++;
  if (i < le && isQuoteByte(<u32>load<u8>(BUFFER + i))) i++;
  const r0 = i;
  // The engine reads the key within 80 characters before the value: all of it, here.
  if (r0 - k0 > 70 || i >= le || !isDigit(<u32>load<u8>(BUFFER + i))) return false;
  for (;;) {
    while (i < le && isDigit(<u32>load<u8>(BUFFER + i))) i++;
    if (i + 1 < le && load<u8>(BUFFER + i) == 46 && isDigit(<u32>load<u8>(BUFFER + i + 1))) i++;
    else break;
  }
  if (i < le && isQuoteByte(<u32>load<u8>(BUFFER + i))) i++;
  if (i < le && load<u8>(BUFFER + i) == 44) i++;
  while (i < le && isSpace(<u32>load<u8>(BUFFER + i))) i++;
  if (i < le && load<u8>(BUFFER + i) == 13) i++;
  if (i != le) return false;
  // "version", "tags", "tag"
  const n: usize = keyEndsWith(k0, k1, 0x6e6f6973726576, 7) ? 7 : keyEndsWith(k0, k1, 0x73676174, 4) ? 4 : keyEndsWith(k0, k1, 0x676174, 3) ? 3 : 0;
  if (n == 0) return false;
  // "ubnet", "cidr", "addresses", "ip-range" (mayDeclare: [Ss]ubnet, CIDR, cidr, kube_service_addresses, cluster-ip-range),
  // which the key can hold only when it is longer than its ending.
  if (k1 - k0 > n) {
    if (keyHolds(k0, k1, 0x74656e6275, 5) || keyHolds(k0, k1, 0x72646963, 4)) return false;
    if (keyHolds(k0, k1, 0x7365737365726464, 8) || keyHolds(k0, k1, 0x65676e61722d7069, 8)) return false;
  }
  return !hasSuppression(ls, le);
}

/**
 * Lists line [ls, le) unless it is a comment to drop or a version line (isVersionLine) that no `kdiag-ignore` on
 * the line before may concern (a reason-less one is reported only above a line that is listed) and that is not
 * the range's first line (whose line before the kernel does not see); returns the new event count.
 */
function emit(events: usize, ls: usize, le: usize, seed: i32, newlinesBefore: i32, hasV6: bool, pls: usize, mode: u32, start: usize): usize {
  if (ls > start && !hasV6 && isVersionLine(ls, le) && !(pls < ls && hasSuppression(pls, ls))) return events;
  let flags = (<u32>newlinesBefore << FLAG_BITS) | (hasV6 ? HAS_IPV6 : 0);
  if (mode != COMMENTS_KEEP) {
    let comment: u32 = 0;
    if (isCommentLine(ls, le)) comment = COMMENT_LINE;
    else if (inTrailingComment(ls, <usize>seed, le) && !hasSuppression(ls, le)) comment = TRAILING_COMMENT;
    if (comment != 0) {
      if (mode == COMMENTS_DROP) return events;
      flags |= comment;
    }
  }
  // The line before holds `kdiag-ignore` (which may cover this line).
  if (pls < ls && hasSuppression(pls, ls)) flags |= PREV_MARKER;
  const e = EVENTS + events * EVENT_FIELDS * 4;
  store<u32>(e, <u32>ls);
  store<u32>(e + 4, <u32>le);
  store<u32>(e + 8, <u32>seed);
  store<u32>(e + 12, flags);
  store<u32>(e + 16, <u32>pls);
  return events + 1;
}

/**
 * Scans BUFFER[start, end): returns the number of events written, or -1 when the range holds a NUL byte (a
 * binary file). `newlines()`, `sawNonAscii()` and the status words then describe the range. Comment lines are
 * treated as `configure` says (or dropped, see SCAN_FIRST), except the line at `start` with SCAN_CONTINUED (the
 * rest of a line cut at the previous chunk's end), which is always listed as it is.
 */
export function scan(start: usize, end: usize, flags: u32): i32 {
  const continued = (flags & SCAN_CONTINUED) != 0;
  let comments = syntaxBits & MODE_MASK;
  if ((flags & SCAN_FIRST) != 0 && comments == COMMENTS_FLAG && !hasOpener(start, end)) comments = COMMENTS_DROP;
  const nl = i8x16.splat(10);
  const dot = i8x16.splat(46);
  const colon = i8x16.splat(58);
  const zero = i8x16.splat(0);
  const digit0 = i8x16.splat(48);
  const nine = i8x16.splat(9);
  const lower = i8x16.splat(32);
  const lowerA = i8x16.splat(97);
  const five = i8x16.splat(5);
  let count: i32 = 0;
  let high: i32 = 0;
  let events: usize = 0;
  let lineStart = start;
  let prevLineStart = start;
  let lineNewlines: i32 = 0;
  // The current line's first seed (-1: none yet), and which seeds it has.
  let seed: i32 = -1;
  let hasV4 = false;
  let hasV6 = false;

  for (let p = start; p < end; p += 16) {
    const v = v128.load(BUFFER + p);
    // The bytes before and after each lane (loads may reach one byte before `start` or past `end`: the masks
    // below only pick candidates, and the scalar checks bound every read).
    const before = v128.load(BUFFER + p - 1);
    const after = v128.load(BUFFER + p + 1);
    const digitBefore = i8x16.le_u(i8x16.sub(before, digit0), nine);
    const digitAfter = i8x16.le_u(i8x16.sub(after, digit0), nine);
    const hexAfter = v128.or(digitAfter, i8x16.le_u(i8x16.sub(v128.or(after, lower), lowerA), five));
    // A dot between two digits, or a colon before a hex digit or a colon.
    const dots = v128.and(i8x16.eq(v, dot), v128.and(digitBefore, digitAfter));
    const colons = v128.and(i8x16.eq(v, colon), v128.or(hexAfter, i8x16.eq(after, colon)));
    let hits = i8x16.bitmask(v128.or(dots, colons));
    let nls = i8x16.bitmask(i8x16.eq(v, nl));
    let nul = i8x16.bitmask(i8x16.eq(v, zero));
    let hi = i8x16.bitmask(v);
    const left = end - p;
    if (left < 16) {
      const keep = (1 << <i32>left) - 1;
      hits &= keep;
      nls &= keep;
      nul &= keep;
      hi &= keep;
    }
    if (nul != 0) return -1;
    high |= hi;
    if (hits == 0 && seed < 0) {
      // Nothing here but line ends: keep count of them and of where the last two lines start.
      if (nls != 0) {
        const last = 31 - clz(nls);
        const rest = nls & ~(1 << last);
        prevLineStart = rest != 0 ? p + <usize>(32 - clz(rest)) : lineStart;
        lineStart = p + <usize>last + 1;
        count += popcnt(nls);
        lineNewlines = count;
      }
      continue;
    }
    let all = hits | nls;
    while (all != 0) {
      const bit = ctz(all);
      const q = p + <usize>bit;
      all &= all - 1;
      if ((nls >>> bit) & 1) {
        if (seed >= 0) {
          events = emit(events, lineStart, q, seed, lineNewlines, hasV6, prevLineStart, continued && lineStart == start ? COMMENTS_KEEP : comments, start);
          seed = -1;
          hasV4 = false;
          hasV6 = false;
        }
        count++;
        prevLineStart = lineStart;
        lineStart = q + 1;
        lineNewlines = count;
      } else if (load<u8>(BUFFER + q) == 46) {
        if (!hasV4) {
          const s = ipv4Seed(q, start, end);
          // An image tag is no seed: the line is listed only for another candidate.
          if (s >= 0 && !isImageTag(q, lineStart)) {
            hasV4 = true;
            if (seed < 0 || s < seed) seed = s;
          }
        }
      } else if (!hasV6 && ipv6Seed(q, end)) {
        hasV6 = true;
        if (seed < 0 || <i32>q < seed) seed = <i32>q;
      }
    }
  }
  if (seed >= 0) {
    events = emit(events, lineStart, end, seed, lineNewlines, hasV6, prevLineStart, continued && lineStart == start ? COMMENTS_KEEP : comments, start);
  }
  newlineCount = count;
  highBits = high;
  store<u32>(STATUS, <u32>count);
  store<u32>(STATUS + 4, high != 0 ? 1 : 0);
  store<u32>(STATUS + 8, comments == COMMENTS_DROP ? 1 : 0);
  return <i32>events;
}
