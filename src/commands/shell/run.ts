import os from 'node:os';
import type { ExecResult, KubeConnection } from '../../cluster/kube-api.js';
import { R } from '../../cluster/reader.js';
import type { KubeEvent, KubeObject, Pod } from '../../core/k8s/types.js';
import { shellAccessNeeds } from '../../core/shell/access.js';
import { classifyRejection, explainNotStarted, explainRejected, stricterProfileMayHelp, type Rejection } from '../../core/shell/explain.js';
import { isNotFound, shellExitStatus, signalExitStatus, SHELL_EXIT } from '../../core/shell/exit.js';
import {
  CONTAINER_NAME,
  chooseDebugImage,
  debugPod,
  ephemeralContainer,
  HEARTBEAT_ANNOTATION,
  newRunId,
  podNameFor,
  profileCascade,
  profileLimits,
  type Profile,
} from '../../core/shell/spec.js';
import { missingPermissions } from '../../context.js';
import { ExitCode, KdiagError, UsageError } from '../../errors.js';
import { confirm, rawTerminal } from '../../ui/terminal.js';
import type { Context, Outcome } from '../types.js';
import { detachedConnection } from './connection.js';
import type { ShellOptions } from './options.js';

/** What tests replace. */
export interface ShellDeps {
  random?: () => number;
  /** The heartbeat's period (30 s). */
  heartbeatMs?: number;
  owner?: string;
  connection?: (ctx: Context) => Promise<KubeConnection>;
}

export const HEARTBEAT_MS = 30_000;

/** An Outcome that prints nothing more: the command's output went straight through. */
const done = (exitCode: number): Outcome => ({ document: { exitCode }, findings: [], renderers: { text: () => '' }, exitCode });

/** kdiag's own failure before the command started: 125 (usage errors keep 2). */
function beforeStart(e: unknown): unknown {
  if (e instanceof UsageError) return e;
  if (e instanceof KdiagError)
    return new KdiagError(e.code, e.message, { exitCode: ExitCode.ShellFailed, ...(e.hint ? { hint: e.hint } : {}), cause: e });
  return e;
}

function ownerText(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep $USER
  }
  return `${user}@${os.hostname()}:${process.pid}`;
}

/** The image: --image > KDIAG_SHELL_IMAGE > shell.image in .kdiag.yaml > the pinned default. */
async function imageFor(opts: ShellOptions, ctx: Context): Promise<string> {
  if (opts.image) return opts.image;
  const config = await ctx.config();
  return chooseDebugImage(undefined, ctx.env.KDIAG_SHELL_IMAGE, config.shell?.image);
}

/** The `--gc` command that removes what this run could not, with the cluster flags the user gave. */
function gcCommand(ctx: Context, namespace: string): string {
  const g = ctx.globals;
  return [
    ctx.invocation.program,
    'shell --gc',
    `-n ${namespace}`,
    ...(g.context ? [`--context ${g.context}`] : []),
    ...(g.kubeconfig ? [`--kubeconfig ${g.kubeconfig}`] : []),
  ].join(' ');
}

function started(pod: Pod, container: string, ephemeral: boolean): boolean {
  if (ephemeral) {
    const statuses = (pod.status as { ephemeralContainerStatuses?: { name: string; state?: { running?: unknown } }[] } | undefined)
      ?.ephemeralContainerStatuses;
    return Boolean(statuses?.find((s) => s.name === container)?.state?.running);
  }
  if (pod.status?.phase !== 'Running') return false;
  const s = pod.status.containerStatuses?.find((c) => c.name === container);
  return Boolean(s?.state?.running);
}

