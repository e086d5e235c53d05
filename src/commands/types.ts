import type { Command } from 'commander';
import type { Finding, Severity } from '../core/finding.js';
import type { Io } from '../ui/io.js';
import type { ClusterReader } from '../cluster/reader.js';
import type { AccessCheck, KubeConnection } from '../cluster/kube-api.js';
import type { KdiagConfig } from '../config-types.js';
import type { Invocation } from '../core/invocation.js';
import type { RenderEnv } from '../output/render-env.js';

// The command contract. A command is a folder under src/commands whose `command.ts` exports a `CommandModule`:
// its own flags, the shared flag groups it takes, a pure `toOptions`, an optional `validate`, and `run`. `run`
// returns a report (written once) or a stream of events (written as they come); only the writer touches stdout.

/**
 * The parsed shared flags: the global ones (`--config`, `--no-color`, `--debug`) and, for commands that take the
 * cluster group, kubectl's cluster flags. A command without the cluster group sees the defaults.
 */
export interface GlobalOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  /** Per-request timeout in milliseconds (`--request-timeout`, default 30s; 0 means none, as kubectl). */
  requestTimeoutMs: number;
  /** `--cluster-domain`: the cluster's DNS domain; unset means cluster.local. */
  clusterDomain?: string;
  /** `-A, --all-namespaces`, for commands that span namespaces. */
  allNamespaces?: boolean;
  debug: boolean;
  noColor: boolean;
  /** `--config FILE`, else `.kdiag.yaml` found upwards from the working folder. */
  config?: string;
}

