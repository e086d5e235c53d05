// Preloaded into kdiag by hand (`node --import ./bench/audit/mem-trace.mjs dist/kdiag.js audit -A ...`) with
// KDIAG_MEM_TRACE=FILE: every KDIAG_MEM_TRACE_MS (default 100) ms it samples process.memoryUsage(), V8's heap spaces
// (committed bytes) and /proc/self/status (RssAnon, RssFile), and at exit writes to FILE one JSON line per sample
// and a last line `{peak: ...}` holding the sample with the largest RSS, so the composition of the peak can be read:
// JS heap (per space), external/array buffers, the rest of the anonymous memory (malloc: TLS, sockets, buffers
// freed but kept) and the mapped files (the node binary's pages).
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.KDIAG_MEM_TRACE;
if (file) {
  const t0 = Date.now();
  const samples = [];
  const status = () => {
    try {
      const text = readFileSync('/proc/self/status', 'utf8');
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
      return { rssAnon: kb('RssAnon') * 1024, rssFile: kb('RssFile') * 1024, hwm: kb('VmHWM') * 1024 };
    } catch {
      return {};
    }
  };
  const smaps = process.env.KDIAG_MEM_TRACE_SMAPS === '1';
  let peakSmaps = '';
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size]));
    samples.push({ t: Date.now() - t0, ...m, ...status(), spaces });
    if (smaps && m.rss > peakRss) {
      peakRss = m.rss;
      peakSmaps = readFileSync('/proc/self/smaps', 'utf8');
    }
  };
  setInterval(sample, Number(process.env.KDIAG_MEM_TRACE_MS ?? 100)).unref();
  // KDIAG_MEM_TRACE_SNAPSHOT_AT=ms: a heap snapshot (FILE.heapsnapshot) that many milliseconds in, to see what is live.
  const at = process.env.KDIAG_MEM_TRACE_SNAPSHOT_AT;
  if (at) setTimeout(() => v8.writeHeapSnapshot(`${file}.heapsnapshot`), Number(at)).unref();
  process.on('exit', () => {
    sample();
    const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
    writeFileSync(file, `${samples.map((s) => JSON.stringify(s)).join('\n')}\n${JSON.stringify({ peak })}\n`);
    // Where the resident pages were at the sample of largest RSS, mapping by mapping (KDIAG_MEM_TRACE_SMAPS=1).
    if (smaps) writeFileSync(`${file}.smaps`, peakSmaps);
  });
}
