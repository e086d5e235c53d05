// The KubeConnection against a fake API server on 127.0.0.1 (plain HTTP, `ws` server): what goes over the wire
// (paths, headers, frames), the v4 fallback, stdin's close message, handshake errors, observe's re-list on 410 and
// reconnect after a dropped watch, and clean stops.
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { WebSocket as WsClient, WebSocketServer, type WebSocket } from 'ws';
import { createKubeConnection, type LiveKubeConnection } from '../../../src/cluster/kube-connection.js';
import { keepAlive } from '../../../src/cluster/websocket.js';
import type { ObserveEvent } from '../../../src/cluster/kube-api.js';
import { R } from '../../../src/cluster/reader.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import { sink } from '../../helpers/streams.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
type WsHandler = (ws: WebSocket, req: http.IncomingMessage) => void;

let server: http.Server;
let wss: WebSocketServer;
let port: number;
let handle: Handler;
let onSocket: WsHandler;
let acceptProtocols: string[] = [];
let rejectUpgrade: { status: number; body: string } | undefined;
const requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
/** Sockets of WebSockets and watches (keep-alive sockets of plain requests are the agent's business). */
const sockets = new Set<Duplex>();
const track = (s: Duplex) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => [...offered].find((p) => acceptProtocols.includes(p)) ?? false,
  });
  server.on('upgrade', (req, socket, head) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    track(socket);
    if (rejectUpgrade) {
      socket.end(
        `HTTP/1.1 ${rejectUpgrade.status} No\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(rejectUpgrade.body)}\r\n\r\n${rejectUpgrade.body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, req));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  wss.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  requests.length = 0;
  acceptProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  rejectUpgrade = undefined;
});

function connect(user: Record<string, unknown> = { token: 'secret-token' }, cluster: Record<string, unknown> = {}): LiveKubeConnection {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-kc-'));
  const file = join(dir, 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}`, ...cluster } }],
      users: [{ name: 'me', user }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'me', namespace: 'ns' } }],
      'current-context': 'fake',
    }),
  );
  return createKubeConnection({ kubeconfig: file, requestTimeoutMs: 5_000, env: {} });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const frame = (ch: number, data: string | Buffer) => Buffer.concat([Buffer.from([ch]), Buffer.from(data)]);

