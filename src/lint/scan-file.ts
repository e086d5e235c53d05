import { closeSync, constants, openSync } from 'node:fs';
import type { FileType } from '../core/lint/comments.js';
import { yamlParent } from '../core/lint/context.js';
import { FileLinter, type LineFinding, type LintSettings } from '../core/lint/engine.js';
import { SUPPRESSION_MARKER } from '../core/lint/suppress.js';
import { Chunker, CHUNK_SIZE, type Round } from './chunker.js';
import { COMMENT_LINE, EVENT_FIELDS, FLAG_BITS, HAS_IPV6, PREV_MARKER, TRAILING_COMMENT } from './scan-kernel.js';

export { CHUNK_SIZE };

/**
 * Scans one file and feeds the lint engine only the lines that can matter.
 *
 * Speed comes from not looking at most lines at all, and from doing the per-byte work in WebAssembly: the
 * chunker (src/lint/chunker.ts) reads each chunk straight into the scan kernel's memory (src/lint/scan-kernel.ts,
 * source assembly/scan.ts), whose one SIMD pass rejects NUL bytes, notes non-ASCII bytes, counts newlines and
 * lists the lines holding an IPv4 seed (`d.d.d.d`) or an IPv6 seed (`::` or `:h:h:`) with their line numbers;
 * whole-line comments are dropped or flagged there too. The line processor here then looks only at those lines
 * (and at lines holding a block-comment delimiter, which change the engine's state): lines whose seeds all sit
 * in a trailing comment are skipped undecoded, the rest are decoded and analysed. A `kdiag-ignore` is looked for
 * on a candidate line and on the line before it (the only lines it can cover), never across the whole file.
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

const EXCERPT_MAX = 240;
const NO_TOKENS: number[] = [];
const NO_FINDINGS: FileFinding[] = [];

/** Reads and processes files on this thread; reuses one chunker across files; not re-entrant. */
export class FileScanner {
  private readonly chunker: Chunker;
  // The file being scanned: its line processor is made at its first round that can matter.
  private fileType: FileType = 'text';
  private settings: LintSettings | undefined;
  private lines: LineProcessor | undefined;
  /** One callback for every file (no closure per file). */
  private readonly onRound = (round: Round): void => {
    let lines = this.lines;
    if (lines === undefined) {
      // A file read in one round with no line listed cannot report anything (lines fed for a block-comment
      // delimiter alone report nothing without a listed line after them): no line processor for it.
      if (round.last && round.listed === 0) return;
      lines = this.lines = new LineProcessor(this.fileType, this.settings!);
    }
    lines.round(round);
  };

  constructor(chunkSize = CHUNK_SIZE) {
    this.chunker = new Chunker(chunkSize);
  }

  /** Scans `path` synchronously; throws the read error (the caller reports it and goes on). */
  scan(path: string, fileType: FileType, settings: LintSettings): FileScanResult {
    const fd = openSync(path, constants.O_RDONLY); // a number: no flag string to parse per file
    this.fileType = fileType;
    this.settings = settings;
    this.lines = undefined;
    try {
      const r = this.chunker.chunk(fd, fileType, settings.includeComments, this.onRound);
      const lines = this.lines as LineProcessor | undefined;
      return { findings: r.binary || lines === undefined ? NO_FINDINGS : lines.findings, binary: r.binary, bytes: r.bytes };
    } finally {
      this.lines = undefined;
      closeSync(fd);
    }
  }
}

/**
 * The JavaScript half of the scan of one file: takes the chunker's rounds in order and feeds the engine the
 * lines that can matter, keeping line numbers, block-comment state, suppressions and long-line columns right
 * across rounds.
 */
export class LineProcessor {
  readonly findings: FileFinding[] = [];
  private readonly linter: FileLinter;
  private readonly tokens: readonly string[];
  private readonly nextTok: number[];
  /** YAML-like files: each line fed is told the key of the block it belongs to (prose, range lists). */
  private readonly yamlLike: boolean;
  /** File offset of the current round's buf[0]. */
  private base = 0;
  /** The line number of the line at the current round's `start`. */
  private lineAt = 1;
  /** Absolute offset of the newline that ended the last line fed to the engine (-2: none yet). */
  private prevFedEnd = -2;
  /** Long lines: when the previous round ended inside a line, the code points of that line already seen. */
  private carryColumns = 0;
  /** The previous round's last line, when it holds `kdiag-ignore` and was not fed (it may cover the next line). */
  private carriedLine: string | null = null;
  /** What a block-delimiter line at the end of the previous round reported: it counts if the next line is listed. */
  private held: FileFinding[] | null = null;

