import { resolveServicePorts, type PortMapping } from '../../../src/core/forward/resolve.js';
import { hintForTunnelError, TUNNEL_RETRIES } from '../../../src/core/forward/supervisor.js';
import { formatMs, targetText } from '../../../src/core/forward/types.js';
import { FakeTunnel, flush, harness, pod, service, slice } from './fakes.js';

const WEB = service('web', [{ name: 'http', port: 80, targetPort: 'http' }]);

function svcMappings(svc = WEB): PortMapping[] {
  const r = resolveServicePorts(svc, [{ local: 0, remote: 80 }]);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A Service harness with `pods` ready behind it (slices and pods synced). */
function webWith(podNames: string[], svc = WEB, extra = {}) {
  const h = harness({ kind: 'Service', name: 'web' }, svcMappings(svc), extra);
  h.sup.handle({ type: 'service', change: { type: 'sync', objects: [svc] } });
  h.sup.handle({ type: 'pods', change: { type: 'sync', objects: podNames.map((n) => pod(n)) } });
  h.sup.handle({
    type: 'endpointslices',
    change: {
      type: 'sync',
      objects: [
        slice(
          'web-abc',
          'web',
          podNames.map((p) => ({ pod: p })),
        ),
      ],
    },
  });
  return h;
}

describe('ForwardSupervisor: picking pods', () => {
  it('30 connections over 3 ready pods reach all 3, round-robin', async () => {
    const h = webWith(['web-a', 'web-b', 'web-c']);
    await h.connect(30);
    const counts: Record<string, number> = {};
    for (const e of h.of('pod-selected')) counts[e.pod] = (counts[e.pod] ?? 0) + 1;
    expect(counts).toEqual({ 'web-a': 10, 'web-b': 10, 'web-c': 10 });
    expect(h.of('pod-selected').every((e) => e.reason === 'round-robin')).toBe(true);
    expect(h.of('connection-opened')).toHaveLength(30);
    expect(h.tunnels.map((t) => t.port)).toEqual(Array(30).fill(8080));
  });

  it('endpoints that are not ready, terminating or not pods are never picked; unset conditions mean ready', async () => {
    const h = harness({ kind: 'Service', name: 'web' }, svcMappings());
    h.sup.handle({ type: 'service', change: { type: 'sync', objects: [WEB] } });
    h.sup.handle({
      type: 'endpointslices',
      change: {
        type: 'sync',
        objects: [
          slice('web-1', 'web', [
            { pod: 'web-a', ready: false },
            { pod: 'web-b', terminating: true, ready: false },
            { pod: 'web-c', unset: true },
            { pod: 'vm-1', kind: 'VirtualMachine' },
          ]),
        ],
      },
    });
    await h.connect(4);
    expect(h.of('pod-selected').map((e) => e.pod)).toEqual(['web-c', 'web-c', 'web-c', 'web-c']);
    expect(h.of('pod-selected')[0]!.reason).toBe('only-ready-pod');
  });

  it('sessionAffinity: ClientIP pins every local connection to one pod while it stays ready', async () => {
    const svc = service('web', [{ name: 'http', port: 80, targetPort: 'http' }], { affinity: true });
    const h = webWith(['web-a', 'web-b', 'web-c'], svc);
    await h.connect(10);
    const pods = new Set(h.of('pod-selected').map((e) => e.pod));
    expect([...pods]).toEqual(['web-a']);
    expect(h.of('pod-selected').every((e) => e.reason === 'session-affinity')).toBe(true);
    // The pinned pod goes: its connections close, the next ones are pinned to another pod.
    h.sup.handle({
      type: 'endpointslices',
      change: { type: 'modified', object: slice('web-abc', 'web', [{ pod: 'web-b' }, { pod: 'web-c' }]) },
    });
    expect(h.of('connection-closed').map((e) => e.reason)).toEqual(Array(10).fill('pod-gone'));
    await h.connect(5);
    const after = h.of('pod-selected').slice(10);
    expect(new Set(after.map((e) => e.pod)).size).toBe(1);
    expect(after[0]!.pod).not.toBe('web-a');
  });

  it('each Service port round-robins on its own', async () => {
    const two = service('web', [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'admin', port: 9000, targetPort: 9000 },
    ]);
    const r = resolveServicePorts(two, []);
    if (!r.ok) throw new Error(r.error.message);
    const h = harness({ kind: 'Service', name: 'web' }, r.value);
    h.sup.handle({ type: 'service', change: { type: 'sync', objects: [two] } });
    const ports = [
      { name: 'http', port: 8080 },
      { name: 'admin', port: 9000 },
    ];
    h.sup.handle({
      type: 'endpointslices',
      change: { type: 'sync', objects: [slice('s', 'web', [{ pod: 'web-a' }, { pod: 'web-b' }], ports)] },
    });
    await h.connect(1, 0);
    await h.connect(1, 1);
    await h.connect(1, 0);
    await h.connect(1, 1);
    expect(h.of('pod-selected').map((e) => `${e.remotePort}:${e.pod}:${e.podPort}`)).toEqual([
      '80:web-a:8080',
      '9000:web-a:9000',
      '80:web-b:8080',
      '9000:web-b:9000',
    ]);
  });

  it('a named targetPort is resolved per pod: two pods declaring "http" on different numbers', async () => {
    const h = harness({ kind: 'Service', name: 'web' }, svcMappings());
    h.sup.handle({ type: 'service', change: { type: 'sync', objects: [WEB] } });
    h.sup.handle({
      type: 'pods',
      change: {
        type: 'sync',
        objects: [
          pod('web-old', { ports: [{ name: 'http', containerPort: 8080 }] }),
          pod('web-new', { ports: [{ name: 'http', containerPort: 9090 }] }),
        ],
      },
    });
    h.sup.handle({
      type: 'endpointslices',
      change: {
        type: 'sync',
        objects: [slice('s1', 'web', [{ pod: 'web-old' }]), slice('s2', 'web', [{ pod: 'web-new' }], [{ name: 'http', port: 9090 }])],
      },
    });
    await h.connect(2);
    expect(h.of('pod-selected').map((e) => [e.pod, e.podPort])).toEqual([
      ['web-new', 9090],
      ['web-old', 8080],
    ]);
    expect(h.tunnels.map((t) => [t.pod, t.port])).toEqual([
      ['web-new', 9090],
      ['web-old', 8080],
    ]);
  });

  it('a named targetPort declared under another protocol on a pod is not served there (findPort matches name and protocol)', async () => {
    const h = harness({ kind: 'Service', name: 'web' }, svcMappings());
    h.sup.handle({ type: 'service', change: { type: 'sync', objects: [WEB] } });
    h.sup.handle({
      type: 'pods',
      change: { type: 'sync', objects: [pod('web-a', { ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }), pod('web-b')] },
    });
    h.sup.handle({ type: 'endpointslices', change: { type: 'sync', objects: [slice('s1', 'web', [{ pod: 'web-a' }, { pod: 'web-b' }])] } });
    await h.connect(3);
    expect(h.of('pod-selected').map((e) => e.pod)).toEqual(['web-b', 'web-b', 'web-b']);
  });

  it('without the pod objects, the port its EndpointSlice lists is used', async () => {
    const h = harness({ kind: 'Service', name: 'web' }, svcMappings());
    h.sup.handle({ type: 'service', change: { type: 'sync', objects: [WEB] } });
    h.sup.handle({
      type: 'endpointslices',
      change: { type: 'sync', objects: [slice('s1', 'web', [{ pod: 'web-a' }], [{ name: 'http', port: 7070 }])] },
    });
    await h.connect(1);
    expect(h.tunnels[0]!.port).toBe(7070);
  });
});

