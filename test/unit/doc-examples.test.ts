import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectExampleRun, helpExamples, scanDocs } from '../helpers/doc-examples.js';
import { ensureBundle, ROOT, runBundle } from '../helpers/bundle.js';

// Every kdiag command the README, docs/ and `--help` show runs as written, and prints what the docs say it prints.
// Offline examples run here; live ones run in test/e2e/doc-examples.test.ts against the local cluster.
beforeAll(() => ensureBundle());

const scan = scanDocs(ROOT);

test('every block that shows a kdiag command carries a kdiag-example marker', () => {
  expect(scan.unmarked).toEqual([]);
  expect(scan.examples.filter((e) => e.mode === 'offline').length).toBeGreaterThanOrEqual(10);
});

test.each(scan.examples.filter((e) => e.mode === 'offline').map((e) => [e.where, e] as const))('%s', (_where, e) => {
  expectExampleRun(e, runBundle(e.args, { env: { NO_COLOR: '1' } }));
});

/** The commands `kdiag --help` lists. */
function commandNames(): string[] {
  const help = runBundle(['--help']).stdout;
  const at = help.indexOf('\nCommands:\n');
  return help
    .slice(at + '\nCommands:\n'.length)
    .split('\n')
    .filter((l) => /^ {2}[a-z]/.test(l))
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter((n) => n !== 'help' && n !== 'version');
}

/** A `--help` example runs offline when it reads a file, or is lint (without --cluster) or codes. */
function isOffline(args: string[]): boolean {
  const f = args.indexOf('-f');
  if (f >= 0) return existsSync(join(ROOT, args[f + 1] ?? ''));
  return (args[0] === 'lint' && !args.includes('--cluster')) || args[0] === 'codes';
}

test('every command has examples in its --help, and each offline one runs', () => {
  const names = commandNames();
  expect(names).toEqual(expect.arrayContaining(['svc', 'lint', 'codes']));
  for (const name of names) {
    const examples = helpExamples(runBundle([name, '--help']).stdout);
    expect({ name, count: examples.length > 0 }).toEqual({ name, count: true });
    for (const ex of examples) {
      if (!ex.args || !isOffline(ex.args)) continue;
      expectExampleRun({ where: `kdiag ${name} --help: ${ex.line}`, expected: [] }, runBundle(ex.args, { env: { NO_COLOR: '1' } }));
    }
  }
});
