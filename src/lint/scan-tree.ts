import type { Worker } from 'node:worker_threads';
import type { FileType } from '../core/lint/comments.js';
import type { LintSettings } from '../core/lint/engine.js';
import {
  BINARY,
  claim,
  describeReadError,
  DONE,
  FINDING_SLOTS,
  NEXT,
  PUBLISHED,
  SHARED_INTS,
  TEXT,
  toWire,
  UNREADABLE,
  unpackFindings,
  workerScript,
  type SegmentMessage,
  type WorkerInit,
  type WorkerMessage,
} from './parallel.js';
import { isDeclaration, DECLARED_POD } from '../core/lint/engine.js';
import { FileScanner, type FileFinding } from './scan-file.js';
import { walk, type WalkEntry, type WalkOptions, type WalkStats } from './walk.js';

/**
 * The scan of `kdiag lint`: walks the tree and scans every file, on the main thread and, with `jobs` > 1 and
 * enough data, on `jobs - 1` worker threads as well.
 *
 * The main thread starts alone, exactly as with `-j 1`. Once it has scanned PARALLEL_MIN_BYTES (so small trees
 * and single files never pay a worker's start-up, ~30 ms of CPU), it starts the workers and from then on
 * publishes the rest of the walk in segments; every thread claims the next file from a shared counter. The
 * results, warnings about unreadable files and the walk's own warnings are then put back in walk order, so
 * the output is the same as with `-j 1`. A worker that fails leaves its unreported files to the main thread.
 */

/** Bytes the main thread scans alone before it starts workers (see bench/README.md for the measurements). */
export const PARALLEL_MIN_BYTES = 4 << 20;
/** Files the main thread publishes at once, and the count of published unclaimed files that triggers the next segment. */
const SEGMENT = 512;
const LOW_WATER = 256;

export interface TreeScanOptions {
  walk: Omit<WalkOptions, 'warn'>;
  settings: LintSettings;
  /** Scanning threads, the main one included. */
  jobs: number;
  warn(message: string): void;
  signal: AbortSignal;
  /** Called with a line about the workers (for --debug). */
  debug?(line: string): void;
  /** Abort with this error when the signal fires. */
  interrupted(): Error;
  /**
   * The script each worker thread runs (default: `workerScript()`, the bundled dist/lint-worker.js; without one,
   * the scan stays on the main thread). It must speak the protocol of parallel.ts.
   */
  worker?: URL;
}

/** A pod or Service range declared in the scanned tree, and where. */
export interface TreeDeclaration {
  kind: 'pod' | 'service';
  cidr: string;
  file: string;
  line: number;
}

export interface TreeScanResult {
  fileFindings: { file: string; f: FileFinding }[];
  /** Ranges declared in the tree (kubeadm, kind, k3s, kubespray, Terraform, Helm values), in walk order. */
  declared: TreeDeclaration[];
  /** Files skipped because they are test files (without --include-tests). */
  testFiles: number;
  /** Text files scanned (binary files are not counted). */
  files: number;
  unreadable: number;
  stats: WalkStats;
}

