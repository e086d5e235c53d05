import { Writable } from 'node:stream';

/** A Writable that collects what is written to it, for exec's stdout and stderr in tests. */
export function sink(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}
