// compareText orders strings exactly as localeCompare does: directly (code points) for Kubernetes-name-like strings,
// through localeCompare for anything else.
import { compareText } from '../../../src/core/compare.js';

function randomStrings(alphabet: string, count: number, seed: number): string[] {
  let s = seed;
  const rand = (m: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % m);
  return Array.from({ length: count }, () => {
    // Short strings over a few letters share prefixes often, so ties are decided late (the hard cases).
    const narrow = rand(2) === 0;
    let out = '';
    for (let i = 0, n = rand(8); i < n; i++) out += alphabet[rand(narrow ? 4 : alphabet.length)];
    return out;
  });
}

/** The pairs on which compareText and localeCompare disagree. */
function mismatches(left: string[], right: string[]): [string, string, number, number][] {
  const out: [string, string, number, number][] = [];
  for (const a of left)
    for (const b of right) if (compareText(a, b) !== a.localeCompare(b)) out.push([a, b, compareText(a, b), a.localeCompare(b)]);
  return out;
}

describe('compareText', () => {
  test('equals localeCompare on names made of a-z, 0-9, ".", "-" and "/" (the code point fast path)', () => {
    const words = [...randomStrings('-./0abcdefghijklmnopqrstuvwxyz123456789', 1500, 1), '', 'a', 'a-', 'a.', 'a/', 'a0', 'aa'];
    expect(mismatches(words, words.slice(0, 300))).toEqual([]);
  });

  test('equals localeCompare on anything else (upper case, punctuation, timestamps, non-ASCII)', () => {
    const words = [
      ...randomStrings('aA-_:.zZ 0é', 300, 2),
      '2026-12-07T01:17:15Z',
      '2026-12-07T01:17:15.5Z',
      'B',
      'a',
      'a_b',
      'a:b',
      'a.b',
      'Zürich',
      'zebra',
      'ångström',
    ];
    expect(mismatches(words, words)).toEqual([]);
  });

  test('where code point order and localeCompare differ, compareText follows localeCompare', () => {
    // Code points put upper case first and ":" after digits; ICU puts "a" before "B" and ":" before "0".
    expect('B' < 'a').toBe(true);
    expect(compareText('B', 'a')).toBe(1);
    expect(':' > '0').toBe(true);
    expect(compareText('a:', 'a0')).toBe(-1);
  });
});
