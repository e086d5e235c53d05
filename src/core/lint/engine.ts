import ipaddr from 'ipaddr.js';
import type { ObjectRef, Severity } from '../finding.js';
import {
  COMMENT_SYNTAX,
  commentSpans,
  inSpans,
  lineCommentStart,
  type CommentState,
  type CommentSyntax,
  type FileType,
  type Spans,
} from './comments.js';
import { LINT_CODES } from './catalogue.js';
import { serviceDnsName } from '../dns.js';
import { contains, describeRange, matchRanges, type ClusterObjectInfo, type NamedRange } from './ranges.js';
import { codePointColumn, DOC_RANGES, isDocumentation, scanLine, type Address, type Literal } from './scan.js';
import { hasSuppressionMarker, parseSuppression, suppresses, SUPPRESSION_MARKER, type Suppression } from './suppress.js';

/**
 * The per-file lint engine: fed lines of one file in order, it returns the findings of each line after
 * comments, suppressions, the allow list and disabled codes are applied. Pure: the caller reads the file.
 *
 * The caller may skip lines that hold no address candidate and no block-comment delimiter, whole-line comments
 * without `kdiag-ignore` (`isSkippableCommentLine`), and lines whose candidates all sit in a trailing comment
 * (`isSkippableTrailingComment`); a line with `kdiag-ignore` must be fed when it
 * holds or precedes a candidate line. Skipped lines cannot change any state, so the result is the same. (So a
 * reason-less `kdiag-ignore` that covers no candidate line is not reported: it suppresses nothing.)
 */

/** Settings shared by every file of a run. */
export interface LintSettings {
  strict: boolean;
  includeComments: boolean;
  /** Pod and Service ranges, already resolved from flags, config, cluster or defaults. */
  ranges: readonly NamedRange[];
  /** `.kdiag.yaml` lint.allow, parsed. */
  allow: readonly (readonly [Address, number])[];
  /** `.kdiag.yaml` lint.disable. */
  disabled: ReadonlySet<string>;
  /** With `--cluster`: what each current pod, Service and node IP is (keys: normalized address strings). */
  objects?: ReadonlyMap<string, ClusterObjectInfo>;
  /** For Service DNS names in hints; `cluster.local` unless told otherwise. */
  clusterDomain?: string;
}

/** A finding on one line (the caller adds file and line number). */
export interface LineFinding {
  code: string;
  severity: Severity;
  /** 1-based, in Unicode code points. */
  column: number;
  endColumn: number;
  /** The address as written (absent for `suppression-without-reason`). */
  ip?: string;
  message: string;
  hint: string;
  object?: ObjectRef;
}

const NONE: LineFinding[] = [];
const BLOCK_TOKENS = new Map<CommentSyntax, readonly string[]>();

/** Normalized text of an address, the key of `LintSettings.objects`. */
export function addressKey(addr: Address): string {
  return addr.toNormalizedString();
}

export class FileLinter {
  private readonly syntax: CommentSyntax;
  private readonly comment: CommentState = { closer: null };
  private readonly spans: Spans = [];
  /** The suppression on the last line fed, which also covers the next line. */
  private pending: Suppression | undefined;

  constructor(
    readonly fileType: FileType,
    private readonly settings: LintSettings,
  ) {
    this.syntax = COMMENT_SYNTAX[fileType];
  }

  /** Block-comment openers and closers of this file type: lines holding one must be fed even without a candidate. */
  get blockTokens(): readonly string[] {
    // Computed once per syntax (the scanner asks once per file).
    let t = BLOCK_TOKENS.get(this.syntax);
    if (!t) {
      t = this.syntax.block.flatMap(([open, close]) => [open, close]);
      BLOCK_TOKENS.set(this.syntax, t);
    }
    return t;
  }

