import { classifyLiteral, type ClassifySettings, type LineFinding } from './classify.js';
import { FileComments, inSpans, type FileType, type Spans } from './comments.js';
import { LINT_CODES, lintSeverity } from './catalogue.js';
import { declarations, mayDeclare, notConfiguration, type YamlParent } from './context.js';
import { contains } from './ranges.js';
import { codePointColumn, scanLine, type Address } from './scan.js';
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
 *
 * A thin composition: the comment state machine of the file (comments.ts, `FileComments`), the literal scanner
 * (scan.ts), suppressions (suppress.ts), and the classification of each reportable literal (classify.ts); this
 * module adds the policy between them (comments reported or not, the allow list, disabled codes).
 */

/** Settings shared by every file of a run (ranges, cluster objects and domain: see ClassifySettings). */
export interface LintSettings extends ClassifySettings {
  strict: boolean;
  includeComments: boolean;
  /** `.kdiag.yaml` lint.allow, parsed. */
  allow: readonly (readonly [Address, number])[];
  /** `.kdiag.yaml` lint.disable. */
  disabled: ReadonlySet<string>;
}

export type { LineFinding } from './classify.js';

/**
 * Pseudo-codes of the results that declare a range (`podSubnet: 10.244.0.0/16` in a kubeadm, kind, k3s, kubespray,
 * Terraform or Helm file): never printed, they travel with the findings (`ip` holds the CIDR) and the run collects
 * them (see `isDeclaration`).
 */
export const DECLARED_POD = '#declared-pod-range';
export const DECLARED_SERVICE = '#declared-service-range';

/** True for the pseudo-findings that carry a declared range. */
export function isDeclaration(code: string): boolean {
  return code === DECLARED_POD || code === DECLARED_SERVICE;
}
export { addressKey } from './classify.js';

const NONE: LineFinding[] = [];

export class FileLinter {
  private readonly comments: FileComments;
  /** The suppression on the last line fed, which also covers the next line. */
  private pending: Suppression | undefined;

  constructor(
    readonly fileType: FileType,
    private readonly settings: LintSettings,
  ) {
    this.comments = new FileComments(fileType);
  }

  /**
   * Openers and closers of block comments and multi-line strings of this file type: lines holding one must be fed
   * even without a candidate.
   */
  get blockTokens(): readonly string[] {
    return this.comments.blockTokens;
  }

  /**
   * Lints one line. `followsPrevious` is true when the previous line fed was the line right before this one
   * (a suppression on it then applies here). `mayHoldV6` false lets the caller's prefilter skip the IPv6 pass.
   * Returns a shared empty array when there is nothing.
   */
  line(text: string, followsPrevious: boolean, mayHoldV6 = true, parent?: () => YamlParent | undefined): LineFinding[] {
    const carried = followsPrevious ? this.pending : undefined;
    this.pending = undefined;
    const comments = this.comments;
    const markerAt = text.indexOf(SUPPRESSION_MARKER);
    // Fast path: a whole-line comment (`# ...`, `// ...`) with no suppression in it reports nothing and, being a
    // line comment, cannot open or close a block comment either.
    if (
      markerAt === -1 &&
      !this.settings.includeComments &&
      !comments.inBlock &&
      comments.wholeLineCommentAt(text, 0, text.length) !== -1
    ) {
      return NONE;
    }
    // Comment spans cost a lexer pass: only for lines that hold a comment marker (or are inside a block
    // comment). A comment that runs to the end of the line is then not scanned for addresses at all.
    let spans: Spans | undefined;
    if (comments.inBlock || markerAt !== -1 || comments.mayHoldComment(text)) spans = comments.spans(text);
    let scanText = text;
    if (spans !== undefined && spans.length > 0 && !this.settings.includeComments && spans[spans.length - 1] === text.length) {
      scanText = text.slice(0, spans[spans.length - 2]);
    }
    let out: LineFinding[] = NONE;
    // A range declared in the tree: reported to the run as a pseudo-finding (it decides severities).
    if (mayDeclare(scanText)) {
      for (const d of declarations(scanText)) {
        if (out === NONE) out = [];
        out.push({
          code: d.kind === 'pod' ? DECLARED_POD : DECLARED_SERVICE,
          severity: 'info',
          column: 1,
          endColumn: 1,
          ip: d.cidr,
          message: '',
          hint: '',
        });
      }
    }
    const literals = scanLine(scanText, this.fileType, this.settings, mayHoldV6, false);
    let reportable = false;
    for (const lit of literals) if (lit.decoy === undefined) reportable = true;
    if (!reportable && markerAt === -1) return out;

    let own: Suppression | undefined;
    if (markerAt !== -1) {
      // In files with comments, only a comment can suppress (a string mentioning kdiag-ignore does not).
      if (!comments.hasComments || (spans !== undefined && inSpans(spans, markerAt))) {
        own = parseSuppression(text.slice(markerAt), markerAt);
        if (own && own.reason === '' && !this.settings.disabled.has(LINT_CODES.suppressionWithoutReason)) {
          const column = codePointColumn(text, own.index);
          if (out === NONE) out = [];
          out.push({
            code: LINT_CODES.suppressionWithoutReason,
            severity: lintSeverity(LINT_CODES.suppressionWithoutReason),
            column,
            endColumn: column + SUPPRESSION_MARKER.length,
            message: 'kdiag-ignore without a reason',
            hint: 'say why the address is fine after a colon: `kdiag-ignore: <reason>`',
          });
        }
      }
    }
    this.pending = own;

    for (const lit of literals) {
      if (lit.decoy !== undefined) continue;
      if (!this.settings.includeComments && spans !== undefined && inSpans(spans, lit.start)) continue;
      if (this.allowed(lit.addr)) continue;
      if (notConfiguration(lit, text, parent) !== undefined) continue;
      const f = classifyLiteral(lit, text, this.settings);
      if (this.settings.disabled.has(f.code)) continue;
      if ((own && suppresses(own, f.code)) || (carried && suppresses(carried, f.code))) continue;
      if (out === NONE) out = [];
      out.push(f);
    }
    return out;
  }

  /** True while a block comment or a multi-line string is open (after the last line fed). */
  get inBlockComment(): boolean {
    return this.comments.inBlock;
  }

  /** The identifier that closes the open heredoc, or null: a line holding it must be fed. */
  get heredocCloser(): string | null {
    return this.comments.heredocCloser;
  }

  /**
   * True when line [ls, le) of `s` is a whole-line comment that cannot matter: comments are not reported, no
   * block comment is open, and it holds no `kdiag-ignore`. Lets the file scanner skip such lines without
   * decoding them (`s` may be a latin1 view: markers are ASCII).
   */
  isSkippableCommentLine(s: string, ls: number, le: number): boolean {
    if (this.settings.includeComments || this.comments.inBlock) return false;
    const at = this.comments.wholeLineCommentAt(s, ls, le);
    return at !== -1 && !hasSuppressionMarker(s, at, le);
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
    if (this.settings.includeComments) return false;
    return this.comments.trailingCommentAt(s, ls, le, firstSeed) !== -1 && !hasSuppressionMarker(s, ls, le);
  }

  /** True when `addr` is in a range of `.kdiag.yaml` lint.allow. */
  private allowed(addr: Address): boolean {
    for (const [net, bits] of this.settings.allow) if (contains(net, bits, addr)) return true;
    return false;
  }
}
