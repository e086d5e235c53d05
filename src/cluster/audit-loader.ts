import { projectEvent, projectPod } from '../core/audit/project.js';
import { collectGarbage } from './collect-garbage.js';
import { diagnosePod, isTerminating } from '../core/k8s/pods.js';
import { matchesRequirements, parseSelector, SelectorSyntaxError, type Requirement } from '../core/k8s/selectors.js';
import type { EndpointSlice, KubeEvent, KubeObject, NetworkPolicy, Pod, Service } from '../core/k8s/types.js';
import { UsageError } from '../errors.js';
import { parseFieldSelector } from './file-reader.js';
import { ROUTE_RESOURCES } from './route-loader.js';
import { inputIncludes, R, type ClusterReader, type ListOptions, type Optional, type Resource } from './reader.js';

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

/** The scope's objects read in bulk, once, before any Service is checked. */
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

/** Objects read between two forced collections (see collectGarbage): ten pages. */
const COLLECT_EVERY = 5_000;

/**
 * Reads the scope in bulk, in pages of 500: Services (`-l` applied server-side), EndpointSlices and pods (required:
 * a denial is exit 3 naming the verb), then the Services' events and the NetworkPolicies (optional: a denial leaves
 * them to be read per namespace, where RBAC may allow it). Pods are projected as each page arrives.
 */
export async function readBulk(reader: ClusterReader, scope: AuditScope, progress: ReadProgress = () => {}): Promise<BulkData> {
  const ns = scope.allNamespaces ? {} : { namespace: scope.namespace! };
  const counting =
    (resource: string, project?: (o: KubeObject) => KubeObject) =>
    (o: KubeObject): KubeObject => {
      const n = (counts.get(resource) ?? 0) + 1;
      counts.set(resource, n);
      if (n % 500 === 0) progress({ resource, items: n });
      if (n % COLLECT_EVERY === 0) collectGarbage();
      return project ? project(o) : o;
    };
  const counts = new Map<string, number>();
  const services = await reader.list<Service>(R.services, {
    ...ns,
    ...(scope.selector ? { labelSelector: scope.selector } : {}),
    project: counting('services', dropManaged),
  });
  progress({ resource: 'services', items: services.length });
  if (services.length === 0) return { services, slices: [], pods: [] };
  const slices = await reader.list<EndpointSlice>(R.endpointslices, { ...ns, project: counting('endpointslices', dropManaged) });
  progress({ resource: 'endpointslices', items: slices.length });
  const pods = await reader.list<Pod>(R.pods, { ...ns, project: counting('pods', projectPod) });
  progress({ resource: 'pods', items: pods.length });
  const [events, policies, podWarnings] = await Promise.all([
    reader.tryList<KubeEvent>(R.events, { ...ns, fieldSelector: 'involvedObject.kind=Service', project: dropManaged }),
    reader.tryList<NetworkPolicy>(R.networkpolicies, { ...ns, project: dropManaged }),
    readPodWarnings(reader, services, pods),
  ]);
  return {
    services,
    slices,
    pods,
    ...(events.ok ? { serviceEvents: events.items } : {}),
    ...(policies.ok ? { policies: policies.items } : {}),
    ...(podWarnings.namespaces.length > 0 ? { podWarnings } : {}),
  };
}

/** Namespaces read for Warning events at once. */
const EVENT_NAMESPACES_IN_FLIGHT = 4;

/**
 * The engine reads the events of a Service's unready pods (kdiag svc: one read per pod, a few per Service). The
 * audit reads them in bulk instead: one paged list of Warning events (the engine quotes only those) per namespace
 * that holds a Service and such a pod, projected to the fields the engine reads.
 */
