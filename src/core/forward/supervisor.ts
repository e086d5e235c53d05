import type { EndpointSlice, Pod, Service, Workload } from '../k8s/types.js';
import type { CloseReason, ForwardEvent, WaitingEvent } from './events.js';
import { rfc3339 } from './events.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { applyChange, candidatesFor, podStanding, Picker, wantsAffinity, type ObjectChange, type TargetView } from './pick.js';
import type { PortMapping } from './resolve.js';
import { formatMs, targetText, type TargetRef } from './types.js';

/** What the supervisor needs of a tunnel: the adapter's `PortForwardTunnel` fits (the shell pipes its stream). */
export interface TunnelLike {
  /** Resolves with the error channel's message, or undefined at a clean end; rejects when the tunnel is lost. */
  error: Promise<string | undefined>;
  close(): void;
}

/** One accepted local TCP connection, as the shell hands it over. */
export interface LocalConnection<T extends TunnelLike> {
  /** Index into the supervisor's mappings. */
  mapping: number;
  localAddress: string;
  localPort: number;
  /** Pipe the socket to the tunnel's stream, both ways. */
  attach(tunnel: T): void;
  /** Destroy the local socket (the supervisor has decided the connection is over). */
  close(): void;
  /** Bytes so far: `in` from the pod to the client, `out` from the client to the pod. */
  bytes(): { in: number; out: number };
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** Why no pod can serve, from the svc engine (or any diagnosis): a finding code and one line. */
export interface WaitExplanation {
  code: string;
  message: string;
  hint?: string;
}

export interface SupervisorDeps<T extends TunnelLike> {
  target: TargetRef;
  /** The target's resolved ports (`resolveServicePorts` / `resolvePodPorts`); connections name one by index. */
  mappings: readonly PortMapping[];
  openTunnel(pod: string, port: number): Promise<T>;
  clock: Clock;
  emit(event: ForwardEvent): void;
  /** Called once per outage, when a connection starts waiting for a pod. */
  explainWhyNotReady(): WaitExplanation | Promise<WaitExplanation>;
  /** How long a connection waits for a pod (--pod-running-timeout). Default 60 000; 0 waits for ever. */
  podRunningTimeoutMs?: number;
  /**
   * True when a failed tunnel open is worth another try (throttling, a server error, the API server unreachable),
   * false for an answer that will not change (forbidden, not found). Default: never retried.
   */
  isRetryable?(err: unknown): boolean;
  /** Randomness for the backoff's jitter (Math.random in the shell). Default: no jitter. */
  random?(): number;
}

/** How often a connection's tunnel is opened again after a retryable failure, and how long it waits in between. */
export const TUNNEL_RETRIES = 5;
export const TUNNEL_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 4_000, factor: 2, jitter: 0.2 };

/** Everything that drives the supervisor. The shell sends object changes, connections, local closes and stop; the tunnel and timeout inputs come from the supervisor's own promises and timers. */
export type SupervisorInput<T extends TunnelLike> =
  | { type: 'service'; change: ObjectChange<Service> }
  | { type: 'endpointslices'; change: ObjectChange<EndpointSlice> }
  | { type: 'pods'; change: ObjectChange<Pod> }
  | { type: 'workload'; change: ObjectChange<Workload> }
  | { type: 'connection'; connection: LocalConnection<T> }
  | { type: 'local-closed'; id: number }
  | { type: 'stop'; reason?: string }
  | { type: 'tunnel-opened'; id: number; tunnel: T }
  | { type: 'tunnel-failed'; id: number; message: string; retryable?: boolean }
  | { type: 'tunnel-ended'; id: number; error: string | undefined }
  | { type: 'tunnel-lost'; id: number; message: string }
  | { type: 'timeout'; id: number };

type ConnState = 'waiting' | 'opening' | 'open' | 'closed';

interface Conn<T extends TunnelLike> {
  id: number;
  local: LocalConnection<T>;
  mapping: PortMapping;
  state: ConnState;
  pod?: { name: string; uid?: string };
  podPort?: number;
  tunnel?: T;
  cancelTimer?: () => void;
  /** Failed tunnel opens so far (retryable ones are tried again with backoff). */
  attempts: number;
  cancelRetry?: () => void;
}

export const DEFAULT_POD_RUNNING_TIMEOUT_MS = 60_000;

/** Messages of the pod's error channel that mean nothing accepted the connection on the pod port. */
const REFUSED = /connection refused|ECONNREFUSED/i;

