import { setMaxListeners } from 'node:events';
import type { AccessCheck, KubeConnection, PortForwardTunnel } from '../../cluster/kube-api.js';
import { R, type Resource } from '../../cluster/reader.js';
import { isPrivilegedPort, privilegedPortProblem } from '../../core/forward/args.js';
import { isRetryableStatus } from '../../core/forward/backoff.js';
import type { ForwardEvent } from '../../core/forward/events.js';
import { accessNeeds, watchPlan, type WatchPlan } from '../../core/forward/plan.js';
import { resolvePodPorts, resolveServicePorts, serviceRefusal, type PortMapping } from '../../core/forward/resolve.js';
import { applyEvent, emptyStatus, eventLines, formatBytes } from '../../core/forward/status.js';
import { ForwardSupervisor, type SupervisorInput, type WaitExplanation } from '../../core/forward/supervisor.js';
import { targetText, type ForwardSpec, type TargetRef } from '../../core/forward/types.js';
import type { Pod, Service, Workload } from '../../core/k8s/types.js';
import { templatePod } from '../../core/k8s/workloads.js';
import { ClusterAccessError, KdiagError, UsageError } from '../../errors.js';
import type { CommandEvent, Context, EventStream } from '../types.js';
import { canPick } from '../../ui/pick.js';
import { missingTarget, pickServicePorts, pickServiceTarget } from './choose.js';
import { closeListeners, listenAll, type Listener } from './listen.js';
import { isLoopback, type ForwardOptions } from './options.js';

export { toForwardOptions, type ForwardOptions } from './options.js';

/** What tests replace. */
export interface ForwardShellDeps {
  /** True when this process may listen on ports below 1024 (default: running as root). */
  isRoot?: () => boolean;
  /** The connection for another kubeconfig context (a `--forwards` entry's `context`); default: a new live one. */
  connect?: (context: string) => Promise<KubeConnection>;
}

const RESOURCES: Record<string, Resource> = {
  services: R.services,
  endpointslices: R.endpointslices,
  pods: R.pods,
  deployments: R.deployments,
  statefulsets: R.statefulsets,
  replicasets: R.replicasets,
};

const TARGET_RESOURCE: Record<ForwardSpec['kind'], Resource> = {
  Service: R.services,
  Pod: R.pods,
  Deployment: R.deployments,
  StatefulSet: R.statefulsets,
  ReplicaSet: R.replicasets,
};

type Supervisor = ForwardSupervisor<PortForwardTunnel>;

/** One target of the forward, from preflight to shutdown. */
interface Target {
  spec: ForwardSpec;
  conn: KubeConnection;
  ref: TargetRef;
  watches: WatchPlan[];
  mappings: PortMapping[];
  sup?: Supervisor;
  listeners: Listener[];
  /** Required inputs that have delivered their first list. */
  synced: Set<string>;
  /** Called after every change the watches deliver. */
  changed: Set<() => void>;
}

/**
 * `kdiag forward`: the I/O shell around the pure core (src/core/forward). Preflight (access reviews, the target, its
 * ports), listeners, one list+watch per entry of the watch plan fed to the supervisor, sockets piped to the tunnels
 * it opens; ends when ctx.signal aborts (exit 0), and closes every listener, watch and socket on every way out.
 */
