// Flow control of a port-forward tunnel under bulk transfers: tens of MB each way between a local TCP client and a fake
// API server's port-forward WebSocket on 127.0.0.1 (plain HTTP, `ws`), through the tunnel piped to a local socket as
// `kdiag forward` pipes it. Every byte must arrive, in order (checksums), and no direction may stall, whether the
// client reads fast or slowly and whether the server sends small or large frames.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createKubeConnection } from '../../../src/cluster/kube-connection.js';
import { writeKubeconfig } from '../../helpers/kubeconfig.js';

const MB = 1024 * 1024;
const PREFIX = Buffer.from([0x90, 0x1f]); // port 8080, little-endian

/** What the fake pod does with channel 0. */
type Pod =
  | { kind: 'echo'; frame: number } // sends back what it receives, re-cut into frames of `frame` bytes
  | { kind: 'sink'; bytes: number } // reads `bytes` (pausing 30 ms every 4 MB), then answers with their sha256 (hex)
  | { kind: 'source'; bytes: number; seed: number }; // sends `bytes` of deterministic data in frames of varied sizes

let pod: Pod;
let server: http.Server;
let wss: WebSocketServer;
let kubeconfig: string;

/** Deterministic bytes: block i of the stream with `seed` (so the sender and the checker agree without storing it). */
function block(seed: number, i: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761 + i * 40503 + 1) >>> 0;
  for (let j = 0; j < size; j += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, j);
  }
  return b;
}

/** Sends `data` on channel 0 in frames of `frame` bytes; holds back while more than 2 MB wait in the socket. */
async function sendAll(ws: WebSocket, data: Buffer, frame: number): Promise<void> {
  for (let at = 0; at < data.length; at += frame) {
    while (ws.bufferedAmount > 2 * MB) await new Promise((r) => setTimeout(r, 1));
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([0]), data.subarray(at, at + frame)]));
  }
}

function servePod(ws: WebSocket): void {
  ws.send(Buffer.concat([Buffer.from([0]), PREFIX]));
  ws.send(Buffer.concat([Buffer.from([1]), PREFIX]));
  const p = pod;
  if (p.kind === 'source') {
    void (async () => {
      // Frames from 1 KB to 300 KB, as a kubelet's reads of the pod's socket come.
      let sent = 0;
      for (let i = 0; sent < p.bytes; i++) {
        const size = Math.min(p.bytes - sent, [1024, 65536, 300 * 1024, 16384][i % 4]!);
        const b = block(p.seed, i, (size + 3) & ~3).subarray(0, size);
        await sendAll(ws, b, size);
        sent += size;
      }
    })();
    return;
  }
  const hash = createHash('sha256');
  let got = 0;
  // Echo: one chain of sends, so the order is kept; the socket is paused while the echo is behind.
  let chain = Promise.resolve();
  ws.on('message', (m: Buffer) => {
    if (m[0] !== 0 || m.length === 1) return;
    const data = m.subarray(1);
    if (p.kind === 'sink') {
      hash.update(data);
      const before = got;
      got += data.length;
      if (got === p.bytes) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(hash.digest('hex'))]));
      // A slow pod now and then: the client's socket fills up and the tunnel must wait for it to drain.
      else if (Math.floor(got / (4 * MB)) > Math.floor(before / (4 * MB))) {
        ws.pause();
        setTimeout(() => ws.resume(), 30);
      }
      return;
    }
    const copy = Buffer.from(data);
    ws.pause();
    chain = chain.then(async () => {
      await sendAll(ws, copy, p.frame);
      ws.resume();
    });
  });
}

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(404).end());
  wss = new WebSocketServer({ noServer: true, handleProtocols: () => 'v4.channel.k8s.io' });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => servePod(ws)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  kubeconfig = writeKubeconfig(`http://127.0.0.1:${port}`, { namespace: 'ns' });
});
afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/**
 * A tunnel piped to a local socket as `kdiag forward` pipes it (listen.ts), and the client end of that socket;
 * `close()` ends both.
 */
async function tunnelSocket() {
  const conn = createKubeConnection({ kubeconfig, requestTimeoutMs: 10_000, env: {} });
  const tunnel = await conn.portForward('ns', 'p', 8080);
  const local = net.createServer();
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => local.once('connection', r));
  const client = net.connect({ host: '127.0.0.1', port: (local.address() as net.AddressInfo).port });
  const sock = await accepted;
  sock.setNoDelay(true);
  sock.pipe(tunnel.stream);
  tunnel.stream.pipe(sock);
  return {
    client,
    close: () => {
      client.destroy();
      sock.destroy();
      tunnel.close();
      local.close();
    },
  };
}