/** The hint for an error the pod's port-forward error channel reported for port `port`. */
export function hintForTunnelError(message: string, pod: string, port: number): string {
  if (REFUSED.test(message)) {
    return `nothing listens on port ${port} in pod ${pod}: check the port the app binds (and that it binds 0.0.0.0 or localhost, not another address)`;
  }
  return `the kubelet could not forward to port ${port} in pod ${pod}; the forward stays up: try again, or see kubectl describe pod ${pod}`;
}

/**
 * The pure heart of `kdiag forward` for one target: it keeps the target's objects, picks a pod per new connection,
 * closes the connections of a pod that goes away (with the reason, without waiting for the stream to break), holds new
 * connections while no pod can serve, and reports everything as events. All I/O is injected.
 */
export class ForwardSupervisor<T extends TunnelLike> {
  private readonly view: { kind: TargetRef['kind']; name: string; slices: Map<string, EndpointSlice>; pods: Map<string, Pod> };
  private readonly services = new Map<string, Service>();
  private readonly workloads = new Map<string, Workload>();
  private readonly conns = new Map<number, Conn<T>>();
  /** One per mapping: round-robin and session affinity are per Service port, as kube-proxy keeps them. */
  private readonly pickers: Picker[];
  private readonly synced = new Set<string>();
  private nextId = 1;
  /** Mappings whose current outage has been announced (`waiting` is emitted once per outage and port). */
  private readonly announced = new Set<number>();
  private stopped = false;
  private totals = { connections: 0, bytesIn: 0, bytesOut: 0 };
  private readonly timeoutMs: number;

  constructor(private readonly deps: SupervisorDeps<T>) {
    this.view = { kind: deps.target.kind, name: deps.target.name, slices: new Map(), pods: new Map() };
    this.timeoutMs = deps.podRunningTimeoutMs ?? DEFAULT_POD_RUNNING_TIMEOUT_MS;
    this.pickers = deps.mappings.map(() => new Picker());
  }

  /** The one entry point: every input changes state and may emit events. Returns the new connection's id for `connection`. */
  handle(input: SupervisorInput<T>): number | undefined {
    if (this.stopped && input.type !== 'tunnel-opened') return undefined;
    switch (input.type) {
      case 'service':
        this.changed('service', applyChange(this.services, input.change), input.change);
        return undefined;
      case 'endpointslices':
        this.changed('endpointslices', applyChange(this.view.slices, input.change), input.change);
        return undefined;
      case 'pods':
        this.changed('pods', applyChange(this.view.pods, input.change), input.change);
        return undefined;
      case 'workload':
        this.changed('workload', applyChange(this.workloads, input.change), input.change);
        return undefined;
      case 'connection':
        return this.accept(input.connection);
      case 'local-closed':
        this.closeIfOpen(input.id, 'client-closed');
        return undefined;
      case 'stop':
        this.stop(input.reason);
        return undefined;
      case 'tunnel-opened':
        this.opened(input.id, input.tunnel);
        return undefined;
      case 'tunnel-failed': {
        const c = this.conns.get(input.id);
        if (c && c.state === 'opening' && input.retryable && c.attempts < TUNNEL_RETRIES) {
          this.retry(c);
          return undefined;
        }
        this.closeIfOpen(input.id, 'tunnel-failed', {
          message: `could not open a tunnel to ${c?.pod?.name ?? 'the pod'}: ${input.message}`,
          hint: 'the pod may have just gone; the next connection picks a ready pod',
        });
        return undefined;
      }
      case 'tunnel-ended': {
        const c = this.conns.get(input.id);
        // The error channel's text, on one line (kubelet messages may span several).
        const error = (input.error ?? '').replace(/\s+/g, ' ').trim();
        if (error === '') this.closeIfOpen(input.id, 'remote-closed');
        else this.closeIfOpen(input.id, error, { hint: hintForTunnelError(error, c?.pod?.name ?? '?', c?.podPort ?? 0) });
        return undefined;
      }
      case 'tunnel-lost':
        this.closeIfOpen(input.id, 'tunnel-lost', { message: input.message });
        return undefined;
      case 'timeout': {
        const c = this.conns.get(input.id);
        if (c?.state === 'waiting') {
          this.close(c, 'no-ready-pod', {
            message: `no pod of ${this.targetText()} became ready within ${formatMs(this.timeoutMs)}`,
            hint: this.whyHint(),
          });
        }
        return undefined;
      }
    }
  }

  /** Reports a bound address (the shell binds, the supervisor speaks). */
  listening(localAddress: string, localPort: number, mapping: number): void {
    const m = this.deps.mappings[mapping];
    if (!m) return;
    this.emit({ event: 'listening', localAddress, localPort, remotePort: m.remotePort });
  }

