import { Duplex } from 'node:stream';
import type { IncomingMessage, ClientRequest } from 'node:http';
import type { SecureContext } from 'node:tls';
import type WebSocket from 'ws';
import { ClusterAccessError, type KdiagError } from '../errors.js';
import { abortError, parseStatus, statusError, transportError } from './api-errors.js';
import {
  closeFrame,
  decodeFrame,
  encodeFrame,
  encodeFrames,
  parseExecStatus,
  PortPrefix,
  resizeFrame,
  STATUS,
  STDERR,
  STDIN,
  STDOUT,
  V4,
  V5,
} from './channels.js';
import type { ExecOptions, ExecResult, ExecStatus, PortForwardTunnel } from './kube-api.js';
import { R } from './reader.js';
import { apiPath, type KubeTransport, type WebSocketClientOptions } from './transport.js';

/**
 * Port-forward and exec over WebSocket (the `ws` package, loaded only here and only when used), through kdiag's own
 * transport: the kubeconfig's CA, client certificate, bearer or exec-plugin token and --request-timeout for the
 * handshake. `ws` sends the GET with `Connection: Upgrade` and `Upgrade: websocket` that the API server requires.
 *
 * RBAC: the WebSocket handshake is a GET, but since Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission)
 * the API server also checks `create` on pods/exec, pods/attach and pods/portforward for it; on recent clusters a
 * user needs both `get` and `create` on the subresource.
 */

export const PING_INTERVAL_MS = 30_000;

/** Bytes a port-forward tunnel buffers each way before it applies backpressure. */
const TUNNEL_BUFFER = 1024 * 1024;

/** The caller's signal and the transport's (Ctrl-C ends every tunnel and exec too). */
function withTransportSignal(transport: KubeTransport, signal: AbortSignal | undefined): AbortSignal | undefined {
  const all = [transport.opts.signal, signal].filter((s): s is AbortSignal => s !== undefined);
  return all.length > 1 ? AbortSignal.any(all) : all[0];
}

/** What the caller does with the socket's events; attached before the handshake, so no early message is lost. */
export interface ChannelEvents {
  /** `socket` is the WebSocket itself (the caller's variable is not set yet for messages that come with the handshake). */
  message(data: Buffer, isBinary: boolean, socket: WebSocket): void;
  close(code: number, reason: Buffer): void;
  error(e: Error): void;
}

const tlsContexts = new WeakMap<KubeTransport, { key: string; context: SecureContext }>();

/**
 * The client certificate and CA as one TLS context per transport, made once: without it every WebSocket (one per
 * forwarded connection) would parse the CA and key again, which costs milliseconds of CPU per connection.
 */
async function withSharedTlsContext(transport: KubeTransport, options: WebSocketClientOptions): Promise<WebSocketClientOptions> {
  const { ca, cert, key, ...rest } = options;
  if (ca === undefined && cert === undefined && key === undefined) return options;
  const id = JSON.stringify([ca, cert, key].map((x) => (x === undefined ? null : String(x))));
  let cached = tlsContexts.get(transport);
  if (!cached || cached.key !== id) {
    const tls = await import('node:tls');
    cached = { key: id, context: tls.createSecureContext({ ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }) };
    tlsContexts.set(transport, cached);
  }
  return { ...rest, secureContext: cached.context } as WebSocketClientOptions;
}

/**
 * Opens a channel WebSocket; resolves once the server accepted it, else rejects with a kdiag error. `events` get
 * everything after the handshake: the server may send (e.g. the port-forward port prefix) in the same packet as its
 * handshake answer, before the caller's code after `await` could attach a listener.
 */