describe('ForwardSupervisor: the serving pod goes away', () => {
  it('deleting the serving pod closes its connections with pod-gone; new ones go to another ready pod', async () => {
    const h = webWith(['web-a', 'web-b']);
    const conns = await h.connect(4);
    const onA = conns.filter((_, i) => h.of('pod-selected')[i]!.pod === 'web-a');
    conns[0]!.local.bytesIn = 100;
    conns[0]!.local.bytesOut = 7;
    h.sup.handle({ type: 'pods', change: { type: 'deleted', object: pod('web-a') } });
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('web-abc', 'web', [{ pod: 'web-b' }]) } });
    const closed = h.of('connection-closed');
    expect(closed.map((e) => [e.pod, e.reason])).toEqual([
      ['web-a', 'pod-gone'],
      ['web-a', 'pod-gone'],
    ]);
    expect(closed[0]).toMatchObject({ message: 'pod web-a was deleted', bytesIn: 100, bytesOut: 7 });
    expect(onA.every((c) => c.local.closed && c.local.attached!.closed)).toBe(true);
    expect(conns.filter((c) => !onA.includes(c)).every((c) => !c.local.closed)).toBe(true);
    await h.connect(3);
    expect(
      h
        .of('pod-selected')
        .slice(4)
        .map((e) => e.pod),
    ).toEqual(['web-b', 'web-b', 'web-b']);
  });

  it('an endpoint turning not ready closes with pod-not-ready; terminating with pod-gone', async () => {
    const h = webWith(['web-a', 'web-b']);
    await h.connect(2);
    h.sup.handle({
      type: 'endpointslices',
      change: {
        type: 'modified',
        object: slice('web-abc', 'web', [
          { pod: 'web-a', ready: false },
          { pod: 'web-b', ready: false, terminating: true },
        ]),
      },
    });
    expect(h.of('connection-closed').map((e) => [e.pod, e.reason, e.message])).toEqual([
      ['web-a', 'pod-not-ready', 'pod web-a is no longer ready'],
      ['web-b', 'pod-gone', 'pod web-b is terminating'],
    ]);
  });

  it('a pod marked for deletion closes its connections before its endpoint changes', async () => {
    const h = webWith(['web-a']);
    await h.connect(1);
    h.sup.handle({ type: 'pods', change: { type: 'modified', object: pod('web-a', { deleting: true }) } });
    expect(h.of('connection-closed')).toEqual([expect.objectContaining({ reason: 'pod-gone', message: 'pod web-a is terminating' })]);
  });

  it('a pod that goes while its tunnel is opening is closed, and the tunnel too once it opens', async () => {
    const h = webWith(['web-a']);
    const local = h.sup.handle({ type: 'connection', connection: new (await import('./fakes.js')).FakeLocal() });
    expect(local).toBe(1);
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('web-abc', 'web', []) } });
    await flush();
    expect(h.of('connection-closed').map((e) => e.reason)).toEqual(['pod-gone']);
    expect(h.of('connection-opened')).toEqual([]);
    expect(h.tunnels[0]!.closed).toBe(true);
  });

  it('the Service being deleted closes its connections and new ones wait', async () => {
    const h = webWith(['web-a']);
    expect(h.sup.servable()).toBe(true);
    await h.connect(1);
    h.sup.handle({ type: 'service', change: { type: 'deleted', object: WEB } });
    expect(h.of('connection-closed').map((e) => [e.reason, e.message])).toEqual([['pod-gone', 'Service web was deleted']]);
    expect(h.sup.servable()).toBe(false);
    await h.connect(1);
    expect(h.of('waiting')).toHaveLength(1);
  });

  it("an edited targetPort is followed: new connections go to the Service's new target port", async () => {
    const h = webWith(['web-a']);
    await h.connect(1);
    const edited = service('web', [{ name: 'http', port: 80, targetPort: 9999 }]);
    h.sup.handle({ type: 'service', change: { type: 'modified', object: edited } });
    await h.connect(1);
    expect(h.tunnels.map((t) => t.port)).toEqual([8080, 9999]);
  });

  it('pod/NAME follows the name: a StatefulSet pod that comes back is used again', async () => {
    const h = harness({ kind: 'Pod', name: 'db-0' }, [{ localPort: 5432, remotePort: 5432, containerPort: 5432 }]);
    h.sup.handle({ type: 'pods', change: { type: 'sync', objects: [pod('db-0', { uid: 'one' })] } });
    await h.connect(1);
    // Recreated under the same name in one step: the old incarnation's connections are closed.
    h.sup.handle({ type: 'pods', change: { type: 'modified', object: pod('db-0', { uid: 'two', phase: 'Pending', ready: false }) } });
    expect(h.of('connection-closed')).toEqual([
      expect.objectContaining({ pod: 'db-0', reason: 'pod-gone', message: 'pod db-0 was deleted (a new pod of that name replaced it)' }),
    ]);
    await h.connect(1);
    expect(h.of('waiting')).toHaveLength(1);
    h.sup.handle({ type: 'pods', change: { type: 'modified', object: pod('db-0', { uid: 'two' }) } });
    await flush();
    expect(h.of('pod-selected').map((e) => [e.pod, e.reason])).toEqual([
      ['db-0', 'named-pod'],
      ['db-0', 'named-pod'],
    ]);
    expect(h.of('connection-opened')).toHaveLength(2);
  });

  it('pod/NAME forwards to a Running pod that is not ready (as kubectl), and closes with pod-not-ready when it stops running', async () => {
    const h = harness({ kind: 'Pod', name: 'web-0' }, [{ localPort: 8080, remotePort: 'http', containerPort: 'http' }]);
    h.sup.handle({
      type: 'pods',
      change: { type: 'sync', objects: [pod('web-0', { ready: false, ports: [{ name: 'http', containerPort: 3000 }] })] },
    });
    await h.connect(1);
    expect(h.tunnels.map((t) => t.port)).toEqual([3000]);
    h.sup.handle({ type: 'pods', change: { type: 'modified', object: pod('web-0', { phase: 'Failed' }) } });
    expect(h.of('connection-closed').map((e) => e.reason)).toEqual(['pod-gone']);
    const h2 = harness({ kind: 'Pod', name: 'web-0' }, [{ localPort: 8080, remotePort: 8080, containerPort: 8080 }]);
    h2.sup.handle({ type: 'pods', change: { type: 'sync', objects: [pod('web-0')] } });
    await h2.connect(1);
    h2.sup.handle({ type: 'pods', change: { type: 'modified', object: pod('web-0', { phase: 'Unknown' }) } });
    expect(h2.of('connection-closed').map((e) => [e.reason, e.message])).toEqual([['pod-not-ready', 'pod web-0 is no longer running']]);
  });

  it('a Deployment forwards to its ready pods that match its selector', async () => {
    const h = harness({ kind: 'Deployment', name: 'api' }, [{ localPort: 8080, remotePort: 8080, containerPort: 8080 }]);
    h.sup.handle({
      type: 'workload',
      change: {
        type: 'sync',
        objects: [{ kind: 'Deployment', metadata: { name: 'api' }, spec: { selector: { matchLabels: { app: 'api' } } } }],
      },
    });
    h.sup.handle({
      type: 'pods',
      change: {
        type: 'sync',
        objects: [
          pod('api-1', { labels: { app: 'api' } }),
          pod('api-2', { labels: { app: 'api' }, ready: false }),
          pod('other', { labels: { app: 'x' } }),
        ],
      },
    });
    await h.connect(3);
    expect(h.of('pod-selected').map((e) => e.pod)).toEqual(['api-1', 'api-1', 'api-1']);
    h.sup.handle({ type: 'pods', change: { type: 'modified', object: pod('api-1', { labels: { app: 'api' }, ready: false }) } });
    expect(h.of('connection-closed').map((e) => e.reason)).toEqual(['pod-not-ready', 'pod-not-ready', 'pod-not-ready']);
  });
});

