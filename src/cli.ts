import { Command, CommanderError, Option } from 'commander';
import type { KdiagConfig } from './config-types.js';
import { atOrAbove, SEVERITIES, type Severity } from './core/finding.js';
import { parseDuration } from './core/duration.js';
import { ExitCode, KdiagError, UsageError } from './errors.js';
import { COMMANDS } from './commands/index.js';
import type { Context, Format, GlobalOptions, Outcome } from './commands/types.js';
import type { ClusterReader } from './cluster/reader.js';
import type { Io } from './ui/io.js';
import { VERSION } from './version.js';

/** What `runCli` needs from the process; tests pass their own. */
export interface CliDeps {
  io: Io;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
  /** `kubectl kdiag` when run as a kubectl plugin. */
  programName?: string;
}

export const SCHEMA_VERSION = 1;

const EXIT_HELP = `
Exit status:
  0    no finding at or above --fail-on (default: error)
  1    a finding at or above --fail-on (JSON output is still complete)
  2    usage or input error (unknown flag, missing argument, unreadable -f file)
  3    cluster access failed (no kubeconfig, unknown context, unreachable, TLS, 401, 403 on a required read)
  130  interrupted (SIGINT); 143 terminated (SIGTERM)`;

/**
 * Parses argv, runs one command and writes its result to stdout; returns the exit status. The only place
 * that turns errors into exit statuses (main.ts just sets process.exitCode).
 */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  let outcome: { result: Outcome; format: Format; failOn: Severity | 'none' } | undefined;
  const controller = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  let stops: (() => void)[] = [];
  let debug = false;

  const program = new Command(deps.programName ?? 'kdiag')
    .description('Diagnose Kubernetes networking: why a Service has no endpoints, hard-coded IPs, and more.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpCommand(false)
    .option('-n, --namespace <namespace>', "namespace (default: the context's namespace, else default)")
    .option('--context <name>', 'kubeconfig context to use')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)')
    .option('--request-timeout <duration>', 'timeout of each API request, e.g. 10s, 1m; 0 means none', '30s')
    .option('--config <file>', 'kdiag config file (default: .kdiag.yaml in this folder or a parent)')
    .option('--no-color', 'never colour the output (NO_COLOR works too)')
    .option('--debug', 'log API requests and show stack traces on errors')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      outputError: (s, write) =>
        write(`kdiag: ${s.replace(/^error: /, '').trimEnd()}\nhint: see '${deps.programName ?? 'kdiag'} --help'\n`),
    })
    .addHelpText('after', EXIT_HELP);

  for (const mod of COMMANDS) {
    const cmd = program.command(mod.name).summary(mod.summary).description(mod.summary).configureHelp({ showGlobalOptions: true });
    mod.configure(cmd);
    cmd
      .addOption(new Option('-o, --output <format>', 'output format').choices([...mod.formats]).default(mod.formats[0]))
      .addOption(
        new Option('--fail-on <severity>', 'lowest severity that makes the exit status 1')
          .choices([...SEVERITIES, 'none'])
          .default('error'),
      )
      .exitOverride()
      .showSuggestionAfterError(true);
    if (mod.examples.length > 0) cmd.addHelpText('after', `\nExamples:\n${mod.examples.map((e) => `  ${e}`).join('\n')}\n${EXIT_HELP}`);
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      const flags = self.opts<Record<string, unknown>>();
      const g = self.optsWithGlobals<Record<string, unknown>>();
      const globals = toGlobals(g);
      debug = globals.debug;
      const ctx = makeContext(deps, globals, signal, (stop) => stops.push(stop));
      const result = await mod.run(self.args, flags, ctx);
      outcome = { result, format: flags.output as Format, failOn: flags.failOn as Severity | 'none' };
    });
  }

  try {
    debug = argv.includes('--debug');
    if (argv.length === 0) {
      io.err.write(program.helpInformation());
      return ExitCode.Usage;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    return reportError(e, io, debug);
  } finally {
    for (const stop of stops) stop();
    stops = [];
    controller.abort();
  }
  if (!outcome) return ExitCode.Ok;
  const { result, format, failOn } = outcome;
  try {
    io.out.write(await render(result, format, io));
  } catch (e) {
    return reportError(e, io, debug);
  }
  if (result.exitCode !== undefined) return result.exitCode;
  if (failOn === 'none') return ExitCode.Ok;
  const severities = result.severities ?? result.findings.map((f) => f.severity);
  return severities.some((s) => atOrAbove(s, failOn)) ? ExitCode.Findings : ExitCode.Ok;
}

