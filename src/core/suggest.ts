import { distance } from 'fastest-levenshtein';
import { compareText } from './compare.js';

/**
 * "Did you mean": the one engine behind every suggestion kdiag makes for a name a user typed (Services,
 * namespaces, contexts, finding codes, resource types, DNS names).
 *
 * A candidate is close when any of these holds (the cost in brackets ranks them, lowest first):
 * - it differs only in case [0] or in separators, `-`, `_` and `.` being one [0.5] (`front-end`, `front_end`);
 * - its words are the same once common abbreviations are expanded and plurals made singular [1]
 *   (`web-svc` ~ `web-service`, `user_db` ~ `user-database`, `payment-apis` ~ `payments-api`);
 * - the same words in another order [1.5] (`db-user` ~ `user-db`);
 * - a small edit: at most max(2, a third of the typed name) edits, fewer than the shorter name's length [the edit
 *   count] (`wbe` ~ `web`, but not `wbe` ~ `db`);
 * - one contains the other, both at least 3 characters [2 + a tenth of the length difference, at most the edit
 *   count] (`web` ~ `web-frontend`, `payments-api` ~ `api`).
 * Ties go to the smaller raw edit distance, then alphabetical order, so the result is deterministic.
 */

/** Short forms people type, and what they stand for (both directions count). */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  svc: 'service',
  svcs: 'service',
  srv: 'server',
  db: 'database',
  pg: 'postgres',
  postgresql: 'postgres',
  mongo: 'mongodb',
  apis: 'api',
  auth: 'authentication',
  authn: 'authentication',
  authz: 'authorization',
  cfg: 'config',
  conf: 'config',
  configuration: 'config',
  msg: 'message',
  msgs: 'message',
  ns: 'namespace',
  app: 'application',
  fe: 'frontend',
  be: 'backend',
  prod: 'production',
  stg: 'staging',
  stage: 'staging',
  dev: 'development',
  env: 'environment',
  mgr: 'manager',
  mgmt: 'management',
  ctrl: 'controller',
  notif: 'notification',
  notifs: 'notification',
  repo: 'repository',
  img: 'image',
  k8s: 'kubernetes',
  deploy: 'deployment',
  sts: 'statefulset',
  po: 'pod',
  q: 'queue',
  mq: 'messagequeue',
  gw: 'gateway',
  lb: 'loadbalancer',
  usr: 'user',
  acct: 'account',
  pay: 'payment',
  inv: 'inventory',
  ui: 'frontend',
};

export interface SuggestOptions {
  /** At most this many names (default 5). */
  max?: number;
  /**
   * When nothing is close and there are at most this many candidates, return them all (marked `fallback`), so a
   * user with a handful of choices always sees them. Off (0) unless asked for: "did you mean X?" must not name an
   * unrelated X.
   */
  fallbackUpTo?: number;
}

export interface Suggestions {
  names: string[];
  /** True when `names` are the fallback (every candidate), not close matches. */
  fallback: boolean;
}

function words(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[-_.\s/]+/)
    .filter(Boolean);
}

function canonicalWord(w: string): string {
  let x = ABBREVIATIONS[w] ?? w;
  // Plurals: `payments` ~ `payment`, `queues` ~ `queue`, `policies` ~ `policy` (not `status`, `redis`, `bus`).
  if (x.length > 4 && x.endsWith('ies')) x = `${x.slice(0, -3)}y`;
  else if (x.length > 3 && x.endsWith('s') && !/(ss|us|is)$/.test(x)) x = x.slice(0, -1);
  return ABBREVIATIONS[x] ?? x;
}

/** The cost of `candidate` as a suggestion for `typed`, or undefined when it is not close. */
export function suggestionCost(typed: string, candidate: string): number | undefined {
  const a = typed.toLowerCase();
  const b = candidate.toLowerCase();
  if (a === b) return 0;
  const d = distance(a, b);
  const costs: number[] = [];
  const joinedA = words(a).join('');
  const joinedB = words(b).join('');
  if (joinedA === joinedB) costs.push(0.5);
  const wa = words(a).map(canonicalWord);
  const wb = words(b).map(canonicalWord);
  if (wa.length > 0 && wa.join('-') === wb.join('-')) costs.push(1);
  else if (wa.length > 1 && wa.length === wb.length && [...wa].sort().join('-') === [...wb].sort().join('-')) costs.push(1.5);
  // A small edit, but never one that rewrites the whole shorter name (`wbe` is not `db`).
  if (d <= Math.max(2, Math.floor(typed.length / 3)) && d < Math.min(a.length, b.length)) costs.push(d);
  if (Math.min(a.length, b.length) >= 3 && (a.includes(b) || b.includes(a))) {
    costs.push(Math.min(d, 2 + Math.abs(a.length - b.length) / 10));
  }
  return costs.length > 0 ? Math.min(...costs) : undefined;
}

/** Close names, best first, with the fallback when asked for (see `SuggestOptions`). */
export function suggest(name: string, candidates: readonly string[], opts: SuggestOptions = {}): Suggestions {
  const max = opts.max ?? 5;
  const unique = [...new Set(candidates)].filter((c) => c !== name);
  const scored = unique
    .map((c) => ({ c, cost: suggestionCost(name, c), d: distance(c.toLowerCase(), name.toLowerCase()) }))
    .filter((x): x is { c: string; cost: number; d: number } => x.cost !== undefined)
    .sort((x, y) => x.cost - y.cost || x.d - y.d || compareText(x.c, y.c));
  if (scored.length > 0) return { names: scored.slice(0, max).map((x) => x.c), fallback: false };
  const upTo = opts.fallbackUpTo ?? 0;
  if (unique.length > 0 && unique.length <= upTo) {
    // Nothing is close, so no order is better than another: alphabetical.
    const all = [...unique].sort((x, y) => compareText(x, y));
    return { names: all.slice(0, max), fallback: true };
  }
  return { names: [], fallback: false };
}

/**
 * Close names, best first (see the rules above). Kept for every existing caller; `opts.fallbackUpTo` turns on
 * the small-list fallback, which is off by default so that "did you mean X?" never names an unrelated X.
 */
export function closeNames(name: string, candidates: readonly string[], max = 5, opts: Omit<SuggestOptions, 'max'> = {}): string[] {
  return suggest(name, candidates, { ...opts, max }).names;
}
