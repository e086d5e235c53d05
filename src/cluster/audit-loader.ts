import { projectEvent, projectPod } from '../core/audit/project.js';
import { collectGarbage } from './collect-garbage.js';
import { diagnosePod, isTerminating } from '../core/k8s/pods.js';
import { matchesRequirements, parseSelector, SelectorSyntaxError, type Requirement } from '../core/k8s/selectors.js';
import type { EndpointSlice, KubeEvent, KubeObject, NetworkPolicy, Pod, Service } from '../core/k8s/types.js';
import { UsageError } from '../errors.js';
import { parseFieldSelector } from './file-reader.js';
import { ROUTE_RESOURCES } from './route-loader.js';
import { inputIncludes, listInPages, R, storageKey, type ClusterReader, type ListOptions, type Optional, type Resource } from './reader.js';

/** What `kdiag audit` reads: one namespace, or all of them; `selector` picks Services by label. */
export interface AuditScope {
  /** The namespace; undefined with `allNamespaces`. */
  namespace?: string;
  allNamespaces: boolean;
  /** `-l`: a label selector on Services. */
  selector?: string;
}

/** Progress of the bulk read, for the progress line: objects read so far per resource. */
export type ReadProgress = (what: { resource: string; items: number }) => void;

/** What one namespace's Services are checked against: its objects, read in bulk. */
export interface BulkData {
  services: Service[];
  slices: EndpointSlice[];
  /** Pods projected to what the engine reads (`projectPod`), page by page. */
  pods: Pod[];
  /** Events about Services (all of the scope's), or undefined when that read was denied. */
  serviceEvents?: KubeEvent[];
  /** The scope's NetworkPolicies, or undefined when that read was denied. */
  policies?: NetworkPolicy[];
  /**
   * Warning events of the namespaces that hold both a Service and a pod the engine would read events for (not
   * ready, not terminating), read in bulk: `namespaces` lists those whose read succeeded (a denied one is left to
   * the per-pod reads, which then record the denial as kdiag svc does).
   */
  podWarnings?: { namespaces: string[]; events: KubeEvent[] };
}

/** One namespace of the scope, complete: all of its Services, EndpointSlices and (projected) pods have been read. */
export interface NamespaceBatch {
  namespace: string;
  services: Service[];
  slices: EndpointSlice[];
  pods: Pod[];
  /**
   * True when this namespace was handed over before and is handed over again, whole (a list came back out of the
   * API server's usual order, so the first batch may have missed objects): replace what the first one gave.
   */
  again?: boolean;
}

/** What is read once for the whole scope before the namespaces stream in (both optional and small). */
export interface ScopeReads {
  /** Events about Services, or undefined when that read was denied. */
  serviceEvents?: KubeEvent[];
  /** NetworkPolicies, or undefined when that read was denied. */
  policies?: NetworkPolicy[];
}

/**
 * Objects read between two forced collections (see collectGarbage): two pages. Projected pods and checked
 * namespaces die old (they outlive V8's small young generation), and V8 lets that garbage grow by several
 * megabytes before it collects on its own: on 50,000 pods, collecting every 1,000 objects instead of every 5,000
 * took the peak from 80-91 MB to 76-77 MB for about a second of CPU time (bench/README.md).
 */
const COLLECT_EVERY = 1_000;

/** Namespaces being checked at once while the lists read on. */
const NAMESPACES_IN_FLIGHT = 4;

/**
 * Reads the scope in bulk and hands it over one namespace at a time, so that 50,000 pods never sit in memory at
 * once. Services (`-l` applied server-side), EndpointSlices and pods are listed in pages of 500 (required: a
 * denial is exit 3 naming the verb), pods projected as each page arrives. The API server lists every resource in
 * the same order (its storage keys: namespace, then name), so the three lists are read side by side, the one
 * furthest behind first (the next page of a list asked for ahead once the others have caught up with it), and a
 * namespace is complete once every list has moved past it: `onNamespace` gets it then (at most four at once) and
 * its objects are dropped when it is done. The Services' events and the
 * NetworkPolicies are read once before (optional). With no Service in the scope nothing else is read. Should a
 * list come back out of order, no namespace is handed over until all lists end, and a namespace that was handed
 * over too early is read again on its own and handed over `again`.
 */