  /**
   * Lints one line. `followsPrevious` is true when the previous line fed was the line right before this one
   * (a suppression on it then applies here). `mayHoldV6` false lets the caller's prefilter skip the IPv6 pass.
   * Returns a shared empty array when there is nothing.
   */
  line(text: string, followsPrevious: boolean, mayHoldV6 = true): LineFinding[] {
    const carried = followsPrevious ? this.pending : undefined;
    this.pending = undefined;
    const markerAt = text.indexOf(SUPPRESSION_MARKER);
    // Fast path: a whole-line comment (`# ...`, `// ...`) with no suppression in it reports nothing and, being a
    // line comment, cannot open or close a block comment either.
    if (markerAt === -1 && !this.settings.includeComments && this.comment.closer === null && this.isLineComment(text)) return NONE;
    // Comment spans cost a lexer pass: only for lines that hold a comment marker (or are inside a block
    // comment). A comment that runs to the end of the line is then not scanned for addresses at all.
    let spans: Spans | undefined;
    if (this.comment.closer !== null || markerAt !== -1 || this.mayHoldComment(text)) {
      spans = commentSpans(text, this.syntax, this.comment, this.spans);
    }
    let scanText = text;
    if (spans !== undefined && spans.length > 0 && !this.settings.includeComments && spans[spans.length - 1] === text.length) {
      scanText = text.slice(0, spans[spans.length - 2]);
    }
    const literals = scanLine(scanText, this.fileType, this.settings, mayHoldV6, false);
    let reportable = false;
    for (const lit of literals) if (lit.decoy === undefined) reportable = true;
    if (!reportable && markerAt === -1) return NONE;

    let own: Suppression | undefined;
    let out: LineFinding[] = NONE;
    if (markerAt !== -1) {
      // In files with comments, only a comment can suppress (a string mentioning kdiag-ignore does not).
      const hasComments = this.syntax.line.length > 0 || this.syntax.block.length > 0;
      if (!hasComments || (spans !== undefined && inSpans(spans, markerAt))) {
        own = parseSuppression(text.slice(markerAt), markerAt);
        if (own && own.reason === '' && !this.settings.disabled.has(LINT_CODES.suppressionWithoutReason)) {
          const column = codePointColumn(text, own.index);
          out = [
            {
              code: LINT_CODES.suppressionWithoutReason,
              severity: 'info',
              column,
              endColumn: column + SUPPRESSION_MARKER.length,
              message: 'kdiag-ignore without a reason',
              hint: 'say why the address is fine after a colon: `kdiag-ignore: <reason>`',
            },
          ];
        }
      }
    }
    this.pending = own;

    for (const lit of literals) {
      if (lit.decoy !== undefined) continue;
      if (!this.settings.includeComments && spans !== undefined && inSpans(spans, lit.start)) continue;
      if (this.allowed(lit.addr)) continue;
      const f = this.classify(lit, text);
      if (this.settings.disabled.has(f.code)) continue;
      if ((own && suppresses(own, f.code)) || (carried && suppresses(carried, f.code))) continue;
      if (out === NONE) out = [];
      out.push(f);
    }
    return out;
  }

  /** True while a block comment is open (after the last line fed). */
  get inBlockComment(): boolean {
    return this.comment.closer !== null;
  }

