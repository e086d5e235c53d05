import * as http from 'node:http';
import * as https from 'node:https';
import { clientNodeHttpsOptions, simpleHttpsOptions } from './credentials.js';
import { ClusterAccessError, InterruptedError, KdiagError } from '../errors.js';
import { resolveKubeconfig, type ResolvedKubeconfig } from './kubeconfig.js';
import { firstLine, transportError, type ErrorContext, type RawResponse } from './api-errors.js';
import type { Resource } from './reader.js';

/**
 * The connection to the API server: the resolved kubeconfig, TLS material and credentials (certificates and tokens
 * read directly by credentials.ts; exec plugins, auth providers and proxies through client-node, loaded only then),
 * --request-timeout, the abort signal (Ctrl-C), --debug lines without secrets, a request count and the server's
 * clock from the Date header. Readers, writers, watches and WebSockets all go through one transport.
 */
export interface KubeAccessOptions {
  kubeconfig?: string;
  context?: string;
  /** `-n`; else the context's namespace; else `default`. */
  namespace?: string;
  requestTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Receives one line per request when `--debug` is on (no credentials). */
  debug?: (line: string) => void;
  /** Receives API warnings (deprecations) once each. */
  warn?: (line: string) => void;
}

export interface RequestOptions {
  accept?: string;
  /** Serialised as JSON unless it is a string. */
  body?: unknown;
  contentType?: string;
  /** Aborts this request only (the transport's signal aborts every request). */
  signal?: AbortSignal;
  /**
   * Receives a 2xx body chunk by chunk as it arrives, instead of collecting it: the answer's `body` is then ''. Any
   * other answer is collected as usual. --request-timeout still bounds the whole body.
   */
  onChunk?: (chunk: Buffer) => void;
}

/** A streamed answer (watch): the status and, for 2xx, the open response; else the whole body. */
export type StreamResponse = { ok: true; status: number; stream: http.IncomingMessage } | { ok: false; res: RawResponse };

/** Query parameters whose values are secrets (auth providers' redirects; never used by kdiag itself). */
const SECRET_PARAMS = /([?&](?:access_token|token|id_token|client_secret|password)=)[^&]*/gi;

/** A URL or header fit for a --debug line: token-like query values and credentials are masked. */
export function redact(text: string): string {
  return text
    .replace(SECRET_PARAMS, '$1***')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 ***')
    .replace(/\/\/[^/@\s]+:[^/@\s]+@/g, '//***:***@');
}

export function apiPath(r: Resource, namespace: string | undefined, name?: string, subresource?: string): string {
  const root = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const sub = name !== undefined && subresource ? `/${encodeURIComponent(subresource)}` : '';
  return `${root}${ns}/${r.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}${sub}`;
}

export class KubeTransport {
  readonly config: ResolvedKubeconfig;
  requestCount = 0;
  /** The Date header of the latest response and the local time it arrived. */
  private serverDate: { server: number; local: number } | undefined;
  private auth: Promise<https.RequestOptions> | undefined;
  private readonly warned = new Set<string>();

