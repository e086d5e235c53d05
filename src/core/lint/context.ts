import ipaddr from 'ipaddr.js';
import type { Literal } from './scan.js';

/**
 * Context that says "not an address" or "not configuration" for a literal the scanner found address-like: the
 * engine asks `notConfiguration` for every reportable literal before classifying it. Each rule reads the
 * structure of the line (the key the value belongs to, the string it sits in, a URL fragment) and, for YAML, the
 * key of the block the line belongs to (`YamlParent`, found by the file scanner). Pure.
 */

/** Why a reportable-looking literal is not reported after all (see `notConfiguration`). */
export type ContextReason = 'fixed-by-design' | 'placeholder' | 'prose' | 'range' | 'not-address';

/** The YAML key a line belongs to: the nearest line above with less indentation (or the list's key). */
export interface YamlParent {
  key: string;
  /** True when that key's value is a block scalar (`|`, `>`, `|-`...): the line is text, not a key of its own. */
  block: boolean;
}

/**
 * Addresses fixed by design, the same everywhere: cloud instance metadata (169.254.169.254, AWS's IPv6
 * fd00:ec2::254), the ECS task metadata endpoint 169.254.170.2, and NodeLocal DNSCache's 169.254.20.10.
 * Other link-local addresses stay warnings.
 */
const FIXED = new Set(['169.254.169.254', '169.254.170.2', '169.254.20.10', 'fd00:ec2::254']);

const RESERVED_V6 = ipaddr.IPv6.parse('fe00::');

/** Keys whose value is text for people: a CRD `description`, a flag's `help`, an `example`. */
const PROSE_KEY = /^(?:.*[._-])?(?:description|desc|help|usage|examples?|summary|docs?|comments?|message|msg|title|notes?)$/i;
/** Keys (or list keys) whose values are ranges: `cidrBlocks`, `subnets`, `sourceRanges`, `allow`, `ipBlock`. */
const RANGE_KEY =
  /(?:cidr|subnet|range|^allow|^deny|allow(?:ed)?[_-]?(?:ips?|list|from)|deny[_-]?list|ipblock|prefix(?:es)?$|^from$|^except$)/i;
