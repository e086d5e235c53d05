import { UsageError } from '../../errors.js';
import { parseClusterDomain } from '../shared-flags.js';
import type { Flags } from '../types.js';

/** What `kdiag route` follows, as given on the command line. */
export type RouteArg = { kind: 'url'; url: string } | { kind: 'ingress' | 'httproute' | 'svc'; name: string };

/** Options of `kdiag route`, from argv. */
export interface RouteOptions {
  arg: RouteArg;
  file?: string;
  /** `-n` as given on the command line (then the URL lists are narrowed to it). */
  namespace?: string;
  allNamespaces: boolean;
  method?: string;
  headers: string[];
  clusterDomain?: string;
}

const TYPES: Record<string, 'ingress' | 'httproute' | 'svc'> = {
  ingress: 'ingress',
  ingresses: 'ingress',
  ing: 'ingress',
  httproute: 'httproute',
  httproutes: 'httproute',
  svc: 'svc',
  service: 'svc',
  services: 'svc',
};

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses URL | ingress/NAME | httproute/NAME | svc/NAME; throws UsageError (exit 2). */
export function parseRouteArg(raw: string): RouteArg {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new UsageError(`"${raw}" is not a valid URL`, 'write it as https://HOST/PATH');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new UsageError(`kdiag route follows http and https URLs, not ${u.protocol.slice(0, -1)}`, 'write it as https://HOST/PATH');
    return { kind: 'url', url: raw };
  }
  const slash = raw.indexOf('/');
  if (slash < 0) {
    if (raw.includes('.')) throw new UsageError(`"${raw}" has no scheme`, `write the URL in full: https://${raw}`);
    throw new UsageError(`"${raw}" is neither a URL nor TYPE/NAME`, 'give https://HOST/PATH, ingress/NAME, httproute/NAME or svc/NAME');
  }
  const type = raw.slice(0, slash).toLowerCase();
  const name = raw.slice(slash + 1);
  const kind = TYPES[type];
  if (!kind) throw new UsageError(`unknown resource type "${type}" in "${raw}"`, 'use ingress/NAME, httproute/NAME or svc/NAME');
  if (!NAME.test(name)) throw new UsageError(`"${name}" is not a valid object name`, 'names are lower-case letters, digits, "-" and "."');
  return { kind, name };
}

/** Pure argv → options; throws UsageError on bad input. */
export function toRouteOptions(args: readonly string[], flags: Flags): RouteOptions {
  if (args[0] === undefined)
    throw new UsageError(
      'missing the URL or TYPE/NAME argument',
      'kdiag route https://shop.example.com/api (or ingress/NAME, httproute/NAME, svc/NAME)',
    );
  const arg = parseRouteArg(args[0]);
  const file = flags.filename;
  if (file !== undefined && (typeof file !== 'string' || file === ''))
    throw new UsageError('-f needs a file name (or - for standard input)');
  const method = flags.method;
  if (method !== undefined && (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)))
    throw new UsageError(`-X ${String(method)} is not an HTTP method`, 'e.g. -X POST');
  const headers = (Array.isArray(flags.header) ? flags.header : []) as string[];
  for (const h of headers) if (h.indexOf(':') <= 0) throw new UsageError(`-H "${h}" is not "Name: value"`, "e.g. -H 'X-Canary: true'");
  if (arg.kind !== 'url' && (method !== undefined || headers.length > 0))
    throw new UsageError('-X and -H describe a request: give a URL', 'kdiag route https://HOST/PATH -X POST -H "Name: value"');
  if (flags.allNamespaces && typeof flags.namespace === 'string')
    throw new UsageError('-A and -n cannot be used together', 'drop -A to look in one namespace');
  const clusterDomain = parseClusterDomain(flags.clusterDomain);
  return {
    arg,
    ...(typeof file === 'string' ? { file } : {}),
    ...(typeof flags.namespace === 'string' ? { namespace: flags.namespace } : {}),
    allNamespaces: Boolean(flags.allNamespaces),
    ...(typeof method === 'string' ? { method: method.toUpperCase() } : {}),
    headers,
    ...(clusterDomain !== undefined ? { clusterDomain } : {}),
  };
}