  constructor(readonly opts: KubeAccessOptions) {
    this.config = resolveKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context, env: opts.env });
  }

  get namespace(): string {
    return this.opts.namespace ?? this.config.namespace;
  }

  get server(): string {
    return this.config.cluster.server;
  }

  get errorContext(): ErrorContext {
    return {
      server: this.server,
      contextName: this.config.contextName,
      userName: this.config.userName,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    };
  }

  /** The server's clock now, from the latest Date header (1 s resolution) plus the local time since; undefined before any answer. */
  serverNow(): Date | undefined {
    return this.serverDate ? new Date(this.serverDate.server + (Date.now() - this.serverDate.local)) : undefined;
  }

  /** TLS material and headers, computed once (this is where exec plugins run). */
  tlsOptions(): Promise<https.RequestOptions> {
    this.auth ??= (async () => {
      const simple = simpleHttpsOptions(this.config);
      if (simple) return simple;
      try {
        // An exec plugin may wait forever (an interactive login with no terminal): bound it like a request.
        return await this.bounded(clientNodeHttpsOptions(this.config), 'running the credential plugin');
      } catch (e) {
        if (e instanceof KdiagError) throw e;
        throw new ClusterAccessError(
          'auth-failed',
          `cannot load the credentials of user "${this.config.userName}": ${firstLine(e)}`,
          'check the user entry of the kubeconfig (an exec plugin may be missing from PATH or need a fresh login)',
          e,
        );
      }
    })();
    return this.auth;
  }

  /** Races `work` against --request-timeout and the abort signal (Ctrl-C). */
  async bounded<T>(work: Promise<T>, what: string): Promise<T> {
    const timeout = this.opts.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_resolve, reject) => {
      if (timeout > 0) {
        timer = setTimeout(
          () =>
            reject(
              new ClusterAccessError(
                'timeout',
                `${what} for user "${this.config.userName}" took longer than ${timeout / 1000}s`,
                'run the plugin by hand to log in (it may be waiting for input), or raise --request-timeout',
              ),
            ),
          timeout,
        );
      }
      const signal = this.opts.signal;
      if (signal) {
        onAbort = () => reject(new InterruptedError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    try {
      return await Promise.race([work, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The full URL of an API path; a path prefix in the server URL (Rancher, proxies) is kept. */
  url(path: string, protocol?: 'ws'): URL {
    const url = new URL(path, this.server.endsWith('/') ? this.server : `${this.server}/`);
    const base = new URL(this.server);
    if (base.pathname !== '/' && !path.startsWith(base.pathname)) url.pathname = base.pathname.replace(/\/$/, '') + path.split('?')[0];
    if (protocol === 'ws') url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
    return url;
  }

  /** Records the Date header and warnings of a response; writes the --debug line. */
  noteResponse(method: string, url: URL, status: number, headers: http.IncomingHttpHeaders, started: number): void {
    const date = headers.date ? Date.parse(headers.date) : NaN;
    if (!Number.isNaN(date)) this.serverDate = { server: date, local: Date.now() };
    this.opts.debug?.(redact(`${method} ${url.pathname}${url.search} -> ${status} (${Date.now() - started} ms)`));
    const warn = headers.warning;
    for (const w of warn === undefined ? [] : Array.isArray(warn) ? warn : [warn]) {
      const text = w.replace(/^\d+\s+\S+\s+"?/, '').replace(/"$/, '');
      // kdiag reads v1 Endpoints on purpose (hand-written endpoints, old clusters): that warning is not news.
      if (/v1 Endpoints is deprecated/.test(text)) continue;
      if (!this.warned.has(text)) {
        this.warned.add(text);
        this.opts.warn?.(`API warning: ${text}`);
      }
    }
  }

  /**
   * The signal of one request: the transport's and the caller's. --request-timeout is a timer of the request itself
   * (see open): AbortSignal.timeout() inside AbortSignal.any() is held only weakly on Node 20, so a garbage
   * collection during the request drops the timer and a silent server hangs kdiag forever.
   */
  private requestSignal(extra: AbortSignal | undefined): AbortSignal | undefined {
    const signals = [this.opts.signal, extra].filter((s): s is AbortSignal => s !== undefined);
    return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  }

  private async open(
    method: string,
    path: string,
    o: RequestOptions,
    streaming: boolean,
  ): Promise<{ url: URL; req: http.ClientRequest; res: http.IncomingMessage; started: number; done: () => void; timedOut: () => boolean }> {
    const auth = await this.tlsOptions();
    const url = this.url(path);
    const payload = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const headers: http.OutgoingHttpHeaders = {
      ...((auth.headers ?? {}) as http.OutgoingHttpHeaders),
      Accept: o.accept ?? 'application/json',
      'User-Agent': 'kdiag',
    };
    if (payload !== undefined) {
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const started = Date.now();
    this.requestCount++;
    const lib = url.protocol === 'http:' ? http : https;
    const signal = this.requestSignal(o.signal);
    // --request-timeout bounds a request until its body has been read; a watch streams for minutes, so there it bounds
    // only the wait for the response headers. The timer is the request's own (strongly held) and is released by done().
    const timeout = this.opts.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let fired = false;
    const done = () => clearTimeout(timer);
    const timedOut = () => fired;
    try {
      const { req, res } = await new Promise<{ req: http.ClientRequest; res: http.IncomingMessage }>((resolve, reject) => {
        const req = lib.request(url, { ...auth, method, headers, signal, timeout: undefined }, (res) => {
          if (streaming) done();
          resolve({ req, res });
        });
        if (timeout > 0) {
          timer = setTimeout(() => {
            fired = true;
            req.destroy(timeoutError());
          }, timeout);
        }
        req.on('error', (e) => {
          done();
          reject(e);
        });
        if (payload !== undefined) req.write(payload);
        req.end();
      });
      return { url, req, res, started, done, timedOut };
    } catch (e) {
      throw transportError(e, this.errorContext, method, url.pathname);
    }
  }

  /** One HTTP request to the API server with the per-request timeout; maps transport failures to exit 3. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<RawResponse> {
    const { url, res, started, done, timedOut } = await this.open(method, path, o, false);
    const status = res.statusCode ?? 0;
    const onChunk = status >= 200 && status < 300 ? o.onChunk : undefined;
    const body = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (!onChunk) chunks.push(c);
        else {
          try {
            onChunk(c);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
            res.destroy();
          }
        }
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
      // A body cut off (the timer's req.destroy, a reset) may end with 'close' and no 'error' event.
      res.on('close', () => {
        if (!res.complete) reject(Object.assign(new Error('the connection closed before the whole answer came'), { code: 'ECONNRESET' }));
      });
    })
      .catch((e: unknown) => {
        throw transportError(timedOut() ? timeoutError() : e, this.errorContext, method, url.pathname);
      })
      .finally(done);
    this.noteResponse(method, url, status, res.headers, started);
    return { status, body };
  }

  /** A streamed GET (watch): only the wait for the response headers is bounded by --request-timeout. */
  async stream(path: string, o: RequestOptions = {}): Promise<StreamResponse> {
    const { url, res, started } = await this.open('GET', path, o, true);
    const status = res.statusCode ?? 0;
    this.noteResponse('GET', url, status, res.headers, started);
    if (status >= 200 && status < 300) return { ok: true, status, stream: res };
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { ok: false, res: { status, body: Buffer.concat(chunks).toString('utf8') } };
  }

  /** What a WebSocket to the API server needs: the URL, TLS material, credential headers and the handshake timeout. */
  async websocketOptions(path: string): Promise<{ url: URL; options: WebSocketClientOptions }> {
    const auth = await this.tlsOptions();
    const options: WebSocketClientOptions = {
      headers: { ...((auth.headers ?? {}) as Record<string, string>), 'User-Agent': 'kdiag' },
      ...(this.opts.requestTimeoutMs > 0 ? { handshakeTimeout: this.opts.requestTimeoutMs } : {}),
    };
    for (const k of ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername', 'agent'] as const) {
      if (auth[k] !== undefined) (options as unknown as Record<string, unknown>)[k] = auth[k];
    }
    this.requestCount++;
    return { url: this.url(path, 'ws'), options };
  }
}

/** The subset of `ws`'s ClientOptions kdiag sets (kept here so the transport does not load `ws`). */
export interface WebSocketClientOptions {
  headers: Record<string, string>;
  handshakeTimeout?: number;
  ca?: https.RequestOptions['ca'];
  cert?: https.RequestOptions['cert'];
  key?: https.RequestOptions['key'];
  rejectUnauthorized?: boolean;
  servername?: string;
  agent?: http.Agent | boolean;
}

/** What the request timer destroys a request with (transportError maps it to the --request-timeout message). */
function timeoutError(): Error {
  return Object.assign(new Error('timed out'), { name: 'TimeoutError' });
}
