import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { simpleHttpsOptions } from './credentials.js';
import { ClusterAccessError, InterruptedError, KdiagError } from '../errors.js';
import type { KubeObject } from '../core/k8s/types.js';
import { resolveKubeconfig, type ResolvedKubeconfig } from './kubeconfig.js';
import { resourceName, type ClusterReader, type Denied, type ListOptions, type Optional, type Resource } from './reader.js';

/**
 * kdiag's adapter around @kubernetes/client-node. Loading the kubeconfig, timeouts, paging, metadata-only lists and
 * error mapping are kdiag's own, because client-node's defaults differ from kubectl's (it merges KUBECONFIG
 * differently and silently falls back to localhost:8080). Certificates and tokens are read directly
 * (credentials.ts); client-node is loaded only for what it does well and kdiag should not redo: exec credential
 * plugins, auth providers (OIDC) and proxies, through `applyToHTTPSOptions`.
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

export const PAGE_SIZE = 500;

interface RawResponse {
  status: number;
  body: string;
}

/** A live connection: the resolved kubeconfig plus an HTTP transport with kubectl's semantics. */
export class KubeConnection {
  readonly config: ResolvedKubeconfig;
  requestCount = 0;
  private auth: Promise<https.RequestOptions> | undefined;
  private readonly warned = new Set<string>();

