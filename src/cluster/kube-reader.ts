import type { KubeObject } from '../core/k8s/types.js';
import { badResponse, deniedFrom, parseJson, statusError, type RawResponse } from './api-errors.js';
import { ListItemsError, ListItemsSplitter } from './list-items.js';
import { resourceName, storageKey, type ClusterReader, type ListOptions, type Optional, type Resource } from './reader.js';
import { apiPath, type KubeTransport } from './transport.js';

/**
 * Reading the live cluster: get, list and tryList over kdiag's own transport (transport.ts: kubeconfig, credentials,
 * timeouts) with pages of 500, metadata-only lists and RBAC-aware errors (api-errors.ts). client-node is not loaded
 * here (only credentials.ts loads it, for exec plugins and auth providers), because its defaults differ from
 * kubectl's (it merges KUBECONFIG differently and silently falls back to localhost:8080) and it costs a third of a
 * second to load.
 */
export { apiPath, type KubeAccessOptions } from './transport.js';
export { storageKey } from './reader.js';
export type { RawResponse } from './api-errors.js';

export const PAGE_SIZE = 500;

const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;q=0.9';

/** The live ClusterReader: get/list with timeouts, pages of 500, metadata-only lists, RBAC-aware errors. */
export class KubeReader implements ClusterReader {
  readonly source = 'live' as const;
  constructor(readonly conn: KubeTransport) {}

  get defaultNamespace(): string {
    return this.conn.namespace;
  }

  get requestCount(): number {
    return this.conn.requestCount;
  }

