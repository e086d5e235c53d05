import { parseTargetArg, type TargetKind } from '../resource-arg.js';
import { closeNames } from '../suggest.js';
import { type ForwardProblem, type ForwardSpec, type PortSpec, type Result, targetText } from './types.js';

/** The kinds `kdiag forward` takes; a bare NAME is a pod, as in kubectl. */
export const FORWARD_KINDS: readonly TargetKind[] = ['Pod', 'Service', 'Deployment', 'StatefulSet', 'ReplicaSet'];

/** What `localhost` (the default `--address`) listens on, as kubectl does. */
export const LOCALHOST_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A port name as the API validates it (IANA_SVC_NAME): at most 15 of a-z, 0-9 and '-', one letter, no '--'. */
export function isPortName(s: string): boolean {
  return s.length <= 15 && IANA_SVC_NAME.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

function portNumber(s: string): number | undefined {
  return /^\d{1,5}$/.test(s) ? Number(s) : undefined;
}

const PORT_FORMS = 'ports are written as kubectl writes them: 8080, 9000:80, :80 (a free local port), or a port name such as http';

/**
 * Parses one `[LOCAL:]REMOTE` as kubectl does: `8080` listens on 8080 and forwards to 8080; `9000:80`; `:80` and
 * `0:80` take a free local port. REMOTE may be a port name (a Service port name for a Service, a container port name
 * otherwise); the local port is then the resolved number (see `localPortFor`).
 */
export function parsePortSpec(text: string): Result<PortSpec> {
  const parts = text.split(':');
  const bad = (message: string, hint = PORT_FORMS): Result<PortSpec> => ({ ok: false, error: { message, hint } });
  if (text === '') return bad('empty port');
  if (parts.length > 2) return bad(`invalid port "${text}": more than one ":"`, 'write [LOCAL:]REMOTE, e.g. 9000:80');
  const remoteText = parts.length === 2 ? parts[1]! : parts[0]!;
  const localText = parts.length === 2 ? parts[0]! : undefined;
  let remote: number | string;
  const n = portNumber(remoteText);
  if (remoteText === '') return bad(`invalid port "${text}": the remote port is missing`, 'write [LOCAL:]REMOTE, e.g. 9000:80');
  if (n !== undefined) {
    if (n < 1 || n > 65535) return bad(`invalid port "${text}": remote port ${n} is not between 1 and 65535`);
    remote = n;
  } else if (isPortName(remoteText)) {
    remote = remoteText;
  } else {
    return bad(
      `invalid port "${text}": "${remoteText}" is neither a port number nor a port name`,
      /^-?\d/.test(remoteText)
        ? 'a port number is between 1 and 65535'
        : 'port names are at most 15 lower-case letters, digits and "-", with at least one letter',
    );
  }
  let local: number | undefined;
  if (localText === undefined) local = typeof remote === 'number' ? remote : undefined;
  else if (localText === '') local = 0;
  else {
    const l = portNumber(localText);
    if (l === undefined || l > 65535) {
      return bad(
        `invalid port "${text}": local port "${localText}" is not a number between 0 and 65535`,
        'the local side is a number; 0 or nothing takes a free port',
      );
    }
    local = l;
  }
  return { ok: true, value: { local, remote, text } };
}

/** True when listening on `localPort` needs root (or CAP_NET_BIND_SERVICE): 1-1023. The caller knows who it runs as. */
export function isPrivilegedPort(localPort: number): boolean {
  return localPort > 0 && localPort < 1024;
}

/** The problem to report when the caller found it cannot bind a privileged port. */
export function privilegedPortProblem(localPort: number, remote: number | string): ForwardProblem {
  return {
    message: `local port ${localPort} is below 1024, which only root may listen on`,
    hint: `pick a local port of your own, e.g. ${localPort + 8000 > 65535 ? 8080 : localPort + 8000}:${remote}, or :${remote} for a free one`,
  };
}

/**
 * The local port for a remote port resolved to `remoteNumber` when the user did not name one (a bare port name, or a
 * Service forwarded without ports): the same number, or 0 (a free port) when that number is privileged.
 */
export function localPortFor(spec: PortSpec, remoteNumber: number): number {
  if (spec.local !== undefined) return spec.local;
  return isPrivilegedPort(remoteNumber) ? 0 : remoteNumber;
}

/**
 * Splits the positional arguments of `kdiag forward` into targets: a token containing `/` starts a new target; a bare
 * NAME is a pod only in first position (as kubectl); every other token is a port of the target before it.
 */
export function parseForwardArgs(tokens: readonly string[]): Result<ForwardSpec[]> {
  const specs: ForwardSpec[] = [];
  const fail = (error: ForwardProblem): Result<ForwardSpec[]> => ({ ok: false, error });
  if (tokens.length === 0) {
    return fail({ message: 'missing TARGET', hint: 'e.g. kdiag forward svc/web 8080:80, or kdiag forward --forwards FILE' });
  }
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.includes('/') || i === 0) {
      if (i === 0 && tok.includes(':') && parsePortSpec(tok).ok) {
        return fail({ message: `missing TARGET: "${tok}" is a port`, hint: `name the target first, e.g. kdiag forward svc/web ${tok}` });
      }
      const t = parseTargetArg(tok, 'Pod', FORWARD_KINDS, closeNames);
      if (!t.ok) return fail({ message: t.message, hint: t.hint });
      specs.push({ kind: t.target.kind, name: t.target.name, ports: [] });
      continue;
    }
    const p = parsePortSpec(tok);
    if (!p.ok) {
      const looksLikeName = /^[a-z][a-z0-9.-]*$/.test(tok) && !isPortName(tok);
      return fail(looksLikeName ? { ...p.error, hint: `a second target is written TYPE/NAME, e.g. pod/${tok}; ${p.error.hint}` } : p.error);
    }
    specs[specs.length - 1]!.ports.push(p.value);
  }
  for (const s of specs) {
    const e = checkSpec(s);
    if (e) return fail(e);
  }
  const dup = duplicateLocalPort(specs, LOCALHOST_ADDRESSES);
  if (dup) return fail(dup);
  return { ok: true, value: specs };
}

