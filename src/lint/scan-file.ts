import { closeSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { COMMENT_SYNTAX, type FileType } from '../core/lint/comments.js';
import { FileLinter, type LineFinding, type LintSettings } from '../core/lint/engine.js';
import { SUPPRESSION_MARKER } from '../core/lint/suppress.js';
import { COMMENT_LINE, COMMENTS_DROP, COMMENTS_FLAG, COMMENTS_KEEP, EVENT_FIELDS, HAS_IPV6, scanKernel, type ScanKernel } from './scan-kernel.js';

/**
 * Reads one file in fixed-size chunks and feeds the lint engine only the lines that can matter.
 *
 * Speed comes from not looking at most lines at all, and from doing the per-byte work in WebAssembly: each chunk
 * is read straight into the scan kernel's memory (src/lint/scan-kernel.ts, source assembly/scan.ts), whose one
 * SIMD pass rejects NUL bytes, notes non-ASCII bytes, counts newlines and lists the lines holding an IPv4 seed
 * (`d.d.d.d`) or an IPv6 seed (`::` or `:h:h:`), with their line numbers; whole-line comments are dropped or
 * flagged there too. JavaScript then looks only at those lines (and at lines holding a block-comment delimiter,
 * which change the engine's state): lines whose seeds all sit in a trailing comment are skipped undecoded, the
 * rest are decoded and analysed. A `kdiag-ignore` is looked for on a candidate line and on the line before it
 * (the only lines it can cover), never across the whole file.
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

/** Chunk size: the bound on memory per file, and the longest line analysed in one piece (the kernel's buffer). */
export const CHUNK_SIZE = 1 << 16;

const EXCERPT_MAX = 240;
const NO_TOKENS: number[] = [];

/** Reuses one buffer across files; not re-entrant. */
export class FileScanner {
  private readonly kernel: ScanKernel;

  constructor(private readonly chunkSize = CHUNK_SIZE) {
    this.kernel = scanKernel();
    if (chunkSize > this.kernel.buf.length) throw new RangeError(`chunk size ${chunkSize} is over ${this.kernel.buf.length}`);
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
    const kernel = this.kernel;
    const buf = kernel.buf;
    const events = kernel.events;
    const size = this.chunkSize;
    const linter = new FileLinter(fileType, settings);
    // Block-comment delimiters change state on lines without any address, so they are searched for too.
    // `kdiag-ignore` is not: a suppression matters only on a candidate line or the line before one, which is
    // looked at when that candidate is found.
    const tokens = linter.blockTokens;
    const nextTok = tokens.length > 0 ? new Array<number>(tokens.length).fill(-1) : NO_TOKENS;
    const findings: FileFinding[] = [];
    // Whole-line comments the kernel can recognize: without block comments it drops them, else it flags them.
    const markers = settings.includeComments ? 0 : lineMarkers(fileType);
    const comments = markers === 0 ? COMMENTS_KEEP : tokens.length === 0 ? COMMENTS_DROP : COMMENTS_FLAG;

    let filled = 0; // bytes of buf holding file data
    let base = 0; // file offset of buf[0]
    let bytes = 0;
    let first = true;
    let eof = false;
    // The line number of the line at this round's `start`.
    let lineAt = 1;
    // Absolute offset of the newline that ended the last line fed to the engine (-2: none yet).
    let prevFedEnd = -2;
    // Long lines: when the previous chunk ended inside a line, the code points of that line already seen.
    let carryColumns = 0;
    let midLine = false;
    // The previous chunk's last line, when it holds `kdiag-ignore` and was not fed (it may cover the next line).
    let carriedLine: string | null = null;

    // Adds a line's findings.
    const pushFindings = (results: LineFinding[], line: number, text: string, continuing: boolean): void => {
      if (results.length === 0) return;
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

      // One SIMD pass: NUL bytes, non-ASCII bytes, newlines, and the lines holding a seed.
      const listed = kernel.scan(start, end, markers, comments, midLine);
      // ASCII (the common case) is valid UTF-8 and lets lines be sliced as latin1 without decoding.
      const ascii = kernel.sawNonAscii() === 0;
      if (listed < 0 || (!ascii && !isUtf8(buf.subarray(start, end)))) {
        return { findings: [], binary: true, bytes };
      }
      // Searches for block-comment tokens and line starts must not see the stale bytes past `end`.
      const view = tokens.length > 0 ? buf.subarray(0, end) : buf;

      let pos = start;
      let ev = 0;
      if (tokens.length > 0) nextTok.fill(-1);
      for (;;) {
        // The next line worth a look: the next listed line, or a line holding a block-comment delimiter.
        const evStart = ev < listed ? events[ev * EVENT_FIELDS]! : Infinity;
        let tok = Infinity;
        for (let k = 0; k < tokens.length; k++) {
          let t = nextTok[k]!;
          if (t !== Infinity && t < pos) {
            const i = view.indexOf(tokens[k]!, pos);
            t = i === -1 ? Infinity : i;
            nextTok[k] = t;
          }
          if (t < tok) tok = t;
        }
        let ls: number;
        let le: number;
        let p: number;
        let mayHoldV6: boolean;
        let newlinesBefore: number;
        let pls: number;
        if (tok < evStart) {
          // A delimiter on a line without seeds: fed so that the engine follows the block comment.
          ls = lineStartOf(view, tok, start);
          le = view.indexOf(10, tok);
          if (le === -1) le = end;
          p = tok;
          mayHoldV6 = false;
          newlinesBefore = -1;
          pls = -1;
        } else {
          if (evStart === Infinity) break;
          const o = ev * EVENT_FIELDS;
          ls = evStart;
          le = events[o + 1]!;
          p = events[o + 2]!;
          const packed = events[o + 3]!;
          mayHoldV6 = (packed & HAS_IPV6) !== 0;
          newlinesBefore = packed >>> 2;
          pls = events[o + 4]!;
          ev++;
          // A whole-line comment without `kdiag-ignore`: nothing to report unless a block comment is open.
          if ((packed & COMMENT_LINE) !== 0 && !linter.inBlockComment) {
            pos = le + 1;
            if (pos >= end) break;
            continue;
          }
        }
        const continuing = midLine && ls === start;
        // The raw line (with a CR, if any), one byte per char: indices are byte offsets from `ls`.
        const raw = latin1(buf, ls, le);
        // Whole-line comments (the commonest place for addresses in config) are skipped without decoding, and so
        // are lines whose first seed sits in a trailing comment (`x := y // mac 00:1a:2b:3c:4d:5e`) when no block
        // comment delimiter is on the line (`p` is then the line's first seed).
        if (!continuing) {
          let tokenOnLine = false;
          for (let k = 0; k < tokens.length; k++) if (nextTok[k]! < le) tokenOnLine = true;
          if (linter.isSkippableCommentLine(raw, 0, raw.length) || (!tokenOnLine && linter.isSkippableTrailingComment(raw, 0, raw.length, p - ls))) {
            pos = le + 1;
            if (pos >= end) break;
            continue;
          }
        }
        if (newlinesBefore < 0) newlinesBefore = kernel.countNewlines(start, ls);
        let textEnd = le;
        if (textEnd > ls && buf[textEnd - 1] === 13) textEnd--; // CRLF
        const text = ascii ? (textEnd === le ? raw : raw.slice(0, textEnd - ls)) : buf.toString('utf8', ls, textEnd);
        // A `kdiag-ignore` on the line before, not fed yet: feed it first so that it can cover this line.
        if (prevFedEnd !== base + ls - 1) {
          if (ls > start) {
            if (pls < 0) pls = lineStartOf(view, ls - 1, start);
            // Search the previous line only.
            if (hasMarker(buf, pls, ls)) {
              let pe = ls - 1;
              if (pe > pls && buf[pe - 1] === 13) pe--;
              const prevText = ascii ? latin1(buf, pls, pe) : buf.toString('utf8', pls, pe);
              pushFindings(linter.line(prevText, prevFedEnd + 1 === base + pls, true), lineAt + newlinesBefore - 1, prevText, false);
              prevFedEnd = base + ls - 1;
            }
          } else if (carriedLine !== null && !continuing) {
            pushFindings(linter.line(carriedLine, false, true), lineAt - 1, carriedLine, false);
            prevFedEnd = base + ls - 1;
          }
        }
        // Tell the engine whether the IPv6 prefilter hit this line, so it can skip its IPv6 pass otherwise.
        const results = linter.line(text, prevFedEnd + 1 === base + ls, mayHoldV6);
        prevFedEnd = base + le;
        if (results.length > 0) pushFindings(results, lineAt + newlinesBefore, text, continuing);
        pos = le + 1;
        if (pos >= end) break;
      }

      // Keep line numbers right across the chunk boundary, then carry the unprocessed tail to the front.
      carriedLine = null;
      if (!cutMidLine && end > start && prevFedEnd !== base + end - 1) {
        const lls = end - 1 > start ? Math.max(start, buf.lastIndexOf(10, end - 2) + 1) : start;
        if (hasMarker(buf, lls, end)) {
          let lle = end - 1;
          if (buf[lle] !== 10) lle = end;
          if (lle > lls && buf[lle - 1] === 13) lle--;
          carriedLine = ascii ? latin1(buf, lls, lle) : buf.toString('utf8', lls, lle);
        }
      }
      if (!eof || filled > end) {
        lineAt += kernel.newlines();
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

const MARKERS = new Map<FileType, number>();

/**
 * The line-comment markers of `fileType` packed for the kernel (two of up to two ASCII bytes, 16 bits each), or
 * 0 when it has none or they do not fit (the JavaScript check then does all the work).
 */
function lineMarkers(fileType: FileType): number {
  let m = MARKERS.get(fileType);
  if (m === undefined) {
    const line = COMMENT_SYNTAX[fileType].line;
    m = 0;
    if (line.length > 0 && line.length <= 2 && line.every((x) => x.length <= 2 && /^[\x21-\x7e]+$/.test(x))) {
      line.forEach((x, i) => {
        const packed = x.charCodeAt(0) | (x.length > 1 ? x.charCodeAt(1) << 8 : 0);
        m! |= packed << (16 * i);
      });
      m >>>= 0;
    }
    MARKERS.set(fileType, m);
  }
  return m;
}

/** The start of the line holding offset `i` (not before `start`). */
function lineStartOf(buf: Buffer, i: number, start: number): number {
  return i > start ? Math.max(start, buf.lastIndexOf(10, i - 1) + 1) : start;
}

const MARKER = Buffer.from(SUPPRESSION_MARKER, 'latin1');

/** True when buf[from, to) holds `kdiag-ignore` (a first-letter scan: no allocation). */
function hasMarker(buf: Buffer, from: number, to: number): boolean {
  const last = to - MARKER.length;
  for (let i = from; i <= last; i++) {
    if (buf[i] !== 107 /* k */) continue;
    let j = 1;
    while (j < MARKER.length && buf[i + j] === MARKER[j]) j++;
    if (j === MARKER.length) return true;
  }
  return false;
}

/** One char per byte: indices are byte offsets. `latin1Slice` skips `toString`'s argument checks (not typed). */
function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
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
