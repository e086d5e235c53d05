// kdiag's own KubeConnection against the real apiserver and KWOK: access reviews, writes, the server clock, observe,
// port-forward over WebSocket (v4.channel.k8s.io) to a local echo server on 127.0.0.1, and exec of the shims.
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { exitCodeOf } from '../../../src/cluster/channels.js';
import { execQuery, openChannelSocket } from '../../../src/cluster/websocket.js';
import { apiPath } from '../../../src/cluster/transport.js';
import { createKubeConnection, type LiveKubeConnection } from '../../../src/cluster/kube-connection.js';
import type { ObserveEvent } from '../../../src/cluster/kube-api.js';
import { R } from '../../../src/cluster/reader.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import { deployment } from '../../helpers/manifests.js';
import {
  applyYaml,
  clusterInfo,
  LIMITED_NAMESPACE,
  routePortForward,
  startEchoServer,
  useNamespace,
  waitFor,
  waitForReadyPods,
  type LocalServer,
} from '../helpers/index.js';
import { sink } from '../../helpers/streams.js';

const ns = useNamespace('kube-connection');
let conn: LiveKubeConnection;
let echo: LocalServer;
let pod: string;

function connect(kubeconfig = clusterInfo().kubeconfig): LiveKubeConnection {
  return createKubeConnection({ kubeconfig, requestTimeoutMs: 20_000, env: process.env });
}

beforeAll(async () => {
  conn = connect();
  echo = await startEchoServer();
  await routePortForward(ns.name, [{ podPort: 8080, localPort: echo.port }]);
  await applyYaml(deployment({ name: 'echo', replicas: 1 }), { namespace: ns.name });
  const [p] = await waitForReadyPods(ns.name, 'e2e.kdiag.dev/deployment=echo', 1);
  pod = p!.metadata.name;
});
afterAll(async () => {
  await echo?.close();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Sends `payload` through a new tunnel and reads as many bytes back. */
async function tunnelRoundTrip(payload: Buffer): Promise<Buffer> {
  const t = await conn.portForward(ns.name, pod, 8080);
  try {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = new Promise<void>((resolve, reject) => {
      t.stream.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        if (got >= payload.length) resolve();
      });
      t.stream.on('end', () => reject(new Error(`tunnel ended after ${got}/${payload.length} bytes`)));
      t.stream.on('error', reject);
    });
    t.stream.write(payload);
    await done;
    return Buffer.concat(chunks);
  } finally {
    t.close();
    expect(await t.error).toBeUndefined();
  }
}

