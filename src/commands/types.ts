import type { Command } from 'commander';
import type { Finding } from '../core/finding.js';
import type { Io } from '../ui/io.js';
import type { ClusterReader } from '../cluster/reader.js';
import type { KdiagConfig } from '../config-types.js';

/** Flags every command understands (kubectl's names). */
export interface GlobalOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  /** Per-request timeout in milliseconds (`--request-timeout`, default 30s; 0 means none, as kubectl). */
  requestTimeoutMs: number;
  debug: boolean;
  noColor: boolean;
  /** `--config FILE`, else `.kdiag.yaml` found upwards from the working folder. */
  config?: string;
}

/** What a command needs from the process, injected so tests can run commands in-process. */
export interface Context {
  io: Io;
  globals: GlobalOptions;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: long-running work must stop, clean up, and return. */
  signal: AbortSignal;
  /** The live cluster reader, created on first call (this is what loads @kubernetes/client-node). */
  cluster(): Promise<ClusterReader>;
  /** The `.kdiag.yaml` configuration (empty when there is none). */
  config(): Promise<KdiagConfig>;
  /** Progress on stderr: a spinner on a TTY, nothing otherwise. Returns a stop function. */
  progress(text: string): () => void;
  /** Prints a warning line on stderr. */
  warn(text: string): void;
}

export type Format = 'text' | 'wide' | 'json' | 'yaml' | 'sarif' | 'github' | 'markdown';

/** Rendering environment for text output. */
export interface RenderEnv {
  color: boolean;
  width: number;
  wide: boolean;
}

/**
 * What a command returns. `main.ts` writes it once to stdout in the format asked for; json and yaml come from
 * `document` (with `schemaVersion` put first), text and the other formats from the renderers the command gives.
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
  /** An exit status that wins over the findings' (e.g. `shell -- CMD`, `forward`). */
  exitCode?: number;
}

/** One command: a folder under src/commands with a `command.ts` exporting this. */
export interface CommandModule {
  name: string;
  summary: string;
  /** Shown under "Examples:" in `kdiag NAME --help`. */
  examples: string[];
  /** Declares the command's arguments and options on the commander sub-command. */
  configure(cmd: Command): void;
  /** The output formats the command accepts for `-o`; the first is the default. */
  formats: readonly Format[];
  run(args: string[], flags: Record<string, unknown>, ctx: Context): Promise<Outcome>;
}
