import { createCli, runCli, type CliDeps } from '../../src/cli.js';
import type { Clock, EventStream } from '../../src/commands/types.js';
import { COMMANDS } from '../../src/commands/index.js';
import { EXIT_STATUSES, exitStatusesOf } from '../../src/commands/exit-statuses.js';
import { createContext, missingPermissions } from '../../src/context.js';
import { ClusterAccessError, KdiagError } from '../../src/errors.js';
import { writeStream } from '../../src/writer.js';
import { tickerCommand } from '../fixtures/commands/ticker.js';
import { fakeClock } from '../helpers/context.js';
import { createTestIo } from '../helpers/io.js';

const ticker = createCli([tickerCommand]);

async function run(cli: typeof runCli, argv: string[], deps: Partial<CliDeps> = {}) {
  const io = createTestIo();
  const code = await cli(argv, { io, env: {}, cwd: process.cwd(), clock: fakeClock(), ...deps });
  return { code, out: io.stdout(), err: io.stderr() };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('a streaming command through the contract (test/fixtures/commands/ticker.ts)', () => {
  it('writes its events as text lines, one per event, on stdout only', async () => {
    const r = await run(ticker, ['ticker', 'svc/web', '-c', '3']);
    expect(r).toEqual({ code: 0, out: 'ticking svc/web 3 times\ntick 1/3\ntick 2/3\ntick 3/3\n', err: '' });
  });

  it('with -o json: one JSON object per line with schemaVersion, command, event, ts (Context clock) and target first', async () => {
    const r = await run(ticker, ['ticker', 'pod/a:80', '-c', '2', '--interval', '1500', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const d of docs) {
      expect(Object.keys(d).slice(0, 5)).toEqual(['schemaVersion', 'command', 'event', 'ts', 'target']);
      expect(d).toMatchObject({ schemaVersion: 1, command: 'ticker', target: 'pod/a:80' });
      expect(d.ts).toMatch(RFC3339);
    }
    expect(docs).toEqual([
      { schemaVersion: 1, command: 'ticker', event: 'start', ts: '2026-01-02T03:04:05.000Z', target: 'pod/a:80', count: 2 },
      // `data` cannot replace a fixed key (the fixture tries to with `event`).
      { schemaVersion: 1, command: 'ticker', event: 'tick', ts: '2026-01-02T03:04:06.500Z', target: 'pod/a:80', n: 1 },
      { schemaVersion: 1, command: 'ticker', event: 'tick', ts: '2026-01-02T03:04:08.000Z', target: 'pod/a:80', n: 2 },
    ]);
  });

  it('the callback form of `events` writes the same lines', async () => {
    for (const o of ['text', 'json']) {
      const a = await run(ticker, ['ticker', '-c', '3', '-o', o]);
      const b = await run(ticker, ['ticker', '-c', '3', '-o', o, '--emitter']);
      expect(b).toEqual(a);
    }
  });

  it.each([['iterable'], ['emitter']])('SIGINT stops the stream (%s); the exit status follows the module (0, as forward)', async (form) => {
    const controller = new AbortController();
    const base = fakeClock();
    let sleeps = 0;
    const clock: Clock = {
      now: base.now,
      sleep: async (ms, signal) => {
        if (++sleeps === 3) controller.abort('SIGINT');
        return base.sleep(ms, signal);
      },
    };
    const argv = ['ticker', '-c', '100', '-o', 'json', ...(form === 'emitter' ? ['--emitter'] : [])];
    const r = await run(ticker, argv, { signal: controller.signal, clock });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(
      r.out
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { event: string }).event),
    ).toEqual(['start', 'tick', 'tick']);
  });

  it('--fail-on applies to events that carry a severity', async () => {
    expect((await run(ticker, ['ticker', '-c', '1', '--severity', 'warning'])).code).toBe(0);
    expect((await run(ticker, ['ticker', '-c', '1', '--severity', 'warning', '--fail-on', 'warning'])).code).toBe(1);
    expect((await run(ticker, ['ticker', '-c', '1', '--severity', 'error', '--fail-on', 'none'])).code).toBe(0);
  });

  it('toOptions and validate errors are usage errors with the command’s help as hint when they have none', async () => {
    const r = await run(ticker, ['ticker', '-c', '5000']);
    expect(r).toEqual({ code: 2, out: '', err: "kdiag: --count is at most 1000\nhint: see 'kdiag ticker --help'\n" });
    const k = await run(ticker, ['ticker', '-c', '5000'], { programName: 'kubectl kdiag' });
    expect(k.err).toBe("kdiag: --count is at most 1000\nhint: see 'kubectl kdiag ticker --help'\n");
  });

  it('takes the cluster flags it opted into before or after its name, and rejects -A which it did not', async () => {
    expect((await run(ticker, ['-n', 'shop', 'ticker', '-c', '1'])).code).toBe(0);
    expect((await run(ticker, ['ticker', '-c', '1', '--context', 'x', '--cluster-domain', 'corp.example'])).code).toBe(0);
    const a = await run(ticker, ['-A', 'ticker']);
    expect(a).toEqual({ code: 2, out: '', err: "kdiag: ticker does not take -A/--all-namespaces\nhint: see 'kdiag ticker --help'\n" });
    expect((await run(ticker, ['ticker', '-A'])).code).toBe(2);
  });
});

