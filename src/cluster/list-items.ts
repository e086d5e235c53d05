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

  constructor(private readonly onItem: (item: unknown) => void) {}

  /**
   * Feeds the next bytes of the answer. An item that is not JSON, or an error thrown by `onItem`, stops the scan;
   * `end()` throws it.
   */
  write(chunk: Uint8Array): void {
    if (this.failed !== undefined) return;
    if (this.head.length < 40) this.head += Buffer.from(chunk.subarray(0, 40)).toString('utf8');
    try {
      this.scan(chunk);
    } catch (e) {
      this.failed = e;
    }
  }

  /**
   * The answer without its items, parsed (`items: []` when it had them): for a list, an object. Throws when the
   * answer was not JSON.
   */
  end(): unknown {
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
          this.emit(buf, i + 1);
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

  /** Hands over the item that ends before `end` in `buf`. */
  private emit(buf: Uint8Array, end: number): void {
    const pieces = this.item!;
    let text: string;
    if (pieces.length === 0) text = Buffer.from(buf.buffer, buf.byteOffset + this.itemStart, end - this.itemStart).toString('utf8');
    else {
      pieces.push(buf.subarray(0, end));
      text = Buffer.concat(pieces).toString('utf8');
    }
    this.item = undefined;
    this.itemStart = -1;
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch {
      throw new ListItemsError(this.head);
    }
    this.onItem(item);
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

/** The answer was not JSON (a proxy's page, a cut-off body); `head` is how it began. */
export class ListItemsError extends Error {
  constructor(readonly head: string) {
    super(`not JSON (starts with ${JSON.stringify(head.slice(0, 40))})`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** 1 for the bytes the scan looks at outside strings: `"`, `{`, `}`, `[`, `]`. */
const STRUCTURAL = new Uint8Array(256);
for (const c of [QUOTE, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET]) STRUCTURAL[c] = 1;
