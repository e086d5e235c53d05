// kdiag forward without TARGET (a pick list of Services in a terminal) and a Service without ports (a pick list of its
// TCP ports), with the pick list driven programmatically as the svc tests do; without a terminal, exit 2.
import { jest } from '@jest/globals';
import { createTestIo } from '../../helpers/io.js';
import { pod, service, slice } from './fakes.js';
import { context, echoOnce, FakeKube, lines, until, write } from './shell-fakes.js';

type Choice = { value: unknown; name: string };
/** Answers each question with the choice `answer` picks (default: the first). */
let answer: (choices: Choice[], message: string) => unknown = (c) => c[0]!.value;
const select = jest.fn(async (cfg: { message: string; choices: Choice[] }, _ctx: unknown) => answer(cfg.choices, cfg.message));
jest.unstable_mockModule('@inquirer/prompts', () => ({ select }));
const { forwardCommand } = await import('../../../src/commands/forward/command.js');
const { runForward } = await import('../../../src/commands/forward/run.js');
const { servicePortChoices } = await import('../../../src/core/forward/resolve.js');

async function options(args: string[], flags: Record<string, unknown> = {}) {
  const o = forwardCommand.toOptions(args, { podRunningTimeout: '1m', output: 'json', address: '127.0.0.1', ...flags });
  await forwardCommand.validate!(o);
  return o;
}

/** web: 2 ready pods; idle: no ready endpoint; ext: ExternalName; manual: no selector; multi: three TCP ports and a UDP one. */
function namespace(kube: FakeKube): void {
  kube.set('services', [
    service('idle', [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]),
    service('web', [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]),
    service('ext', [{ port: 80 }], { type: 'ExternalName', selector: null }),
    service('manual', [{ port: 80 }], { selector: null }),
    service('multi', [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'admin', port: 9090, targetPort: 9090, protocol: 'TCP' },
      { name: 'grpc', port: 50051, targetPort: 50051, protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ]),
  ]);
  kube.set('endpointslices', [
    slice('web-abc', 'web', [{ pod: 'web-1' }, { pod: 'web-2' }]),
    slice('idle-abc', 'idle', [{ pod: 'idle-1', ready: false }]),
    slice(
      'multi-abc',
      'multi',
      [{ pod: 'multi-1' }],
      [
        { name: 'http', port: 8080 },
        { name: 'admin', port: 9090 },
        { name: 'grpc', port: 50051 },
        { name: 'dns', port: 53 },
      ],
    ),
  ]);
  kube.set('pods', [pod('web-1'), pod('web-2'), pod('idle-1', { ready: false }), pod('multi-1')]);
}

describe('kdiag forward without TARGET', () => {
  beforeEach(() => {
    select.mockClear();
    answer = (c) => c[0]!.value;
  });

  it('in a terminal: the forwardable Services on stderr, ready endpoints first, then forwards the chosen one', async () => {
    const kube = new FakeKube();
    namespace(kube);
    const io = createTestIo({ tty: true });
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options([]), ctx), ctx, 'json');
    const listening = await until(() => {
      const l = lines(io).filter((e) => e.event === 'listening');
      return l.length === 3 ? l : undefined;
    }, 'three listening events').catch((e: Error) => {
      ac.abort('SIGINT');
      throw new Error(
        `${e.message}: ${JSON.stringify(lines(io))} ${io.stderr()} ${JSON.stringify(select.mock.calls.map((c) => c[0].choices))}`,
      );
    });
    const [cfg, opts] = select.mock.calls[0]!;
    expect(cfg.message).toBe('Service to forward, in namespace shop (ready endpoints first):');
    // ExternalName and selectorless Services cannot be forwarded: not offered.
    expect(cfg.choices.map((c) => c.name)).toEqual(['multi  (1 ready)', 'web  (2 ready)', 'idle  (no ready endpoints)']);
    expect((opts as { output: unknown }).output).toBe(io.err);
    // multi has three TCP ports: a second question, answered with the first choice (all of them).
    expect(select).toHaveBeenCalledTimes(2);
    expect(select.mock.calls[1]![0].message).toBe('Port of svc/multi to forward:');
    expect(listening.map((e) => [e.target, e.remotePort])).toEqual([
      ['svc/multi', 80],
      ['svc/multi', 9090],
      ['svc/multi', 50051],
    ]);
    ac.abort('SIGINT');
    expect(await done).toBe(0);
  });

  it('the chosen Service is served: bytes go through a pod of it', async () => {
    const kube = new FakeKube();
    namespace(kube);
    answer = (c) => c.find((x) => x.name.startsWith('web'))!.value;
    const io = createTestIo({ tty: true });
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options([]), ctx), ctx, 'json');
    // web's one port is 80 (below 1024): a free local port, as for any port kdiag chooses.
    const listening = await until(() => lines(io).find((e) => e.event === 'listening'), 'listening');
    expect(listening).toMatchObject({ target: 'svc/web', remotePort: 80 });
    expect(listening.localPort).not.toBe(80);
    expect(await echoOnce(listening.localPort as number, 'hi')).toBe('hi');
    expect(await until(() => lines(io).find((e) => e.event === 'pod-selected'), 'pod-selected')).toMatchObject({
      pod: expect.stringMatching(/^web-[12]$/),
    });
    ac.abort('SIGINT');
    expect(await done).toBe(0);
  });

  it('without a terminal: exit 2 naming TARGET, before reading the cluster, and no prompt', async () => {
    const kube = new FakeKube();
    namespace(kube);
    const ctx = { ...context(kube, createTestIo(), new AbortController()), kube: () => Promise.reject(new Error('read the cluster')) };
    await expect(runForward(await options([]), ctx)).rejects.toMatchObject({
      exitCode: 2,
      message: 'missing TARGET',
      hint: expect.stringContaining('forward svc/web 8080:80'),
    });
    expect(select).not.toHaveBeenCalled();
  });

  it('a namespace with nothing to forward: exit 2 saying why', async () => {
    const kube = new FakeKube();
    namespace(kube);
    kube.set(
      'services',
      (kube.objects.get('services') ?? []).filter((s) => ['ext', 'manual'].includes(s.metadata.name)),
    );
    const ctx = context(kube, createTestIo({ tty: true }), new AbortController());
    await expect(runForward(await options([]), ctx)).rejects.toMatchObject({
      exitCode: 2,
      message: 'namespace shop has no Service that can be forwarded (2 without a selector or of type ExternalName)',
    });
    expect(select).not.toHaveBeenCalled();
  });
});

