/**
 * Splits a Kubernetes list answer (`{"kind":..., "metadata":{...}, "items":[{...}, ...]}`) into its items while its
 * bytes arrive, so a page of 500 pods is never held whole: not as the body's bytes, not as one string of several
 * megabytes, not as the tree of 500 full objects. Each element of the top-level `items` array is handed over as
 * its own JSON text the moment its closing brace arrives (the caller parses it and keeps what it needs); everything
 * else, the list without its items (kind, apiVersion, metadata with the continue token), is returned by `end()`,
 * parsed, with `items: []`. Each item is parsed on its own (`JSON.parse`) and handed over as an object.
 *
 * It is a scanner, not a parser: it follows strings (and their escapes), brackets and the top-level keys, which is
 * all it needs to find the items; the JSON itself is checked by `JSON.parse` of each item and of the rest. Bytes
 * that are not JSON make `end()` throw (see `ListItemsError`), as `JSON.parse` of the whole body would; JSON that
 * is not a list (no top-level `items`) comes back whole from `end()`.
 *
 * After the first item, the items of an API server's answer are found without looking at each byte (`kdiag audit`
 * turns V8's optimizing compiler off to keep its memory small, and this loop, interpreted, then cost five seconds
 * of CPU on 50,000 pods): the API server writes its items compactly, each beginning with the same key
 * (`{"metadata":`), so the next item boundary can only be where `},` and that key meet outside any string, which a
 * native search finds (inside a string the quote would be escaped). The bytes up to such a place are one item exactly
 * when `JSON.parse` accepts them (a balanced object that begins at the item's `{`); when it does not (an object
 * nested in the item that happens to begin with the same key), the search goes on. Anything else (whitespace, a
 * different first key, the end of the items, bytes that are not JSON) goes back to the byte-by-byte scan, which
 * also reads the last item of each answer.
 */
export class ListItemsSplitter {
  /** Open containers around the scan position (the top-level object is depth 1). */
  private depth = 0;
  /** Inside a string, and whether its last byte so far was an unpaired backslash. */
  private inString = false;
  private escape = false;
  /** Inside the top-level `items` array (depth 2 and deeper). */
  private inItems = false;
  /** The pieces of the item being read (it began in an earlier chunk), or undefined between items. */
  private item: Uint8Array[] | undefined;
  /** Where the current item began in the current chunk (-1: not in this chunk, or between items). */
  private itemStart = -1;
  /** The bytes outside the items, for `end()` (small: the list's own fields). */
  private readonly rest: Uint8Array[] = [];
  /** The first bytes of the answer, for an error message. */
  private head = '';
  private failed: unknown;
  /**
   * The separator between two items (`},{"metadata":`), learnt from the first item; undefined until then, or when
   * the byte-by-byte scan keeps going for this answer (`fastOff`).
   */
  private separator: Buffer | undefined;
  private fastOff = false;
  /**
   * In the fast mode: the bytes since the last item handed over (they begin just after its `}`), not yet split,
   * and where in them the search for the separator goes on. Undefined in the byte-by-byte scan.
   */
  private carry: Buffer | undefined;
  private searchFrom = 0;
  /** Items handed over by the fast mode (for tests: the first and last items of an answer never are). */
  fastItems = 0;

  /**
   * `dropManagedFields`: each item's `metadata.managedFields` is left out of its parse (see parseItem): the caller
   * never reads them, and they are a third of a pod's bytes and half of its objects.
   */
  constructor(
    private readonly onItem: (item: unknown) => void,
    private readonly opts: { dropManagedFields?: boolean } = {},
  ) {}

  /**
   * Feeds the next bytes of the answer. An item that is not JSON, or an error thrown by `onItem`, stops the scan;
   * `end()` throws it.
   */
  write(chunk: Uint8Array): void {
    if (this.failed !== undefined) return;
    if (this.head.length < 40) this.head += Buffer.from(chunk.subarray(0, 40)).toString('utf8');
    try {
      if (this.carry !== undefined) this.fast(chunk);
      else this.scan(chunk);
    } catch (e) {
      this.failed = e;
    }
  }