/** The one writer: json and yaml from the document, everything else from the command's renderers. */
export async function render(result: Outcome, format: Format, io: Pick<Io, 'colorOut' | 'width'>): Promise<string> {
  if (format === 'json' || format === 'yaml') {
    const doc = { schemaVersion: SCHEMA_VERSION, ...result.document };
    if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
    // yaml is CommonJS: in the esbuild bundle its chunk has only a default export (Node's own loader also gives
    // named ones), so take stringify from the default, which both have.
    const yaml = await import('yaml');
    return yaml.default.stringify(doc, { lineWidth: 0 });
  }
  const renderer = format === 'wide' ? (result.renderers.wide ?? result.renderers.text) : result.renderers[format];
  if (!renderer) throw new UsageError(`output format "${format}" is not supported by this command`);
  const text = await renderer({ color: io.colorOut, width: io.width, wide: format === 'wide' });
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

function toGlobals(g: Record<string, unknown>): GlobalOptions {
  const raw = String(g.requestTimeout ?? '30s');
  const ms = parseDuration(raw);
  if (ms === undefined) {
    throw new UsageError(`invalid --request-timeout "${raw}"`, 'use a duration such as 30s, 2m or 500ms (0 means no timeout)');
  }
  const ns = g.namespace as string | undefined;
  if (ns !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) {
    throw new UsageError(`invalid namespace "${ns}"`, 'namespace names are lower-case letters, digits and "-" (RFC 1123)');
  }
  return {
    namespace: ns,
    context: g.context as string | undefined,
    kubeconfig: g.kubeconfig as string | undefined,
    requestTimeoutMs: ms,
    debug: Boolean(g.debug),
    noColor: g.color === false,
    config: g.config as string | undefined,
  };
}

function makeContext(deps: CliDeps, globals: GlobalOptions, signal: AbortSignal, onStop: (stop: () => void) => void): Context {
  const io: Io = globals.noColor ? { ...deps.io, colorOut: false, colorErr: false } : deps.io;
  let reader: Promise<ClusterReader> | undefined;
  let config: Promise<KdiagConfig> | undefined;
  const warn = (text: string) => io.err.write(`${io.colorErr ? '\u001b[33mwarning:\u001b[39m' : 'warning:'} ${text}\n`);
  return {
    io,
    globals,
    cwd: deps.cwd,
    env: deps.env,
    signal,
    warn,
    cluster: () => {
      reader ??= import('./cluster/kube-reader.js').then((m) =>
        m.createKubeReader({
          kubeconfig: globals.kubeconfig,
          context: globals.context,
          namespace: globals.namespace,
          requestTimeoutMs: globals.requestTimeoutMs,
          env: deps.env,
          signal,
          debug: globals.debug ? (line) => io.err.write(`debug: ${line}\n`) : undefined,
          warn,
        }),
      );
      return reader;
    },
    // config-file.ts imports the YAML parser only once a config file is found.
    config: () => (config ??= import('./config-file.js').then((m) => m.loadConfig(deps.cwd, globals.config))),
    progress: (text: string) => {
      if (!io.errIsTTY || !io.colorErr) return () => {};
      let stopped = false;
      let spinner: { stop(): void } | undefined;
      // A spinner is decoration: if it cannot load or start, the command goes on without it.
      void import('ora')
        .then(({ default: ora }) => {
          if (!stopped) spinner = ora({ text, stream: io.err as NodeJS.WritableStream & { isTTY?: boolean } }).start();
        })
        .catch(() => undefined);
      const stop = () => {
        stopped = true;
        spinner?.stop();
      };
      onStop(stop);
      return stop;
    },
  };
}

/** Prints `kdiag: message` and `hint: ...` on stderr (stack only with --debug) and returns the exit status. */
export function reportError(e: unknown, io: Io, debug: boolean): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    return ExitCode.Usage; // commander already printed its message through outputError
  }
  if (e instanceof KdiagError) {
    io.err.write(`kdiag: ${e.message}\n`);
    if (e.hint) io.err.write(`hint: ${e.hint}\n`);
    if (debug && e.stack) io.err.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.err.write(`kdiag: internal error: ${err.message.split('\n')[0]}\n`);
  io.err.write(debug ? `${err.stack ?? ''}\n` : 'hint: this is a bug in kdiag; rerun with --debug and report it with the output\n');
  return ExitCode.Findings;
}
