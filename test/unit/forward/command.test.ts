// kdiag forward's options and the I/O shell's exit rules, in-process: runForward with a hand-made Context and a fake
// KubeConnection (objects in memory, watches fed by the test, tunnels that echo), real listeners on 127.0.0.1.
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forwardCommand } from '../../../src/commands/forward/command.js';
import { isLoopback, type ForwardOptions } from '../../../src/commands/forward/options.js';
import { retryableOpen, runForward } from '../../../src/commands/forward/run.js';
import { ClusterAccessError, KdiagError, UsageError } from '../../../src/errors.js';
import { createTestIo } from '../../helpers/io.js';
import { pod, service, slice } from './fakes.js';
import { connectable, context, echoOnce, FakeKube, healthyWeb, lines, until, write } from './shell-fakes.js';

async function options(args: string[], flags: Record<string, unknown> = {}): Promise<ForwardOptions> {
  const o = forwardCommand.toOptions(args, { podRunningTimeout: '1m', output: 'text', ...flags });
  await forwardCommand.validate!(o);
  return o;
}

describe('kdiag forward options', () => {
  test('defaults: both loopbacks, 1m per connection, no --wait, text', async () => {
    const o = await options(['svc/web', ':80']);
    expect(o).toMatchObject({ addresses: ['127.0.0.1', '::1'], podRunningTimeoutMs: 60_000, wait: false, format: 'text' });
    expect(o.specs).toEqual([{ kind: 'Service', name: 'web', ports: [{ local: 0, remote: 80, text: ':80' }] }]);
  });

  test('flags: --address, --pod-running-timeout, --wait, -n, -o json', async () => {
    const o = await options(['deploy/api', '9000:8080'], {
      address: '127.0.0.1',
      podRunningTimeout: '2m30s',
      wait: true,
      namespace: 'shop',
      output: 'json',
    });
    expect(o).toMatchObject({ addresses: ['127.0.0.1'], podRunningTimeoutMs: 150_000, wait: true, namespace: 'shop', format: 'json' });
    expect(o.specs[0]).toMatchObject({ kind: 'Deployment', name: 'api', ports: [{ local: 9000, remote: 8080 }] });
  });

  test.each([
    [['svc/web', '8080:http:80'], {}, /more than one ":"/],
    [['svc/web', '70000'], {}, /between 1 and 65535/],
    [[':80'], {}, /missing TARGET/],
    [['deploy/api'], {}, /no ports given/],
    [['svc/web', ':80'], { address: 'example.com' }, /invalid --address/],
    [['svc/web', ':80'], { podRunningTimeout: 'soon' }, /invalid --pod-running-timeout/],
    [['svc/web', ':80'], { forwards: 'f.yaml' }, /--forwards takes no TARGET/],
    [['svc/web'], { all: true }, /--all takes no TARGET/],
    [[], { all: true, forwards: 'f.yaml' }, /--all and --forwards cannot be combined/],
    [['svc/web', ':80'], { selector: 'app=web' }, /only used with --all/],
    [[], { all: true, selector: 'app in (web' }, /invalid label selector/],
  ])('%j %j is a usage error', async (args, flags, message) => {
    const run = options(args, flags);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
  });

  test('which failed tunnel opens are tried again: 429, 5xx, 404 (the pod went), unreachable; never 403 or 401', () => {
    const api = (status: number) =>
      new ClusterAccessError('api-error', `create pods/portforward in namespace "shop" failed: ${status} Reason`);
    expect([429, 500, 503, 404].map((n) => retryableOpen(api(n)))).toEqual([true, true, true, true]);
    expect(retryableOpen(api(400))).toBe(false);
    expect(retryableOpen(new ClusterAccessError('forbidden', 'forbidden: cannot create pods/portforward'))).toBe(false);
    expect(retryableOpen(new ClusterAccessError('unauthorized', 'rejected'))).toBe(false);
    expect(retryableOpen(new ClusterAccessError('unreachable', 'connection refused'))).toBe(true);
  });

  test('loopback addresses', () => {
    expect(['127.0.0.1', '127.3.0.1', '::1'].map(isLoopback)).toEqual([true, true, true]);
    expect(['0.0.0.0', '::', '192.168.1.2'].map(isLoopback)).toEqual([false, false, false]);
  });
});