export async function runForward(opts: ForwardOptions, ctx: Context, deps: ForwardShellDeps = {}): Promise<EventStream> {
  const isRoot = deps.isRoot ?? (() => process.getuid?.() === 0);
  // No TARGET: a pick list in a terminal; without one a usage error, before anything is read.
  const fromArgs = opts.forwardsFile === undefined && !opts.all;
  const pickTarget = fromArgs && opts.specs.length === 0;
  if (pickTarget && !canPick(ctx.io)) throw missingTarget(ctx);
  const conn = await ctx.kube();
  const defaultNs = opts.namespace ?? conn.reader.defaultNamespace;
  // One connection per kubeconfig context (a --forwards entry may name its own), made on first use.
  const connections = new Map<string, Promise<KubeConnection>>();
  const connectionFor = (context: string | undefined): Promise<KubeConnection> => {
    if (context === undefined || context === ctx.globals.context) return Promise.resolve(conn);
    let c = connections.get(context);
    if (!c) {
      c = deps.connect ? deps.connect(context) : connectContext(context, ctx);
      connections.set(context, c);
    }
    return c;
  };
  let specs: ForwardSpec[];
  if (opts.forwardsFile !== undefined) specs = await loadForwardsFile(opts.forwardsFile, ctx);
  else if (opts.all) specs = await allServices(opts, defaultNs, conn, ctx);
  else if (pickTarget) specs = [await pickServiceTarget(conn, defaultNs, ctx)];
  else specs = opts.specs;

  // Everything below stops when the user does, or on the first fatal error.
  const stop = new AbortController();
  // One listener per open tunnel and per watch, each removed when it ends: not the leak Node warns of at 11.
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) stop.abort();
  let fatal: unknown;
  const fail = (e: unknown) => {
    fatal ??= e;
    stop.abort();
  };
  const stopped = new Promise<void>((resolve) => {
    if (stop.signal.aborted) resolve();
    stop.signal.addEventListener('abort', () => resolve(), { once: true });
  });

  // Events: buffered until the writer takes the stream. Text: `Forwarding from` on stdout, notices on stderr, and on a
  // terminal the status table on stderr, redrawn in place (its rows replace the per-connection lines).
  const buffered: CommandEvent[] = [];
  let sink: ((e: CommandEvent) => void) | undefined;
  const table = opts.format === 'text' && ctx.io.errIsTTY ? await statusTable(ctx) : undefined;
  let model = emptyStatus();
  const emit = (e: ForwardEvent) => {
    if (opts.format === 'json') {
      const { event, target, ts: _ts, ...rest } = e;
      const data = { namespace: target.namespace, ...(target.context ? { context: target.context } : {}), ...rest };
      const ce: CommandEvent = { event, target: targetText(target), text: '', data };
      if (sink) sink(ce);
      else buffered.push(ce);
      return;
    }
    const lines = eventLines(e).filter(() => !(table && e.event === 'connection-opened'));
    const write = () => {
      for (const line of lines) {
        if (line.stream === 'stderr') ctx.io.err.write(`${line.text}\n`);
        else {
          const ce: CommandEvent = { event: e.event, target: targetText(e.target), text: line.text };
          if (sink) sink(ce);
          else buffered.push(ce);
        }
      }
    };
    if (!table) return write();
    if (lines.length > 0) table.around(write);
    model = applyEvent(model, e);
    for (const r of model.rows) {
      table.set([r.local, r.target, r.pod ?? '-', r.state, `${r.open}/${r.total}`, formatBytes(r.bytesIn), formatBytes(r.bytesOut)]);
    }
  };

  const targets: Target[] = [];
  const watchLoops: Promise<void>[] = [];
  const shutdown = async () => {
    stop.abort();
    ctx.signal.removeEventListener('abort', onAbort);
    await Promise.all(targets.map((t) => closeListeners(t.listeners)));
    await Promise.allSettled(watchLoops);
  };

  try {
    // (1) what to forward, and the access it needs: one review per context, naming everything missing.
    for (const spec of specs) {
      const tconn = await connectionFor(spec.context);
      const namespace = spec.namespace ?? (spec.context !== undefined && tconn !== conn ? tconn.reader.defaultNamespace : defaultNs);
      const ref: TargetRef = {
        ...(spec.context !== undefined ? { context: spec.context } : {}),
        namespace,
        kind: spec.kind,
        name: spec.name,
      };
      targets.push({ spec, conn: tconn, ref, watches: [], mappings: [], listeners: [], synced: new Set(), changed: new Set() });
    }
    for (const c of new Set(targets.map((t) => t.conn))) {
      const needs = targets
        .filter((t) => t.conn === c)
        .flatMap((t) =>
          accessNeeds(
            t.ref.kind,
            t.ref.name,
            t.ref.namespace,
            watchPlan(t.ref.kind, t.ref.name, t.ref.namespace).filter((w) => !w.optional),
          ),
        );
      if (c === conn) await ctx.canI(needs as AccessCheck[]);
      else {
        const denied = (await c.canI(needs as AccessCheck[])).filter((r) => !r.allowed);
        if (denied.length > 0) {
          const { missingPermissions } = await import('../../context.js');
          const e = missingPermissions(denied);
          const context = targets.find((t) => t.conn === c)?.ref.context;
          throw new ClusterAccessError(e.code, `context ${context}: ${e.message}`, e.hint);
        }
      }
    }

    // (2) the targets and their ports.
    for (const t of targets) await resolveTarget(t, t.conn, ctx, fromArgs && canPick(ctx.io));

    // (3) privileged ports, then the listeners: a taken port fails before anything is watched.
    for (const t of targets) {
      for (const m of t.mappings) {
        if (isPrivilegedPort(m.localPort) && !isRoot()) {
          const p = privilegedPortProblem(m.localPort, m.remotePort);
          throw new UsageError(p.message, p.hint);
        }
      }
    }
    const addresses = (t: Target) => t.spec.addresses ?? opts.addresses;
    for (const a of new Set(targets.flatMap(addresses))) {
      if (!isLoopback(a)) ctx.warn(`listening on ${a}: anyone who can reach this machine on that address can use the forward`);
    }
    for (const t of targets) {
      const sup = new ForwardSupervisor<PortForwardTunnel>({
        target: t.ref,
        mappings: t.mappings,
        openTunnel: (pod, port) => t.conn.portForward(t.ref.namespace, pod, port, stop.signal),
        clock: {
          now: () => Date.now(),
          setTimer: (ms, fn) => {
            const timer = setTimeout(fn, ms);
            return () => clearTimeout(timer);
          },
        },
        emit,
        explainWhyNotReady: () => explain(t, t.conn, ctx),
        isRetryable: retryableOpen,
        random: Math.random,
        podRunningTimeoutMs: opts.podRunningTimeoutMs,
      });
      t.sup = sup;
      t.listeners = await listenAll(t.mappings, addresses(t), sup, ctx.warn, targetText(t.ref));
    }

    // (4) the watches; the forward starts once every required one has listed.
    const ready = targets.map((t) => watchTarget(t, t.conn, stop.signal, fail, ctx, watchLoops));
    await Promise.race([Promise.all(ready), stopped]);
    if (fatal) throw fatal;

    // (5) a target no pod can serve: say why and exit 1, unless --wait (--all waits: kubefwd's use is every Service).
    if (!stop.signal.aborted && !opts.wait && !opts.all) {
      for (const t of targets) {
        if (t.sup!.servable()) continue;
        const why = await explain(t, t.conn, ctx);
        throw new KdiagError(why.code, `${targetText(t.ref)} has no pod that can serve it: ${why.message} [${why.code}]`, {
          exitCode: 1,
          ...(why.hint ? { hint: `${why.hint} (or add --wait to wait for one)` } : { hint: 'add --wait to wait for a pod' }),
        });
      }
    }
  } catch (e) {
    await shutdown();
    throw e;
  }

  return {
    events: async (write) => {
      const early = buffered.splice(0);
      if (table) table.around(() => early.forEach(write));
      else early.forEach(write);
      sink = write;
      try {
        // --wait: listen on each target once it can serve.
        await Promise.all(
          targets.map(async (t) => {
            const sup = t.sup!;
            // (--all listens at once: a connection to a Service without a ready pod waits for one.)
            if (opts.wait && !sup.servable() && !stop.signal.aborted) {
              const why = await explain(t, t.conn, ctx);
              emit({
                event: 'waiting',
                ts: new Date().toISOString(),
                target: t.ref,
                remotePort: t.mappings[0]!.remotePort,
                code: why.code,
                message: why.message,
                ...(why.hint ? { hint: why.hint } : {}),
                timeoutMs: 0,
              });
              await new Promise<void>((resolve) => {
                const check = () => {
                  if (sup.servable() || stop.signal.aborted) {
                    t.changed.delete(check);
                    resolve();
                  }
                };
                t.changed.add(check);
                stop.signal.addEventListener('abort', check, { once: true });
              });
            }
            if (stop.signal.aborted) return;
            for (const l of t.listeners) sup.listening(l.address, l.port, l.mapping);
          }),
        );
        await stopped;
      } finally {
        const reason: unknown = ctx.signal.reason;
        for (const t of targets) t.sup?.handle({ type: 'stop', ...(typeof reason === 'string' ? { reason } : {}) });
        table?.close();
        await shutdown();
      }
      if (fatal) throw fatal;
    },
    // Stopping (SIGINT, SIGTERM) is the normal end of a forward.
    exitStatus: () => 0,
  };
}