  /**
   * The answer without its items, parsed (`items: []` when it had them): for a list, an object. Throws when the
   * answer was not JSON.
   */
  end(): unknown {
    if (this.failed === undefined && this.carry !== undefined) {
      // The last item (and whatever follows the items) is read byte by byte.
      const rest = this.carry;
      this.carry = undefined;
      this.fastOff = true;
      try {
        this.scan(rest);
      } catch (e) {
        this.failed = e;
      }
    }
    if (this.failed !== undefined) throw this.failed;
    const text = Buffer.concat(this.rest).toString('utf8');
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      throw new ListItemsError(this.head);
    }
    if (this.depth !== 0 || this.inString) throw new ListItemsError(this.head);
    return list;
  }

  private scan(buf: Uint8Array): void {
    const n = buf.length;
    if (n === 0) return;
    // Where the bytes outside the items began in this chunk (-1: inside the items).
    let restStart = this.inItems ? -1 : 0;
    this.itemStart = -1;
    let depth = this.depth;
    let inString = this.inString;
    let i = 0;
    if (this.escape) {
      // The previous chunk ended with a backslash in a string: this byte is escaped.
      this.escape = false;
      i = 1;
    }
    while (i < n) {
      const c = buf[i]!;
      if (inString) {
        // Most of the bytes: a plain loop beats indexOf on the short strings of Kubernetes objects.
        if (c === QUOTE) inString = false;
        else if (c === BACKSLASH) {
          if (i + 1 === n) this.escape = true;
          i++;
        }
        i++;
        continue;
      }
      if (STRUCTURAL[c] === 0) {
        i++;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (this.inItems && depth === 2) {
          // An item begins.
          this.itemStart = i;
          this.item = [];
        } else if (!this.inItems && depth === 1 && c === OPEN_BRACKET && this.itemsKeyBefore(buf, restStart, i)) {
          // The top-level `items` array begins: the rest keeps `[`, the items are handed over one by one.
          this.rest.push(buf.slice(restStart, i + 1));
          restStart = -1;
          this.inItems = true;
        }
        depth++;
      } else {
        depth--;
        if (this.inItems && depth === 2 && this.item !== undefined) {
          const bytes = this.emit(buf, i + 1);
          if (!this.fastOff && this.separator === undefined) this.learn(bytes);
          if (this.separator !== undefined) {
            // From here on the fast mode splits this answer's items (see the class comment).
            this.depth = depth;
            this.inString = false;
            this.carry = EMPTY;
            this.searchFrom = 0;
            this.fast(buf.subarray(i + 1));
            return;
          }
        } else if (this.inItems && depth === 1) {
          // The items array ends: from its `]` on, bytes belong to the rest again.
          this.inItems = false;
          restStart = i;
        } else if (depth < 0) {
          throw new ListItemsError(this.head);
        }
      }
      i++;
    }
    this.depth = depth;
    this.inString = inString;
    if (this.item !== undefined) this.item.push(this.itemStart >= 0 ? buf.subarray(this.itemStart) : buf);
    if (restStart >= 0 && restStart < n) this.rest.push(buf.slice(restStart));
  }

  /** Hands over the item that ends before `end` in `buf`; returns its bytes (for learn). */
  private emit(buf: Uint8Array, end: number): Buffer {
    const pieces = this.item!;
    let bytes: Buffer;
    if (pieces.length === 0) bytes = Buffer.from(buf.buffer, buf.byteOffset + this.itemStart, end - this.itemStart);
    else {
      pieces.push(buf.subarray(0, end));
      bytes = Buffer.concat(pieces);
    }
    this.item = undefined;
    this.itemStart = -1;
    const item = this.parseItem(bytes, 0, bytes.length);
    if (item === NOT_JSON) throw new ListItemsError(this.head);
    this.onItem(item);
    return bytes;
  }

  /**
   * JSON.parse of bytes[start, end), or NOT_JSON. With `dropManagedFields`, the item's managedFields are cut out of
   * the text before it is parsed: from `,"managedFields":[` to the first `]` after it, which ends the array (its
   * entries hold objects and strings, never an array: fieldsV1 is a trie of objects). The start is outside any string
   * (inside one, its quotes would be escaped); a `]` inside a string (a field key with brackets) is the one case where
   * the first `]` is not the end, and the text cut there leaves a string's tail where JSON structure must follow, which
   * does not parse: the next `]` is tried. Whatever follows the array stays (`}` when managedFields is metadata's last
   * key, as the API server writes built-in objects; `,"name":...` in custom resources, whose keys come sorted). A cut
   * is kept only when the result parses and still has its metadata.name; after four tries the whole item is parsed and
   * its managedFields deleted.
   */
  private parseItem(bytes: Buffer, start: number, end: number): unknown {
    if (!this.opts.dropManagedFields) return parseJson(bytes, start, end);
    // The item alone, so that neither search runs on into the items after it.
    const item = bytes.subarray(start, end);
    const n = item.length;
    const from = item.indexOf(MANAGED_FIELDS);
    if (from >= 0) {
      const head = item.toString('utf8', 0, from);
      let to = from + MANAGED_FIELDS.length;
      for (let tries = 0; tries < 4; tries++) {
        to = item.indexOf(CLOSE_BRACKET, to);
        if (to < 0) break;
        let cut: unknown;
        try {
          cut = JSON.parse(head + item.toString('utf8', to + 1, n)) as unknown;
        } catch {
          cut = undefined;
        }
        if (typeof (cut as { metadata?: { name?: unknown } } | undefined)?.metadata?.name === 'string') return cut;
        to++;
      }
    }
    const whole = parseJson(item, 0, n);
    const meta = (whole as { metadata?: unknown } | null)?.metadata;
    if (typeof meta === 'object' && meta !== null) delete (meta as { managedFields?: unknown }).managedFields;
    return whole;
  }

  /** Learns the separator from the first item's bytes, when it begins with a plain key (`{"metadata":`). */
  private learn(bytes: Buffer): void {
    const key = /^\{"([A-Za-z0-9_$-]{1,64})":/.exec(bytes.toString('latin1', 0, Math.min(bytes.length, 80)));
    if (key) this.separator = Buffer.from(`},{"${key[1]}":`, 'latin1');
    else this.fastOff = true;
  }

  /**
   * The fast mode: appends `chunk` to the carry and hands over every item that ends in it. The carry begins just
   * after an item, at depth 2 of the items array and outside any string, which is where the byte-by-byte scan takes
   * over when the next bytes are not `,` and the separator's key (whitespace, the items' end, another first key), or
   * when an item will not split (see MAX_MISSES and MAX_ITEM).
   */
  private fast(chunk: Uint8Array): void {
    const sep = this.separator!;
    let buf = this.carry!.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat([this.carry!, chunk]);
    let misses = 0;
    for (;;) {
      // buf begins just after an item: `,` and the next item's first key, or something for the byte-by-byte scan.
      const head = Math.min(buf.length, sep.length - 1);
      if (buf.compare(sep, 1, 1 + head, 0, head) !== 0) return this.slow(buf);
      if (buf.length < sep.length - 1) break; // too short to tell yet
      const at = buf.indexOf(sep, Math.max(this.searchFrom, 1));
      if (at < 0) {
        if (buf.length > MAX_ITEM) return this.slow(buf);
        this.searchFrom = Math.max(1, buf.length - sep.length + 1);
        break;
      }
      // buf[1, at + 1) is the item when it parses as one JSON value.
      const item = this.parseItem(buf, 1, at + 1);
      if (item === NOT_JSON) {
        if (++misses > MAX_MISSES) return this.slow(buf);
        this.searchFrom = at + 1;
        continue;
      }
      this.fastItems++;
      this.onItem(item);
      buf = buf.subarray(at + 1);
      this.searchFrom = 0;
      misses = 0;
    }
    // Kept as a copy: the chunk's memory may be reused by the caller.
    this.carry = Buffer.from(buf);
  }

  /** Leaves the fast mode for the rest of this answer: `buf` (which begins between two items) is scanned byte by byte. */
  private slow(buf: Uint8Array): void {
    this.carry = undefined;
    this.separator = undefined;
    this.fastOff = true;
    this.scan(buf);
  }

  /**
   * True when the bytes outside the items just before `at` (in this chunk from `from`, then the rest kept) end with
   * the key `"items":` — the `[` at `at` opens the top-level items array.
   */
  private itemsKeyBefore(buf: Uint8Array, from: number, at: number): boolean {
    const tail: number[] = [];
    for (let k = at - 1; k >= from && tail.length < 32; k--) tail.push(buf[k]!);
    for (let p = this.rest.length - 1; p >= 0 && tail.length < 32; p--) {
      const piece = this.rest[p]!;
      for (let k = piece.length - 1; k >= 0 && tail.length < 32; k--) tail.push(piece[k]!);
    }
    const text = String.fromCharCode(...tail.reverse());
    return /"items"\s*:\s*$/.test(text);
  }
}

/** JSON.parse of bytes[start, end), or NOT_JSON. */
function parseJson(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start, end)) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** The answer was not JSON (a proxy's page, a cut-off body); `head` is how it began. */
export class ListItemsError extends Error {
  constructor(readonly head: string) {
    super(`not JSON (starts with ${JSON.stringify(head.slice(0, 40))})`);
  }
}

/** An item that does not split within this many bytes, or after this many places that were not its end, is read byte by byte. */
const MAX_ITEM = 4 << 20;
const MAX_MISSES = 64;
const EMPTY = Buffer.alloc(0);
const NOT_JSON = Symbol('not JSON');
const MANAGED_FIELDS = Buffer.from(',"managedFields":[', 'latin1');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** 1 for the bytes the scan looks at outside strings: `"`, `{`, `}`, `[`, `]`. */
const STRUCTURAL = new Uint8Array(256);
for (const c of [QUOTE, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET]) STRUCTURAL[c] = 1;
