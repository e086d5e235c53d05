// Preloaded into kdiag by bench/forward/run.mjs (`node --expose-gc --import ./heap-hook.mjs`): on SIGUSR2, collects
// garbage twice and appends process.memoryUsage() as one JSON line to $KDIAG_BENCH_HEAP_FILE, so the benchmark can tell
// live objects (heapUsed after a full GC) from memory V8 and the allocator keep (RSS). With KDIAG_BENCH_HEAP_SNAPSHOT
// set, it also writes a heap snapshot next to that file, for a diff in Chrome DevTools.
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.KDIAG_BENCH_HEAP_FILE;
if (file && typeof globalThis.gc === 'function') {
  let n = 0;
  process.on('SIGUSR2', () => {
    globalThis.gc();
    globalThis.gc();
    const snapshot = process.env.KDIAG_BENCH_HEAP_SNAPSHOT ? v8.writeHeapSnapshot(`${file}.${++n}.heapsnapshot`) : undefined;
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, x.space_size]));
    appendFileSync(file, `${JSON.stringify({ ...process.memoryUsage(), spaces, ...(snapshot ? { snapshot } : {}) })}\n`);
  });
}