describe('KubeConnection against the test cluster', () => {
  test('canI: the admin may create pods/exec, the limited user may not', async () => {
    const check = { verb: 'create', resource: 'pods', subresource: 'exec', namespace: LIMITED_NAMESPACE } as const;
    const [admin] = await conn.canI([check]);
    expect(admin).toMatchObject({ ...check, allowed: true });
    const limited = connect(clusterInfo().limitedKubeconfig);
    const [denied, canList] = await limited.canI([check, { verb: 'list', resource: 'pods', namespace: LIMITED_NAMESPACE }]);
    expect(denied).toMatchObject({ ...check, allowed: false });
    expect(canList).toMatchObject({ verb: 'list', allowed: true });
  });

  test('create (and dry run), patch (merge, strategic, json, status) and delete a pod', async () => {
    const body = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kc-pod', labels: { a: '1' } },
      spec: { containers: [{ name: 'app', image: 'registry.invalid/kdiag-e2e:1' }] },
    };
    const dry = await conn.create(R.pods, ns.name, body, { dryRun: true });
    expect(dry.metadata.name).toBe('kc-pod');
    expect(await conn.reader.get(R.pods, ns.name, 'kc-pod')).toBeUndefined();

    const made = await conn.create(R.pods, ns.name, body);
    expect((made.metadata as { uid?: string }).uid).toBeTruthy();
    const merged = await conn.patch<KubeObject>(R.pods, ns.name, 'kc-pod', { metadata: { labels: { b: '2' } } });
    expect(merged.metadata.labels).toEqual({ a: '1', b: '2' });
    const strategic = await conn.patch<KubeObject>(R.pods, ns.name, 'kc-pod', { metadata: { labels: { c: '3' } } }, { type: 'strategic' });
    expect(strategic.metadata.labels).toEqual({ a: '1', b: '2', c: '3' });
    const json = await conn.patch<KubeObject>(R.pods, ns.name, 'kc-pod', [{ op: 'remove', path: '/metadata/labels/a' }], { type: 'json' });
    expect(json.metadata.labels).toEqual({ b: '2', c: '3' });
    const status = await conn.patch<KubeObject & { status?: { conditions?: { type: string }[] } }>(
      R.pods,
      ns.name,
      'kc-pod',
      { status: { conditions: [{ type: 'kdiag.dev/Checked', status: 'True' }] } },
      { type: 'strategic', subresource: 'status' },
    );
    expect(status.status?.conditions?.map((c) => c.type)).toContain('kdiag.dev/Checked');

    expect(await conn.delete(R.pods, ns.name, 'kc-pod', { gracePeriodSeconds: 0 })).toBe(true);
    await waitFor(async () => (await conn.reader.get(R.pods, ns.name, 'kc-pod')) === undefined, { what: 'kc-pod gone' });
    expect(await conn.delete(R.pods, ns.name, 'kc-pod')).toBe(false);
  });

  test('a forbidden write names the verb, resource and namespace', async () => {
    const limited = connect(clusterInfo().limitedKubeconfig);
    await expect(limited.create(R.configmaps, LIMITED_NAMESPACE, { metadata: { name: 'x' } })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining(`cannot create configmaps in namespace "${LIMITED_NAMESPACE}"`),
    });
  });

  test('serverTime is close to the local clock', async () => {
    const fresh = connect();
    const t = await fresh.serverTime();
    expect(Math.abs(t.getTime() - Date.now())).toBeLessThan(5_000);
    expect(fresh.reader.requestCount).toBe(1);
  });

  test('observe: a sync, then add, modify and delete of a ConfigMap; abort ends it', async () => {
    const ac = new AbortController();
    const events: ObserveEvent<KubeObject>[] = [];
    const seen = (pred: (e: ObserveEvent<KubeObject>) => boolean) => waitFor(() => events.some(pred), { what: 'an observe event' });
    const name = (e: ObserveEvent<KubeObject>) => ('object' in e ? e.object.metadata.name : undefined);
    const loop = (async () => {
      for await (const e of conn.observe<KubeObject>(R.configmaps, { namespace: ns.name }, ac.signal)) events.push(e);
    })();
    await seen((e) => e.type === 'sync');
    const sync = events[0]!;
    expect(sync.type === 'sync' && sync.objects.map((o) => o.metadata.name)).toContain('kube-root-ca.crt');

    await conn.create(R.configmaps, ns.name, { metadata: { name: 'watched' }, data: { a: '1' } });
    await seen((e) => e.type === 'added' && name(e) === 'watched');
    await conn.patch(R.configmaps, ns.name, 'watched', { data: { a: '2' } });
    await seen((e) => e.type === 'modified' && name(e) === 'watched');
    expect(await conn.delete(R.configmaps, ns.name, 'watched')).toBe(true);
    await seen((e) => e.type === 'deleted' && name(e) === 'watched');

    ac.abort();
    await loop;
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  test('observe with metadataOnly: watch events carry metadata only (kind as in lists)', async () => {
    const ac = new AbortController();
    const events: ObserveEvent<KubeObject>[] = [];
    const loop = (async () => {
      for await (const e of conn.observe<KubeObject>(R.configmaps, { namespace: ns.name, metadataOnly: true }, ac.signal)) {
        events.push(e);
        if (e.type === 'sync')
          await conn.create(R.configmaps, ns.name, { metadata: { name: 'slim', labels: { x: 'y' } }, data: { big: 'z' } });
        if (e.type === 'added') ac.abort();
      }
    })();
    await loop;
    const added = events.find((e) => e.type === 'added');
    expect(added?.type === 'added' && added.object).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'slim', labels: { x: 'y' } },
    });
    expect(added?.type === 'added' && added.object.data).toBeUndefined();
  });

  test('portForward: 256 KiB of random bytes come back intact through KWOK to 127.0.0.1', async () => {
    const payload = randomBytes(256 * 1024);
    const back = await tunnelRoundTrip(payload);
    expect(back.length).toBe(payload.length);
    expect(sha(back)).toBe(sha(payload));
  });

  test('portForward: 20 concurrent tunnels, each with its own checksum', async () => {
    const payloads = Array.from({ length: 20 }, (_, i) => randomBytes(16 * 1024 + i * 997));
    const before = echo.connections;
    const backs = await Promise.all(payloads.map((p) => tunnelRoundTrip(p)));
    expect(backs.map(sha)).toEqual(payloads.map(sha));
    expect(echo.connections - before).toBe(20);
  });

  test('portForward to a port without a route reports the error channel', async () => {
    const t = await conn.portForward(ns.name, pod, 9999);
    t.stream.resume();
    t.stream.write(Buffer.from('x'));
    let timer: NodeJS.Timeout | undefined;
    const message = await Promise.race([
      t.error,
      new Promise<string>((r) => (timer = setTimeout(() => r('no error within 15 s'), 15_000))),
    ]);
    clearTimeout(timer);
    t.close();
    expect(message).toMatch(/no forward found for port 9999/);
  });

  test('portForward and exec for the limited user: refused at the handshake, naming the subresource', async () => {
    const limited = connect(clusterInfo().limitedKubeconfig);
    await expect(limited.portForward(LIMITED_NAMESPACE, 'any-pod', 8080)).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining(`cannot create pods/portforward in namespace "${LIMITED_NAMESPACE}"`),
    });
    await expect(
      limited.exec({ namespace: LIMITED_NAMESPACE, pod: 'any-pod', command: ['true'], stdout: sink().stream }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    // The WebSocket handshake is a GET, yet recent apiservers also check `create` on the subresource.
    const checks = (['get', 'create'] as const).map((verb) => ({ verb, resource: 'pods', subresource: 'portforward', namespace: ns.name }));
    expect((await conn.canI(checks)).map((r) => r.allowed)).toEqual([true, true]);
  });

  test('exec: a shim prints and exits 0 over v5.channel.k8s.io', async () => {
    const out = sink();
    const err = sink();
    const r = await conn.exec({ namespace: ns.name, pod, command: ['echo', 'hello', 'kdiag'], stdout: out.stream, stderr: err.stream });
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.status).toMatchObject({ status: 'Success', exitCode: 0 });
    expect(out.text()).toBe('hello kdiag\n');
  });

  test('exec: a failing program is a Failure with a non-zero exit (KWOK reports every failure as one error)', async () => {
    const out = sink();
    const r = await conn.exec({ namespace: ns.name, pod, command: ['false'], stdout: out.stream });
    expect(r.status.status).toBe('Failure');
    expect(exitCodeOf(r.status)).not.toBe(0);
    const missing = sink();
    const m = await conn.exec({ namespace: ns.name, pod, command: ['kdiag-no-such-program'], stdout: out.stream, stderr: missing.stream });
    expect(m.status.status).toBe('Failure');
    expect(`${m.status.message ?? ''}${missing.text()}`).toMatch(/executable file not found/);
  });

  test('exec: stdin reaches the sh shim', async () => {
    const out = sink();
    const stdin = new PassThrough();
    stdin.end('echo from-stdin\nexit\n');
    const r = await conn.exec({ namespace: ns.name, pod, command: ['sh'], stdin, stdout: out.stream, stderr: sink().stream });
    expect(out.text()).toContain('from-stdin');
    expect(exitCodeOf(r.status)).toBe(0);
  });
});