export async function readByNamespace(
  reader: ClusterReader,
  scope: AuditScope,
  onNamespace: (batch: NamespaceBatch, reads: ScopeReads) => Promise<void>,
  progress: ReadProgress = () => {},
  /** Hand over namespaces without a Service or NetworkPolicy too (their pods), as `readBulk` needs. */
  everyNamespace = false,
): Promise<{ services: number; reads: ScopeReads }> {
  const ns = scope.allNamespaces ? {} : { namespace: scope.namespace! };
  const counts = new Map<string, number>();
  const counting =
    (resource: string, project: (o: KubeObject) => KubeObject) =>
    (o: KubeObject): KubeObject => {
      const n = (counts.get(resource) ?? 0) + 1;
      counts.set(resource, n);
      if (n % 500 === 0) progress({ resource, items: n });
      if (n % COLLECT_EVERY === 0) collectGarbage();
      return project(o);
    };
  const nsOf = (o: KubeObject): string => o.metadata.namespace ?? scope.namespace ?? reader.defaultNamespace;
  const svcOpts = { ...ns, ...(scope.selector ? { labelSelector: scope.selector } : {}), project: counting('services', dropManaged) };
  const streams = [
    new ListStream(listInPages<KubeObject>(reader, R.services, svcOpts), nsOf),
    new ListStream(listInPages<KubeObject>(reader, R.endpointslices, { ...ns, project: counting('endpointslices', dropManaged) }), nsOf),
    new ListStream(listInPages<KubeObject>(reader, R.pods, { ...ns, project: counting('pods', projectPod) }), nsOf),
  ] as const;
  const [svcStream] = streams;
  // Services first: with none in the scope, nothing else is read.
  await svcStream.advance();
  if (svcStream.done && svcStream.size === 0) return { services: 0, reads: {} };
  const [events, policies] = await Promise.all([
    reader.tryList<KubeEvent>(R.events, { ...ns, fieldSelector: 'involvedObject.kind=Service', project: dropManaged }),
    reader.tryList<NetworkPolicy>(R.networkpolicies, { ...ns, project: dropManaged }),
  ]);
  const reads: ScopeReads = {
    ...(events.ok ? { serviceEvents: events.items } : {}),
    ...(policies.ok ? { policies: policies.items } : {}),
  };
  const policyNamespaces = new Set((reads.policies ?? []).map(nsOf));
  const handed = new Set<string>();
  const late = new Set<string>();
  let services = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const handOver = async (batch: NamespaceBatch): Promise<void> => {
    while (inFlight.size >= NAMESPACES_IN_FLIGHT) await Promise.race(inFlight);
    if (failure) throw failure.error;
    const p = onNamespace(batch, reads).then(
      () => void inFlight.delete(p),
      (error: unknown) => {
        inFlight.delete(p);
        failure ??= { error };
      },
    );
    inFlight.add(p);
  };
  /** Hands over every namespace that all lists have moved past (all of them once every list has ended). */
  const release = async (): Promise<void> => {
    const ordered = streams.every((s) => s.ordered);
    const allDone = streams.every((s) => s.done);
    if (!ordered && !allDone) return;
    const open = streams.filter((s) => !s.done).map((s) => s.cursor);
    if (open.includes(undefined)) return; // a list that has not read anything yet may start anywhere
    const before = open.length === 0 ? undefined : (open as string[]).reduce((a, b) => (storageOrder(a, b) <= 0 ? a : b));
    const ready = new Set<string>();
    for (const s of streams) for (const n of s.namespaces()) if (before === undefined || storageOrder(n, before) < 0) ready.add(n);
    for (const n of [...ready].sort(storageOrder)) {
      // Out of order, a namespace's objects are put back in the API server's usual order (by name).
      const [svcs, slices, pods] = streams.map((s) => (ordered ? s.take(n) : s.take(n).sort(byStorageKey))) as [
        Service[],
        EndpointSlice[],
        Pod[],
      ];
      if (handed.has(n)) {
        late.add(n);
        continue;
      }
      handed.add(n);
      services += svcs.length;
      if (everyNamespace || svcs.length > 0 || policyNamespaces.has(n)) await handOver({ namespace: n, services: svcs, slices, pods });
    }
  };
  /** True when every other open list has read as far as `s` (or further). */
  const caughtUp = (s: ListStream): boolean =>
    !s.done &&
    s.cursor !== undefined &&
    streams.every((o) => o === s || o.done || (o.cursor !== undefined && storageOrder(o.cursor, s.cursor!) >= 0));
  try {
    // The first page of each list not read yet, at once (the Services' first page was read above).
    for (const s of streams) if (s.cursor === undefined) s.prefetch();
    await release();
    while (!streams.every((s) => s.done)) {
      const behind = streams
        .filter((s) => !s.done)
        .reduce((a, b) => (a.cursor === undefined || (b.cursor !== undefined && storageOrder(a.cursor, b.cursor) <= 0) ? a : b));
      await behind.advance();
      // A list's next page is asked for ahead once the other lists have caught up with it (its namespaces are the
      // next ones needed), so it arrives while they are read. For pods, a page of 500 is about one namespace and
      // this is every page; a page of Services or EndpointSlices spans many namespaces (ten in the benchmark), and
      // fetched ahead as soon as the one before was read, it doubled what sat in memory waiting for the pods.
      for (const s of streams) if (caughtUp(s)) s.prefetch();
      for (const s of streams) for (const n of s.unordered.splice(0)) if (handed.has(n)) late.add(n);
      await release();
      if (failure) throw failure.error;
    }
    // Namespaces with NetworkPolicies and no Service, EndpointSlice or pod at all.
    for (const n of [...policyNamespaces].sort(storageOrder)) {
      if (!handed.has(n)) {
        handed.add(n);
        await handOver({ namespace: n, services: [], slices: [], pods: [] });
      }
    }
    // A list that came back out of order may have split a namespace that was already handed over: read it again.
    for (const n of [...late].sort(storageOrder)) {
      const one = { namespace: n };
      const [svcs, slices, pods] = await Promise.all([
        reader.list<Service>(R.services, { ...one, ...(scope.selector ? { labelSelector: scope.selector } : {}), project: dropManaged }),
        reader.list<EndpointSlice>(R.endpointslices, { ...one, project: dropManaged }),
        reader.list<Pod>(R.pods, { ...one, project: projectPod }),
      ]);
      await handOver({ namespace: n, services: svcs, slices, pods, again: true });
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
  } finally {
    for (const s of streams) s.abandon();
    await Promise.allSettled(inFlight);
  }
  return { services, reads };
}

/** Orders namespaces as the API server lists them: by `namespace/` (a `-` sorts before the slash). */
export function storageOrder(a: string, b: string): number {
  const x = `${a}/`;
  const y = `${b}/`;
  return x < y ? -1 : x > y ? 1 : 0;
}

function byStorageKey(a: KubeObject, b: KubeObject): number {
  const x = storageKey(a);
  const y = storageKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One list read page by page, its objects kept by namespace until taken. */
class ListStream {
  /** The namespace of the last object read. */
  cursor: string | undefined;
  done = false;
  /** False once an object came before the cursor (a list out of storage order). */
  ordered = true;
  /** Namespaces that received an object after the list had moved past them (for the caller to check). */
  readonly unordered: string[] = [];
  private readonly byNs = new Map<string, KubeObject[]>();
  private readonly it: AsyncIterator<KubeObject[]>;
  private next: Promise<IteratorResult<KubeObject[]>> | undefined;

  constructor(
    pages: AsyncIterable<KubeObject[]>,
    private readonly nsOf: (o: KubeObject) => string,
  ) {
    this.it = pages[Symbol.asyncIterator]();
  }

  get size(): number {
    let n = 0;
    for (const list of this.byNs.values()) n += list.length;
    return n;
  }

  /** Asks for the next page now (ahead of the reader), unless it has been asked for. */
  prefetch(): void {
    if (this.done || this.next) return;
    this.next = this.it.next();
    // Read later by advance(); a failure seen only by abandon() must not count as unhandled.
    this.next.catch(() => undefined);
  }

  /** Reads one page (the one fetched ahead when there is one). */
  async advance(): Promise<void> {
    this.prefetch();
    const r = await this.next!;
    this.next = undefined;
    if (r.done) {
      this.done = true;
      return;
    }
    for (const o of r.value) {
      const n = this.nsOf(o);
      if (this.cursor !== undefined && storageOrder(n, this.cursor) < 0) {
        this.ordered = false;
        this.unordered.push(n);
      } else this.cursor = n;
      addTo(this.byNs, n, o);
    }
  }

  namespaces(): Iterable<string> {
    return this.byNs.keys();
  }

  /** The objects of namespace `n` read so far, removed from the stream. */
  take(n: string): KubeObject[] {
    const list = this.byNs.get(n) ?? [];
    this.byNs.delete(n);
    return list;
  }

  /** Stops reading (an error elsewhere): the page asked for ahead is left to finish on its own. */
  abandon(): void {
    if (!this.done) void this.it.return?.(undefined)?.catch(() => undefined);
    this.done = true;
  }
}

/** The Warning events of one namespace's unready pods, for the engine (see readPodWarnings). */
export async function readNamespaceWarnings(reader: ClusterReader, batch: NamespaceBatch): Promise<BulkData['podWarnings'] | undefined> {
  if (batch.services.length === 0) return undefined;
  if (!batch.pods.some((p) => !isTerminating(p) && diagnosePod(p, [], undefined, undefined) !== undefined)) return undefined;
  const r = await reader.tryList<KubeEvent>(R.events, { namespace: batch.namespace, fieldSelector: 'type=Warning', project: projectEvent });
  return r.ok ? { namespaces: [batch.namespace], events: r.items } : undefined;
}

/**
 * The whole scope at once (tests, and anything that wants all of it): `readByNamespace` collected, with the
 * Warning events of every namespace that needs them.
 */
export async function readBulk(reader: ClusterReader, scope: AuditScope, progress: ReadProgress = () => {}): Promise<BulkData> {
  const all: BulkData = { services: [], slices: [], pods: [] };
  const warnings: { namespaces: string[]; events: KubeEvent[] } = { namespaces: [], events: [] };
  const { reads } = await readByNamespace(
    reader,
    scope,
    async (b) => {
      all.services.push(...b.services);
      all.slices.push(...b.slices);
      all.pods.push(...b.pods);
      const w = await readNamespaceWarnings(reader, b);
      if (w) {
        warnings.namespaces.push(...w.namespaces);
        warnings.events.push(...w.events);
      }
    },
    progress,
    true,
  );
  return {
    ...all,
    ...reads,
    ...(warnings.namespaces.length > 0 ? { podWarnings: warnings } : {}),
  };
}

function dropManaged(o: KubeObject): KubeObject {
  delete (o.metadata as { managedFields?: unknown }).managedFields;
  return o;
}

/** At most `n` promises of `run` at once. */
export function limiter(n: number): <T>(run: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await run();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const byNsName = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;

/** What the per-namespace readers of one audit share: the scope-wide reads, indexed once, and the delegated reads. */
export class AuditShared {
  readonly eventsByService: Map<string, KubeEvent[]> | undefined;
  readonly policiesByNs: Map<string, NetworkPolicy[]> | undefined;
  /** At most `inFlight` delegated requests at once, over all namespaces. */
  readonly limit: <T>(run: () => Promise<T>) => Promise<T>;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(reads: ScopeReads, inFlight = 8) {
    this.limit = limiter(inFlight);
    if (reads.serviceEvents) {
      this.eventsByService = new Map();
      for (const e of reads.serviceEvents) {
        addTo(this.eventsByService, byNsName(e.involvedObject?.namespace ?? e.metadata.namespace, e.involvedObject?.name ?? ''), e);
      }
    }
    if (reads.policies) {
      this.policiesByNs = new Map();
      for (const np of reads.policies) addTo(this.policiesByNs, np.metadata.namespace ?? '', np);
    }
  }

  /** Each distinct read once (a namespace's Deployments are read once for all its Services). */
  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.memo.set(key, p);
    }
    return p;
  }
}

/**
 * A ClusterReader over the bulk data, so `loadServiceSnapshot` (kdiag svc's loader, unchanged) runs per Service
 * without a request for what was read in bulk: the Service, its EndpointSlices, the pods (by label or field
 * selector, full or metadata only), the Services' events, the unready pods' Warning events and the NetworkPolicies. Everything else (workloads, pod
 * events, nodes, pods outside the scope) goes to the underlying reader, at most `inFlight` requests at once, each
 * distinct read once (a namespace's Deployments are read once for all its Services).
 */
export class AuditReader implements ClusterReader {
  readonly source: 'live' | 'file';
  readonly defaultNamespace: string;
  private readonly services = new Map<string, Service>();
  private readonly slicesByService = new Map<string, EndpointSlice[]>();
  private readonly podsByNs = new Map<string, Pod[]>();
  private readonly podsByName = new Map<string, Pod>();
  private readonly warningsByPod = new Map<string, KubeEvent[]>();
  private readonly warningNamespaces: ReadonlySet<string>;
  private readonly selectors = new Map<string, Requirement[]>();

  /**
   * `shared`: what the readers of one audit share (the scope's Service events and NetworkPolicies, indexed once;
   * the bound on requests in flight; the reads already made), when the scope is checked namespace by namespace.
   */
  constructor(
    private readonly under: ClusterReader,
    private readonly bulk: BulkData,
    private readonly scope: AuditScope,
    private readonly shared: AuditShared = new AuditShared(bulk),
  ) {
    this.source = under.source;
    this.defaultNamespace = under.defaultNamespace;
    for (const s of bulk.services) this.services.set(byNsName(s.metadata.namespace, s.metadata.name), s);
    for (const s of bulk.slices) {
      const svc = s.metadata.labels?.['kubernetes.io/service-name'];
      if (svc === undefined) continue;
      const k = byNsName(s.metadata.namespace, svc);
      addTo(this.slicesByService, k, s);
    }
    for (const p of bulk.pods) {
      const ns = p.metadata.namespace ?? '';
      addTo(this.podsByNs, ns, p);
      this.podsByName.set(byNsName(ns, p.metadata.name), p);
    }
    this.warningNamespaces = new Set(bulk.podWarnings?.namespaces ?? []);
    for (const e of bulk.podWarnings?.events ?? []) {
      if (e.involvedObject?.kind !== 'Pod') continue;
      const k = byNsName(e.involvedObject.namespace ?? e.metadata.namespace, e.involvedObject.name ?? '');
      addTo(this.warningsByPod, k, e);
    }
  }

  /** Requests made by the underlying reader (the bulk reads and the delegated ones). */
  get requestCount(): number {
    return this.under.requestCount;
  }

  includes(resource: Resource): boolean {
    return inputIncludes(this.under, resource);
  }

  /** True when the bulk read covers namespace `ns` (undefined: all namespaces). */
  private covers(ns: string | undefined): boolean {
    return this.scope.allNamespaces || (ns !== undefined && ns === this.scope.namespace);
  }

  async get<T extends KubeObject>(resource: Resource, namespace: string | undefined, name: string): Promise<T | undefined> {
    if (resource === R.services) {
      const s = this.services.get(byNsName(namespace, name));
      if (s) return s as unknown as T;
    }
    return this.shared.limit(() => this.under.get<T>(resource, namespace, name));
  }

  async list<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<T[]> {
    const local = this.local(resource, opts);
    if (local) return local as T[];
    return this.shared.once(`list ${resource.plural} ${JSON.stringify(opts)}`, () =>
      this.shared.limit(() => this.under.list<T>(resource, opts)),
    );
  }

  async tryList<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<Optional<T>> {
    const local = this.local(resource, opts);
    if (local) return { ok: true, items: local as T[] };
    return this.shared.once(`tryList ${resource.plural} ${JSON.stringify(opts)}`, () =>
      this.shared.limit(() => this.under.tryList<T>(resource, opts)),
    );
  }

  private requirements(selector: string): Requirement[] {
    let r = this.selectors.get(selector);
    if (!r) {
      try {
        r = parseSelector(selector);
      } catch (e) {
        if (e instanceof SelectorSyntaxError) throw new UsageError(e.message);
        throw e;
      }
      this.selectors.set(selector, r);
    }
    return r;
  }

  /** The answer from the bulk data, or undefined when it does not hold it. */
  private local(resource: Resource, opts: ListOptions): KubeObject[] | undefined {
    if (!this.covers(opts.namespace)) return undefined;
    const ns = opts.namespace;
    if (resource === R.endpointslices) {
      const m = /^kubernetes\.io\/service-name=([^,]+)$/.exec(opts.labelSelector ?? '');
      if (!m || opts.fieldSelector || ns === undefined) return undefined;
      return this.slicesByService.get(byNsName(ns, m[1]!)) ?? [];
    }
    if (resource === R.events) {
      if (ns === undefined || opts.labelSelector) return undefined;
      const m = /^involvedObject\.kind=(Service|Pod),involvedObject\.name=([^,]+)$/.exec(opts.fieldSelector ?? '');
      if (!m) return undefined;
      if (m[1] === 'Service')
        return this.shared.eventsByService?.get(byNsName(ns, m[2]!)) ?? (this.shared.eventsByService ? [] : undefined);
      // A pod's events: its Warning events, when its namespace's were read in bulk (the engine quotes no others).
      return this.warningNamespaces.has(ns) ? (this.warningsByPod.get(byNsName(ns, m[2]!)) ?? []) : undefined;
    }
    if (resource === R.networkpolicies) {
      if (!this.shared.policiesByNs || ns === undefined || opts.labelSelector || opts.fieldSelector) return undefined;
      return this.shared.policiesByNs.get(ns) ?? [];
    }
    if (resource !== R.pods) return undefined;
    let pods: readonly Pod[];
    const terms = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : [];
    const byName = terms.length === 1 && terms[0]!.path === 'metadata.name' && terms[0]!.equal && ns !== undefined;
    if (byName) {
      const p = this.podsByName.get(byNsName(ns, terms[0]!.value));
      pods = p ? [p] : [];
    } else {
      pods = ns === undefined ? this.bulk.pods : (this.podsByNs.get(ns) ?? []);
      if (terms.length > 0) pods = pods.filter((p) => terms.every((t) => (fieldValue(p, t.path) === t.value) === t.equal));
    }
    if (opts.labelSelector) {
      const reqs = this.requirements(opts.labelSelector);
      pods = pods.filter((p) => matchesRequirements(reqs, p.metadata.labels));
    }
    return opts.metadataOnly ? pods.map((p) => ({ kind: p.kind, metadata: p.metadata })) : [...pods];
  }
}

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/** kdiag route's objects of the scope by namespace, per resource; a resource whose list was denied is absent. */
export type RouteBulk = Map<Resource, Map<string, KubeObject[]>>;

/** kdiag route's objects for the whole scope, read once (optional lists: Ingresses, HTTPRoutes, ReferenceGrants). */
export async function readRouteBulk(under: ClusterReader, scope: AuditScope): Promise<RouteBulk> {
  const RR = ROUTE_RESOURCES;
  const ns = scope.allNamespaces ? {} : { namespace: scope.namespace! };
  const kinds = [RR.ingresses, RR.httproutes, RR.referencegrants] as const;
  const lists = await Promise.all(kinds.map((r) => under.tryList<KubeObject>(r, { ...ns, project: dropManaged })));
  const byNs: RouteBulk = new Map();
  kinds.forEach((r, i) => {
    const res = lists[i]!;
    if (!res.ok) return;
    const m = new Map<string, KubeObject[]>();
    for (const o of res.items) addTo(m, o.metadata.namespace ?? '', o);
    byNs.set(r, m);
  });
  return byNs;
}

/**
 * A reader that answers kdiag svc's per-Service route reads (`loadRoutesNearService`) from the scope's route
 * objects read once; what they do not cover (another namespace's HTTPRoutes, a denied list) goes to `under`.
 */
export function routeBulkReader(under: ClusterReader, scope: AuditScope, byNs: RouteBulk): ClusterReader {
  const local = (r: Resource, o: ListOptions): KubeObject[] | undefined => {
    const m = byNs.get(r);
    if (!m || o.namespace === undefined || o.labelSelector || o.fieldSelector) return undefined;
    if (!scope.allNamespaces && o.namespace !== scope.namespace) return undefined;
    return m.get(o.namespace) ?? [];
  };
  return {
    source: under.source,
    defaultNamespace: under.defaultNamespace,
    get requestCount() {
      return under.requestCount;
    },
    includes: (r: Resource) => inputIncludes(under, r),
    get: (r, namespace, name) => under.get(r, namespace, name),
    list: async <T extends KubeObject>(r: Resource, o: ListOptions = {}) => (local(r, o) as T[] | undefined) ?? under.list<T>(r, o),
    tryList: async <T extends KubeObject>(r: Resource, o: ListOptions = {}): Promise<Optional<T>> => {
      const items = local(r, o) as T[] | undefined;
      return items ? { ok: true, items } : under.tryList<T>(r, o);
    },
  } as ClusterReader;
}

/** Appends `value` to the list under `key`, creating the list on first use. */
function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
