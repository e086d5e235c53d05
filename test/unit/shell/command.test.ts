// kdiag shell's flags and its I/O shell in-process: runShell with a hand-made Context and a fake KubeConnection
// (pods in memory), for the paths the live cluster cannot produce on demand: admission answers, a delete that keeps
// failing, a broken exec stream.
import { PassThrough } from 'node:stream';
import type { AccessCheck, AccessResult, ExecOptions, ExecResult, KubeConnection, ObserveEvent } from '../../../src/cluster/kube-api.js';
import type { ClusterReader, Resource } from '../../../src/cluster/reader.js';
import { toShellOptions, type ShellOptions } from '../../../src/commands/shell/options.js';
import { runShell } from '../../../src/commands/shell/run.js';
import type { Context } from '../../../src/commands/types.js';
import type { KubeObject, Pod } from '../../../src/core/k8s/types.js';
import { ClusterAccessError, KdiagError, UsageError } from '../../../src/errors.js';
import { contextDefaults } from '../../helpers/context.js';
import { createTestIo, type TestIo } from '../../helpers/io.js';

describe('kdiag shell flags', () => {
  test('defaults and the command after --', () => {
    const o = toShellOptions(['curl', '-sS', 'http://web'], {});
    expect(o).toMatchObject({
      mode: 'pod',
      command: ['curl', '-sS', 'http://web'],
      deadlineSeconds: 3600,
      startTimeoutMs: 120_000,
      staleAfterMs: 120_000,
    });
    expect(toShellOptions([], { gc: true, allNamespaces: true, staleAfter: '1s', output: 'json' })).toMatchObject({
      mode: 'gc',
      allNamespaces: true,
      staleAfterMs: 1000,
      format: 'json',
    });
    expect(toShellOptions([], { ephemeral: 'pod/web-0', target: 'app' })).toMatchObject({
      mode: 'ephemeral',
      ephemeral: 'web-0',
      target: 'app',
    });
    expect(toShellOptions([], { near: 'po/web-0' }).near).toBe('web-0');
  });
  test.each([
    [{ near: 'a', node: 'b' }, [], /--near and --node/],
    [{ target: 'app' }, [], /--target needs --ephemeral/],
    [{ staleAfter: '1s' }, [], /--stale-after needs --gc/],
    [{ allNamespaces: true }, [], /needs --gc/],
    [{ output: 'json' }, [], /-o json is for --gc/],
    [{ deadline: 'soon' }, [], /invalid --deadline/],
    [{ profile: 'root' }, [], /unknown --profile/],
    [{ gc: true }, ['ls'], /--gc takes only/],
    [{ near: 'svc/web' }, [], /--near: .*Service/],
    [{}, ['/usr/bin/curl'], /is a path/],
  ] as const)('%j %j is a usage error', (flags, args, msg) => {
    expect(() => toShellOptions(args, flags)).toThrow(UsageError);
    expect(() => toShellOptions(args, flags)).toThrow(msg);
  });
});

/** Pods in memory; what the fake API server answers is set per test. */
class FakeConn implements KubeConnection {
  pods = new Map<string, Pod>();
  created: Pod[] = [];
  dryRuns: Pod[] = [];
  deletes = 0;
  denied: string[] = [];
  admit: (pod: Pod) => string | undefined = () => undefined;
  deleteFails = 0;
  execResult: ExecResult = { status: { status: 'Success', exitCode: 0 }, protocol: 'v5.channel.k8s.io' };
  execs: ExecOptions[] = [];
  reader = {
    source: 'live',
    defaultNamespace: 'default',
    requestCount: 0,
    get: async <T extends KubeObject>(_r: Resource, _ns: string | undefined, name: string) => this.pods.get(name) as T | undefined,
    list: async () => [],
    tryList: async () => ({ ok: true as const, items: [] }),
  } as ClusterReader;
  async serverTime() {
    return new Date('2026-01-02T03:04:05Z');
  }
  async canI(checks: readonly AccessCheck[]): Promise<AccessResult[]> {
    return checks.map((c) => ({
      ...c,
      allowed: !this.denied.includes(`${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''}`),
    }));
  }
  async create<T extends KubeObject>(_r: Resource, _ns: string | undefined, body: T, opts: { dryRun?: boolean } = {}): Promise<T> {
    const why = this.admit(body as unknown as Pod);
    if (why) throw new ClusterAccessError('forbidden', `forbidden: cannot create pods in namespace "shop" (${why})`);
    if (opts.dryRun) this.dryRuns.push(body as unknown as Pod);
    else {
      this.created.push(body as unknown as Pod);
      this.pods.set(body.metadata.name, {
        ...(body as unknown as Pod),
        status: { phase: 'Running', containerStatuses: [{ name: 'shell', ready: true, state: { running: {} } }] },
      });
    }
    return body;
  }
  patches: unknown[] = [];
  async patch<T extends KubeObject>(_r: Resource, _ns: string | undefined, _name: string, body: unknown): Promise<T> {
    this.patches.push(body);
    return {} as T;
  }
  async delete(_r: Resource, _ns: string | undefined, name: string): Promise<boolean> {
    this.deletes++;
    if (this.deleteFails-- > 0) throw new ClusterAccessError('unreachable', 'connection refused');
    return this.pods.delete(name);
  }
  async *observe<T extends KubeObject>(_r: Resource, opts: { fieldSelector?: string }): AsyncIterable<ObserveEvent<T>> {
    const name = opts.fieldSelector!.replace('metadata.name=', '');
    yield { type: 'sync', objects: this.pods.has(name) ? [this.pods.get(name) as unknown as T] : [] };
  }
  portForward(): never {
    throw new Error('no port-forward');
  }
  execDelayMs = 0;
  async exec(o: ExecOptions): Promise<ExecResult> {
    this.execs.push(o);
    if (o.command[0] === 'bash' && this.noBash)
      return { status: { status: 'Failure', message: 'exec: "bash": executable file not found in $PATH' }, protocol: 'v5.channel.k8s.io' };
    if (this.execDelayMs) await new Promise((r) => setTimeout(r, this.execDelayMs));
    return this.execResult;
  }
  noBash = false;
}

