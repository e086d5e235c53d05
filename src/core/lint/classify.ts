import ipaddr from 'ipaddr.js';
import type { ObjectRef, Severity } from '../finding.js';
import { LINT_CODES, lintSeverity, type LintCode } from './catalogue.js';
import { DEFAULT_CLUSTER_DOMAIN, serviceDnsName } from '../dns-names.js';
import { describeRange, matchRanges, type ClusterObjectInfo, type NamedRange } from './ranges.js';
import { codePointColumn, DOC_RANGES, isDocumentation, type Address, type Literal } from './scan.js';

/**
 * Classification of one address literal: what the address is (a pod, a Service, a node of the cluster; in a pod
 * or Service range; private; public) and so which finding it gives, with its code, severity, message and hint.
 * Knows nothing of comments, suppressions, the allow list or disabled codes (the engine applies those). Pure.
 */

/** What classification reads of a run's settings (a part of `LintSettings`). */
export interface ClassifySettings {
  /** Pod and Service ranges, already resolved from flags, config, cluster or defaults. */
  ranges: readonly NamedRange[];
  /** With `--cluster`: what each current pod, Service and node IP is (keys: normalized address strings). */
  objects?: ReadonlyMap<string, ClusterObjectInfo>;
  /** For Service DNS names in hints; `cluster.local` unless told otherwise. */
  clusterDomain?: string;
}

/** A finding on one line (the caller adds file and line number). */
export interface LineFinding {
  code: string;
  severity: Severity;
  /** 1-based, in Unicode code points. */
  column: number;
  endColumn: number;
  /** The address as written (absent for `suppression-without-reason`). */
  ip?: string;
  message: string;
  hint: string;
  object?: ObjectRef;
}

/** Normalized text of an address, the key of `ClassifySettings.objects`. */
export function addressKey(addr: Address): string {
  return addr.toNormalizedString();
}

/** The finding for literal `lit` of line `text`. */
export function classifyLiteral(lit: Literal, text: string, settings: ClassifySettings): LineFinding {
  const column = codePointColumn(text, lit.start);
  // The literal itself is ASCII (digits, hex, `.`, `:`, a zone id): one column per character.
  const endColumn = column + (lit.end - lit.start);
  const domain = settings.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const obj = settings.objects?.get(addressKey(lit.addr));

  if (obj && obj.kind !== 'Node') {
    const isPod = obj.kind === 'Pod';
    const what = isPod ? `pod ${obj.ref.namespace}/${obj.ref.name}` : `Service ${obj.ref.namespace}/${obj.ref.name}`;
    const via = obj.via ? `, selected by Service ${obj.via.namespace}/${obj.via.name}` : '';
    const dns = obj.dnsName ?? (obj.kind === 'Service' ? serviceDnsName(obj.ref, domain) : undefined);
    return makeFinding(
      column,
      endColumn,
      lit.text,
      isPod ? LINT_CODES.pod : LINT_CODES.service,
      `hard-coded ${isPod ? 'pod' : 'Service'} IP ${lit.text}: the IP of ${what}${via}`,
      dns
        ? `use the DNS name ${dns} instead${isPod ? ' (the Service that selects this pod)' : ''}`
        : `no Service selects this pod: create one and use its DNS name (<service>.<namespace>.svc.${domain})`,
      obj.ref,
    );
  }
  const { best, inRange, privateKind } = rangeFacts(settings.ranges, lit.addr);
  if (best && !obj) {
    // Only a known range (flags, .kdiag.yaml, --cluster, declared in the tree) makes an error: a distribution's
    // default is a guess, a warning that says so.
    const guessed = best.source === 'default';
    const guess = guessed
      ? ` (a guess: no ${best.kind === 'pod' ? 'pod' : 'Service'} range is known; give it with --${best.kind}-cidr)`
      : '';
    if (best.kind === 'pod') {
      return makeFinding(
        column,
        endColumn,
        lit.text,
        LINT_CODES.pod,
        `hard-coded pod IP ${lit.text}${inRange}${guess}`,
        `pod IPs change on every restart: use the DNS name of a Service that selects the pod (<service>.<namespace>.svc.${domain})`,
        undefined,
        guessed ? 'warning' : undefined,
      );
    }
    return makeFinding(
      column,
      endColumn,
      lit.text,
      LINT_CODES.service,
      `hard-coded Service IP ${lit.text}${inRange}${guess}`,
      `ClusterIPs change when a Service is re-created: use the Service's DNS name (<service>.<namespace>.svc.${domain})`,
      undefined,
      guessed ? 'warning' : undefined,
    );
  }
  const nodeNote = obj ? `: the address of node ${obj.ref.name}` : '';
  const nodeHint = obj
    ? 'node addresses change when nodes are replaced: reach the workload through a Service or the host by a DNS name'
    : '';
  if (privateKind !== undefined) {
    return makeFinding(
      column,
      endColumn,
      lit.text,
      LINT_CODES.private,
      `hard-coded private IP ${lit.text} (${privateKind})${nodeNote}`,
      nodeHint ||
        'use a DNS name (an ExternalName Service, or a setting) instead of the address; if it is intended, allow the range in .kdiag.yaml lint.allow',
      obj?.ref,
    );
  }
  return makeFinding(
    column,
    endColumn,
    lit.text,
    LINT_CODES.public,
    `hard-coded public IP ${lit.text}${nodeNote}`,
    nodeHint || `use the host's DNS name; if the address is intended, add \`kdiag-ignore ${LINT_CODES.public}: <reason>\``,
    obj?.ref,
  );
}

