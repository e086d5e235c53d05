import { isIpLiteral } from './name.js';
import type { ObservedAnswer, ResolvConf, SrvValue } from './types.js';

/**
 * Parsers for what `kdiag dns --probe` runs inside a pod. Pure: text in, structure out; they never throw, and
 * what they cannot read they leave out.
 */

/**
 * `/etc/resolv.conf`: `nameserver` lines (the resolver uses at most three), the last `search` or `domain` line
 * (each replaces the other, as the resolver does), `options` (ndots:N; the resolver's default is 1).
 */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], ndots: 1, options: [] };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search') out.search = rest.map((d) => d.replace(/\.$/, '').toLowerCase());
    else if (key === 'domain' && rest[0]) out.search = [rest[0].replace(/\.$/, '').toLowerCase()];
    else if (key === 'options') {
      for (const o of rest) {
        const m = /^ndots:(\d+)$/.exec(o);
        if (m) out.ndots = Math.min(Number(m[1]), 15);
        else out.options.push(o);
      }
    }
  }
  return out;
}

/** The cluster domain a ClusterFirst resolv.conf implies: the search domain after `svc.`. */
export function clusterDomainFromResolvConf(r: ResolvConf): string | undefined {
  const svc = r.search.find((d) => d.startsWith('svc.'));
  return svc ? svc.slice(4) : undefined;
}

/**
 * `getent ahosts NAME` (glibc: one line per address and socket type, `ADDRESS  STREAM|DGRAM|RAW  [NAME]`, the
 * canonical name on the first line only) and `getent hosts NAME` (`ADDRESS  NAME [ALIAS...]`, also what musl's
 * and BusyBox-based images print). Exit status 2 with no output means "not found": pass `exitCode` to say so.
 */
export function parseGetent(text: string, source: string, exitCode?: number): ObservedAnswer {
  const addresses: string[] = [];
  let canonical: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const words = raw.trim().split(/\s+/);
    const ip = words[0];
    if (!ip || !isIpLiteral(ip.replace(/%.*$/, ''))) continue;
    const addr = ip.replace(/%.*$/, '').toLowerCase();
    if (!addresses.includes(addr)) addresses.push(addr);
    const rest = /^(STREAM|DGRAM|RAW)$/.test(words[1] ?? '') ? words.slice(2) : words.slice(1);
    if (canonical === undefined && rest[0]) canonical = rest[0].replace(/\.$/, '').toLowerCase();
  }
  const out: ObservedAnswer & { canonicalName?: string } = { source, addresses };
  if (canonical) out.canonicalName = canonical;
  if (addresses.length === 0) out.error = exitCode === 2 || exitCode === undefined ? 'NXDOMAIN' : `exit status ${exitCode}`;
  return out;
}

/** What nslookup said, beyond the records. */
export interface NslookupAnswer extends ObservedAnswer {
  /** The server that answered (`10.96.0.10`), when printed. */
  server?: string;
}

/**
 * `nslookup [-type=SRV|A] NAME` as bind's nslookup and BusyBox's print it:
 * SRV lines `NAME  service = PRIORITY WEIGHT PORT TARGET[.]`, address lines `Address: IP` (after `Name:`; the
 * `Address:` of the server block, `IP#53` or `IP:53`, is not an answer), and failures
 * `** server can't find NAME: NXDOMAIN`, `*** Can't find NAME: No answer` (NODATA), `;; connection timed out`.
 */
export function parseNslookup(text: string, source: string): NslookupAnswer {
  const out: NslookupAnswer = { source };
  const srv: SrvValue[] = [];
  const addresses: string[] = [];
  let inAnswer = false;
  let sawServerAddress = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const server = /^Server:\s*(\S+)/.exec(line);
    if (server) {
      out.server = server[1]!;
      continue;
    }
    const s = /service\s*=\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)/.exec(line);
    if (s) {
      srv.push({ priority: Number(s[1]), weight: Number(s[2]), port: Number(s[3]), target: s[4]!.replace(/\.$/, '').toLowerCase() });
      continue;
    }
    if (/^Name:/.test(line)) {
      inAnswer = true;
      continue;
    }
    const a = /^Address(?:\s+\d+)?:\s*(\S+)/.exec(line);
    if (a) {
      const value = a[1]!;
      // The first Address: line before any Name: is the server's (`10.96.0.10#53`, `10.96.0.10:53`).
      if (!inAnswer && !sawServerAddress && (value.includes('#') || /^\d+\.\d+\.\d+\.\d+:\d+$/.test(value) || out.server !== undefined)) {
        sawServerAddress = true;
        continue;
      }
      const ip = value.replace(/#\d+$/, '');
      if (isIpLiteral(ip) && !addresses.includes(ip.toLowerCase())) addresses.push(ip.toLowerCase());
      continue;
    }
    if (/NXDOMAIN/i.test(line)) out.error = 'NXDOMAIN';
    else if (/SERVFAIL/i.test(line)) out.error = 'SERVFAIL';
    else if (/No answer/i.test(line)) out.error ??= 'NODATA';
    else if (/timed out|no servers could be reached/i.test(line)) out.error = 'timeout';
  }
  if (srv.length > 0) out.srv = srv;
  if (addresses.length > 0) out.addresses = addresses;
  if (srv.length > 0 || addresses.length > 0) delete out.error;
  return out;
}
