import { ClusterAccessError, InterruptedError, KdiagError } from '../errors.js';
import { resourceName, type Denied, type Resource } from './reader.js';

/**
 * API errors: what a failed request to the API server means for the user. A transport failure (refused, timed out,
 * TLS) or a non-2xx answer becomes a ClusterAccessError (exit 3) that names the verb, the resource and the namespace;
 * a 403 on an optional read becomes a {@link Denied}. Pure functions over the response, so they are unit-tested
 * without a server.
 */

/** A whole (non-streamed) answer of the API server. */
export interface RawResponse {
  status: number;
  body: string;
}

/** Where a request went, for messages. */
export interface ErrorContext {
  server: string;
  contextName: string;
  userName: string;
  requestTimeoutMs: number;
  signal?: AbortSignal;
}

/** The `message` and `reason` of a metav1.Status body, when the body is one. */
export function parseStatus(body: string): { message?: string; reason?: string } {
  try {
    const s = JSON.parse(body) as { message?: unknown; reason?: unknown } | null;
    if (s === null || typeof s !== 'object') return {};
    return {
      ...(typeof s.message === 'string' ? { message: s.message } : {}),
      ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
    };
  } catch {
    return {};
  }
}

export function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0] ?? '';
}

/** The error for an interrupted request: the abort reason when it is a KdiagError, else Ctrl-C or SIGTERM. */
export function abortError(signal: AbortSignal): KdiagError {
  const reason = signal.reason as unknown;
  return reason instanceof KdiagError ? reason : new InterruptedError(reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
}

/** Maps a failure below HTTP (DNS, refused, reset, timeout, TLS) to exit 3 with a hint. */
export function transportError(e: unknown, ctx: ErrorContext, method: string, path: string): KdiagError {
  const err = e as NodeJS.ErrnoException & { name?: string };
  if (ctx.signal?.aborted) return abortError(ctx.signal);
  if (e instanceof KdiagError) return e;
  const where = `the API server at ${ctx.server} (context "${ctx.contextName}")`;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.code === 'ABORT_ERR' || err.code === 'ETIMEDOUT') {
    return new ClusterAccessError(
      'timeout',
      `${method} ${path} to ${where} timed out after ${ctx.requestTimeoutMs / 1000}s`,
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
export function parseJson<T>(res: RawResponse, verb: string, resource: Resource | string, server: string): T {
  try {
    return JSON.parse(res.body) as T;
  } catch {
    throw badResponse(verb, resource, server, res.status, res.body);
  }
}

/** A 2xx answer that is not JSON; `head` is how its body began. */
export function badResponse(verb: string, resource: Resource | string, server: string, status: number, head: string): ClusterAccessError {
  return new ClusterAccessError(
    'bad-response',
    `${verb} ${typeof resource === 'string' ? resource : resourceName(resource)}: the server at ${server} did not answer with JSON (${status}, starts with ${JSON.stringify(head.slice(0, 40))})`,
    "check that the kubeconfig's server URL points at the Kubernetes API server, not a proxy or dashboard",
  );
}

/**
 * Maps a non-2xx API answer to kdiag's errors (401 → log in again, 403 → name verb/resource/namespace).
 * `namespace` undefined means cluster scope; '' means "no scope to name".
 */
export function statusError(
  res: RawResponse,
  ctx: Pick<ErrorContext, 'userName'>,
  verb: string,
  resource: string,
  namespace: string | undefined,
): KdiagError {
  const status = parseStatus(res.body);
  const scope = namespace ? ` in namespace "${namespace}"` : namespace === undefined ? ' at cluster scope' : '';
  if (res.status === 401) {
    return new ClusterAccessError(
      'unauthorized',
      `the API server rejected the credentials of user "${ctx.userName}" (401 Unauthorized)`,
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

/** A 403 on an optional read, as the reader reports it instead of throwing. */
export function deniedFrom(res: RawResponse, verb: Denied['verb'], resource: Resource, namespace: string | undefined): Denied {
  const denied: Denied = { verb, resource: resourceName(resource), message: parseStatus(res.body).message ?? 'forbidden' };
  if (resource.namespaced && namespace !== undefined) denied.namespace = namespace;
  return denied;
}
