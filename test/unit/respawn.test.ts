// Re-executing kdiag with a command's Node flags (src/respawn.ts, main.ts): which flags, how signals are counted, the
// CLI hook, and the built CLI end to end against an API server that never answers (the command stays in its preflight
// until a signal stops it), so no cluster is needed.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { runCli } from '../../src/cli.js';
import { flagsToAdd, isReexecChild, isSignalMessage, NO_REEXEC_ENV, SignalCounter } from '../../src/respawn.js';
import { ensureBundle, spawnBundle } from '../helpers/bundle.js';
import { createTestIo } from '../helpers/io.js';
import { writeKubeconfig } from '../helpers/kubeconfig.js';

const SEMI = '--max-semi-space-size=1';

describe('flagsToAdd', () => {
  it('adds what node was not given, by name: a value of the user on the command line or in NODE_OPTIONS wins', () => {
    expect(flagsToAdd([SEMI], [], {})).toEqual([SEMI]);
    expect(flagsToAdd([SEMI], ['--expose-gc'], { NODE_OPTIONS: '--max-old-space-size=99' })).toEqual([SEMI]);
    expect(flagsToAdd([SEMI], ['--max-semi-space-size=4'], {})).toEqual([]);
    expect(flagsToAdd([SEMI], [], { NODE_OPTIONS: '--inspect  --max_semi_space_size=8' })).toEqual([]);
    expect(flagsToAdd([SEMI, '--stack-size=2000'], [SEMI], {})).toEqual(['--stack-size=2000']);
  });

  it('adds nothing in a re-executed child or when the user turned re-executing off', () => {
    expect(flagsToAdd([SEMI], [], { [NO_REEXEC_ENV]: '1234' })).toEqual([]);
    expect(flagsToAdd([SEMI], [], { [NO_REEXEC_ENV]: '1' })).toEqual([]);
  });
});

describe('SignalCounter', () => {
  const run = (seq: ('direct' | 'relayed')[]) => {
    const c = new SignalCounter();
    return seq.map((via) => c.count(via));
  };

  it('a terminal Ctrl-C (directly and through the parent, either order) counts once; a second one counts again', () => {
    expect(run(['direct', 'relayed'])).toEqual([true, false]);
    expect(run(['relayed', 'direct'])).toEqual([true, false]);
    expect(run(['direct', 'relayed', 'direct', 'relayed'])).toEqual([true, false, true, false]);
    expect(run(['direct', 'direct', 'relayed', 'relayed'])).toEqual([true, true, false, false]);
  });

  it('signals sent to one process only count each time', () => {
    expect(run(['relayed', 'relayed'])).toEqual([true, true]);
    expect(run(['direct', 'direct'])).toEqual([true, true]);
  });
});

describe('isReexecChild and messages', () => {
  it('needs the IPC channel and the parent pid in KDIAG_NO_REEXEC (not a user value, not another parent)', () => {
    expect(isReexecChild({ [NO_REEXEC_ENV]: '42' }, 42, true)).toBe(true);
    expect(isReexecChild({ [NO_REEXEC_ENV]: '42' }, 42, false)).toBe(false);
    expect(isReexecChild({ [NO_REEXEC_ENV]: '1' }, 42, true)).toBe(false);
    expect(isReexecChild({}, 42, true)).toBe(false);
    expect(isSignalMessage({ kdiagSignal: 'SIGTERM' })).toBe(true);
    expect(isSignalMessage({ kdiagReady: true })).toBe(false);
    expect(isSignalMessage('SIGTERM')).toBe(false);
  });
});

