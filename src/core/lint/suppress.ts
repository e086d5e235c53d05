/**
 * `kdiag-ignore` inline suppressions (conventions.md): `kdiag-ignore: reason` or
 * `kdiag-ignore code-a,code-b: reason`, in a comment on the line or the line before. Pure.
 */

export const SUPPRESSION_MARKER = 'kdiag-ignore';

export interface Suppression {
  /** UTF-16 index of `kdiag-ignore` in the line. */
  index: number;
  /** The codes it is limited to; undefined means every code. */
  codes?: string[];
  /** The reason; empty when none was given (itself reported, as `suppression-without-reason`). */
  reason: string;
}

// Codes are kebab-case words separated by commas; the reason follows a colon. Comment closers are not reason.
const PATTERN = /kdiag-ignore(?:\s+([a-z0-9]+(?:-[a-z0-9]+)*(?:\s*,\s*[a-z0-9]+(?:-[a-z0-9]+)*)*))?\s*(?::(.*))?$/;
const CLOSERS = /\s*(?:\*\/\s*-?\}\}|\*\/|-->|-?\}\})\s*$/;

/**
 * Parses the suppression in `text` (a comment, or the whole line for file types without comments), starting at
 * `offset` in the line. Undefined when there is none, or when `kdiag-ignore` is only part of a longer word.
 */
export function parseSuppression(text: string, offset = 0): Suppression | undefined {
  const at = text.indexOf(SUPPRESSION_MARKER);
  if (at === -1) return undefined;
  const prev = text.charCodeAt(at - 1);
  if (at > 0 && (prev === 45 || prev === 95 || (prev >= 97 && prev <= 122))) return undefined;
  const m = PATTERN.exec(text.slice(at).replace(CLOSERS, ''));
  if (!m) return undefined;
  const codes = m[1]?.split(',').map((c) => c.trim());
  const reason = (m[2] ?? '').trim();
  const s: Suppression = { index: offset + at, reason };
  if (codes) s.codes = codes;
  return s;
}

/**
 * True when s[from, to) holds `kdiag-ignore`. A scan for its first letter rather than `slice().includes()`: the
 * file scanner asks this for most candidate lines, and it allocates nothing.
 */
export function hasSuppressionMarker(s: string, from: number, to: number): boolean {
  const last = to - SUPPRESSION_MARKER.length;
  for (let i = from; i <= last; i++) if (s.charCodeAt(i) === 107 /* k */ && s.startsWith(SUPPRESSION_MARKER, i)) return true;
  return false;
}

/** True when the suppression covers findings with `code`. */
export function suppresses(s: Suppression, code: string): boolean {
  return s.codes === undefined || s.codes.includes(code);
}
