import { Readable, Writable } from 'node:stream';
import type { Io } from '../../src/ui/io.js';

/** Captures stdout and stderr in memory, as a pipe would see them (not a TTY, no colour). */
export interface TestIo extends Io {
  stdout(): string;
  stderr(): string;
}

export function createTestIo(opts: { tty?: boolean; color?: boolean; width?: number; stdin?: string } = {}): TestIo {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        into.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        cb();
      },
    });
  const tty = opts.tty ?? false;
  return {
    in: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    out: sink(out),
    err: sink(err),
    stdinIsTTY: tty,
    outIsTTY: tty,
    errIsTTY: tty,
    colorOut: opts.color ?? false,
    colorErr: opts.color ?? false,
    width: opts.width ?? 100,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
  };
}
