// The list splitter that parses a page of a Kubernetes list item by item as its bytes arrive: whatever the chunking,
// it hands over exactly the items JSON.parse of the whole answer finds, and returns the rest of the list.
import { ListItemsError, ListItemsSplitter } from '../../../src/cluster/list-items.js';

/** Splits `text` (as UTF-8) at the given byte offsets and runs the splitter over the pieces. */
function split(text: string, cuts: number[]): { items: unknown[]; rest: unknown } {
  const bytes = Buffer.from(text, 'utf8');
  const items: unknown[] = [];
  const s = new ListItemsSplitter((it) => items.push(it));
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    // Each chunk is a copy, as sockets give them (the splitter must not rely on one backing buffer).
    s.write(Buffer.from(bytes.subarray(at, cut)));
    at = cut;
  }
  return { items, rest: s.end() };
}

/** What the splitter must give: JSON.parse of the whole answer, items apart. */
function expected(text: string): { items: unknown[]; rest: unknown } {
  const whole = JSON.parse(text) as unknown;
  if (whole === null || typeof whole !== 'object' || Array.isArray(whole) || !('items' in whole)) return { items: [], rest: whole };
  return { items: whole.items as unknown[], rest: { ...whole, items: [] } };
}

const tricky = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '42', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDJ9' },
  items: [
    {
      metadata: { name: 'a', labels: { items: '[', 'x"y': '\\', q: '\\"', brace: '}{]]' }, annotations: { items: '["items":[1]]' } },
      spec: { containers: [{ name: 'web', args: ['"items":[', '\\\\', 'é', '日本語', '😀'] }], items: [1, [2, { items: [] }]] },
    },
    { metadata: { name: 'b' }, status: { conditions: [] } },
    { metadata: { name: 'c', uid: '\u0000\u001f\u2028' } },
  ],
};

describe('ListItemsSplitter', () => {
  test('a whole answer in one chunk: the items one by one, the rest with items: []', () => {
    const text = JSON.stringify(tricky);
    const got = split(text, []);
    expect(got).toEqual(expected(text));
    expect(got.items).toHaveLength(3);
    expect(got.rest).toEqual({ kind: 'PodList', apiVersion: 'v1', metadata: tricky.metadata, items: [] });
  });

  test('cut at every byte offset (strings, escapes and multi-byte characters split across chunks)', () => {
    const text = JSON.stringify(tricky);
    const want = expected(text);
    const n = Buffer.byteLength(text);
    for (let cut = 1; cut < n; cut++) expect(split(text, [cut])).toEqual(want);
  });

  test('one byte at a time, and pretty-printed', () => {
    for (const text of [JSON.stringify(tricky), JSON.stringify(tricky, null, 2)]) {
      const n = Buffer.byteLength(text);
      expect(
        split(
          text,
          Array.from({ length: n - 1 }, (_, i) => i + 1),
        ),
      ).toEqual(expected(text));
    }
  });

  test('random chunkings of a page of generated objects', () => {
    let seed = 7;
    const rand = (m: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % m);
    const quotes = ['"', '\\', '\\"', '"\\', '}', ']', '{', '[', 'é', '€'];
    const items = Array.from({ length: 60 }, (_, i) => ({
      metadata: { name: `pod-${i}`, labels: { app: quotes[i % quotes.length]!.repeat(1 + (i % 4)) } },
      spec: { n: i, f: i / 7, ok: i % 2 === 0, none: null, list: Array.from({ length: i % 5 }, (_, j) => ({ j })) },
    }));
    const text = JSON.stringify({ apiVersion: 'v1', items, kind: 'List', metadata: {} });
    const want = expected(text);
    const n = Buffer.byteLength(text);
    for (let round = 0; round < 50; round++) {
      const cuts = [...new Set(Array.from({ length: rand(40) }, () => 1 + rand(n - 1)))].sort((a, b) => a - b);
      expect(split(text, cuts)).toEqual(want);
    }
  });

  test('items in any place among the keys, empty or absent', () => {
    for (const text of [
      '{"items":[{"a":1}],"kind":"List","metadata":{"continue":"x"}}',
      '{"kind":"List","items":[],"metadata":{}}',
      '{"kind":"List","metadata":{}}',
      ' { "kind" : "List" , "items" : [ { "a" : [ ] } , { } ] } ',
      '{"metadata":{"items":[{"not":"an item"}]},"items":[{"is":"one"}]}',
    ]) {
      expect(split(text, [3, 11])).toEqual(expected(text));
    }
  });

  test('JSON that is not a list comes back whole, as JSON.parse gives it', () => {
    for (const text of ['[{"a":1}]', '"items"', '{"kind":"Status","code":200}', 'null', '[[1],{"items":[2]}]']) {
      expect(split(text, [1, 2])).toEqual(expected(text));
    }
  });

  test('an answer that is not JSON: end() throws ListItemsError naming how it began', () => {
    for (const text of [
      '<html><body>Sign in</body></html>',
      '{"kind":"List","items":[{"a":1},{"b":',
      '{"kind":"List","items":[{"a":1},{"b":2}',
      '{"kind":"List","items":[{"a":1x}]}',
      '{"kind":"List","items":[{"a":1}]}}',
      '{"kind":"List","items":[{"a":"1}]}',
      '',
    ]) {
      const s = new ListItemsSplitter(() => undefined);
      s.write(Buffer.from(text));
      expect(() => s.end()).toThrow(ListItemsError);
    }
    const s = new ListItemsSplitter(() => undefined);
    s.write(Buffer.from('<html>login</html>'));
    expect(() => s.end()).toThrow('not JSON (starts with "<html>login</html>")');
  });

  test('an error thrown while handing an item over stops the scan and comes back from end()', () => {
    const seen: unknown[] = [];
    const s = new ListItemsSplitter((it) => {
      seen.push(it);
      throw new RangeError('no more');
    });
    s.write(Buffer.from('{"items":[{"a":1},{"b":2}]}'));
    expect(() => s.end()).toThrow(RangeError);
    expect(seen).toEqual([{ a: 1 }]);
  });
});
