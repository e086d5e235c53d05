import { collectGarbage } from '../../../src/cluster/collect-garbage.js';

/** A weak reference to a page-sized object that nothing else refers to. */
function droppedPage(): WeakRef<{ items: number[] }> {
  return new WeakRef({ items: Array.from({ length: 100_000 }, (_, i) => i) });
}

test('collectGarbage collects an object nothing refers to any more (kdiag audit calls it between bulk pages)', async () => {
  const ref = droppedPage();
  // A WeakRef keeps its target alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  expect(ref.deref()).toBeUndefined();
});

/**
 * Runs, in a fresh node, objects that survive scavenges (as projected pods do) with or without preferSmallHeap()
 * first; returns the young generation's largest size (MB) seen on the way.
 */
async function youngGenerationPeak(preferSmall: boolean): Promise<number> {
  const { build } = await import('esbuild');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFileSync } = await import('node:child_process');
  const { ROOT } = await import('../../helpers/bundle.js');
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-small-heap-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import v8 from 'node:v8';
import { preferSmallHeap } from ${JSON.stringify(join(ROOT, 'src/cluster/collect-garbage.ts'))};
if (process.argv[2] === 'small') preferSmallHeap();
const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.physical_space_size;
let peak = young();
const kept: unknown[][] = [];
for (let round = 0; round < 150; round++) {
  kept.push(Array.from({ length: 20_000 }, (_, i) => ({ i, name: 'pod-' + i })));
  if (kept.length > 10) kept.shift();
  peak = Math.max(peak, young());
}
console.log(peak / 1048576);
`,
  );
  await build({ entryPoints: [entry], outfile: join(dir, 'entry.mjs'), bundle: true, format: 'esm', platform: 'node', logLevel: 'silent' });
  return Number(execFileSync(process.execPath, [join(dir, 'entry.mjs'), preferSmall ? 'small' : 'default'], { encoding: 'utf8' }));
}

test("preferSmallHeap keeps V8's young generation at its start-up size while many objects survive scavenges", async () => {
  // Without it the young generation doubles up to 16 MB semi-spaces (32 MB); with it, it stays at 1-2 MB.
  expect(await youngGenerationPeak(false)).toBeGreaterThanOrEqual(8);
  expect(await youngGenerationPeak(true)).toBeLessThanOrEqual(4);
});
