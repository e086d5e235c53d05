import type { Denied } from '../core/k8s/access.js';
import type { KubeObject } from '../core/k8s/types.js';

// `Denied` lives in core/k8s (commands' cores name denied reads too); cluster code keeps importing it from here.
export type { Denied } from '../core/k8s/access.js';

/** A resource kdiag reads: enough to build its API path and to name it in an RBAC message. */
export interface Resource {
  group: string; // '' for the core group
  version: string;
  /** Plural resource name as RBAC knows it, e.g. `pods`, `endpointslices`. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const R = {
  namespaces: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  nodes: { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  services: { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  endpoints: { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', namespaced: true },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  configmaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  endpointslices: {
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  statefulsets: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  daemonsets: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  networkpolicies: {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
  },
  ingresses: { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true },
  servicecidrs: { group: 'networking.k8s.io', version: 'v1', plural: 'servicecidrs', kind: 'ServiceCIDR', namespaced: false },
} as const satisfies Record<string, Resource>;

export interface ListOptions {
  /** Namespace to list in; undefined lists across all namespaces (namespaced resources) or the cluster scope. */
  namespace?: string;
  /** Server-side label selector, kubectl syntax (`a=b,c!=d,e in (x,y),f,!g`). */
  labelSelector?: string;
  /** Server-side field selector; kdiag only uses `metadata.name=` and `involvedObject.name=` style equality. */
  fieldSelector?: string;
  /** Only `metadata` is needed: live readers ask for a PartialObjectMetadataList. */
  metadataOnly?: boolean;
  /**
   * Keeps of each item only what the caller reads, applied as each page arrives (so a large list never holds its
   * full objects all at once). Not with `metadataOnly`.
   */
  project?: (item: KubeObject) => KubeObject;
}

/** The answer to an optional read: the items, or the fact that RBAC denied it. */
export type Optional<T> = { ok: true; items: T[] } | { ok: false; denied: Denied };

/**
 * The narrow read interface every diagnostic loader uses. Two implementations: the live cluster
 * (`kube-reader.ts`, through the Kubernetes API with timeouts and paging) and a file snapshot
 * (`file-reader.ts`, over `-f` input). Loaders must not care which one they have.
 *
 * `get` resolves undefined on 404. Any other failure of a *required* read throws ClusterAccessError (exit 3);
 * `tryList` is for optional reads and turns a 403 into `{ok: false, denied}`.
 */
export interface ClusterReader {
  /** 'live' or 'file'. */
  readonly source: 'live' | 'file';
  /** The namespace the context defaults to (`default` when none), or the namespace of the file's objects. */
  readonly defaultNamespace: string;
  get<T extends KubeObject>(resource: Resource, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T extends KubeObject>(resource: Resource, opts?: ListOptions): Promise<T[]>;
  tryList<T extends KubeObject>(resource: Resource, opts?: ListOptions): Promise<Optional<T>>;
  /** Number of API requests made so far (benchmarks report it). */
  readonly requestCount: number;
  /** Whether the input holds `resource` objects at all: only readers of a file know (see `inputIncludes`). */
  includes?(resource: Resource): boolean;
  /**
   * A required list page by page, as each page arrives (`opts.project` applied), so a caller can process and drop
   * the objects of one page before the next is read. Live readers only; see `listInPages` for any reader.
   */
  listPages?<T extends KubeObject>(resource: Resource, opts?: ListOptions): AsyncIterable<T[]>;
}

/**
 * `reader.listPages` where the reader has it; otherwise the whole list as one page (a file is in memory anyway).
 * No page is empty: an empty list yields nothing.
 */
export async function* listInPages<T extends KubeObject>(
  reader: ClusterReader,
  resource: Resource,
  opts: ListOptions = {},
): AsyncIterable<T[]> {
  if (reader.listPages) {
    yield* reader.listPages<T>(resource, opts);
    return;
  }
  const all = await reader.list<T>(resource, opts);
  if (all.length > 0) yield all;
}

/**
 * True unless `reader` can tell that its input holds no `resource` objects at all: a file reader knows (a dump
 * without EndpointSlices says nothing about endpoints); a live reader reads everything it is asked for.
 */
export function inputIncludes(reader: ClusterReader, resource: Resource): boolean {
  return reader.includes ? reader.includes(resource) : true;
}

/** An object's place in the API server's storage order: namespace, a slash, name (how etcd keys sort). */
export function storageKey(o: KubeObject): string {
  return o.metadata.namespace === undefined ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;
}

export function resourceName(r: Resource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}
