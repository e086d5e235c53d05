import { distance } from 'fastest-levenshtein';
import type { LabelSelector } from './types.js';
import { compareText } from '../compare.js';

/** One requirement of a label selector, in the API server's terms. */
export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A selector string that kubectl would reject; the message says where. */
export class SelectorSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorSyntaxError';
  }
}

type Labels = Readonly<Record<string, string>> | undefined;

/**
 * Parses a label selector in kubectl syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * comma-separated. An empty string selects everything.
 */
export function parseSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  let i = 0;
  const s = text;
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const readKey = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && /[A-Za-z0-9._\-/]/.test(s[i]!)) i++;
    if (i === start) throw new SelectorSyntaxError(`invalid label selector "${text}": expected a label key at position ${i + 1}`);
    return s.slice(start, i);
  };
  const readValue = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && /[A-Za-z0-9._-]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  skipWs();
  if (i >= s.length) return out;
  for (;;) {
    skipWs();
    if (s[i] === '!') {
      i++;
      out.push({ key: readKey(), operator: 'DoesNotExist', values: [] });
    } else {
      const key = readKey();
      skipWs();
      const rest = s.slice(i);
      if (rest.startsWith('==') || rest.startsWith('!=') || rest.startsWith('=')) {
        const op = rest.startsWith('!=') ? 'NotIn' : 'In';
        i += rest.startsWith('=') && !rest.startsWith('==') ? 1 : 2;
        out.push({ key, operator: op, values: [readValue()] });
      } else if (/^(in|notin)\s*\(/.test(rest)) {
        const op = rest.startsWith('in') ? 'In' : 'NotIn';
        i += op === 'In' ? 2 : 5;
        skipWs();
        i++; // the '('
        const values: string[] = [];
        for (;;) {
          values.push(readValue());
          skipWs();
          if (s[i] === ',') {
            i++;
            continue;
          }
          if (s[i] === ')') {
            i++;
            break;
          }
          throw new SelectorSyntaxError(`invalid label selector "${text}": expected "," or ")" at position ${i + 1}`);
        }
        out.push({ key, operator: op, values });
      } else {
        out.push({ key, operator: 'Exists', values: [] });
      }
    }
    skipWs();
    if (i >= s.length) return out;
    if (s[i] !== ',') throw new SelectorSyntaxError(`invalid label selector "${text}": unexpected "${s[i]}" at position ${i + 1}`);
    i++;
  }
}

