import type { ParsedName } from './types.js';

/** The NAME argument could not be read as a DNS name. */
export interface NameError {
  ok: false;
  message: string;
  hint: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443, grpc: 80, grpcs: 443 };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True for an IPv4 or IPv6 literal. */
export function isIpLiteral(s: string): boolean {
  const m = IPV4.exec(s);
  if (m) return m.slice(1).every((x) => Number(x) <= 255);
  if (!/^[0-9a-f:.]+$/i.test(s) || s.split('::').length > 2) return false;
  const groups = s.split(':');
  if (groups.length < 3 || groups.length > 8) return false;
  return groups.every((g, i) => /^[0-9a-f]{0,4}$/i.test(g) || (i === groups.length - 1 && IPV4.test(g)));
}

/** `10-244-1-5` -> `10.244.1.5`; `fd00--1` -> `fd00::1`; undefined when it is no dashed IP. */
export function undashIp(label: string): string | undefined {
  // CoreDNS's rule: exactly three dashes and no `--` is IPv4, anything else is read as IPv6.
  const ip = (label.match(/-/g) ?? []).length === 3 && !label.includes('--') ? label.replace(/-/g, '.') : label.replace(/-/g, ':');
  return isIpLiteral(ip) ? ip : undefined;
}

/** `10.244.1.5` -> `10-244-1-5` (the label CoreDNS gives an endpoint without a hostname, and pod records). */
export function dashIp(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

function fail(message: string, hint: string): NameError {
  return { ok: false, message, hint };
}

/**
 * Reads NAME as the user typed it: `web`, `web.my-app`, `web.my-app.svc`, `web.my-app.svc.cluster.local`,
 * with a trailing dot, as a URL (`http://web:8080/api`: the host is looked up, the port kept; a scheme's default
 * port counts) or `host:port`, an SRV name (`_http._tcp.web.my-app.svc.cluster.local`), or a pod record
 * (`db-0.db.data.svc.cluster.local`, `10-244-1-5.web.ns.svc.cluster.local`, `10-244-1-5.ns.pod.cluster.local`).
 * The cluster domain is not needed: whatever follows `svc` or `pod` is the domain as written.
 */
export function parseDnsName(input: string): { ok: true; name: ParsedName } | NameError {
  const raw = input.trim();
  if (raw === '') return fail('NAME is empty', 'give a Service name, e.g. kdiag dns web -n my-app');
  let host = raw;
  let port: number | undefined;
  let scheme: string | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return fail(`"${raw}" is not a valid URL`, 'give a host name, host:port, or a URL such as http://web:8080/api');
    }
    scheme = url.protocol.replace(/:$/, '').toLowerCase();
    host = url.hostname;
    if (url.port !== '') port = Number(url.port);
    else if (DEFAULT_PORTS[scheme] !== undefined) port = DEFAULT_PORTS[scheme];
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  } else {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
    const hostPort = /^([^:/\s]+):(\d+)$/.exec(raw);
    if (bracketed) {
      host = bracketed[1]!;
      if (bracketed[2] !== undefined) port = Number(bracketed[2]);
    } else if (hostPort) {
      host = hostPort[1]!;
      port = Number(hostPort[2]);
    } else if (/[/\s]/.test(raw) || (raw.includes(':') && !isIpLiteral(raw))) {
      return fail(`"${raw}" is not a host name`, 'give a host name, host:port, or a URL such as http://web:8080/api');
    }
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    return fail(`port ${port} in "${raw}" is out of range`, 'ports run from 1 to 65535');
  }
  const absolute = host.endsWith('.') && host !== '.';
  host = host.replace(/\.$/, '').toLowerCase();
  const base = { input: raw, host, absolute, ...(port !== undefined ? { port } : {}), ...(scheme ? { scheme } : {}) };
  if (isIpLiteral(host)) return { ok: true, name: { ...base, kind: 'ip', queryType: 'address' } };
  if (host.length > 253) return fail(`"${host}" is longer than 253 characters`, 'a DNS name has at most 253 characters');
  const labels = host.split('.');
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return fail(
      bad === '' ? `"${host}" has an empty label (two dots in a row, or a leading dot)` : `"${bad}" in "${host}" is not a valid DNS label`,
      'a label is 1 to 63 letters, digits and dashes, starting and ending with a letter or digit',
    );
  }
  return { ok: true, name: { ...base, ...interpret(labels) } };
}

type Interpretation = Pick<ParsedName, 'kind' | 'queryType' | 'service' | 'namespace' | 'endpoint' | 'srv' | 'domain'>;

function interpret(labels: string[]): Interpretation {
  const isSrvPair = (a: string, b: string) => a.startsWith('_') && b.startsWith('_');
  const srvOf = (a: string, b: string) => ({ port: a.replace(/^_/, ''), protocol: b.replace(/^_/, '') });
  // The first `svc`/`pod` label with at least a namespace before it splits the name from the domain.
  const at = labels.findIndex((l, i) => i >= 1 && (l === 'svc' || l === 'pod'));
  if (at >= 1) {
    const before = labels.slice(0, at);
    const domain = labels.slice(at + 1).join('.');
    const withDomain = domain ? { domain } : {};
    if (labels[at] === 'pod') {
      if (before.length === 2) return { kind: 'pod', queryType: 'address', endpoint: before[0]!, namespace: before[1]!, ...withDomain };
      return { kind: 'other', queryType: 'address', ...withDomain };
    }
    const [a, b, c, d] = before;
    if (before.length === 2) return { kind: 'service', queryType: 'address', service: a!, namespace: b!, ...withDomain };
    if (before.length === 3) return { kind: 'endpoint', queryType: 'address', endpoint: a!, service: b!, namespace: c!, ...withDomain };
    if (before.length === 4) return { kind: 'srv', queryType: 'SRV', srv: srvOf(a!, b!), service: c!, namespace: d!, ...withDomain };
    return { kind: 'other', queryType: 'address', ...withDomain };
  }
  const [a, b, c, d] = labels;
  if (labels.length >= 3 && isSrvPair(a!, b!)) {
    if (labels.length === 3) return { kind: 'srv', queryType: 'SRV', srv: srvOf(a!, b!), service: c! };
    if (labels.length === 4) return { kind: 'srv', queryType: 'SRV', srv: srvOf(a!, b!), service: c!, namespace: d! };
    return { kind: 'other', queryType: 'SRV' };
  }
  if (labels.length === 1) return { kind: 'service', queryType: 'address', service: a! };
  if (labels.length === 2) return { kind: 'service', queryType: 'address', service: a!, namespace: b! };
  // `db-0.db.data`: a pod record of a headless Service, reached through the `svc.<domain>` search domain.
  if (labels.length === 3) return { kind: 'endpoint', queryType: 'address', endpoint: a!, service: b!, namespace: c! };
  return { kind: 'other', queryType: 'address' };
}
