import { distance } from 'fastest-levenshtein';

/** Close names: small edits, case, or one containing the other. */
export function closeNames(name: string, candidates: readonly string[], max = 5): string[] {
  const lower = name.toLowerCase();
  return candidates
    .filter((c) => c !== name)
    .map((c) => ({ c, d: distance(c.toLowerCase(), lower) }))
    .filter(
      ({ c, d }) =>
        d <= Math.max(2, Math.floor(name.length / 3)) ||
        (Math.min(c.length, name.length) >= 3 && (c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()))),
    )
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map(({ c }) => c);
}