/** Time as commands see it: injected so tests (and streams) run on a fake clock. */
export interface Clock {
  now(): Date;
  /** Resolves true after `ms`, or false as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** How kdiag was invoked (program, command, `-f FILE`), so hints repeat the command as the user typed it. */
export type { Invocation } from '../core/invocation.js';

/** What a command needs from the process, injected so tests can run commands in-process. Built in src/context.ts. */
export interface Context {
  io: Io;
  globals: GlobalOptions;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM (the reason is the signal's name): long-running work must stop, clean up, and return. */
  signal: AbortSignal;
  clock: Clock;
  invocation: Invocation;
  /** The live read-only cluster reader, created on first call (this is what loads the cluster code). */
  cluster(): Promise<ClusterReader>;
  /** The live connection (writes, port-forward, exec, watch), created on first call. */
  kube(): Promise<KubeConnection>;
  /**
   * Asks the API server for every permission in `checks` and throws one ClusterAccessError (exit 3) naming each
   * missing verb, resource, subresource and namespace; resolves when all are allowed.
   */
  canI(checks: readonly AccessCheck[]): Promise<void>;
  /** The `.kdiag.yaml` configuration (empty when there is none). */
  config(): Promise<KdiagConfig>;
  /** Progress on stderr: a spinner on a colour TTY, nothing otherwise. Returns a stop function (also called at exit). */
  progress(text: string): () => void;
  /** Prints a warning line on stderr. */
  warn(text: string): void;
}

export type Format = 'text' | 'wide' | 'json' | 'yaml' | 'sarif' | 'github' | 'markdown';

/** Rendering environment for text output. */
export type { RenderEnv } from '../output/render-env.js';

/**
 * A report: what a one-shot command returns. The writer prints it once to stdout in the format asked for; json and
 * yaml come from `document` (with `schemaVersion` put first), text and the other formats from the renderers.
 */
export interface Outcome {
  document: Record<string, unknown>;
  findings: readonly Finding[];
  /**
   * The findings' severities, when a command can give them more cheaply than `findings` (which it may then build
   * only when read): the exit status needs no more.
   */
  severities?: readonly Finding['severity'][];
  /** A renderer may be async, so that what only it needs (chalk, cli-table3, ...) is imported when it runs. */
  renderers: Partial<Record<Exclude<Format, 'json' | 'yaml'>, (env: RenderEnv) => string | Promise<string>>>;
  /** An exit status that wins over the findings'. */
  exitCode?: number;
}

/**
 * One event of a streaming command. With `-o json` the writer prints one JSON object per line:
 * `{schemaVersion, command, event, ts, target, ...data}` (`ts` from the Context clock, RFC 3339); as text, `text`.
 */
export interface CommandEvent {
  /** What happened, e.g. `ready`, `connection`, `reconnecting`. */
  event: string;
  /** What it happened to, e.g. `svc/web` or `pod/web-1:8080`; '' when nothing in particular. */
  target: string;
  /** The text line (no newline); a function when it depends on colour or width. */
  text: string | ((env: RenderEnv) => string);
  /** More fields for `-o json`, after the fixed ones (which they cannot replace). */
  data?: Record<string, unknown>;
  /** A severity that counts for `--fail-on`, when the event is a finding. */
  severity?: Severity;
}

/** How a stream ended, for its exit status. */
export interface StreamEnd {
  /** Set when the stream stopped because of SIGINT or SIGTERM. */
  interrupted?: 'SIGINT' | 'SIGTERM';
  /** The severities of the events that had one. */
  severities: readonly Severity[];
  /** `--fail-on`, when the command takes it. */
  failOn?: Severity | 'none';
}

/** What a long-running command returns: events the writer renders as they come. */
export interface EventStream {
  /**
   * The events: an async iterable (it must end when the Context's signal aborts), or a function that emits them
   * through `emit` and resolves when done.
   */
  events: AsyncIterable<CommandEvent> | ((emit: (event: CommandEvent) => void) => Promise<void>);
  /**
   * The exit status once the stream has ended. Default: 130/143 when interrupted, else 1 when an event's severity is
   * at or above `--fail-on`, else 0. Each status must have a row in src/commands/exit-statuses.ts.
   */
  exitStatus?(end: StreamEnd): number;
}

/** What `run` returns: a report, or a stream of events. */
export type CommandResult = Outcome | EventStream;

/** The shared flag groups a command opts into; everything else it declares itself in `configure`. */
export interface SharedFlags {
  /** `-o, --output`: the formats accepted, the first being the default. Without it, text only. */
  output?: readonly Format[];
  /** `--fail-on SEVERITY` (default error): the lowest severity that makes the exit status 1. */
  failOn?: boolean;
  /**
   * `-n/--namespace`, `--context`, `--kubeconfig`, `--request-timeout`, `--cluster-domain`; accepted before or after
   * the command's name.
   */
  cluster?: boolean;
  /** `-A, --all-namespaces`, for a command that spans namespaces. */
  allNamespaces?: boolean;
}

/** Commander's parsed flags (camelCase keys), the command's own and the shared ones wherever they were given. */
export type Flags = Readonly<Record<string, unknown>>;

/**
 * One command: a folder under src/commands with a `command.ts` exporting this, listed in src/commands/index.ts.
 * `O` is its options type, `R` what `run` returns (`Outcome` for a report, `EventStream` for a stream).
 */
export interface CommandModule<O = unknown, R extends CommandResult = CommandResult> {
  name: string;
  summary: string;
  /** Shown under "Examples:" in `kdiag NAME --help`. */
  examples: readonly string[];
  /** The shared flag groups the command takes. */
  shared: SharedFlags;
  /** Declares the command's own arguments and options on the commander sub-command. */
  configure(cmd: Command): void;
  /** Pure: arguments and flags to options; throws UsageError (exit 2). Keep it cheap: it runs for every invocation. */
  toOptions(args: readonly string[], flags: Flags): O;
  /** Checks that need more than the flags' syntax (may import lazily); throws UsageError. */
  validate?(options: O): void | Promise<void>;
  /** Does the work. Import the implementation lazily here, so `--help` and other commands never parse it. */
  run(options: O, ctx: Context): Promise<R>;
  /**
   * Node flags the process that runs the command should have, for V8 settings fixed at start-up: when run as the CLI
   * without them, kdiag re-executes itself with them once the options are valid (src/respawn.ts).
   */
  nodeFlags?: readonly string[];
}