describe('the writer’s default exit rules for a stream', () => {
  const stream = (events: string[]): EventStream => ({
    events: async (emit) => events.forEach((event) => emit({ event, target: '', text: event })),
  });
  const opts = (signal: AbortSignal) => ({ io: createTestIo(), command: 'x', format: 'text' as const, clock: fakeClock(), signal });

  it('130 after SIGINT, 143 after SIGTERM, 0 otherwise', async () => {
    for (const [reason, status] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const c = new AbortController();
      c.abort(reason);
      expect(await writeStream(stream(['a']), opts(c.signal))).toBe(status);
    }
    expect(await writeStream(stream(['a']), opts(new AbortController().signal))).toBe(0);
  });

  it('stops reading an iterable that ignores the signal, and lets it clean up', async () => {
    const c = new AbortController();
    let cleaned = false;
    async function* endless() {
      try {
        // Bounded, so that a writer that does not stop fails the test rather than hangs it.
        for (let n = 0; n < 1000; n++) {
          if (n === 2) c.abort('SIGINT');
          yield { event: 'e', target: '', text: String(n) };
        }
      } finally {
        cleaned = true;
      }
    }
    const o = opts(c.signal);
    expect(await writeStream({ events: endless() }, o)).toBe(130);
    expect(o.io.stdout()).toBe('0\n1\n2\n');
    expect(cleaned).toBe(true);
  });
});

