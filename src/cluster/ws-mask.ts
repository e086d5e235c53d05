/**
 * WebSocket masking for `ws` (RFC 6455 §5.3), in plain JavaScript, four bytes at a time. `ws` loads an optional
 * `bufferutil` module for this and otherwise XORs byte by byte; the build aliases `bufferutil` to this file (no native
 * add-on), with the same API: `mask(source, mask, output, offset, length)` and `unmask(buffer, mask)`. The masks
 * themselves stay `ws`'s own: random, from `crypto.randomFillSync`, one per frame.
 */

const word = new Uint8Array(4);
const wordView = new Uint32Array(word.buffer);

/** XORs `length` bytes of `buf` from `start` with `key`, key byte 0 at `start`; whole aligned words where it can. */
function xorInPlace(buf: Uint8Array, start: number, length: number, key: Uint8Array): void {
  let i = 0;
  // Bytes up to the first 4-byte boundary of the underlying memory.
  while (i < length && ((buf.byteOffset + start + i) & 3) !== 0) {
    buf[start + i] = buf[start + i]! ^ key[i & 3]!;
    i++;
  }
  const words = (length - i) >>> 2;
  if (words > 0) {
    // The key rotated to where the aligned part starts, as one word in this machine's byte order.
    for (let b = 0; b < 4; b++) word[b] = key[(i + b) & 3]!;
    const k = wordView[0]!;
    const view = new Uint32Array(buf.buffer, buf.byteOffset + start + i, words);
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ k;
    i += words * 4;
  }
  for (; i < length; i++) buf[start + i] = buf[start + i]! ^ key[i & 3]!;
}

/** Writes `length` bytes of `source`, masked with `mask`, into `output` from `offset`. */
export function mask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number): void {
  output.set(length === source.length ? source : source.subarray(0, length), offset);
  xorInPlace(output, offset, length, key);
}

/** Unmasks `buffer` in place. */
export function unmask(buffer: Uint8Array, key: Uint8Array): void {
  xorInPlace(buffer, 0, buffer.length, key);
}
