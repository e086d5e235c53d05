import type { ClusterReader, Denied, ListOptions, Optional, Resource } from '../../src/cluster/reader.js';
import type { KubeObject } from '../../src/core/k8s/types.js';
import { ClusterAccessError } from '../../src/errors.js';

/** Which reads a test's RBAC refuses: `get` throws 403 (a required read), `list`/`tryList` as the API would. */
export type Deny = (verb: 'get' | 'list', r: Resource, o: ListOptions & { name?: string }) => boolean;

/**
 * A ClusterReader over another that logs every read (`get services a/web`, `tryList pods a -l app=x (metadata)`), so
 * a loader's tests can pin what it reads; `deny` makes chosen reads fail as RBAC would.
 */
export class RecordingReader implements ClusterReader {
  readonly calls: string[] = [];
  constructor(
    private readonly inner: ClusterReader,
    private readonly deny: Deny = () => false,
  ) {}
  get source() {
    return this.inner.source;
  }
  get defaultNamespace() {
    return this.inner.defaultNamespace;
  }
  get requestCount() {
    return this.calls.length;
  }
  includes(r: Resource): boolean {
    return this.inner.includes ? this.inner.includes(r) : true;
  }
  private denied(r: Resource, o: ListOptions): Denied {
    return { verb: 'list', resource: r.plural, ...(o.namespace ? { namespace: o.namespace } : {}), message: `${r.plural} is forbidden` };
  }
  async get<T extends KubeObject>(r: Resource, ns: string | undefined, name: string): Promise<T | undefined> {
    this.calls.push(`get ${r.plural} ${ns ?? '*'}/${name}`);
    if (this.deny('get', r, { ...(ns ? { namespace: ns } : {}), name }))
      throw new ClusterAccessError('forbidden', `forbidden: cannot get ${r.plural}`);
    return this.inner.get<T>(r, ns, name);
  }
  async list<T extends KubeObject>(r: Resource, o: ListOptions = {}): Promise<T[]> {
    this.calls.push(`list ${describeCall(r, o)}`);
    if (this.deny('list', r, o)) throw new ClusterAccessError('forbidden', `forbidden: cannot list ${r.plural}`);
    return this.inner.list<T>(r, o);
  }
  async tryList<T extends KubeObject>(r: Resource, o: ListOptions = {}): Promise<Optional<T>> {
    this.calls.push(`tryList ${describeCall(r, o)}`);
    if (this.deny('list', r, o)) return { ok: false, denied: this.denied(r, o) };
    return this.inner.tryList<T>(r, o);
  }
}

/** `pods a -l app=x --field-selector f=v (metadata)`: a read as the logs show it. */
export function describeCall(r: Resource, o: ListOptions): string {
  return [
    r.plural,
    o.namespace ?? '*',
    o.labelSelector && `-l ${o.labelSelector}`,
    o.fieldSelector && `--field-selector ${o.fieldSelector}`,
    o.metadataOnly && '(metadata)',
  ]
    .filter(Boolean)
    .join(' ');
}
