/**
 * Comment syntax per file type, and a small per-line lexer that finds the comment spans of one line.
 *
 * The lexer is deliberately line-based: strings are assumed not to span lines (true for every config format
 * lint reads, and for ordinary code), while block comments (`/* *\/`, `<!-- -->`, Helm's `{{/* *\/}}`) can, so
 * their state is carried from one line to the next by the caller. Pure: no I/O.
 */

/** The file types lint understands. `text` is for files named explicitly on the command line with no known type. */
export type FileType =
  | 'yaml'
  | 'compose'
  | 'envoy'
  | 'helm'
  | 'json'
  | 'jsonc'
  | 'env'
  | 'properties'
  | 'ini'
  | 'toml'
  | 'dockerfile'
  | 'nginx'
  | 'haproxy'
  | 'terraform'
  | 'shell'
  | 'c-like'
  | 'php'
  | 'hash-code'
  | 'sql'
  | 'lua'
  | 'markup'
  | 'text';

/** The file types that are program source (where `::` is a scope operator, not an address). */
export const CODE_TYPES: ReadonlySet<FileType> = new Set<FileType>(['c-like', 'php', 'hash-code', 'sql', 'lua']);

export interface CommentSyntax {
  /** Line comment markers, e.g. `#`, `//`. */
  line: readonly string[];
  /** A line marker counts only at the start of the line or after whitespace (YAML, shell: `a#b` is no comment). */
  markerNeedsSpace: boolean;
  /** A line marker counts only as the first non-blank character of the line (.properties, INI). */
  lineStartOnly: boolean;
  /** Block comments as [open, close]. */
  block: readonly (readonly [string, string])[];
  /** Quote characters that start strings, inside which markers mean nothing. */
  quotes: string;
  /**
   * A quote opens a string only at the start of a value (after whitespace, `=`, `:`, `[`, `{`, `,` or `(`), so
   * that `don't` in an unquoted YAML or shell value does not swallow the rest of the line.
   */
  quoteNeedsBoundary: boolean;
}

const YAML: CommentSyntax = { line: ['#'], markerNeedsSpace: true, lineStartOnly: false, block: [], quotes: `"'`, quoteNeedsBoundary: true };
const C_BLOCK = [['/*', '*/']] as const;

/** The comment syntax of each file type. */
export const COMMENT_SYNTAX: Readonly<Record<FileType, CommentSyntax>> = {
  yaml: YAML,
  compose: YAML,
  envoy: YAML,
  // Helm templates are YAML plus template comments `{{/* ... */}}` and `{{- /* ... */ -}}`.
  helm: { ...YAML, block: [['{{/*', '*/'], ['{{- /*', '*/']] },
  json: { line: [], markerNeedsSpace: false, lineStartOnly: false, block: [], quotes: '"', quoteNeedsBoundary: false },
  jsonc: { line: ['//'], markerNeedsSpace: false, lineStartOnly: false, block: C_BLOCK, quotes: '"', quoteNeedsBoundary: false },
  env: YAML,
  properties: { line: ['#', '!'], markerNeedsSpace: false, lineStartOnly: true, block: [], quotes: '', quoteNeedsBoundary: false },
  ini: { line: [';', '#'], markerNeedsSpace: true, lineStartOnly: false, block: [], quotes: `"'`, quoteNeedsBoundary: true },
  toml: { line: ['#'], markerNeedsSpace: false, lineStartOnly: false, block: [], quotes: `"'`, quoteNeedsBoundary: true },
  dockerfile: YAML,
  nginx: { line: ['#'], markerNeedsSpace: false, lineStartOnly: false, block: [], quotes: `"'`, quoteNeedsBoundary: true },
  haproxy: { line: ['#'], markerNeedsSpace: false, lineStartOnly: false, block: [], quotes: `"'`, quoteNeedsBoundary: true },
  terraform: { line: ['#', '//'], markerNeedsSpace: false, lineStartOnly: false, block: C_BLOCK, quotes: '"', quoteNeedsBoundary: false },
  shell: YAML,
  'c-like': { line: ['//'], markerNeedsSpace: false, lineStartOnly: false, block: C_BLOCK, quotes: '"\'`', quoteNeedsBoundary: false },
  php: { line: ['//', '#'], markerNeedsSpace: false, lineStartOnly: false, block: C_BLOCK, quotes: `"'`, quoteNeedsBoundary: false },
  // Python, Ruby, Perl, R, Makefiles: `#` comments.
  'hash-code': { line: ['#'], markerNeedsSpace: false, lineStartOnly: false, block: [], quotes: `"'`, quoteNeedsBoundary: false },
  sql: { line: ['--'], markerNeedsSpace: false, lineStartOnly: false, block: C_BLOCK, quotes: `"'`, quoteNeedsBoundary: false },
  lua: { line: ['--'], markerNeedsSpace: false, lineStartOnly: false, block: [], quotes: `"'`, quoteNeedsBoundary: false },
  markup: { line: [], markerNeedsSpace: false, lineStartOnly: false, block: [['<!--', '-->']], quotes: '', quoteNeedsBoundary: false },
  text: { line: [], markerNeedsSpace: false, lineStartOnly: false, block: [], quotes: '', quoteNeedsBoundary: false },
};

