import type { ExecStatus } from './kube-api.js';

/**
 * The Kubernetes channel WebSocket protocols (`v4.channel.k8s.io`, `v5.channel.k8s.io`), as pure functions.
 *
 * Every binary message starts with one byte, the channel; the rest is that channel's data.
 * - exec/attach: 0 stdin, 1 stdout, 2 stderr, 3 status (a JSON metav1.Status, the last message), 4 resize
 *   (JSON `{"Width":…,"Height":…}`). v5 adds a close message: channel 255 with one byte naming the channel to close
 *   (the client sends `[255, 0]` so that the command sees the end of its stdin); v4 has no way to close stdin.
 * - portforward (v4): for the i-th port, channel 2i carries the data and 2i+1 the errors; the first message the
 *   server sends on each of them holds only the port number, 2 bytes little-endian, before any data.
 */

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const STATUS = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';

/** One message: the channel byte, then the data (placed as {@link encodeFrames} places it). */
export function encodeFrame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  return encodeFrames(channel, [typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
}

/**
 * The WebSocket header a client frame of `n` payload bytes gets (RFC 6455 §5.2): 2 bytes, 0, 2 or 8 bytes of length,
 * and the 4-byte mask.
 */
export function clientHeaderLength(n: number): number {
  return 6 + (n > 65_535 ? 8 : n > 125 ? 2 : 0);
}

/**
 * One message carrying several buffers on one channel, in order (one copy of each). It is placed for `ws`'s masking:
 * ws copies a client frame's payload, masked, after the header into a buffer of its own, and ws-mask does that copy and
 * the XOR in one pass of 32-bit words when the payload sits at the same address mod 4 as its place in that buffer
 * (about half the cost of a copy and a second pass on 1 MB). Only a matter of speed: any placement sends the same bytes.
 */
export function encodeFrames(channel: number, parts: readonly Buffer[]): Buffer {
  let n = 1;
  for (const p of parts) n += p.length;
  const lead = clientHeaderLength(n) & 3;
  const out = Buffer.allocUnsafe(n + lead).subarray(lead);
  out[0] = channel;
  let at = 1;
  for (const p of parts) {
    p.copy(out, at);
    at += p.length;
  }
  return out;
}

/** The v5 message that closes one channel (stdin, to send EOF). */
export function closeFrame(channel: number): Buffer {
  return Buffer.from([CLOSE, channel]);
}

/** Splits a message into its channel and data; undefined for an empty message. */
export function decodeFrame(msg: Buffer): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  return { channel: msg[0]!, data: msg.subarray(1) };
}

/** A resize message's JSON, as the kubelet reads it. */
export function resizeFrame(size: { columns: number; rows: number }): Buffer {
  return encodeFrame(RESIZE, JSON.stringify({ Width: size.columns, Height: size.rows }));
}

/**
 * Port-forward channels: strips the 2-byte port prefix from the first message of each channel and checks it.
 * Returns the data that follows it (possibly empty).
 */
export class PortPrefix {
  private readonly seen = new Set<number>();
  constructor(readonly port: number) {}

  strip(channel: number, data: Buffer): Buffer {
    if (this.seen.has(channel)) return data;
    if (data.length < 2)
      throw new Error(`port-forward: the first message on channel ${channel} has ${data.length} bytes, not the 2-byte port`);
    this.seen.add(channel);
    const port = data.readUInt16LE(0);
    if (port !== this.port) throw new Error(`port-forward: channel ${channel} is for port ${port}, not ${this.port}`);
    return data.subarray(2);
  }
}

const SIGNALS: Record<string, number> = {
  hangup: 1,
  interrupt: 2,
  quit: 3,
  'illegal instruction': 4,
  'trace/breakpoint trap': 5,
  aborted: 6,
  'bus error': 7,
  'floating point exception': 8,
  killed: 9,
  'user defined signal 1': 10,
  'segmentation fault': 11,
  'user defined signal 2': 12,
  'broken pipe': 13,
  'alarm clock': 14,
  terminated: 15,
};

/**
 * The exec status channel's message (a metav1.Status) as an {@link ExecStatus}.
 * - Success: `{status: 'Success'}` → exitCode 0.
 * - A non-zero exit: reason `NonZeroExitCode`, `details.causes[{reason: 'ExitCode', message: '3'}]` → exitCode 3.
 *   Exit codes 129–192 are the shell convention for "killed by signal N−128" and also set `signal`.
 * - A process killed by a signal without an exit code (Go's `signal: killed`) → `signal` from the message.
 * - Any other Failure (e.g. KWOK's `cmd wait: … exit status 7`, the program not found) has no exitCode: see
 *   {@link exitCodeOf}.
 * - A message that is not JSON is kept as the message of a Failure.
 */
export function parseExecStatus(text: string): ExecStatus {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { status: 'Failure', message: text.trim() };
  }
  if (raw === null || typeof raw !== 'object') return { status: 'Failure', message: text.trim() };
  const s = raw as { status?: unknown; reason?: unknown; message?: unknown; details?: { causes?: unknown } };
  if (s.status === 'Success') return { status: 'Success', exitCode: 0 };
  const out: ExecStatus = { status: 'Failure' };
  if (typeof s.reason === 'string' && s.reason) out.reason = s.reason;
  if (typeof s.message === 'string' && s.message) out.message = s.message;
  const causes = Array.isArray(s.details?.causes) ? (s.details.causes as { reason?: unknown; message?: unknown }[]) : [];
  for (const c of causes) {
    if (c?.reason === 'ExitCode' && c.message !== undefined && /^-?\d+$/.test(String(c.message))) out.exitCode = Number(c.message);
  }
  if (out.exitCode !== undefined && out.exitCode > 128 && out.exitCode <= 128 + 64) out.signal = out.exitCode - 128;
  const named = /signal: ([a-z0-9 /]+)/i.exec(out.message ?? '');
  if (out.signal === undefined && named) {
    const name = named[1]!.trim().toLowerCase();
    const num = /^\d+$/.test(name) ? Number(name) : SIGNALS[name];
    if (num !== undefined) out.signal = num;
  }
  return out;
}

/** The exit status a shell would report: 0, the exit code, 128+signal, or 1 for a failure without either. */
export function exitCodeOf(s: ExecStatus): number {
  if (s.exitCode !== undefined) return s.exitCode;
  if (s.status === 'Success') return 0;
  if (s.signal !== undefined) return 128 + s.signal;
  return 1;
}

/** Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at `capMs` (30 s), each ±20 %. */
export function backoffDelay(attempt: number, opts: { baseMs?: number; capMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 1000;
  const cap = opts.capMs ?? 30_000;
  const raw = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  const jitter = 0.8 + 0.4 * (opts.random ?? Math.random)();
  return Math.round(Math.min(cap, raw * jitter));
}
