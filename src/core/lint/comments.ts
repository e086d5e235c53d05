/**
 * Comment syntax per file type, and a small per-line lexer that finds the comment spans of one line.
 *
 * The lexer runs line by line. Ordinary quoted strings end on their line, while block comments (`/* *\/`,
 * `<!-- -->`, Helm's `{{/* *\/}}`) and the multi-line strings of some file types (Go raw strings and JS/TS
 * template literals in backquotes, Python's triple quotes, HCL heredocs `<<EOF` / `<<-EOF`, shell and Dockerfile
 * heredocs `<<EOF` / `<<-EOF` / `<<'EOF'`) can span lines: their state is carried from one line to the next
 * (`CommentState`). Inside a multi-line string, `//`, `#` and `/*` are text: no comment starts there, and an
 * address there is found. YAML block scalars (`|`, `>`) are not tracked: their text is another format's (a shell
 * script, nginx, TOML, INI, a Corefile, YAML), and all of those read a `#` after a blank as a comment, as YAML
 * does; the real-world measure found only commented-out lines of such files when block scalars were read as
 * text (bench/README.md). Pure: no I/O.
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
  | 'jsonnet'
  | 'jinja'
  | 'nix'
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
  /**
   * Strings that may span lines, as [open, close] (a backslash escapes the next character inside them). Checked
   * before `quotes`, so `"""` opens a triple-quoted string, not an empty one.
   */
  strings: readonly (readonly [string, string])[];
  /**
   * Heredocs, which end at a line holding only their identifier `ID`: `hcl`, `<<ID` or `<<-ID` ending a line;
   * `shell`, `<<ID`, `<<-ID`, `<<'ID'` or `<<"ID"` anywhere in the code of a line (the rest of that line is still
   * code; the heredoc's text starts on the next line). `<<<` (a here-string) and `<<` inside `((...))` open none.
   */
  heredoc: false | 'hcl' | 'shell';
  /**
   * JavaScript regular-expression literals (`/[`'"]/`): a `/` where an operand starts (see `regexStartAt`) opens
   * one when it closes on the line; quotes and backquotes inside it open nothing.
   */
  regexLiterals?: boolean;
}

const YAML: CommentSyntax = {
  line: ['#'],
  markerNeedsSpace: true,
  lineStartOnly: false,
  block: [],
  quotes: `"'`,
  quoteNeedsBoundary: true,
  strings: [],
  heredoc: false,
};
/** Shell scripts and Dockerfiles: `#` comments, and heredocs whose `#` is text. */
const SHELL: CommentSyntax = { ...YAML, heredoc: 'shell' };
const C_BLOCK = [['/*', '*/']] as const;

