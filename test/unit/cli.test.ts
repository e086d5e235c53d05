import { runCli } from '../../src/cli.js';
import { colorFor } from '../../src/ui/io.js';
import { createTestIo } from '../helpers/io.js';

async function run(argv: string[], io = createTestIo()) {
  const code = await runCli(argv, { io, env: {}, cwd: process.cwd() });
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('kdiag CLI (global behaviour)', () => {
  it('prints help on stderr and exits 2 with no arguments', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('Usage: kdiag');
  });

  it('prints --help on stdout and exits 0, listing the exit statuses', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: kdiag');
    expect(r.out).toMatch(/3 +cluster access failed/);
  });

  it('exits 2 on an unknown command, with a suggestion and a one-line hint', async () => {
    const r = await run(['codez']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'codez'");
    expect(r.err).toContain('codes');
    expect(r.err).toContain("hint: see 'kdiag --help'");
    expect(r.out).toBe('');
  });

  it('exits 2 on an unknown flag and on a bad -o value', async () => {
    expect((await run(['codes', '--bogus'])).code).toBe(2);
    const r = await run(['codes', '-o', 'xml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are text, json, yaml, markdown/);
  });

  it('rejects a bad --request-timeout and a bad namespace with exit 2 and a hint', async () => {
    const t = await run(['svc', 'web', '--request-timeout', 'soon']);
    expect(t.code).toBe(2);
    expect(t.err).toBe('kdiag: invalid --request-timeout "soon"\nhint: use a duration such as 30s, 2m or 500ms (0 means no timeout)\n');
    const n = await run(['svc', 'web', '-n', 'My_App']);
    expect(n.code).toBe(2);
    expect(n.err).toContain('invalid namespace "My_App"');
  });

  it('puts schemaVersion first in JSON output', async () => {
    const r = await run(['codes', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(doc)[0]).toBe('schemaVersion');
    expect(doc.schemaVersion).toBe(1);
  });

  it('exits 2 on an unknown finding code, suggesting nothing it does not know', async () => {
    const r = await run(['codes', 'no-such-code']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('kdiag: unknown finding code "no-such-code"');
  });
});

describe('colour decisions', () => {
  it.each([
    [true, {}, false, true],
    [false, {}, false, false],
    [true, { NO_COLOR: '1' }, false, false],
    [true, { NO_COLOR: '' }, false, true],
    [false, { FORCE_COLOR: '1' }, false, true],
    [true, {}, true, false],
    [true, { TERM: 'dumb' }, false, false],
  ])('tty=%s env=%j --no-color=%s -> %s', (tty, env, flag, want) => {
    expect(colorFor(tty, env, flag)).toBe(want);
  });
});
