import type { TargetKind } from '../resource-arg.js';

/**
 * What `kdiag forward` reports when an argument, a `--forwards` file or a target cannot be forwarded. Core may not
 * import the CLI's error classes: the command turns these into its usage or target errors.
 */
export interface ForwardProblem {
  message: string;
  hint: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ForwardProblem };

/** One `[LOCAL:]REMOTE` as written. */
export interface PortSpec {
  /**
   * The local port: a number (0 = a free port chosen by the OS), or undefined when the user gave only a port name
   * (`http`) or no ports at all: then the resolved remote number is used, or a free port when it is below 1024.
   */
  local: number | undefined;
  /** A port number, or a port name (a Service port name for a Service, a container port name otherwise). */
  remote: number | string;
  /** The token as written (`9000:80`), for messages; undefined for ports kdiag chose itself. */
  text?: string;
}

/** One target and its ports, from the command line, a `--forwards` file or `--all`. */
export interface ForwardSpec {
  kind: TargetKind;
  name: string;
  /** Undefined: the command's `-n` or the kubeconfig's namespace. */
  namespace?: string;
  /** Undefined: the current context. */
  context?: string;
  /** Empty: every TCP port of the Service (Services only). */
  ports: PortSpec[];
  /** Addresses to listen on; undefined: the command's `--address` (default localhost: 127.0.0.1 and ::1). */
  addresses?: string[];
}

/** The target as every event names it. */
export interface TargetRef {
  context?: string;
  namespace: string;
  kind: TargetKind;
  name: string;
}

/** `svc/web`, `pod/web-0`, `deploy/api`: kubectl's short spelling of a target. */
export function targetText(t: { kind: TargetKind; name: string }): string {
  return `${SHORT[t.kind]}/${t.name}`;
}

const SHORT: Record<TargetKind, string> = {
  Pod: 'pod',
  Service: 'svc',
  Deployment: 'deploy',
  StatefulSet: 'sts',
  ReplicaSet: 'rs',
};

/** `1m`, `30s`, `1m30s`, `500ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const parts = [h ? `${h}h` : '', m % 60 ? `${m % 60}m` : '', s % 60 ? `${s % 60}s` : ''];
  return parts.join('') || '0s';
}