export async function scanTree(o: TreeScanOptions): Promise<TreeScanResult> {
  const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnknownType: 0, skippedTests: 0 };
  const { settings } = o;
  const scanner = new FileScanner();
  const res: TreeScanResult = { fileFindings: [], declared: [], testFiles: 0, files: 0, unreadable: 0, stats };
  const add = (file: string, f: FileFinding): void => {
    if (isDeclaration(f.code)) res.declared.push({ kind: f.code === DECLARED_POD ? 'pod' : 'service', cidr: f.ip!, file, line: f.line });
    else res.fileFindings.push({ file, f });
  };
  // The walk's warnings go out at once, until workers start: then they wait for their place in walk order.
  let held: { pos: number; message: string }[] | undefined;
  let walked = 0;
  const it = walk({ ...o.walk, warn: (m) => (held ? held.push({ pos: walked, message: m }) : o.warn(m)) }, stats);
  const script = o.jobs > 1 ? (o.worker ?? workerScript()) : undefined;
  let bytes = 0;
  let lastYield = Date.now();

  // Scanning is synchronous for speed; let signals (and worker messages) in now and then. Called per file as
  // `if (due()) await pause()`: an `await` per file would cost a promise and a microtask turn each time.
  const due = (): boolean => o.signal.aborted || Date.now() - lastYield > 50;
  const pause = async (): Promise<void> => {
    await new Promise<void>((r) => setImmediate(r));
    lastYield = Date.now();
    if (o.signal.aborted) throw o.interrupted();
  };

  // The main thread alone: the `-j 1` path. Workers start only when a file is left after the threshold.
  let first: WalkEntry | undefined;
  for (;;) {
    const next = it.next();
    if (next.done) {
      res.testFiles = stats.skippedTests;
      return res;
    }
    if (script && bytes >= PARALLEL_MIN_BYTES) {
      first = next.value;
      break;
    }
    walked++;
    const entry = next.value;
    if (due()) await pause();
    let result;
    try {
      result = scanner.scan(entry.abs, entry.type, settings);
    } catch (e) {
      res.unreadable++;
      o.warn(`cannot read ${entry.rel}: ${describeReadError(e)}; skipped`);
      continue;
    }
    bytes += result.bytes;
    if (result.binary) {
      if (entry.named) o.warn(`skipping ${entry.rel}: a binary file (it holds NUL bytes)`);
      continue;
    }
    res.files++;
    for (const f of result.findings) add(entry.rel, f);
  }

  // With workers.
  held = [];
  const base = walked;
  const shared = new Int32Array(new SharedArrayBuffer(SHARED_INTS * 4));
  shared[NEXT] = base;
  shared[PUBLISHED] = base;
  // Per walk index from `base`: the entry, then the outcome and its data.
  const rels: string[] = [];
  const abs: string[] = [];
  const types: FileType[] = [];
  const named: boolean[] = [];
  const outcome: number[] = [];
  const data = new Map<number, FileFinding[] | string>();
  let recorded = 0;
  // Resolved once every published file has an outcome after the walk is over: no need to wait for a worker
  // that has not even started (the main thread may be done first on a tree just above the threshold).
  let allIn: () => void = () => {};
  const allRecorded = new Promise<void>((r) => (allIn = r));
  const record = (i: number, kind: number, d: FileFinding[] | string | null): void => {
    if (outcome[i - base] === undefined) recorded++;
    outcome[i - base] = kind;
    if (d !== null) data.set(i, d);
    if (walkDone && recorded === abs.length) allIn();
  };

  let walkDone = false;
  const init: WorkerInit = { settings: toWire(settings), shared: shared.buffer as SharedArrayBuffer };
  const workers: { w: Worker; finished: Promise<void>; alive: boolean; scanned: number }[] = [];
  // Loaded here: runs that start no worker never load node:worker_threads.
  const { Worker } = await import('node:worker_threads');
  for (let k = 0; k < o.jobs - 1; k++) {
    let w: Worker;
    try {
      // The worker inherits no execArgv/stdin: it only reads files and posts messages.
      // stdout/stderr true: the worker's streams are NOT piped to the process's, so nothing it prints can reach -o json.
      w = new Worker(script!, { workerData: init, stdout: true, stderr: true });
    } catch (e) {
      o.debug?.(`lint: could not start a worker thread: ${String(e)}`);
      break;
    }
    const slot = { w, alive: true, scanned: 0, finished: Promise.resolve() };
    slot.finished = new Promise<void>((resolve) => {
      w.on('message', (m: WorkerMessage) => {
        if (m.kind === 'results') {
          let at = 0;
          for (let j = 0; j < m.index.length; j++) {
            const info = m.info[j]!;
            if (typeof info === 'string') record(m.index[j]!, m.outcome[j]!, info);
            else if (info === 0) record(m.index[j]!, m.outcome[j]!, null);
            else {
              record(m.index[j]!, m.outcome[j]!, unpackFindings(m.flat, at, info));
              at += info * FINDING_SLOTS;
            }
          }
        } else {
          slot.scanned = m.scanned;
          resolve();
        }
      });
      w.on('error', (e) => {
        slot.alive = false;
        o.debug?.(`lint: a worker thread failed (its files are scanned again on the main thread): ${e.message}`);
        resolve();
      });
      w.on('exit', () => {
        slot.alive = false;
        resolve();
      });
    });
    workers.push(slot);
  }

  const publish = (): void => {
    const seg: SegmentMessage = { base: base + abs.length, abs: [], types: [] };
    while (seg.abs.length < SEGMENT) {
      let entry = first;
      first = undefined;
      if (!entry) {
        const next = it.next();
        if (next.done) {
          walkDone = true;
          break;
        }
        entry = next.value;
      }
      walked++;
      rels.push(entry.rel);
      abs.push(entry.abs);
      types.push(entry.type);
      named.push(entry.named === true);
      seg.abs.push(entry.abs);
      seg.types.push(entry.type);
    }
    // The segment goes out before its indices are published: a worker that claims one finds its entry.
    if (seg.abs.length > 0) for (const s of workers) if (s.alive) s.w.postMessage(seg);
    Atomics.store(shared, PUBLISHED, seg.base + seg.abs.length);
    if (walkDone) Atomics.store(shared, DONE, 1);
    Atomics.notify(shared, PUBLISHED);
  };

  const scanHere = (i: number): void => {
    const k = i - base;
    try {
      const r = scanner.scan(abs[k]!, types[k]!, settings);
      if (r.binary) record(i, BINARY, null);
      else record(i, TEXT, r.findings.length > 0 ? r.findings : null);
    } catch (e) {
      record(i, UNREADABLE, describeReadError(e));
    }
  };

  let mine = 0;
  try {
    for (;;) {
      if (due()) await pause();
      if (!walkDone && Atomics.load(shared, PUBLISHED) - Atomics.load(shared, NEXT) < LOW_WATER) publish();
      const i = claim(shared);
      if (i === -1) {
        if (walkDone) break;
        continue;
      }
      scanHere(i);
      mine++;
    }
    // Wait for the workers' last results (a message arrives only while this thread waits).
    if (recorded < abs.length && !o.signal.aborted) {
      const aborted = new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
      await Promise.race([allRecorded, Promise.all(workers.map((s) => s.finished)), aborted]);
    }
    if (o.signal.aborted) throw o.interrupted();
    // Files a failed worker claimed but never reported.
    for (let k = 0; k < abs.length; k++) {
      if (outcome[k] === undefined) {
        scanHere(base + k);
        mine++;
      }
    }
  } finally {
    Atomics.store(shared, DONE, 1);
    Atomics.store(shared, PUBLISHED, 0); // nothing more to claim, should the run be abandoned
    Atomics.notify(shared, PUBLISHED);
    for (const s of workers) void s.w.terminate();
  }
  o.debug?.(
    `lint: ${workers.length} worker thread(s) started after ${base} file(s); of the ${abs.length} files after, the main thread scanned ${mine}, the worker threads ${abs.length - mine}`,
  );

  // Back in walk order: each file's outcome after the walk's warnings that came before it.
  let h = 0;
  for (let k = 0; k < abs.length; k++) {
    const i = base + k;
    while (h < held.length && held[h]!.pos <= i) o.warn(held[h++]!.message);
    const kind = outcome[k];
    if (kind === TEXT) {
      res.files++;
      const fs = data.get(i) as FileFinding[] | undefined;
      if (fs) for (const f of fs) add(rels[k]!, f);
    } else if (kind === BINARY && named[k]) {
      o.warn(`skipping ${rels[k]}: a binary file (it holds NUL bytes)`);
    } else if (kind === UNREADABLE) {
      res.unreadable++;
      o.warn(`cannot read ${rels[k]}: ${data.get(i) as string}; skipped`);
    }
  }
  while (h < held.length) o.warn(held[h++]!.message);
  res.testFiles = stats.skippedTests;
  return res;
}
