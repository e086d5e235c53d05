import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { FileType } from '../core/lint/comments.js';
import {
  BINARY,
  claim,
  describeReadError,
  DONE,
  NEXT,
  SLEEP,
  fromWire,
  packFindings,
  PUBLISHED,
  TEXT,
  UNREADABLE,
  type DoneMessage,
  type ResultsMessage,
  type SegmentMessage,
  type WorkerInit,
} from './parallel.js';
import { FileScanner } from './scan-file.js';

/**
 * A scanning thread of `kdiag lint -j N` (bundled as dist/lint-worker.js). It claims file indices from the
 * shared counter until the walk is over and nothing is left, and posts each file's outcome with its walk index.
 * It runs synchronously from start to end: segments of the walk are pulled with receiveMessageOnPort.
 */

const port = parentPort;
if (!port) throw new Error('lint-worker.js runs as a worker thread of kdiag lint');
const init = workerData as WorkerInit;
const shared = new Int32Array(init.shared);
const settings = fromWire(init.settings);
const scanner = new FileScanner();

// Entries received so far, by walk index (segments arrive in order; old ones are dropped once passed).
let segs: SegmentMessage[] = [];
function entry(i: number): { abs: string; type: FileType } {
  for (;;) {
    for (const s of segs) {
      if (i >= s.base && i < s.base + s.abs.length) return { abs: s.abs[i - s.base]!, type: s.types[i - s.base]! };
    }
    const m = receiveMessageOnPort(port!);
    if (m) {
      const seg = m.message as SegmentMessage;
      // Claims only move forward: segments wholly before `i` are no longer needed.
      segs = segs.filter((s) => s.base + s.abs.length > i);
      segs.push(seg);
    } else {
      // The main thread posts a segment before it publishes its indices, so this is at most a brief race.
      Atomics.wait(shared, SLEEP, 0, 1);
    }
  }
}

const BATCH = 64;
let out: ResultsMessage = { kind: 'results', index: [], outcome: [], info: [], flat: [] };
function flush(): void {
  if (out.index.length === 0) return;
  port!.postMessage(out);
  out = { kind: 'results', index: [], outcome: [], info: [], flat: [] };
}

/** The claim-scan-post loop, in a function (module-level variables would live in a context object). */
function run(): number {
  let scanned = 0;
  for (;;) {
    const i = claim(shared);
    if (i === -1) {
      const published = Atomics.load(shared, PUBLISHED);
      if (Atomics.load(shared, DONE) === 1 && Atomics.load(shared, NEXT) >= published) break;
      flush(); // let the main thread have what is done while this thread waits for more
      Atomics.wait(shared, PUBLISHED, published, 20);
      continue;
    }
    const e = entry(i);
    let outcome: number;
    let info: number | string = 0;
    try {
      const r = scanner.scan(e.abs, e.type, settings);
      if (r.binary) outcome = BINARY;
      else {
        outcome = TEXT;
        info = r.findings.length;
        if (info > 0) packFindings(r.findings, out.flat);
      }
    } catch (err) {
      outcome = UNREADABLE;
      info = describeReadError(err);
    }
    scanned++;
    out.index.push(i);
    out.outcome.push(outcome);
    out.info.push(info);
    if (out.index.length >= BATCH) flush();
  }
  flush();
  return scanned;
}

const message: DoneMessage = { kind: 'done', scanned: run() };
port.postMessage(message);
