// The slow project (`npm run test:slow`, part of `npm test` and CI): tests that write or read a lot and take tens of
// seconds, kept out of the unit project so that its runs stay quick.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LintSettings } from '../../../src/core/lint/engine.js';
import { defaultRanges } from '../../../src/core/lint/ranges.js';
import { FileScanner } from '../../../src/lint/scan-file.js';

const settings: LintSettings = { strict: false, includeComments: false, ranges: defaultRanges(), allow: [], disabled: new Set() };

describe('a 1 GB file', () => {
  test('is scanned in bounded memory, to the last line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-lint-1g-'));
    const path = join(dir, 'huge.yaml');
    try {
      // Mostly ordinary config, with a version string (a decoy the engine has to look at) every 50 lines.
      const block = Buffer.from(`${'  labels: {app: web, tier: frontend, port: 8080}\n'.repeat(49)}  version: 1.2.3.4\n`.repeat(400));
      const lineCount = block.toString().split('\n').length - 1;
      const fd = openSync(path, 'w');
      writeSync(fd, Buffer.from('first: 10.42.0.1\n'));
      let bytes = 0;
      let blocks = 0;
      while (bytes < 1024 * 1024 * 1024) {
        writeSync(fd, block);
        bytes += block.length;
        blocks++;
      }
      writeSync(fd, Buffer.from('last: 10.42.0.2\n'));
      closeSync(fd);

      global.gc?.();
      const before = process.memoryUsage().rss;
      const peakBefore = process.resourceUsage().maxRSS * 1024;
      const r = new FileScanner().scan(path, 'yaml', settings);
      const peakAfter = process.resourceUsage().maxRSS * 1024;
      expect(r.bytes).toBeGreaterThan(1024 * 1024 * 1024);
      expect(r.findings.map((f) => [f.line, f.ip])).toEqual([
        [1, '10.42.0.1'],
        [2 + blocks * lineCount, '10.42.0.2'],
      ]);
      // The peak may not grow by more than a few chunks' worth (a whole-file read would add over 1 GB).
      const growth = peakAfter - Math.max(peakBefore, before);
      expect(growth).toBeLessThan(100 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
