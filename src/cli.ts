import { setMaxListeners } from 'node:events';
import { Command, CommanderError } from 'commander';
import { ExitCode, KdiagError, UsageError } from './errors.js';
import { COMMANDS } from './commands/index.js';
import { exitStatusHelp } from './commands/exit-statuses.js';
import {
  ALL_NAMESPACES_FLAG,
  CLUSTER_FLAGS,
  addSharedFlags,
  allNamespacesOption,
  clusterOptions,
  globalOptions,
  parseShared,
} from './commands/shared-flags.js';
import type { Clock, CommandModule, CommandResult, Context, Flags, Format } from './commands/types.js';
import type { Severity } from './core/finding.js';
import { createContext } from './context.js';
import type { Io } from './ui/io.js';
import { VERSION } from './version.js';
import { isEventStream, writeReport, writeStream } from './writer.js';

/** What `runCli` needs from the process; tests pass their own. */
export interface CliDeps {
  io: Io;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
  /** `kubectl kdiag` when run as a kubectl plugin. */
  programName?: string;
  /** The Context's clock (default: the real one). */
  clock?: Clock;
  /**
   * Runs the command in a re-executed kdiag when it needs Node flags this process lacks (CommandModule.nodeFlags):
   * resolves the child's exit status, or undefined to run the command here. `debug` writes a --debug line. Only main.ts
   * passes it: in tests the command runs in-process.
   */
  reexec?: (flags: readonly string[], debug?: (line: string) => void) => Promise<number | undefined>;
}

/** A CLI over a list of command modules: parses argv, runs one command, writes its result; returns the exit status. */
export type Cli = (argv: string[], deps: CliDeps) => Promise<number>;

/**
 * Builds the CLI from a list of command modules (the registry, or a test's). The only place that turns errors into
 * exit statuses (main.ts just sets process.exitCode).
 */
export function createCli(modules: readonly CommandModule[]): Cli {
  return (argv, deps) => runCommands(modules, argv, deps);
}

/** kdiag: the registered commands (src/commands/index.ts). */
export const runCli: Cli = createCli(COMMANDS);

interface Pending {
  mod: CommandModule;
  result: CommandResult;
  format: Format;
  failOn: Severity | 'none';
  ctx: Context;
}

async function runCommands(modules: readonly CommandModule[], argv: string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  const programName = deps.programName ?? 'kdiag';
  const controller = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  // The run's one cancel signal has a listener per request in flight (audit keeps many, forward one per waiting
  // connection), each removed when its request ends: Node's "possible memory leak" warning at 11 does not apply.
  setMaxListeners(0, ...new Set([signal, controller.signal, ...(deps.signal ? [deps.signal] : [])]));
  const stops: (() => void)[] = [];
  const stopAll = () => {
    for (const stop of stops.splice(0)) stop();
  };
  let debug = argv.includes('--debug');
  let pending: Pending | undefined;
  /** The exit status of a re-executed kdiag that ran the command (CommandModule.nodeFlags). */
  let reexited: number | undefined;
  /** The command being run, once commander has dispatched to it (for the help hint of a usage error). */
  let active: CommandModule | undefined;

  const output = (helpOf: string) => ({
    writeOut: (s: string) => void io.out.write(s),
    writeErr: (s: string) => void io.err.write(s),
    outputError: (s: string, write: (s: string) => void) =>
      write(`kdiag: ${s.replace(/^error: /, '').trimEnd()}\nhint: see '${helpOf} --help'\n`),
  });

  const program = new Command(programName)
    .description('Diagnose Kubernetes networking: why a Service has no endpoints, hard-coded IPs, and more.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    // Options after a command's name are that command's: each command declares the shared flags it takes.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(output(programName))
    .addHelpText('after', exitStatusHelp());
  for (const o of globalOptions(false)) program.addOption(o);
  // The cluster flags (and -A) are also accepted before the command's name (`kdiag -n my-app svc web`): hidden here,
  // shown in the help of the commands that take them.
  for (const o of [...clusterOptions(false), allNamespacesOption()]) program.addOption(o.hideHelp());

  for (const mod of modules) {
    const helpOf = `${programName} ${mod.name}`;
    const cmd = program.command(mod.name).summary(mod.summary).description(mod.summary);
    mod.configure(cmd);
    addSharedFlags(cmd, mod.shared);
    cmd
      .configureHelp({ showGlobalOptions: true })
      .configureOutput(output(helpOf))
      .exitOverride()
      .showSuggestionAfterError(true)
      .addHelpText('after', commandHelp(mod, programName));
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      active = mod;
      const flags = mergeFlags(program, self, mod, helpOf);
      const shared = parseShared(flags, mod.shared);
      debug = shared.globals.debug;
      const ctx = createContext({
        io: deps.io,
        env: deps.env,
        cwd: deps.cwd,
        signal,
        globals: shared.globals,
        invocation: { program: programName, command: mod.name, ...(typeof flags.filename === 'string' ? { file: flags.filename } : {}) },
        ...(deps.clock ? { clock: deps.clock } : {}),
        onStop: (stop) => stops.push(stop),
      });
      const options = mod.toOptions(self.args, flags);
      await mod.validate?.(options);
      // Usage errors are reported above, by this process; the command itself may run in a re-executed one.
      if (mod.nodeFlags && deps.reexec) {
        reexited = await deps.reexec(mod.nodeFlags, debug ? (line) => void io.err.write(`debug: ${line}\n`) : undefined);
        if (reexited !== undefined) return;
      }
      pending = { mod, result: await mod.run(options, ctx), format: shared.format, failOn: shared.failOn, ctx };
    });
  }
  program
    .command('help')
    .argument('[command]', 'a command')
    .description('show the help of a command')
    .action((name: string | undefined) => {
      if (name === undefined) return program.outputHelp();
      const cmd = program.commands.find((c) => c.name() === name);
      if (!cmd) throw new UsageError(`unknown command '${name}'`, `see '${programName} --help'`);
      cmd.outputHelp(); // with its examples and exit statuses, on stdout
    });
  program
    .command('version')
    .description('print the version (as --version)')
    .action(() => void io.out.write(`${VERSION}\n`));

  try {
    if (argv.length === 0) {
      io.err.write(program.helpInformation());
      return ExitCode.Usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    if (reexited !== undefined) return reexited;
    if (!pending) return ExitCode.Ok;
    const { mod, result, format, failOn, ctx } = pending;
    if (isEventStream(result)) {
      return await writeStream(result, {
        io: ctx.io,
        command: mod.name,
        format,
        clock: ctx.clock,
        signal,
        ...(mod.shared.failOn ? { failOn } : {}),
      });
    }
    stopAll();
    return await writeReport(result, { io: ctx.io, format, failOn, command: mod.name });
  } catch (e) {
    stopAll();
    return reportError(e, io, debug, active, programName);
  } finally {
    stopAll();
    controller.abort();
  }
}

