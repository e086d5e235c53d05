import { atOrAbove, type Severity } from './core/finding.js';
import { ExitCode, UsageError } from './errors.js';
import type { Clock, CommandEvent, CommandResult, EventStream, Format, Outcome, RenderEnv } from './commands/types.js';
import type { Io } from './ui/io.js';

// The one writer: the only code that writes results to stdout. A report is rendered once; a stream's events are
// written as they come, as text lines or (with -o json) one JSON object per line.

export const SCHEMA_VERSION = 1;

/** True when a command returned a stream of events rather than a report. */
export function isEventStream(result: CommandResult): result is EventStream {
  return 'events' in result;
}

/**
 * A report as text in the format asked for: json and yaml from the document in the one envelope every command
 * shares (`{schemaVersion, command, ...}`), the rest from the command's renderers.
 */
export async function render(result: Outcome, format: Format, io: Pick<Io, 'colorOut' | 'width'>, command?: string): Promise<string> {
  if (format === 'json' || format === 'yaml') {
    const doc = { schemaVersion: SCHEMA_VERSION, ...(command !== undefined ? { command } : {}), ...result.document };
    if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
    // yaml is CommonJS: in the esbuild bundle its chunk has only a default export (Node's own loader also gives
    // named ones), so take stringify from the default, which both have. A value met twice is written twice, as
    // kubectl does, never as an anchor and alias.
    const yaml = await import('yaml');
    return yaml.default.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  }
  const renderer = format === 'wide' ? (result.renderers.wide ?? result.renderers.text) : result.renderers[format];
  if (!renderer) throw new UsageError(`output format "${format}" is not supported by this command`);
  const text = await renderer({ color: io.colorOut, width: io.width, wide: format === 'wide' });
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

/** The exit status of a report: its own, else 1 when a finding is at or above `failOn`, else 0. */
export function reportStatus(result: Outcome, failOn: Severity | 'none'): number {
  if (result.exitCode !== undefined) return result.exitCode;
  if (failOn === 'none') return ExitCode.Ok;
  const severities = result.severities ?? result.findings.map((f) => f.severity);
  return severities.some((s) => atOrAbove(s, failOn)) ? ExitCode.Findings : ExitCode.Ok;
}

/** Writes a report to stdout and returns the exit status. */
export async function writeReport(
  result: Outcome,
  opts: { io: Io; format: Format; failOn: Severity | 'none'; command: string },
): Promise<number> {
  opts.io.out.write(await render(result, opts.format, opts.io, opts.command));
  return reportStatus(result, opts.failOn);
}

/** What writing a stream needs. */
export interface StreamWriterOptions {
  io: Io;
  /** The command's name, in every JSON line. */
  command: string;
  format: Format;
  clock: Clock;
  signal: AbortSignal;
  /** `--fail-on`, when the command takes it. */
  failOn?: Severity | 'none';
}

/** One event as the line the writer prints (without the newline). */
export function eventLine(e: CommandEvent, opts: Pick<StreamWriterOptions, 'command' | 'format' | 'clock'>, env: RenderEnv): string {
  if (opts.format === 'json') {
    const fixed = {
      schemaVersion: SCHEMA_VERSION,
      command: opts.command,
      event: e.event,
      ts: opts.clock.now().toISOString(),
      target: e.target,
    };
    // The fixed keys come first and win over `data`'s (re-assigning a key keeps its place).
    return JSON.stringify(Object.assign({ ...fixed }, e.data, fixed));
  }
  if (opts.format !== 'text') throw new UsageError(`output format "${opts.format}" is not supported by a stream`);
  return typeof e.text === 'function' ? e.text(env) : e.text;
}

/** Writes a stream's events to stdout as they come; returns the exit status once it has ended (see `EventStream`). */
export async function writeStream(stream: EventStream, opts: StreamWriterOptions): Promise<number> {
  const env: RenderEnv = { color: opts.io.colorOut, width: opts.io.width, wide: false };
  const severities: Severity[] = [];
  const write = (e: CommandEvent) => {
    const line = eventLine(e, opts, env);
    if (e.severity) severities.push(e.severity);
    opts.io.out.write(`${line}\n`);
  };
  if (typeof stream.events === 'function') {
    await stream.events(write);
  } else {
    for await (const e of stream.events) {
      write(e);
      if (opts.signal.aborted) break; // ends the iterator (its finally blocks run)
    }
  }
  const reason: unknown = opts.signal.reason;
  const end = {
    ...(opts.signal.aborted ? { interrupted: reason === 'SIGTERM' ? ('SIGTERM' as const) : ('SIGINT' as const) } : {}),
    severities,
    ...(opts.failOn !== undefined ? { failOn: opts.failOn } : {}),
  };
  if (stream.exitStatus) return stream.exitStatus(end);
  if (end.interrupted) return end.interrupted === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted;
  const failOn = opts.failOn ?? 'none';
  return failOn !== 'none' && severities.some((s) => atOrAbove(s, failOn)) ? ExitCode.Findings : ExitCode.Ok;
}