  async get<T extends KubeObject>(resource: Resource, namespace: string | undefined, name: string): Promise<T | undefined> {
    const res = await this.conn.request('GET', apiPath(resource, namespace, name));
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) throw this.statusError(res, 'get', resource, namespace);
    return parseJson<T>(res, 'get', resource, this.conn.server);
  }

  async list<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<T[]> {
    const r = await this.listOrStatus<T>(resource, opts);
    if (r.ok) return r.items;
    throw this.statusError(r.res, 'list', resource, opts.namespace);
  }

  /** A full list and the list's resourceVersion (where a watch starts); throws like `list`. */
  async listVersioned<T extends KubeObject>(
    resource: Resource,
    opts: ListOptions = {},
    signal?: AbortSignal,
  ): Promise<{ items: T[]; resourceVersion?: string }> {
    const r = await this.listOrStatus<T>(resource, opts, signal);
    if (r.ok) return { items: r.items, ...(r.resourceVersion ? { resourceVersion: r.resourceVersion } : {}) };
    throw this.statusError(r.res, 'list', resource, opts.namespace);
  }

  private statusError(res: RawResponse, verb: string, resource: Resource, namespace: string | undefined) {
    return statusError(res, this.conn.errorContext, verb, resourceName(resource), resource.namespaced ? namespace : undefined);
  }

  async tryList<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<Optional<T>> {
    const r = await this.listOrStatus<T>(resource, opts);
    if (r.ok) return { ok: true, items: r.items };
    if (r.res.status === 403) return { ok: false, denied: deniedFrom(r.res, 'list', resource, opts.namespace) };
    throw this.statusError(r.res, 'list', resource, opts.namespace);
  }

  /** Lists in pages; a 404 means the API does not serve the resource (an empty list); a 410 restarts once. */
  private async listOrStatus<T extends KubeObject>(
    resource: Resource,
    opts: ListOptions,
    signal?: AbortSignal,
  ): Promise<{ ok: true; items: T[]; resourceVersion?: string } | { ok: false; res: RawResponse }> {
    const items: T[] = [];
    let cont: string | undefined;
    let restarted = false;
    for (;;) {
      const r = await this.page<T>(resource, opts, cont, signal);
      if (r.kind === 'status') {
        if (r.res.status === 410 && cont && !restarted) {
          // The continue token expired: start over once, as kubectl does.
          restarted = true;
          items.length = 0;
          cont = undefined;
          continue;
        }
        return { ok: false, res: r.res };
      }
      for (const it of r.items) items.push(it);
      cont = r.continue;
      if (!cont) return { ok: true, items, ...(r.resourceVersion ? { resourceVersion: r.resourceVersion } : {}) };
    }
  }

  /**
   * A required list, yielded page by page. The API server lists in the order of its storage keys (namespace, then
   * name), so when a continue token expires (410) the list starts over once and skips what it already yielded.
   */
  async *listPages<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): AsyncIterable<T[]> {
    let cont: string | undefined;
    let restarted = false;
    let last: string | undefined;
    for (;;) {
      const r = await this.page<T>(resource, opts, cont);
      if (r.kind === 'status') {
        if (r.res.status === 410 && cont && !restarted && last !== undefined) {
          restarted = true;
          cont = undefined;
          continue;
        }
        throw this.statusError(r.res, 'list', resource, opts.namespace);
      }
      let items = r.items;
      if (restarted && last !== undefined) {
        const after = last;
        items = items.filter((o) => storageKey(o) > after);
      }
      if (r.items.length > 0) {
        const key = storageKey(r.items[r.items.length - 1]!);
        if (last === undefined || key > last) last = key;
      }
      if (items.length > 0) yield items;
      cont = r.continue;
      if (!cont) return;
    }
  }

  /** One page of a list: its items (kind restored, projected), or the answer when it is not a success. */
  private async page<T extends KubeObject>(
    resource: Resource,
    opts: ListOptions,
    cont: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ kind: 'page'; items: T[]; continue?: string; resourceVersion?: string } | { kind: 'status'; res: RawResponse }> {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
    if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
    if (cont) q.set('continue', cont);
    // Each item is parsed and projected the moment its bytes have arrived (list-items.ts): a page is never held
    // whole, neither as its bytes, nor as one string, nor as the tree of its full objects.
    const items: T[] = [];
    // kdiag never reads managedFields, and on busy objects they outweigh everything else: the splitter leaves them out
    // of each item as it parses it, so a 10,000-pod list never holds them.
    const splitter = new ListItemsSplitter(
      (item) => {
        const it = item as T;
        // List items carry no kind; restore it so evidence can name objects.
        if (!it.kind) it.kind = resource.kind;
        items.push(opts.metadataOnly ? slimMetadata(it) : opts.project ? (opts.project(it) as T) : it);
      },
      { dropManagedFields: true },
    );
    const res = await this.conn.request('GET', `${apiPath(resource, opts.namespace)}?${q}`, {
      accept: opts.metadataOnly ? METADATA_ACCEPT : 'application/json',
      ...(signal ? { signal } : {}),
      onChunk: (chunk) => splitter.write(chunk),
    });
    if (res.status === 404) return { kind: 'page', items: [] };
    if (res.status < 200 || res.status >= 300) return { kind: 'status', res };
    let page: { items?: unknown; metadata?: { continue?: string; resourceVersion?: string } } | null;
    try {
      page = splitter.end() as typeof page;
    } catch (e) {
      if (!(e instanceof ListItemsError)) throw e;
      throw badResponse('list', resource, this.conn.server, res.status, e.head);
    }
    return {
      kind: 'page',
      items,
      ...(page?.metadata?.continue ? { continue: page.metadata.continue } : {}),
      ...(page?.metadata?.resourceVersion ? { resourceVersion: page.metadata.resourceVersion } : {}),
    };
  }
}

/** Metadata-only lists are for names and labels: keep just what kdiag reads. */
function slimMetadata<T extends KubeObject>(o: T): T {
  const m = o.metadata;
  const slim: KubeObject = {
    kind: o.kind,
    metadata: {
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.labels !== undefined ? { labels: m.labels } : {}),
      ...(m.ownerReferences !== undefined ? { ownerReferences: m.ownerReferences } : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
      ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
  };
  return slim as T;
}