describe('per-command flags', () => {
  it.each([
    [['codes', '--fail-on', 'error'], "kdiag: unknown option '--fail-on'"],
    [['codes', '-n', 'x'], "kdiag: unknown option '-n'"],
    [['codes', '--kubeconfig', 'k'], "kdiag: unknown option '--kubeconfig'"],
    [['-n', 'x', 'codes'], 'kdiag: codes does not take -n/--namespace'],
    [['--context', 'x', 'codes'], 'kdiag: codes does not take --context'],
  ])('kdiag codes rejects %j (exit 2, its own help as hint)', async (argv, first) => {
    const r = await run(runCli, argv);
    expect(r).toEqual({ code: 2, out: '', err: `${first}\nhint: see 'kdiag codes --help'\n` });
  });

  it('kdiag -n p svc open works as kdiag svc open -n p', async () => {
    const file = 'test/fixtures/svc/traffic.yaml'; // namespaces t and p
    const before = await run(runCli, ['-n', 'p', 'svc', 'open', '-f', file]);
    const after = await run(runCli, ['svc', 'open', '-n', 'p', '-f', file]);
    expect(before.out.split('\n')[0]).toBe('Service p/open');
    expect(before).toEqual(after);
    // Given both ways, the one after the name wins.
    expect(await run(runCli, ['-n', 't', 'svc', 'open', '-n', 'p', '-f', file])).toEqual(after);
    // The global flags work on both sides too.
    expect((await run(runCli, ['--debug', '--no-color', 'svc', 'open', '-n', 'p', '-f', file])).out).toBe(after.out);
    expect((await run(runCli, ['svc', 'open', '-n', 'p', '-f', file, '--no-color', '--debug'])).out).toBe(after.out);
  });

  it('validates -n and --cluster-domain before the command name too', async () => {
    expect((await run(runCli, ['-n', 'My_App', 'svc', 'web'])).err.split('\n')[0]).toBe('kdiag: invalid namespace "My_App"');
    const d = await run(runCli, ['svc', 'web', '--cluster-domain', 'Corp_Local', '-f', 'examples/my-app.yaml']);
    expect(d.code).toBe(2);
    expect(d.err.split('\n')[0]).toBe('kdiag: invalid --cluster-domain "Corp_Local"');
  });

  it('--cluster-domain reaches the options of svc and lint', () => {
    const svc = COMMANDS.find((c) => c.name === 'svc')!;
    const lint = COMMANDS.find((c) => c.name === 'lint')!;
    expect(svc.toOptions(['web'], { clusterDomain: 'corp.example' })).toEqual({ name: 'web', clusterDomain: 'corp.example' });
    expect(lint.toOptions([], { clusterDomain: 'corp.example' })).toMatchObject({ clusterDomain: 'corp.example' });
    expect(() => svc.toOptions(['web'], { clusterDomain: '-bad.example' })).toThrow(/invalid --cluster-domain/);
  });
});

describe('help, version and usage hints', () => {
  const helpOf = async (name: string) => (await run(runCli, [name, '--help'])).out;

  it("each command's --help lists only its own exit statuses", async () => {
    const codes = await helpOf('codes');
    expect(codes).toMatch(/Exit status:\n {2}0 {4}done\n {2}2 {4}usage error/);
    expect(codes).not.toMatch(/^ {2}(1|3|130|143) /m);
    expect(codes).not.toContain('--fail-on');
    expect(codes).not.toContain('--namespace');
    const svc = await helpOf('svc');
    expect(svc).toMatch(/^ {2}3 {4}cluster access failed/m);
    expect(svc).not.toMatch(/^ {2}0 {4}done/m);
    expect(svc).toContain('--cluster-domain <domain>');
    expect(await helpOf('lint')).toMatch(/^ {2}3 {4}with --cluster: cluster access failed/m);
    for (const mod of COMMANDS) {
      const help = await helpOf(mod.name);
      const statuses = [...help.matchAll(/^ {2}(\d+) {2,}\S/gm)].map((m) => Number(m[1]));
      expect(statuses).toEqual(exitStatusesOf(mod.name).map((r) => r.status));
    }
  });

  it('the exit-status table covers every command with 0 and 2, and names only registered commands', () => {
    const names = COMMANDS.map((c) => c.name);
    for (const row of EXIT_STATUSES) for (const c of row.commands) expect(names).toContain(c);
    for (const name of names) expect(exitStatusesOf(name).map((r) => r.status)).toEqual(expect.arrayContaining([0, 2]));
  });

  it('kdiag help COMMAND prints that command’s help, exit 0; kdiag help its own', async () => {
    for (const name of ['svc', 'lint', 'codes']) {
      const r = await run(runCli, ['help', name]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(await helpOf(name));
    }
    expect(await run(runCli, ['help', 'nosuch'])).toEqual({
      code: 2,
      out: '',
      err: "kdiag: unknown command 'nosuch'\nhint: see 'kdiag --help'\n",
    });
    const root = await run(runCli, ['help']);
    expect(root.code).toBe(0);
    expect(root.out).toBe((await run(runCli, ['--help'])).out);
  });

  it('kdiag version prints what --version prints', async () => {
    const v = await run(runCli, ['version']);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^\S+\n$/);
    expect(v.out).toBe((await run(runCli, ['--version'])).out);
  });

  it("a usage error in a command points to that command's help, as invoked", async () => {
    expect((await run(runCli, ['svc', '--bogus'])).err).toBe("kdiag: unknown option '--bogus'\nhint: see 'kdiag svc --help'\n");
    expect((await run(runCli, ['lint', '-o', 'xml'])).err).toMatch(/\nhint: see 'kdiag lint --help'\n$/);
    const pluginHelp = await run(runCli, ['svc', '--help'], { programName: 'kubectl kdiag' });
    expect(pluginHelp.out).toContain('\n  kubectl get svc,deploy,pods,endpointslices -n my-app -o yaml | kubectl kdiag svc web -f -\n');
    expect(pluginHelp.out).toMatch(/^Usage: kubectl kdiag svc /);
    const plugin = await run(runCli, ['svc', '--bogus'], { programName: 'kubectl kdiag' });
    expect(plugin.err).toBe("kdiag: unknown option '--bogus'\nhint: see 'kubectl kdiag svc --help'\n");
    // Hints built from the invocation, as given.
    const missing = await run(runCli, ['svc', '-n', 'shop', '-f', 'examples/my-app.yaml'], { programName: 'kubectl kdiag' });
    expect(missing.err).toBe(
      'kdiag: missing the Service NAME argument\nhint: kubectl kdiag svc NAME -n shop -f examples/my-app.yaml (the file holds no Service in namespace shop)\n',
    );
  });
});