  /** Connections not yet closed, for the shell's shutdown and for tests. */
  openConnections(): number {
    return [...this.conns.values()].filter((c) => c.state !== 'closed').length;
  }

  private targetText(): string {
    return targetText(this.deps.target);
  }

  private whyHint(): string {
    const t = this.deps.target;
    const ctx = t.context ? ` --context ${t.context}` : '';
    return t.kind === 'Service'
      ? `see why no pod is ready: kdiag svc ${t.name} -n ${t.namespace}${ctx}; or raise --pod-running-timeout`
      : `see why: kubectl describe ${targetText(t)} -n ${t.namespace}${ctx}; or raise --pod-running-timeout`;
  }

  /** True when some port has a pod to serve it now (for `--wait`: bind only once the target can serve). */
  servable(): boolean {
    const view = this.currentView();
    return this.deps.mappings.some((m) => candidatesFor(view, m).length > 0);
  }

  private required(): string[] {
    return this.deps.target.kind === 'Service' ? ['service', 'endpointslices'] : ['pods'];
  }

  private isSynced(): boolean {
    return this.required().every((r) => this.synced.has(r));
  }

  private currentView(): TargetView {
    const service = this.services.get(this.view.name);
    const workload = this.workloads.get(this.view.name);
    return {
      ...this.view,
      ...(service ? { service } : {}),
      ...(workload ? { workload } : {}),
      podsListed: this.synced.has('pods'),
      serviceListed: this.synced.has('service'),
    };
  }

  private changed(resource: string, changed: boolean, change: ObjectChange<unknown>): void {
    if (change.type === 'sync') this.synced.add(resource);
    if (!changed) return;
    const view = this.currentView();
    // A pod that can serve ends the outage: the next one is announced again.
    this.deps.mappings.forEach((m, i) => {
      if (candidatesFor(view, m).length > 0) this.announced.delete(i);
    });
    // The serving pods that went away: close their connections now, with the reason.
    for (const c of this.conns.values()) {
      if ((c.state !== 'open' && c.state !== 'opening') || !c.pod) continue;
      const st = podStanding(view, c.mapping, c.pod);
      if (st.standing === 'serving') continue;
      this.close(c, st.standing === 'not-ready' ? 'pod-not-ready' : 'pod-gone', {
        message: st.why,
        hint: 'reconnect: new connections go to a ready pod',
      });
    }
    this.serveWaiting(view);
  }

  private serveWaiting(view: TargetView): void {
    // A connection backing off after a failed open waits for its timer.
    for (const c of [...this.conns.values()]) {
      if (c.state === 'waiting' && !c.cancelRetry) this.tryServe(c, view);
    }
    for (const c of this.conns.values()) if (c.state === 'waiting' && !c.cancelRetry) this.announceWaiting(c.local.mapping);
  }

  private accept(local: LocalConnection<T>): number | undefined {
    const mapping = this.deps.mappings[local.mapping];
    if (!mapping) {
      local.close();
      return undefined;
    }
    const c: Conn<T> = { id: this.nextId++, local, mapping, state: 'waiting', attempts: 0 };
    this.conns.set(c.id, c);
    this.totals.connections++;
    this.tryServe(c, this.currentView());
    if (c.state === 'waiting') {
      if (this.timeoutMs > 0) c.cancelTimer = this.deps.clock.setTimer(this.timeoutMs, () => this.handle({ type: 'timeout', id: c.id }));
      this.announceWaiting(local.mapping);
    }
    return c.id;
  }

  private tryServe(c: Conn<T>, view: TargetView): void {
    const picked = this.pickers[c.local.mapping]!.pick(candidatesFor(view, c.mapping), { kind: view.kind, affinity: wantsAffinity(view) });
    if (!picked) return;
    this.announced.delete(c.local.mapping);
    c.cancelTimer?.();
    delete c.cancelTimer;
    const { candidate, reason } = picked;
    c.state = 'opening';
    c.pod = { name: candidate.pod, ...(candidate.uid ? { uid: candidate.uid } : {}) };
    c.podPort = candidate.port;
    this.emit({
      event: 'pod-selected',
      pod: candidate.pod,
      connection: c.id,
      localAddress: c.local.localAddress,
      localPort: c.local.localPort,
      remotePort: c.mapping.remotePort,
      podPort: candidate.port,
      reason,
    });
    const id = c.id;
    this.deps.openTunnel(candidate.pod, candidate.port).then(
      (tunnel) => this.handle({ type: 'tunnel-opened', id, tunnel }),
      (err: unknown) =>
        this.handle({ type: 'tunnel-failed', id, message: messageOf(err), retryable: this.deps.isRetryable?.(err) ?? false }),
    );
  }

