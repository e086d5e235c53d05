import ipaddr from 'ipaddr.js';
import { CODE_TYPES, type FileType } from './comments.js';

/**
 * Finding IP literals in one line of text, and telling real host addresses from the many things that look like
 * them (versions, OIDs, masks, MACs, times, `::` in code...). Pure: no I/O.
 *
 * Positions are UTF-16 indices into the line; `codePointColumn` turns one into the 1-based code-point column
 * the output uses.
 */

/** Why a literal that looks like an address is not reported. */
export type DecoyReason =
  | 'loopback'
  | 'unspecified'
  | 'broadcast'
  | 'netmask'
  | 'cidr'
  | 'range'
  | 'version'
  | 'image-tag'
  | 'dotted-identifier'
  | 'mac'
  | 'time'
  | 'code-scope'
  | 'template-fragment'
  | 'documentation'
  | 'multicast'
  | 'reserved';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One address-like literal of a line. */
export interface Literal {
  /** The address as written, without brackets, port or prefix (with a zone id if it had one). */
  text: string;
  family: 4 | 6;
  /** UTF-16 index of the first character of the address in the line. */
  start: number;
  /** UTF-16 index just past the address (and its zone id). */
  end: number;
  /** The parsed address (for IPv4-mapped IPv6, the IPv4 address). */
  addr: Address;
  /** `/N` written right after it, if any. */
  prefix?: number;
  /** Set when the literal is not reported, with the reason. */
  decoy?: DecoyReason;
}

export interface ScanOptions {
  /** Report documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20). */
  strict: boolean;
}

// ---------------------------------------------------------------- character classes (by char code)

/**
 * The char code at `i`, or -1 outside the line. Reads past either end of a line are common here (an address at
 * its start or end); `charCodeAt` would give NaN, and optimized code that has not seen one is thrown away when it
 * first does (then compiled again), so those reads go through this bounds check.
 */
function codeAt(line: string, i: number): number {
  return i >= 0 && i < line.length ? line.charCodeAt(i) : -1;
}

/** What `\s` matches in the ASCII range (NETMASK_AFTER's first character; other white space is rare here). */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c > 127;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
/** Letters, digits and `_`: characters that glue a literal into a longer identifier. */
function isWord(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 95;
}

// ---------------------------------------------------------------- context rules

/** Keys whose value is a version: `version`, `appVersion`, `IMAGE_TAG`, `--kube-version`, `<version>`, `tag`... */
const VERSION_KEY = /(version|^ver$|tags?$|^rev(ision)?$|^release$|^build$|^chart$)/i;
/** Keys that name an address: they win over a version-like part (`version_server_ip`, `release_host`). */
const ADDRESS_KEY =
  /(?:ip|ips|ipv4|ipv6|addr|address|host|hosts|hostname|server|servers|endpoint|endpoints|url|uri|upstream|peer|gateway|dns|nameservers?)$/i;