describe('ForwardSupervisor: no ready pod', () => {
  it('new connections wait, `waiting` is emitted once with the injected explanation, then they are served when a pod appears', async () => {
    const h = webWith([]);
    const conns = await h.connect(3);
    expect(h.of('waiting')).toEqual([
      expect.objectContaining({
        event: 'waiting',
        code: 'no-ready-endpoints',
        message: 'pod web-0 fails its readiness probe',
        hint: 'kubectl describe pod web-0',
        timeoutMs: 60_000,
      }),
    ]);
    expect(h.explained).toBe(1);
    expect(conns.every((c) => !c.local.closed)).toBe(true);
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('web-abc', 'web', [{ pod: 'web-a' }]) } });
    await flush();
    expect(h.of('connection-opened').map((e) => e.connection)).toEqual([1, 2, 3]);
    expect(h.clock.pending()).toBe(0);
    // A later outage is announced again.
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('web-abc', 'web', []) } });
    await h.connect(1);
    expect(h.of('waiting')).toHaveLength(2);
  });

  it('a port no pod can serve waits on its own, announced once, while the other port serves', async () => {
    const two = service('web', [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'grpc', port: 9090, targetPort: 'grpc' },
    ]);
    const r = resolveServicePorts(two, []);
    if (!r.ok) throw new Error(r.error.message);
    const h = harness({ kind: 'Service', name: 'web' }, r.value);
    h.sup.handle({ type: 'service', change: { type: 'sync', objects: [two] } });
    h.sup.handle({ type: 'pods', change: { type: 'sync', objects: [pod('web-a')] } });
    h.sup.handle({
      type: 'endpointslices',
      change: { type: 'sync', objects: [slice('s', 'web', [{ pod: 'web-a' }], [{ name: 'http', port: 8080 }])] },
    });
    await h.connect(2, 1);
    await h.connect(1, 0);
    h.sup.handle({ type: 'pods', change: { type: 'modified', object: pod('web-a') } });
    h.sup.handle({
      type: 'endpointslices',
      change: { type: 'modified', object: slice('s', 'web', [{ pod: 'web-a' }], [{ name: 'http', port: 8080 }]) },
    });
    expect(h.of('waiting').map((e) => e.remotePort)).toEqual([9090]);
    expect(h.of('connection-opened').map((e) => e.podPort)).toEqual([8080]);
  });

  it('after --pod-running-timeout a waiting connection is closed with no-ready-pod', async () => {
    const h = webWith([], WEB, { podRunningTimeoutMs: 30_000 });
    const [c] = await h.connect(1);
    h.clock.advance(29_999);
    expect(h.of('connection-closed')).toEqual([]);
    h.clock.advance(1);
    expect(h.of('connection-closed')).toEqual([
      expect.objectContaining({ reason: 'no-ready-pod', message: 'no pod of svc/web became ready within 30s', bytesIn: 0, bytesOut: 0 }),
    ]);
    expect(h.of('connection-closed')[0]!.pod).toBeUndefined();
    expect(h.of('connection-closed')[0]!.hint).toBe('see why no pod is ready: kdiag svc web -n shop; or raise --pod-running-timeout');
    expect(c!.local.closed).toBe(true);
  });

  it('the default timeout is one minute; 0 waits for ever', async () => {
    const h = webWith([]);
    await h.connect(1);
    h.clock.advance(59_999);
    expect(h.of('connection-closed')).toHaveLength(0);
    h.clock.advance(1);
    expect(h.of('connection-closed')).toHaveLength(1);
    const forever = webWith([], WEB, { podRunningTimeoutMs: 0 });
    await forever.connect(1);
    forever.clock.advance(86_400_000);
    expect(forever.of('connection-closed')).toHaveLength(0);
    expect(forever.of('waiting')[0]!.timeoutMs).toBe(0);
  });

  it('before the first list arrives connections wait silently; `waiting` follows the sync when still no pod', async () => {
    const h = harness({ kind: 'Service', name: 'web' }, svcMappings());
    await h.connect(1);
    expect(h.of('waiting')).toEqual([]);
    h.sup.handle({ type: 'service', change: { type: 'sync', objects: [WEB] } });
    h.sup.handle({ type: 'endpointslices', change: { type: 'sync', objects: [] } });
    expect(h.of('waiting')).toHaveLength(1);
  });

  it('an asynchronous or failing explanation still yields one waiting event', async () => {
    const h = webWith([], WEB, { explainWhyNotReady: async () => ({ code: 'selector-no-match', message: 'no pod matches app=web' }) });
    await h.connect(2);
    expect(h.of('waiting').map((e) => [e.code, e.message])).toEqual([['selector-no-match', 'no pod matches app=web']]);
    const bad = webWith([], WEB, {
      explainWhyNotReady: () => {
        throw new Error('boom');
      },
    });
    await bad.connect(1);
    expect(bad.of('waiting').map((e) => [e.code, e.message])).toEqual([['no-ready-pod', 'no pod of svc/web is ready']]);
  });

  it('a client that gives up while waiting is closed as client-closed and its timer cancelled', async () => {
    const h = webWith([]);
    const [c] = await h.connect(1);
    h.sup.handle({ type: 'local-closed', id: c!.id });
    expect(h.of('connection-closed').map((e) => e.reason)).toEqual(['client-closed']);
    expect(h.clock.pending()).toBe(0);
  });
});