async function readPodWarnings(
  reader: ClusterReader,
  services: readonly Service[],
  pods: readonly Pod[],
): Promise<{ namespaces: string[]; events: KubeEvent[] }> {
  const withServices = new Set(services.map((s) => s.metadata.namespace ?? reader.defaultNamespace));
  const wanted = new Set<string>();
  for (const p of pods) {
    const ns = p.metadata.namespace ?? reader.defaultNamespace;
    if (wanted.has(ns) || !withServices.has(ns)) continue;
    if (!isTerminating(p) && diagnosePod(p, [], undefined, undefined) !== undefined) wanted.add(ns);
  }
  const limit = limiter(EVENT_NAMESPACES_IN_FLIGHT);
  const read = await Promise.all(
    [...wanted].sort().map((namespace) =>
      limit(() => reader.tryList<KubeEvent>(R.events, { namespace, fieldSelector: 'type=Warning', project: projectEvent })).then((r) => ({
        namespace,
        r,
      })),
    ),
  );
  return {
    namespaces: read.filter((x) => x.r.ok).map((x) => x.namespace),
    events: read.flatMap((x) => (x.r.ok ? x.r.items : [])),
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
  private readonly eventsByService = new Map<string, KubeEvent[]>();
  private readonly warningsByPod = new Map<string, KubeEvent[]>();
  private readonly warningNamespaces: ReadonlySet<string>;
  private readonly policiesByNs = new Map<string, NetworkPolicy[]>();
  private readonly selectors = new Map<string, Requirement[]>();
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly limit: <T>(run: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly under: ClusterReader,
    private readonly bulk: BulkData,
    private readonly scope: AuditScope,
    inFlight = 8,
  ) {
    this.source = under.source;
    this.defaultNamespace = under.defaultNamespace;
    this.limit = limiter(inFlight);
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
    for (const e of bulk.serviceEvents ?? []) {
      const k = byNsName(e.involvedObject?.namespace ?? e.metadata.namespace, e.involvedObject?.name ?? '');
      addTo(this.eventsByService, k, e);
    }
    this.warningNamespaces = new Set(bulk.podWarnings?.namespaces ?? []);
    for (const e of bulk.podWarnings?.events ?? []) {
      if (e.involvedObject?.kind !== 'Pod') continue;
      const k = byNsName(e.involvedObject.namespace ?? e.metadata.namespace, e.involvedObject.name ?? '');
      addTo(this.warningsByPod, k, e);
    }
    for (const np of bulk.policies ?? []) {
      const ns = np.metadata.namespace ?? '';
      addTo(this.policiesByNs, ns, np);
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
    return this.limit(() => this.under.get<T>(resource, namespace, name));
  }

  async list<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<T[]> {
    const local = this.local(resource, opts);
    if (local) return local as T[];
    return this.once(`list ${resource.plural} ${JSON.stringify(opts)}`, () => this.limit(() => this.under.list<T>(resource, opts)));
  }

  async tryList<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<Optional<T>> {
    const local = this.local(resource, opts);
    if (local) return { ok: true, items: local as T[] };
    return this.once(`tryList ${resource.plural} ${JSON.stringify(opts)}`, () => this.limit(() => this.under.tryList<T>(resource, opts)));
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.memo.set(key, p);
    }
    return p;
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
      if (m[1] === 'Service') return this.bulk.serviceEvents ? (this.eventsByService.get(byNsName(ns, m[2]!)) ?? []) : undefined;
      // A pod's events: its Warning events, when its namespace's were read in bulk (the engine quotes no others).
      return this.warningNamespaces.has(ns) ? (this.warningsByPod.get(byNsName(ns, m[2]!)) ?? []) : undefined;
    }
    if (resource === R.networkpolicies) {
      if (!this.bulk.policies || ns === undefined || opts.labelSelector || opts.fieldSelector) return undefined;
      return this.policiesByNs.get(ns) ?? [];
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

/**
 * kdiag route's objects for the whole scope, read once (optional lists: Ingresses, HTTPRoutes, ReferenceGrants),
 * behind a reader that answers kdiag svc's per-Service route reads (`loadRoutesNearService`) from them; what they
 * do not cover (another namespace's HTTPRoutes, a denied list) goes to `under`.
 */
export async function routeBulkReader(under: ClusterReader, scope: AuditScope): Promise<ClusterReader> {
  const RR = ROUTE_RESOURCES;
  const ns = scope.allNamespaces ? {} : { namespace: scope.namespace! };
  const kinds = [RR.ingresses, RR.httproutes, RR.referencegrants] as const;
  const lists = await Promise.all(kinds.map((r) => under.tryList<KubeObject>(r, { ...ns, project: dropManaged })));
  const byNs = new Map<Resource, Map<string, KubeObject[]>>();
  kinds.forEach((r, i) => {
    const res = lists[i]!;
    if (!res.ok) return;
    const m = new Map<string, KubeObject[]>();
    for (const o of res.items) addTo(m, o.metadata.namespace ?? '', o);
    byNs.set(r, m);
  });
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