const ended = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Waits until the container runs; resolves with the last pod seen and whether it started. */
async function waitStarted(
  conn: KubeConnection,
  namespace: string,
  name: string,
  container: string,
  ephemeral: boolean,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<{ ok: boolean; pod: Pod | undefined }> {
  const ac = new AbortController();
  const onStop = () => ac.abort();
  stop.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let last: Pod | undefined;
  try {
    for await (const ev of conn.observe<Pod>(R.pods, { namespace, fieldSelector: `metadata.name=${name}` }, ac.signal)) {
      if (ev.type === 'sync') last = ev.objects[0];
      else if (ev.type === 'added' || ev.type === 'modified') last = ev.object;
      else if (ev.type === 'deleted') return { ok: false, pod: undefined };
      else continue;
      if (last && started(last, container, ephemeral)) return { ok: true, pod: last };
      if (last && ended(last)) return { ok: false, pod: last };
      if (ev.type === 'sync' && !last) return { ok: false, pod: undefined };
    }
    return { ok: false, pod: last };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
    ac.abort();
  }
}

function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s % 60 === 0) return s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`;
  return `${Math.floor(s / 60)}m${s % 60}s`;
}

/**
 * `kdiag shell`: preflight (access reviews), the debug pod (the first profile admission accepts, by dry run), wait
 * for it with the svc readiness explanations, exec (interactive with bash then sh, or `-- CMD`), a heartbeat every
 * 30 s, and the pod deleted on every way out (retried for --request-timeout, then the --gc command printed).
 */
export async function runShell(opts: ShellOptions, ctx: Context, deps: ShellDeps = {}): Promise<Outcome> {
  const interactive = opts.command.length === 0;
  if (interactive && !(ctx.io.stdinIsTTY && ctx.io.outIsTTY)) {
    throw new UsageError('an interactive shell needs a terminal (stdin and stdout)', 'give a command instead: kdiag shell -- CMD ARGS...');
  }
  if (opts.mode === 'ephemeral' && !opts.yes && !(ctx.io.stdinIsTTY && ctx.io.errIsTTY)) {
    throw new UsageError('--ephemeral adds a container that can never be removed: confirm with --yes (there is no terminal to ask on)');
  }
  const conn = await (deps.connection ?? detachedConnection)(ctx);
  const namespace = opts.namespace ?? conn.reader.defaultNamespace;

  // Every way out: the user's signal (SIGINT, SIGTERM, SIGHUP) aborts what runs; cleanup follows.
  const stop = new AbortController();
  let interrupted: string | undefined;
  const onSignal = () => {
    interrupted = typeof ctx.signal.reason === 'string' ? ctx.signal.reason : 'SIGINT';
    stop.abort();
  };
  if (ctx.signal.aborted) onSignal();
  else ctx.signal.addEventListener('abort', onSignal, { once: true });

  const session: Session = { conn, namespace, ctx, opts, stop: stop.signal, deps };
  try {
    const result = opts.mode === 'ephemeral' ? await ephemeralSession(session) : await podSession(session, interactive);
    if (interrupted) return done(signalExitStatus(interrupted));
    return done(result);
  } catch (e) {
    if (interrupted) {
      ctx.io.err.write(`kdiag: stopped by ${interrupted}\n`);
      return done(signalExitStatus(interrupted));
    }
    throw e;
  } finally {
    ctx.signal.removeEventListener('abort', onSignal);
  }
}

interface Session {
  conn: KubeConnection;
  namespace: string;
  ctx: Context;
  opts: ShellOptions;
  stop: AbortSignal;
  deps: ShellDeps;
}

async function preflight(s: Session, kind: 'pod' | 'ephemeral'): Promise<void> {
  const results = await s.conn.canI(shellAccessNeeds({ kind }, s.namespace));
  const denied = results.filter((r) => !r.allowed);
  if (denied.length > 0) throw missingPermissions(denied);
}

/** The debug pod from creation to deletion; resolves with the exit status. */
async function podSession(s: Session, interactive: boolean): Promise<number> {
  const { conn, namespace, ctx, opts } = s;
  const runId = newRunId(s.deps.random ?? Math.random);
  const name = podNameFor(runId);
  let mayExist = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let stopProgress = () => {};
  try {
    try {
      await preflight(s, 'pod');
      const image = await imageFor(opts, ctx);
      let node = opts.node;
      if (opts.near) {
        const near = await conn.reader.get<Pod>(R.pods, namespace, opts.near);
        if (!near)
          throw new KdiagError('pod-not-found', `--near: pod ${opts.near} not found in namespace ${namespace}`, {
            hint: `list them: kubectl get pods -n ${namespace}`,
          });
        if (!near.spec?.nodeName)
          throw new KdiagError('pod-not-scheduled', `--near: pod ${opts.near} is not on a node yet`, {
            hint: 'wait until it is scheduled, or use --node NODE',
          });
        node = near.spec.nodeName;
      }
      const now = await conn.serverTime();
      const build = (profile: Profile) =>
        debugPod({
          name,
          namespace,
          image,
          profile,
          runId,
          owner: s.deps.owner ?? ownerText(),
          heartbeat: now.toISOString(),
          deadlineSeconds: opts.deadlineSeconds,
          ...(node !== undefined ? { node } : {}),
          ...(opts.node !== undefined ? { tolerateAll: true } : {}),
        });
      const profile = await admittedProfile(s, build);
      for (const line of profileLimits(profile)) ctx.io.err.write(`kdiag: ${line}\n`);
      stopProgress = ctx.progress(`starting pod ${name} in namespace ${namespace}`);
      mayExist = true;
      try {
        await conn.create(R.pods, namespace, build(profile));
      } catch (e) {
        if (e instanceof KdiagError && /forbidden|api-error/.test(e.code)) {
          const r = classifyRejection(e.message);
          if (r.kind !== 'other') throw rejected(s, r, await namespaceLabels(s));
        }
        throw e;
      }
      heartbeat = setInterval(() => void beat(s, name), s.deps.heartbeatMs ?? HEARTBEAT_MS);
      heartbeat.unref?.();
      const w = await waitStarted(conn, namespace, name, CONTAINER_NAME, false, opts.startTimeoutMs, s.stop);
      stopProgress();
      if (s.stop.aborted) throw new KdiagError('interrupted', 'interrupted');
      if (!w.ok) {
        const events = await conn.reader
          .tryList<KubeEvent>(R.events, { namespace, fieldSelector: `involvedObject.name=${name}` })
          .catch(() => undefined);
        const why = explainNotStarted(w.pod, events?.ok ? events.items : [], durationText(opts.startTimeoutMs));
        throw new KdiagError('pod-not-started', why.message, { hint: why.hint });
      }
    } catch (e) {
      throw beforeStart(e);
    }
    return await enter(s, name, CONTAINER_NAME, interactive);
  } finally {
    stopProgress();
    if (heartbeat) clearInterval(heartbeat);
    if (mayExist) await deletePod(s, name);
  }
}

/** The first profile admission takes, by server-side dry run (PSA, its exemptions, Kyverno, Gatekeeper all answer). */
async function admittedProfile(s: Session, build: (p: Profile) => Pod): Promise<Profile> {
  const { conn, namespace, ctx, opts } = s;
  let first: Rejection | undefined;
  let last: Rejection | undefined;
  const cascade = profileCascade(opts.profile);
  for (const profile of cascade) {
    try {
      await conn.create(R.pods, namespace, build(profile), { dryRun: true });
      if (first) {
        const what = /violates PodSecurity "[^"]+"/.exec(first.message)?.[0] ?? first.kind;
        ctx.io.err.write(
          `kdiag: namespace ${namespace} does not admit the ${cascade[0]} profile (${what}); using the ${profile} profile\n`,
        );
      }
      return profile;
    } catch (e) {
      if (!(e instanceof KdiagError) || !/forbidden|api-error/.test(e.code)) throw e;
      const r = classifyRejection(e.message);
      first ??= r;
      last = r;
      if (!stricterProfileMayHelp(r)) break;
    }
  }
  throw rejected(s, last!, await namespaceLabels(s));
}

function rejected(s: Session, r: Rejection, labels: Record<string, string> | undefined): KdiagError {
  const why = explainRejected(s.namespace, r, labels);
  return new KdiagError(r.kind === 'quota' ? 'quota-exceeded' : 'pod-rejected', why.message, { hint: why.hint });
}

/** The namespace's labels, to name the one that enforces a policy; undefined when kdiag may not read it. */
async function namespaceLabels(s: Session): Promise<Record<string, string> | undefined> {
  try {
    const ns = await s.conn.reader.get<KubeObject>(R.namespaces, undefined, s.namespace);
    return ns?.metadata.labels ?? {};
  } catch {
    return undefined;
  }
}

/** Renews the heartbeat annotation with the API server's time. */
async function beat(s: Session, name: string): Promise<void> {
  try {
    const now = await s.conn.serverTime();
    await s.conn.patch(R.pods, s.namespace, name, { metadata: { annotations: { [HEARTBEAT_ANNOTATION]: now.toISOString() } } });
  } catch (e) {
    if (s.ctx.globals.debug) s.ctx.io.err.write(`debug: heartbeat failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/** Deletes the pod, retrying for --request-timeout (30 s when none); then prints the --gc command. */