export async function openChannelSocket(
  transport: KubeTransport,
  path: string,
  protocols: string[],
  what: { verb: string; resource: string; namespace: string },
  events: ChannelEvents,
  signal?: AbortSignal,
): Promise<WebSocket> {
  const { url, options: raw } = await transport.websocketOptions(path);
  const options = await withSharedTlsContext(transport, raw);
  const { WebSocket: WS } = await import('ws');
  const started = Date.now();
  const ws = new WS(url, protocols, { ...options, perMessageDeflate: false });
  let opened = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => opened && events.message(data, isBinary, ws));
  ws.on('close', (code: number, reason: Buffer) => opened && events.close(code, reason));
  ws.on('error', (e: Error) => opened && events.error(e));
  return new Promise<WebSocket>((resolve, reject) => {
    let done = false;
    const fail = (e: KdiagError) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      ws.terminate();
      reject(e);
    };
    const onAbort = () => fail(abortError(signal!));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('upgrade', (res: IncomingMessage) => transport.noteResponse('GET', url, res.statusCode ?? 101, res.headers, started));
    ws.once('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
      transport.noteResponse('GET', url, res.statusCode ?? 0, res.headers, started);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        // RBAC answers with a metav1.Status; a bare 403 with no body is the WebSocket handshake itself refusing the
        // subprotocols (seen with v3.channel.k8s.io against 1.36 and KWOK), not a permission problem.
        if (status === 403 && !parseStatus(body).reason) {
          fail(
            new ClusterAccessError(
              'protocol-refused',
              `${what.verb} ${what.resource} in namespace "${what.namespace}": the server refused the WebSocket (403 without a Status) for subprotocols ${protocols.join(', ')}`,
              'the cluster may be too old or a proxy may block WebSockets; retry with --debug',
            ),
          );
        } else fail(statusError({ status, body }, transport.errorContext, what.verb, what.resource, what.namespace));
      });
    });
    ws.once('error', (e) => fail(transportError(e, { ...transport.errorContext, ...(signal ? { signal } : {}) }, 'GET', url.pathname)));
    ws.once('open', () => {
      if (done) return;
      done = true;
      opened = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(ws);
    });
  });
}

/**
 * Closes politely (pending data is flushed, a close frame sent) but does not wait for the peer's close frame longer
 * than `graceMs`: the API server does not always answer one, and `ws` would keep the socket for 30 s.
 */
export function shut(ws: WebSocket, graceMs = 2_000): void {
  if (ws.readyState === ws.CLOSED) return;
  if (ws.readyState === ws.OPEN) ws.close(1000);
  const timer = setTimeout(() => ws.terminate(), graceMs);
  ws.once('close', () => clearTimeout(timer));
}

/**
 * Keeps an idle tunnel alive through proxies and load balancers, and notices a dead one: a ping every 30 s, and a
 * socket that did not answer the previous ping with a pong is terminated (`onDead` says why). The API server and
 * KWOK answer pings on exec (v4, v5) and port-forward sockets.
 */
export function keepAlive(ws: WebSocket, onDead?: (why: string) => void, intervalMs = PING_INTERVAL_MS): void {
  let answered = true;
  ws.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (ws.readyState !== ws.OPEN) return;
    if (!answered) {
      onDead?.(`no answer to a WebSocket ping within ${Math.round(intervalMs / 1000)} s`);
      ws.terminate();
      return;
    }
    answered = false;
    ws.ping();
  }, intervalMs);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}

/**
 * One port-forward tunnel (v4.channel.k8s.io): channel 0 carries the data, channel 1 the errors; the server's first
 * message on each carries the port (2 bytes little-endian), which is checked and stripped. The protocol cannot
 * half-close: ending the writable side keeps the tunnel open for the answer; `close()` (or destroying the stream)
 * ends it. `error` rejects when the tunnel is lost (a ping not answered within 30 s, a socket error).
 */
