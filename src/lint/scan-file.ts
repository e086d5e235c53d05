import { closeSync, openSync, readSync } from 'node:fs';
import { isAscii, isUtf8 } from 'node:buffer';
import type { FileType } from '../core/lint/comments.js';
import { FileLinter, type LineFinding, type LintSettings } from '../core/lint/engine.js';
import { hasSuppressionMarker, SUPPRESSION_MARKER } from '../core/lint/suppress.js';

/**
 * Reads one file in fixed-size chunks and feeds the lint engine only the lines that can matter.
 *
 * Speed comes from not looking at most lines at all: each chunk is viewed once as a latin1 string (a cheap
 * one-byte copy whose indices are byte offsets); a precompiled regex finds IPv4 seeds (`d.d.d.d`), a
 * colon-to-colon walk finds IPv6 seeds (`::` or `:h:h:`), and `indexOf` finds block-comment delimiters. Only
 * the lines around those hits are decoded and analysed; whole-line comments, and lines whose hits all sit in a
 * trailing comment, are skipped undecoded. A
 * `kdiag-ignore` is looked for on a candidate line and on the line before it (the only lines it can cover),
 * never across the whole file. Line numbers are counted only up to a finding (and across chunk boundaries of
 * multi-chunk files).
 *
 * Memory is bounded by the chunk size: a line longer than a chunk is cut at a separator and analysed in pieces.
 *
 * Binary files: a file holding a NUL byte, or bytes that are not valid UTF-8, is binary and skipped (its
 * findings dropped). The check runs on every chunk, so a binary tail after a text head still counts.
 */

/** A finding with its position in the file. */
export interface FileFinding extends LineFinding {
  line: number;
  /** The line, trimmed, for text output (a window around the address for very long lines). */
  excerpt: string;
}

export interface FileScanResult {
  findings: FileFinding[];
  /** True when the file turned out to be binary (nothing reported). */
  binary: boolean;
  bytes: number;
}

/**
 * Chunk size: the bound on memory per file, and the longest line analysed in one piece. 64 KiB keeps each
 * chunk's latin1 string below V8's large-object size, so it dies young in the nursery instead of piling up in
 * large-object space until a full GC (with 1 MiB chunks a 1 GB file grew the RSS by ~140 MB).
 */
export const CHUNK_SIZE = 1 << 16;

// The IPv4 prefilter: a digit, then `.d.d.d` groups. It ends where the engine's `[0-9]{1,3}\.`-led seed ends
// (both find the first dot with a digit before it and the same groups after), but starts with a single digit,
// which irregexp rejects faster at the many digits that are not followed by a dot (~15% less time).
const V4_HIT = /[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]/g;
const EXCERPT_MAX = 240;
const NO_TOKENS: number[] = [];

/** Reuses one buffer across files; not re-entrant. */
export class FileScanner {
  private buf: Buffer;

  constructor(private readonly chunkSize = CHUNK_SIZE) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** Scans `path` synchronously; throws the read error (the caller reports it and goes on). */
  scan(path: string, fileType: FileType, settings: LintSettings): FileScanResult {
    const fd = openSync(path, 'r');
    try {
      return this.scanFd(fd, fileType, settings);
    } finally {
      closeSync(fd);
    }
  }

