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
