/**
 * Host and path matching as the Ingress (networking.k8s.io/v1) and Gateway API (gateway.networking.k8s.io/v1)
 * specifications define it. Pure functions over strings: no objects, no clock.
 */

/** Lower case, without a trailing dot or a port. Hosts compare case-insensitively and ignore the port. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h; // an IPv6 literal keeps its brackets
  const colon = h.lastIndexOf(':');
  if (colon >= 0 && /^\d+$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** The outcome of matching one host pattern against the request's host. */
export interface HostMatch {
  ok: boolean;
  /** Why it missed, in words (set when `ok` is false). */
  why?: string;
  /** 2 exact, 1 wildcard, 0 no host (matches everything): the more specific wins. */
  specificity: number;
}

/**
 * Ingress rule host: absent or empty matches every host; `*.example.com` matches exactly one more label
 * (`a.example.com`, not `example.com` nor `a.b.example.com`); anything else must be equal (case-insensitive).
 */
export function ingressHostMatch(ruleHost: string | undefined, requestHost: string): HostMatch {
  if (!ruleHost) return { ok: true, specificity: 0 };
  const rule = normalizeHost(ruleHost);
  const host = normalizeHost(requestHost);
  if (rule.startsWith('*.')) {
    const suffix = rule.slice(1); // ".example.com"
    if (host === rule.slice(2)) return { ok: false, why: `wildcard ${rule} does not match the bare domain ${host}`, specificity: 1 };
    if (!host.endsWith(suffix)) return { ok: false, why: `host ${host} is not under ${rule.slice(2)}`, specificity: 1 };
    const label = host.slice(0, -suffix.length);
    if (label.includes('.'))
      return {
        ok: false,
        why: `wildcard ${rule} matches exactly one label; ${host} has ${label.split('.').length} before ${suffix.slice(1)}`,
        specificity: 1,
      };
    return { ok: label.length > 0, specificity: 1, ...(label.length > 0 ? {} : { why: 'empty label' }) };
  }
  if (rule === host) return { ok: true, specificity: 2 };
  return { ok: false, why: `host ${rule} is not ${host}`, specificity: 2 };
}

/**
 * Gateway API hostname (listener or route): `*.example.com` is a suffix match of one or more labels
 * (`a.example.com` and `a.b.example.com`, never `example.com`); otherwise equal, case-insensitive.
 */
export function gatewayHostMatch(pattern: string | undefined, requestHost: string): HostMatch {
  if (!pattern) return { ok: true, specificity: 0 };
  const p = normalizeHost(pattern);
  const host = normalizeHost(requestHost);
  if (p.startsWith('*.')) {
    if (host === p.slice(2)) return { ok: false, why: `wildcard ${p} does not match the bare domain ${host}`, specificity: 1 };
    if (host.endsWith(p.slice(1))) return { ok: true, specificity: 1 };
    return { ok: false, why: `host ${host} is not under ${p.slice(2)}`, specificity: 1 };
  }
  if (p === host) return { ok: true, specificity: 2 };
  return { ok: false, why: `hostname ${p} is not ${host}`, specificity: 2 };
}

/**
 * The intersection of a listener hostname and a route hostname (Gateway API): undefined when they do not intersect.
 * A missing hostname on either side means "any". The result is the more specific of the two.
 */
export function intersectHostnames(listener: string | undefined, route: string | undefined): string | undefined | null {
  if (!listener) return route ?? null;
  if (!route) return listener;
  const l = normalizeHost(listener);
  const r = normalizeHost(route);
  if (l === r) return l;
  const covers = (wild: string, other: string) => wild.startsWith('*.') && other.endsWith(wild.slice(1)) && other !== wild.slice(2);
  if (covers(l, r)) return r;
  if (covers(r, l)) return l;
  return undefined;
}

/** Ingress path types. */
export type IngressPathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** The outcome of matching one path rule against the request's path. */
export interface PathMatch {
  ok: boolean;
  /** The match depends on the controller (ImplementationSpecific, RegularExpression). */
  controllerDependent?: boolean;
  /** Characters of the rule path that matched (longest wins). */
  length: number;
  why?: string;
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') || '/' : p;
}