/**
 * Reads the target and resolves its ports; fills `watches` and `mappings`. `pickPorts`: a Service given without ports
 * on the command line, in a terminal, offers its TCP ports to choose from when it has several.
 */
async function resolveTarget(t: Target, conn: KubeConnection, ctx: Context, pickPorts: boolean): Promise<void> {
  const { kind, name, namespace } = t.ref;
  const obj = await conn.reader.get<Service & Pod & Workload>(TARGET_RESOURCE[kind], namespace, name);
  if (!obj) {
    if (kind === 'Service') {
      const why = await explain(t, conn, ctx);
      throw new KdiagError(why.code, `${why.message} [${why.code}]`, { exitCode: 1, ...(why.hint ? { hint: why.hint } : {}) });
    }
    throw new KdiagError('not-found', `${targetText(t.ref)} not found in namespace ${namespace}`, {
      exitCode: 1,
      hint: `list them: kubectl get ${targetText(t.ref).split('/')[0]} -n ${namespace}`,
    });
  }
  if (kind === 'Service') {
    const svc = obj as Service;
    const refusal = serviceRefusal(svc);
    if (refusal) throw new KdiagError('cannot-forward', refusal.message, { exitCode: 1, hint: refusal.hint });
    let ports = t.spec.ports;
    if (ports.length === 0 && pickPorts) {
      const chosen = await pickServicePorts(svc, ctx);
      if (chosen) ports = chosen.map((remote) => ({ local: undefined, remote }));
    }
    const r = resolveServicePorts(svc, ports);
    if (!r.ok) throw new UsageError(r.error.message, r.error.hint);
    t.mappings = r.value;
    t.watches = watchPlan(kind, name, namespace, svc.spec?.selector);
  } else {
    const pod = kind === 'Pod' ? (obj as Pod) : templatePod(obj as Workload);
    const r = resolvePodPorts(pod, t.spec.ports);
    if (!r.ok) throw new UsageError(r.error.message, r.error.hint);
    t.mappings = r.value;
    t.watches = watchPlan(kind, name, namespace, kind === 'Pod' ? undefined : (obj as Workload).spec?.selector);
  }
  // An optional watch the user may not run is left out (the forward works without it).
  const optional = t.watches.filter((w) => w.optional);
  if (optional.length > 0) {
    const checks: AccessCheck[] = optional.flatMap((w) =>
      (['list', 'watch'] as const).map((verb) => ({ verb, resource: w.plural, group: w.group, namespace })),
    );
    const results = await conn.canI(checks);
    const denied = new Set(results.filter((r) => !r.allowed).map((r) => r.resource));
    t.watches = t.watches.filter((w) => !(w.optional && denied.has(w.plural)));
  }
}