describe('ForwardSupervisor: tunnels', () => {
  it('an error on the error channel closes that connection with the error and a hint; the forward stays up', async () => {
    const h = webWith(['web-a']);
    await h.connect(1);
    const refused =
      'error forwarding port 8080 to pod 1a2b, uid : failed to connect to localhost:8080 inside namespace "1a2b", IPv4: dial tcp4 127.0.0.1:8080: connect: connection refused';
    h.tunnels[0]!.resolveError(refused);
    await flush();
    expect(h.of('connection-closed')).toEqual([
      expect.objectContaining({
        reason: refused,
        pod: 'web-a',
        hint: expect.stringContaining('nothing listens on port 8080 in pod web-a'),
      }),
    ]);
    expect(h.tunnels[0]!.closed).toBe(true);
    await h.connect(1);
    expect(h.of('connection-opened')).toHaveLength(2);
    expect(h.of('stopped')).toEqual([]);
  });

  it('a multi-line error becomes a one-line reason', async () => {
    const h = webWith(['web-a']);
    await h.connect(1);
    h.tunnels[0]!.resolveError('error forwarding port 8080:\n  dial tcp4 127.0.0.1:8080: connect: connection refused\n');
    await flush();
    expect(h.of('connection-closed')[0]!.reason).toBe('error forwarding port 8080: dial tcp4 127.0.0.1:8080: connect: connection refused');
  });

  it('a lost tunnel closes with tunnel-lost; a clean end with remote-closed; a tunnel that cannot open with tunnel-failed', async () => {
    const h = webWith(['web-a']);
    await h.connect(2);
    h.tunnels[0]!.rejectError(new Error('websocket closed 1006'));
    h.tunnels[1]!.resolveError(undefined);
    await flush();
    expect(h.of('connection-closed').map((e) => [e.reason, e.message])).toEqual([
      ['tunnel-lost', 'websocket closed 1006'],
      ['remote-closed', undefined],
    ]);
    h.failOpen.add('web-a');
    await h.connect(1);
    expect(h.of('connection-closed')[2]).toMatchObject({
      reason: 'tunnel-failed',
      message: 'could not open a tunnel to web-a: pods "web-a" not found',
    });
  });

  it('a retryable open failure is tried again with backoff (250 ms, 500 ms, ...), then opens; a non-retryable one closes at once', async () => {
    let failures = 2;
    const opened: string[] = [];
    const h = webWith(['web-a', 'web-b'], WEB, {
      isRetryable: (e: unknown) => String(e).includes('503'),
      openTunnel: async (p: string, port: number) => {
        opened.push(p);
        if (failures-- > 0) throw new Error('create pods/portforward failed: 503 ServiceUnavailable');
        const t = new FakeTunnel(p, port);
        h.tunnels.push(t);
        return t;
      },
    });
    await h.connect(1);
    expect(opened).toHaveLength(1);
    expect(h.of('connection-closed')).toEqual([]);
    h.clock.advance(249);
    await flush();
    expect(opened).toHaveLength(1);
    h.clock.advance(1);
    await flush();
    expect(opened).toHaveLength(2);
    h.clock.advance(500);
    await flush();
    expect(opened).toHaveLength(3);
    expect(h.of('connection-opened')).toHaveLength(1);
    expect(h.of('connection-closed')).toEqual([]);
    // Each try picks a pod again (round-robin).
    expect(h.of('pod-selected').map((e) => e.pod)).toEqual(['web-a', 'web-b', 'web-a']);
  });

  it('retries stop after TUNNEL_RETRIES, and a closed connection cancels its retry', async () => {
    const h = webWith(['web-a'], WEB, {
      isRetryable: () => true,
      openTunnel: async () => {
        throw new Error('connection refused by the API server');
      },
    });
    await h.connect(1);
    for (let i = 0; i < TUNNEL_RETRIES; i++) {
      h.clock.advance(10_000);
      await flush();
    }
    expect(h.of('pod-selected')).toHaveLength(TUNNEL_RETRIES + 1);
    expect(h.of('connection-closed')).toEqual([expect.objectContaining({ reason: 'tunnel-failed' })]);
    const [c] = await h.connect(1);
    h.sup.handle({ type: 'local-closed', id: c!.id });
    expect(h.clock.pending()).toBe(0);
  });

  it('the client closing closes the tunnel, once', async () => {
    const h = webWith(['web-a']);
    const [c] = await h.connect(1);
    c!.local.bytesIn = 5;
    h.sup.handle({ type: 'local-closed', id: c!.id });
    h.sup.handle({ type: 'local-closed', id: c!.id });
    h.tunnels[0]!.resolveError(undefined);
    await flush();
    expect(h.of('connection-closed')).toEqual([expect.objectContaining({ reason: 'client-closed', bytesIn: 5 })]);
    expect(h.tunnels[0]!.closed).toBe(true);
  });

  it('hints tell refusals from other errors', () => {
    expect(hintForTunnelError('dial tcp4 127.0.0.1:9000: connect: connection refused', 'p', 9000)).toMatch(
      /^nothing listens on port 9000 in pod p/,
    );
    expect(hintForTunnelError('timeout', 'p', 9000)).toMatch(/the forward stays up/);
  });
});

