// The list splitter that parses a page of a Kubernetes list item by item as its bytes arrive: whatever the chunking,
// it hands over exactly the items JSON.parse of the whole answer finds, and returns the rest of the list.
import { ListItemsError, ListItemsSplitter } from '../../../src/cluster/list-items.js';

/** Splits `text` (as UTF-8) at the given byte offsets and runs the splitter over the pieces. */
function split(text: string, cuts: number[], opts: { dropManagedFields?: boolean } = {}): { items: unknown[]; rest: unknown } {
  const bytes = Buffer.from(text, 'utf8');
  const items: unknown[] = [];
  const s = new ListItemsSplitter((it) => items.push(it), opts);
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
    // All but the first and the last item are found by the fast search (not byte by byte), whatever the chunking.
    const whole = new ListItemsSplitter(() => undefined);
    whole.write(Buffer.from(text));
    whole.end();
    expect(whole.fastItems).toBe(items.length - 2);
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

  test('a key that only starts or ends like items, or an escaped one, is not the items array', () => {
    for (const text of [
      '{"itemsX":[{"a":1}],"items":[{"b":2}]}',
      '{"xitems":[{"a":1}],"item":[{"c":3}]}',
      '{"it\\"ems":[{"a":1}],"items":[{"b":2}],"itemz":[{"d":4}]}',
    ]) {
      expect(split(text, [2, 9])).toEqual(expected(text));
    }
  });

  test('answers read side by side, a chunk of each in turn, each get their own items', () => {
    const texts = [0, 1, 2].map((k) =>
      JSON.stringify({
        kind: 'List',
        metadata: { continue: `c${k}` },
        items: Array.from({ length: 40 }, (_, i) => ({ k, i, s: '"}]'.repeat(i % 3) })),
      }),
    );
    const got = texts.map(() => [] as unknown[]);
    const splitters = texts.map((_, k) => new ListItemsSplitter((it) => got[k]!.push(it)));
    const bytes = texts.map((t) => Buffer.from(t));
    for (let at = 0; bytes.some((b) => at < b.length); at += 17)
      bytes.forEach((b, k) => at < b.length && splitters[k]!.write(b.subarray(at, at + 17)));
    texts.forEach((t, k) => expect({ items: got[k], rest: splitters[k]!.end() }).toEqual(expected(t)));
  });

  test('a chunk of several hundred KiB, and items across chunk seams', () => {
    const items = Array.from({ length: 400 }, (_, i) => ({ metadata: { name: `pod-${i}`, note: 'x'.repeat(700) } }));
    const text = JSON.stringify({ kind: 'PodList', items, metadata: { continue: '' } });
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 65536);
    expect(split(text, [])).toEqual(expected(text));
    expect(split(text, [65536 + 5, 2 * 65536 + 100])).toEqual(expected(text));
  });

  test('items that hold the separator themselves (objects beginning with the same key, nested in arrays) split right', () => {
    // As a StatefulSet's volumeClaimTemplates: `},{"metadata":` inside an item, outside any string.
    const nested = (i: number) => ({
      metadata: { name: `set-${i}` },
      spec: { volumeClaimTemplates: Array.from({ length: i % 4 }, (_, j) => ({ metadata: { name: `data-${j}` }, spec: {} })) },
      status: { note: '},{"metadata":' },
    });
    const text = JSON.stringify({ kind: 'StatefulSetList', metadata: {}, items: Array.from({ length: 30 }, (_, i) => nested(i)) });
    const want = expected(text);
    const n = Buffer.byteLength(text);
    for (const cuts of [[], [n >> 1], Array.from({ length: 60 }, (_, i) => Math.floor(((i + 1) * n) / 61))])
      expect(split(text, cuts)).toEqual(want);
    // More nested look-alikes in one item than the fast search tries: the byte-by-byte scan takes over.
    const many = JSON.stringify({
      items: [nested(0), { metadata: { name: 'x' }, list: Array.from({ length: 200 }, () => ({ metadata: {} })) }, nested(1)],
    });
    expect(split(many, [])).toEqual(expected(many));
    const s = new ListItemsSplitter(() => undefined);
    s.write(Buffer.from(text));
    s.end();
    expect(s.fastItems).toBe(28);
  });

  test('items with other first keys, spaces between items, or a broken item after the first one', () => {
    for (const text of [
      '{"items":[{"metadata":{"a":1}},{"kind":"X","metadata":{}},{"metadata":{"b":2}}]}',
      '{"items":[{"metadata":{"a":1}}, {"metadata":{"b":2}},{"metadata":{"c":3}}],"kind":"List"}',
      '{"items":[{"metadata":{"a":1}},{"metadata":{"b":2}}],"metadata":{"continue":"},{\\"metadata\\":"}}',
      '{"items":[{"apiVersion":"v1","ownerReferences":[{"apiVersion":"a"},{"apiVersion":"b"}]},{"apiVersion":"v2"}]}',
    ]) {
      expect(split(text, [])).toEqual(expected(text));
      expect(split(text, [14, 30])).toEqual(expected(text));
    }
    for (const text of [
      '{"items":[{"metadata":{"a":1}},{"metadata":{"b":2x}},{"metadata":{"c":3}}]}',
      '{"items":[{"metadata":{}},{"metadata":{}',
    ]) {
      const s = new ListItemsSplitter(() => undefined);
      s.write(Buffer.from(text));
      expect(() => s.end()).toThrow(ListItemsError);
    }
  });

  test('dropManagedFields: each item parses without metadata.managedFields, whatever its strings hold', () => {
    const managed = (i: number) => [
      { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, [`f:app${i}`]: {} } } } },
      // `]}` followed by `,` inside strings: the first place that looks like the array's end is not.
      { manager: ']},', operation: 'Apply', fieldsV1: { 'v:"]}}"': {}, 'k:{"a":"]},"}': { '.': {} } } },
    ];
    const items = Array.from({ length: 20 }, (_, i) => ({
      metadata: { name: `pod-${i}`, ...(i % 3 === 0 ? {} : { managedFields: managed(i) }) },
      spec: { containers: [{ name: 'web', note: ',"managedFields":[' }] },
      ...(i % 2 === 0 ? { status: { phase: 'Running' } } : {}),
    }));
    const text = JSON.stringify({ kind: 'PodList', metadata: {}, items });
    const want = items.map((it) => ({ ...it, metadata: { name: it.metadata.name } }));
    const n = Buffer.byteLength(text);
    for (const cuts of [[], [n >> 1], Array.from({ length: 40 }, (_, i) => Math.floor(((i + 1) * n) / 41))]) {
      expect(split(text, cuts, { dropManagedFields: true })).toEqual({ items: want, rest: { kind: 'PodList', metadata: {}, items: [] } });
    }
    // Without the option the items are whole.
    expect(split(text, []).items).toEqual(items);
  });

  test('dropManagedFields on custom resources (keys sorted: managedFields amid metadata, arrays after it)', () => {
    // As the API server writes an HTTPRoute: a cut to the first `]}` would swallow name, namespace and spec.hostnames.
    const items = Array.from({ length: 12 }, (_, i) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        creationTimestamp: '2026-12-07T03:16:48Z',
        generation: 1,
        managedFields: [{ apiVersion: 'v1', fieldsV1: { 'f:spec': { 'f:hostnames': {}, [`v:"h${i}]"`]: {} } }, manager: 'kubectl' }],
        name: `route-${i}`,
        namespace: 'shop',
      },
      spec: { hostnames: [`h${i}.example`], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    }));
    const text = JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', items, kind: 'HTTPRouteList', metadata: {} });
    expect(split(text, [], { dropManagedFields: true }).items).toEqual(
      items.map((it) => ({
        ...it,
        metadata: { creationTimestamp: it.metadata.creationTimestamp, generation: 1, name: it.metadata.name, namespace: 'shop' },
      })),
    );
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
