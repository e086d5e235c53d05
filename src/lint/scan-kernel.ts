import { SCAN_WASM_BASE64 } from './scan-wasm.generated.js';

/**
 * The WebAssembly half of the file scanner (source: assembly/scan.ts): a read buffer in its memory, and a SIMD
 * pass over it that counts newlines, rejects NUL bytes, notes non-ASCII bytes and lists the lines holding an
 * IPv4 or IPv6 seed. One module per thread, compiled on first use (about a millisecond); one instance, with its
 * own memory, per FileScanner.
 */
export interface ScanKernel {
  /** The read buffer (a view of the instance's memory, which never grows, so the view stays valid). */
  readonly buf: Buffer;
  /**
   * Per listed line: lineStart, lineEnd (its newline, or the range's end), firstSeed, flags (newlinesBefore <<
   * FLAG_BITS | PREV_MARKER | TRAILING_COMMENT | COMMENT_LINE | HAS_IPV6), previousLineStart.
   */
  readonly events: Uint32Array;
  /**
   * What the last `scan` found out about its range (read without a call into the kernel): [newlines, 1 when a
   * byte was above 0x7f, 1 when comment lines were dropped (COMMENTS_DROP, or SCAN_FIRST applied)].
   */
  readonly status: Uint32Array;
  /**
   * Sets the comment syntax for the next `scan`s (see assembly/scan.ts): line markers (two of up to two bytes),
   * quote characters (up to three), openers of block comments and multi-line strings (their first two bytes, two
   * in each of `openers` and `openers2`), and a COMMENTS_* mode
   * with the syntax bits. Comment lines without `kdiag-ignore` are then, per mode, listed as they are, flagged
   * (COMMENT_LINE, TRAILING_COMMENT) or not listed.
   */
  configure(markers: number, quotes: number, openers: number, openers2: number, syntax: number): void;
  /**
   * Scans buf[start, end): the number of lines listed in `events`, or -1 when the range holds a NUL byte. `flags`:
   * SCAN_CONTINUED lists the line at `start` as it is (the rest of a line cut at the previous chunk's end);
   * SCAN_FIRST (a file's first range) drops comment lines of a COMMENTS_FLAG syntax when the range holds no
   * opener of a block comment or multi-line string.
   */
  scan(start: number, end: number, flags: number): number;
  /** Newlines in the range of the last `scan`. */
  newlines(): number;
  /** 1 when buf[start, end) may hold a block-comment opener of the configured syntax (its first two bytes), else 0. */
  hasOpener(start: number, end: number): number;
  /** 1 when the range of the last `scan` held a byte above 0x7f, else 0. */
  sawNonAscii(): number;
}

/** Fields per line in `ScanKernel.events`, and the flags of its fourth field (as in assembly/scan.ts). */
export const EVENT_FIELDS = 5;
export const HAS_IPV6 = 1;
/** A whole-line comment without `kdiag-ignore`. */
export const COMMENT_LINE = 2;
/** The line's first seed sits in a trailing line comment (lexed from the line start, no block opener before it). */
export const TRAILING_COMMENT = 4;
/** The previous line (from previousLineStart to lineStart) holds `kdiag-ignore`. */
export const PREV_MARKER = 8;
/** `scan`'s flags (as in assembly/scan.ts). */
export const SCAN_CONTINUED = 1;
export const SCAN_FIRST = 2;
/** Bits of the fourth field below newlinesBefore. */
export const FLAG_BITS = 4;
/** `configure`'s modes, and its syntax bits (CommentSyntax's booleans). */
export const COMMENTS_KEEP = 0;
export const COMMENTS_FLAG = 1;
export const COMMENTS_DROP = 2;
/** The bits of `configure`'s `syntax` that hold the mode. */
export const MODE_MASK = 3;
export const MARKER_NEEDS_SPACE = 4;
export const LINE_START_ONLY = 8;
export const QUOTE_NEEDS_BOUNDARY = 16;
export const REGEX_LITERALS = 32;

interface Exports {
  memory: WebAssembly.Memory;
  bufferOffset(): number;
  bufferCapacity(): number;
  eventsOffset(): number;
  statusOffset(): number;
  configure(markers: number, quotes: number, openers: number, openers2: number, syntax: number): void;
  scan(start: number, end: number, flags: number): number;
  newlines(): number;
  hasOpener(start: number, end: number): number;
  sawNonAscii(): number;
}

let compiled: WebAssembly.Module | undefined;

export function scanKernel(): ScanKernel {
  compiled ??= new WebAssembly.Module(Buffer.from(SCAN_WASM_BASE64, 'base64'));
  const x = new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
  const capacity = x.bufferCapacity();
  const bufferAt = x.bufferOffset();
  const eventsAt = x.eventsOffset();
  // The kernel takes offsets into its buffer: its functions are bound here so callers pay no wrapper.
  return {
    buf: Buffer.from(x.memory.buffer, bufferAt, capacity),
    events: new Uint32Array(x.memory.buffer, eventsAt, Math.floor((x.memory.buffer.byteLength - eventsAt) / 4)),
    status: new Uint32Array(x.memory.buffer, x.statusOffset(), 3),
    configure: x.configure,
    scan: x.scan,
    newlines: x.newlines,
    hasOpener: x.hasOpener,
    sawNonAscii: x.sawNonAscii,
  };
}