async function deletePod(s: Session, name: string): Promise<void> {
  const budget = s.ctx.globals.requestTimeoutMs > 0 ? s.ctx.globals.requestTimeoutMs : 30_000;
  const until = Date.now() + budget;
  let wait = 250;
  let lastError: unknown;
  for (;;) {
    try {
      await s.conn.delete(R.pods, s.namespace, name);
      return;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() + wait > until) break;
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 4_000);
  }
  const why = lastError instanceof Error ? lastError.message : String(lastError);
  s.ctx.io.err.write(`kdiag: could not delete pod ${name} in namespace ${s.namespace}: ${why}\n`);
  s.ctx.io.err.write(
    `hint: it stops by itself within ${s.opts.deadlineText} (activeDeadlineSeconds); remove it once the API server is back: ${gcCommand(s.ctx, s.namespace)}\n`,
  );
}

/** Runs the command (or the interactive shell) in the container; resolves with the exit status. */
async function enter(s: Session, pod: string, container: string, interactive: boolean): Promise<number> {
  const { conn, namespace, ctx, opts } = s;
  const common = { namespace, pod, container, stdout: ctx.io.out, signal: s.stop };
  const run = async (result: Promise<ExecResult>): Promise<ExecResult> => {
    try {
      return await result;
    } catch (e) {
      throw beforeStart(e);
    }
  };
  let res: ExecResult;
  if (!interactive) {
    res = await run(conn.exec({ ...common, command: opts.command, stderr: ctx.io.err, ...(opts.stdin ? { stdin: ctx.io.in } : {}) }));
    if (opts.stdin && res.protocol === 'v4.channel.k8s.io')
      ctx.warn('the server speaks only v4.channel.k8s.io: the end of stdin could not reach the command');
  } else {
    const term = rawTerminal(ctx.io);
    try {
      res = await run(conn.exec({ ...common, command: ['bash'], stdin: ctx.io.in, tty: true, resize: term.resize }));
      // Images without bash (alpine, busybox): sh.
      if (isNotFound(res.status) && !s.stop.aborted)
        res = await run(conn.exec({ ...common, command: ['sh'], stdin: ctx.io.in, tty: true, resize: term.resize }));
    } finally {
      term.restore();
    }
  }
  if (res.status.reason === 'ConnectionClosed') {
    ctx.io.err.write(`kdiag: lost the connection to pod ${pod}: ${res.status.message ?? ''}\n`);
    return 1;
  }
  const status = shellExitStatus(res.status);
  if ((status === SHELL_EXIT.notFound || status === SHELL_EXIT.cannotRun) && res.status.message)
    ctx.io.err.write(`kdiag: ${res.status.message}\n`);
  return status;
}