/** Keys whose value is a network rather than a host: `podSubnet`, `cidr`, `network`, `route`... */
const NETWORK_KEY = /(subnet|cidr|network|^net$|range|prefix|route|netmask|mask)/i;
/** An image reference right before a `:tag`: `registry.io/team/app:`. */
const IMAGE_BEFORE = /(?:^|[\s"'=[(,])([a-z0-9][\w.-]*(?:\/[\w.-]+)*):$/i;
/** DNS names that embed an address on purpose (wildcard DNS services): still a hard-coded IP. */
const EMBEDDING_DNS = /^\.(?:nip\.io|sslip\.io|xip\.io|traefik\.me|localtest\.me)\b/i;
/** Times: `12:30`, `12:30:45`, `1:02:03.5`. */
const TIME = /^\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?$/;

function isKeyChar(c: number): boolean {
  return isWord(c) || c === 45 || c === 46; // letters, digits, _, -, .
}
function isOpen(c: number): boolean {
  return c === 32 || c === 9 || c === 34 || c === 39 || c === 91 || c === 40; // space, tab, " ' [ (
}

/**
 * The key a value belongs to: the identifier before the last `:`, `=`, `:=`, `=>` or `>` (an XML element)
 * right before the value, skipping blanks, quotes and brackets. A hand-written backward scan: an end-anchored
 * regex would be tried at every position of the line, and this runs for every candidate.
 */
function keyBefore(line: string, start: number): string | undefined {
  let i = start - 1;
  while (i >= 0 && isOpen(line.charCodeAt(i))) i--;
  const sep = codeAt(line, i);
  if (sep === 62 /* > */) {
    i--;
    if (codeAt(line, i) === 61) i--; // =>
  } else if (sep === 61 /* = */) {
    i--;
    if (codeAt(line, i) === 58) i--; // :=
  } else if (sep === 58 /* : */) {
    i--;
  } else {
    return undefined;
  }
  while (i >= 0 && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i--;
  const q = codeAt(line, i);
  if (q === 34 || q === 39) i--;
  const end = i + 1;
  while (i >= 0 && i > start - 80 && isKeyChar(line.charCodeAt(i))) i--;
  return end > i + 1 ? line.slice(i + 1, end) : undefined;
}

/** The word before a value separated by blanks: `version 1.2.3.4`, `--tag "1.2.3.4"`. */
function wordBefore(line: string, start: number): string | undefined {
  let i = start - 1;
  const q = codeAt(line, i);
  if (q === 34 || q === 39) i--;
  const blankEnd = i;
  while (i >= 0 && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i--;
  if (i === blankEnd) return undefined;
  const end = i + 1;
  while (i >= 0 && i > start - 80 && (isWord(line.charCodeAt(i)) || line.charCodeAt(i) === 45)) i--;
  return end > i + 1 ? line.slice(i + 1, end) : undefined;
}

/** Version operators right before the value: `==`, `>=`, `~=`, `!=`, `^`, `~`, `@`. */
function versionOperatorBefore(line: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 34 || line.charCodeAt(i) === 39)) i--;
  const c = codeAt(line, i);
  if (c === 64 || c === 94 || c === 126) return true; // @ ^ ~
  if (c === 61) {
    const d = codeAt(line, i - 1);
    return d === 61 || d === 60 || d === 62 || d === 126 || d === 33; // == <= >= ~= !=
  }
  return false;
}

/** What the key or word before a value says: a version, or (for a network-like value) a range. */
function keyDecoy(k: string, isNetworkLike: boolean): DecoyReason | undefined {
  // Keys repeat (`version`, `tag`, `host`...): their verdicts are remembered (a pure function of its arguments;
  // the unanchored ADDRESS_KEY regex cost more per line than anything else on dense trees).
  const memo = isNetworkLike ? KEY_DECOY_NET : KEY_DECOY;
  const known = memo.get(k);
  if (known !== undefined) return known === NO_DECOY ? undefined : known;
  if (memo.size >= KEY_DECOY_MAX) memo.clear();
  const r = keyDecoyOf(k, isNetworkLike);
  memo.set(k, r ?? NO_DECOY);
  return r;
}

const NO_DECOY = '';
const KEY_DECOY_MAX = 4096;
const KEY_DECOY = new Map<string, DecoyReason | typeof NO_DECOY>();
const KEY_DECOY_NET = new Map<string, DecoyReason | typeof NO_DECOY>();

function keyDecoyOf(k: string, isNetworkLike: boolean): DecoyReason | undefined {
  const bare = k.charCodeAt(0) === 45 /* - */ ? k.replace(/^-+/, '') : k;
  if (VERSION_KEY.test(bare) && !ADDRESS_KEY.test(bare)) return 'version';
  if (isNetworkLike && NETWORK_KEY.test(bare)) return 'cidr';
  return undefined;
}

/** Decoys decided by the text around the literal, shared by both families. */
function contextDecoy(line: string, start: number, end: number, isNetworkLike: boolean, fileType: FileType): DecoyReason | undefined {
  if (versionOperatorBefore(line, start)) return 'version';
  const key = keyBefore(line, start);
  const byKey = key === undefined ? undefined : keyDecoy(key, isNetworkLike);
  if (byKey !== undefined) return byKey;
  const word = wordBefore(line, start);
  const byWord = word === undefined ? undefined : keyDecoy(word, isNetworkLike);
  if (byWord !== undefined) return byWord;
  if (codeAt(line, start - 1) === 58 /* : */) {
    const prefix = line.slice(Math.max(0, start - 200), start);
    const m = IMAGE_BEFORE.exec(prefix);
    if (m) {
      const name = m[1]!;
      const imageContext =
        name.includes('/') ||
        /image/i.test(key ?? '') ||
        /\bimage\b/i.test(prefix) ||
        (fileType === 'dockerfile' && /^\s*FROM\b/i.test(line));
      if (imageContext) return 'image-tag';
    }
  }
  // A `-suffix` or `+build` right after: `1.2.3.4-rc1`, `1.2.3.4+g1234`.
  const after = codeAt(line, end);
  if ((after === 45 /* - */ || after === 43) /* + */ && isAlpha(codeAt(line, end + 1))) return 'version';
  return undefined;
}

// ---------------------------------------------------------------- special ranges

export const DOC_RANGES: readonly [Address, number][] = [
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '2001:db8::/32',
  '3fff::/20',
].map((c) => (c.includes(':') ? ipaddr.IPv6.parseCIDR(c) : ipaddr.IPv4.parseCIDR(c))); // family-blind parseCIDR throws for IPv4

/** True when `addr` is one of the documentation ranges (RFC 5737, RFC 3849, RFC 9637). */
export function isDocumentation(addr: Address): boolean {
  for (const [net, bits] of DOC_RANGES) if (net.kind() === addr.kind() && addr.match(net, bits)) return true;
  return false;
}

/** A contiguous run of one bits from the top (a netmask), or from the bottom (a Cisco wildcard mask). */
function isMask(addr: Address): boolean {
  const bytes = addr.toByteArray();
  const check = (arr: number[]) => {
    let seenZero = false;
    for (const b of arr) {
      for (let bit = 7; bit >= 0; bit--) {
        const one = (b >> bit) & 1;
        if (one && seenZero) return false;
        if (!one) seenZero = true;
      }
    }
    return true;
  };
  const allZero = bytes.every((b) => b === 0);
  if (allZero) return false;
  // 255.x masks, and 0.0.0.255-style wildcard masks (but not small host numbers like 0.0.0.1).
  if (bytes[0] === 255 || (addr.kind() === 'ipv6' && bytes[0] === 0xff && bytes[1] === 0xff)) return check(bytes);
  if (addr.kind() === 'ipv4' && bytes[0] === 0 && bytes[3] === 255) return check(bytes.map((b) => 255 - b));
  return false;
}

/** Decoys decided by the address alone. */
function addressDecoy(addr: Address, opts: ScanOptions): DecoyReason | undefined {
  const range = addr.range();
  if (range === 'broadcast') return 'broadcast';
  // Before the ranges: a wildcard mask such as 0.0.0.255 sits in "this network" 0.0.0.0/8.
  if (isMask(addr)) return 'netmask';
  switch (range) {
    case 'loopback':
      return 'loopback';
    case 'unspecified':
      return 'unspecified';
    case 'multicast':
      return 'multicast';
  }
  if (addr.kind() === 'ipv4') {
    const first = addr.toByteArray()[0]!;
    if (first === 0) return 'unspecified'; // 0.0.0.0/8, "this network"
    if (first >= 240) return 'reserved';
  }
  if (!opts.strict && isDocumentation(addr)) return 'documentation';
  return undefined;
}

/** Host bits set under the prefix (`10.0.0.7/24` is an interface address, `10.0.0.0/24` a network). */
function hasHostBits(addr: Address, prefix: number): boolean {
  const bytes = addr.toByteArray();
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return true;
  }
  return false;
}

/** Reads `/N` at `i`; returns [N, index after] or undefined. */
function readPrefix(line: string, i: number, max: number): [number, number] | undefined {
  if (codeAt(line, i) !== 47 /* / */) return undefined;
  let j = i + 1;
  let n = 0;
  while (j < line.length && isDigit(line.charCodeAt(j)) && j - i <= 3) n = n * 10 + line.charCodeAt(j++) - 48;
  if (j === i + 1 || n > max || isDigit(codeAt(line, j))) return undefined;
  return [n, j];
}

/** Applies the `/N` rules: a range is no host, but `/32`, `/128` and an interface address `10.0.0.7/24` are. */
function prefixDecoy(lit: Literal, line: string): DecoyReason | undefined {
  const p = readPrefix(line, lit.end, lit.family === 4 ? 32 : 128);
  if (!p) return undefined;
  lit.prefix = p[0];
  const full = lit.family === 4 ? 32 : 128;
  if (p[0] === full) return undefined;
  const bits = lit.addr.kind() === 'ipv4' && lit.family === 6 ? p[0] - 96 : p[0];
  return hasHostBits(lit.addr, Math.max(0, bits)) ? undefined : 'cidr';
}

// ---------------------------------------------------------------- IPv4

const V4_SEED = /[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]/g;
const NETMASK_AFTER = /^\s+(?:netmask\s+|mask\s+)?255\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/;
const OCTETS = [0, 0, 0, 0];

/**
 * Decoys of an IPv4 address from its 32-bit value, without building an ipaddr.js object (this runs for every
 * version string too, so it must be cheap). Same rules as `addressDecoy`.
 */
function v4Decoy(o0: number, o1: number, o2: number, o3: number, opts: ScanOptions): DecoyReason | undefined {
  const u = ((o0 << 24) | (o1 << 16) | (o2 << 8) | o3) >>> 0;
  if (u === 0xffffffff) return 'broadcast';
  if (o0 === 255) {
    const inv = ~u >>> 0;
    if ((inv & (inv + 1)) === 0) return 'netmask';
  }
  if (o0 === 0 && o3 === 255 && (u & (u + 1)) >>> 0 === 0) return 'netmask'; // wildcard mask 0.0.0.255
  if (o0 === 127) return 'loopback';
  if (o0 === 0) return 'unspecified';
  if (o0 >= 224 && o0 <= 239) return 'multicast';
  if (o0 >= 240) return 'reserved';
  if (
    !opts.strict &&
    ((o0 === 192 && o1 === 0 && o2 === 2) || (o0 === 198 && o1 === 51 && o2 === 100) || (o0 === 203 && o1 === 0 && o2 === 113))
  ) {
    return 'documentation';
  }
  return undefined;
}

function scanV4(line: string, fileType: FileType, opts: ScanOptions, taken: readonly Literal[], out: Literal[], keepDecoys: boolean): void {
  V4_SEED.lastIndex = 0;
  // `test` allocates no match array; the walk back below finds the start of the dotted run anyway.
  while (V4_SEED.test(line)) {
    let s = V4_SEED.lastIndex - 1;
    // Extend backwards over digits and `.digit` groups to the start of the dotted run.
    while (s > 0 && isDigit(line.charCodeAt(s - 1))) s--;
    while (s > 1 && line.charCodeAt(s - 1) === 46 && isDigit(line.charCodeAt(s - 2))) {
      s--;
      while (s > 0 && isDigit(line.charCodeAt(s - 1))) s--;
    }
    // Forward: parse the groups as we go (no split, no Number()).
    let e = s;
    let parts = 0;
    let val = 0;
    let digits = 0;
    let bad = false;
    for (;;) {
      const c = codeAt(line, e);
      if (isDigit(c)) {
        if (digits === 1 && val === 0) bad = true; // leading zero: `01`
        val = val * 10 + (c - 48);
        digits++;
        e++;
      } else if (c === 46 && isDigit(codeAt(line, e + 1))) {
        if (digits > 3 || val > 255) bad = true;
        if (parts < 4) OCTETS[parts] = val;
        parts++;
        val = 0;
        digits = 0;
        e++;
      } else break;
    }
    if (digits > 3 || val > 255) bad = true;
    if (parts < 4) OCTETS[parts] = val;
    parts++;
    V4_SEED.lastIndex = e;
    if (taken.length > 0 && taken.some((t) => s >= t.start && s < t.end)) continue; // tail of an IPv4-mapped IPv6
    const before = codeAt(line, s - 1);
    const after = codeAt(line, e);
    let decoy: DecoyReason | undefined;
    if (parts > 4) decoy = 'dotted-identifier';
    else if (bad) continue; // not an address
    if (decoy === undefined && s > 0) {
      if (before === 46 /* . */ && isWord(codeAt(line, s - 2))) decoy = 'dotted-identifier';
      else if ((before === 118 || before === 86) /* v V */ && !isWord(codeAt(line, s - 2))) decoy = 'version';
      else if (isWord(before)) continue; // glued to an identifier: `sha1.2.3.4`, `x1.2.3.4`
    }
    if (decoy === undefined) {
      if (isAlpha(after) || after === 95) continue; // `1.2.3.4abc`
      if (after === 46 && isAlpha(codeAt(line, e + 1)) && !EMBEDDING_DNS.test(line.slice(e, e + 20))) decoy = 'dotted-identifier';
    }
    const o0 = OCTETS[0]!;
    const o1 = OCTETS[1]!;
    const o2 = OCTETS[2]!;
    const o3 = OCTETS[3]!;
    if (decoy === undefined) decoy = v4Decoy(o0, o1, o2, o3, opts);
    if (decoy === undefined) decoy = contextDecoy(line, s, e, o3 === 0, fileType);
    if (decoy === undefined) decoy = rangePairDecoy(line, s, e);
    if (decoy !== undefined && !keepDecoys) continue;
    const lit: Literal = {
      text: line.slice(s, e),
      family: 4,
      start: s,
      end: e,
      addr: decoy === undefined ? new ipaddr.IPv4([o0, o1, o2, o3]) : UNSPECIFIED_V4,
    };
    if (decoy === undefined) decoy = prefixDecoy(lit, line);
    if (decoy === undefined && isBlank(codeAt(line, e)) && NETMASK_AFTER.test(line.slice(e, e + 40))) decoy = 'cidr';
    if (decoy !== undefined) {
      if (!keepDecoys) continue;
      lit.decoy = decoy;
    }
    out.push(lit);
  }
}

/** Placeholder address of decoys (never classified). */
const UNSPECIFIED_V4 = new ipaddr.IPv4([0, 0, 0, 0]);

/** `10.0.0.1-10.0.0.9`: an address range (MetalLB pools, DHCP ranges), no single host. */
function rangePairDecoy(line: string, s: number, e: number): DecoyReason | undefined {
  if (codeAt(line, e) === 45 && /^-\s*\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/.test(line.slice(e, e + 20))) return 'range';
  if (codeAt(line, s - 1) === 45 && /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\s*-$/.test(line.slice(Math.max(0, s - 20), s))) return 'range';
  return undefined;
}

// ---------------------------------------------------------------- IPv6

const V6_SEED = /::|:[0-9A-Fa-f]{1,4}:/g;

function isV6Char(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

function scanV6(line: string, fileType: FileType, opts: ScanOptions, out: Literal[]): void {
  V6_SEED.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = V6_SEED.exec(line)) !== null) {
    let s = m.index;
    while (s > 0 && isV6Char(line.charCodeAt(s - 1))) s--;
    let e = m.index + m[0].length;
    while (e < line.length && isV6Char(line.charCodeAt(e))) e++;
    V6_SEED.lastIndex = e;
    // Trim what cannot end an address: a trailing `.` (sentence) or a single `:` (`addr: value`, `::1:`).
    while (e > s && line.charCodeAt(e - 1) === 46) e--;
    if (codeAt(line, e - 1) === 58 && codeAt(line, e - 2) !== 58) e--;
    // Leading dots or a single leading colon are not part of an address either.
    while (s < e && line.charCodeAt(s) === 46) s++;
    if (codeAt(line, s) === 58 && codeAt(line, s + 1) !== 58) s++;
    let text = line.slice(s, e);
    const before = codeAt(line, s - 1);
    const codeFile = CODE_TYPES.has(fileType);
    // Glued to a word (`std::io`, `Foo::Bar`, `a::b_c`): a scope operator, not an address.
    if (isWord(before) || isWord(codeAt(line, e))) {
      if (text.includes('::')) out.push(decoyOnly(text, s, e, 'code-scope'));
      continue;
    }
    // The tail of an address built by a template or a shell variable (`${PREFIX}::10`, `{{ .prefix }}::1`): a
    // fragment, not an address of its own.
    if (before === 125 /* } */ && text.startsWith('::')) {
      out.push(decoyOnly(text, s, e, 'template-fragment'));
      continue;
    }
    const groups = text.split(':');
    if (text === '::') {
      out.push(decoyOnly(text, s, e, codeFile ? 'code-scope' : 'unspecified'));
      continue;
    }
    if (TIME.test(text)) {
      out.push(decoyOnly(text, s, e, 'time'));
      continue;
    }
    if (!text.includes('::') && (groups.length === 6 || groups.length === 8) && groups.every((g) => g.length === 2)) {
      out.push(decoyOnly(text, s, e, 'mac'));
      continue;
    }
    if (groups.length > 9 || !/[0-9]/.test(text)) {
      // Fingerprints (`aa:bb:...` with many groups) and hex words (`dead::beef`, `Add::Cafe`).
      if (text.includes('::') || groups.length > 8) out.push(decoyOnly(text, s, e, groups.length > 8 ? 'mac' : 'code-scope'));
      continue;
    }
    // A zone id: `fe80::1%eth0`, or `%25eth0` inside a bracketed URL host (RFC 6874 encodes the `%`).
    let zoneEnd = e;
    let zoneStart = e;
    if (codeAt(line, e) === 37 /* % */) {
      zoneStart = e + 1;
      if (line.startsWith('25', zoneStart) && before === 91 /* [ */ && /[A-Za-z]/.test(line[zoneStart + 2] ?? '')) zoneStart += 2;
      let k = zoneStart;
      while (k < line.length && /[A-Za-z0-9_.~-]/.test(line[k]!)) k++;
      if (k > zoneStart) zoneEnd = k;
    }
    // Cheap structural test before the full parser: without `::` an address has exactly 8 groups (7 when
    // the last is an embedded IPv4), and no group is longer than 4 hex digits.
    const compressed = text.includes('::');
    if (!compressed && groups.length !== 8 && !(groups.length === 7 && text.includes('.'))) continue;
    if (groups.some((g) => g.length > 4 && !g.includes('.'))) continue;
    if (!ipaddr.IPv6.isValid(text)) continue;
    let addr: Address = ipaddr.IPv6.parse(text);
    if (addr.isIPv4MappedAddress()) addr = addr.toIPv4Address();
    if (zoneEnd > e) text = `${text}%${line.slice(zoneStart, zoneEnd)}`;
    const lit: Literal = { text, family: 6, start: s, end: zoneEnd, addr };
    let decoy = contextDecoy(line, s, zoneEnd, text.endsWith('::'), fileType);
    if (decoy === undefined) {
      const p = readPrefix(line, zoneEnd, 128);
      if (p) {
        lit.prefix = p[0];
        const bits = addr.kind() === 'ipv4' ? p[0] - 96 : p[0];
        if (p[0] !== 128 && !hasHostBits(addr, Math.max(0, bits))) decoy = 'cidr';
      }
    }
    if (decoy === undefined) decoy = addressDecoy(addr, opts);
    if (decoy !== undefined) lit.decoy = decoy;
    out.push(lit);
  }
}