  private scanFd(fd: number, fileType: FileType, settings: LintSettings): FileScanResult {
    const buf = this.buf;
    const size = this.chunkSize;
    const linter = new FileLinter(fileType, settings);
    // Block-comment delimiters change state on lines without any address, so they are searched for too.
    // `kdiag-ignore` is not: a suppression matters only on a candidate line or the line before one, which is
    // looked at when that candidate is found (see feedPrevious).
    const tokens = linter.blockTokens;
    const nextTok = tokens.length > 0 ? new Array<number>(tokens.length).fill(-1) : NO_TOKENS;
    const findings: FileFinding[] = [];

    let filled = 0; // bytes of buf holding file data
    let base = 0; // file offset of buf[0]
    let bytes = 0;
    let first = true;
    let eof = false;
    // Line counting: `lineAt` is the line number at buffer offset `countedTo`.
    let countedTo = 0;
    let lineAt = 1;
    // Absolute offset of the newline that ended the last line fed to the engine (-2: none yet).
    let prevFedEnd = -2;
    // Long lines: when the previous chunk ended inside a line, the code points of that line already seen.
    let carryColumns = 0;
    let midLine = false;
    // The previous chunk's last line, when it holds `kdiag-ignore` and was not fed (it may cover the next line).
    let carriedLine: string | null = null;

    // Adds a line's findings with their line number; `ls` -1 means the last line of the previous chunk.
    // `s` is the chunk's latin1 view (passed in: a closure over a per-chunk variable would move it, and every
    // access to it in the hot loop, into a heap-allocated context).
    const pushFindings = (results: LineFinding[], ls: number, text: string, continuing: boolean, s: string): void => {
      if (results.length === 0) return;
      let line: number;
      if (ls === -1) {
        line = lineAt - 1; // counted already: the chunk boundary count ended after that line
      } else {
        lineAt += countNewlines(s, countedTo, ls); // lazily, only up to a finding
        countedTo = ls;
        line = lineAt;
      }
      for (const r of results) {
        const shift = continuing ? carryColumns : 0;
        // Spelled out rather than `{ ...r }`: one hidden class for every finding, no generic property copy.
        const f: FileFinding = {
          code: r.code,
          severity: r.severity,
          column: r.column + shift,
          endColumn: r.endColumn + shift,
          message: r.message,
          hint: r.hint,
          line,
          excerpt: excerptOf(text, r.column),
        };
        if (r.ip !== undefined) f.ip = r.ip;
        if (r.object !== undefined) f.object = r.object;
        findings.push(f);
      }
    };

    for (;;) {
      const want = size - filled;
      const n = eof ? 0 : readSync(fd, buf, filled, want, null);
      // A short read of a regular file means end of file: saves one read syscall per small file.
      if (n < want) eof = true;
      filled += n;
      bytes += n;
      let start = 0;
      if (first) {
        first = false;
        if (filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3; // UTF-8 BOM
        countedTo = start;
      }
      if (filled === 0) break;

      // Where this round's processing stops: after the last newline, else (a line longer than the buffer)
      // at a separator near the end, else everything; at end of file, everything.
      let end = filled;
      let cutMidLine = false;
      if (!eof) {
        const nl = buf.lastIndexOf(10, filled - 1);
        if (nl >= start) end = nl + 1;
        else if (filled < size) {
          continue; // the buffer is not full yet: read more before deciding
        } else {
          end = safeCut(buf, start, filled);
          cutMidLine = true;
        }
      }

      const view = buf.subarray(start, end);
      // ASCII (the common case) is valid UTF-8 and lets lines be sliced from the latin1 view without decoding.
      const ascii = isAscii(view);
      if (view.indexOf(0) !== -1 || (!ascii && !isUtf8(view))) {
        return { findings: [], binary: true, bytes };
      }

      // latin1Slice: one byte per char, so string indices are byte offsets (typed below: @types/node omits it).
      const s = latin1(buf, 0, end);
      let pos = start;
      V4_HIT.lastIndex = 0;
      let nextV4 = -1;
      let nextV6 = -1;
      if (tokens.length > 0) nextTok.fill(-1);
      for (;;) {
        // The next place worth a look, from any of the prefilters.
        // `test` allocates no match array; the match holds no newline, so its last character is on its line.
        if (nextV4 !== Infinity && nextV4 < pos) {
          V4_HIT.lastIndex = pos;
          nextV4 = V4_HIT.test(s) ? V4_HIT.lastIndex - 1 : Infinity;
        }
        if (nextV6 !== Infinity && nextV6 < pos) nextV6 = nextV6Hit(s, pos);
        let p = nextV4 < nextV6 ? nextV4 : nextV6;
        for (let k = 0; k < tokens.length; k++) {
          let t = nextTok[k]!;
          if (t !== Infinity && t < pos) {
            const i = s.indexOf(tokens[k]!, pos);
            t = i === -1 ? Infinity : i;
            nextTok[k] = t;
          }
          if (t < p) p = t;
        }
        if (p === Infinity) break;

        let ls = s.lastIndexOf('\n', p - 1) + 1;
        if (ls < start) ls = start;
        let le = s.indexOf('\n', p);
        if (le === -1) le = end;
        // Whole-line comments (the commonest place for addresses in config) are skipped without decoding, and so
        // are lines whose first seed sits in a trailing comment (`x := y // mac 00:1a:2b:3c:4d:5e`) when no block
        // comment delimiter is on the line (`p` is then the line's first seed: none lies in [pos, p)).
        if (!(midLine && ls === start)) {
          let tokenOnLine = false;
          for (let k = 0; k < tokens.length; k++) if (nextTok[k]! < le) tokenOnLine = true;
          if (linter.isSkippableCommentLine(s, ls, le) || (!tokenOnLine && linter.isSkippableTrailingComment(s, ls, le, p))) {
            pos = le + 1;
            if (pos >= end) break;
            continue;
          }
        }
        let textEnd = le;
        if (textEnd > ls && s.charCodeAt(textEnd - 1) === 13) textEnd--; // CRLF
        // A fresh copy of the line (not a slice of `s`, which would keep the whole chunk alive via findings).
        const text = ascii ? latin1(buf, ls, textEnd) : buf.toString('utf8', ls, textEnd);
        const continuing = midLine && ls === start;
        // A `kdiag-ignore` on the line before, not fed yet: feed it first so that it can cover this line.
        if (prevFedEnd !== base + ls - 1) {
          if (ls > start) {
            const pls = Math.max(start, s.lastIndexOf('\n', ls - 2) + 1);
            // Search the previous line only: an unbounded indexOf would scan to the chunk's end every time.
            if (hasSuppressionMarker(s, pls, ls)) {
              let pe = ls - 1;
              if (pe > pls && s.charCodeAt(pe - 1) === 13) pe--;
              const prevText = ascii ? latin1(buf, pls, pe) : buf.toString('utf8', pls, pe);
              pushFindings(linter.line(prevText, prevFedEnd + 1 === base + pls, true), pls, prevText, false, s);
              prevFedEnd = base + ls - 1;
            }
          } else if (carriedLine !== null && !continuing) {
            pushFindings(linter.line(carriedLine, false, true), -1, carriedLine, false, s);
            prevFedEnd = base + ls - 1;
          }
        }
        // Tell the engine whether the IPv6 prefilter hit this line, so it can skip its IPv6 pass otherwise.
        const results = linter.line(text, prevFedEnd + 1 === base + ls, nextV6 < le);
        prevFedEnd = base + le;
        if (results.length > 0) pushFindings(results, ls, text, continuing, s);
        pos = le + 1;
        if (pos >= end) break;
      }

      // Keep line numbers right across the chunk boundary, then carry the unprocessed tail to the front.
      carriedLine = null;
      if (!cutMidLine && end > start && prevFedEnd !== base + end - 1) {
        const lls = Math.max(start, s.lastIndexOf('\n', end - 2) + 1);
        if (s.indexOf(SUPPRESSION_MARKER, lls) !== -1) {
          let lle = end - 1;
          if (s.charCodeAt(lle) !== 10) lle = end;
          if (lle > lls && s.charCodeAt(lle - 1) === 13) lle--;
          carriedLine = ascii ? latin1(buf, lls, lle) : buf.toString('utf8', lls, lle);
        }
      }
      if (!eof || filled > end) {
        lineAt += countNewlines(s, countedTo, end);
        countedTo = 0;
        if (cutMidLine) {
          const lineStart = midLine ? start : Math.max(start, buf.lastIndexOf(10, end - 1) + 1);
          carryColumns = (midLine ? carryColumns : 0) + countCodePoints(buf, lineStart, end);
          midLine = true;
        } else {
          carryColumns = 0;
          midLine = false;
        }
      }
      if (eof && end >= filled) break;
      buf.copy(buf, 0, end, filled);
      base += end;
      filled -= end;
    }
    return { findings, binary: false, bytes };
  }
}

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * The IPv6 prefilter: the index of the next `::`, or of `:h:h:` (1-4 hex digits each), at or after `pos`;
 * Infinity when none. Every valid IPv6 literal has one of the two, while times (`12:30:45`) and `host:port`
 * do not. A colon-to-colon walk with `indexOf` beats the equivalent regex by ~40% on YAML, where nearly every
 * line has a colon followed by a space.
 */
function nextV6Hit(s: string, pos: number): number {
  let i = s.indexOf(':', pos);
  while (i !== -1) {
    const c = s.charCodeAt(i + 1);
    if (c === 58) return i;
    if (isHexCode(c)) {
      let j = i + 2;
      let n = 1;
      while (n < 4 && isHexCode(s.charCodeAt(j))) {
        j++;
        n++;
      }
      if (s.charCodeAt(j) === 58 && isHexCode(s.charCodeAt(j + 1))) {
        let k = j + 2;
        let m = 1;
        while (m < 4 && isHexCode(s.charCodeAt(k))) {
          k++;
          m++;
        }
        if (s.charCodeAt(k) === 58) return i;
      }
    }
    i = s.indexOf(':', i + 1);
  }
  return Infinity;
}

/** One char per byte: indices are byte offsets. `latin1Slice` skips `toString`'s argument checks (not typed). */
function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}