/** `--ephemeral POD`: an ephemeral container in POD (never removable), then the same exec. */
async function ephemeralSession(s: Session): Promise<number> {
  const { conn, namespace, ctx, opts } = s;
  const podName = opts.ephemeral!;
  const name = `kdiag-${newRunId(s.deps.random ?? Math.random)}`;
  try {
    await preflight(s, 'ephemeral');
    const pod = await conn.reader.get<Pod>(R.pods, namespace, podName);
    if (!pod)
      throw new KdiagError('pod-not-found', `--ephemeral: pod ${podName} not found in namespace ${namespace}`, {
        hint: `list them: kubectl get pods -n ${namespace}`,
      });
    if (opts.target && !pod.spec?.containers.some((c) => c.name === opts.target)) {
      throw new UsageError(
        `--target: pod ${podName} has no container "${opts.target}"`,
        `its containers: ${(pod.spec?.containers ?? []).map((c) => c.name).join(', ')}`,
      );
    }
    ctx.io.err.write(
      `kdiag: an ephemeral container can never be removed: "${name}" stays in pod ${podName}'s spec until the pod is deleted ` +
        `(its sleep ends after ${opts.deadlineText}; the pod's own deadline is not touched)\n`,
    );
    if (!opts.yes && !(await confirm(ctx.io, s.stop, `Add ephemeral container ${name} to pod ${podName}?`))) {
      if (s.stop.aborted) throw new KdiagError('interrupted', 'interrupted');
      throw new KdiagError('not-confirmed', 'not confirmed: nothing was changed', { hint: 'add --yes to skip the question' });
    }
    const image = await imageFor(opts, ctx);
    let added = false;
    let last: Rejection | undefined;
    for (const profile of profileCascade(opts.profile)) {
      const container = ephemeralContainer({
        name,
        image,
        profile,
        deadlineSeconds: opts.deadlineSeconds,
        ...(opts.target ? { target: opts.target } : {}),
      });
      try {
        await conn.patch(
          R.pods,
          namespace,
          podName,
          { spec: { ephemeralContainers: [container] } },
          { type: 'strategic', subresource: 'ephemeralcontainers' },
        );
        for (const line of profileLimits(profile)) ctx.io.err.write(`kdiag: ${line}\n`);
        added = true;
        break;
      } catch (e) {
        if (!(e instanceof KdiagError) || !/forbidden|api-error/.test(e.code)) throw e;
        last = classifyRejection(e.message);
        if (!stricterProfileMayHelp(last)) break;
      }
    }
    if (!added) throw rejected(s, last!, await namespaceLabels(s));
    const stopProgress = ctx.progress(`starting ephemeral container ${name} in pod ${podName}`);
    const w = await waitStarted(conn, namespace, podName, name, true, opts.startTimeoutMs, s.stop).finally(stopProgress);
    if (s.stop.aborted) throw new KdiagError('interrupted', 'interrupted');
    if (!w.ok) {
      throw new KdiagError(
        'container-not-started',
        `ephemeral container ${name} did not start within ${durationText(opts.startTimeoutMs)}`,
        {
          hint: `see why: kubectl describe pod ${podName} -n ${namespace}`,
        },
      );
    }
  } catch (e) {
    throw beforeStart(e);
  }
  try {
    return await enter(s, podName, name, opts.command.length === 0);
  } finally {
    ctx.io.err.write(`kdiag: ephemeral container ${name} stays in pod ${podName} (it cannot be removed; it stops when its sleep ends)\n`);
  }
}