describe('kdiag forward svc/NAME without ports', () => {
  beforeEach(() => select.mockClear());

  it('in a terminal, several TCP ports: a pick list (all of them first), then only the chosen port', async () => {
    const kube = new FakeKube();
    namespace(kube);
    answer = (c, message) => (message.startsWith('Port') ? c.find((x) => x.value === 9090)!.value : c[0]!.value);
    const io = createTestIo({ tty: true });
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options(['svc/multi']), ctx), ctx, 'json');
    await until(() => lines(io).find((e) => e.event === 'listening'), 'listening');
    const [cfg] = select.mock.calls[0]!;
    expect(cfg.message).toBe('Port of svc/multi to forward:');
    expect(cfg.choices.map((c) => c.value)).toEqual(['all', 80, 9090, 50051]);
    ac.abort('SIGINT');
    expect(await done).toBe(0);
    expect(lines(io).filter((e) => e.event === 'listening')).toEqual([expect.objectContaining({ remotePort: 9090, localPort: 9090 })]);
  });

  /** Forwards svc/multi (three TCP ports) until all three listen, then stops it with SIGINT (exit 0). */
  async function forwardEveryPort(io: ReturnType<typeof createTestIo>): Promise<ReturnType<typeof createTestIo>> {
    const kube = new FakeKube();
    namespace(kube);
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options(['svc/multi']), ctx), ctx, 'json');
    await until(() => {
      const l = lines(io).filter((e) => e.event === 'listening');
      return l.length === 3 ? l : undefined;
    }, 'three listening events');
    ac.abort('SIGINT');
    expect(await done).toBe(0);
    return io;
  }

  it('in a terminal, answering "all": every TCP port, each on its own local port', async () => {
    answer = (c) => c[0]!.value;
    const io = await forwardEveryPort(createTestIo({ tty: true }));
    expect(
      lines(io)
        .filter((e) => e.event === 'listening')
        .map((e) => e.remotePort),
    ).toEqual([80, 9090, 50051]);
  });

  it('without a terminal: every TCP port, no prompt', async () => {
    await forwardEveryPort(createTestIo());
    expect(select).not.toHaveBeenCalled();
  });

  it('the port pick list: nothing to choose with one TCP port; named ports with their pod port and local port', () => {
    expect(servicePortChoices(service('one', [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }]))).toEqual([]);
    expect(
      servicePortChoices(
        service('two', [
          { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' },
          { port: 8443, protocol: 'TCP' },
        ]),
      ),
    ).toEqual([
      { value: 'all', name: 'all 2 TCP ports (80, 8443), each on its own local port' },
      { value: 80, name: 'http 80/TCP -> pod port web  (a free local port)' },
      { value: 8443, name: '8443/TCP -> pod port 8443  (local 8443)' },
    ]);
  });
});
