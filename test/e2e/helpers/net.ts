/**
 * Local TCP endpoints for port-forward tests, all on 127.0.0.1: an echo server (the "pod" behind a KWOK route),
 * port-forwards through the apiserver and kwok (built kubectl, or @kubernetes/client-node's PortForward), and a
 * round-trip check. Nothing here dials a pod, node or service IP.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { clusterInfo, waitFor } from './cluster.js';

/** A running local server; `close()` stops it and drops its connections. */
export interface LocalServer {
  port: number;
  /** Number of connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a TCP echo server on 127.0.0.1 (random port) that writes back every byte it reads. */
export async function startEchoServer(): Promise<LocalServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Connects to 127.0.0.1:`port`, writes `payload`, reads until as many bytes came back (or `timeoutMs`), and
 * resolves with what was read.
 */
export function roundTrip(port: number, payload: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const sock = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`roundTrip: ${got}/${payload.length} bytes back from 127.0.0.1:${port} after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= payload.length) {
        clearTimeout(timer);
        sock.end();
        resolve(Buffer.concat(chunks));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      if (got < payload.length) {
        clearTimeout(timer);
        reject(new Error(`roundTrip: connection closed after ${got}/${payload.length} bytes`));
      }
    });
  });
}

/** A port-forward listening on 127.0.0.1:`localPort`; `stop()` ends it. */
export interface PortForwardHandle {
  localPort: number;
  stop(): Promise<void>;
}

/**
 * Runs the built `kubectl port-forward pod/<pod> :<podPort> --address 127.0.0.1` and resolves once it listens.
 * The tunnel goes kubectl -> apiserver -> kwok -> the ClusterPortForward target on 127.0.0.1.
 */
export async function kubectlPortForward(namespace: string, pod: string, podPort: number, timeoutMs = 20_000): Promise<PortForwardHandle> {
  const info = clusterInfo();
  const child = spawn(
    info.kubectl,
    [`--kubeconfig=${info.kubeconfig}`, '-n', namespace, 'port-forward', `pod/${pod}`, `:${podPort}`, '--address', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let exited: number | null = null;
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  child.on('exit', (code) => (exited = code ?? -1));
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  };
  try {
    const localPort = await waitFor(
      () => {
        if (exited !== null) throw new Error(`kubectl port-forward exited ${exited}: ${out.trim()}`);
        const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
        return m ? Number(m[1]) : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `kubectl port-forward to ${namespace}/${pod}:${podPort}` },
    );
    return { localPort, stop };
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\nkubectl output: ${out.trim()}`, { cause: e });
  }
}

/**
 * A port-forward through @kubernetes/client-node's PortForward (WebSocket, v4.channel.k8s.io): listens on a random
 * 127.0.0.1 port and opens one apiserver port-forward stream per accepted connection.
 */
export async function clientNodePortForward(namespace: string, pod: string, podPort: number): Promise<PortForwardHandle> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterInfo().kubeconfig);
  const forward = new k8s.PortForward(kc);
  const sockets = new Set<net.Socket>();
  const closers = new Set<() => void>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    forward
      .portForward(namespace, pod, [podPort], sock, null, sock)
      .then((ws) => {
        const w = ws as { close(): void; on?(ev: string, fn: () => void): void };
        const close = () => w.close();
        closers.add(close);
        w.on?.('close', () => {
          closers.delete(close);
          sock.end();
        });
      })
      .catch(() => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    localPort: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const c of closers) c();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
