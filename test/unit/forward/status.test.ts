import type { ForwardEvent } from '../../../src/core/forward/events.js';
import { resolveServicePorts } from '../../../src/core/forward/resolve.js';
import {
  applyEvent,
  emptyStatus,
  eventLines,
  formatBytes,
  hostPort,
  statusLines,
  type StatusModel,
} from '../../../src/core/forward/status.js';
import { flush, harness, pod, service, slice } from './fakes.js';

const WEB = service('web', [{ name: 'http', port: 80, targetPort: 'http' }]);

function fold(events: readonly ForwardEvent[]): StatusModel {
  return events.reduce(applyEvent, emptyStatus());
}

async function session() {
  const r = resolveServicePorts(WEB, [{ local: 0, remote: 80 }]);
  if (!r.ok) throw new Error(r.error.message);
  const h = harness({ kind: 'Service', name: 'web' }, r.value);
  h.sup.handle({ type: 'service', change: { type: 'sync', objects: [WEB] } });
  h.sup.handle({ type: 'pods', change: { type: 'sync', objects: [pod('web-a')] } });
  h.sup.handle({ type: 'endpointslices', change: { type: 'sync', objects: [slice('s', 'web', [])] } });
  h.sup.listening('127.0.0.1', 54021, 0);
  h.sup.listening('::1', 54021, 0);
  return h;
}

describe('status table model', () => {
  it('rows per bound address follow waiting, serving, bytes and stop', async () => {
    const h = await session();
    expect(fold(h.events).rows.map((r) => [r.target, r.local, r.state])).toEqual([
      ['svc/web:80', '127.0.0.1:54021', 'listening'],
      ['svc/web:80', '[::1]:54021', 'listening'],
    ]);
    const [c1, c2] = await h.connect(2);
    expect(fold(h.events).rows.map((r) => r.state)).toEqual(['waiting', 'waiting']);
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('s', 'web', [{ pod: 'web-a' }]) } });
    await flush();
    let m = fold(h.events);
    expect(m.rows[0]).toEqual({
      target: 'svc/web:80',
      local: '127.0.0.1:54021',
      pod: 'web-a',
      state: 'serving',
      open: 2,
      total: 2,
      bytesIn: 0,
      bytesOut: 0,
    });
    expect(m.rows[1]!.state).toBe('listening');
    c1!.local.bytesIn = 2500;
    c1!.local.bytesOut = 10;
    h.sup.handle({ type: 'local-closed', id: c1!.id });
    m = fold(h.events);
    expect(m.rows[0]).toMatchObject({ open: 1, total: 2, bytesIn: 2500, bytesOut: 10, state: 'serving' });
    h.sup.handle({ type: 'local-closed', id: c2!.id });
    expect(fold(h.events).rows[0]).toMatchObject({ open: 0, total: 2, state: 'listening' });
    h.sup.handle({ type: 'stop' });
    expect(fold(h.events).rows.map((r) => r.state)).toEqual(['stopped', 'stopped']);
  });

  it('connections that never opened count in total, not in open', async () => {
    const h = await session();
    await h.connect(1);
    h.clock.advance(60_000);
    expect(fold(h.events).rows[0]).toMatchObject({ open: 0, total: 1, state: 'waiting' });
  });

  it('applyEvent does not change the model it is given', async () => {
    const h = await session();
    const before = fold(h.events);
    const copy = JSON.parse(JSON.stringify(before));
    await h.connect(1);
    h.events.reduce(applyEvent, before);
    expect(before).toEqual(copy);
  });

  it('statusLines aligns the columns', () => {
    const m = fold([
      {
        event: 'listening',
        ts: 't',
        target: { namespace: 'shop', kind: 'Service', name: 'web' },
        localAddress: '127.0.0.1',
        localPort: 8080,
        remotePort: 80,
      },
    ]);
    expect(statusLines(m)).toEqual([
      'TARGET      LOCAL           POD  STATE      CONNS  IN   OUT',
      'svc/web:80  127.0.0.1:8080  -    listening  0/0    0 B  0 B',
    ]);
  });

  it('formats bytes and addresses', () => {
    expect([0, 999, 1000, 1500, 12_000_000].map(formatBytes)).toEqual(['0 B', '999 B', '1.0 kB', '1.5 kB', '12.0 MB']);
    expect(hostPort('::1', 80)).toBe('[::1]:80');
    expect(hostPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
  });
});

describe('text lines (non-TTY output)', () => {
  it('listening goes to stdout as kubectl prints it; the rest to stderr', async () => {
    const h = await session();
    await h.connect(1);
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('s', 'web', [{ pod: 'web-a' }]) } });
    await flush();
    h.tunnels[0]!.resolveError('dial tcp4 127.0.0.1:8080: connect: connection refused');
    await flush();
    h.sup.handle({ type: 'stop', reason: 'SIGINT' });
    const lines = h.events.flatMap(eventLines);
    expect(lines).toEqual([
      { stream: 'stdout', text: 'Forwarding from 127.0.0.1:54021 -> svc/web:80' },
      { stream: 'stdout', text: 'Forwarding from [::1]:54021 -> svc/web:80' },
      {
        stream: 'stderr',
        text: 'waiting for a ready pod of svc/web (connections wait up to 1m): pod web-0 fails its readiness probe [no-ready-endpoints]',
      },
      { stream: 'stderr', text: '  hint: kubectl describe pod web-0' },
      { stream: 'stderr', text: 'Handling connection for 54021 (pod web-a, port 8080)' },
      { stream: 'stderr', text: 'connection 1 on 127.0.0.1:54021 closed: dial tcp4 127.0.0.1:8080: connect: connection refused' },
      { stream: 'stderr', text: expect.stringMatching(/^ {2}hint: nothing listens on port 8080 in pod web-a/) },
      { stream: 'stderr', text: 'stopped svc/web (SIGINT): 1 connection, 0 B in, 0 B out' },
    ]);
  });

  it('a pod that goes is a notice with its reason; an ordinary close is quiet', async () => {
    const h = await session();
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('s', 'web', [{ pod: 'web-a' }]) } });
    const [c1] = await h.connect(2);
    h.sup.handle({ type: 'local-closed', id: c1!.id });
    h.sup.handle({ type: 'pods', change: { type: 'deleted', object: pod('web-a') } });
    h.sup.handle({ type: 'endpointslices', change: { type: 'modified', object: slice('s', 'web', []) } });
    const notices = h.events.filter((e) => e.event === 'connection-closed').flatMap(eventLines);
    expect(notices.map((l) => l.text)).toEqual([
      'connection 2 on 127.0.0.1:54021 closed: pod-gone: pod web-a was deleted',
      '  hint: reconnect: new connections go to a ready pod',
    ]);
  });
});