/** Block-comment state carried between lines: the closing token we are waiting for, or null. */
export interface CommentState {
  closer: string | null;
}

/** Comment spans of one line as flat [start, end) pairs of UTF-16 indices (reused array: copy if you keep it). */
export type Spans = number[];

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

// Characters after which a quote starts a string when `quoteNeedsBoundary` is set.
const QUOTE_BOUNDARY = new Set([' ', '\t', '=', ':', '[', '{', ',', '(']);

/**
 * Finds the comment spans of `line` and updates `state` for the next line. `out` is cleared and filled with
 * [start, end) pairs; the same array is returned.
 */
export function commentSpans(line: string, syntax: CommentSyntax, state: CommentState, out: Spans = []): Spans {
  out.length = 0;
  const len = line.length;
  let i = 0;
  if (state.closer !== null) {
    const idx = line.indexOf(state.closer);
    if (idx === -1) {
      out.push(0, len);
      return out;
    }
    i = idx + state.closer.length;
    out.push(0, i);
    state.closer = null;
  }
  let quote = '';
  let firstNonBlank = true;
  outer: while (i < len) {
    const ch = line[i]!;
    if (quote) {
      if (ch === '\\' && quote !== "'") {
        i += 2;
        continue;
      }
      if (ch === quote) quote = '';
      i++;
      continue;
    }
    if (syntax.quotes.includes(ch) && ch !== '') {
      const prev = i === 0 ? ' ' : line[i - 1]!;
      if (!syntax.quoteNeedsBoundary || QUOTE_BOUNDARY.has(prev)) {
        quote = ch;
        firstNonBlank = false;
        i++;
        continue;
      }
    }
    for (const [open, close] of syntax.block) {
      if (line.startsWith(open, i)) {
        const end = line.indexOf(close, i + open.length);
        if (end === -1) {
          out.push(i, len);
          state.closer = close;
          return out;
        }
        out.push(i, end + close.length);
        i = end + close.length;
        continue outer;
      }
    }
    for (const marker of syntax.line) {
      if (!line.startsWith(marker, i)) continue;
      if (syntax.lineStartOnly && !firstNonBlank) continue;
      if (syntax.markerNeedsSpace && i > 0 && !isSpace(line.charCodeAt(i - 1))) continue;
      out.push(i, len);
      return out;
    }
    if (!isSpace(line.charCodeAt(i))) firstNonBlank = false;
    i++;
  }
  return out;
}

/** True when index `i` lies inside one of `spans`. */
export function inSpans(spans: Spans, i: number): boolean {
  for (let k = 0; k < spans.length; k += 2) if (i >= spans[k]! && i < spans[k + 1]!) return true;
  return false;
}