/** Runs the target's watches into its supervisor; resolves once every required one has listed. */
function watchTarget(
  t: Target,
  conn: KubeConnection,
  signal: AbortSignal,
  fail: (e: unknown) => void,
  ctx: Context,
  loops: Promise<void>[],
): Promise<void> {
  const required = t.watches.filter((w) => !w.optional);
  return new Promise<void>((resolve) => {
    const check = () => {
      if (required.every((w) => t.synced.has(w.input))) resolve();
    };
    check();
    for (const w of t.watches) {
      const loop = (async () => {
        try {
          const opts = {
            namespace: w.namespace,
            ...(w.labelSelector !== undefined ? { labelSelector: w.labelSelector } : {}),
            ...(w.fieldSelector !== undefined ? { fieldSelector: w.fieldSelector } : {}),
          };
          for await (const change of conn.observe(RESOURCES[w.plural]!, opts, signal)) {
            if (change.type === 'error' && !w.optional && !t.synced.has(w.input)) {
              throw new ClusterAccessError('unreachable', `could not list ${w.plural} in namespace ${w.namespace}: ${change.message}`);
            }
            t.sup!.handle({ type: w.input, change } as SupervisorInput<PortForwardTunnel>);
            if (change.type === 'sync') {
              t.synced.add(w.input);
              check();
            }
            for (const fn of [...t.changed]) fn();
          }
        } catch (e) {
          if (signal.aborted) return;
          if (w.optional) ctx.warn(`${targetText(t.ref)}: stopped watching ${w.plural}: ${e instanceof Error ? e.message : String(e)}`);
          else fail(e);
        }
      })();
      loops.push(loop);
    }
  });
}

/** Why no pod can serve the target: the svc engine's first finding for a Service, a plain line otherwise. */
async function explain(t: Target, conn: KubeConnection, ctx: Context): Promise<WaitExplanation> {
  const fallback: WaitExplanation = {
    code: 'no-ready-pod',
    message: `no pod of ${targetText(t.ref)} is ready`,
    hint: `see why: kubectl describe ${targetText(t.ref)} -n ${t.ref.namespace}`,
  };
  if (t.ref.kind !== 'Service') return fallback;
  try {
    const [{ loadServiceSnapshot }, { explainService }] = await Promise.all([
      import('../../cluster/svc-loader.js'),
      import('../../core/svc/explain.js'),
    ]);
    const clusterDomain = ctx.globals.clusterDomain;
    const snap = await loadServiceSnapshot(conn.reader, {
      namespace: t.ref.namespace,
      name: t.ref.name,
      ...(clusterDomain ? { clusterDomain } : {}),
    });
    const report = explainService(snap, {
      invocation: { program: ctx.invocation.program, command: 'svc' },
      ...(clusterDomain ? { clusterDomain } : {}),
    });
    const f = report.findings.find((x) => x.severity === 'error') ?? report.findings[0];
    return f ? { code: f.code, message: f.message, hint: f.hint } : fallback;
  } catch {
    return fallback;
  }
}