describe('requests', () => {
  test('serverTime comes from the Date header, with one cheap request when there is none yet', async () => {
    handle = (_req, res) => json(res, 200, { major: '1' }, { Date: 'Tue, 01 Dec 2026 10:00:00 GMT' });
    const c = connect();
    const t = await c.serverTime();
    expect(Math.abs(t.getTime() - Date.parse('2026-12-01T10:00:00Z'))).toBeLessThan(2_000);
    expect(requests.map((r) => r.url)).toEqual(['/version']);
    await c.serverTime();
    expect(requests).toHaveLength(1);
  });

  test('canI posts one SelfSubjectAccessReview per check and keeps the order', async () => {
    handle = (_req, res, body) => {
      const attrs = (JSON.parse(body) as { spec: { resourceAttributes: { verb: string } } }).spec.resourceAttributes;
      json(res, 201, { status: { allowed: attrs.verb === 'get', ...(attrs.verb === 'get' ? {} : { reason: 'no RBAC' }) } });
    };
    const r = await connect().canI([
      { verb: 'get', resource: 'pods', subresource: 'portforward', namespace: 'a' },
      { verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'a', name: 'p' },
    ]);
    expect(r.map((x) => [x.verb, x.allowed, x.reason])).toEqual([
      ['get', true, undefined],
      ['create', false, 'no RBAC'],
    ]);
    expect(requests.map((q) => `${q.method} ${q.url} ${q.headers.authorization}`)).toEqual([
      'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews Bearer secret-token',
      'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews Bearer secret-token',
    ]);
    expect(JSON.parse(requests[1]!.body)).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'create', resource: 'pods', group: '', subresource: 'portforward', namespace: 'a', name: 'p' } },
    });
  });

  test('create with dryRun, patch content types and subresources, delete with a grace period and 404', async () => {
    handle = (req, res, body) => {
      if (req.method === 'DELETE' && req.url?.includes('/gone')) return json(res, 404, { kind: 'Status', code: 404 });
      json(res, 200, body ? JSON.parse(body) : {});
    };
    const c = connect();
    await c.create(R.pods, undefined, { metadata: { name: 'p' } }, { dryRun: true });
    await c.patch(R.pods, 'x', 'p', { a: 1 });
    await c.patch(R.pods, 'x', 'p', { a: 1 }, { type: 'strategic', subresource: 'ephemeralcontainers' });
    await c.patch(R.pods, 'x', 'p', [], { type: 'json', subresource: 'status' });
    expect(await c.delete(R.pods, 'x', 'p', { gracePeriodSeconds: 0 })).toBe(true);
    expect(await c.delete(R.pods, 'x', 'gone')).toBe(false);
    expect(requests.map((q) => `${q.method} ${q.url} ${q.headers['content-type'] ?? ''}`.trim())).toEqual([
      'POST /api/v1/namespaces/ns/pods?dryRun=All application/json',
      'PATCH /api/v1/namespaces/x/pods/p application/merge-patch+json',
      'PATCH /api/v1/namespaces/x/pods/p/ephemeralcontainers application/strategic-merge-patch+json',
      'PATCH /api/v1/namespaces/x/pods/p/status application/json-patch+json',
      'DELETE /api/v1/namespaces/x/pods/p?gracePeriodSeconds=0',
      'DELETE /api/v1/namespaces/x/pods/gone',
    ]);
  });

  test('listPages yields page by page; an expired continue token restarts once and skips what was yielded', async () => {
    // 7 pods over 3 namespaces in storage order, pages of 500 asked; this server pages by 3 and expires the second
    // token once (410), as etcd does after compaction. A pod created meanwhile in an early namespace is not repeated.
    const all = ['a/p1', 'a/p2', 'b/p1', 'b/p2', 'b/p3', 'c/p1', 'c/p2'];
    let expired = false;
    handle = (req, res) => {
      const q = new URL(req.url ?? '', 'http://x').searchParams;
      expect(q.get('limit')).toBe('500');
      const from = Number(q.get('continue') ?? '0');
      if (from === 6 && !expired) {
        expired = true;
        return json(res, 410, { kind: 'Status', code: 410, reason: 'Expired' });
      }
      const keys = (expired && from === 0 ? ['a/p0', ...all] : all).slice(from, from + 3);
      const next = from + 3 < all.length + (expired && from === 0 ? 1 : 0) ? String(from + 3) : undefined;
      json(res, 200, {
        items: keys.map((k) => ({ metadata: { namespace: k.split('/')[0], name: k.split('/')[1] } })),
        metadata: next ? { continue: next } : {},
      });
    };
    const pages: string[][] = [];
    for await (const page of connect().reader.listPages(R.pods, {})) {
      pages.push(page.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      expect(page.every((p) => p.kind === 'Pod')).toBe(true);
    }
    expect(pages.flat()).toEqual(all);
    expect(pages[0]).toEqual(['a/p1', 'a/p2', 'b/p1']);
    expect(requests.map((r) => new URL(r.url, 'http://x').searchParams.get('continue'))).toEqual([null, '3', '6', null, '3', '6']);
  });

  test('listPages: a denied list is the usual forbidden error naming the verb', async () => {
    handle = (_req, res) => json(res, 403, { kind: 'Status', message: 'pods is forbidden', reason: 'Forbidden', code: 403 });
    const read = async () => {
      for await (const _page of connect().reader.listPages(R.pods, {})) void _page;
    };
    await expect(read()).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/^forbidden: cannot list pods/) });
  });

  test('a refused patch names the subresource', async () => {
    handle = (_req, res) => json(res, 403, { kind: 'Status', message: 'nope', reason: 'Forbidden', code: 403 });
    await expect(connect().patch(R.pods, 'x', 'p', {}, { subresource: 'ephemeralcontainers' })).rejects.toMatchObject({
      code: 'forbidden',
      message: 'forbidden: cannot patch pods/ephemeralcontainers in namespace "x" (nope)',
    });
  });
});