/**
 * Writes `total` bytes of `seed`'s stream to `s` in 64 KB writes, waiting for drain; resolves their sha256. Rejects
 * when the socket does not drain for 10 s (the tunnel stopped taking data: a stall).
 */
async function writeStream(s: net.Socket, total: number, seed: number): Promise<string> {
  const hash = createHash('sha256');
  for (let i = 0, sent = 0; sent < total; i++) {
    const b = block(seed, i, Math.min(64 * 1024, total - sent));
    hash.update(b);
    sent += b.length;
    if (!s.write(b)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`upload stalled after ${sent} of ${total} bytes`)), 10_000);
        s.once('drain', () => (clearTimeout(timer), resolve()));
      });
    }
  }
  return hash.digest('hex');
}

/**
 * Reads `total` bytes from `s`; resolves their sha256. `slow`: stops reading for 5 ms after every 4 MB, so the
 * tunnel's buffers fill up and it must pause and resume the WebSocket. Rejects when no byte came for 10 s (a stall).
 */
function readStream(s: net.Socket, total: number, slow = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let got = 0;
    let nextPause = 4 * MB;
    const idle = setTimeout(() => reject(new Error(`stalled after ${got} of ${total} bytes`)), 10_000);
    s.on('data', (d: Buffer) => {
      hash.update(d);
      got += d.length;
      idle.refresh();
      if (got >= total) {
        clearTimeout(idle);
        if (got > total) reject(new Error(`${got} bytes, ${got - total} more than sent`));
        else resolve(hash.digest('hex'));
        return;
      }
      if (slow && got >= nextPause) {
        nextPause += 4 * MB;
        s.pause();
        setTimeout(() => s.resume(), 5);
      }
    });
    s.on('close', () => {
      clearTimeout(idle);
      reject(new Error(`closed after ${got} of ${total} bytes`));
    });
  });
}

const stall = (ms: number, what: string) =>
  new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref());

const hexOf = (seed: number, total: number) => {
  const h = createHash('sha256');
  for (let i = 0, n = 0; n < total; i++) {
    const b = block(seed, i, Math.min(64 * 1024, total - n));
    h.update(b);
    n += b.length;
  }
  return h.digest('hex');
};

describe('port-forward tunnel flow control (tens of MB through a fake API server)', () => {
  test('upload: 48 MB from the local client reach the pod intact', async () => {
    const bytes = 48 * MB;
    pod = { kind: 'sink', bytes };
    const t = await tunnelSocket();
    try {
      const answer = new Promise<string>((resolve, reject) => {
        let text = '';
        t.client.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.length >= 64) resolve(text);
        });
        t.client.on('close', () => reject(new Error(`closed before the pod's answer (${text})`)));
      });
      const sent = await writeStream(t.client, bytes, 7);
      expect(sent).toBe(hexOf(7, bytes));
      expect(await Promise.race([answer, stall(10_000, 'the answer of the pod')])).toBe(sent);
    } finally {
      t.close();
    }
  });

  test.each([
    ['a fast reader', false],
    ['a slow reader', true],
  ])('download: 48 MB from the pod (frames of 1 KB to 300 KB) reach %s intact', async (_what, slow) => {
    const bytes = 48 * MB;
    pod = { kind: 'source', bytes, seed: 11 };
    const t = await tunnelSocket();
    try {
      // The pod's stream is cut into varied frames; the checker hashes the same blocks in the same order.
      const want = createHash('sha256');
      for (let i = 0, sent = 0; sent < bytes; i++) {
        const size = Math.min(bytes - sent, [1024, 65536, 300 * 1024, 16384][i % 4]!);
        want.update(block(11, i, (size + 3) & ~3).subarray(0, size));
        sent += size;
      }
      expect(await readStream(t.client, bytes, slow)).toBe(want.digest('hex'));
    } finally {
      t.close();
    }
  });

  test.each([
    ['16 KB frames back, a fast reader', 16 * 1024, false],
    ['256 KB frames back, a slow reader', 256 * 1024, true],
  ])('both ways at once: 32 MB echoed by the pod (%s)', async (_what, frame, slow) => {
    const bytes = 32 * MB;
    pod = { kind: 'echo', frame };
    const t = await tunnelSocket();
    try {
      const back = readStream(t.client, bytes, slow);
      const sent = await writeStream(t.client, bytes, 23);
      expect(sent).toBe(hexOf(23, bytes));
      expect(await back).toBe(sent);
    } finally {
      t.close();
    }
  });
});
