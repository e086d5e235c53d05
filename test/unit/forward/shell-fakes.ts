// The fake KubeConnection and helpers of the forward shell tests (command.test.ts, choose.test.ts).
import net from 'node:net';
import { PassThrough } from 'node:stream';
import type { AccessCheck, AccessResult, KubeConnection, ObserveEvent, PortForwardTunnel } from '../../../src/cluster/kube-api.js';
import type { ClusterReader, ListOptions, Resource } from '../../../src/cluster/reader.js';
import type { Context, EventStream } from '../../../src/commands/types.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import { writeStream } from '../../../src/writer.js';
import { contextDefaults } from '../../helpers/context.js';
import type { TestIo } from '../../helpers/io.js';
import { pod, service, slice } from './fakes.js';

/** A KubeConnection over objects in memory; `push` feeds the watches. */
export class FakeKube {
  objects = new Map<string, KubeObject[]>();
  denied = new Set<string>();
  tunnels: PassThrough[] = [];
  private readonly watchers = new Set<{ plural: string; push(e: ObserveEvent<KubeObject>): void }>();
  activeWatches = 0;

  set(plural: string, objs: KubeObject[]): void {
    this.objects.set(plural, objs);
  }

  push(plural: string, e: ObserveEvent<KubeObject>): void {
    for (const w of this.watchers) if (w.plural === plural) w.push(e);
  }

  private async *watch<T extends KubeObject>(r: Resource, opts: ListOptions, signal: AbortSignal): AsyncGenerator<ObserveEvent<T>> {
    const queue: ObserveEvent<KubeObject>[] = [];
    let wake: (() => void) | undefined;
    const w = {
      plural: r.plural,
      push: (e: ObserveEvent<KubeObject>) => {
        queue.push(e);
        wake?.();
      },
    };
    this.watchers.add(w);
    this.activeWatches++;
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      const name = opts.fieldSelector?.replace('metadata.name=', '');
      // Equality label selectors only (the EndpointSlices of one Service).
      const [key, value] = opts.labelSelector?.includes('=') ? opts.labelSelector.split('=') : [];
      const all = (this.objects.get(r.plural) ?? []).filter((o) => key === undefined || o.metadata.labels?.[key] === value);
      yield { type: 'sync', objects: (name ? all.filter((o) => o.metadata.name === name) : all) as T[] };
      while (!signal.aborted) {
        if (queue.length === 0) await new Promise<void>((res) => (wake = res));
        while (queue.length > 0 && !signal.aborted) yield queue.shift() as ObserveEvent<T>;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.watchers.delete(w);
      this.activeWatches--;
    }
  }

  connection(): KubeConnection {
    const reader: ClusterReader = {
      source: 'live',
      defaultNamespace: 'shop',
      requestCount: 0,
      get: async <T extends KubeObject>(r: Resource, _ns: string | undefined, name: string) =>
        (this.objects.get(r.plural) ?? []).find((o) => o.metadata.name === name) as T | undefined,
      list: async <T extends KubeObject>(r: Resource) => (this.objects.get(r.plural) ?? []) as T[],
      tryList: async <T extends KubeObject>(r: Resource) => ({ ok: true as const, items: (this.objects.get(r.plural) ?? []) as T[] }),
    };
    return {
      reader,
      serverTime: async () => new Date(),
      canI: async (checks: readonly AccessCheck[]): Promise<AccessResult[]> =>
        checks.map((c) => ({ ...c, allowed: !this.denied.has(`${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''}`) })),
      create: () => Promise.reject(new Error('not in this test')),
      patch: () => Promise.reject(new Error('not in this test')),
      delete: () => Promise.reject(new Error('not in this test')),
      exec: () => Promise.reject(new Error('not in this test')),
      observe: <T extends KubeObject>(r: Resource, opts: ListOptions, signal: AbortSignal) => this.watch<T>(r, opts, signal),
      portForward: async (): Promise<PortForwardTunnel> => {
        // An echo: what the client writes comes back.
        const stream = new PassThrough();
        this.tunnels.push(stream);
        let end!: (v: string | undefined) => void;
        const error = new Promise<string | undefined>((res) => (end = res));
        return { stream, error, close: () => (stream.destroy(), end(undefined)) };
      },
    };
  }
}

export function healthyWeb(kube: FakeKube): void {
  kube.set('services', [service('web', [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }])]);
  kube.set('endpointslices', [slice('web-abc', 'web', [{ pod: 'web-1' }])]);
  kube.set('pods', [pod('web-1')]);
}

export function context(kube: FakeKube, io: TestIo, ac: AbortController, warnings: string[] = []): Context {
  const conn = kube.connection();
  return {
    ...contextDefaults('forward'),
    io,
    globals: { requestTimeoutMs: 30_000, debug: false, noColor: true, namespace: 'shop' },
    cwd: process.cwd(),
    env: {},
    signal: ac.signal,
    kube: async () => conn,
    canI: async (checks) => {
      const denied = (await conn.canI(checks)).filter((r) => !r.allowed);
      if (denied.length > 0) {
        const { missingPermissions } = await import('../../../src/context.js');
        throw missingPermissions(denied);
      }
    },
    cluster: async () => conn.reader,
    config: async () => ({}),
    progress: () => () => {},
    warn: (t) => warnings.push(t),
  };
}

export function write(stream: EventStream, ctx: Context, format: 'text' | 'json'): Promise<number> {
  return writeStream(stream, { io: ctx.io, command: 'forward', format, clock: ctx.clock, signal: ctx.signal });
}

export function lines(io: TestIo): Record<string, unknown>[] {
  return io
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function until<T>(probe: () => T | undefined, what: string, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function connectable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

export function echoOnce(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(text));
    let got = '';
    s.on('data', (d) => {
      got += String(d);
      if (got.length >= text.length) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}
