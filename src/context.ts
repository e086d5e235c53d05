import type { AccessCheck, AccessResult } from './cluster/kube-api.js';
import type { ClusterReader } from './cluster/reader.js';
import type { KubeConnection } from './cluster/kube-api.js';
import type { KubeAccessOptions } from './cluster/kube-reader.js';
import type { Clock, Context, GlobalOptions, Invocation } from './commands/types.js';
import { loadConfig } from './config-file.js';
import type { KdiagConfig } from './config-types.js';
import { ClusterAccessError } from './errors.js';
import type { Io } from './ui/io.js';
import { startSpinner } from './ui/spinner.js';

/** The real clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<boolean>((done) => {
      if (signal?.aborted) return done(false);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        done(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        done(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** What `createContext` needs: the process's parts and the parsed invocation. */
export interface ContextDeps {
  io: Io;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
  globals: GlobalOptions;
  invocation: Invocation;
  clock?: Clock;
  /** Receives every cleanup (spinners) the Context starts, to run on every way out. */
  onStop(stop: () => void): void;
}

/** Builds the one Context of an invocation. The cluster code is imported only when a command first asks for it. */
export function createContext(deps: ContextDeps): Context {
  const { globals, signal } = deps;
  const io: Io = globals.noColor ? { ...deps.io, colorOut: false, colorErr: false } : deps.io;
  let reader: Promise<ClusterReader> | undefined;
  let kube: Promise<KubeConnection> | undefined;
  let config: Promise<KdiagConfig> | undefined;
  const warn = (text: string) => void io.err.write(`${io.colorErr ? '\u001b[33mwarning:\u001b[39m' : 'warning:'} ${text}\n`);
  const accessOptions = (): KubeAccessOptions => ({
    kubeconfig: globals.kubeconfig,
    context: globals.context,
    namespace: globals.namespace,
    requestTimeoutMs: globals.requestTimeoutMs,
    env: deps.env,
    signal,
    debug: globals.debug ? (line) => void io.err.write(`debug: ${line}\n`) : undefined,
    warn,
  });
  const ctx: Context = {
    io,
    globals,
    cwd: deps.cwd,
    env: deps.env,
    signal,
    clock: deps.clock ?? systemClock,
    invocation: deps.invocation,
    warn,
    // One transport for reads, writes and streams: credentials (an exec plugin, say) are resolved once per run.
    cluster: () => (reader ??= ctx.kube().then((c) => c.reader)),
    kube: () => (kube ??= import('./cluster/kube-connection.js').then((m) => m.createKubeConnection(accessOptions()))),
    canI: async (checks) => {
      if (checks.length === 0) return;
      const results = await (await ctx.kube()).canI(checks);
      const denied = results.filter((r) => !r.allowed);
      if (denied.length > 0) throw missingPermissions(denied);
    },
    // config-file.ts imports the YAML parser only once a config file is found (itself is small, and loaded with
    // the CLI rather than as a chunk of its own: bundle files cost start-up time, scripts/build.mjs).
    config: () =>
      (config ??= loadConfig(deps.cwd, globals.config).then((c) => {
        for (const w of c.warnings ?? []) warn(w);
        return c;
      })),
    progress: (text) => {
      const stop = startSpinner(io, text);
      deps.onStop(stop);
      return stop;
    },
  };
  return ctx;
}

/** `create pods/portforward in namespace shop`, as kubectl auth can-i names them. */
export function describeAccess(c: AccessCheck): string {
  const resource = `${c.resource}${c.group ? `.${c.group}` : ''}${c.subresource ? `/${c.subresource}` : ''}${c.name ? ` ${c.name}` : ''}`;
  return `${c.verb} ${resource} ${c.namespace ? `in namespace ${c.namespace}` : 'cluster-wide'}`;
}

/** One error naming every permission that is missing (exit 3). */
export function missingPermissions(denied: readonly AccessResult[]): ClusterAccessError {
  const first = denied[0]!;
  const example = [
    'kubectl auth can-i',
    first.verb,
    `${first.resource}${first.group ? `.${first.group}` : ''}`,
    ...(first.subresource ? [`--subresource=${first.subresource}`] : []),
    ...(first.namespace ? ['-n', first.namespace] : []),
  ].join(' ');
  return new ClusterAccessError(
    'forbidden',
    `not allowed to ${denied.map(describeAccess).join('; ')}`,
    `ask a cluster admin for ${denied.length === 1 ? 'this permission' : 'these permissions'} (check with: ${example})`,
  );
}
