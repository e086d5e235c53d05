// First: V8 flags that must be set before the rest of the bundle loads (see start-flags.ts).
import './start.js';
import { basename } from 'node:path';
import { runCli } from './cli.js';
import { flagsToAdd, isReexecChild, isSignalMessage, respawn, SignalCounter, type ReexecMessage, type Respawned } from './respawn.js';
import { processIo } from './ui/io.js';

/**
 * The process boundary: streams, signals and the exit status. SIGINT/SIGTERM abort the running command, which
 * cleans up and returns; a second signal exits at once. A command that needs Node flags this process lacks runs in a
 * re-executed child (src/respawn.ts): this process then only relays its signals and exits with the child's status.
 */
const controller = new AbortController();
let signalled: NodeJS.Signals | undefined;
/** The re-executed child that runs the command, while it runs. */
let child: Respawned | undefined;
const stop = (sig: NodeJS.Signals) => {
  if (signalled) process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
  signalled = sig;
  controller.abort(sig);
};
// A re-executed child gets a terminal's signals twice (directly and relayed by its parent): each counts once.
const reexecChild = isReexecChild(process.env, process.ppid, process.channel !== undefined);
const counter = reexecChild ? new SignalCounter() : undefined;
// SIGHUP (the terminal closed) too: kdiag shell must delete its pod then as well.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (child) return child.relay(sig);
    if (counter && !counter.count('direct')) return;
    stop(sig);
  });
}
if (reexecChild) {
  process.on('message', (m: unknown) => {
    if (isSignalMessage(m) && counter!.count('relayed')) stop(m.kdiagSignal);
  });
  // The parent is gone (killed): nobody waits for this process any more, so it stops as when the terminal closes.
  process.on('disconnect', () => {
    if (!signalled) stop('SIGHUP');
  });
  process.send!({ kdiagReady: true } satisfies ReexecMessage);
  // The channel must not keep the process alive by itself.
  process.channel!.unref();
}
// Writing to a closed pipe (`kdiag ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const argv = process.argv.slice(2);
const plugin = basename(process.argv[1] ?? '').startsWith('kubectl-kdiag');
const noColor = argv.includes('--no-color');
const code = await runCli(argv, {
  io: processIo(noColor),
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  programName: plugin ? 'kubectl kdiag' : 'kdiag',
  reexec: async (flags, debug) => {
    const add = flagsToAdd(flags, process.execArgv, process.env);
    if (add.length === 0 || signalled) {
      debug?.(
        `pid ${process.pid} runs with node flags: ${process.execArgv.join(' ') || '(none)'}${reexecChild ? ` (re-executed by pid ${process.ppid})` : ''}`,
      );
      return undefined;
    }
    debug?.(`re-executing node with ${add.join(' ')}`);
    const r = await respawn(add);
    child = r;
    if (!(await r.started)) {
      child = undefined;
      debug?.(`could not re-execute node (${process.execPath}): running without ${add.join(' ')}`);
      return undefined;
    }
    return r.exited;
  },
});
process.exitCode = code;
// Exit once the output is flushed, even if something still holds the event loop (a credential plugin that never
// answered, a socket the server keeps open): the command is done, and a CLI must not hang after its answer.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