  /**
   * True when line [ls, le) of `s` is a whole-line comment that cannot matter: comments are not reported, no
   * block comment is open, and it holds no `kdiag-ignore`. Lets the file scanner skip such lines without
   * decoding them (`s` may be a latin1 view: markers are ASCII).
   */
  isSkippableCommentLine(s: string, ls: number, le: number): boolean {
    if (this.settings.includeComments || this.comment.closer !== null || this.syntax.line.length === 0) return false;
    let i = ls;
    while (i < le && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    let hit = false;
    for (const marker of this.syntax.line) if (s.startsWith(marker, i)) hit = true;
    return hit && !hasSuppressionMarker(s, i, le);
  }

  /**
   * True when line [ls, le) of `s` cannot report anything because its first address-like text, at `firstSeed`,
   * sits in a trailing line comment (`_ = addr // mac 00:1a:2b:3c:4d:5e`, `port: 80  # was 10.1.2.3`): comments are
   * not reported, no block comment is open, and the line holds no `kdiag-ignore`. The caller guarantees that the
   * line has no block-comment delimiter and no address-like text before `firstSeed`. Feeding such a line would
   * only lex it, find nothing before the comment and change no state (no suppression, no block comment), so the
   * scanner skips it without decoding it.
   */
  isSkippableTrailingComment(s: string, ls: number, le: number, firstSeed: number): boolean {
    if (this.settings.includeComments || this.comment.closer !== null) return false;
    return lineCommentStart(s, ls, le, firstSeed, this.syntax) !== -1 && !hasSuppressionMarker(s, ls, le);
  }

  private isLineComment(text: string): boolean {
    let i = 0;
    while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    for (const marker of this.syntax.line) if (text.startsWith(marker, i)) return true;
    return false;
  }

  /** A cheap test before lexing: does the line contain any comment marker or block opener at all? */
  private mayHoldComment(text: string): boolean {
    for (const marker of this.syntax.line) if (text.includes(marker)) return true;
    for (const [open] of this.syntax.block) if (text.includes(open)) return true;
    return false;
  }

  private allowed(addr: Address): boolean {
    for (const [net, bits] of this.settings.allow) if (contains(net, bits, addr)) return true;
    return false;
  }

  /**
   * What the ranges say of `addr`: the best matching pod or Service range (with the words for it), and the
   * words for a non-public address. For IPv4 these are the same across a /16 (unless a range of the run, a
   * documentation range or one of ipaddr.js's special ranges is narrower there), so they are worked out once
   * per /16 and run: a tree full of addresses of a few networks classifies each network once.
   */
  private rangeFacts(addr: Address): RangeFacts {
    if (addr.kind() !== 'ipv4') return computeRangeFacts(this.settings.ranges, addr);
    const o = (addr as ipaddr.IPv4).octets;
    const block = (o[0]! << 8) | o[1]!;
    let cache = FACTS.get(this.settings.ranges);
    if (cache === undefined) {
      cache = { narrow: narrowBlocks(this.settings.ranges), byBlock: new Map() };
      FACTS.set(this.settings.ranges, cache);
    }
    if (cache.narrow.has(block)) return computeRangeFacts(this.settings.ranges, addr);
    let facts = cache.byBlock.get(block);
    if (facts === undefined) {
      facts = computeRangeFacts(this.settings.ranges, addr);
      cache.byBlock.set(block, facts);
    }
    return facts;
  }

  private classify(lit: Literal, text: string): LineFinding {
    const column = codePointColumn(text, lit.start);
    // The literal itself is ASCII (digits, hex, `.`, `:`, a zone id): one column per character.
    const endColumn = column + (lit.end - lit.start);
    const domain = this.settings.clusterDomain ?? 'cluster.local';
    const obj = this.settings.objects?.get(addressKey(lit.addr));

    if (obj && obj.kind !== 'Node') {
      const isPod = obj.kind === 'Pod';
      const what = isPod ? `pod ${obj.ref.namespace}/${obj.ref.name}` : `Service ${obj.ref.namespace}/${obj.ref.name}`;
      const via = obj.via ? `, selected by Service ${obj.via.namespace}/${obj.via.name}` : '';
      const dns = obj.dnsName ?? (obj.kind === 'Service' ? serviceDnsName(obj.ref, domain) : undefined);
      return makeFinding(
        column,
        endColumn,
        lit.text,
        isPod ? LINT_CODES.pod : LINT_CODES.service,
        'error',
        `hard-coded ${isPod ? 'pod' : 'Service'} IP ${lit.text}: the IP of ${what}${via}`,
        dns
          ? `use the DNS name ${dns} instead${isPod ? ' (the Service that selects this pod)' : ''}`
          : 'no Service selects this pod: create one and use its DNS name (<service>.<namespace>.svc.cluster.local)',
        obj.ref,
      );
    }
    const { best, inRange, privateKind } = this.rangeFacts(lit.addr);
    if (best && !obj) {
      if (best.kind === 'pod') {
        return makeFinding(
          column,
          endColumn,
          lit.text,
          LINT_CODES.pod,
          'error',
          `hard-coded pod IP ${lit.text}${inRange}`,
          'pod IPs change on every restart: use the DNS name of a Service that selects the pod (<service>.<namespace>.svc.cluster.local)',
        );
      }
      return makeFinding(
        column,
        endColumn,
        lit.text,
        LINT_CODES.service,
        'error',
        `hard-coded Service IP ${lit.text}${inRange}`,
        "ClusterIPs change when a Service is re-created: use the Service's DNS name (<service>.<namespace>.svc.cluster.local)",
      );
    }
    const nodeNote = obj ? `: the address of node ${obj.ref.name}` : '';
    const nodeHint = obj
      ? 'node addresses change when nodes are replaced: reach the workload through a Service or the host by a DNS name'
      : '';
    if (privateKind !== undefined) {
      return makeFinding(
        column,
        endColumn,
        lit.text,
        LINT_CODES.private,
        'warning',
        `hard-coded private IP ${lit.text} (${privateKind})${nodeNote}`,
        nodeHint ||
          'use a DNS name (an ExternalName Service, or a setting) instead of the address; if it is intended, allow the range in .kdiag.yaml lint.allow',
        obj?.ref,
      );
    }
    return makeFinding(
      column,
      endColumn,
      lit.text,
      LINT_CODES.public,
      'warning',
      `hard-coded public IP ${lit.text}${nodeNote}`,
      nodeHint || `use the host's DNS name; if the address is intended, add \`kdiag-ignore ${LINT_CODES.public}: <reason>\``,
      obj?.ref,
    );
  }
}

/**
 * A finding as one plain literal with its keys always in the same order (so every finding shares one hidden
 * class). Built without `...spread`: a spread after the first key of an object literal is a runtime call in V8,
 * and this runs for every finding.
 */
function makeFinding(
  column: number,
  endColumn: number,
  ip: string,
  code: string,
  severity: Severity,
  message: string,
  hint: string,
  object?: ObjectRef,
): LineFinding {
  const f: LineFinding = { column, endColumn, ip, code, severity, message, hint };
  if (object) f.object = object;
  return f;
}

/** What classification needs from the ranges (see FileLinter.rangeFacts). */
interface RangeFacts {
  best: NamedRange | undefined;
  /** `: in <range words>` when `best` is set. */
  inRange: string;
  /** The words for a non-public address (privateDescription). */
  privateKind: string | undefined;
}

function computeRangeFacts(ranges: readonly NamedRange[], addr: Address): RangeFacts {
  const matched = matchRanges(ranges, addr);
  const best = matched[0];
  return { best, inRange: best ? `: in ${describeRange(best, matched)}` : '', privateKind: privateDescription(addr, addr.range()) };
}

/** Per ranges array of a run: the /16 blocks classified uncached, and the facts of the others by block. */
const FACTS = new WeakMap<readonly NamedRange[], { narrow: ReadonlySet<number>; byBlock: Map<number, RangeFacts> }>();

/**
 * The IPv4 /16 blocks (as `first octet << 8 | second`) holding a range narrower than /16: one of `ranges`, a
 * documentation range, or one of ipaddr.js's special ranges (read from the library, so a new one is honoured).
 */
function narrowBlocks(ranges: readonly NamedRange[]): ReadonlySet<number> {
  const out = new Set<number>();
  const add = (net: Address, bits: number): void => {
    if (net.kind() !== 'ipv4' || bits <= 16) return;
    const o = (net as ipaddr.IPv4).octets;
    out.add((o[0]! << 8) | o[1]!);
  };
  for (const r of ranges) add(r.net, r.bits);
  for (const [net, bits] of DOC_RANGES) add(net, bits);
  const special = (ipaddr.IPv4.prototype as unknown as { SpecialRanges?: Record<string, unknown> }).SpecialRanges;
  if (special === undefined || typeof special !== 'object') return ALL_BLOCKS;
  for (const list of Object.values(special)) {
    const items = Array.isArray(list) && Array.isArray(list[0]) ? list : [list];
    for (const item of items) {
      if (!Array.isArray(item) || !(item[0] instanceof ipaddr.IPv4) || typeof item[1] !== 'number') return ALL_BLOCKS;
      add(item[0], item[1]);
    }
  }
  return out;
}

/** Every block narrow: no caching (ipaddr.js's table has a shape this code does not know). */
const ALL_BLOCKS: ReadonlySet<number> = { has: () => true } as unknown as ReadonlySet<number>;

/** The words for a non-public range, or undefined for a public (global unicast) address. */
function privateDescription(addr: Address, range: string): string | undefined {
  if (isDocumentation(addr)) return 'documentation range';
  switch (range) {
    case 'private':
      return 'RFC 1918';
    case 'carrierGradeNat':
      return 'shared address space, RFC 6598';
    case 'linkLocal':
      return 'link-local';
    case 'uniqueLocal':
      return 'unique local, RFC 4193';
    case 'unicast':
      return undefined;
    default:
      return `${range.replace(/([A-Z])/g, ' $1').toLowerCase()} range`;
  }
}