  constructor(readonly opts: KubeAccessOptions) {
    this.config = resolveKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context, env: opts.env });
  }

  /** The client-node configuration of the resolved context (loads client-node). */
  async clientNodeConfig(): Promise<KubeConfig> {
    const { KubeConfig } = await import('@kubernetes/client-node');
    return toClientNodeConfig(this.config, new KubeConfig());
  }

  get namespace(): string {
    return this.opts.namespace ?? this.config.namespace;
  }

  get server(): string {
    return this.config.cluster.server;
  }

  /** TLS material and headers, computed once (this is where exec plugins run). */
  private authOptions(): Promise<https.RequestOptions> {
    this.auth ??= (async () => {
      const simple = simpleHttpsOptions(this.config);
      if (simple) return simple;
      const o: https.RequestOptions = { headers: {} };
      try {
        // An exec plugin may wait forever (an interactive login with no terminal): bound it like a request.
        await this.bounded((async () => (await this.clientNodeConfig()).applyToHTTPSOptions(o))(), 'running the credential plugin');
      } catch (e) {
        if (e instanceof KdiagError) throw e;
        throw new ClusterAccessError(
          'auth-failed',
          `cannot load the credentials of user "${this.config.userName}": ${firstLine(e)}`,
          'check the user entry of the kubeconfig (an exec plugin may be missing from PATH or need a fresh login)',
          e,
        );
      }
      return o;
    })();
    return this.auth;
  }

  /** Races `work` against --request-timeout and the abort signal (Ctrl-C). */
  private async bounded<T>(work: Promise<T>, what: string): Promise<T> {
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

  /** One HTTP request to the API server with the per-request timeout; maps transport failures to exit 3. */
  async request(method: string, path: string, accept = 'application/json', body?: unknown): Promise<RawResponse> {
    const auth = await this.authOptions();
    const url = new URL(path, this.server.endsWith('/') ? this.server : `${this.server}/`);
    // The server URL may carry a path prefix (Rancher, proxies): keep it.
    const base = new URL(this.server);
    if (base.pathname !== '/' && !path.startsWith(base.pathname)) url.pathname = base.pathname.replace(/\/$/, '') + path.split('?')[0];
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {
      ...((auth.headers ?? {}) as http.OutgoingHttpHeaders),
      Accept: accept,
      'User-Agent': 'kdiag',
    };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const started = Date.now();
    this.requestCount++;
    const timeout = this.opts.requestTimeoutMs;
    const signals = [this.opts.signal, timeout > 0 ? AbortSignal.timeout(timeout) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    const lib = url.protocol === 'http:' ? http : https;
    const res = await new Promise<RawResponse & { warnings: string[] }>((resolvePromise, reject) => {
      const req = lib.request(url, { ...auth, method, headers, signal, timeout: undefined }, (resp) => {
        const chunks: Buffer[] = [];
        resp.on('data', (c: Buffer) => chunks.push(c));
        resp.on('end', () => {
          const warn = resp.headers.warning;
          resolvePromise({
            status: resp.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            warnings: warn === undefined ? [] : Array.isArray(warn) ? warn : [warn],
          });
        });
        resp.on('error', reject);
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    }).catch((e: unknown) => {
      throw this.transportError(e, method, url);
    });
    this.opts.debug?.(`${method} ${url.pathname}${url.search} -> ${res.status} (${Date.now() - started} ms)`);
    for (const w of res.warnings) {
      const text = w.replace(/^\d+\s+\S+\s+"?/, '').replace(/"$/, '');
      // kdiag reads v1 Endpoints on purpose (hand-written endpoints, old clusters): that warning is not news.
      if (/v1 Endpoints is deprecated/.test(text)) continue;
      if (!this.warned.has(text)) {
        this.warned.add(text);
        this.opts.warn?.(`API warning: ${text}`);
      }
    }
    return res;
  }

  private transportError(e: unknown, method: string, url: URL): KdiagError {
    const err = e as NodeJS.ErrnoException & { name?: string };
    if (this.opts.signal?.aborted) {
      const reason = this.opts.signal.reason as unknown;
      return reason instanceof KdiagError ? reason : new InterruptedError(reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
    }
    const where = `the API server at ${this.server} (context "${this.config.contextName}")`;
    if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.code === 'ABORT_ERR' || err.code === 'ETIMEDOUT') {
      return new ClusterAccessError(
        'timeout',
        `${method} ${url.pathname} to ${where} timed out after ${this.opts.requestTimeoutMs / 1000}s`,
        'check that the cluster is reachable (VPN, proxy), or raise --request-timeout',
        e,
      );
    }
    const code = err.code ?? '';
    if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE'].includes(code)) {
      const why =
        code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host name not found' : code;
      return new ClusterAccessError(
        'unreachable',
        `cannot reach ${where}: ${why}`,
        'is the cluster running and is this the right context? (kubectl config current-context; --context NAME to pick another)',
        e,
      );
    }
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i.test(code) || /certificate/i.test(err.message ?? '')) {
      return new ClusterAccessError(
        'tls',
        `TLS handshake with ${where} failed: ${firstLine(e)}`,
        "the kubeconfig's certificate-authority does not match the server; refresh the kubeconfig from your cluster provider",
        e,
      );
    }
    return new ClusterAccessError('connection-failed', `request to ${where} failed: ${firstLine(e)}`, 'retry with --debug for details', e);
  }

  /** Parses a 2xx answer; anything but JSON (a proxy's login page, a wrong URL) is a cluster access error. */
  parse<T>(res: RawResponse, verb: string, resource: Resource): T {
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new ClusterAccessError(
        'bad-response',
        `${verb} ${resourceName(resource)}: the server at ${this.server} did not answer with JSON (${res.status}, starts with ${JSON.stringify(res.body.slice(0, 40))})`,
        "check that the kubeconfig's server URL points at the Kubernetes API server, not a proxy or dashboard",
      );
    }
  }

  /** Maps a non-2xx API answer to kdiag's errors (401 → login, 403 → name verb/resource/namespace). */
  statusError(res: RawResponse, verb: string, resource: string, namespace: string | undefined): KdiagError {
    const status = parseStatus(res.body);
    const scope = namespace ? ` in namespace "${namespace}"` : namespace === undefined ? ' at cluster scope' : '';
    if (res.status === 401) {
      return new ClusterAccessError(
        'unauthorized',
        `the API server rejected the credentials of user "${this.config.userName}" (401 Unauthorized)`,
        'log in again or refresh the token in the kubeconfig',
      );
    }
    if (res.status === 403) {
      return new ClusterAccessError(
        'forbidden',
        `forbidden: cannot ${verb} ${resource}${scope}${status.message ? ` (${status.message})` : ''}`,
        `ask for RBAC permission to ${verb} ${resource}${scope}; check with: kubectl auth can-i ${verb} ${resource}${namespace ? ` -n ${namespace}` : ''}`,
      );
    }
    return new ClusterAccessError(
      'api-error',
      `${verb} ${resource}${scope} failed: ${res.status} ${status.reason ?? ''}${status.message ? `: ${status.message}` : ''}`.trim(),
      'retry with --debug to see the requests',
    );
  }
}

function parseStatus(body: string): { message?: string; reason?: string } {
  try {
    const s = JSON.parse(body) as { message?: string; reason?: string };
    return { message: s.message, reason: s.reason };
  } catch {
    return {};
  }
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0] ?? '';
}