/** Only a Service may be given without ports (then every TCP port of it is forwarded). */
function checkSpec(s: ForwardSpec): ForwardProblem | undefined {
  if (s.ports.length === 0 && s.kind !== 'Service') {
    return {
      message: `no ports given for ${targetText(s)}`,
      hint: `give one or more [LOCAL:]REMOTE ports, e.g. kdiag forward ${targetText(s)} 8080:80`,
    };
  }
  return undefined;
}

/**
 * The first local port two forwards would both listen on (same port, overlapping addresses); free ports (0) and
 * ports still to be resolved never clash. `defaultAddresses` stand for specs without addresses of their own.
 */
export function duplicateLocalPort(specs: readonly ForwardSpec[], defaultAddresses: readonly string[]): ForwardProblem | undefined {
  const seen = new Map<string, string>();
  for (const s of specs) {
    for (const p of s.ports) {
      if (!p.local) continue;
      for (const a of s.addresses ?? defaultAddresses) {
        const key = `${a}|${p.local}`;
        const what = `${targetText(s)} ${p.text ?? p.remote}`;
        const prev = seen.get(key);
        if (prev !== undefined) {
          return {
            message: `local port ${p.local} is used twice: by ${prev} and by ${what}`,
            hint: `give one of them another local port, e.g. ${p.local === 65535 ? 0 : p.local + 1}:${p.remote}, or :${p.remote} for a free one`,
          };
        }
        seen.set(key, what);
      }
    }
  }
  return undefined;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  const last = groups[groups.length - 1];
  const v4 = last !== undefined && last.includes('.');
  if (v4 && !IPV4.test(last)) return false;
  const hex = v4 ? groups.slice(0, -1) : groups;
  if (!hex.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = hex.length + (v4 ? 2 : 0);
  return halves.length === 2 ? count < 8 : count === 8;
}

/**
 * `--address`: comma-separated IP addresses or `localhost` (127.0.0.1 and ::1), as kubectl accepts. Duplicates are
 * dropped.
 */
export function parseAddresses(text: string | readonly string[]): Result<string[]> {
  const items = (typeof text === 'string' ? [text] : text).flatMap((t) => t.split(',')).map((t) => t.trim());
  const out: string[] = [];
  for (const a of items) {
    if (a === 'localhost') out.push(...LOCALHOST_ADDRESSES);
    else if (IPV4.test(a) || isIpv6(a)) out.push(a);
    else {
      return {
        ok: false,
        error: {
          message: a === '' ? 'empty --address' : `invalid --address "${a}": not an IP address`,
          hint: 'give IP addresses or localhost, comma-separated, e.g. --address 127.0.0.1,::1 (0.0.0.0 exposes the forward to your network)',
        },
      };
    }
  }
  return { ok: true, value: [...new Set(out)] };
}

const FILE_KEYS = ['forwards'];
const ENTRY_KEYS = ['target', 'namespace', 'context', 'ports', 'address'];

/**
 * Validates a parsed `--forwards` file: `{forwards: [{target, namespace?, context?, ports, address?}]}`. `ports` is a
 * list of `[LOCAL:]REMOTE` (numbers or strings; empty or absent for every TCP port of a Service); `address` a string
 * (comma-separated) or a list. Unknown keys are errors naming the key. `where` names the file in messages.
 */
export function parseForwardsFile(value: unknown, where = 'the --forwards file'): Result<ForwardSpec[]> {
  const fail = (message: string, hint: string): Result<ForwardSpec[]> => ({ ok: false, error: { message: `${where}: ${message}`, hint } });
  const example = 'e.g. forwards: [{target: svc/web, ports: ["8080:80"]}]';
  if (!isRecord(value)) return fail('expected a mapping with a "forwards" list', example);
  const unknown = unknownKey(value, FILE_KEYS);
  if (unknown) return fail(unknown.message, unknown.hint);
  const list = value.forwards;
  if (!Array.isArray(list) || list.length === 0) return fail('"forwards" must be a non-empty list', example);
  const specs: ForwardSpec[] = [];
  for (const [i, entry] of list.entries()) {
    const at = `forwards[${i}]`;
    if (!isRecord(entry)) return fail(`${at} must be a mapping`, example);
    const unk = unknownKey(entry, ENTRY_KEYS);
    if (unk) return fail(`${at}: ${unk.message}`, unk.hint);
    if (typeof entry.target !== 'string' || entry.target === '')
      return fail(`${at}.target must be a TYPE/NAME string`, 'e.g. target: svc/web');
    const t = parseTargetArg(entry.target, 'Pod', FORWARD_KINDS, closeNames);
    if (!t.ok) return fail(`${at}.target: ${t.message}`, t.hint);
    const spec: ForwardSpec = { kind: t.target.kind, name: t.target.name, ports: [] };
    for (const key of ['namespace', 'context'] as const) {
      const v = entry[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || v === '')
        return fail(`${at}.${key} must be a non-empty string`, `e.g. ${key}: ${key === 'namespace' ? 'default' : 'kind-dev'}`);
      spec[key] = v;
    }
    const ports = entry.ports ?? [];
    if (!Array.isArray(ports)) return fail(`${at}.ports must be a list`, 'e.g. ports: ["8080:80", 9090]');
    for (const [j, p] of ports.entries()) {
      if (typeof p !== 'string' && !(typeof p === 'number' && Number.isInteger(p))) {
        return fail(`${at}.ports[${j}] must be a port number or a "[LOCAL:]REMOTE" string`, 'e.g. ports: ["8080:80", 9090]');
      }
      const r = parsePortSpec(String(p));
      if (!r.ok) return fail(`${at}.ports[${j}]: ${r.error.message}`, r.error.hint);
      spec.ports.push(r.value);
    }
    const problem = checkSpec(spec);
    if (problem) return fail(`${at}: ${problem.message}`, 'add ports: [...] to the entry');
    if (entry.address !== undefined && entry.address !== null) {
      const a = entry.address;
      if (typeof a !== 'string' && !(Array.isArray(a) && a.every((x) => typeof x === 'string'))) {
        return fail(`${at}.address must be a string or a list of strings`, 'e.g. address: 127.0.0.1');
      }
      const r = parseAddresses(a as string | string[]);
      if (!r.ok) return fail(`${at}.address: ${r.error.message}`, r.error.hint);
      spec.addresses = r.value;
    }
    specs.push(spec);
  }
  const dup = duplicateLocalPort(specs, LOCALHOST_ADDRESSES);
  if (dup) return fail(dup.message, dup.hint);
  return { ok: true, value: specs };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKey(obj: Record<string, unknown>, known: readonly string[]): ForwardProblem | undefined {
  const key = Object.keys(obj).find((k) => !known.includes(k));
  if (key === undefined) return undefined;
  const near = closeNames(key, known, 1)[0];
  return {
    message: `unknown key "${key}"`,
    hint: near ? `did you mean "${near}"? known keys: ${known.join(', ')}` : `known keys: ${known.join(', ')}`,
  };
}