  constructor(fileType: FileType, settings: LintSettings) {
    this.linter = new FileLinter(fileType, settings);
    this.yamlLike = fileType === 'yaml' || fileType === 'compose' || fileType === 'helm' || fileType === 'envoy';
    // Delimiters of block comments and multi-line strings change state on lines without any address, so they are
    // searched for too.
    // `kdiag-ignore` is not: a suppression matters only on a candidate line or the line before one, which is
    // looked at when that candidate is found.
    this.tokens = this.linter.blockTokens;
    this.nextTok = this.tokens.length > 0 ? new Array<number>(this.tokens.length).fill(-1) : NO_TOKENS;
  }

  /** Adds a line's findings. */
  private push(results: LineFinding[], line: number, text: string, continuing: boolean, to = this.findings): void {
    const shift = continuing ? this.carryColumns : 0;
    for (const r of results) {
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
      to.push(f);
    }
  }

  round(r: Round): void {
    const { buf, events, start, end, ascii } = r;
    if (this.held !== null) {
      const h = this.held;
      this.held = null;
      if (r.listed > 0 && events[r.eventAt] === start && !commentEvent(events, r.eventAt)) for (const f of h) this.findings.push(f);
    }
    const linter = this.linter;
    const tokens = this.tokens;
    const nextTok = this.nextTok;
    const base = this.base;
    const lineAt = this.lineAt;
    const midLine = r.continued;
    let prevFedEnd = this.prevFedEnd;
    // Searches for block-comment tokens and line starts must not see bytes past `end`.
    const view = tokens.length > 0 ? buf.subarray(0, end) : buf;

    let pos = start;
    let ev = r.eventAt;
    const evEnd = ev + r.listed * EVENT_FIELDS;
    if (tokens.length > 0) nextTok.fill(-1);
    for (;;) {
      // The next line worth a look: the next listed line, or a line holding a block-comment delimiter.
      const evStart = ev < evEnd ? events[ev]! : Infinity;
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
      // An open heredoc ends at a line holding its identifier: such lines are fed too.
      const closer = linter.heredocCloser;
      if (closer !== null) {
        const i = view.indexOf(closer, pos);
        if (i !== -1 && i < tok) tok = i;
      }
      let ls: number;
      let le: number;
      let p: number;
      let mayHoldV6: boolean;
      let newlinesBefore: number;
      let pls: number;
      /** Whether the previous line holds `kdiag-ignore`: 1, 0, or -1 when the kernel did not say. */
      let prevMarker: number;
      const tokenLine = tok < evStart;
      if (tokenLine) {
        // A delimiter on a line without seeds: fed so that the engine follows the block comment.
        ls = lineStartOf(view, tok, start);
        le = view.indexOf(10, tok);
        if (le === -1) le = end;
        p = tok;
        mayHoldV6 = false;
        newlinesBefore = -1;
        pls = -1;
        prevMarker = -1;
      } else {
        if (evStart === Infinity) break;
        ls = evStart;
        le = events[ev + 1]!;
        p = events[ev + 2]!;
        const packed = events[ev + 3]!;
        mayHoldV6 = (packed & HAS_IPV6) !== 0;
        newlinesBefore = packed >>> FLAG_BITS;
        pls = events[ev + 4]!;
        prevMarker = (packed & PREV_MARKER) !== 0 ? 1 : 0;
        ev += EVENT_FIELDS;
        // A comment without `kdiag-ignore` (a whole line, or a trailing comment holding the line's first seed):
        // nothing to report unless a block comment is open, or (trailing) a block-comment delimiter is on the line.
        if ((packed & (COMMENT_LINE | TRAILING_COMMENT)) !== 0 && !linter.inBlockComment) {
          let skip = true;
          if ((packed & TRAILING_COMMENT) !== 0) for (let k = 0; k < tokens.length; k++) if (nextTok[k]! < le) skip = false;
          if (skip) {
            pos = le + 1;
            if (pos >= end) break;
            continue;
          }
        }
      }
      const continuing = midLine && ls === start;
      // The raw line (with a CR, if any), one byte per char: indices are byte offsets from `ls`.
      const raw = latin1(buf, ls, le);
      // Whole-line comments are skipped without decoding, and so are lines whose first seed sits in a trailing
      // comment (`x := y // mac 00:1a:2b:3c:4d:5e`) when no block comment delimiter is on the line (`p` is then
      // the line's first seed). Where the kernel dropped such lines itself, a listed line is neither.
      if (!continuing && !r.commentsDropped) {
        let tokenOnLine = false;
        for (let k = 0; k < tokens.length; k++) if (nextTok[k]! < le) tokenOnLine = true;
        if (
          linter.isSkippableCommentLine(raw, 0, raw.length) ||
          (!tokenOnLine && linter.isSkippableTrailingComment(raw, 0, raw.length, p - ls))
        ) {
          pos = le + 1;
          if (pos >= end) break;
          continue;
        }
      }
      if (newlinesBefore < 0) newlinesBefore = countNewlines(view, start, ls);
      let textEnd = le;
      if (textEnd > ls && buf[textEnd - 1] === 13) textEnd--; // CRLF
      const text = ascii ? (textEnd === le ? raw : raw.slice(0, textEnd - ls)) : buf.toString('utf8', ls, textEnd);
      // A `kdiag-ignore` on the line before, not fed yet: feed it first so that it can cover this line.
      if (prevFedEnd !== base + ls - 1) {
        if (ls > start) {
          if (pls < 0) pls = lineStartOf(view, ls - 1, start);
          // Search the previous line only (the kernel did for the lines it listed).
          if (prevMarker === 1 || (prevMarker < 0 && hasMarker(buf, pls, ls))) {
            let pe = ls - 1;
            if (pe > pls && buf[pe - 1] === 13) pe--;
            const prevText = ascii ? latin1(buf, pls, pe) : buf.toString('utf8', pls, pe);
            const results = linter.line(prevText, prevFedEnd + 1 === base + pls, true);
            if (results.length > 0) this.push(results, lineAt + newlinesBefore - 1, prevText, false);
            prevFedEnd = base + ls - 1;
          }
        } else if (this.carriedLine !== null && !continuing) {
          const carried = this.carriedLine;
          const results = linter.line(carried, false, true);
          if (results.length > 0) this.push(results, lineAt - 1, carried, false);
          prevFedEnd = base + ls - 1;
        }
      }
      // Tell the engine whether the IPv6 prefilter hit this line, so it can skip its IPv6 pass otherwise.
      const parent = this.yamlLike && !tokenLine ? () => yamlParent(buf, ls, start) : undefined;
      const results = linter.line(text, prevFedEnd + 1 === base + ls, mayHoldV6, parent);
      prevFedEnd = base + le;
      // A line fed only for its block-comment delimiter has no address: what it can report is a `kdiag-ignore`
      // without a reason, which counts only right above a line with an address-like literal outside a comment
      // (the next line, listed and not flagged as a comment), as everywhere else.
      if (results.length > 0) {
        if (!tokenLine || (evStart === le + 1 && !commentEvent(events, ev))) this.push(results, lineAt + newlinesBefore, text, continuing);
        else if (le + 1 >= end && !r.last) {
          // The next line is in the next round.
          this.held = [];
          this.push(results, lineAt + newlinesBefore, text, continuing, this.held);
        }
      }
      pos = le + 1;
      if (pos >= end) break;
    }
    this.prevFedEnd = prevFedEnd;
    if (r.last) return;

    // Keep line numbers right across the round boundary; remember a last line with `kdiag-ignore`.
    this.carriedLine = null;
    if (!r.cutMidLine && end > start && prevFedEnd !== base + end - 1) {
      const lls = end - 1 > start ? Math.max(start, buf.lastIndexOf(10, end - 2) + 1) : start;
      if (hasMarker(buf, lls, end)) {
        let lle = end - 1;
        if (buf[lle] !== 10) lle = end;
        if (lle > lls && buf[lle - 1] === 13) lle--;
        this.carriedLine = ascii ? latin1(buf, lls, lle) : buf.toString('utf8', lls, lle);
      }
    }
    this.lineAt = lineAt + r.newlines;
    if (r.cutMidLine) {
      const lineStart = midLine ? start : Math.max(start, buf.lastIndexOf(10, end - 1) + 1);
      this.carryColumns = (midLine ? this.carryColumns : 0) + countCodePoints(buf, lineStart, end);
    } else {
      this.carryColumns = 0;
    }
    this.base = base + end;
  }
}

/** True when the kernel flagged the listed line at `events[at]` as a whole-line or trailing comment. */
function commentEvent(events: Uint32Array, at: number): boolean {
  return (events[at + 3]! & (COMMENT_LINE | TRAILING_COMMENT)) !== 0;
}

/** Newlines in buf[from, to) (for the rare lines the kernel did not list: block-comment delimiters). */
function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i !== -1 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
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

function excerptOf(text: string, column: number): string {
  const t = text.trim();
  if (t.length <= EXCERPT_MAX) return t;
  const at = Math.max(0, column - 1 - 80);
  return `…${text.slice(at, at + EXCERPT_MAX).trim()}…`;
}
