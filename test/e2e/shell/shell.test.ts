// `kdiag shell` against the live cluster, through the built bundle as a child process (so that real signals reach
// it). KWOK never pulls the image: exec runs the named shim programs on this host, and any non-zero exit comes back
// as 1, so these tests assert zero against non-zero (the exact mapping is unit-tested on recorded status messages).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureBundle } from '../../helpers/bundle.js';
import { pod as podManifest } from '../../helpers/manifests.js';
import {
  applyYaml,
  clusterInfo,
  getJson,
  kubectl,
  LIMITED_NAMESPACE,
  repoRoot,
  run,
  sleep,
  useNamespace,
  waitFor,
  waitForReadyPods,
  type RunResult,
} from '../helpers/index.js';

const ns = useNamespace('shell');
const BIN = path.join(repoRoot, 'bin', 'kdiag');
const SELECTOR = 'app.kubernetes.io/managed-by=kdiag,app.kubernetes.io/component=kdiag-shell';

type Any = Record<string, any>;

function kdiag(args: string[], opts: { kubeconfig?: string; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return run(BIN, args, {
    env: { ...process.env, KUBECONFIG: opts.kubeconfig ?? clusterInfo().kubeconfig, NO_COLOR: '1' },
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

interface Child {
  proc: ChildProcess;
  stderr(): string;
  stdout(): string;
  exit: Promise<number | null>;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children.clear();
});

function start(args: string[], kubeconfig = clusterInfo().kubeconfig): Child {
  const proc = spawn(BIN, args, { env: { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { proc, stderr: () => err, stdout: () => out, exit };
}

async function shellPods(namespace: string): Promise<Any[]> {
  const list = await getJson<{ items: Any[] }>(['pods', '-n', namespace, '-l', SELECTOR]);
  return list.items;
}

/** The one running debug pod of `namespace` (waits for it). */
async function runningShellPod(namespace: string, child?: Child): Promise<Any> {
  return waitFor(async () => (await shellPods(namespace)).find((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp), {
    timeoutMs: 30_000,
    what: `a running debug pod in ${namespace}; kdiag stderr: ${child?.stderr() ?? ''}`,
  });
}

/** A debug pod whose kdiag was killed with SIGKILL (so nothing deleted it). */
async function orphanedShellPod(namespace: string): Promise<Any> {
  const child = start(['shell', '-n', namespace, '--', 'sleep', '50']);
  const pod = await runningShellPod(namespace, child);
  child.proc.kill('SIGKILL');
  await child.exit;
  return pod;
}

async function gone(namespace: string, name: string): Promise<void> {
  await waitFor(async () => (await shellPods(namespace)).every((p) => p.metadata.name !== name) || undefined, {
    timeoutMs: 20_000,
    what: `pod ${name} to be gone`,
  });
}

beforeAll(() => ensureBundle());

describe('kdiag shell on the live cluster', () => {
  test('-- CMD: its output and a zero or non-zero status come back; a missing program is 127; the pod is gone after each', async () => {
    const ok = await kdiag(['shell', '-n', ns.name, '--', 'echo', 'hello', 'from', 'the', 'pod']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('hello from the pod\n');
    expect(ok.code).toBe(0);
    const bad = await kdiag(['shell', '-n', ns.name, '--', 'sh', '-c', 'exit 3']);
    expect(bad.code).toBe(1); // KWOK turns every non-zero exit into 1
    const missing = await kdiag(['shell', '-n', ns.name, '--', 'no-such-program']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/executable file not found/);
    expect(await shellPods(ns.name)).toEqual([]);
  });

  test('the pod spec is as described, and the pod is gone after SIGINT, SIGTERM and SIGHUP (130, 143, 129)', async () => {
    const statuses: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const child = start(['shell', '-n', ns.name, '--deadline', '10m', '--', 'sleep', '50']);
      const pod = await runningShellPod(ns.name, child);
      if (sig === 'SIGINT') {
        const s = pod.spec;
        expect(pod.metadata.labels).toMatchObject({
          'app.kubernetes.io/managed-by': 'kdiag',
          'kdiag.dev/run-id': expect.stringMatching(/^\w{8}$/),
        });
        expect(pod.metadata.annotations['kdiag.dev/owner']).toBe(`${os.userInfo().username}@${os.hostname()}:${child.proc.pid}`);
        expect(Date.parse(pod.metadata.annotations['kdiag.dev/heartbeat'])).not.toBeNaN();
        expect(s.activeDeadlineSeconds).toBe(600);
        expect(s.restartPolicy).toBe('Never');
        expect(s.terminationGracePeriodSeconds).toBe(1);
        expect(s.automountServiceAccountToken).toBe(false);
        expect(s.enableServiceLinks).toBe(false);
        expect(s.containers[0].image).toMatch(/^nicolaka\/netshoot:v[\d.]+@sha256:[0-9a-f]{64}$/);
        expect(s.containers[0].command).toEqual(['sleep', '600']);
        expect(s.containers[0].resources.requests).toEqual({ cpu: '10m', memory: '32Mi' });
      }
      child.proc.kill(sig);
      expect(await child.exit).toBe(statuses[sig]);
      expect(child.stderr()).toContain(`stopped by ${sig}`);
      await gone(ns.name, pod.metadata.name);
    }
  });

  test('after SIGKILL the pod stays; --gc --stale-after 1s removes it once its heartbeat is stale (server clock)', async () => {
    const pod = await orphanedShellPod(ns.name);
    const fresh = await kdiag(['shell', '--gc', '-n', ns.name]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/no kdiag debug pods to remove in namespace .*; 1 still in use kept/);
    await sleep(2_100);
    const gc = await kdiag(['shell', '--gc', '-n', ns.name, '--stale-after', '1s', '-o', 'json']);
    expect(gc.code).toBe(0);
    const doc = JSON.parse(gc.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'shell', staleAfterSeconds: 1, kept: 0 });
    expect(doc.removed).toEqual([expect.objectContaining({ name: pod.metadata.name, reason: 'stale', deleted: true })]);
    await gone(ns.name, pod.metadata.name);
  });

  test('--gc removes a finished pod (stopped by its deadline: KWOK does not, so the test writes that status)', async () => {
    const pod = await orphanedShellPod(ns.name);
    await kubectl([
      'patch',
      'pod',
      pod.metadata.name,
      '-n',
      ns.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' },
      }),
    ]);
    const gc = await kdiag(['shell', '--gc', '-A']);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(new RegExp(`${pod.metadata.name}\\s+finished \\(DeadlineExceeded\\)\\s+Failed`));
    await gone(ns.name, pod.metadata.name);
  });

  test('a namespace enforcing restricted gets a compliant pod (the real admission checks it)', async () => {
    const restricted = `${ns.name}-r`;
    await kubectl(['create', 'namespace', restricted]);
    try {
      await kubectl(['label', 'namespace', restricted, 'pod-security.kubernetes.io/enforce=restricted', 'e2e.kdiag.dev/test=true']);
      await waitFor(async () => (await kubectl(['get', 'sa', 'default', '-n', restricted], { check: false })).code === 0 || undefined, {
        what: 'the default ServiceAccount',
      });
      const child = start(['shell', '-n', restricted, '--', 'sleep', '50']);
      const pod = await runningShellPod(restricted, child);
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.spec.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      child.proc.kill('SIGTERM');
      expect(await child.exit).toBe(143);
      expect(child.stderr()).toMatch(
        /does not admit the default profile \(violates PodSecurity "restricted:latest"\); using the restricted profile/,
      );
      expect(child.stderr()).toMatch(/tcpdump .* will not work/);
      const r = await kdiag(['shell', '-n', restricted, '--', 'echo', 'ok']);
      expect([r.code, r.stdout]).toEqual([0, 'ok\n']);
      // A profile the namespace rejects, asked for by name: explained, naming the label, before anything is created.
      const denied = await kdiag(['shell', '-n', restricted, '--profile', 'netadmin', '--', 'true']);
      expect(denied.code).toBe(125);
      expect(denied.stderr).toMatch(/violates PodSecurity/);
      expect(denied.stderr).toContain('pod-security.kubernetes.io/enforce=restricted');
      expect(await shellPods(restricted)).toEqual([]);
    } finally {
      await kubectl(['delete', 'namespace', restricted, '--wait=false'], { check: false });
    }
  });

  test('a pod that cannot be scheduled is explained within the start timeout, and deleted', async () => {
    const t0 = Date.now();
    const r = await kdiag(['shell', '-n', ns.name, '--node', 'no-such-node', '--start-timeout', '4s', '--', 'true']);
    expect(r.code).toBe(125);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/did not start within 4s: not scheduled: Unschedulable \(0\/2 nodes are available: .*NodeAffinity/);
    expect(r.stderr).toMatch(/^hint: /m);
    await waitFor(async () => ((await shellPods(ns.name)).length === 0 ? true : undefined), {
      what: 'no debug pod left',
      timeoutMs: 20_000,
    });
  });

  test('--near POD: a required node affinity on its node (matchFields), no nodeName from kdiag', async () => {
    await applyYaml(podManifest('anchor', { app: 'anchor' }, { nodeName: 'kwok-node-1' }), { namespace: ns.name });
    await waitForReadyPods(ns.name, 'app=anchor', 1);
    const child = start(['shell', '-n', ns.name, '--near', 'pod/anchor', '--', 'sleep', '50']);
    const pod = await runningShellPod(ns.name, child);
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['kwok-node-1'] }] },
    ]);
    expect(pod.spec.nodeName).toBe('kwok-node-1'); // set by the scheduler
    child.proc.kill('SIGINT');
    expect(await child.exit).toBe(130);
    await gone(ns.name, pod.metadata.name);
  });

  test('RBAC denial (the limited user) is reported before anything is created', async () => {
    const r = await kdiag(['shell', '-n', LIMITED_NAMESPACE, '--', 'true'], { kubeconfig: clusterInfo().limitedKubeconfig });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/not allowed to create pods in namespace kdiag-limited; patch pods .*; delete pods .*create pods\/exec/);
    expect(await shellPods(LIMITED_NAMESPACE)).toEqual([]);
    const gc = await kdiag(['shell', '--gc', '-A'], { kubeconfig: clusterInfo().limitedKubeconfig });
    expect(gc.code).toBe(3);
    expect(gc.stderr).toMatch(/not allowed to list pods cluster-wide; delete pods cluster-wide/);
  });

  test.each([
    ['exit 0', 0],
    ['exit 3', 1], // KWOK turns every non-zero exit into 1
  ])('interactive, in a real pseudo-terminal (script): bash answers; "%s" ends it with %i, the pod is gone', async (exitLine, status) => {
    // `stty` sizes the pseudo-terminal (script gives it 0x0 when its own input is a pipe), so kdiag sends a size.
    const cmd = `stty cols 100 rows 30; exec ${BIN} shell -n ${ns.name}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: { ...process.env, KUBECONFIG: clusterInfo().kubeconfig },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const pod = await runningShellPod(ns.name);
    await waitFor(() => (out.includes('$ ') ? true : undefined), {
      what: `the shell prompt; output so far: ${JSON.stringify(out)}`,
      timeoutMs: 20_000,
    });
    child.stdin.write('echo hello-from-pty\r');
    // The terminal echoes the typed line ("$ echo hello-from-pty"); the command's output is a line of its own.
    await waitFor(() => (/\nhello-from-pty/.test(out) ? true : undefined), {
      what: `the echo; output: ${JSON.stringify(out)}`,
      timeoutMs: 20_000,
    });
    child.stdin.write(`${exitLine}\r`);
    expect(await exit).toBe(status);
    await gone(ns.name, pod.metadata.name);
  });

  test('a lost connection (a loopback proxy in front of the apiserver, cut): the delete is retried and the pod removed when the server is back; if it never is, the --gc command is printed', async () => {
    const admin = clusterInfo().kubeconfig;
    const server = (await kubectl(['config', 'view', '--minify', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}'])).stdout.trim();
    const upstream = new URL(server);
    const sockets = new Set<net.Socket>();
    let proxy: net.Server | undefined;
    const listen = (port: number) =>
      new Promise<number>((resolve) => {
        proxy = net.createServer((client) => {
          const up = net.connect(Number(upstream.port), '127.0.0.1');
          sockets.add(client).add(up);
          client.pipe(up).pipe(client);
          const drop = () => (client.destroy(), up.destroy());
          client.on('error', drop).on('close', drop);
          up.on('error', drop).on('close', drop);
        });
        proxy.listen(port, '127.0.0.1', () => resolve((proxy!.address() as net.AddressInfo).port));
      });
    const cut = () =>
      new Promise<void>((resolve) => {
        proxy!.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
    const port = await listen(0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kdiag-shell-proxy-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, readFileSync(admin, 'utf8').split(server).join(`https://127.0.0.1:${port}`));
    try {
      // 1. Cut, then back after 1.5 s: kdiag retries the delete within --request-timeout and succeeds.
      let child = start(['shell', '-n', ns.name, '--request-timeout', '8s', '--', 'sleep', '50'], kubeconfig);
      let pod = await runningShellPod(ns.name, child);
      await sleep(500);
      await cut();
      await sleep(1_500);
      await listen(port);
      expect(await child.exit).toBe(1);
      expect(child.stderr()).toMatch(/lost the connection to pod/);
      expect(child.stderr()).not.toMatch(/could not delete/);
      await gone(ns.name, pod.metadata.name);

      // 2. Cut for good: the delete is retried for --request-timeout, then kdiag prints the --gc command.
      child = start(['shell', '-n', ns.name, '--request-timeout', '2s', '--', 'sleep', '50'], kubeconfig);
      pod = await runningShellPod(ns.name, child);
      await sleep(500);
      await cut();
      expect(await child.exit).toBe(1);
      expect(child.stderr()).toMatch(new RegExp(`could not delete pod ${pod.metadata.name} in namespace ${ns.name}`));
      expect(child.stderr()).toContain(`kdiag shell --gc -n ${ns.name}`);
      expect((await shellPods(ns.name)).map((p) => p.metadata.name)).toContain(pod.metadata.name);
      await sleep(1_100);
      const gc = await kdiag(['shell', '--gc', '-n', ns.name, '--stale-after', '1s']);
      expect(gc.stdout).toContain(pod.metadata.name);
      await gone(ns.name, pod.metadata.name);
    } finally {
      await cut().catch(() => undefined);
    }
  });

  test('--ephemeral: needs --yes without a terminal; adds a container running sleep to the pod and execs in it', async () => {
    await applyYaml(podManifest('target', { app: 'target' }), { namespace: ns.name });
    await waitForReadyPods(ns.name, 'app=target', 1);
    const noYes = await kdiag(['shell', '-n', ns.name, '--ephemeral', 'target', '--', 'true']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--yes/);
    const child = start([
      'shell',
      '-n',
      ns.name,
      '--ephemeral',
      'pod/target',
      '--target',
      'app',
      '--yes',
      '--deadline',
      '5m',
      '--',
      'echo',
      'inside',
    ]);
    const c = await waitFor(
      async () => {
        const p = await getJson<Any>(['pod', 'target', '-n', ns.name]);
        return (p.spec.ephemeralContainers ?? [])[0];
      },
      { what: `an ephemeral container; kdiag stderr: ${child.stderr()}` },
    );
    expect(c.command).toEqual(['sleep', '300']);
    expect(c.targetContainerName).toBe('app');
    // KWOK writes no ephemeralContainerStatuses: the test does, through the status subresource.
    await kubectl([
      'patch',
      'pod',
      'target',
      '-n',
      ns.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          ephemeralContainerStatuses: [
            {
              name: c.name,
              image: c.image,
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { running: { startedAt: new Date().toISOString() } },
            },
          ],
        },
      }),
    ]);
    expect(await child.exit).toBe(0);
    expect(child.stdout()).toBe('inside\n');
    expect(child.stderr()).toMatch(/can never be removed/);
    const p = await getJson<Any>(['pod', 'target', '-n', ns.name]);
    expect(p.spec.activeDeadlineSeconds).toBeUndefined();
  });
});