/**
 * A finding as one plain literal with its keys always in the same order (so every finding shares one hidden
 * class). Built without `...spread`: a spread after the first key of an object literal is a runtime call in V8,
 * and this runs for every finding.
 */
function makeFinding(
  column: number,
  endColumn: number,
  ip: string,
  code: LintCode,
  message: string,
  hint: string,
  object?: ObjectRef,
  severity?: Severity,
): LineFinding {
  // The severity is the catalogue's (its default, or one it lists), never a literal here.
  const f: LineFinding = { column, endColumn, ip, code, severity: lintSeverity(code, severity), message, hint };
  if (object) f.object = object;
  return f;
}

/** What classification needs from the ranges (see rangeFacts). */
interface RangeFacts {
  best: NamedRange | undefined;
  /** `: in <range words>` when `best` is set. */
  inRange: string;
  /** The words for a non-public address (privateDescription). */
  privateKind: string | undefined;
}

/**
 * What the ranges say of `addr`: the best matching pod or Service range (with the words for it), and the
 * words for a non-public address. For IPv4 these are the same across a /16 (unless a range of the run, a
 * documentation range or one of ipaddr.js's special ranges is narrower there), so they are worked out once
 * per /16 and run: a tree full of addresses of a few networks classifies each network once.
 */
function rangeFacts(ranges: readonly NamedRange[], addr: Address): RangeFacts {
  if (addr.kind() !== 'ipv4') return computeRangeFacts(ranges, addr);
  const o = (addr as ipaddr.IPv4).octets;
  const block = (o[0]! << 8) | o[1]!;
  let cache = FACTS.get(ranges);
  if (cache === undefined) {
    cache = { narrow: narrowBlocks(ranges), byBlock: new Map() };
    FACTS.set(ranges, cache);
  }
  if (cache.narrow.has(block)) return computeRangeFacts(ranges, addr);
  let facts = cache.byBlock.get(block);
  if (facts === undefined) {
    facts = computeRangeFacts(ranges, addr);
    cache.byBlock.set(block, facts);
  }
  return facts;
}

function computeRangeFacts(ranges: readonly NamedRange[], addr: Address): RangeFacts {
  const matched = matchRanges(ranges, addr);
  const best = matched[0];
  return { best, inRange: best ? `: in ${describeRange(best, matched)}` : '', privateKind: privateDescription(addr, addr.range()) };
}

/** Per ranges array of a run: the /16 blocks classified uncached, and the facts of the others by block. */
const FACTS = new WeakMap<readonly NamedRange[], { narrow: ReadonlySet<number>; byBlock: Map<number, RangeFacts> }>();

/**
 * The IPv4 /16 blocks (as `first octet << 8 | second`) holding a range narrower than /16: one of `ranges`, a
 * documentation range, or one of ipaddr.js's special ranges (read from the library, so a new one is honoured).
 */
function narrowBlocks(ranges: readonly NamedRange[]): ReadonlySet<number> {
  const out = new Set<number>();
  const add = (net: Address, bits: number): void => {
    if (net.kind() !== 'ipv4' || bits <= 16) return;
    const o = (net as ipaddr.IPv4).octets;
    out.add((o[0]! << 8) | o[1]!);
  };
  for (const r of ranges) add(r.net, r.bits);
  for (const [net, bits] of DOC_RANGES) add(net, bits);
  const special = (ipaddr.IPv4.prototype as unknown as { SpecialRanges?: Record<string, unknown> }).SpecialRanges;
  if (special === undefined || typeof special !== 'object') return ALL_BLOCKS;
  for (const list of Object.values(special)) {
    const items = Array.isArray(list) && Array.isArray(list[0]) ? list : [list];
    for (const item of items) {
      if (!Array.isArray(item) || !(item[0] instanceof ipaddr.IPv4) || typeof item[1] !== 'number') return ALL_BLOCKS;
      add(item[0], item[1]);
    }
  }
  return out;
}

/** Every block narrow: no caching (ipaddr.js's table has a shape this code does not know). */
const ALL_BLOCKS: ReadonlySet<number> = { has: () => true } as unknown as ReadonlySet<number>;

/** The words for a non-public range, or undefined for a public (global unicast) address. */
function privateDescription(addr: Address, range: string): string | undefined {
  if (isDocumentation(addr)) return 'documentation range';
  switch (range) {
    case 'private':
      return 'RFC 1918';
    case 'carrierGradeNat':
      return 'shared address space, RFC 6598';
    case 'linkLocal':
      return 'link-local';
    case 'uniqueLocal':
      return 'unique local, RFC 4193';
    case 'unicast':
      return undefined;
    default:
      return `${range.replace(/([A-Z])/g, ' $1').toLowerCase()} range`;
  }
}