export async function portForward(
  transport: KubeTransport,
  namespace: string,
  pod: string,
  port: number,
  callerSignal?: AbortSignal,
): Promise<PortForwardTunnel> {
  // One relay per tunnel, released when it closes (AbortSignal.any would tie every tunnel to the long-lived signals).
  const relay = new AbortController();
  const sources = [transport.opts.signal, callerSignal].filter((s): s is AbortSignal => s !== undefined);
  const onSourceAbort = () => relay.abort();
  for (const s of sources) {
    if (s.aborted) relay.abort();
    else s.addEventListener('abort', onSourceAbort, { once: true });
  }
  const release = () => sources.forEach((s) => s.removeEventListener('abort', onSourceAbort));
  const signal = relay.signal;
  const path = `${apiPath(R.pods, namespace, pod, 'portforward')}?ports=${port}`;
  const prefix = new PortPrefix(port);
  let ws: WebSocket | undefined;
  let errorText = '';
  // Set when the tunnel itself failed (no pong, a socket error), as opposed to a clean end or an error-channel message.
  let lost: string | undefined;
  let settle!: (v: string | undefined) => void;
  let fail!: (e: Error) => void;
  const error = new Promise<string | undefined>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // Nobody may be listening yet (the supervisor attaches once the tunnel is handed over).
  error.catch(() => undefined);
  const stream = new Duplex({
    // Larger buffers than the 16 KB default: fewer pause/resume turns of the socket on a bulk transfer.
    highWaterMark: TUNNEL_BUFFER,
    write(chunk: Buffer, _enc, cb) {
      if (!ws || ws.readyState !== ws.OPEN) return cb(new Error('port-forward: the tunnel is closed'));
      ws!.send(encodeFrame(0, chunk), cb);
    },
    // What the client wrote while the previous frame was in flight goes out as one frame (one copy, one mask, one
    // TLS record run) instead of one frame per socket read.
    writev(chunks, cb) {
      if (!ws || ws.readyState !== ws.OPEN) return cb(new Error('port-forward: the tunnel is closed'));
      const parts = chunks.map((c) => c.chunk as Buffer);
      ws!.send(encodeFrames(0, parts), cb);
    },
    final(cb) {
      cb();
    },
    read() {
      if (ws?.isPaused) ws.resume();
    },
    destroy(err, cb) {
      if (ws) shut(ws);
      cb(err);
    },
  });
  const onAbort = () => ws && shut(ws);
  ws = await openChannelSocket(
    transport,
    path,
    [V4],
    { verb: 'create', resource: 'pods/portforward', namespace },
    {
      message(msg, isBinary, socket) {
        const frame = isBinary ? decodeFrame(msg) : undefined;
        if (!frame) return;
        let data: Buffer;
        try {
          data = prefix.strip(frame.channel, frame.data);
        } catch (e) {
          errorText ||= (e as Error).message;
          shut(socket);
          return;
        }
        if (frame.channel === 0 && data.length > 0) {
          if (!stream.push(data)) socket.pause();
        } else if (frame.channel === 1 && data.length > 0) errorText += data.toString('utf8');
      },
      error(e) {
        lost ??= e.message;
      },
      close() {
        signal.removeEventListener('abort', onAbort);
        release();
        if (lost !== undefined && !errorText.trim()) fail(new Error(lost));
        else settle(errorText.trim() || undefined);
        stream.push(null);
        // Nothing more can be written once the socket is gone.
        if (!stream.writableFinished) stream.end();
      },
    },
    signal,
  ).catch((e: unknown) => {
    release();
    throw e;
  });
  keepAlive(ws, (why) => (lost ??= why));
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    stream,
    error,
    close: () => {
      if (ws) shut(ws);
      if (!stream.destroyed) stream.destroy();
    },
  };
}

/** The exec query string: one `command` parameter per argv element, as the API server expects. */
export function execQuery(o: Pick<ExecOptions, 'command' | 'container' | 'stdin' | 'stderr' | 'tty'>): string {
  const q = new URLSearchParams();
  for (const c of o.command) q.append('command', c);
  if (o.container) q.set('container', o.container);
  q.set('stdin', String(o.stdin !== undefined));
  q.set('stdout', 'true');
  // With a tty the terminal merges stderr into stdout; the kubelet refuses both.
  q.set('stderr', String(o.stderr !== undefined && !o.tty));
  q.set('tty', String(Boolean(o.tty)));
  return q.toString();
}