describe('the wire protocols as the apiserver 1.36 and KWOK speak them', () => {
  /** Opens a raw channel socket and records its binary frames until it closes (or `untilFrames` came). */
  async function frames(path: string, protocols: string[], send?: Buffer, untilFrames = Infinity) {
    const got: Buffer[] = [];
    let done!: () => void;
    const closed = new Promise<void>((r) => (done = r));
    const ws = await openChannelSocket(
      conn.transport,
      path,
      protocols,
      { verb: 'create', resource: 'pods/x', namespace: ns.name },
      {
        message: (m) => {
          got.push(Buffer.from(m));
          if (got.length >= untilFrames) done();
        },
        close: () => done(),
        error: () => undefined,
      },
    );
    if (send) ws.send(send);
    await closed;
    ws.terminate();
    return { protocol: ws.protocol, frames: got.map((b) => [b[0], b.subarray(1)] as const) };
  }

  test('port-forward v4: the first frame on channels 0 and 1 is the port, 2 bytes little-endian', async () => {
    const r = await frames(`${apiPath(R.pods, ns.name, pod, 'portforward')}?ports=8080`, ['v4.channel.k8s.io'], undefined, 2);
    expect(r.protocol).toBe('v4.channel.k8s.io');
    expect(r.frames.map(([ch, d]) => [ch, [...d]])).toEqual([
      [0, [0x90, 0x1f]],
      [1, [0x90, 0x1f]],
    ]);
  });

  test('exec: v5 and v4 are both accepted; the v5 status comes from the apiserver, v4 from KWOK', async () => {
    const path = `${apiPath(R.pods, ns.name, pod, 'exec')}?${execQuery({ command: ['sh', '-c', 'echo x; exit 3'] })}`;
    const v5 = await frames(path, ['v5.channel.k8s.io']);
    const v4 = await frames(path, ['v4.channel.k8s.io']);
    for (const r of [v5, v4]) {
      expect(r.frames.filter(([ch]) => ch === 1).map(([, d]) => d.toString())).toEqual(['', 'x\n']);
      const status = JSON.parse(r.frames.find(([ch]) => ch === 3)![1].toString()) as { status: string; message: string; details?: unknown };
      expect(status).toMatchObject({ status: 'Failure', message: expect.stringContaining('exit status 3') });
    }
    expect(v5.protocol).toBe('v5.channel.k8s.io');
    expect(v4.protocol).toBe('v4.channel.k8s.io');
  });
});
