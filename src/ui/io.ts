import type { Readable, Writable } from 'node:stream';

/**
 * The process's streams and what they can show. Only `main.ts` writes results to `out`; progress, prompts and
 * warnings go to `err`. Colour and spinners need a TTY and no NO_COLOR (FORCE_COLOR forces colour).
 */
export interface Io {
  /** Read only by commands that take `-f -`. */
  in: Readable;
  out: Writable;
  err: Writable;
  stdinIsTTY: boolean;
  outIsTTY: boolean;
  errIsTTY: boolean;
  /** Colour on stdout. */
  colorOut: boolean;
  /** Colour (and spinners) on stderr. */
  colorErr: boolean;
  /** Terminal width for text output, 80 when unknown. */
  width: number;
}

export interface ColorEnv {
  NO_COLOR?: string | undefined;
  FORCE_COLOR?: string | undefined;
  TERM?: string | undefined;
}

/** The colour decision for one stream, following no-color.org and the FORCE_COLOR convention. */
export function colorFor(isTTY: boolean, env: ColorEnv, noColorFlag = false): boolean {
  if (noColorFlag) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

export function processIo(noColorFlag = false): Io {
  const env = process.env;
  const outIsTTY = Boolean(process.stdout.isTTY);
  const errIsTTY = Boolean(process.stderr.isTTY);
  return {
    in: process.stdin,
    out: process.stdout,
    err: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    outIsTTY,
    errIsTTY,
    colorOut: colorFor(outIsTTY, env, noColorFlag),
    colorErr: colorFor(errIsTTY, env, noColorFlag),
    width: process.stdout.columns || 80,
  };
}
