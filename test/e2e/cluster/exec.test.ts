// Exec through the apiserver and KWOK runs the argv on this host, with PATH holding only test/cluster/shims/.
// An unknown program must fail instead of running anything else; the shims give canned answers.
import {
  applyYaml,
  execInPod,
  registerServiceDns,
  routeExec,
  useNamespace,
  waitForReadyPods,
  kubectl,
  closeShimPort,
  openShimPort,
  runShim,
} from '../helpers/index.js';
import { deployment, service } from '../../helpers/manifests.js';

const ns = useNamespace('exec');
let pod: string;

beforeAll(async () => {
  await applyYaml(
    [deployment({ name: 'shell', replicas: 1, templateLabels: { app: 'shell' } }), service({ name: 'shell', selector: { app: 'shell' } })],
    {
      namespace: ns.name,
    },
  );
  const [p] = await waitForReadyPods(ns.name, 'app=shell', 1);
  pod = p!.metadata.name;
});

describe('exec through KWOK', () => {
  test('an unknown program fails and runs nothing', async () => {
    const r = await execInPod(ns.name, pod, ['kdiag-no-such-program', '--version']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/executable file not found in \$PATH/);
  });

  test('programs that exist on the host but not among the shims are not found', async () => {
    for (const prog of ['ls', 'python3', 'kubectl', 'node']) {
      const r = await execInPod(ns.name, pod, [prog]);
      expect(`${prog}: exit ${r.code}`).not.toBe(`${prog}: exit 0`);
      expect(r.stderr).toMatch(/executable file not found/);
    }
  });

  test('the shims answer: nslookup, cat, sh -c', async () => {
    const ns1 = await execInPod(ns.name, pod, ['nslookup', 'kubernetes.default']);
    expect(ns1.code).toBe(0);
    expect(ns1.stdout).toContain('Address: 10.96.0.1');

    const resolv = await execInPod(ns.name, pod, ['cat', '/etc/resolv.conf']);
    expect(resolv.stdout).toContain('nameserver 10.96.0.10');

    const sh = await execInPod(ns.name, pod, ['sh', '-c', 'echo a && nslookup nope.invalid. || echo not-found']);
    expect(sh.stdout).toContain('a\n');
    expect(sh.stdout).toContain('not-found');

    const tcp = await execInPod(ns.name, pod, ['sh', '-c', 'cat < /dev/tcp/10.96.0.1/443']);
    expect(tcp.code).not.toBe(0);
  });

  test('curl and nc answer from the shim data, and sleep is bounded', async () => {
    const host = `db.${ns.name}.svc.cluster.local`;
    await registerServiceDns(ns.name, 'shell');
    expect(
      (
        await execInPod(ns.name, pod, [
          'curl',
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          `http://shell.${ns.name}.svc.cluster.local:80/`,
        ])
      ).stdout,
    ).toBe('200');
    expect((await execInPod(ns.name, pod, ['nc', '-z', host, '5432'])).code).toBe(1); // unknown name
    await closeShimPort(`shell.${ns.name}.svc.cluster.local`, 80);
    try {
      const refused = await execInPod(ns.name, pod, ['curl', `http://shell.${ns.name}.svc.cluster.local/`]);
      expect(refused.code).not.toBe(0); // kwok reports a failed command, not its exit code: kubectl exits 1
      expect(refused.stderr).toContain('Connection refused');
    } finally {
      await openShimPort(`shell.${ns.name}.svc.cluster.local`, 80);
    }
    const t0 = Date.now();
    const slept = await runShim('sleep', ['infinity'], { KDIAG_SHIM_SLEEP_MAX: '1' });
    expect(slept.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  test('routeExec gives one pod its namespace for the DNS search path', async () => {
    const ip = await registerServiceDns(ns.name, 'shell');
    await routeExec(ns.name, pod);
    // kwok sees the Exec through a watch: poll until the namespace search path is in effect.
    let out = '';
    for (let i = 0; i < 40 && !out.includes(ip); i++) {
      out = (await execInPod(ns.name, pod, ['nslookup', 'shell'])).stdout;
      if (!out.includes(ip)) await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toContain(`Name:\tshell.${ns.name}.svc.cluster.local`);
    expect(out).toContain(`Address: ${ip}`);
    await kubectl(['delete', 'execs.kwok.x-k8s.io', pod], { namespace: ns.name });
  });
});