/** Words right before a literal, in the same string, that make it an example. */
const EXAMPLE_WORDS = /(?:\be\.g\.?|\bfor example|\bsuch as|\bi\.e\.|\bexample:?)[\s,:`'"(]*(?:[a-z]+:\/\/)?\[?$/i;
/** Section numbers: `rfc5280#section-4.2.1.3`, `§ 4.2.1.3`, `Section 10.1.2.3`. */
const SECTION_BEFORE = /(?:section|sect?|§|chapter|clause|para(?:graph)?)[\s._#-]*$/i;
/** A product token of a User-Agent: `Chrome/120.0.0.0`, `Safari/537.36.0.0`. */
const PRODUCT_TOKEN = /(?:^|[\s;("'(])[A-Z][A-Za-z]+\/$/;
/** SVG path data: `d="M12.5 3.5.5.5..."`. */
const SVG_PATH = /\bd\s*=\s*["'{]\s*[MmLlHhVvCcSsQqTtAaZz][^"']*$/;
/** A key on the same line that names an object identifier. */
const OID_KEY = /(?:^|[^a-z])oids?$|^oid|objectidentifier/i;

/** The first key of a line: `  description: ...`, `- name: ...`, `"help": ...`, `HELP=...`. */
function lineKey(text: string): string | undefined {
  const m = /^\s*(?:-\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*(?::(?:\s|$)|=)/.exec(text);
  return m?.[1];
}

/** The key right before the literal: `key: value`, `key = "value"`, `"key": "value"`. */
function keyBefore(text: string, start: number): string | undefined {
  const m = /["']?([A-Za-z_][\w.-]*)["']?\s*(?::|=|=>)\s*["'[(]?\s*$/.exec(text.slice(Math.max(0, start - 100), start));
  return m?.[1];
}

/** The part of the string the literal sits in that precedes it (from the last quote or backtick before it). */
function stringBefore(text: string, start: number): string {
  const from = Math.max(0, start - 160);
  const before = text.slice(from, start);
  let q = -1;
  for (let i = before.length - 1; i >= 0; i--) {
    const c = before.charCodeAt(i);
    if (c === 34 || c === 39 || c === 96) {
      q = i;
      break;
    }
  }
  return q === -1 ? before : before.slice(q + 1);
}

/** True when the line is a list item (`- 10.0.0.0/19`) or the literal sits in a bracketed list (`[a, b]`). */
function inList(text: string, start: number): boolean {
  if (/^\s*-\s/.test(text)) return true;
  const before = text.slice(0, start);
  return before.lastIndexOf('[') > before.lastIndexOf(']');
}

/**
 * Why `lit` (a reportable literal of line `text`) is not configuration worth a finding, or undefined when it
 * is. `parentOf` finds the YAML block the line belongs to (asked only for a literal that gets this far: it looks back
 * over earlier lines).
 */
export function notConfiguration(lit: Literal, text: string, parentOf?: () => YamlParent | undefined): ContextReason | undefined {
  let parent: YamlParent | undefined;
  let asked = false;
  const parentKey = (): YamlParent | undefined => {
    if (!asked && parentOf !== undefined) parent = parentOf();
    asked = true;
    return parent;
  };
  const t = lit.text;
  if (FIXED.has(t)) return 'fixed-by-design';
  if (lit.family === 4 && isPlaceholder(t)) return 'placeholder';
  // fe00::/9 is reserved by the IETF (no host has such an address): `fe00::0 ip6-localnet` in /etc/hosts.
  if (lit.addr.kind() === 'ipv6' && lit.addr.match(RESERVED_V6, 9)) return 'not-address';
  const start = lit.start;
  const before = text.slice(Math.max(0, start - 40), start);
  if (SECTION_BEFORE.test(before)) return 'not-address';
  if (lit.family === 4 && PRODUCT_TOKEN.test(before)) return 'not-address';
  // A regular expression: `(?::2\d{3}|$)` holds `::2`.
  if (lit.family === 6 && (text.charCodeAt(start - 1) === 63 /* ? */ || text.charCodeAt(lit.end) === 92) /* \ */) return 'not-address';
  if (SVG_PATH.test(text.slice(Math.max(0, start - 200), start))) return 'not-address';
  const key = keyBefore(text, start);
  const first = lineKey(text);
  if ((key !== undefined && OID_KEY.test(key)) || (first !== undefined && OID_KEY.test(first))) return 'not-address';
  // Prose: the value of a description-like key, on the line or as the block scalar the line belongs to.
  if ((first !== undefined && PROSE_KEY.test(first)) || (key !== undefined && PROSE_KEY.test(key))) return 'prose';
  const p = parentKey();
  if (p !== undefined && p.block && PROSE_KEY.test(p.key)) return 'prose';
  if (EXAMPLE_WORDS.test(stringBefore(text, start))) return 'prose';
  // A prefix with host bits set (`10.10.10.0/19`) is a range only under a range-like key or in a list.
  if (lit.prefix !== undefined && lit.prefix < (lit.family === 4 ? 32 : 128)) {
    const rangeKey =
      (key !== undefined && RANGE_KEY.test(key)) ||
      (first !== undefined && RANGE_KEY.test(first)) ||
      (p !== undefined && !p.block && RANGE_KEY.test(p.key));
    if (rangeKey || inList(text, start)) return 'range';
  }
  return undefined;
}

/** Placeholders: one-digit octets counting up or down by a fixed step (1.2.3.4, 2.4.6.8, 9.8.7.6, 4.3.2.1). */
function isPlaceholder(t: string): boolean {
  if (t.length !== 7) return false;
  const o = t.split('.').map(Number);
  if (o.length !== 4) return false;
  const step = o[1]! - o[0]!;
  return step !== 0 && o[2]! - o[1]! === step && o[3]! - o[2]! === step;
}

/**
 * The YAML block that line [ls, le) of `buf` belongs to, looking back at most `maxLines` lines and never before
 * `floor`: the nearest line above with less indentation (for a list item, also one at the same indentation
 * that is not a list item). Undefined when none is found or that line holds no key.
 */
export function yamlParent(buf: Uint8Array, ls: number, floor: number, maxLines = 400): YamlParent | undefined {
  const indentOf = (from: number): [number, boolean] => {
    let i = from;
    while (buf[i] === 32) i++;
    const n = i - from;
    const dash = buf[i] === 45 && (buf[i + 1] === 32 || buf[i + 1] === 10 || buf[i + 1] === 13);
    return [n, dash];
  };
  const [indent, isItem] = indentOf(ls);
  let end = ls - 1; // the newline ending the line above
  for (let n = 0; n < maxLines && end > floor; n++) {
    let s = end - 1;
    while (s >= floor && buf[s] !== 10) s--;
    s++;
    const [ind, dash] = indentOf(s);
    const c = buf[s + ind];
    const blank = s + ind >= end || c === 10 || c === 13 || c === 35; /* # */
    if (!blank && (ind < indent || (ind === indent && isItem && !dash))) {
      let line = '';
      for (let k = s; k < end && k - s < 300; k++) line += String.fromCharCode(buf[k]!);
      const m = /^\s*(?:-\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*:(?:\s+([|>][+-]?\d*)?\s*(?:#.*)?)?\r?$/.exec(line);
      if (m) return { key: m[1]!, block: m[2] !== undefined };
      const inline = /^\s*(?:-\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*:\s/.exec(line);
      return inline ? { key: inline[1]!, block: false } : undefined;
    }
    end = s - 1;
  }
  return undefined;
}

/**
 * Keys that declare a pod or Service range in the scanned tree: kubeadm and kind (`podSubnet`, `serviceSubnet`), k3s
 * (`cluster-cidr`, `service-cidr`), kube-apiserver/controller-manager flags (`--service-cluster-ip-range`,
 * `--cluster-cidr`), kubespray, Terraform and Helm values keys.
 */
const DECLARING_KEY =
  /(?:^|[\s"'{,-])(podSubnet|serviceSubnet|podCIDR|serviceCIDR|clusterCIDR|cluster-cidr|service-cidr|kube_pods_subnet|kube_service_addresses|pod_cidr|service_cidr|cluster_ipv4_cidr|services_ipv4_cidr_block|service_ipv4_cidr|service-cluster-ip-range)["']?\s*[:=]\s*(.*)$/;
const POD_KEYS = new Set(['podsubnet', 'podcidr', 'clustercidr', 'cluster-cidr', 'kube_pods_subnet', 'pod_cidr', 'cluster_ipv4_cidr']);

/** A range declared on one line: `podSubnet: 10.244.0.0/16`, `service_cidr = "172.20.0.0/16"`. */
export interface Declaration {
  kind: 'pod' | 'service';
  cidr: string;
}

/** Cheap test: can line `text` declare a range at all (one of the declaring keys occurs)? */
export function mayDeclare(text: string): boolean {
  return /[Ss]ubnet|CIDR|cidr|kube_service_addresses|cluster-ip-range/.test(text);
}

/**
 * The ranges line `text` declares: the CIDRs in the value of a declaring key (comma-separated for dual stack).
 * A templated value (`{{ ... }}`, `${...}`) declares nothing.
 */
export function declarations(text: string): Declaration[] {
  const m = DECLARING_KEY.exec(text);
  if (!m) return [];
  const value = m[2]!;
  if (/\{\{|\$\{|\{%/.test(value)) return [];
  const kind = POD_KEYS.has(m[1]!.toLowerCase()) ? 'pod' : 'service';
  const out: Declaration[] = [];
  const re = /(?:^|[\s"',[])((?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}|[0-9a-fA-F:]*::?[0-9a-fA-F:]*\/\d{1,3})(?=$|[\s"',\]#])/g;
  let c: RegExpExecArray | null;
  while ((c = re.exec(value)) !== null) out.push({ kind, cidr: c[1]! });
  return out;
}