/**
 * Number of `\n` in s[from, to). The string's `indexOf` (a builtin, memchr inside) beats a byte loop and the
 * Buffer's `indexOf`, whose JS wrapper and binding cost more per call: this runs once per line of every chunk
 * of a multi-chunk file.
 */
function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  let i = s.indexOf('\n', from);
  while (i !== -1 && i < to) {
    n++;
    i = s.indexOf('\n', i + 1);
  }
  return n;
}

/** Code points in buf[from, to): every byte that is not a UTF-8 continuation byte starts one. */
function countCodePoints(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((buf[i]! & 0xc0) !== 0x80) n++;
  return n;
}

/**
 * Where to cut a line longer than the buffer: after the last separator (space, tab, quote, comma, `;`, `>`)
 * in the last 4 KiB, so that no literal is split; failing that, at a UTF-8 character boundary.
 */
function safeCut(buf: Buffer, start: number, filled: number): number {
  for (let i = filled - 1; i > start && i > filled - 4096; i--) {
    const c = buf[i];
    if (c === 32 || c === 9 || c === 34 || c === 39 || c === 44 || c === 59 || c === 62) return i + 1;
  }
  let i = filled;
  while (i > start + 1 && (buf[i]! & 0xc0) === 0x80) i--;
  return i;
}

function excerptOf(text: string, column: number): string {
  const t = text.trim();
  if (t.length <= EXCERPT_MAX) return t;
  const at = Math.max(0, column - 1 - 80);
  return `…${text.slice(at, at + EXCERPT_MAX).trim()}…`;
}