describe('the Context', () => {
  const ctx = () =>
    createContext({
      io: createTestIo(),
      env: {},
      cwd: process.cwd(),
      signal: new AbortController().signal,
      globals: { requestTimeoutMs: 1000, debug: false, noColor: true },
      invocation: { program: 'kdiag', command: 'x' },
      onStop: () => {},
    });

  it('canI names every missing permission in one ClusterAccessError (exit 3)', async () => {
    const c = ctx();
    const asked: unknown[] = [];
    c.kube = async () =>
      ({
        canI: async (checks: { verb: string }[]) => {
          asked.push(...checks);
          return checks.map((ch) => ({ ...ch, allowed: ch.verb === 'get' }));
        },
      }) as never;
    const checks = [
      { verb: 'get', resource: 'pods', namespace: 'shop' },
      { verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'shop' },
      { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io' },
    ] as const;
    const err = await c.canI(checks).catch((e: unknown) => e);
    expect(asked).toHaveLength(3);
    expect(err).toBeInstanceOf(ClusterAccessError);
    expect(err).toMatchObject({
      exitCode: 3,
      message: 'not allowed to create pods/portforward in namespace shop; list endpointslices.discovery.k8s.io cluster-wide',
      hint: 'ask a cluster admin for these permissions (check with: kubectl auth can-i create pods --subresource=portforward -n shop)',
    });
    await expect(c.canI([checks[0]])).resolves.toBeUndefined();
    expect(missingPermissions([{ verb: 'delete', resource: 'pods', namespace: 'a', allowed: false }]).hint).toBe(
      'ask a cluster admin for this permission (check with: kubectl auth can-i delete pods -n a)',
    );
  });

  it('kube() loads the connection on first use, by the kubectl rules: no kubeconfig at all is exit 3, no localhost fallback', async () => {
    const err = await ctx()
      .kube()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KdiagError);
    expect(err).toMatchObject({ code: 'no-kubeconfig', exitCode: 3 });
  });

  it('the real clock: sleep resolves true after the time, false at once when aborted', async () => {
    const c = ctx();
    expect(await c.clock.sleep(1)).toBe(true);
    const a = new AbortController();
    const p = c.clock.sleep(60_000, a.signal);
    a.abort('SIGINT');
    expect(await p).toBe(false);
    expect(c.clock.now()).toBeInstanceOf(Date);
  });
});