describe('the CLI hook', () => {
  const call = async (argv: string[], answer: number | undefined) => {
    const io = createTestIo();
    const asked: (readonly string[])[] = [];
    const code = await runCli(argv, {
      io,
      env: { KUBECONFIG: '/nonexistent/kubeconfig' },
      cwd: process.cwd(),
      reexec: (flags) => {
        asked.push(flags);
        return Promise.resolve(answer);
      },
    });
    return { code, asked, err: io.stderr(), out: io.stdout() };
  };

  it('forward with valid options re-executes with its flags and exits with the child status, printing nothing', async () => {
    const r = await call(['forward', 'svc/web', ':80'], 7);
    expect(r).toEqual({ code: 7, asked: [[SEMI]], err: '', out: '' });
  });

  it('a usage error is reported by the process that was started, without re-executing', async () => {
    const r = await call(['forward', 'svc/web', '8080:http:80'], 7);
    expect(r.code).toBe(2);
    expect(r.asked).toEqual([]);
    expect(r.err).toMatch(/^kdiag: invalid port "8080:http:80"/);
  });

  it('undefined (flags in effect, or no re-exec possible): the command runs in this process', async () => {
    const r = await call(['forward', 'svc/web', ':80'], undefined);
    expect(r.asked).toEqual([[SEMI]]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('kdiag: no kubeconfig found');
  });

  it('commands without nodeFlags never ask', async () => {
    const r = await call(['codes', 'no-such-code'], 7);
    expect(r.asked).toEqual([]);
    expect(r.code).toBe(2);
  });
});

describe('the built CLI re-executes forward (an API server that never answers keeps it in its preflight)', () => {
  let server: net.Server;
  let kubeconfig: string;
  const held = new Set<net.Socket>();
  beforeAll(async () => {
    ensureBundle();
    server = net.createServer((s) => {
      held.add(s);
      s.on('error', () => undefined);
      s.on('close', () => held.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    kubeconfig = writeKubeconfig(`https://127.0.0.1:${port}`, { namespace: 'ns', insecure: true });
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => server.close(r));
  });

  /** Starts `kdiag forward svc/web :80 --debug`; resolves once the process that runs it has said which it is. */
  async function start(opts: { reexec: boolean; group?: boolean }) {
    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, NODE_OPTIONS: '' };
    if (opts.reexec) delete env[NO_REEXEC_ENV];
    else env[NO_REEXEC_ENV] = '1';
    const { child, exited, out, err } = spawnBundle(['forward', 'svc/web', ':80', '--debug'], env, opts);
    const deadline = Date.now() + 20_000;
    const line = () => /^debug: pid (\d+) runs with node flags: (.*)$/m.exec(err());
    while (!line() && Date.now() < deadline) await sleep(20);
    const m = line();
    if (!m) throw new Error(`no debug line from the process that runs forward; stderr: ${err()}`);
    // Give it time to reach its first request (it is then in the preflight, waiting on the silent server).
    await sleep(300);
    return { child, exited, serving: Number(m[1]), flags: m[2]!, err, out };
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** True once `pid` has exited: gone, or (Linux) a zombie that its new parent has not reaped yet. */
  const gone = (pid: number) => {
    try {
      if (process.platform === 'linux') return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  const waitGone = async (pid: number) => {
    for (let i = 0; i < 100 && !gone(pid); i++) await sleep(50);
    return gone(pid);
  };

  it('runs in a child with the flag; SIGTERM to the parent alone stops it as it stops a single process', async () => {
    const single = await start({ reexec: false });
    expect(single.serving).toBe(single.child.pid);
    expect(single.flags).toBe('(none)');
    single.child.kill('SIGTERM');
    const singleCode = await single.exited;

    const r = await start({ reexec: true });
    expect(r.err()).toContain(`debug: re-executing node with ${SEMI}\n`);
    expect(r.flags).toBe(`${SEMI} (re-executed by pid ${r.child.pid})`);
    expect(r.serving).not.toBe(r.child.pid);
    // The kernel's view too, where there is a /proc.
    if (process.platform === 'linux') expect(readFileSync(`/proc/${r.serving}/cmdline`, 'utf8').split('\0')).toContain(SEMI);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(singleCode);
    expect(singleCode).toBe(143);
    expect(r.err().match(/^kdiag: interrupted by SIGTERM$/gm)).toEqual(['kdiag: interrupted by SIGTERM']);
    expect(r.out()).toBe('');
    expect(await waitGone(r.serving)).toBe(true);
  });

  it('SIGINT to the whole process group (a terminal Ctrl-C) stops the child; the parent exits with its status', async () => {
    const r = await start({ reexec: true, group: true });
    expect(r.serving).not.toBe(r.child.pid);
    process.kill(-r.child.pid!, 'SIGINT');
    expect(await r.exited).toBe(130);
    expect(r.err().match(/^kdiag: interrupted by SIGINT$/gm)).toEqual(['kdiag: interrupted by SIGINT']);
    expect(await waitGone(r.serving)).toBe(true);
  });

  it('a parent killed outright (SIGKILL) does not leave its child running', async () => {
    const r = await start({ reexec: true });
    r.child.kill('SIGKILL');
    await r.exited;
    expect(await waitGone(r.serving)).toBe(true);
  });
});