describe('exec over WebSocket', () => {
  test('v5: argv as command parameters, stdout/stderr split, stdin ends with the close message', async () => {
    const got: Buffer[] = [];
    onSocket = (ws) => {
      ws.on('message', (m: Buffer) => {
        got.push(m);
        if (m[0] === 255) {
          ws.send(frame(1, 'out\n'));
          ws.send(frame(2, 'err\n'));
          ws.send(frame(3, '{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        }
      });
    };
    const out = sink();
    const err = sink();
    const stdin = new PassThrough();
    stdin.end('input\n');
    const r = await connect().exec({
      namespace: 'a',
      pod: 'p',
      command: ['sh', '-c', 'cat'],
      stdin,
      stdout: out.stream,
      stderr: err.stream,
    });
    expect(r).toEqual({ protocol: 'v5.channel.k8s.io', status: { status: 'Success', exitCode: 0 } });
    expect(out.text()).toBe('out\n');
    expect(err.text()).toBe('err\n');
    expect(got.map((b) => [...b])).toEqual([
      [0, ...Buffer.from('input\n')],
      [255, 0],
    ]);
    const up = requests.at(-1)!;
    expect(up.url).toBe('/api/v1/namespaces/a/pods/p/exec?command=sh&command=-c&command=cat&stdin=true&stdout=true&stderr=true&tty=false');
    expect(up.headers['sec-websocket-protocol']).toMatch(/^v5\.channel\.k8s\.io, ?v4\.channel\.k8s\.io$/);
    expect(up.headers.authorization).toBe('Bearer secret-token');
    expect(up.headers.connection).toMatch(/upgrade/i);
  });

  test("an exec credential plugin's token (through client-node) reaches the WebSocket handshake", async () => {
    onSocket = (ws) => {
      ws.send(frame(3, '{"metadata":{},"status":"Success"}'));
      ws.close(1000);
    };
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'plugin-token' } };
    const c = connect(
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`],
          interactiveMode: 'Never',
        },
      },
      { 'insecure-skip-tls-verify': true },
    ); // client-node refuses a plain-HTTP server otherwise
    const r = await c.exec({ namespace: 'a', pod: 'p', command: ['true'], stdout: sink().stream });
    expect(r.status.status).toBe('Success');
    expect(requests.at(-1)!.headers.authorization).toBe('Bearer plugin-token');
  });

  test('v4 fallback: no close message; the status carries the exit code', async () => {
    acceptProtocols = ['v4.channel.k8s.io'];
    const got: Buffer[] = [];
    onSocket = (ws) => {
      ws.on('message', (m: Buffer) => got.push(m));
      setTimeout(() => {
        ws.send(frame(3, '{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}'));
        ws.close(1000);
      }, 100);
    };
    const stdin = new PassThrough();
    stdin.end('x');
    const r = await connect().exec({ namespace: 'a', pod: 'p', command: ['false'], stdin, stdout: sink().stream });
    expect(r.protocol).toBe('v4.channel.k8s.io');
    expect(r.status).toMatchObject({ status: 'Failure', exitCode: 3 });
    expect(got.map((b) => [...b])).toEqual([[0, 0x78]]);
  });

  test('a command that ends before its stdin lets go of stdin without ending it', async () => {
    onSocket = (ws) => {
      ws.once('message', () => {
        ws.send(frame(3, '{"metadata":{},"status":"Success"}'));
        ws.close(1000);
      });
    };
    const stdin = new PassThrough();
    stdin.write('first line\n');
    const r = await connect().exec({ namespace: 'a', pod: 'p', command: ['head', '-1'], stdin, stdout: sink().stream });
    expect(r.status.status).toBe('Success');
    expect(stdin.listenerCount('data')).toBe(0);
    expect(stdin.isPaused()).toBe(true);
    expect(stdin.destroyed).toBe(false);
  });

  test('abort ends a running exec with an interruption and closes the socket', async () => {
    onSocket = (ws) => ws.send(frame(1, 'started\n')); // never finishes
    const ac = new AbortController();
    const out = sink();
    const running = connect().exec({ namespace: 'a', pod: 'p', command: ['sleep', '1000'], stdout: out.stream, signal: ac.signal });
    await waitUntil(() => out.text() === 'started\n');
    ac.abort('SIGTERM');
    await expect(running).rejects.toMatchObject({ code: 'interrupted', exitCode: 143 });
    await waitUntil(() => sockets.size === 0);
    expect(sockets.size).toBe(0);
  });

  test('handshake refusals: a Status 403 is RBAC, a bare 403 is the subprotocol', async () => {
    rejectUpgrade = { status: 403, body: JSON.stringify({ kind: 'Status', message: 'denied', reason: 'Forbidden', code: 403 }) };
    await expect(connect().exec({ namespace: 'a', pod: 'p', command: ['x'], stdout: sink().stream })).rejects.toMatchObject({
      code: 'forbidden',
      message: 'forbidden: cannot create pods/exec in namespace "a" (denied)',
    });
    rejectUpgrade = { status: 403, body: '' };
    await expect(connect().exec({ namespace: 'a', pod: 'p', command: ['x'], stdout: sink().stream })).rejects.toMatchObject({
      code: 'protocol-refused',
    });
  });
});

describe('port-forward over WebSocket', () => {
  test('strips the port prefix, frames writes on channel 0, reports the error channel', async () => {
    const got: Buffer[] = [];
    onSocket = (ws) => {
      const prefix = Buffer.from([0x90, 0x1f]); // 8080, little-endian
      ws.send(frame(0, prefix));
      ws.send(frame(1, prefix));
      ws.on('message', (m: Buffer) => {
        got.push(m);
        ws.send(frame(0, Buffer.from(m.subarray(1).toString().toUpperCase())));
        ws.send(frame(1, 'refused'));
        ws.close(1000);
      });
    };
    const t = await connect().portForward('a', 'p', 8080);
    const data: Buffer[] = [];
    t.stream.on('data', (c: Buffer) => data.push(c));
    t.stream.write('hello');
    expect(await t.error).toBe('refused');
    expect(Buffer.concat(data).toString()).toBe('HELLO');
    expect(got.map((b) => [...b])).toEqual([[0, ...Buffer.from('hello')]]);
    expect(requests.at(-1)!.url).toBe('/api/v1/namespaces/a/pods/p/portforward?ports=8080');
    expect(requests.at(-1)!.headers['sec-websocket-protocol']).toBe('v4.channel.k8s.io');
  });

  test('a prefix for another port ends the tunnel with an error', async () => {
    onSocket = (ws) => ws.send(frame(0, Buffer.from([0x50, 0x00])));
    const t = await connect().portForward('a', 'p', 8080);
    t.stream.resume();
    expect(await t.error).toBe('port-forward: channel 0 is for port 80, not 8080');
  });

  test('close() leaves no socket behind', async () => {
    onSocket = (ws) => ws.send(frame(0, Buffer.from([0x90, 0x1f])));
    const t = await connect().portForward('a', 'p', 8080);
    t.close();
    await t.error;
    await waitUntil(() => sockets.size === 0);
    expect(sockets.size).toBe(0);
  });
});

async function waitUntil(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('observe', () => {
  test('sync, events, 410 Gone → re-list and sync, dropped watch → error and reconnect; abort closes the watch', async () => {
    let lists = 0;
    let watches = 0;
    const cm = (name: string, rv: string) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
    handle = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.searchParams.get('watch') !== 'true') {
        lists++;
        return json(res, 200, { metadata: { resourceVersion: lists === 1 ? '10' : '20' }, items: [cm(`c${lists}`, '5')] });
      }
      watches++;
      track(req.socket);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (watches === 1) {
        expect(url.searchParams.get('resourceVersion')).toBe('10');
        expect(url.searchParams.get('allowWatchBookmarks')).toBe('true');
        res.write(`${JSON.stringify({ type: 'ADDED', object: cm('a', '11') })}\n`);
        res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } })}\n`);
        res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`);
      } else if (watches === 2) {
        expect(url.searchParams.get('resourceVersion')).toBe('20');
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: cm('c2', '21') })}\n`);
        setTimeout(() => res.socket?.destroy(), 50);
      } else {
        expect(url.searchParams.get('resourceVersion')).toBe('21');
        res.write(`${JSON.stringify({ type: 'DELETED', object: cm('c2', '22') })}\n`);
        // stays open until the client aborts
      }
    };
    const ac = new AbortController();
    const events: ObserveEvent<KubeObject>[] = [];
    for await (const e of connect().observe<KubeObject>(R.configmaps, { namespace: 'ns' }, ac.signal)) {
      events.push(e);
      if (e.type === 'deleted') ac.abort();
    }
    const summary = events.map((e) =>
      e.type === 'sync'
        ? `sync ${e.objects.map((o) => o.metadata.name).join(',')}`
        : e.type === 'error'
          ? 'error'
          : `${e.type} ${e.object.metadata.name}`,
    );
    expect(summary).toEqual(['sync c1', 'added a', 'sync c2', 'modified c2', 'error', 'deleted c2']);
    const err = events.find((e) => e.type === 'error');
    expect(err?.type === 'error' && err.retryInMs).toBeGreaterThanOrEqual(800);
    expect(err?.type === 'error' && err.retryInMs).toBeLessThanOrEqual(1200);
    await waitUntil(() => sockets.size === 0);
    expect(sockets.size).toBe(0);
  });

  test('a 403 on the watch ends observe with the error', async () => {
    handle = (req, res) => {
      if (req.url?.includes('watch=true')) return json(res, 403, { kind: 'Status', message: 'no watch', code: 403 });
      json(res, 200, { metadata: { resourceVersion: '1' }, items: [] });
    };
    const it = connect().observe(R.configmaps, { namespace: 'ns' }, new AbortController().signal);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const e of it) seen.push(e.type);
      })(),
    ).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('cannot watch configmaps in namespace "ns"') });
    expect(seen).toEqual(['sync']);
  });
});

describe('keep-alive', () => {
  test('pings; a socket that stops answering pings is terminated', async () => {
    for (const autoPong of [true, false]) {
      const quiet = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
      await new Promise((r) => quiet.once('listening', r));
      const ws = new WsClient(`ws://127.0.0.1:${(quiet.address() as AddressInfo).port}`);
      await new Promise((r) => ws.once('open', r));
      let pings = 0;
      quiet.clients.forEach((c) => c.on('ping', () => pings++));
      const dead: string[] = [];
      keepAlive(ws, (why) => dead.push(why), 50);
      await new Promise((r) => setTimeout(r, 300));
      expect(pings).toBeGreaterThan(0);
      if (autoPong) {
        expect(dead).toEqual([]);
        expect(ws.readyState).toBe(ws.OPEN);
        ws.terminate();
      } else {
        expect(dead).toEqual(['no answer to a WebSocket ping within 0 s']);
        expect(ws.readyState).toBe(ws.CLOSED);
      }
      await new Promise((r) => quiet.close(r));
    }
  });
});
