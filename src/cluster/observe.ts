import type { KubeObject } from '../core/k8s/types.js';
import { ClusterAccessError, KdiagError } from '../errors.js';
import { firstLine, statusError } from './api-errors.js';
import { backoffDelay } from './channels.js';
import type { ObserveEvent } from './kube-api.js';
import type { KubeReader } from './kube-reader.js';
import { resourceName, type ListOptions, type Resource } from './reader.js';
import { apiPath, type KubeTransport } from './transport.js';

/**
 * List then watch (observe): the list's items as a `sync`, then the watch's changes from the list's resourceVersion
 * with bookmarks (so a reconnect resumes from a recent version). On 410 Gone (the version is too old) it lists again
 * and emits a new `sync`; on a connection error it emits `error` and reconnects after an exponential backoff
 * (1 s … 30 s); a 401 or 403 ends it with the error. Aborting `signal` ends the iteration and closes the watch socket.
 */

/** Watch requests end on the server after this long (plus jitter) and are re-made from the latest version. */
const WATCH_SECONDS = 300;
/** How long after its timeoutSeconds a silent watch is taken for dead. */
const WATCH_GRACE_SECONDS = 60;

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T | { kind?: string; code?: number; reason?: string; message?: string };
}

class Gone extends Error {}

/** An answer that retrying does not change (401, 403, a bad request): ends the iteration. */
class Fatal extends Error {
  constructor(readonly error: KdiagError) {
    super(error.message);
  }
}

/** Sleeps, or stops early when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Races `p` against `signal`; resolves undefined when aborted first. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Credentials that do not load and configuration errors do not heal by retrying. */
function permanent(e: unknown): boolean {
  return e instanceof KdiagError && ['unauthorized', 'forbidden', 'auth-failed', 'bad-kubeconfig', 'tls'].includes(e.code);
}

export async function* observe<T extends KubeObject>(
  transport: KubeTransport,
  reader: KubeReader,
  resource: Resource,
  opts: ListOptions,
  signal: AbortSignal,
): AsyncGenerator<ObserveEvent<T>> {
  let resourceVersion: string | undefined;
  let needList = true;
  let attempt = 0;
  while (!signal.aborted) {
    try {
      if (needList) {
        const listed = await unlessAborted(reader.listVersioned<T>(resource, opts, signal), signal);
        if (!listed) return;
        resourceVersion = listed.resourceVersion;
        needList = false;
        attempt = 0;
        yield { type: 'sync', objects: listed.items };
        if (signal.aborted) return;
      }
      const q = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true' });
      const seconds = WATCH_SECONDS + Math.floor(Math.random() * 60);
      q.set('timeoutSeconds', String(seconds));
      if (resourceVersion) q.set('resourceVersion', resourceVersion);
      if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
      if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
      const res = await transport.stream(`${apiPath(resource, opts.namespace)}?${q}`, {
        signal,
        ...(opts.metadataOnly ? { accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;q=0.9' } : {}),
      });
      if (!res.ok) {
        if (res.res.status === 410) throw new Gone();
        const err = statusError(
          res.res,
          transport.errorContext,
          'watch',
          resourceName(resource),
          resource.namespaced ? opts.namespace : undefined,
        );
        if (res.res.status >= 400 && res.res.status < 500 && res.res.status !== 429) throw new Fatal(err);
        throw err;
      }
      attempt = 0;
      let buffered = '';
      // The server ends the watch after timeoutSeconds; a watch still silent well after that is a dead connection
      // (no RST ever came): drop it and reconnect.
      const stream = res.stream;
      const deadline = setTimeout(
        () =>
          stream.destroy(
            new Error(`watch ${resourceName(resource)}: no end from the server ${seconds + WATCH_GRACE_SECONDS} s after it began`),
          ),
        (seconds + WATCH_GRACE_SECONDS) * 1000,
      );
      try {
        for await (const chunk of res.stream) {
          buffered += (chunk as Buffer).toString('utf8');
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type === 'ERROR') {
              const st = ev.object as { code?: number; reason?: string; message?: string };
              if (st.code === 410 || st.reason === 'Expired' || st.reason === 'Gone') throw new Gone();
              throw new ClusterAccessError('watch-error', `watch ${resourceName(resource)}: ${st.message ?? st.reason ?? 'error'}`);
            }
            const obj = ev.object as T;
            const rv = obj.metadata?.resourceVersion;
            if (rv) resourceVersion = rv;
            if (ev.type === 'BOOKMARK') continue;
            // As in lists: the resource's kind, also for PartialObjectMetadata.
            if (!obj.kind || opts.metadataOnly) obj.kind = resource.kind;
            delete (obj.metadata as { managedFields?: unknown }).managedFields;
            const type = ev.type === 'ADDED' ? 'added' : ev.type === 'MODIFIED' ? 'modified' : 'deleted';
            yield { type, object: obj };
            if (signal.aborted) return;
          }
        }
      } finally {
        // Also when the consumer stops early: no socket may outlive the iteration.
        clearTimeout(deadline);
        res.stream.destroy();
      }
      // The server ended the watch (timeoutSeconds): watch again from the latest version.
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof Gone) {
        needList = true;
        continue;
      }
      if (e instanceof Fatal) throw e.error;
      if (permanent(e)) throw e;
      const retryInMs = backoffDelay(attempt++);
      yield { type: 'error', message: firstLine(e), retryInMs };
      await pause(retryInMs, signal);
    }
  }
}
