// Parsed at start-up by every command that takes a target (its toOptions is synchronous), so it lives outside
// core/k8s, which offline commands such as lint never load.

/** The kinds a command-line TYPE/NAME can name, with kubectl's spellings of each. */
export const TARGET_KINDS = {
  Pod: ['pod', 'pods', 'po'],
  Service: ['service', 'services', 'svc'],
  Deployment: ['deployment', 'deployments', 'deploy'],
  StatefulSet: ['statefulset', 'statefulsets', 'sts'],
  ReplicaSet: ['replicaset', 'replicasets', 'rs'],
} as const;

export type TargetKind = keyof typeof TARGET_KINDS;

/** A parsed TYPE/NAME (or bare NAME) argument. */
export interface TargetArg {
  kind: TargetKind;
  name: string;
  /** How the user wrote the type (`svc`, `deploy`, ...), or undefined for a bare NAME. */
  typeAsWritten?: string;
}

export type ParseTargetResult = { ok: true; target: TargetArg } | { ok: false; message: string; hint: string };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Parses `TYPE/NAME` as kubectl does (`svc/web`, `services/web`, `deploy/api`), or a bare NAME, which is of kind
 * `bare` (a Service for `kdiag svc`, a pod for `kdiag forward`, as in kubectl). `allowed` limits the kinds a
 * command accepts; the error says which ones it does and suggests a close spelling.
 */
export function parseTargetArg(
  arg: string,
  bare: TargetKind,
  allowed: readonly TargetKind[] = [bare],
  /** Close spellings for a misspelt type (core/suggest.ts's closeNames); injected so that parsing stays cheap at start-up. */
  suggest?: (typed: string, candidates: readonly string[]) => readonly string[],
): ParseTargetResult {
  const slash = arg.indexOf('/');
  const spellings = allowed.map((k) => TARGET_KINDS[k][0]).join(', ');
  if (slash < 0) return nameOf(arg, bare, undefined);
  const type = arg.slice(0, slash).toLowerCase();
  const name = arg.slice(slash + 1);
  const kind = (Object.keys(TARGET_KINDS) as TargetKind[]).find((k) => (TARGET_KINDS[k] as readonly string[]).includes(type));
  if (!kind) {
    const all = allowed.flatMap((k) => [...TARGET_KINDS[k]]);
    const near = suggest?.(type, all)[0];
    return {
      ok: false,
      message: `unknown resource type "${type}" in "${arg}"`,
      hint: near ? `did you mean ${near}/${name}?` : `use one of: ${all.join(', ')}`,
    };
  }
  if (!allowed.includes(kind)) {
    return { ok: false, message: `"${arg}" names a ${kind}, which this command does not take`, hint: `use one of: ${spellings}` };
  }
  return nameOf(name, kind, type);
}

function nameOf(name: string, kind: TargetKind, typeAsWritten: string | undefined): ParseTargetResult {
  // Services need a DNS-1035 label; the others accept DNS-1123 subdomains (pods of a StatefulSet, dotted names).
  const valid = kind === 'Service' ? DNS_LABEL.test(name) && /^[a-z]/.test(name) : DNS_SUBDOMAIN.test(name) && name.length <= 253;
  if (!valid) {
    const rule =
      kind === 'Service'
        ? 'Service names are lower-case letters, digits and "-", starting with a letter (RFC 1035)'
        : `${kind} names are lower-case letters, digits, "-" and "." (RFC 1123)`;
    return { ok: false, message: name === '' ? `missing the name after the type` : `invalid ${kind} name "${name}"`, hint: rule };
  }
  return { ok: true, target: { kind, name, ...(typeAsWritten !== undefined ? { typeAsWritten } : {}) } };
}
