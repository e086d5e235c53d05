// The word-wise WebSocket masking that the build gives `ws` as `bufferutil`: byte for byte what RFC 6455 says, at every
// alignment, offset and length.
import { randomBytes } from 'node:crypto';
import { mask, unmask } from '../../../src/cluster/ws-mask.js';

function reference(data: Uint8Array, key: Uint8Array): Buffer {
  return Buffer.from(data.map((b, i) => b ^ key[i & 3]!));
}

describe('ws-mask', () => {
  const key = Uint8Array.from([0x12, 0xab, 0x00, 0xff]);

  test.each([0, 1, 3, 4, 5, 7, 48, 49, 1000, 65_537])('mask: %i bytes at every source and output alignment', (n) => {
    for (const srcShift of [0, 1, 2, 3]) {
      for (const offset of [0, 2, 6, 7, 8, 14]) {
        const backing = randomBytes(n + srcShift + 3);
        const source = backing.subarray(srcShift, srcShift + n);
        const output = Buffer.alloc(offset + n + 5, 0xee);
        mask(source, key, output, offset, n);
        expect(output.subarray(offset, offset + n).equals(reference(source, key))).toBe(true);
        // Nothing outside [offset, offset + n) is written; the source is untouched.
        expect(output.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(output.subarray(offset + n).every((b) => b === 0xee)).toBe(true);
        expect(source.equals(backing.subarray(srcShift, srcShift + n))).toBe(true);
      }
    }
  });

  test.each([60, 1000])('mask of a prefix of the source (%i bytes of a longer source)', (n) => {
    const source = randomBytes(n + 40);
    const output = Buffer.alloc(n);
    mask(source, key, output, 0, n);
    expect(output.equals(reference(source.subarray(0, n), key))).toBe(true);
  });

  test.each([0, 1, 5, 31, 32, 33, 4096 + 3])('unmask: %i bytes in place at every alignment, and unmask(mask(x)) is x', (n) => {
    for (const shift of [0, 1, 2, 3]) {
      const original = randomBytes(n);
      const backing = Buffer.alloc(n + shift);
      const buf = backing.subarray(shift);
      original.copy(buf);
      unmask(buf, key);
      expect(buf.equals(reference(original, key))).toBe(true);
      unmask(buf, key);
      expect(buf.equals(original)).toBe(true);
    }
  });
});
