import type { PickReason } from './pick.js';
import type { TargetRef } from './types.js';

/**
 * The events `kdiag forward` streams (`-o json`: one object per line). Names and fields are a contract. Every event
 * has `event`, `ts` (RFC 3339, from the supervisor's clock), `target`, and `pod` where one is involved. There is no
 * `reconnected` event: a connection that lost its pod is closed (with the reason) and the next one picks a new pod.
 */
export interface EventBase {
  event: string;
  /** RFC 3339 UTC timestamp with milliseconds. */
  ts: string;
  target: TargetRef;
  pod?: string;
}

/** A local address is bound: one per address and port (127.0.0.1 and ::1 are two). */
export interface ListeningEvent extends EventBase {
  event: 'listening';
  localAddress: string;
  localPort: number;
  /** The Service port (number) for a Service; the container port (number or name, as written) otherwise. */
  remotePort: number | string;
}

/** A pod was chosen for a new local connection. */
export interface PodSelectedEvent extends EventBase {
  event: 'pod-selected';
  pod: string;
  connection: number;
  localAddress: string;
  localPort: number;
  remotePort: number | string;
  /** The port on the pod the connection goes to (a named targetPort resolved for this pod). */
  podPort: number;
  reason: PickReason;
}

/** The tunnel to the pod is open: bytes flow. */
export interface ConnectionOpenedEvent extends EventBase {
  event: 'connection-opened';
  pod: string;
  connection: number;
  localAddress: string;
  localPort: number;
  podPort: number;
}

/**
 * Why a connection ended: `client-closed` (the local client), `remote-closed` (the pod's side ended cleanly),
 * `pod-gone` (deleted, replaced or terminating), `pod-not-ready`, `no-ready-pod` (none within --pod-running-timeout),
 * `tunnel-lost` (the API stream broke), `tunnel-failed` (it could not be opened), `stopped`; or the error the pod's
 * port-forward error channel reported, word for word (e.g. connection refused: nothing listens on that port).
 */
export type CloseReason =
  | 'client-closed'
  | 'remote-closed'
  | 'pod-gone'
  | 'pod-not-ready'
  | 'no-ready-pod'
  | 'tunnel-lost'
  | 'tunnel-failed'
  | 'stopped'
  | (string & {});

export interface ConnectionClosedEvent extends EventBase {
  event: 'connection-closed';
  connection: number;
  localAddress: string;
  localPort: number;
  reason: CloseReason;
  /** One line: what happened, when the reason alone does not say (which pod, which error). */
  message?: string;
  hint?: string;
  /** Bytes received from the pod (sent to the local client). */
  bytesIn: number;
  /** Bytes sent to the pod (received from the local client). */
  bytesOut: number;
}

/** No pod can serve a port: its new connections wait (up to --pod-running-timeout). Once per outage and port. */
export interface WaitingEvent extends EventBase {
  event: 'waiting';
  /** The port whose connections wait (as in `listening`). */
  remotePort: number | string;
  /** A finding code, e.g. `no-ready-endpoints`, from the diagnosis of why no pod is ready. */
  code: string;
  message: string;
  hint?: string;
  /** How long a connection waits before it is closed with `no-ready-pod`; 0: for ever. */
  timeoutMs: number;
}

/** The forward ended: totals over its life. */
export interface StoppedEvent extends EventBase {
  event: 'stopped';
  connections: number;
  bytesIn: number;
  bytesOut: number;
  reason?: string;
}

export type ForwardEvent = ListeningEvent | PodSelectedEvent | ConnectionOpenedEvent | ConnectionClosedEvent | WaitingEvent | StoppedEvent;

export const EVENT_NAMES = ['listening', 'pod-selected', 'connection-opened', 'connection-closed', 'waiting', 'stopped'] as const;

/** RFC 3339 (UTC, milliseconds) for a clock reading in epoch milliseconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