/** Fills a client-node KubeConfig with exactly the one resolved context. */
export function toClientNodeConfig(cfg: ResolvedKubeconfig, kc: KubeConfig): KubeConfig {
  const user: Record<string, unknown> = { ...cfg.user };
  if (typeof user.tokenFile === 'string') {
    user['token-file'] = user.tokenFile;
    delete user.tokenFile;
  }
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: cfg.clusterName, cluster: cfg.cluster }],
      users: [{ name: cfg.userName || 'user', user }],
      contexts: [{ name: cfg.contextName, context: { cluster: cfg.clusterName, user: cfg.userName || 'user', namespace: cfg.namespace } }],
      'current-context': cfg.contextName,
    }),
  );
  return kc;
}

export function apiPath(r: Resource, namespace: string | undefined, name?: string): string {
  const root = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${r.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;q=0.9';

/** The live ClusterReader: get/list with timeouts, pages of 500, metadata-only lists, RBAC-aware errors. */
export class KubeReader implements ClusterReader {
  readonly source = 'live' as const;
  constructor(readonly conn: KubeConnection) {}

  get defaultNamespace(): string {
    return this.conn.namespace;
  }

  get requestCount(): number {
    return this.conn.requestCount;
  }

  async get<T extends KubeObject>(resource: Resource, namespace: string | undefined, name: string): Promise<T | undefined> {
    const res = await this.conn.request('GET', apiPath(resource, namespace, name));
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300)
      throw this.conn.statusError(res, 'get', resourceName(resource), resource.namespaced ? namespace : undefined);
    return this.conn.parse<T>(res, 'get', resource);
  }

  async list<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<T[]> {
    const r = await this.listOrStatus<T>(resource, opts);
    if (r.ok) return r.items;
    throw this.conn.statusError(r.res, 'list', resourceName(resource), resource.namespaced ? opts.namespace : undefined);
  }

  async tryList<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<Optional<T>> {
    const r = await this.listOrStatus<T>(resource, opts);
    if (r.ok) return { ok: true, items: r.items };
    if (r.res.status === 403) {
      const denied: Denied = {
        verb: 'list',
        resource: resourceName(resource),
        message: parseStatus(r.res.body).message ?? 'forbidden',
      };
      if (resource.namespaced && opts.namespace !== undefined) denied.namespace = opts.namespace;
      return { ok: false, denied };
    }
    throw this.conn.statusError(r.res, 'list', resourceName(resource), resource.namespaced ? opts.namespace : undefined);
  }

  /** Lists in pages; a 404 means the API does not serve the resource (an empty list); a 410 restarts once. */
  private async listOrStatus<T extends KubeObject>(
    resource: Resource,
    opts: ListOptions,
  ): Promise<{ ok: true; items: T[] } | { ok: false; res: RawResponse }> {
    const items: T[] = [];
    let cont: string | undefined;
    let restarted = false;
    for (;;) {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
      if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
      if (cont) q.set('continue', cont);
      const res = await this.conn.request(
        'GET',
        `${apiPath(resource, opts.namespace)}?${q}`,
        opts.metadataOnly ? METADATA_ACCEPT : 'application/json',
      );
      if (res.status === 404) return { ok: true, items: [] };
      if (res.status === 410 && cont && !restarted) {
        // The continue token expired: start over once, as kubectl does.
        restarted = true;
        items.length = 0;
        cont = undefined;
        continue;
      }
      if (res.status < 200 || res.status >= 300) return { ok: false, res };
      const page = this.conn.parse<{ items?: T[] | null; metadata?: { continue?: string } }>(res, 'list', resource);
      for (const it of page.items ?? []) {
        // List items carry no kind; restore it so evidence can name objects.
        if (!it.kind) it.kind = resource.kind;
        items.push(opts.metadataOnly ? slimMetadata(it) : withoutManagedFields(it));
      }
      cont = page.metadata?.continue || undefined;
      if (!cont) return { ok: true, items };
    }
  }
}

/**
 * kdiag never reads managedFields, and on busy objects they outweigh everything else: dropping them page by page
 * keeps a 10,000-pod list from holding them all at once.
 */
function withoutManagedFields<T extends KubeObject>(o: T): T {
  delete (o.metadata as { managedFields?: unknown }).managedFields;
  return o;
}

/** Metadata-only lists are for names and labels: keep just what kdiag reads. */
function slimMetadata<T extends KubeObject>(o: T): T {
  const m = o.metadata;
  const slim: KubeObject = {
    kind: o.kind,
    metadata: {
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.labels !== undefined ? { labels: m.labels } : {}),
      ...(m.ownerReferences !== undefined ? { ownerReferences: m.ownerReferences } : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
      ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
  };
  return slim as T;
}

/** Connects lazily; the only entry point commands use (through Context.cluster()). */
export function createKubeReader(opts: KubeAccessOptions): KubeReader {
  return new KubeReader(new KubeConnection(opts));
}
