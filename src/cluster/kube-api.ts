import type { Readable, Writable, Duplex } from 'node:stream';
import type { KubeObject } from '../core/k8s/types.js';
import type { ClusterReader, ListOptions, Resource } from './reader.js';

// The live cluster as commands see it, behind kdiag's own adapter (client-node only for exec-plugin and
// auth-provider credentials). Types only: the implementation (kube-connection.ts, `createKubeConnection`) is loaded
// lazily by the Context.

/** One permission to ask the API server about (SelfSubjectAccessReview). */
export interface AccessCheck {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  /** Plural resource, e.g. `pods`. */
  resource: string;
  /** e.g. `portforward`, `exec`, `ephemeralcontainers`. */
  subresource?: string;
  /** API group, '' for core. */
  group?: string;
  /** Undefined: cluster-wide. */
  namespace?: string;
  name?: string;
}

export interface AccessResult extends AccessCheck {
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason?: string;
}

/** The exec status channel's last message (a metav1.Status). */
export interface ExecStatus {
  status: 'Success' | 'Failure';
  reason?: string;
  message?: string;
  /** From `details.causes[{reason: ExitCode}]`. */
  exitCode?: number;
  /** A signal number, when the process died of one. */
  signal?: number;
}

export interface ExecOptions {
  namespace: string;
  pod: string;
  container?: string;
  /** argv; the first element is a program name, never an absolute path. */
  command: string[];
  stdin?: Readable;
  stdout: Writable;
  stderr?: Writable;
  tty?: boolean;
  /** Terminal size changes (tty only). */
  resize?: AsyncIterable<{ columns: number; rows: number }>;
  signal?: AbortSignal;
}

export interface ExecResult {
  status: ExecStatus;
  /** The protocol spoken: v5 can close stdin; v4 cannot. */
  protocol: 'v5.channel.k8s.io' | 'v4.channel.k8s.io';
}

/** One port-forward tunnel to one pod port (one WebSocket per local TCP connection). */
export interface PortForwardTunnel {
  /** The data stream to the pod port. */
  stream: Duplex;
  /**
   * Resolves with the error channel's message (e.g. connection refused in the pod) or undefined at a clean end;
   * rejects when the tunnel is lost (no answer to a ping, a socket error).
   */
  error: Promise<string | undefined>;
  close(): void;
}

/** A change seen by `observe`: `sync` follows each (re)list, with the full current set. */
export type ObserveEvent<T> =
  | { type: 'added' | 'modified' | 'deleted'; object: T }
  | { type: 'sync'; objects: T[] }
  | { type: 'error'; message: string; retryInMs: number };

export interface KubeConnection {
  readonly reader: ClusterReader;
  /** The API server's clock (the Date header of the latest response), for heartbeats and staleness. */
  serverTime(): Promise<Date>;
  /** SelfSubjectAccessReviews, one per check, in order. */
  canI(checks: readonly AccessCheck[]): Promise<AccessResult[]>;
  create<T extends KubeObject>(resource: Resource, namespace: string | undefined, body: T, opts?: { dryRun?: boolean }): Promise<T>;
  patch<T extends KubeObject>(
    resource: Resource,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts?: { type?: 'merge' | 'strategic' | 'json'; subresource?: string },
  ): Promise<T>;
  /** Resolves false when the object was already gone. */
  delete(resource: Resource, namespace: string | undefined, name: string, opts?: { gracePeriodSeconds?: number }): Promise<boolean>;
  /** List then watch, re-listing on 410 Gone and reconnecting with backoff, until `signal` aborts. */
  observe<T extends KubeObject>(resource: Resource, opts: ListOptions, signal: AbortSignal): AsyncIterable<ObserveEvent<T>>;
  portForward(namespace: string, pod: string, port: number, signal?: AbortSignal): Promise<PortForwardTunnel>;
  exec(opts: ExecOptions): Promise<ExecResult>;
}