/** Prefix match by path element, ignoring a trailing slash on both sides: `/api` matches `/api`, `/api/`, `/api/v1`, not `/apiv1`. */
export function prefixByElement(rulePath: string, requestPath: string): boolean {
  const rule = trimSlash(rulePath);
  if (rule === '/') return true;
  const req = trimSlash(requestPath);
  return req === rule || req.startsWith(`${rule}/`);
}

/** Explains a path miss: pathType, trailing slash, case, element boundary. */
function pathMissReason(type: string, rulePath: string, requestPath: string): string {
  const lower = rulePath.toLowerCase() === requestPath.toLowerCase() || prefixByElement(rulePath.toLowerCase(), requestPath.toLowerCase());
  const exact = rulePath === requestPath || prefixByElement(rulePath, requestPath);
  if (lower && !exact) return `paths are case-sensitive: ${rulePath} is not ${requestPath}`;
  if (type === 'Exact') {
    if (trimSlash(rulePath) === trimSlash(requestPath)) return `pathType Exact: the trailing slash differs (${rulePath} vs ${requestPath})`;
    if (prefixByElement(rulePath, requestPath)) return `pathType Exact: ${rulePath} only matches itself, not ${requestPath} (Prefix would)`;
    return `pathType Exact: ${rulePath} is not ${requestPath}`;
  }
  if (requestPath.startsWith(trimSlash(rulePath)))
    return `${type} ${rulePath} matches whole path elements: ${requestPath} is not ${trimSlash(rulePath)} nor under ${trimSlash(rulePath)}/`;
  return `${type} ${rulePath} is not a prefix of ${requestPath}`;
}

/** Ingress path matching (networking.k8s.io/v1 HTTPIngressPath). ImplementationSpecific is matched as Prefix and flagged. */
export function ingressPathMatch(pathType: string | undefined, rulePath: string | undefined, requestPath: string): PathMatch {
  const path = rulePath || '/';
  const type = pathType ?? 'ImplementationSpecific';
  if (type === 'Exact') {
    if (path === requestPath) return { ok: true, length: path.length };
    return { ok: false, length: path.length, why: pathMissReason('Exact', path, requestPath) };
  }
  const ok = prefixByElement(path, requestPath);
  const length = trimSlash(path).length;
  const dependent = type !== 'Prefix';
  if (ok) return { ok, length, ...(dependent ? { controllerDependent: true } : {}) };
  return { ok, length, why: pathMissReason(type, path, requestPath), ...(dependent ? { controllerDependent: true } : {}) };
}

/** Gateway API path match: Exact, PathPrefix (by element, a trailing slash ignored), RegularExpression (implementation-specific). */
export function gatewayPathMatch(type: string | undefined, value: string | undefined, requestPath: string): PathMatch {
  const path = value ?? '/';
  const t = type ?? 'PathPrefix';
  if (t === 'Exact') {
    if (path === requestPath) return { ok: true, length: path.length };
    return { ok: false, length: path.length, why: pathMissReason('Exact', path, requestPath) };
  }
  if (t === 'RegularExpression') {
    let ok: boolean;
    try {
      ok = new RegExp(`^(?:${path})$`).test(requestPath);
    } catch {
      ok = false;
    }
    return {
      ok,
      length: path.length,
      controllerDependent: true,
      ...(ok
        ? {}
        : { why: `RegularExpression ${path} does not match ${requestPath} (as JavaScript reads it; the implementation decides)` }),
    };
  }
  const ok = prefixByElement(path, requestPath);
  const length = trimSlash(path).length;
  return ok ? { ok, length } : { ok, length, why: pathMissReason('PathPrefix', path, requestPath) };
}

/** RFC 6125 name matching of a certificate DNS SAN against a host: `*.` stands for exactly one whole left-most label. */
export function sanCovers(san: string, host: string): boolean {
  const s = normalizeHost(san);
  const h = normalizeHost(host);
  if (!s.startsWith('*.')) return s === h;
  const rest = s.slice(1);
  if (!h.endsWith(rest)) return false;
  const label = h.slice(0, -rest.length);
  return label.length > 0 && !label.includes('.');
}