describe('kdiag forward: the shell exit rules (fake KubeConnection)', () => {
  test('json: listening on both loopbacks, bytes through a tunnel, abort -> stopped, exit 0, nothing listening or watching', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    const io = createTestIo();
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options(['svc/web', ':80'], { output: 'json' }), ctx), ctx, 'json');
    const listening = await until(() => {
      const l = lines(io).filter((e) => e.event === 'listening');
      return l.length === 2 ? l : undefined;
    }, 'two listening events');
    const port = listening[0]!.localPort as number;
    expect(listening.map((e) => [e.localAddress, e.localPort, e.target, e.namespace, e.remotePort])).toEqual([
      ['127.0.0.1', port, 'svc/web', 'shop', 80],
      ['::1', port, 'svc/web', 'shop', 80],
    ]);
    expect(await echoOnce(port, 'hello')).toBe('hello');
    await until(() => lines(io).find((e) => e.event === 'connection-closed'), 'the connection closed');
    expect(lines(io).find((e) => e.event === 'pod-selected')).toMatchObject({ pod: 'web-1', podPort: 8080 });
    expect(kube.activeWatches).toBe(3);
    ac.abort('SIGINT');
    expect(await done).toBe(0);
    expect(lines(io).at(-1)).toMatchObject({
      event: 'stopped',
      target: 'svc/web',
      connections: 1,
      bytesIn: 5,
      bytesOut: 5,
      reason: 'SIGINT',
    });
    expect(await connectable(port)).toBe(false);
    expect(kube.activeWatches).toBe(0);
  });

  test("text: kubectl's Forwarding line on stdout, notices on stderr", async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    const io = createTestIo();
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options(['svc/web', ':80'], { address: '127.0.0.1' }), ctx), ctx, 'text');
    const line = await until(() => (io.stdout().includes('\n') ? io.stdout() : undefined), 'a line');
    expect(line).toMatch(/^Forwarding from 127\.0\.0\.1:\d+ -> svc\/web:80\n$/);
    ac.abort('SIGTERM');
    expect(await done).toBe(0);
    expect(io.stderr()).toMatch(/^stopped svc\/web \(SIGTERM\): 0 connections, 0 B in, 0 B out\n$/);
  });

  test('text on a terminal: the status table on stderr, redrawn as connections come and go; Forwarding lines on stdout', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    const io = createTestIo({ tty: true });
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options(['svc/web', ':80'], { address: '127.0.0.1' }), ctx), ctx, 'text');
    const port = Number(
      (await until(() => /Forwarding from 127\.0\.0\.1:(\d+) -> svc\/web:80/.exec(io.stdout())?.[1], 'the Forwarding line'))!,
    );
    expect(await echoOnce(port, 'hello')).toBe('hello');
    await until(() => (/1\/1|0\/1/.test(io.stderr()) ? true : undefined), 'a row counting the connection');
    ac.abort('SIGINT');
    expect(await done).toBe(0);
    const err = io.stderr();
    expect(err).toMatch(/LOCAL +TARGET +POD +STATE +CONNS +IN +OUT/);
    expect(err).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} +svc/web:80 +web-1 +serving +1/1`));
    expect(err).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} +svc/web:80 +web-1 +stopped +0/1 +5 B +5 B`));
    expect(err).toContain('\u001b[0J');
    expect(err).not.toContain('Handling connection');
    expect(err).toMatch(/stopped svc\/web \(SIGINT\): 1 connection, 5 B in, 5 B out\n/);
  });

  test('a local port below 1024 without root: exit 2 suggesting :REMOTE, nothing bound', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    const ctx = context(kube, createTestIo(), new AbortController());
    const run = runForward(await options(['svc/web', '80:80']), ctx, { isRoot: () => false });
    await expect(run).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/local port 80 is below 1024/) });
    await expect(run).rejects.toMatchObject({ hint: expect.stringContaining(':80 for a free one') });
    expect(kube.activeWatches).toBe(0);
  });

  test('a missing permission: exit 3 naming every one, before listening or watching', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    kube.denied.add('create pods/portforward');
    kube.denied.add('watch endpointslices');
    const ctx = context(kube, createTestIo(), new AbortController());
    const run = runForward(await options(['svc/web', '18232:80']), ctx);
    await expect(run).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/create pods\/portforward in namespace shop; watch endpointslices.discovery.k8s.io/),
    });
    expect(kube.activeWatches).toBe(0);
    expect(await connectable(18232)).toBe(false);
  });

  test('a Service port that does not exist: exit 2 listing its ports', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    const ctx = context(kube, createTestIo(), new AbortController());
    await expect(runForward(await options(['svc/web', ':443']), ctx)).rejects.toMatchObject({
      exitCode: 2,
      message: 'Service web has no port 443',
    });
  });

  test('no pod can serve and no --wait: exit 1 with the svc finding, the listener closed, no watch left', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    kube.set('endpointslices', [slice('web-abc', 'web', [{ pod: 'web-1', ready: false }])]);
    kube.set('pods', [pod('web-1', { ready: false })]);
    const ctx = context(kube, createTestIo(), new AbortController());
    const run = runForward(await options(['svc/web', '18233:80']), ctx);
    await expect(run).rejects.toBeInstanceOf(KdiagError);
    await expect(run).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^svc\/web has no pod that can serve it: .+\[[a-z-]+\]$/),
    });
    expect(await connectable(18233)).toBe(false);
    expect(kube.activeWatches).toBe(0);
  });

  test('an ExternalName Service or a missing target: exit 1', async () => {
    const kube = new FakeKube();
    kube.set('services', [service('ext', [{ port: 80 }], { type: 'ExternalName', selector: null })]);
    const ctx = context(kube, createTestIo(), new AbortController());
    await expect(runForward(await options(['svc/ext', ':80']), ctx)).rejects.toMatchObject({ exitCode: 1, message: /ExternalName/ });
    await expect(runForward(await options(['deploy/none', '8080']), ctx)).rejects.toMatchObject({
      exitCode: 1,
      message: 'deploy/none not found in namespace shop',
    });
  });

  test('--wait: a waiting event, then listening once a pod is ready', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    kube.set('endpointslices', [slice('web-abc', 'web', [{ pod: 'web-1', ready: false }])]);
    const io = createTestIo();
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const done = write(await runForward(await options(['svc/web', ':80'], { wait: true, output: 'json' }), ctx), ctx, 'json');
    await until(() => lines(io).find((e) => e.event === 'waiting'), 'a waiting event');
    expect(lines(io).some((e) => e.event === 'listening')).toBe(false);
    kube.push('endpointslices', { type: 'modified', object: slice('web-abc', 'web', [{ pod: 'web-1' }]) });
    await until(() => lines(io).find((e) => e.event === 'listening'), 'a listening event');
    ac.abort('SIGINT');
    expect(await done).toBe(0);
    expect(lines(io).map((e) => e.event)).toEqual(['waiting', 'listening', 'listening', 'stopped']);
  });

  test('a non-loopback --address is warned about', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    const warnings: string[] = [];
    const ac = new AbortController();
    const ctx = context(kube, createTestIo(), ac, warnings);
    // 127.0.0.1 and a non-loopback address that cannot be bound here: the warning comes before the bind fails.
    const run = runForward(await options(['svc/web', ':80'], { address: '127.0.0.1,192.0.2.1' }), ctx);
    await expect(run).rejects.toMatchObject({ exitCode: 2, message: /cannot listen on 192\.0\.2\.1/ });
    expect(warnings).toEqual([expect.stringMatching(/^listening on 192\.0\.2\.1: anyone who can reach this machine/)]);
  });

  test('--forwards FILE: the targets come from the file; a bad file is exit 2 naming the entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-forwards-'));
    writeFileSync(join(dir, 'ok.yaml'), 'forwards:\n  - target: svc/web\n    ports: [":http"]\n    address: 127.0.0.1\n');
    writeFileSync(join(dir, 'bad.yaml'), 'forwards:\n  - target: svc/web\n    port: [80]\n');
    const kube = new FakeKube();
    healthyWeb(kube);
    const io = createTestIo();
    const ac = new AbortController();
    const ctx = { ...context(kube, io, ac), cwd: dir };
    const done = write(await runForward(await options([], { forwards: 'ok.yaml', output: 'json' }), ctx), ctx, 'json');
    const l = await until(() => lines(io).find((e) => e.event === 'listening'), 'a listening event');
    expect(l).toMatchObject({ target: 'svc/web', localAddress: '127.0.0.1', remotePort: 80 });
    ac.abort('SIGINT');
    expect(await done).toBe(0);
    expect(lines(io).map((e) => e.event)).toEqual(['listening', 'stopped']);

    const bad = runForward(await options([], { forwards: 'bad.yaml' }), {
      ...context(kube, createTestIo(), new AbortController()),
      cwd: dir,
    });
    await expect(bad).rejects.toMatchObject({ exitCode: 2, message: 'bad.yaml: forwards[0]: unknown key "port"' });
    const missing = runForward(await options([], { forwards: 'none.yaml' }), {
      ...context(kube, createTestIo(), new AbortController()),
      cwd: dir,
    });
    await expect(missing).rejects.toMatchObject({ exitCode: 2, message: 'cannot read --forwards none.yaml: ENOENT' });
  });

  test('a UDP Service port is refused with the reason: exit 2', async () => {
    const kube = new FakeKube();
    kube.set('services', [service('dns', [{ name: 'dns', port: 53, protocol: 'UDP' }])]);
    const ctx = context(kube, createTestIo(), new AbortController());
    await expect(runForward(await options(['svc/dns', ':53']), ctx)).rejects.toMatchObject({
      exitCode: 2,
      message: /is UDP: port-forward carries TCP/,
    });
  });

  test('mid-session outage: a waiting event with the svc finding, then the connection closes after --pod-running-timeout', async () => {
    const kube = new FakeKube();
    healthyWeb(kube);
    const io = createTestIo();
    const ac = new AbortController();
    const ctx = context(kube, io, ac);
    const opts = await options(['svc/web', ':80'], { output: 'json', address: '127.0.0.1', podRunningTimeout: '200ms' });
    const done = write(await runForward(opts, ctx), ctx, 'json');
    const port = (await until(() => lines(io).find((e) => e.event === 'listening'), 'listening')).localPort as number;
    kube.push('endpointslices', { type: 'modified', object: slice('web-abc', 'web', [{ pod: 'web-1', ready: false }]) });
    await new Promise((r) => setTimeout(r, 20));
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.on('error', () => undefined);
    const waiting = await until(() => lines(io).find((e) => e.event === 'waiting'), 'a waiting event');
    expect(waiting).toMatchObject({ remotePort: 80, timeoutMs: 200, code: expect.stringMatching(/^[a-z-]+$/) });
    const closed = await until(() => lines(io).find((e) => e.event === 'connection-closed'), 'the connection closed');
    expect(closed).toMatchObject({ reason: 'no-ready-pod', message: 'no pod of svc/web became ready within 200ms' });
    sock.destroy();
    ac.abort('SIGINT');
    expect(await done).toBe(0);
  });

  test('--all -l: every selector-backed Service that matches, each TCP port on its own number or a free one; the rest skipped with the reason', async () => {
    const kube = new FakeKube();
    const labelled = (svc: ReturnType<typeof service>, labels: Record<string, string>) => ({
      ...svc,
      metadata: { ...svc.metadata, labels },
    });
    kube.set('services', [
      labelled(service('api', [{ name: 'http', port: 18251, targetPort: 8080, protocol: 'TCP' }]), { tier: 'back' }),
      // 18251 again: taken by api, so a free port. 18252 is taken by another program: a free port too, with a warning.
      labelled(
        service('api2', [
          { name: 'http', port: 18251, targetPort: 8080, protocol: 'TCP' },
          { name: 'admin', port: 18252, targetPort: 8080, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ]),
        { tier: 'back' },
      ),
      labelled(service('ext', [{ port: 80 }], { type: 'ExternalName', selector: null }), { tier: 'back' }),
      labelled(service('front', [{ name: 'http', port: 18253, targetPort: 8080, protocol: 'TCP' }]), { tier: 'front' }),
    ]);
    kube.set('endpointslices', [
      slice('api-a', 'api', [{ pod: 'web-1' }]),
      slice(
        'api2-a',
        'api2',
        [{ pod: 'web-1' }],
        [
          { name: 'http', port: 8080 },
          { name: 'admin', port: 8080 },
        ],
      ),
    ]);
    kube.set('pods', [pod('web-1')]);
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(18252, '127.0.0.1', r));
    try {
      const io = createTestIo();
      const ac = new AbortController();
      const warnings: string[] = [];
      const ctx = context(kube, io, ac, warnings);
      const opts = await options([], { all: true, selector: 'tier=back', output: 'json', address: '127.0.0.1' });
      const done = write(await runForward(opts, ctx), ctx, 'json');
      const listening = await until(() => {
        const l = lines(io).filter((e) => e.event === 'listening');
        return l.length === 3 ? l : undefined;
      }, 'three listening events');
      expect(listening.map((e) => [e.target, e.remotePort])).toEqual([
        ['svc/api', 18251],
        ['svc/api2', 18251],
        ['svc/api2', 18252],
      ]);
      expect(listening[0]!.localPort).toBe(18251);
      expect(listening[1]!.localPort).not.toBe(18251);
      expect(listening[2]!.localPort).not.toBe(18252);
      expect(await echoOnce(listening[2]!.localPort as number, 'admin')).toBe('admin');
      expect(warnings).toEqual([
        expect.stringMatching(/^--all: skipping svc\/ext: Service ext is of type ExternalName/),
        'local port 18252 is taken: svc/api2:18252 listens on a free port instead',
      ]);
      ac.abort('SIGINT');
      expect(await done).toBe(0);
    } finally {
      busy.close();
    }
  });

  test('--all in a namespace with nothing to forward: exit 1 saying so', async () => {
    const kube = new FakeKube();
    kube.set('services', [service('ext', [{ port: 80 }], { type: 'ExternalName', selector: null })]);
    const ctx = context(kube, createTestIo(), new AbortController());
    await expect(runForward(await options([], { all: true }), ctx)).rejects.toMatchObject({
      exitCode: 1,
      message: 'no Service in namespace shop can be forwarded (1 found, none with a selector and a TCP port)',
    });
  });

  test('--forwards: an entry with a context of its own uses that context, its namespace, and names it in events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-forwards-'));
    writeFileSync(
      join(dir, 'two.yaml'),
      'forwards:\n  - target: svc/web\n    ports: [":80"]\n  - target: svc/web\n    context: staging\n    ports: [":80"]\n',
    );
    const here = new FakeKube();
    healthyWeb(here);
    const there = new FakeKube();
    healthyWeb(there);
    there.denied.add('nothing');
    const thereConn = { ...there.connection(), reader: { ...there.connection().reader, defaultNamespace: 'staging-ns' } };
    const asked: string[] = [];
    const io = createTestIo();
    const ac = new AbortController();
    const ctx = { ...context(here, io, ac), cwd: dir };
    const stream = await runForward(await options([], { forwards: 'two.yaml', output: 'json', address: '127.0.0.1' }), ctx, {
      connect: async (c) => (asked.push(c), thereConn),
    });
    const done = write(stream, ctx, 'json');
    const listening = await until(() => {
      const l = lines(io).filter((e) => e.event === 'listening');
      return l.length === 2 ? l : undefined;
    }, 'two listening events');
    expect(asked).toEqual(['staging']);
    expect(listening.map((e) => [e.context, e.namespace])).toEqual([
      [undefined, 'shop'],
      ['staging', 'staging-ns'],
    ]);
    expect(await echoOnce(listening[1]!.localPort as number, 'there')).toBe('there');
    expect(there.tunnels.length).toBe(1);
    expect(here.tunnels.length).toBe(0);
    ac.abort('SIGINT');
    expect(await done).toBe(0);

    // A permission missing in that context is named with the context, before anything listens.
    there.denied.add('create pods/portforward');
    const denied = runForward(
      await options([], { forwards: 'two.yaml' }),
      { ...context(here, createTestIo(), new AbortController()), cwd: dir },
      {
        connect: async () => thereConn,
      },
    );
    await expect(denied).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/^context staging: not allowed to create pods\/portforward/),
    });
  });
});