/** True when `labels` satisfy every requirement (an empty list matches everything, as the API server does). */
export function matchesRequirements(reqs: readonly Requirement[], labels: Labels): boolean {
  return reqs.every((r) => {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? labels![r.key]! : undefined;
    switch (r.operator) {
      case 'In':
        return v !== undefined && r.values.includes(v);
      case 'NotIn':
        return v === undefined || !r.values.includes(v);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

/** A Service-style selector (`spec.selector`): every key must be present with that value. */
export function matchesMap(selector: Labels, labels: Labels): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/** The requirements of a metav1.LabelSelector (matchLabels and matchExpressions). */
export function requirementsOf(sel: LabelSelector): Requirement[] {
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator;
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
      throw new SelectorSyntaxError(`unknown label selector operator "${op}"`);
    }
    reqs.push({ key: e.key, operator: op, values: e.values ?? [] });
  }
  return reqs;
}

/**
 * Matches a metav1.LabelSelector. An empty selector (`{}`) matches everything; an absent one (`undefined`)
 * matches nothing, which is what workloads and NetworkPolicy peers mean by them.
 */
export function matchesLabelSelector(sel: LabelSelector | undefined | null, labels: Labels): boolean {
  if (!sel) return false;
  return matchesRequirements(requirementsOf(sel), labels);
}

/** kubectl syntax for a Service selector map, keys sorted: `app=web,tier=front`. */
export function selectorToString(sel: Labels | LabelSelector): string {
  if (!sel) return '';
  if (isLabelSelector(sel)) return requirementsToString(requirementsOf(sel));
  return Object.keys(sel)
    .sort()
    .map((k) => `${k}=${sel[k]}`)
    .join(',');
}

/** kubectl syntax for a list of requirements. */
export function requirementsToString(reqs: readonly Requirement[]): string {
  return reqs
    .map((r) => {
      switch (r.operator) {
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
      }
    })
    .join(',');
}

function isLabelSelector(x: object): x is LabelSelector {
  const keys = Object.keys(x);
  return (
    keys.length > 0 &&
    keys.every((k) => k === 'matchLabels' || k === 'matchExpressions') &&
    typeof (x as Record<string, unknown>)[keys[0]!] === 'object'
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Near misses: why a pod does not match a Service selector, key by key.

/** How one selector key compares with one pod's labels. */
export interface KeyComparison {
  key: string;
  /** The value the selector wants. */
  want: string;
  status: 'matched' | 'differs' | 'missing';
  /** The pod's value when the key is present. */
  actual?: string;
  /** `differs` only: the values are equal ignoring case. */
  caseOnly?: boolean;
  /** `differs` only: Levenshtein distance between the values. */
  distance?: number;
  /** `differs` only: a small edit (a typo) rather than a different value. */
  smallEdit?: boolean;
  /** `missing` only: a key the pod does carry whose name is close to this one (case or a typo), with its value. */
  similarKey?: { key: string; value: string };
}

/** A candidate pod (or pod template) ranked by how close its labels come to the selector. */
export interface NearMiss<T> {
  item: T;
  keys: KeyComparison[];
  matched: number;
  /** Sum of edit distances over differing keys, plus a penalty per missing key. */
  cost: number;
}

/** A small edit: at most 2 edits, and at most a third of the longer string. */
export function isSmallEdit(a: string, b: string): boolean {
  const d = distance(a, b);
  return d > 0 && d <= 2 && d <= Math.ceil(Math.max(a.length, b.length) / 3);
}

function similarKeyOf(key: string, want: string, labels: Record<string, string>): { key: string; value: string } | undefined {
  const lower = key.toLowerCase();
  const base = lower.split('/').pop()!;
  let best: { key: string; value: string; d: number } | undefined;
  for (const [k, v] of Object.entries(labels)) {
    if (k === key) continue;
    const kl = k.toLowerCase();
    const kb = kl.split('/').pop()!;
    let d: number | undefined;
    if (kl === lower) d = 0;
    else if (isSmallEdit(kl, lower)) d = distance(kl, lower);
    else if (kb === base) d = 3; // `app.kubernetes.io/name` vs `name`: same last segment
    if (d !== undefined && (best === undefined || d < best.d)) best = { key: k, value: v, d };
  }
  if (best) return { key: best.key, value: best.value };
  // The wanted value under another key (`app=web` where the selector wants `app.kubernetes.io/name=web`).
  if (want.length >= 3) {
    const sameValue = Object.entries(labels).find(([k, v]) => k !== key && v.toLowerCase() === want.toLowerCase());
    if (sameValue) return { key: sameValue[0], value: sameValue[1] };
  }
  return undefined;
}

/** Compares each key of a Service selector with a pod's labels. */
export function compareLabels(selector: Readonly<Record<string, string>>, labels: Labels): KeyComparison[] {
  const l = labels ?? {};
  return Object.keys(selector)
    .sort()
    .map((key): KeyComparison => {
      const want = selector[key]!;
      if (Object.prototype.hasOwnProperty.call(l, key)) {
        const actual = l[key]!;
        if (actual === want) return { key, want, status: 'matched', actual };
        const d = distance(actual, want);
        return {
          key,
          want,
          status: 'differs',
          actual,
          caseOnly: actual.toLowerCase() === want.toLowerCase(),
          distance: d,
          smallEdit: isSmallEdit(actual, want),
        };
      }
      const similarKey = similarKeyOf(key, want, l);
      return similarKey ? { key, want, status: 'missing', similarKey } : { key, want, status: 'missing' };
    });
}

const MISSING_COST = 20;

function costOf(keys: readonly KeyComparison[]): number {
  let cost = 0;
  for (const k of keys) {
    if (k.status === 'differs') cost += k.caseOnly ? 0.5 : (k.distance ?? MISSING_COST);
    else if (k.status === 'missing') cost += k.similarKey ? 2 + distance(k.similarKey.value, k.want) : MISSING_COST;
  }
  return cost;
}

/** True when a comparison is close enough to count as a near miss rather than an unrelated pod. */
export function isNearMiss(keys: readonly KeyComparison[]): boolean {
  return keys.some(
    (k) =>
      k.status === 'matched' ||
      (k.status === 'differs' && (k.caseOnly || k.smallEdit || isRelatedValue(k.actual ?? '', k.want))) ||
      (k.status === 'missing' &&
        k.similarKey !== undefined &&
        (k.similarKey.value === k.want ||
          isSmallEdit(k.similarKey.value, k.want) ||
          k.similarKey.value.toLowerCase() === k.want.toLowerCase())),
  );
}

/** A renamed value that keeps the old one inside it (`api-x` and `api-x-v2`): close, though many edits away. */
export function isRelatedValue(actual: string, want: string): boolean {
  const a = actual.toLowerCase();
  const w = want.toLowerCase();
  return Math.min(a.length, w.length) >= 3 && a !== w && (a.includes(w) || w.includes(a));
}

/**
 * Ranks candidates by how close their labels come to `selector`: most keys matched first, then smallest edit
 * cost, then name. Only near misses (see `isNearMiss`) are returned.
 */
export function rankNearMisses<T>(
  selector: Readonly<Record<string, string>>,
  candidates: readonly T[],
  labelsOf: (c: T) => Labels,
  nameOf: (c: T) => string,
): NearMiss<T>[] {
  const ranked: NearMiss<T>[] = [];
  for (const item of candidates) {
    const keys = compareLabels(selector, labelsOf(item));
    if (!isNearMiss(keys)) continue;
    ranked.push({ item, keys, matched: keys.filter((k) => k.status === 'matched').length, cost: costOf(keys) });
  }
  return ranked.sort((a, b) => b.matched - a.matched || a.cost - b.cost || compareText(nameOf(a.item), nameOf(b.item)));
}

/**
 * The evidence for one selector key on one object: the raw label value under its field, so scripts can read it
 * (`metadata.labels.app: web-sever`); `(absent)` when missing, plus the similar key when there is one. The
 * explanation (typo, case, similar key) belongs in the finding's message.
 */
export function keyEvidence(
  k: KeyComparison,
  object: { kind: string; namespace?: string; name: string },
  labelsField: string,
): { kind: string; object: { kind: string; namespace?: string; name: string }; field: string; value: string }[] {
  const out = [{ kind: 'label', object, field: `${labelsField}.${k.key}`, value: k.status === 'missing' ? '(absent)' : (k.actual ?? '') }];
  if (k.status === 'missing' && k.similarKey) {
    out.push({ kind: 'label', object, field: `${labelsField}.${k.similarKey.key}`, value: k.similarKey.value });
  }
  return out;
}
