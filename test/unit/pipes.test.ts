import { COMMANDS } from '../../src/commands/index.js';
import { ensureBundle, runBundle } from '../helpers/bundle.js';

/**
 * Every command, run as a user would with stdout and stderr piped: no escape sequence may reach a pipe
 * (chalk, cli-table3 and ora all need to be told). FORCE_COLOR shows the check can fail.
 */
const SAMPLES: Record<string, string[]> = {
  svc: ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml'],
  audit: ['audit', '-A', '-f', 'examples/my-app.yaml', '-o', 'wide'],
  dns: ['dns', 'web', '-n', 'other', '-f', 'examples/dns.yaml'],
  lint: ['lint', 'test/fixtures/lint/types'],
  codes: ['codes'],
  route: ['route', 'http://shop.example.com/api', '-f', 'test/fixtures/route/shop.yaml'],
  // A forward runs until stopped: its sample is a usage error (exit 2, the message on stderr, nothing on stdout).
  forward: ['forward', 'svc/web', '8080:http:80'],
  // A shell needs a cluster: its sample is a usage error too (an interactive shell without a terminal).
  shell: ['shell', '-n', 'my-app'],
};
/** Samples whose run writes only to stderr (their --help still goes to stdout). */
const STDERR_ONLY = new Set(['forward', 'shell']);
const ESC = '\u001b';

describe('piped output carries no escape sequences', () => {
  beforeAll(() => ensureBundle());
  const env = { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color' } as unknown as NodeJS.ProcessEnv;

  it('has a sample for every registered command', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it.each(Object.entries(SAMPLES))('%s', (name, argv) => {
    for (const extra of [[], ['--help']]) {
      const r = runBundle([...argv, ...extra], { env });
      const written = STDERR_ONLY.has(name) && extra.length === 0 ? r.stderr : r.stdout;
      expect(written.length).toBeGreaterThan(0);
      expect(r.stdout.includes(ESC) || r.stderr.includes(ESC)).toBe(false);
    }
  });

  it('colours when FORCE_COLOR asks for it (so the check above can fail)', () => {
    const r = runBundle(SAMPLES.svc!, { env: { ...env, FORCE_COLOR: '1' } });
    expect(r.stdout).toContain(ESC);
  });

  it('an error on stderr is plain too', () => {
    const r = runBundle(['svc', 'web', '-f', 'no-such-file.yaml'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^kdiag: .+\nhint: .+\n$/);
    expect(r.stderr).not.toContain(ESC);
  });
});