/**
 * Runs a command in a container (v5.channel.k8s.io preferred, v4 fallback): stdin/stdout/stderr on channels 0/1/2,
 * resize on 4, the final metav1.Status on 3. With v5 the end of `stdin` reaches the command (close message
 * `[255, 0]`); v4 cannot close stdin.
 */
export async function exec(transport: KubeTransport, o: ExecOptions): Promise<ExecResult> {
  if (o.command.length === 0) throw new ClusterAccessError('bad-exec', 'exec: no command given');
  const path = `${apiPath(R.pods, o.namespace, o.pod, 'exec')}?${execQuery(o)}`;
  const signal = withTransportSignal(transport, o.signal);
  let status: ExecStatus | undefined;
  let sendError: Error | undefined;
  let socketError: Error | undefined;
  let closed!: (c: { code: number; reason: string }) => void;
  const whenClosed = new Promise<{ code: number; reason: string }>((r) => (closed = r));
  const write = (out: NodeJS.WritableStream, data: Buffer, socket: WebSocket) => {
    if (!out.write(data)) {
      socket.pause();
      out.once('drain', () => socket.resume());
    }
  };
  const open = await openChannelSocket(
    transport,
    path,
    [V5, V4],
    { verb: 'create', resource: 'pods/exec', namespace: o.namespace },
    {
      message(msg, isBinary, socket) {
        const frame = isBinary ? decodeFrame(msg) : undefined;
        if (!frame) return;
        if (frame.channel === STDOUT) write(o.stdout, frame.data, socket);
        else if (frame.channel === STDERR) {
          if (o.stderr) write(o.stderr, frame.data, socket);
        } else if (frame.channel === STATUS) status = parseExecStatus(frame.data.toString('utf8'));
      },
      error(e) {
        socketError ??= e;
      },
      close(code, reason) {
        closed({ code, reason: reason.toString('utf8') });
      },
    },
    signal,
  );
  keepAlive(open, (why) => (socketError ??= new Error(why)));
  const protocol = open.protocol === V5 ? V5 : V4;

  const send = (data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (open.readyState !== open.OPEN) return reject(new Error('exec: the connection is closed'));
      open.send(data, (e) => (e ? reject(e) : resolve()));
    });
  if (o.stdin) {
    // Listeners rather than `for await`: when the command ends first, kdiag lets go of stdin (often process.stdin,
    // which must not be destroyed and must not keep the process alive) without consuming it further.
    const stdin = o.stdin;
    const onData = (chunk: Buffer | string) => {
      stdin.pause();
      send(encodeFrame(STDIN, typeof chunk === 'string' ? Buffer.from(chunk) : chunk)).then(
        () => stdin.resume(),
        (e: unknown) => {
          sendError ??= e as Error;
          release();
        },
      );
    };
    const onEnd = () => {
      release();
      // v5: tell the server that stdin ended (v4 has no way to).
      if (protocol === V5 && open.readyState === open.OPEN) send(closeFrame(STDIN)).catch((e: unknown) => (sendError ??= e as Error));
    };
    const release = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    open.once('close', release);
  }
  if (o.resize && o.tty) {
    const resize = o.resize;
    void (async () => {
      for await (const size of resize) {
        if (open.readyState !== open.OPEN) return;
        await send(resizeFrame(size));
      }
    })().catch(() => undefined);
  }

  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    if (!signal) return;
    onAbort = () => {
      shut(open);
      reject(abortError(signal));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const { code, reason } = await Promise.race([whenClosed, aborted]);
    if (status) return { status, protocol };
    // No status message: a clean close is a success (as kubectl reads it); anything else is a failure.
    if (code === 1000 && !socketError) return { status: { status: 'Success', exitCode: 0 }, protocol };
    const why = socketError?.message ?? sendError?.message ?? (`${code} ${reason}`.trim() || 'closed');
    return {
      status: { status: 'Failure', reason: 'ConnectionClosed', message: `exec: the connection closed without a status (${why})` },
      protocol,
    };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
