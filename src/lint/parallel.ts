import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import type { FileType } from '../core/lint/comments.js';
import type { LintSettings } from '../core/lint/engine.js';
import type { ClusterObjectInfo, NamedRange } from '../core/lint/ranges.js';
import type { Address } from '../core/lint/scan.js';
import type { FileFinding } from './scan-file.js';

/**
 * What the main thread of `kdiag lint` and its scanning workers (worker.ts) share: the settings in a form that
 * survives structured cloning, the messages, and the layout of the shared work counter.
 *
 * Work is handed out one file at a time from a shared counter over the walk's order: the main thread walks
 * and publishes the files in segments (a message to every worker, then the new end in shared memory), and
 * every thread, the main one included, claims the next file index with a compare-and-swap. Results carry
 * their walk index, so the main thread can put them back in walk order: the output is the same whatever
 * thread scanned which file.
 */

/** Int32 slots of the shared buffer. */
export const NEXT = 0; // the next unclaimed walk index
export const PUBLISHED = 1; // one past the last walk index whose entry has been sent to the workers
export const DONE = 2; // 1 once the walk is over (PUBLISHED is final) or the run is abandoned
export const SLEEP = 3; // always 0: waited on for a short sleep
export const SHARED_INTS = 4;

/** Settings without class instances (ipaddr.js addresses lose their prototype in a structured clone). */
export interface WireSettings {
  strict: boolean;
  includeComments: boolean;
  ranges: (Omit<NamedRange, 'net'> & { net: number[] })[];
  allow: [number[], number][];
  disabled: string[];
  objects?: Map<string, ClusterObjectInfo>;
  clusterDomain?: string;
}

export function toWire(s: LintSettings): WireSettings {
  const w: WireSettings = {
    strict: s.strict,
    includeComments: s.includeComments,
    ranges: s.ranges.map((r) => ({ ...r, net: r.net.toByteArray() })),
    allow: s.allow.map(([a, bits]) => [a.toByteArray(), bits]),
    disabled: [...s.disabled],
  };
  if (s.objects) w.objects = new Map(s.objects);
  if (s.clusterDomain !== undefined) w.clusterDomain = s.clusterDomain;
  return w;
}

export function fromWire(w: WireSettings): LintSettings {
  const addr = (bytes: number[]): Address => ipaddr.fromByteArray(bytes);
  const s: LintSettings = {
    strict: w.strict,
    includeComments: w.includeComments,
    ranges: w.ranges.map((r) => ({ ...r, net: addr(r.net) })),
    allow: w.allow.map(([a, bits]) => [addr(a), bits] as const),
    disabled: new Set(w.disabled),
  };
  if (w.objects) s.objects = w.objects;
  if (w.clusterDomain !== undefined) s.clusterDomain = w.clusterDomain;
  return s;
}

/** The worker's start-up data. */
export interface WorkerInit {
  settings: WireSettings;
  shared: SharedArrayBuffer;
}

/** Main → worker: the entries of walk indices [base, base + abs.length). */
export interface SegmentMessage {
  base: number;
  abs: string[];
  types: FileType[];
}

/** What scanning one file gave. */
export const TEXT = 1;
export const BINARY = 2;
export const UNREADABLE = 3;

/** Worker → main: results of some files, in the order the worker scanned them. */
export interface ResultsMessage {
  kind: 'results';
  /** Walk index, outcome (TEXT, BINARY, UNREADABLE), per file. */
  index: number[];
  outcome: number[];
  /** Per file: its number of findings (TEXT, BINARY), or the read error's description (UNREADABLE). */
  info: (number | string)[];
  /** The findings of these files, FINDING_SLOTS values each (see packFindings). */
  flat: unknown[];
}

/**
 * Findings cross threads as flat arrays of values: a structured clone of objects writes and reads every
 * property name of every object, which cost the main thread more than the scan of some files.
 */
export const FINDING_SLOTS = 10;

export function packFindings(fs: readonly FileFinding[], flat: unknown[]): void {
  for (const f of fs)
    flat.push(f.code, f.severity, f.column, f.endColumn, f.message, f.hint, f.line, f.excerpt, f.ip ?? null, f.object ?? null);
}

/** The `count` findings packed at `flat[at...]`, as the scanner built them (same properties, same order). */
export function unpackFindings(flat: readonly unknown[], at: number, count: number): FileFinding[] {
  const out: FileFinding[] = [];
  for (let j = at, end = at + count * FINDING_SLOTS; j < end; j += FINDING_SLOTS) {
    const f: FileFinding = {
      code: flat[j] as string,
      severity: flat[j + 1] as FileFinding['severity'],
      column: flat[j + 2] as number,
      endColumn: flat[j + 3] as number,
      message: flat[j + 4] as string,
      hint: flat[j + 5] as string,
      line: flat[j + 6] as number,
      excerpt: flat[j + 7] as string,
    };
    if (flat[j + 8] !== null) f.ip = flat[j + 8] as string;
    if (flat[j + 9] !== null) f.object = flat[j + 9] as NonNullable<FileFinding['object']>;
    out.push(f);
  }
  return out;
}

/** Worker → main: nothing is left to claim; every result was sent before this. */
export interface DoneMessage {
  kind: 'done';
  scanned: number;
}

export type WorkerMessage = ResultsMessage | DoneMessage;

/**
 * The bundled worker script, next to the main bundle (dist/lint-worker.js; this module sits in dist/ or in
 * dist/chunks/). Undefined when running from the TypeScript sources (tests under ts-jest): then the scan
 * stays on the main thread.
 */
export function workerScript(): URL | undefined {
  const here = import.meta.url;
  if (!here.endsWith('.js')) return undefined;
  for (const rel of ['./lint-worker.js', '../lint-worker.js']) {
    const u = new URL(rel, here);
    if (u.href !== here && existsSync(fileURLToPath(u))) return u;
  }
  return undefined;
}

/** Claims the next published walk index; -1 when none is published (yet). */
export function claim(shared: Int32Array): number {
  for (;;) {
    const n = Atomics.load(shared, NEXT);
    if (n >= Atomics.load(shared, PUBLISHED)) return -1;
    if (Atomics.compareExchange(shared, NEXT, n, n + 1) === n) return n;
  }
}

/** Describes a read error for the `cannot read FILE: ...; skipped` warning. */
export function describeReadError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EISDIR') return 'EISDIR (it is a folder now)';
  return err.code ?? (err.message || String(e));
}