/** `--forwards FILE`: YAML (or JSON) validated by the core. */
async function loadForwardsFile(file: string, ctx: Context): Promise<ForwardSpec[]> {
  const [{ readFile }, path, yaml, { parseForwardsFile }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('yaml'),
    import('../../core/forward/args.js'),
  ]);
  let text: string;
  try {
    text = await readFile(path.resolve(ctx.cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read --forwards ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'give the path of a YAML file',
    );
  }
  let value: unknown;
  try {
    value = yaml.default.parse(text);
  } catch (e) {
    throw new UsageError(
      `${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`,
      'e.g. forwards: [{target: svc/web, ports: ["8080:80"]}]',
    );
  }
  const r = parseForwardsFile(value, file);
  if (!r.ok) throw new UsageError(r.error.message, r.error.hint);
  return r.value;
}

/** A live connection for another kubeconfig context, with the command's kubeconfig, timeout and signal. */
async function connectContext(context: string, ctx: Context): Promise<KubeConnection> {
  const { createKubeConnection } = await import('../../cluster/kube-connection.js');
  const g = ctx.globals;
  return createKubeConnection({
    ...(g.kubeconfig !== undefined ? { kubeconfig: g.kubeconfig } : {}),
    context,
    requestTimeoutMs: g.requestTimeoutMs,
    env: ctx.env,
    signal: ctx.signal,
    ...(g.debug ? { debug: (line: string) => void ctx.io.err.write(`debug: ${line}\n`) } : {}),
    warn: ctx.warn,
  });
}

/** `--all [-l SELECTOR]`: every selector-backed Service of the namespace with a TCP port, each port on its own number. */
async function allServices(opts: ForwardOptions, namespace: string, conn: KubeConnection, ctx: Context): Promise<ForwardSpec[]> {
  const [{ allServiceForwards }, { parseSelector }] = await Promise.all([
    import('../../core/forward/resolve.js'),
    import('../../core/k8s/selectors.js'),
  ]);
  const services = await conn.reader.list<Service>(R.services, {
    namespace,
    ...(opts.selector !== undefined ? { labelSelector: opts.selector } : {}),
  });
  const { specs, skipped } = allServiceForwards(
    services.map((s) => ({ ...s, metadata: { ...s.metadata, namespace } })),
    opts.selector !== undefined ? parseSelector(opts.selector) : [],
  );
  for (const s of skipped) ctx.warn(`--all: skipping svc/${s.name}: ${s.reason}`);
  if (specs.length === 0) {
    const which = opts.selector !== undefined ? ` matching ${opts.selector}` : '';
    throw new KdiagError(
      'no-services',
      `no Service${which} in namespace ${namespace} can be forwarded (${services.length} found, none with a selector and a TCP port)`,
      {
        exitCode: 1,
        hint: `list them: kubectl get svc -n ${namespace}${opts.selector !== undefined ? ` -l ${opts.selector}` : ''}`,
      },
    );
  }
  return specs;
}

/**
 * True when a failed tunnel open may succeed if tried again: the API server throttled (429), failed (5xx), timed out
 * or could not be reached, or the pod was gone (404: another pod is picked). Forbidden and unauthorised do not change.
 */
export function retryableOpen(err: unknown): boolean {
  if (!(err instanceof KdiagError)) return true;
  if (['unreachable', 'connection-failed', 'timeout'].includes(err.code)) return true;
  if (err.code !== 'api-error') return false;
  const status = /failed: (\d{3})\b/.exec(err.message)?.[1];
  // 404: the pod went between the pick and the open (a rollout); the next try picks a pod that is there.
  if (status === '404') return true;
  return isRetryableStatus(status === undefined ? undefined : Number(status));
}

/** The live status table on stderr (a terminal only): one row per bound local address. */
async function statusTable(ctx: Context) {
  const { createStatusTable } = await import('../../ui/status-table.js');
  return createStatusTable(ctx.io, ['LOCAL', 'TARGET', 'POD', 'STATE', 'CONNS', 'IN', 'OUT']);
}