const UNSPECIFIED_V6 = ipaddr.IPv6.parse('::');

function decoyOnly(text: string, start: number, end: number, decoy: DecoyReason): Literal {
  return { text, family: 6, start, end, addr: UNSPECIFIED_V6, decoy };
}

// ---------------------------------------------------------------- entry points

/**
 * All address-like literals of one line, in order of position, each either a host address to classify or a
 * decoy with its reason (`keepDecoys` false leaves decoys out, which the engine's hot path wants). Comments are
 * not considered here (see `commentSpans`). `mayHoldV6` false skips the IPv6 pass.
 */
const NO_LITERALS: readonly Literal[] = [];

export function scanLine(line: string, fileType: FileType, opts: ScanOptions, mayHoldV6 = true, keepDecoys = true): Literal[] {
  const out: Literal[] = [];
  if (mayHoldV6 && line.includes(':')) scanV6(line, fileType, opts, out);
  const v6Count = out.length;
  // IPv6 decoys stay in `out` while IPv4 is scanned: they claim their span (`::ffff:1.2.3.4` is one literal).
  scanV4(line, fileType, opts, v6Count > 0 ? out.slice(0, v6Count) : NO_LITERALS, out, keepDecoys);
  if (!keepDecoys && v6Count > 0) {
    let w = 0;
    for (const l of out) if (l.decoy === undefined) out[w++] = l;
    out.length = w;
    if (w > 1) out.sort((a, b) => a.start - b.start);
    return out;
  }
  if (v6Count > 0 && out.length > v6Count) out.sort((a, b) => a.start - b.start);
  return out;
}

/** The 1-based column of UTF-16 index `i`, counting Unicode code points (a surrogate pair is one). */
export function codePointColumn(line: string, i: number): number {
  let col = 1;
  for (let k = 0; k < i; k++) {
    const c = line.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < i) {
      const d = line.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) k++;
    }
    col++;
  }
  return col;
}
