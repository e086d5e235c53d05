// `kdiag forward` on the live cluster, in-process through runCli with an AbortController standing in for Ctrl-C. The
// pods' port 8080 is routed by a ClusterPortForward to a TCP echo server on 127.0.0.1 (nothing dials a pod or
// Service IP): client -> kdiag's listener -> apiserver -> kwok -> echo server.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { runCli } from '../../../src/cli.js';
import { ensureBundle, spawnBundle } from '../../helpers/bundle.js';
import { createTestIo, type TestIo } from '../../helpers/io.js';
import { deployment, service } from '../../helpers/manifests.js';
import {
  applyYaml,
  clusterInfo,
  kubectl,
  roundTrip,
  routePortForward,
  serviceEndpoints,
  startEchoServer,
  useNamespace,
  waitFor,
  waitForReadyPods,
  type LocalServer,
} from '../helpers/index.js';

const ns = useNamespace('forward');
let echo: LocalServer;

interface Ev {
  event: string;
  target: string;
  [k: string]: unknown;
}

interface Running {
  io: TestIo;
  events(): Ev[];
  waitEvent(pred: (e: Ev) => boolean, what: string, timeoutMs?: number): Promise<Ev>;
  stop(): Promise<number>;
  done: Promise<number>;
}

/** Starts `kdiag forward ARGS -o json` in-process; `stop()` aborts it as SIGINT does and resolves its exit status. */
function forward(args: string[], kubeconfig = clusterInfo().kubeconfig): Running {
  const io = createTestIo();
  const ac = new AbortController();
  const done = runCli(['forward', ...args, '-o', 'json'], {
    io,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    cwd: process.cwd(),
    signal: ac.signal,
  });
  const events = () =>
    io
      .stdout()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Ev);
  return {
    io,
    events,
    done,
    waitEvent: (pred, what, timeoutMs = 30_000) =>
      waitFor(() => events().find(pred), { timeoutMs, intervalMs: 50, what: `${what}; stderr: ${io.stderr()}` }),
    stop: async () => {
      ac.abort('SIGINT');
      return done;
    },
  };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function refused(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

beforeAll(async () => {
  echo = await startEchoServer();
  await routePortForward(ns.name, [{ podPort: 8080, localPort: echo.port }]);
  await applyYaml(
    [
      deployment({ name: 'web', replicas: 2 }),
      service({ name: 'web', selector: { 'e2e.kdiag.dev/deployment': 'web' } }),
      service({ name: 'named', selector: { 'e2e.kdiag.dev/deployment': 'web' }, ports: [{ name: 'api', port: 81, targetPort: 'http' }] }),
      service({ name: 'nobody', selector: { app: 'no-such-app' } }),
      deployment({ name: 'later', replicas: 0 }),
      service({ name: 'later', selector: { 'e2e.kdiag.dev/deployment': 'later' } }),
    ],
    { namespace: ns.name },
  );
  await waitForReadyPods(ns.name, 'e2e.kdiag.dev/deployment=web', 2);
  for (const svc of ['web', 'named']) {
    await waitFor(
      async () => {
        const e = await serviceEndpoints(ns.name, svc);
        return e.length === 2 && e.every((x) => x.ready) ? e : undefined;
      },
      { what: `2 ready endpoints of ${svc}` },
    );
  }
});
afterAll(async () => {
  await echo?.close();
});

describe('kdiag forward against the live cluster', () => {
  test('svc/web :80: a free local port on both loopbacks, bytes intact through 100 concurrent connections, both pods used, then SIGINT leaves nothing listening', async () => {
    const f = forward(['svc/web', ':80', '-n', ns.name]);
    try {
      const first = await f.waitEvent((e) => e.event === 'listening', 'a listening event');
      const port = first.localPort as number;
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(80);
      expect(first).toMatchObject({ schemaVersion: 1, command: 'forward', target: 'svc/web', namespace: ns.name, remotePort: 80 });
      await f.waitEvent((e) => e.event === 'listening' && e.localAddress === '::1', 'listening on ::1');
      expect(
        f
          .events()
          .filter((e) => e.event === 'listening')
          .map((e) => [e.localAddress, e.localPort]),
      ).toEqual([
        ['127.0.0.1', port],
        ['::1', port],
      ]);

      const payloads = Array.from({ length: 100 }, (_, i) => randomBytes(16 * 1024 + i * 1013));
      const backs = await Promise.all(payloads.map((p) => roundTrip(port, p, 60_000)));
      expect(backs.map(sha)).toEqual(payloads.map(sha));

      const before = f.events().filter((e) => e.event === 'pod-selected').length;
      for (let i = 0; i < 10; i++) {
        const p = randomBytes(1024);
        expect(sha(await roundTrip(port, p))).toBe(sha(p));
      }
      const selected = f.events().filter((e) => e.event === 'pod-selected');
      expect(selected.length - before).toBe(10);
      const pods = new Set(selected.slice(before).map((e) => e.pod));
      expect(pods.size).toBe(2);
      expect(selected.every((e) => e.podPort === 8080)).toBe(true);

      // SIGINT: a stopped event with the totals, exit 0, nothing listens any more.
      expect(await f.stop()).toBe(0);
      const last = f.events().at(-1)!;
      expect(last).toMatchObject({ event: 'stopped', target: 'svc/web', reason: 'SIGINT' });
      expect(last.connections).toBeGreaterThanOrEqual(110);
      expect(await refused(port)).toBe(true);
      expect(await refused(port, '::1')).toBe(true);
    } finally {
      await f.stop();
    }
  });

  test('the serving pod is deleted mid-session: its connection closes with the reason, new connections succeed within 30 s', async () => {
    const f = forward(['svc/web', ':80', '-n', ns.name]);
    try {
      const port = (await f.waitEvent((e) => e.event === 'listening', 'a listening event')).localPort as number;
      // A connection held open: find its pod, then delete that pod.
      const held = net.connect({ host: '127.0.0.1', port });
      held.on('error', () => undefined);
      held.resume();
      const opened = await f.waitEvent((e) => e.event === 'connection-opened', 'the held connection open');
      const victim = opened.pod as string;
      const deletedAt = Date.now();
      await kubectl(['delete', 'pod', victim, '--wait=false'], { namespace: ns.name });
      const closed = await f.waitEvent(
        (e) => e.event === 'connection-closed' && e.connection === opened.connection,
        'the held connection closed',
      );
      expect(['pod-gone', 'pod-not-ready']).toContain(closed.reason);
      held.destroy();

      // No action on our side: keep connecting until one goes through, each on a pod other than the deleted one.
      const payload = randomBytes(4096);
      await waitFor(
        async () => {
          try {
            return sha(await roundTrip(port, payload, 5_000)) === sha(payload);
          } catch {
            return undefined;
          }
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'a connection after the pod was deleted' },
      );
      const after = f.events().filter((e) => e.event === 'pod-selected' && (e.connection as number) > (opened.connection as number));
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((e) => e.pod !== victim)).toBe(true);
      expect(Date.now() - deletedAt).toBeLessThan(30_000);
    } finally {
      expect(await f.stop()).toBe(0);
    }
  });

  test('a rolling update (rollout restart) during a forward: no action taken, and no new connection fails once the new pods are ready', async () => {
    const f = forward(['svc/web', ':80', '-n', ns.name]);
    const failures: { at: number; error: string }[] = [];
    let stopLoad = false;
    try {
      const port = (await f.waitEvent((e) => e.event === 'listening', 'a listening event')).localPort as number;
      const old = new Set((await serviceEndpoints(ns.name, 'web')).map((e) => e.pod));
      // Connections all through the rollout, one every 50 ms, each checked byte for byte.
      const load = (async () => {
        while (!stopLoad) {
          const p = randomBytes(2048);
          try {
            const back = await roundTrip(port, p, 10_000);
            if (sha(back) !== sha(p)) failures.push({ at: Date.now(), error: 'bytes differ' });
          } catch (e) {
            failures.push({ at: Date.now(), error: String(e) });
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await kubectl(['rollout', 'restart', 'deployment/web'], { namespace: ns.name });
      await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s'], { namespace: ns.name });
      const fresh = await waitFor(
        async () => {
          const e = await serviceEndpoints(ns.name, 'web');
          return e.length === 2 && e.every((x) => x.ready && !old.has(x.pod)) ? e : undefined;
        },
        { timeoutMs: 60_000, what: 'the new pods as the only ready endpoints' },
      );
      const readyAt = Date.now();
      // 30 more connections after the new pods are ready: every one must succeed, on a new pod.
      const firstNew = f.events().filter((e) => e.event === 'pod-selected').length;
      for (let i = 0; i < 30; i++) {
        const p = randomBytes(4096);
        expect(sha(await roundTrip(port, p, 10_000))).toBe(sha(p));
      }
      stopLoad = true;
      await load;
      expect(failures.filter((x) => x.at >= readyAt)).toEqual([]);
      // serviceEndpoints names pods namespace/name; events name them by name.
      const freshPods = new Set(fresh.map((e) => e.pod!.split('/').pop()!));
      const later = f
        .events()
        .filter((e) => e.event === 'pod-selected')
        .slice(firstNew);
      expect(later.length).toBeGreaterThanOrEqual(30);
      expect(later.filter((e) => !freshPods.has(e.pod as string))).toEqual([]);
      // The forward itself never stopped.
      expect(f.events().some((e) => e.event === 'stopped')).toBe(false);
    } finally {
      stopLoad = true;
      expect(await f.stop()).toBe(0);
    }
  });

  test('a Service with no ready endpoints: --wait waits, listens and serves once a pod is ready; a connection made during a later outage waits and is served', async () => {
    const f = forward(['svc/later', ':80', '-n', ns.name, '--wait', '--pod-running-timeout', '2m']);
    try {
      const waiting = await f.waitEvent((e) => e.event === 'waiting', 'a waiting event');
      expect(waiting).toMatchObject({ target: 'svc/later', remotePort: 80, code: expect.stringMatching(/^[a-z-]+$/) });
      expect(f.events().some((e) => e.event === 'listening')).toBe(false);
      await kubectl(['scale', 'deployment/later', '--replicas=1'], { namespace: ns.name });
      const l = await f.waitEvent((e) => e.event === 'listening', 'listening once a pod is ready', 60_000);
      const port = l.localPort as number;
      const p = randomBytes(4096);
      expect(sha(await roundTrip(port, p))).toBe(sha(p));

      // An outage mid-session: the connection made meanwhile waits (no failure), then goes through.
      await kubectl(['scale', 'deployment/later', '--replicas=0'], { namespace: ns.name });
      await waitFor(async () => ((await serviceEndpoints(ns.name, 'later')).some((e) => e.ready) ? undefined : true), {
        timeoutMs: 60_000,
        what: 'no ready endpoint of later',
      });
      const q = randomBytes(4096);
      const pending = roundTrip(port, q, 90_000);
      await new Promise((r) => setTimeout(r, 1_000));
      await kubectl(['scale', 'deployment/later', '--replicas=1'], { namespace: ns.name });
      expect(sha(await pending)).toBe(sha(q));
      const waits = f.events().filter((e) => e.event === 'waiting');
      expect(waits.length).toBeGreaterThanOrEqual(2);
      expect(f.events().filter((e) => e.event === 'connection-closed' && e.reason === 'no-ready-pod')).toEqual([]);
    } finally {
      expect(await f.stop()).toBe(0);
    }
  });

  test('--all: every selector-backed Service of the namespace on its own port or a free one, each serving', async () => {
    const f = forward(['--all', '-n', ns.name, '--address', '127.0.0.1']);
    try {
      const want = ['svc/later', 'svc/named', 'svc/nobody', 'svc/web'];
      const ls = await waitFor(
        () => {
          const l = f.events().filter((e) => e.event === 'listening');
          return want.every((t) => l.some((e) => e.target === t)) ? l : undefined;
        },
        { timeoutMs: 30_000, what: `listening on ${want.join(', ')}; stderr: ${f.io.stderr()}` },
      );
      // Ports 80 and 81 are below 1024: free ports instead.
      const web = ls.find((e) => e.target === 'svc/web')!;
      const named = ls.find((e) => e.target === 'svc/named')!;
      expect(web.remotePort).toBe(80);
      expect(web.localPort).not.toBe(80);
      expect(named.remotePort).toBe(81);
      for (const e of [web, named]) {
        const p = randomBytes(2048);
        expect(sha(await roundTrip(e.localPort as number, p))).toBe(sha(p));
      }
    } finally {
      expect(await f.stop()).toBe(0);
    }
  });

  test('a Service with a named targetPort: the port is resolved on the pod (http -> 8080)', async () => {
    const f = forward(['svc/named', ':api', '-n', ns.name]);
    try {
      const l = await f.waitEvent((e) => e.event === 'listening', 'a listening event');
      expect(l.remotePort).toBe(81);
      const p = randomBytes(8192);
      expect(sha(await roundTrip(l.localPort as number, p))).toBe(sha(p));
      const sel = await f.waitEvent((e) => e.event === 'pod-selected', 'a pod-selected event');
      expect(sel).toMatchObject({ remotePort: 81, podPort: 8080 });
    } finally {
      expect(await f.stop()).toBe(0);
    }
  });

  test('a taken local port: exit 2 naming the port, suggesting :REMOTE, nothing printed on stdout', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const f = forward(['svc/web', `${port}:80`, '-n', ns.name]);
      expect(await f.done).toBe(2);
      expect(f.io.stderr()).toContain(`local port ${port} is already in use`);
      expect(f.io.stderr()).toContain(':80 for a free one');
      expect(f.io.stdout()).toBe('');
    } finally {
      taken.close();
    }
  });

  test('no TARGET without a terminal: exit 2 naming TARGET, no pick list, nothing on stdout', async () => {
    const f = forward(['-n', ns.name]);
    expect(await f.done).toBe(2);
    expect(f.io.stderr()).toMatch(/missing TARGET/);
    expect(f.io.stderr()).toContain('forward svc/web 8080:80');
    expect(f.io.stdout()).toBe('');
  });

  test('the limited user: exit 3 naming pods/portforward, before listening', async () => {
    const f = forward(['svc/web', ':80', '-n', ns.name], clusterInfo().limitedKubeconfig);
    expect(await f.done).toBe(3);
    expect(f.io.stderr()).toMatch(/not allowed to .*pods\/portforward/);
    expect(f.io.stdout()).toBe('');
  });

  test('a Service no pod can serve: exit 1 with the svc finding, nothing listening', async () => {
    const f = forward(['svc/nobody', '18231:80', '-n', ns.name]);
    expect(await f.done).toBe(1);
    expect(f.io.stderr()).toMatch(/^kdiag: svc\/nobody has no pod that can serve it: .+\[[a-z-]+\]\nhint: .+--wait/);
    expect(f.io.stdout()).toBe('');
    expect(await refused(18231)).toBe(true);
  });

  test('the built CLI, a Deployment by container port name: SIGTERM ends it with exit 0 after the stopped line', async () => {
    const cli = startBuilt(['forward', 'deploy/web', ':http', '-n', ns.name]);
    try {
      const port = await cli.port(/^Forwarding from 127\.0\.0\.1:(\d+) -> deploy\/web:8080$/m);
      const p = randomBytes(2048);
      expect(sha(await roundTrip(port, p))).toBe(sha(p));
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(cli.err()).toMatch(/Handling connection for \d+ \(pod web-/);
      expect(cli.err()).toMatch(/stopped deploy\/web \(SIGTERM\): 1 connection, 2\.0 kB in, 2\.0 kB out\n$/);
      expect(await refused(port)).toBe(true);
    } finally {
      cli.kill();
    }
  });

  test('the built CLI serves in a child re-executed with --max-semi-space-size=1; SIGTERM to the parent alone stops the child cleanly', async () => {
    const cli = startBuilt(['forward', 'svc/web', ':80', '-n', ns.name, '--debug']);
    try {
      const port = await cli.port(/^Forwarding from 127\.0\.0\.1:(\d+) -> svc\/web:80$/m);
      expect(cli.err()).toContain('debug: re-executing node with --max-semi-space-size=1\n');
      const m = /^debug: pid (\d+) runs with node flags: (.*) \(re-executed by pid (\d+)\)$/m.exec(cli.err());
      expect(m).not.toBeNull();
      const serving = Number(m![1]);
      expect(m![2]!.split(' ')).toContain('--max-semi-space-size=1');
      expect(Number(m![3])).toBe(cli.child.pid);
      expect(serving).not.toBe(cli.child.pid);
      // The kernel's view of the process that serves: a child of the started one, started with the flag.
      expect(readFileSync(`/proc/${cli.child.pid}/task/${cli.child.pid}/children`, 'utf8').trim()).toBe(String(serving));
      expect(readFileSync(`/proc/${serving}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=1');
      const p = randomBytes(4096);
      expect(sha(await roundTrip(port, p))).toBe(sha(p));
      cli.child.kill('SIGTERM'); // the parent only, as a supervisor would
      expect(await cli.exited).toBe(0);
      expect(cli.err().match(/^stopped svc\/web/gm)).toEqual(['stopped svc/web']);
      expect(cli.err()).toMatch(/stopped svc\/web \(SIGTERM\): 1 connection, 4\.1 kB in, 4\.1 kB out\n$/);
      expect(await refused(port)).toBe(true);
      expect(await waitFor(() => (exited(serving) ? true : undefined), { timeoutMs: 5_000, what: `pid ${serving} to exit` })).toBe(true);
    } finally {
      cli.kill();
    }
  });

  test('the built CLI: SIGINT to its process group (a terminal Ctrl-C reaches parent and child) stops once, exit 0', async () => {
    const cli = startBuilt(['forward', 'svc/web', ':80', '-n', ns.name, '--debug'], { group: true });
    try {
      const port = await cli.port(/^Forwarding from 127\.0\.0\.1:(\d+) -> svc\/web:80$/m);
      const serving = Number(/^debug: pid (\d+) runs with node flags/m.exec(cli.err())?.[1]);
      expect(serving).not.toBe(cli.child.pid);
      process.kill(-cli.child.pid!, 'SIGINT');
      expect(await cli.exited).toBe(0);
      expect(cli.err().match(/^stopped svc\/web.*$/gm)).toEqual(['stopped svc/web (SIGINT): 0 connections, 0 B in, 0 B out']);
      expect(await refused(port)).toBe(true);
      expect(await waitFor(() => (exited(serving) ? true : undefined), { timeoutMs: 5_000, what: `pid ${serving} to exit` })).toBe(true);
    } finally {
      cli.kill();
    }
  });
});

/** True once a process has exited (gone, or a zombie its new parent has not reaped yet). */
function exited(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * Runs the built CLI (dist/kdiag.js) as a user would, stdout and stderr piped; `group`: in a process group of its
 * own, so a signal can reach the whole group as a terminal's Ctrl-C does.
 */
function startBuilt(args: string[], opts: { group?: boolean } = {}) {
  ensureBundle();
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: clusterInfo().kubeconfig };
  delete env.NODE_OPTIONS;
  delete env.KDIAG_NO_REEXEC;
  const { child, exited, out, err } = spawnBundle(args, env, opts);
  return {
    child,
    exited,
    err,
    port: async (re: RegExp) =>
      Number(await waitFor(() => re.exec(out())?.[1], { timeoutMs: 30_000, what: `${re.source}; stderr: ${err()}` })),
    /** Stops whatever is left (the group too). */
    kill: () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (opts.group) process.kill(-child.pid!, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