describe('ForwardSupervisor: events', () => {
  it('every event carries event, ts from the clock and the target; pod where one is involved; there is no reconnected event', async () => {
    const h = webWith(['web-a'], WEB);
    h.sup.listening('127.0.0.1', 54021, 0);
    h.sup.listening('::1', 54021, 0);
    await h.connect(1);
    h.clock.advance(1500);
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('web-abc', 'web', []) } });
    h.sup.handle({ type: 'stop', reason: 'SIGINT' });
    expect(h.events.map((e) => e.event)).toEqual([
      'listening',
      'listening',
      'pod-selected',
      'connection-opened',
      'connection-closed',
      'stopped',
    ]);
    for (const e of h.events) {
      expect(Object.keys(e).slice(0, 3)).toEqual(['event', 'ts', 'target']);
      expect(e.target).toEqual({ namespace: 'shop', kind: 'Service', name: 'web' });
      expect(e.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(h.events[0]).toEqual({
      event: 'listening',
      ts: '2026-12-06T03:00:00.000Z',
      target: { namespace: 'shop', kind: 'Service', name: 'web' },
      localAddress: '127.0.0.1',
      localPort: 54021,
      remotePort: 80,
    });
    expect(h.events[4]!.ts).toBe('2026-12-06T03:00:01.500Z');
    expect(h.events.filter((e) => 'pod' in e).map((e) => e.event)).toEqual(['pod-selected', 'connection-opened', 'connection-closed']);
  });

  it('stop closes open connections with reason stopped and reports totals; later inputs are ignored', async () => {
    const h = webWith(['web-a', 'web-b']);
    const conns = await h.connect(3);
    conns.forEach((c, i) => {
      c.local.bytesIn = 10 * (i + 1);
      c.local.bytesOut = i + 1;
    });
    h.sup.handle({ type: 'local-closed', id: conns[0]!.id });
    h.sup.handle({ type: 'stop' });
    expect(h.of('connection-closed').map((e) => e.reason)).toEqual(['client-closed', 'stopped', 'stopped']);
    expect(h.of('stopped')).toEqual([expect.objectContaining({ connections: 3, bytesIn: 60, bytesOut: 6 })]);
    expect(h.sup.handle({ type: 'connection', connection: conns[0]!.local })).toBeUndefined();
    expect(h.sup.openConnections()).toBe(0);
  });

  it('a target with a context names it in every event', async () => {
    const h = harness({ kind: 'Pod', name: 'x', context: 'dev' }, [{ localPort: 1, remotePort: 1, containerPort: 1 }]);
    h.sup.listening('127.0.0.1', 9000, 0);
    expect(h.events[0]!.target).toEqual({ namespace: 'shop', kind: 'Pod', name: 'x', context: 'dev' });
  });
});

describe('small formatters', () => {
  it('formatMs and targetText', () => {
    expect([500, 1000, 30_000, 60_000, 90_000, 3_600_000, 3_661_000].map(formatMs)).toEqual([
      '500ms',
      '1s',
      '30s',
      '1m',
      '1m30s',
      '1h',
      '1h1m1s',
    ]);
    expect(targetText({ kind: 'Deployment', name: 'api' })).toBe('deploy/api');
    expect(targetText({ kind: 'StatefulSet', name: 'db' })).toBe('sts/db');
  });
});