  /** A retryable open failed: wait (exponential backoff with jitter), then pick a ready pod again for this connection. */
  private retry(c: Conn<T>): void {
    const delay = backoffDelay(c.attempts, this.deps.random ?? (() => 0), TUNNEL_BACKOFF);
    c.attempts++;
    c.state = 'waiting';
    delete c.pod;
    delete c.podPort;
    c.cancelRetry = this.deps.clock.setTimer(delay, () => {
      delete c.cancelRetry;
      if (c.state !== 'waiting' || this.stopped) return;
      this.tryServe(c, this.currentView());
      if (c.state === 'waiting') {
        if (this.timeoutMs > 0 && !c.cancelTimer)
          c.cancelTimer = this.deps.clock.setTimer(this.timeoutMs, () => this.handle({ type: 'timeout', id: c.id }));
        this.announceWaiting(c.local.mapping);
      }
    });
  }

  private opened(id: number, tunnel: T): void {
    const c = this.conns.get(id);
    if (!c || c.state !== 'opening') {
      tunnel.close();
      return;
    }
    c.state = 'open';
    c.tunnel = tunnel;
    c.local.attach(tunnel);
    this.emit({
      event: 'connection-opened',
      pod: c.pod!.name,
      connection: c.id,
      localAddress: c.local.localAddress,
      localPort: c.local.localPort,
      podPort: c.podPort!,
    });
    tunnel.error.then(
      (error) => this.handle({ type: 'tunnel-ended', id, error }),
      (err: unknown) => this.handle({ type: 'tunnel-lost', id, message: messageOf(err) }),
    );
  }

  private announceWaiting(mapping: number): void {
    if (this.announced.has(mapping) || !this.isSynced()) return;
    this.announced.add(mapping);
    const remotePort = this.deps.mappings[mapping]!.remotePort;
    const emitWaiting = (w: WaitExplanation) => {
      if (this.stopped) return;
      const e: Omit<WaitingEvent, 'ts' | 'target'> = {
        event: 'waiting',
        remotePort,
        code: w.code,
        message: w.message,
        timeoutMs: this.timeoutMs,
      };
      this.emit(w.hint ? { ...e, hint: w.hint } : e);
    };
    const fallback: WaitExplanation = { code: 'no-ready-pod', message: `no pod of ${this.targetText()} is ready` };
    let w: WaitExplanation | Promise<WaitExplanation>;
    try {
      w = this.deps.explainWhyNotReady();
    } catch {
      w = fallback;
    }
    if (w instanceof Promise) w.then(emitWaiting, () => emitWaiting(fallback));
    else emitWaiting(w);
  }

  private closeIfOpen(id: number, reason: CloseReason, extra: { message?: string; hint?: string } = {}): void {
    const c = this.conns.get(id);
    if (c) this.close(c, reason, extra);
  }

  private close(c: Conn<T>, reason: CloseReason, extra: { message?: string; hint?: string } = {}): void {
    if (c.state === 'closed') return;
    c.state = 'closed';
    c.cancelTimer?.();
    c.cancelRetry?.();
    c.tunnel?.close();
    c.local.close();
    const b = c.local.bytes();
    this.totals.bytesIn += b.in;
    this.totals.bytesOut += b.out;
    this.conns.delete(c.id);
    this.emit({
      event: 'connection-closed',
      ...(c.pod ? { pod: c.pod.name } : {}),
      connection: c.id,
      localAddress: c.local.localAddress,
      localPort: c.local.localPort,
      reason,
      ...(extra.message !== undefined ? { message: extra.message } : {}),
      ...(extra.hint !== undefined ? { hint: extra.hint } : {}),
      bytesIn: b.in,
      bytesOut: b.out,
    });
  }

  private stop(reason?: string): void {
    for (const c of [...this.conns.values()]) this.close(c, 'stopped');
    this.stopped = true;
    this.emit({ event: 'stopped', ...this.totals, ...(reason !== undefined ? { reason } : {}) });
  }

  private emit(e: DistributiveOmit<ForwardEvent, 'ts' | 'target'>): void {
    const { event, ...rest } = e;
    this.deps.emit({ event, ts: rfc3339(this.deps.clock.now()), target: this.deps.target, ...rest } as ForwardEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
