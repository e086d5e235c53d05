import type { EndpointSlice, Pod, Service, ServicePort } from '../../../src/core/k8s/types.js';
import type { ForwardEvent } from '../../../src/core/forward/events.js';
import {
  ForwardSupervisor,
  type Clock,
  type LocalConnection,
  type SupervisorDeps,
  type TunnelLike,
} from '../../../src/core/forward/supervisor.js';
import type { PortMapping } from '../../../src/core/forward/resolve.js';
import type { TargetRef } from '../../../src/core/forward/types.js';

export function pod(
  name: string,
  opts: {
    ready?: boolean;
    phase?: string;
    uid?: string;
    deleting?: boolean;
    labels?: Record<string, string>;
    ports?: { name?: string; containerPort: number; protocol?: string }[];
  } = {},
): Pod {
  const ready = opts.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      uid: opts.uid ?? `uid-${name}`,
      labels: opts.labels ?? { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: '2026-12-06T00:00:00Z' } : {}),
    },
    spec: { containers: [{ name: 'app', ports: opts.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: opts.phase ?? 'Running',
      podIP: '10.0.0.1',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

export function service(
  name: string,
  ports: ServicePort[],
  opts: { affinity?: boolean; selector?: Record<string, string> | null; type?: string } = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: {
      ...(opts.type ? { type: opts.type } : {}),
      ...(opts.selector === null ? {} : { selector: opts.selector ?? { app: 'web' } }),
      ports,
      ...(opts.affinity ? { sessionAffinity: 'ClientIP' } : {}),
    },
  };
}

export interface EndpointSpec {
  pod: string;
  ready?: boolean;
  terminating?: boolean;
  /** Leave conditions out entirely (unset means ready). */
  unset?: boolean;
  kind?: string;
}

export function slice(
  name: string,
  svc: string,
  endpoints: EndpointSpec[],
  ports: { name?: string; port: number }[] = [{ name: 'http', port: 8080 }],
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
    endpoints: endpoints.map((e, i) => ({
      addresses: [`10.0.0.${i + 1}`],
      ...(e.unset ? {} : { conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: e.terminating ?? false } }),
      targetRef: { kind: e.kind ?? 'Pod', name: e.pod, namespace: 'shop' },
    })),
  };
}

export class FakeClock implements Clock {
  t = Date.parse('2026-12-06T03:00:00.000Z');
  timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
  advance(ms: number): void {
    this.t += ms;
    for (const timer of this.timers.filter((x) => !x.cancelled && x.at <= this.t)) {
      timer.cancelled = true;
      timer.fn();
    }
  }
  pending(): number {
    return this.timers.filter((x) => !x.cancelled).length;
  }
}

export class FakeTunnel implements TunnelLike {
  closed = false;
  resolveError!: (v: string | undefined) => void;
  rejectError!: (e: Error) => void;
  error: Promise<string | undefined>;
  constructor(
    readonly pod: string,
    readonly port: number,
  ) {
    this.error = new Promise((res, rej) => {
      this.resolveError = res;
      this.rejectError = rej;
    });
  }
  close(): void {
    this.closed = true;
  }
}

export class FakeLocal implements LocalConnection<FakeTunnel> {
  closed = false;
  attached: FakeTunnel | undefined;
  bytesIn = 0;
  bytesOut = 0;
  constructor(
    readonly mapping = 0,
    readonly localAddress = '127.0.0.1',
    readonly localPort = 54021,
  ) {}
  attach(t: FakeTunnel): void {
    this.attached = t;
  }
  close(): void {
    this.closed = true;
  }
  bytes(): { in: number; out: number } {
    return { in: this.bytesIn, out: this.bytesOut };
  }
}

/** Lets promise callbacks (tunnel opening, error channels) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

export interface Harness {
  sup: ForwardSupervisor<FakeTunnel>;
  events: ForwardEvent[];
  tunnels: FakeTunnel[];
  clock: FakeClock;
  explained: number;
  /** Accepts `n` local connections and lets their tunnels open. */
  connect(n?: number, mapping?: number): Promise<{ id: number; local: FakeLocal }[]>;
  of<E extends ForwardEvent['event']>(name: E): Extract<ForwardEvent, { event: E }>[];
  failOpen: Set<string>;
}

export function harness(
  target: Partial<TargetRef> & Pick<TargetRef, 'kind' | 'name'>,
  mappings: PortMapping[],
  extra: Partial<SupervisorDeps<FakeTunnel>> = {},
): Harness {
  const events: ForwardEvent[] = [];
  const tunnels: FakeTunnel[] = [];
  const clock = new FakeClock();
  const failOpen = new Set<string>();
  const h: Harness = {
    events,
    tunnels,
    clock,
    explained: 0,
    failOpen,
    sup: undefined as unknown as ForwardSupervisor<FakeTunnel>,
    async connect(n = 1, mapping = 0) {
      const out: { id: number; local: FakeLocal }[] = [];
      for (let i = 0; i < n; i++) {
        const local = new FakeLocal(mapping);
        const id = h.sup.handle({ type: 'connection', connection: local })!;
        out.push({ id, local });
      }
      await flush();
      return out;
    },
    of(name) {
      return events.filter((e) => e.event === name) as never;
    },
  };
  h.sup = new ForwardSupervisor<FakeTunnel>({
    target: { namespace: 'shop', ...target },
    mappings,
    clock,
    emit: (e) => events.push(e),
    openTunnel: async (p, port) => {
      if (failOpen.has(p)) throw new Error(`pods "${p}" not found`);
      const t = new FakeTunnel(p, port);
      tunnels.push(t);
      return t;
    },
    explainWhyNotReady: () => {
      h.explained++;
      return { code: 'no-ready-endpoints', message: 'pod web-0 fails its readiness probe', hint: 'kubectl describe pod web-0' };
    },
    ...extra,
  });
  return h;
}
