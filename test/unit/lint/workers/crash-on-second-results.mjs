// A lint worker that fails part-way, for test/unit/lint/parallel.test.ts (scanTree's `worker` option points at it):
// it runs the real bundled worker (dist/lint-worker.js) and throws when that worker posts its second batch of
// results, so the files of that batch were claimed and scanned but never reported to the main thread.
import { parentPort } from 'node:worker_threads';

const post = parentPort.postMessage.bind(parentPort);
let batches = 0;
parentPort.postMessage = (message) => {
  if (message.kind === 'results' && ++batches === 2) throw new Error('test: the lint worker crashed with a batch unreported');
  post(message);
};
await import(new URL('../../../../dist/lint-worker.js', import.meta.url).href);