/** The comment syntax of each file type. */
export const COMMENT_SYNTAX: Readonly<Record<FileType, CommentSyntax>> = {
  yaml: YAML,
  compose: YAML,
  envoy: YAML,
  // Helm templates are YAML plus template comments `{{/* ... */}}` and `{{- /* ... */ -}}`.
  helm: {
    ...YAML,
    block: [
      ['{{/*', '*/'],
      ['{{- /*', '*/'],
    ],
  },
  json: {
    line: [],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [],
    quotes: '"',
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  jsonc: {
    line: ['//'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: C_BLOCK,
    quotes: '"',
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  env: YAML,
  properties: {
    line: ['#', '!'],
    markerNeedsSpace: false,
    lineStartOnly: true,
    block: [],
    quotes: '',
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  ini: {
    line: [';', '#'],
    markerNeedsSpace: true,
    lineStartOnly: false,
    block: [],
    quotes: `"'`,
    quoteNeedsBoundary: true,
    strings: [],
    heredoc: false,
  },
  toml: {
    line: ['#'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [],
    quotes: `"'`,
    quoteNeedsBoundary: true,
    strings: [],
    heredoc: false,
  },
  // Dockerfiles: `RUN <<EOF` heredocs (BuildKit).
  dockerfile: SHELL,
  nginx: {
    line: ['#'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [],
    quotes: `"'`,
    quoteNeedsBoundary: true,
    strings: [],
    heredoc: false,
  },
  haproxy: {
    line: ['#'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [],
    quotes: `"'`,
    quoteNeedsBoundary: true,
    strings: [],
    heredoc: false,
  },
  // HCL: heredocs (`<<EOF`, `<<-EOF`) hold scripts and files whose `#` and `//` are text.
  terraform: {
    line: ['#', '//'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: C_BLOCK,
    quotes: '"',
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: 'hcl',
  },
  shell: SHELL,
  // Backquotes: Go raw strings and JS/TS template literals, both of which may span lines.
  'c-like': {
    line: ['//'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: C_BLOCK,
    quotes: `"'`,
    quoteNeedsBoundary: false,
    strings: [['`', '`']],
    heredoc: false,
    regexLiterals: true,
  },
  php: {
    line: ['//', '#'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: C_BLOCK,
    quotes: `"'`,
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  // Python, Ruby, Perl, R, Makefiles: `#` comments.
  'hash-code': {
    line: ['#'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [],
    quotes: `"'`,
    quoteNeedsBoundary: false,
    // Python's triple-quoted strings (docstrings, embedded files) span lines.
    strings: [
      ['"""', '"""'],
      ["'''", "'''"],
    ],
    heredoc: false,
  },
  sql: {
    line: ['--'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: C_BLOCK,
    quotes: `"'`,
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  lua: {
    line: ['--'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [],
    quotes: `"'`,
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  markup: {
    line: [],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [['<!--', '-->']],
    quotes: '',
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  // Jsonnet/libsonnet: `//`, `#` and `/* */` comments.
  jsonnet: {
    line: ['//', '#'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: C_BLOCK,
    quotes: `"'`,
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  // Jinja templates (`.j2`): YAML-like text plus `{# ... #}` comments.
  jinja: { ...YAML, block: [['{#', '#}']] },
  // Nix: `#` and `/* */` comments (`//` is an operator there).
  nix: {
    line: ['#'],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: C_BLOCK,
    quotes: '"',
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
  text: {
    line: [],
    markerNeedsSpace: false,
    lineStartOnly: false,
    block: [],
    quotes: '',
    quoteNeedsBoundary: false,
    strings: [],
    heredoc: false,
  },
};

/** A block comment is open. */
export const IN_COMMENT = 0;
/** A multi-line string is open (`closer` ends it; a backslash escapes the next character). */
export const IN_STRING = 1;
/** An HCL heredoc is open (`closer` is its identifier, ending it on a line of its own). */
export const IN_HEREDOC = 2;

/**
 * State carried between lines: the token that closes what is open (a block comment, a multi-line string, a
 * heredoc: see `kind`), or null.
 */
export interface CommentState {
  closer: string | null;
  kind?: number;
}

/**
 * The tokens that open something spanning lines in `syntax`: block-comment openers, multi-line string openers,
 * `<<` for heredocs. The file scanner feeds every line holding one (with the closers) to the engine, and the
 * kernel leaves any line holding one before a seed to JavaScript.
 */
export function spanningOpeners(syntax: CommentSyntax): string[] {
  return [...syntax.block.map(([open]) => open), ...syntax.strings.map(([open]) => open), ...(syntax.heredoc !== false ? ['<<'] : [])];
}

/** Comment spans of one line as flat [start, end) pairs of UTF-16 indices (reused array: copy if you keep it). */
export type Spans = number[];

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

// Characters after which a quote starts a string when `quoteNeedsBoundary` is set.
const QUOTE_BOUNDARY = new Set([' ', '\t', '=', ':', '[', '{', ',', '(']);

/**
 * The characters at which anything can start in `syntax` (a quote, a block opener, a line marker), as a 128-entry
 * table, computed once per syntax. Every other character only moves the lexer on, which is most of a line.
 */
const STARTERS = new WeakMap<CommentSyntax, Uint8Array>();

function startersOf(syntax: CommentSyntax): Uint8Array {
  let t = STARTERS.get(syntax);
  if (!t) {
    t = new Uint8Array(128);
    const first = [...syntax.quotes, ...spanningOpeners(syntax).map((open) => open[0]!), ...syntax.line.map((m) => m[0]!)];
    for (const ch of first) if (ch.charCodeAt(0) < 128) t[ch.charCodeAt(0)] = 1;
    STARTERS.set(syntax, t);
  }
  return t;
}

/**
 * Finds the comment spans of `line` and updates `state` for the next line. `out` is cleared and filled with
 * [start, end) pairs; the same array is returned.
 */
export function commentSpans(line: string, syntax: CommentSyntax, state: CommentState, out: Spans = []): Spans {
  out.length = 0;
  lex(line, 0, line.length, syntax, state, out);
  return out;
}

/**
 * Where the line comment of line s[from, to) starts, when the lexer meets one before `before` with nothing but
 * code and strings ahead of it; -1 otherwise (no line comment before `before`, or a block comment comes first,
 * whose state the caller would have to track). The same lexer as `commentSpans`, run on a range of a larger
 * string (a latin1 view of a file chunk works: markers and quotes are ASCII, and every other character, one byte
 * or several, only moves the lexer on). The file scanner uses it to skip lines whose only address-like text sits
 * in a trailing comment (`x = 1 // mac 00:1a:2b:3c:4d:5e`) without decoding them.
 */
export function lineCommentStart(s: string, from: number, to: number, before: number, syntax: CommentSyntax): number {
  if (syntax.line.length === 0) return -1;
  const end = Math.min(to, before + 1);
  SCRATCH_STATE.closer = null;
  SCRATCH_SPANS.length = 0;
  const block = lex(s, from, end, syntax, SCRATCH_STATE, SCRATCH_SPANS);
  // One span, no block comment, running to the end of the lexed range: the line comment.
  return block === -1 && SCRATCH_SPANS.length === 2 && SCRATCH_SPANS[1] === end ? SCRATCH_SPANS[0]! : -1;
}

// Reused by `lineCommentStart` (synchronous, so never shared by two calls at once).
const SCRATCH_STATE: CommentState = { closer: null };
const SCRATCH_SPANS: Spans = [];

/**
 * The lexer over line[from, to): pushes comment spans to `out`, updates `state`. Returns -1 normally, or the index
 * of a block-comment opener when `out` ended with one that was closed on the line (so that `lineCommentStart`
 * can refuse lines with block comments).
 */
function lex(line: string, from: number, to: number, syntax: CommentSyntax, state: CommentState, out: Spans): number {
  const len = to;
  let i = from;
  let sawBlock = -1;
  if (state.closer !== null && state.kind === IN_HEREDOC) {
    // The whole line is text of the heredoc, or its closing line.
    if (line.slice(from, len).trim() === state.closer) state.closer = null;
    return sawBlock;
  }
  if (state.closer !== null && state.kind === IN_STRING) {
    const e = stringEnd(line, from, len, state.closer);
    if (e === -1) return sawBlock;
    i = e;
    state.closer = null;
  } else if (state.closer !== null) {
    const idx = line.indexOf(state.closer, from);
    if (idx === -1 || idx + state.closer.length > len) {
      out.push(from, len);
      return sawBlock;
    }
    i = idx + state.closer.length;
    out.push(from, i);
    state.closer = null;
  }
  const starters = startersOf(syntax);
  let quote = -1;
  let firstNonBlank = true;
  // A shell heredoc met on this line: it opens after the line.
  let heredoc: string | null = null;
  outer: while (i < len) {
    const c = line.charCodeAt(i);
    if (quote !== -1) {
      if (c === 92 /* \ */ && quote !== 39 /* ' */) {
        i += 2;
        continue;
      }
      if (c === quote) quote = -1;
      i++;
      continue;
    }
    // Markers, openers and quotes are ASCII: anything else (and any ASCII character that starts none of them)
    // only moves on.
    if (c >= 128 || starters[c] === 0) {
      if (!isSpace(c)) firstNonBlank = false;
      i++;
      continue;
    }
    for (const [open, close] of syntax.strings) {
      if (line.startsWith(open, i)) {
        const e = stringEnd(line, i + open.length, len, close);
        if (e === -1) {
          state.closer = close;
          state.kind = IN_STRING;
          return sawBlock;
        }
        i = e;
        firstNonBlank = false;
        continue outer;
      }
    }
    if (c === 60 /* < */ && syntax.heredoc === 'hcl') {
      const m = HEREDOC.exec(line.slice(i, len));
      if (m !== null) {
        state.closer = m[1]!;
        state.kind = IN_HEREDOC;
        return sawBlock;
      }
    }
    if (c === 60 /* < */ && syntax.heredoc === 'shell' && heredoc === null) {
      const m = shellHeredocAt(line, from, i, len);
      if (m !== null) {
        heredoc = m[0];
        i = m[1];
        firstNonBlank = false;
        continue;
      }
    }
    if (syntax.quotes.includes(line[i]!)) {
      const prev = i === from ? ' ' : line[i - 1]!;
      if (!syntax.quoteNeedsBoundary || QUOTE_BOUNDARY.has(prev)) {
        quote = c;
        firstNonBlank = false;
        i++;
        continue;
      }
    }
    for (const [open, close] of syntax.block) {
      if (line.startsWith(open, i)) {
        sawBlock = i;
        const end = line.indexOf(close, i + open.length);
        if (end === -1 || end + close.length > len) {
          out.push(i, len);
          state.closer = close;
          state.kind = IN_COMMENT;
          return sawBlock;
        }
        out.push(i, end + close.length);
        i = end + close.length;
        continue outer;
      }
    }
    for (const marker of syntax.line) {
      if (!line.startsWith(marker, i)) continue;
      if (syntax.lineStartOnly && !firstNonBlank) continue;
      if (syntax.markerNeedsSpace && i > from && !isSpace(line.charCodeAt(i - 1))) continue;
      // `://` is a URL (`https://10.7.7.7:8443` in a string that spans lines), never a `//` comment.
      if (marker === '//' && i > from && line.charCodeAt(i - 1) === 58) continue;
      out.push(i, len);
      openHeredoc(state, heredoc);
      return sawBlock;
    }
    if (c === 47 /* / */ && syntax.regexLiterals === true && regexStartAt(line, from, i, len)) {
      const e = regexEnd(line, i + 1, len);
      if (e !== -1) {
        i = e;
        firstNonBlank = false;
        continue;
      }
    }
    if (!isSpace(c)) firstNonBlank = false;
    i++;
  }
  openHeredoc(state, heredoc);
  return sawBlock;
}

/** Opens the shell heredoc met on a line (if any) for the lines after it. */
function openHeredoc(state: CommentState, heredoc: string | null): void {
  if (heredoc !== null) {
    state.closer = heredoc;
    state.kind = IN_HEREDOC;
  }
}

/**
 * A shell heredoc opener at `i` (a `<`) of line[from, len): [its identifier, the index after the opener], or
 * null. `<<ID`, `<<-ID`, `<< ID`, `<<'ID'`, `<<"ID"`, `<<\ID`; not `<<<` (a here-string) nor `<<` after `((` on
 * the line (arithmetic: `$((1 << n))`).
 */
function shellHeredocAt(line: string, from: number, i: number, len: number): [string, number] | null {
  if (line.charCodeAt(i + 1) !== 60 || (i > from && line.charCodeAt(i - 1) === 60)) return null;
  SHELL_HEREDOC.lastIndex = i;
  const m = SHELL_HEREDOC.exec(line);
  if (m === null || m.index + m[0].length > len) return null;
  const before = line.slice(from, i);
  if (before.includes('((')) return null;
  return [(m[1] ?? m[2] ?? m[3])!, i + m[0].length];
}

const SHELL_HEREDOC = /<<-?[ \t]*(?:'([^']+)'|"([^"]+)"|\\?([A-Za-z_][\w.-]*))/y;

/**
 * True when a `/` at `i` of line[from, len) may open a regular-expression literal: not `//` or `/*`, and at the
 * start of the line or after one of `(,=:[!&|?{};` (blanks skipped), where an operand starts. The scan kernel
 * (assembly/scan.ts) uses the same rule to leave such lines to JavaScript.
 */
export function regexStartAt(line: string, from: number, i: number, len: number): boolean {
  const next = i + 1 < len ? line.charCodeAt(i + 1) : -1;
  if (next === 47 || next === 42) return false;
  let j = i - 1;
  while (j >= from && isSpace(line.charCodeAt(j))) j--;
  return j < from || REGEX_BEFORE.includes(line[j]!);
}

const REGEX_BEFORE = '(,=:[!&|?{};';

/** The index after the `/` closing a regular-expression literal whose body starts at `i`, or -1 on this line. */
function regexEnd(line: string, i: number, len: number): number {
  let inClass = false;
  while (i < len) {
    const c = line.charCodeAt(i);
    if (c === 92 /* \ */) {
      i += 2;
      continue;
    }
    if (c === 91 /* [ */) inClass = true;
    else if (c === 93 /* ] */) inClass = false;
    else if (c === 47 && !inClass) return i + 1;
    i++;
  }
  return -1;
}

/** `<<ID` or `<<-ID` ending the line: an HCL heredoc opener. */
const HEREDOC = /^<<-?([A-Za-z_][\w-]*)\s*$/;

/** Where the string closed by `close` ends in line[i, len) (the index after `close`), or -1; `\` escapes. */
function stringEnd(line: string, i: number, len: number, close: string): number {
  const c0 = close.charCodeAt(0);
  while (i < len) {
    const c = line.charCodeAt(i);
    if (c === 92 /* \ */) {
      i += 2;
      continue;
    }
    if (c === c0 && line.startsWith(close, i) && i + close.length <= len) return i + close.length;
    i++;
  }
  return -1;
}

/** True when index `i` lies inside one of `spans`. */
export function inSpans(spans: Spans, i: number): boolean {
  for (let k = 0; k < spans.length; k += 2) if (i >= spans[k]! && i < spans[k + 1]!) return true;
  return false;
}

/**
 * The comment state machine of one file: fed the lines of a file of one type in order (`spans`), it carries an
 * open block comment from line to line and says where each line's comments are. It also answers the cheap
 * questions the engine and the file scanner ask before lexing a line at all. Pure.
 */
export class FileComments {
  readonly syntax: CommentSyntax;
  /** True when the file type has comments at all (in one without, only a whole line can carry `kdiag-ignore`). */
  readonly hasComments: boolean;
  private readonly state: CommentState = { closer: null };
  private readonly out: Spans = [];
  private readonly openers: readonly string[];

  constructor(fileType: FileType) {
    this.syntax = COMMENT_SYNTAX[fileType];
    this.openers = spanningOpeners(this.syntax);
    this.hasComments = this.syntax.line.length > 0 || this.syntax.block.length > 0;
  }

  /**
   * Openers and closers of block comments and multi-line strings of this file type: lines holding one must be fed
   * even without a candidate. (A heredoc's closer is known once it is open: `heredocCloser`.)
   */
  get blockTokens(): readonly string[] {
    // Computed once per syntax (the scanner asks once per file).
    let t = BLOCK_TOKENS.get(this.syntax);
    if (!t) {
      t = [
        ...new Set([
          ...spanningOpeners(this.syntax),
          ...this.syntax.block.map(([, close]) => close),
          ...this.syntax.strings.map(([, close]) => close),
        ]),
      ];
      BLOCK_TOKENS.set(this.syntax, t);
    }
    return t;
  }

  /** True while a block comment or a multi-line string is open (after the last line lexed). */
  get inBlock(): boolean {
    return this.state.closer !== null;
  }

  /** The identifier that closes the open heredoc, or null. */
  get heredocCloser(): string | null {
    return this.state.kind === IN_HEREDOC ? this.state.closer : null;
  }

  /**
   * The comment spans of the next line (see `commentSpans`), carrying the block-comment state to the line after.
   * The array is reused: copy it to keep it.
   */
  spans(text: string): Spans {
    return commentSpans(text, this.syntax, this.state, this.out);
  }

  /** A cheap test before lexing: does the line hold any comment marker, block or multi-line string token at all? */
  mayHoldComment(text: string): boolean {
    for (const marker of this.syntax.line) if (text.includes(marker)) return true;
    for (const open of this.openers) if (text.includes(open)) return true;
    return false;
  }

  /**
   * Where the line marker of line [ls, le) of `s` is when the line is a whole-line comment (blanks, then a line
   * marker), else -1. Says nothing of an open block comment (ask `inBlock`). `s` may be a latin1 view: markers are
   * ASCII.
   */
  wholeLineCommentAt(s: string, ls: number, le: number): number {
    if (this.syntax.line.length === 0) return -1;
    let i = ls;
    while (i < le && isSpace(s.charCodeAt(i))) i++;
    for (const marker of this.syntax.line) if (s.startsWith(marker, i)) return i;
    return -1;
  }

  /**
   * Where the trailing line comment of line [ls, le) of `s` starts when the lexer meets it before `before` with
   * only code and strings ahead of it, else -1 (see `lineCommentStart`); -1 too while a block comment is open.
   */
  trailingCommentAt(s: string, ls: number, le: number, before: number): number {
    if (this.inBlock) return -1;
    return lineCommentStart(s, ls, le, before, this.syntax);
  }
}

const BLOCK_TOKENS = new Map<CommentSyntax, readonly string[]>();