/** "Examples:" (as invoked: `kubectl kdiag svc ...` for the plugin) and the command's own rows of the exit-status table. */
function commandHelp(mod: CommandModule, programName: string): string {
  const asInvoked = (e: string) => e.replace(/(^|\| )kdiag /g, `$1${programName} `);
  const examples = mod.examples.length > 0 ? `\nExamples:\n${mod.examples.map((e) => `  ${asInvoked(e)}`).join('\n')}\n` : '';
  return `${examples}${exitStatusHelp(mod.name)}`;
}

/**
 * The command's flags with the shared ones given before its name (`kdiag -n NS svc`) filled in; those given after it
 * win. A shared flag before the name of a command that does not take it is a usage error.
 */
function mergeFlags(program: Command, cmd: Command, mod: CommandModule, helpOf: string): Flags {
  const flags: Record<string, unknown> = { ...cmd.opts() };
  const before = program.opts();
  const take = (key: string) => {
    if (program.getOptionValueSource(key) !== 'cli') return;
    if (cmd.getOptionValueSource(key) !== 'cli') flags[key] = before[key];
  };
  for (const [key, name] of Object.entries({ ...CLUSTER_FLAGS, ...ALL_NAMESPACES_FLAG })) {
    if (program.getOptionValueSource(key) !== 'cli') continue;
    const takes = key in ALL_NAMESPACES_FLAG ? mod.shared.allNamespaces : mod.shared.cluster;
    if (!takes) throw new UsageError(`${mod.name} does not take ${name}`, `see '${helpOf} --help'`);
    take(key);
  }
  for (const key of ['config', 'debug']) take(key);
  if (before.color === false) flags.color = false;
  return flags;
}

/** Prints `kdiag: message` and `hint: ...` on stderr (stack only with --debug) and returns the exit status. */
export function reportError(e: unknown, io: Io, debug: boolean, mod?: CommandModule, programName = 'kdiag'): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    return ExitCode.Usage; // commander already printed its message through outputError
  }
  if (e instanceof KdiagError) {
    io.err.write(`kdiag: ${e.message}\n`);
    const hint = e.hint ?? (e instanceof UsageError && mod ? `see '${programName} ${mod.name} --help'` : undefined);
    if (hint) io.err.write(`hint: ${hint}\n`);
    if (debug && e.stack) io.err.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.err.write(`kdiag: internal error: ${err.message.split('\n')[0]}\n`);
  io.err.write(debug ? `${err.stack ?? ''}\n` : 'hint: this is a bug in kdiag; rerun with --debug and report it with the output\n');
  return ExitCode.Findings;
}
