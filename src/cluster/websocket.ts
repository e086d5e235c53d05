import { Duplex } from 'node:stream';
import type { IncomingMessage, ClientRequest } from 'node:http';
import type WebSocket from 'ws';
import { ClusterAccessError, type KdiagError } from '../errors.js';
import { abortError, parseStatus, statusError, transportError } from './api-errors.js';
import {
  closeFrame,
  decodeFrame,
  encodeFrame,
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
import { apiPath, type KubeTransport } from './transport.js';

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

/** Opens a channel WebSocket; resolves once the server accepted it, else rejects with a kdiag error. */
export async function openChannelSocket(
  transport: KubeTransport,
  path: string,
  protocols: string[],
  what: { verb: string; resource: string; namespace: string },
  signal?: AbortSignal,
): Promise<WebSocket> {
  const { url, options } = await transport.websocketOptions(path);
  const { WebSocket: WS } = await import('ws');
  const started = Date.now();
  const ws = new WS(url, protocols, { ...options, perMessageDeflate: false });
  return new Promise<WebSocket>((resolve, reject) => {
    let done = false;
    const fail = (e: KdiagError) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners('open');
      ws.on('error', () => undefined);
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
      signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners('error');
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

/** Keeps an idle tunnel alive through proxies and load balancers; stops with the socket. */
function keepAlive(ws: WebSocket): void {
  const timer = setInterval(() => {
    if (ws.readyState === ws.OPEN) ws.ping();
  }, PING_INTERVAL_MS);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}

/**
 * One port-forward tunnel (v4.channel.k8s.io): channel 0 carries the data, channel 1 the errors; the server's first
 * message on each carries the port (2 bytes little-endian), which is checked and stripped. The protocol cannot
 * half-close: ending the writable side keeps the tunnel open for the answer; `close()` (or destroying the stream)
 * ends it.
 */
export async function portForward(
  transport: KubeTransport,
  namespace: string,
  pod: string,
  port: number,
  signal?: AbortSignal,
): Promise<PortForwardTunnel> {
  const path = `${apiPath(R.pods, namespace, pod, 'portforward')}?ports=${port}`;
  const ws = await openChannelSocket(transport, path, [V4], { verb: 'create', resource: 'pods/portforward', namespace }, signal);
  keepAlive(ws);
  const prefix = new PortPrefix(port);
  let errorText = '';
  let settle!: (v: string | undefined) => void;
  const error = new Promise<string | undefined>((r) => (settle = r));
  const stream = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb(new Error('port-forward: the tunnel is closed'));
      ws.send(encodeFrame(0, chunk), cb);
    },
    final(cb) {
      cb();
    },
    read() {
      if (ws.isPaused) ws.resume();
    },
    destroy(err, cb) {
      shut(ws);
      cb(err);
    },
  });
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const frame = isBinary ? decodeFrame(msg) : undefined;
    if (!frame) return;
    let data: Buffer;
    try {
      data = prefix.strip(frame.channel, frame.data);
    } catch (e) {
      errorText ||= (e as Error).message;
      shut(ws);
      return;
    }
    if (frame.channel === 0 && data.length > 0) {
      if (!stream.push(data)) ws.pause();
    } else if (frame.channel === 1 && data.length > 0) errorText += data.toString('utf8');
  });
  ws.on('error', (e) => {
    errorText ||= e.message;
  });
  ws.on('close', () => {
    settle(errorText.trim() || undefined);
    stream.push(null);
    // Nothing more can be written once the socket is gone.
    if (!stream.writableFinished) stream.end();
  });
  const onAbort = () => shut(ws);
  signal?.addEventListener('abort', onAbort, { once: true });
  ws.once('close', () => signal?.removeEventListener('abort', onAbort));
  return {
    stream,
    error,
    close: () => {
      shut(ws);
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
  const ws = await openChannelSocket(
    transport,
    path,
    [V5, V4],
    { verb: 'create', resource: 'pods/exec', namespace: o.namespace },
    o.signal,
  );
  keepAlive(ws);
  const protocol = ws.protocol === V5 ? V5 : V4;
  let status: ExecStatus | undefined;
  let sendError: Error | undefined;

  const send = (data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (ws.readyState !== ws.OPEN) return reject(new Error('exec: the connection is closed'));
      ws.send(data, (e) => (e ? reject(e) : resolve()));
    });

  const stdinDone = o.stdin
    ? (async () => {
        for await (const chunk of o.stdin!) {
          if (ws.readyState !== ws.OPEN) return;
          await send(encodeFrame(STDIN, typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)));
        }
        if (protocol === V5 && ws.readyState === ws.OPEN) await send(closeFrame(STDIN));
      })().catch((e: unknown) => {
        sendError ??= e as Error;
      })
    : Promise.resolve();
  if (o.resize && o.tty) {
    void (async () => {
      for await (const size of o.resize!) {
        if (ws.readyState !== ws.OPEN) return;
        await send(resizeFrame(size));
      }
    })().catch(() => undefined);
  }

  const write = (out: NodeJS.WritableStream, data: Buffer) => {
    if (!out.write(data)) {
      ws.pause();
      out.once('drain', () => ws.resume());
    }
  };

  return new Promise<ExecResult>((resolve, reject) => {
    const onAbort = () => {
      shut(ws);
      reject(abortError(o.signal!));
    };
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    ws.on('message', (msg: Buffer, isBinary: boolean) => {
      const frame = isBinary ? decodeFrame(msg) : undefined;
      if (!frame) return;
      if (frame.channel === STDOUT) write(o.stdout, frame.data);
      else if (frame.channel === STDERR) {
        if (o.stderr) write(o.stderr, frame.data);
      } else if (frame.channel === STATUS) status = parseExecStatus(frame.data.toString('utf8'));
    });
    let socketError: Error | undefined;
    ws.on('error', (e) => (socketError ??= e));
    ws.on('close', (code: number, reason: Buffer) => {
      o.signal?.removeEventListener('abort', onAbort);
      void stdinDone.finally(() => undefined);
      if (status) return resolve({ status, protocol });
      // No status message: a clean close is a success (as kubectl reads it); anything else is a failure.
      if (code === 1000 && !socketError) return resolve({ status: { status: 'Success', exitCode: 0 }, protocol });
      const why = socketError?.message ?? sendError?.message ?? (`${code} ${reason.toString('utf8')}`.trim() || 'closed');
      resolve({
        status: { status: 'Failure', reason: 'ConnectionClosed', message: `exec: the connection closed without a status (${why})` },
        protocol,
      });
    });
  });
}
