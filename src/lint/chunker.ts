import { readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { COMMENT_SYNTAX, spanningOpeners, type FileType } from '../core/lint/comments.js';
import {
  COMMENTS_DROP,
  COMMENTS_FLAG,
  COMMENTS_KEEP,
  LINE_START_ONLY,
  MARKER_NEEDS_SPACE,
  QUOTE_NEEDS_BOUNDARY,
  REGEX_LITERALS,
  SCAN_CONTINUED,
  SCAN_FIRST,
  scanKernel,
  type ScanKernel,
} from './scan-kernel.js';

/**
 * The reading half of the file scanner: reads a file in chunks straight into the scan kernel's memory, decides
 * where each round of processing ends (after the last newline, or inside a line longer than a chunk), and runs
 * the kernel over it. Each round goes to a callback (the line processor in src/lint/scan-file.ts). It imports no
 * lint engine code.
 *
 * Memory is bounded by the chunk size: a line longer than a chunk is cut at a separator and analysed in pieces.
 * Binary files: a round holding a NUL byte, or bytes that are not valid UTF-8, makes the file binary; the check
 * runs on every chunk, so a binary tail after a text head still counts.
 */

/** Chunk size: the bound on memory per file, and the longest line analysed in one piece (the kernel's buffer). */
export const CHUNK_SIZE = 1 << 16;

/** One round of a file: bytes [start, end) of `buf` were scanned; the kernel's findings about them. */
export interface Round {
  /** The chunk: bytes [0, end) are file data (offset 0 is `end` bytes after the previous round's offset 0). */
  buf: Buffer;
  /** The kernel's listed lines: `listed` entries of EVENT_FIELDS numbers each, from index `eventAt`. */
  events: Uint32Array;
  eventAt: number;
  listed: number;
  /** Where the round's data starts (3 after a UTF-8 byte order mark) and ends. */
  start: number;
  end: number;
  ascii: boolean;
  /** Newlines in [start, end). */
  newlines: number;
  /** The round ends inside a line longer than a chunk: the next round continues it. */
  cutMidLine: boolean;
  /** The round starts inside such a line (the previous round's cutMidLine). */
  continued: boolean;
  /** No round follows. */
  last: boolean;
  /**
   * The kernel dropped the file type's whole-line comments and the lines whose first seed sits in a trailing
   * comment: a listed line that does not continue a cut line is neither. So it does for file types without block
   * comments (COMMENTS_DROP), and for a file's first round that holds no block-comment opener (no block comment
   * can be open there, so such lines cannot matter either).
   */
  commentsDropped: boolean;
}

export interface ChunkOutcome {
  binary: boolean;
  bytes: number;
}

/** How the kernel treats comment lines of a file type: the arguments of ScanKernel.configure. */
export interface CommentMode {
  markers: number;
  quotes: number;
  openers: number;
  openers2: number;
  syntax: number;
}

const MODES = new Map<FileType, CommentMode>();
const KEEP: CommentMode = { markers: 0, quotes: 0, openers: 0, openers2: 0, syntax: COMMENTS_KEEP };
const PRINTABLE = /^[\x21-\x7e]+$/;

/** Up to `max` strings of 1 to `len` printable ASCII characters, packed a byte per character, `len` bytes each. */
function pack(items: readonly string[], max: number, len: number): number | undefined {
  if (items.length > max || !items.every((x) => x.length >= 1 && PRINTABLE.test(x))) return undefined;
  let packed = 0;
  items.forEach((x, i) => {
    for (let j = 0; j < Math.min(len, x.length); j++) packed |= x.charCodeAt(j) << (8 * (i * len + j));
  });
  return packed >>> 0;
}

/**
 * The kernel's comment mode for `fileType`: its comment syntax packed for the kernel (line markers of up to two
 * bytes, quote characters, the first one or two bytes of the openers of block comments and multi-line strings);
 * comment lines dropped where the type has neither (nothing else can make such a line matter), flagged where it
 * has (only the line processor knows whether a block comment or a multi-line string is open). With --include-comments, or a syntax that does not fit, the kernel
 * leaves comments to the line processor.
 */
export function commentMode(fileType: FileType, includeComments: boolean): CommentMode {
  if (includeComments) return KEEP;
  let mode = MODES.get(fileType);
  if (mode === undefined) {
    const syntax = COMMENT_SYNTAX[fileType];
    const markers = syntax.line.every((m) => m.length <= 2) ? pack(syntax.line, 2, 2) : undefined;
    const quotes = pack([...syntax.quotes], 3, 1);
    // Block comments and multi-line strings: the kernel leaves a line holding one of their openers to JavaScript.
    const spanning = spanningOpeners(syntax);
    // Their first two bytes, each once (`{{/*` and `{{- /*` are both `{{`), up to four.
    const prefixes = [...new Set(spanning.map((open) => open.slice(0, 2)))];
    const openers = pack(prefixes.slice(0, 2), 2, 2);
    const openers2 = pack(prefixes.slice(2), 2, 2);
    mode = KEEP;
    if (syntax.line.length > 0 && markers !== undefined && quotes !== undefined && openers !== undefined && openers2 !== undefined) {
      mode = {
        markers,
        quotes,
        openers,
        openers2,
        syntax:
          (spanning.length === 0 ? COMMENTS_DROP : COMMENTS_FLAG) |
          (syntax.markerNeedsSpace ? MARKER_NEEDS_SPACE : 0) |
          (syntax.lineStartOnly ? LINE_START_ONLY : 0) |
          (syntax.quoteNeedsBoundary ? QUOTE_NEEDS_BOUNDARY : 0) |
          (syntax.regexLiterals === true ? REGEX_LITERALS : 0),
      };
    }
    MODES.set(fileType, mode);
  }
  return mode;
}

/** Reuses one kernel across files; not re-entrant. */
export class Chunker {
  private readonly kernel: ScanKernel;
  private readonly round: Round;
  /** The comment mode the kernel has (files of a type come in runs: configured only when it changes). */
  private configured: CommentMode | undefined;

  constructor(private readonly chunkSize = CHUNK_SIZE) {
    this.kernel = scanKernel();
    if (chunkSize > this.kernel.buf.length) throw new RangeError(`chunk size ${chunkSize} is over ${this.kernel.buf.length}`);
    this.round = {
      buf: this.kernel.buf,
      events: this.kernel.events,
      eventAt: 0,
      listed: 0,
      start: 0,
      end: 0,
      ascii: true,
      newlines: 0,
      cutMidLine: false,
      continued: false,
      last: false,
      commentsDropped: false,
    };
  }

  /**
   * Reads `fd` to its end, calling `onRound` for each round (the round object and the buffer are reused: done
   * with them when the callback returns). Throws the read error. A binary file ends the reading at once.
   */
  chunk(fd: number, fileType: FileType, includeComments: boolean, onRound: (r: Round) => void): ChunkOutcome {
    const kernel = this.kernel;
    const buf = kernel.buf;
    const size = this.chunkSize;
    const round = this.round;
    const status = kernel.status;
    const mode = commentMode(fileType, includeComments);
    if (this.configured !== mode) {
      kernel.configure(mode.markers, mode.quotes, mode.openers, mode.openers2, mode.syntax);
      this.configured = mode;
    }
    let firstRound = true;
    let filled = 0; // bytes of buf holding file data
    let bytes = 0;
    let first = true;
    let eof = false;
    let midLine = false;
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

      // One SIMD pass: NUL bytes, non-ASCII bytes, newlines, and the lines holding a seed. In a first round
      // without a block-comment opener, comment lines are dropped as for types without block comments (most
      // source files have no block comment, and their comment lines then cost no JavaScript): SCAN_FIRST.
      const listed = kernel.scan(start, end, (midLine ? SCAN_CONTINUED : 0) | (firstRound ? SCAN_FIRST : 0));
      firstRound = false;
      // ASCII (the common case) is valid UTF-8 and lets lines be sliced as latin1 without decoding.
      const ascii = status[1] === 0;
      if (listed < 0 || (!ascii && !isUtf8(buf.subarray(start, end)))) return { binary: true, bytes };
      const last = eof && end >= filled;
      round.listed = listed;
      round.start = start;
      round.end = end;
      round.ascii = ascii;
      round.newlines = status[0]!;
      round.cutMidLine = cutMidLine;
      round.continued = midLine;
      round.last = last;
      round.commentsDropped = status[2] === 1;
      onRound(round);
      if (last) break;
      midLine = cutMidLine;
      buf.copy(buf, 0, end, filled);
      filled -= end;
    }
    return { binary: false, bytes };
  }
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
