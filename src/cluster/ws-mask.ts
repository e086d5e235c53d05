/**
 * WebSocket masking for `ws` (RFC 6455 §5.3), in plain JavaScript, four bytes at a time. `ws` loads an optional
 * `bufferutil` module for this and otherwise XORs byte by byte; the build aliases `bufferutil` to this file (no native
 * add-on), with the same API: `mask(source, mask, output, offset, length)` and `unmask(buffer, mask)`. The masks
 * themselves stay `ws`'s own: random, from `crypto.randomFillSync`, one per frame.
 *
 * Words are signed 32-bit (Int32Array): V8 keeps them as small integers, where Uint32 values above 2^31 become heap
 * numbers; the loops do four words per turn. Measured on 1 MB: about 0.8 ns/byte before (copy, then XOR as Uint32 one
 * word per turn), 0.4 to 0.55 after (bench/README.md, kdiag forward).
 */

const word = new Uint8Array(4);
const wordView = new Int32Array(word.buffer);

/** The key rotated by `shift` bytes, as one word in this machine's byte order. */
function keyWord(key: Uint8Array, shift: number): number {
  for (let b = 0; b < 4; b++) word[b] = key[(shift + b) & 3]!;
  return wordView[0]!;
}

/** dst[i] = src[i] ^ k for `words` words (dst may be src). */
function xorWords(src: Int32Array, dst: Int32Array, words: number, k: number): void {
  const four = words & ~3;
  let w = 0;
  for (; w < four; w += 4) {
    dst[w] = src[w]! ^ k;
    dst[w + 1] = src[w + 1]! ^ k;
    dst[w + 2] = src[w + 2]! ^ k;
    dst[w + 3] = src[w + 3]! ^ k;
  }
  for (; w < words; w++) dst[w] = src[w]! ^ k;
}

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
    const view = new Int32Array(buf.buffer, buf.byteOffset + start + i, words);
    xorWords(view, view, words, keyWord(key, i));
    i += words * 4;
  }
  for (; i < length; i++) buf[start + i] = buf[start + i]! ^ key[i & 3]!;
}

/**
 * Writes `length` bytes of `source`, masked with `mask`, into `output` from `offset`: in one pass when source and
 * output sit at the same alignment (mod 4), else a copy, then the XOR in place.
 */
export function mask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number): void {
  const from = source.byteOffset;
  const to = output.byteOffset + offset;
  if (length < 64 || ((from - to) & 3) !== 0) {
    output.set(length === source.length ? source : source.subarray(0, length), offset);
    xorInPlace(output, offset, length, key);
    return;
  }
  let i = 0;
  while (((to + i) & 3) !== 0) {
    output[offset + i] = source[i]! ^ key[i & 3]!;
    i++;
  }
  const words = (length - i) >>> 2;
  xorWords(new Int32Array(source.buffer, from + i, words), new Int32Array(output.buffer, to + i, words), words, keyWord(key, i));
  i += words * 4;
  for (; i < length; i++) output[offset + i] = source[i]! ^ key[i & 3]!;
}

/** Unmasks `buffer` in place. */
export function unmask(buffer: Uint8Array, key: Uint8Array): void {
  xorInPlace(buffer, 0, buffer.length, key);
}
