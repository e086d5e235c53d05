import { parseDuration } from '../../../src/core/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['0', 0],
    ['5', 5_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['1.5s', 1_500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '10x', '5 s', '-1s', 's'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});