function setup(
  args: string[],
  flags: Record<string, unknown> = {},
  requestTimeoutMs = 300,
): { ctx: Context; io: TestIo; opts: ShellOptions } {
  const io = createTestIo();
  const ctx: Context = {
    ...contextDefaults('shell'),
    io,
    globals: { namespace: 'shop', requestTimeoutMs, debug: false, noColor: false },
    cwd: '/',
    env: {},
    signal: new AbortController().signal,
    cluster: () => Promise.reject(new Error('unused')),
    config: async () => ({}),
    progress: () => () => {},
    warn: (t) => void io.err.write(`warning: ${t}\n`),
  };
  return { ctx, io, opts: toShellOptions(args, { namespace: 'shop', ...flags }) };
}

describe('kdiag shell run (fake API server)', () => {
  test('-- CMD: output goes through, the status comes back, the pod is deleted', async () => {
    const conn = new FakeConn();
    conn.execResult = { status: { status: 'Failure', exitCode: 3 }, protocol: 'v5.channel.k8s.io' };
    const { ctx, opts } = setup(['sh', '-c', 'exit 3']);
    const out = await runShell(opts, ctx, { connection: async () => conn, owner: 'me@here:1' });
    expect(out.exitCode).toBe(3);
    expect(conn.execs[0]!.command).toEqual(['sh', '-c', 'exit 3']);
    expect(conn.execs[0]!.stdin).toBeUndefined(); // stdin only with -i
    expect(conn.created).toHaveLength(1);
    expect(conn.pods.size).toBe(0);
  });

  test('the image: --image, then KDIAG_SHELL_IMAGE, then shell.image in .kdiag.yaml, then the pinned default', async () => {
    const image = async (flags: Record<string, unknown>, env: NodeJS.ProcessEnv, config: { shell?: { image?: string } }) => {
      const conn = new FakeConn();
      const { ctx, opts } = setup(['true'], flags);
      ctx.env = env;
      ctx.config = async () => config;
      await runShell(opts, ctx, { connection: async () => conn });
      return (conn.created[0]!.spec!.containers[0] as { image?: string }).image;
    };
    expect(await image({ image: 'a:1' }, { KDIAG_SHELL_IMAGE: 'b:1' }, { shell: { image: 'c:1' } })).toBe('a:1');
    expect(await image({}, { KDIAG_SHELL_IMAGE: 'b:1' }, { shell: { image: 'c:1' } })).toBe('b:1');
    expect(await image({}, {}, { shell: { image: 'c:1' } })).toBe('c:1');
    expect(await image({}, {}, {})).toMatch(/^nicolaka\/netshoot:/);
  });

  test('the heartbeat renews the annotation with the API server time while the command runs', async () => {
    const conn = new FakeConn();
    conn.execDelayMs = 250;
    const { ctx, opts } = setup(['sleep', '1']);
    await runShell(opts, ctx, { connection: async () => conn, heartbeatMs: 60 });
    expect(conn.patches.length).toBeGreaterThanOrEqual(2);
    expect(conn.patches[0]).toEqual({ metadata: { annotations: { 'kdiag.dev/heartbeat': '2026-01-02T03:04:05.000Z' } } });
    const after = conn.patches.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(conn.patches.length).toBe(after); // stopped with the session
  });

  test('interactive: a terminal in raw mode, bash, and sh when the image has no bash', async () => {
    const conn = new FakeConn();
    conn.noBash = true;
    const { ctx, opts } = setup([]);
    const raw: boolean[] = [];
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode: (r: boolean) => raw.push(r) });
    const output = Object.assign(new PassThrough(), { columns: 120, rows: 40 });
    Object.assign(ctx.io, { in: input, out: output, stdinIsTTY: true, outIsTTY: true });
    const out = await runShell(opts, ctx, { connection: async () => conn });
    expect(out.exitCode).toBe(0);
    expect(conn.execs.map((e) => [e.command, e.tty])).toEqual([
      [['bash'], true],
      [['sh'], true],
    ]);
    expect(raw).toEqual([true, false]);
    const sizes = conn.execs[1]!.resize![Symbol.asyncIterator]();
    expect((await sizes.next()).done).toBe(true); // the terminal was restored: the size stream ended
  });

  test('a denied permission is named and nothing is created (125)', async () => {
    const conn = new FakeConn();
    conn.denied = ['create pods/exec', 'delete pods'];
    const { ctx, opts } = setup(['true']);
    const e = await runShell(opts, ctx, { connection: async () => conn }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KdiagError);
    expect((e as KdiagError).exitCode).toBe(125);
    expect((e as KdiagError).message).toMatch(/delete pods in namespace shop; create pods\/exec in namespace shop/);
    expect(conn.created).toHaveLength(0);
    expect(conn.dryRuns).toHaveLength(0);
  });

  test('Pod Security rejects the defaults: the dry run finds the restricted profile, which is then created', async () => {
    const conn = new FakeConn();
    conn.admit = (p) =>
      (p.spec as Record<string, any>).securityContext?.runAsNonRoot
        ? undefined
        : 'pods "x" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true';
    const { ctx, io, opts } = setup(['true']);
    const out = await runShell(opts, ctx, { connection: async () => conn });
    expect(out.exitCode).toBe(0);
    expect((conn.created[0]!.metadata.annotations ?? {})['kdiag.dev/profile']).toBe('restricted');
    expect(io.stderr()).toMatch(
      /does not admit the default profile \(violates PodSecurity "restricted:latest"\); using the restricted profile/,
    );
    expect(io.stderr()).toMatch(/tcpdump/);
  });

  test('a quota rejection is explained, not retried with other profiles (125)', async () => {
    const conn = new FakeConn();
    conn.admit = () => 'pods "x" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=5, limited: pods=5';
    const { ctx, opts } = setup(['true']);
    const e = (await runShell(opts, ctx, { connection: async () => conn }).catch((x: unknown) => x)) as KdiagError;
    expect(e.exitCode).toBe(125);
    expect(e.code).toBe('quota-exceeded');
    expect(e.message).toMatch(/ResourceQuota/);
    expect(conn.created).toHaveLength(0);
  });

  test('a broken exec stream: exit 1, and the pod is still deleted', async () => {
    const conn = new FakeConn();
    conn.execResult = {
      status: { status: 'Failure', reason: 'ConnectionClosed', message: 'exec: the connection closed without a status (1006)' },
      protocol: 'v5.channel.k8s.io',
    };
    const { ctx, io, opts } = setup(['sleep', '30']);
    const out = await runShell(opts, ctx, { connection: async () => conn });
    expect(out.exitCode).toBe(1);
    expect(io.stderr()).toMatch(/lost the connection/);
    expect(conn.pods.size).toBe(0);
  });

  test('the API server unreachable at cleanup: delete retried for --request-timeout, then the --gc command', async () => {
    const conn = new FakeConn();
    conn.deleteFails = 1000;
    const { ctx, io, opts } = setup(['true'], {}, 1200);
    const t0 = Date.now();
    await runShell(opts, ctx, { connection: async () => conn });
    expect(conn.deletes).toBeGreaterThan(2);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(io.stderr()).toMatch(/could not delete pod kdiag-shell-\w+ in namespace shop/);
    expect(io.stderr()).toMatch(/kdiag shell --gc -n shop/);
  });

  test('-i passes stdin; no terminal and no command is a usage error before any request', async () => {
    const conn = new FakeConn();
    const { ctx, opts } = setup(['cat'], { stdin: true });
    ctx.io.in = new PassThrough();
    await runShell(opts, ctx, { connection: async () => conn });
    expect(conn.execs[0]!.stdin).toBe(ctx.io.in);
    const none = setup([]);
    await expect(runShell(none.opts, none.ctx, { connection: async () => conn })).rejects.toThrow(/needs a terminal/);
    const eph = setup([], { ephemeral: 'web-0' });
    await expect(runShell(eph.opts, eph.ctx, { connection: async () => conn })).rejects.toThrow(UsageError);
  });
});

describe('the local terminal', () => {
  test('raw mode on and back off; the size first, then each resize', async () => {
    const { rawTerminal } = await import('../../../src/ui/terminal.js');
    const raw: boolean[] = [];
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode: (r: boolean) => raw.push(r) });
    const output = Object.assign(new PassThrough(), { columns: 100, rows: 30 });
    const term = rawTerminal({ in: input, out: output });
    const it = term.resize[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ columns: 100, rows: 30 });
    Object.assign(output, { columns: 132, rows: 43 });
    output.emit('resize');
    expect((await it.next()).value).toEqual({ columns: 132, rows: 43 });
    term.restore();
    term.restore();
    expect((await it.next()).done).toBe(true);
    expect(raw).toEqual([true, false]);
  });
});
