import net from 'node:net';
import type { PortForwardTunnel } from '../../cluster/kube-api.js';
import type { PortMapping } from '../../core/forward/resolve.js';
import type { ForwardSupervisor, LocalConnection } from '../../core/forward/supervisor.js';
import { hostPort } from '../../core/forward/status.js';
import { UsageError } from '../../errors.js';

/** One bound local address of one mapping, and the sockets it accepted. */
export interface Listener {
  address: string;
  port: number;
  mapping: number;
  server: net.Server;
  sockets: Set<net.Socket>;
}

type Supervisor = ForwardSupervisor<PortForwardTunnel>;

/** How long a closed connection may take to flush what it still has to write before it is destroyed. */
const FLUSH_MS = 1000;

function bind(address: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    // ipv6Only: `::` and `0.0.0.0` may both be asked for, as kubectl allows.
    server.listen({ host: address, port, ipv6Only: address.includes(':') }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** The usage error for a local port that cannot be bound. */
export function bindError(e: unknown, address: string, port: number, m: PortMapping): UsageError | undefined {
  const code = (e as NodeJS.ErrnoException).code;
  const where = hostPort(address, port);
  if (code === 'EADDRINUSE') {
    return new UsageError(`local port ${port} is already in use (${where})`, `pick another local port, or :${m.remotePort} for a free one`);
  }
  if (code === 'EACCES') {
    return new UsageError(
      `not allowed to listen on ${where}${port < 1024 ? ': ports below 1024 need root' : ''}`,
      `pick another local port, or :${m.remotePort} for a free one`,
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new UsageError(
      `cannot listen on ${address}: it is not an address of this machine`,
      'give an address of this machine with --address',
    );
  }
  return undefined;
}

/**
 * Binds every mapping on every address. A port kdiag chose (the mapping has no `text`) falls back to a free one when
 * taken. A free port (0) is chosen on the first address and shared by the others
 * (tried again a few times when the others have it taken). `::1` is skipped with a warning when this machine has no
 * IPv6 loopback, as long as another address is bound. On an error, everything bound so far is closed.
 */
export async function listenAll(
  mappings: readonly PortMapping[],
  addresses: readonly string[],
  sup: Supervisor,
  warn: (text: string) => void,
  /** The target, for warnings (`svc/web`). */
  label = 'the forward',
): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    for (const [i, m] of mappings.entries()) {
      // A number kdiag chose itself (no ports given, --all) gives way to a free port when it is taken.
      let want = m.localPort;
      for (let attempt = 0; ; attempt++) {
        const bound: net.Server[] = [];
        let port = want;
        let retry = false;
        for (const address of addresses) {
          try {
            const server = await bind(address, port);
            bound.push(server);
            if (port === 0) port = (server.address() as net.AddressInfo).port;
            listeners.push(accept(server, address, port, i, sup));
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            if (address === '::1' && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') && addresses.length > 1) {
              warn(`no IPv6 loopback on this machine: not listening on [::1]:${port}`);
              continue;
            }
            if (want === 0 && code === 'EADDRINUSE' && bound.length > 0 && attempt < 5) {
              retry = true;
              break;
            }
            if (want !== 0 && m.text === undefined && (code === 'EADDRINUSE' || code === 'EACCES')) {
              warn(
                `local port ${want} is ${code === 'EACCES' ? 'not allowed' : 'taken'}: ${label}:${m.remotePort} listens on a free port instead`,
              );
              want = 0;
              retry = true;
              break;
            }
            throw bindError(e, address, port, m) ?? e;
          }
        }
        if (!retry) break;
        // The free port of the first address is taken on another: start this mapping again.
        const mine = listeners.splice(listeners.length - bound.length);
        await closeListeners(mine);
      }
    }
    return listeners;
  } catch (e) {
    await closeListeners(listeners);
    throw e;
  }
}

/** Hands each accepted socket to the supervisor as a LocalConnection. */
function accept(server: net.Server, address: string, port: number, mapping: number, sup: Supervisor): Listener {
  const sockets = new Set<net.Socket>();
  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    let bytesIn = 0;
    let bytesOut = 0;
    let id: number | undefined;
    const local: LocalConnection<PortForwardTunnel> = {
      mapping,
      localAddress: address,
      localPort: port,
      attach(tunnel) {
        tunnel.stream.on('error', () => sock.destroy());
        tunnel.stream.on('data', (d: Buffer) => (bytesIn += d.length));
        sock.on('data', (d: Buffer) => (bytesOut += d.length));
        sock.pipe(tunnel.stream);
        tunnel.stream.pipe(sock);
      },
      close() {
        if (sock.destroyed) return;
        // Let what the pod already sent reach the client, then make sure the socket goes.
        sock.end();
        setTimeout(() => sock.destroy(), FLUSH_MS).unref();
      },
      bytes: () => ({ in: bytesIn, out: bytesOut }),
    };
    sock.on('close', () => {
      sockets.delete(sock);
      if (id !== undefined) sup.handle({ type: 'local-closed', id });
    });
    id = sup.handle({ type: 'connection', connection: local });
  });
  return { address, port, mapping, server, sockets };
}

/** Stops listening and destroys every socket still open. */
export async function closeListeners(listeners: readonly Listener[]): Promise<void> {
  await Promise.all(
    listeners.map(async (l) => {
      const closing = closeServer(l.server);
      for (const s of l.sockets) s.destroy();
      await closing;
    }),
  );
}
