import { Writable } from 'node:stream';
import type { Pod } from '../core/k8s/types.js';
import { ClusterAccessError, InterruptedError } from '../errors.js';
import type { AccessCheck, ExecStatus, KubeConnection } from './kube-api.js';
import { LiveKubeConnection } from './kube-connection.js';
import { R } from './reader.js';
import { KubeTransport } from './transport.js';

/**
 * `kdiag dns --probe`: runs the lookup inside the cluster, in the client pod (`--from-pod`) or in a short-lived
 * debug pod that kdiag creates and deletes. Programs are called by name (never an absolute path), with argv only
 * (no shell); what the pod printed is returned as text, parsed by src/core/dns/probe.ts.
 */

/** The label every object kdiag creates carries. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kdiag' } as const;

/** One program run in the pod. */
export interface ProbeRun {
  argv: string[];
  stdout: string;
  stderr: string;
  /** The program's exit status, when the server said it (also read from KWOK's `exit status N` message). */
  exitCode?: number;
  /** The program is not in the image (distroless, scratch): nothing was run. */
  missing?: boolean;
  /** Why the exec failed, when it did without an exit status of the program. */
  failure?: string;
}

/** The permissions `--probe` needs (checked with SelfSubjectAccessReviews before anything runs). */
export function probeAccessChecks(namespace: string, debugPod: boolean): AccessCheck[] {
  const checks: AccessCheck[] = [
    // Exec over WebSocket: the handshake is a GET, and since 1.35 the API server also checks create.
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace },
    { verb: 'get', resource: 'pods', subresource: 'exec', namespace },
  ];
  if (debugPod) {
    checks.push(
      { verb: 'create', resource: 'pods', namespace },
      { verb: 'list', resource: 'pods', namespace },
      { verb: 'delete', resource: 'pods', namespace },
    );
  }
  return checks;
}

class Collect extends Writable {
  private readonly chunks: Buffer[] = [];
  constructor(private readonly max = 1 << 20) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    if (this.size() < this.max) this.chunks.push(chunk);
    done();
  }
  size(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** KWOK and some runtimes lose the exit code and say `exit status N` (or `exit code N`) in the message. */
export function exitStatusOf(s: ExecStatus): number | undefined {
  if (s.exitCode !== undefined) return s.exitCode;
  if (s.status === 'Success') return 0;
  const m = /exit (?:status|code) (\d+)/i.exec(s.message ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The program is not there: Go's LookPath (KWOK, runc: `executable file not found in $PATH`), or a shell's 127. */
export function isMissingProgram(s: ExecStatus, stderr: string): boolean {
  const text = `${s.message ?? ''}\n${stderr}`;
  if (/executable file not found|no such file or directory: unknown|not found in \$PATH/i.test(text)) return true;
  return exitStatusOf(s) === 127 && /not found/i.test(text);
}

/** Runs one program in the pod and collects its output (the first MiB of each stream). */
export async function runInPod(
  conn: KubeConnection,
  target: { namespace: string; pod: string; container?: string },
  argv: string[],
  signal?: AbortSignal,
): Promise<ProbeRun> {
  const stdout = new Collect();
  const stderr = new Collect();
  const { status } = await conn.exec({
    namespace: target.namespace,
    pod: target.pod,
    ...(target.container ? { container: target.container } : {}),
    command: argv,
    stdout,
    stderr,
    ...(signal ? { signal } : {}),
  });
  const run: ProbeRun = { argv, stdout: stdout.text(), stderr: stderr.text() };
  if (isMissingProgram(status, run.stderr)) {
    run.missing = true;
    return run;
  }
  const code = exitStatusOf(status);
  if (code !== undefined) run.exitCode = code;
  else if (status.status !== 'Success') run.failure = status.message ?? status.reason ?? 'the exec failed';
  return run;
}

export interface DebugPodOptions {
  namespace: string;
  image: string;
  /** How long to wait for the pod to run (default 60 s). */
  startTimeoutMs?: number;
  signal: AbortSignal;
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
  /** Called with the pod's name once it was created (for progress). */
  onCreated?(name: string): void;
}

/** The debug pod kdiag creates: one container that sleeps, deleted by kdiag, and by the kubelet after 10 minutes. */
export function debugPodManifest(namespace: string, name: string, image: string): Pod {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { ...MANAGED_BY, 'app.kubernetes.io/name': 'kdiag-dns-probe' },
      annotations: { 'kdiag.dev/purpose': 'kdiag dns --probe: a lookup from inside the cluster; deleted when it ends' },
    },
    spec: {
      containers: [{ name: 'probe', image, command: ['sleep', '600'] }],
      restartPolicy: 'Never',
      // If kdiag is killed before it can delete the pod, the kubelet ends it anyway.
      activeDeadlineSeconds: 600,
      terminationGracePeriodSeconds: 0,
      dnsPolicy: 'ClusterFirst',
      automountServiceAccountToken: false,
    },
  };
  // The shared Pod type does not carry every field of a manifest (command, restartPolicy, ...).
  return pod as unknown as Pod;
}

/**
 * A connection for cleanup that the Ctrl-C signal does not abort (the run's connection refuses every request once
 * it is aborted). Same kubeconfig, context and timeout.
 */
function cleanupConnection(conn: KubeConnection): KubeConnection {
  if (!(conn instanceof LiveKubeConnection)) return conn;
  const { signal: _signal, ...opts } = conn.transport.opts;
  return new LiveKubeConnection(new KubeTransport({ ...opts, requestTimeoutMs: opts.requestTimeoutMs || 30_000 }));
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 7).padEnd(5, '0');
}

/**
 * Creates a debug pod, waits until it runs, calls `work` with its name, and deletes the pod on every way out
 * (success, error, Ctrl-C/SIGTERM). A pod that does not run within the timeout is an error naming its state.
 */
export async function withDebugPod<T>(conn: KubeConnection, o: DebugPodOptions, work: (pod: string) => Promise<T>): Promise<T> {
  const name = `kdiag-dns-${randomSuffix()}`;
  await conn.create(R.pods, o.namespace, debugPodManifest(o.namespace, name, o.image));
  o.onCreated?.(name);
  try {
    await waitRunning(conn, o, name);
    return await work(name);
  } finally {
    await cleanupConnection(conn)
      .delete(R.pods, o.namespace, name, { gracePeriodSeconds: 0 })
      .catch(() => undefined);
  }
}

async function waitRunning(conn: KubeConnection, o: DebugPodOptions, name: string): Promise<void> {
  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  let last: Pod | undefined;
  for (;;) {
    if (o.signal.aborted) throw new InterruptedError(o.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
    const pods = await conn.reader.list<Pod>(R.pods, { namespace: o.namespace, fieldSelector: `metadata.name=${name}` });
    last = pods[0];
    const phase = last?.status?.phase;
    if (phase === 'Running' && last?.status?.containerStatuses?.some((c) => c.state?.running)) return;
    if (phase === 'Failed' || phase === 'Succeeded') break;
    if (Date.now() >= deadline) break;
    if (!(await o.sleep(500, o.signal))) continue;
  }
  const waiting = last?.status?.containerStatuses?.[0]?.state?.waiting;
  const why = waiting
    ? `${waiting.reason ?? 'waiting'}${waiting.message ? `: ${waiting.message}` : ''}`
    : (last?.status?.phase ?? 'not created');
  throw new ClusterAccessError(
    'probe-pod-not-running',
    `the probe pod ${o.namespace}/${name} did not start (${why})`,
    `check the image (${o.image}) can be pulled, or probe from a running pod with --from-pod POD`,
  );
}
