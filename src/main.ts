import { basename } from 'node:path';
import { runCli } from './cli.js';
import { processIo } from './ui/io.js';

/**
 * The process boundary: streams, signals and the exit status. SIGINT/SIGTERM abort the running command, which
 * cleans up and returns; a second signal exits at once.
 */
const controller = new AbortController();
let signalled: NodeJS.Signals | undefined;
// SIGHUP (the terminal closed) too: kdiag shell must delete its pod then as well.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (signalled) process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
    signalled = sig;
    controller.abort(sig);
  });
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
});
process.exitCode = code;
// Exit once the output is flushed, even if something still holds the event loop (a credential plugin that never
// answered, a socket the server keeps open): the command is done, and a CLI must not hang after its answer.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
