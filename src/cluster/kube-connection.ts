import type { KubeObject } from '../core/k8s/types.js';
import { ClusterAccessError } from '../errors.js';
import { parseJson, statusError, type RawResponse } from './api-errors.js';
import type { AccessCheck, AccessResult, ExecOptions, ExecResult, KubeConnection, ObserveEvent, PortForwardTunnel } from './kube-api.js';
import { KubeReader } from './kube-reader.js';
import { observe } from './observe.js';
import { resourceName, type ListOptions, type Resource } from './reader.js';
import { apiPath, KubeTransport, type KubeAccessOptions } from './transport.js';
import { exec, portForward } from './websocket.js';

/**
 * kdiag's live KubeConnection (kube-api.ts): the reader, access checks, writes, observe, port-forward and exec, all
 * over one transport (transport.ts). Loaded lazily by the Context; `ws` is loaded only by the first port-forward
 * or exec, and client-node only by credentials.ts for exec plugins and auth providers.
 */

const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

const SSAR = {
  group: 'authorization.k8s.io',
  version: 'v1',
  plural: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  namespaced: false,
};

export class LiveKubeConnection implements KubeConnection {
  readonly reader: KubeReader;

  constructor(readonly transport: KubeTransport) {
    this.reader = new KubeReader(transport);
  }

  /** The namespace of a namespaced request: the argument, the object's, else the context's. */
  private ns(resource: Resource, namespace: string | undefined, body?: KubeObject): string | undefined {
    if (!resource.namespaced) return undefined;
    return namespace ?? body?.metadata?.namespace ?? this.transport.namespace;
  }

  private fail(res: RawResponse, verb: string, resource: Resource, namespace: string | undefined, subresource?: string) {
    const name = subresource ? `${resource.plural}/${subresource}${resource.group ? `.${resource.group}` : ''}` : resourceName(resource);
    return statusError(res, this.transport.errorContext, verb, name, namespace);
  }

  async serverTime(): Promise<Date> {
    let now = this.transport.serverNow();
    if (!now) {
      // Any answer carries a Date header; /version is readable by every authenticated (and anonymous) user.
      await this.transport.request('GET', '/version');
      now = this.transport.serverNow();
    }
    if (!now) throw new ClusterAccessError('bad-response', `the API server at ${this.transport.server} sent no Date header`);
    return now;
  }

  async canI(checks: readonly AccessCheck[]): Promise<AccessResult[]> {
    return Promise.all(
      checks.map(async (c) => {
        const resourceAttributes: Record<string, string> = { verb: c.verb, resource: c.resource, group: c.group ?? '' };
        if (c.subresource) resourceAttributes.subresource = c.subresource;
        if (c.namespace !== undefined) resourceAttributes.namespace = c.namespace;
        if (c.name !== undefined) resourceAttributes.name = c.name;
        const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } };
        const res = await this.transport.request('POST', apiPath(SSAR, undefined), { body });
        if (res.status < 200 || res.status >= 300) throw this.fail(res, 'create', SSAR, undefined);
        const review = parseJson<{ status?: { allowed?: boolean; reason?: string } }>(res, 'create', SSAR, this.transport.server);
        const result: AccessResult = { ...c, allowed: review.status?.allowed === true };
        if (review.status?.reason) result.reason = review.status.reason;
        return result;
      }),
    );
  }

  async create<T extends KubeObject>(
    resource: Resource,
    namespace: string | undefined,
    body: T,
    opts: { dryRun?: boolean } = {},
  ): Promise<T> {
    const ns = this.ns(resource, namespace, body);
    const q = opts.dryRun ? '?dryRun=All' : '';
    const res = await this.transport.request('POST', `${apiPath(resource, ns)}${q}`, { body });
    if (res.status < 200 || res.status >= 300) throw this.fail(res, 'create', resource, ns);
    return parseJson<T>(res, 'create', resource, this.transport.server);
  }

  async patch<T extends KubeObject>(
    resource: Resource,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: { type?: 'merge' | 'strategic' | 'json'; subresource?: string } = {},
  ): Promise<T> {
    const ns = this.ns(resource, namespace);
    const res = await this.transport.request('PATCH', apiPath(resource, ns, name, opts.subresource), {
      body,
      contentType: PATCH_TYPES[opts.type ?? 'merge'],
    });
    if (res.status < 200 || res.status >= 300) throw this.fail(res, 'patch', resource, ns, opts.subresource);
    return parseJson<T>(res, 'patch', resource, this.transport.server);
  }

  async delete(
    resource: Resource,
    namespace: string | undefined,
    name: string,
    opts: { gracePeriodSeconds?: number } = {},
  ): Promise<boolean> {
    const ns = this.ns(resource, namespace);
    const q = opts.gracePeriodSeconds !== undefined ? `?gracePeriodSeconds=${Math.max(0, Math.floor(opts.gracePeriodSeconds))}` : '';
    const res = await this.transport.request('DELETE', `${apiPath(resource, ns, name)}${q}`);
    if (res.status === 404) return false;
    if (res.status < 200 || res.status >= 300) throw this.fail(res, 'delete', resource, ns);
    return true;
  }

  observe<T extends KubeObject>(resource: Resource, opts: ListOptions, signal: AbortSignal): AsyncIterable<ObserveEvent<T>> {
    return observe<T>(this.transport, this.reader, resource, opts, signal);
  }

  portForward(namespace: string, pod: string, port: number, signal?: AbortSignal): Promise<PortForwardTunnel> {
    return portForward(this.transport, namespace, pod, port, signal);
  }

  exec(opts: ExecOptions): Promise<ExecResult> {
    return exec(this.transport, opts);
  }
}

/** Connects lazily (the first request loads credentials); same options as the reader's transport (KubeAccessOptions). */
export function createKubeConnection(opts: KubeAccessOptions): LiveKubeConnection {
  return new LiveKubeConnection(new KubeTransport(opts));
}
