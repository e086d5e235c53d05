// `kdiag dns --probe` against the live test cluster: the lookup runs through the API server's exec (WebSocket) and
// KWOK Exec, which runs the test cluster's shims on this host by name. The shims print canned answers from the run
// folder's shim-data/dns.txt (written here with the Services' real ClusterIPs) and touch no network. The client pod
// is routed by a namespaced KWOK Exec (routeExec) that sets the shims' search namespace (and domain).
//
// The custom-domain case creates kube-system/coredns: it holds the cluster-wide `coredns` lock (test/e2e/helpers/
// lock.ts) shared by every e2e run, and removes the ConfigMap (restoring one that was there) before releasing it.
import { spawn } from 'node:child_process';
import { runCli } from '../../../src/cli.js';
import { BUNDLE, ensureBundle } from '../../helpers/bundle.js';
import { createTestIo } from '../../helpers/io.js';
import { deployment, pod, service } from '../../helpers/manifests.js';
import {
  addShimDnsAnswer,
  addShimSrvAnswer,
  applyYaml,
  clusterInfo,
  getJson,
  getObject,
  kubectl,
  registerServiceDns,
  repoRoot,
  routeExec,
  useNamespace,
  waitFor,
  waitForReadyPods,
  withClusterLock,
} from '../helpers/index.js';
import { waitForSliceAddresses } from '../svc/helpers.js';

const ns = useNamespace('dns-probe');

interface ProbeDoc {
  clusterDomain: string;
  clusterDomainSource: string;
  queries: { name: string; type: string; result: string }[];
  answer: { records: { type: string; name: string; value: unknown }[] };
  findings: { code: string; severity: string; message: string; evidence: { kind: string; value: string }[] }[];
  notes: string[];
  probe?: {
    pod: { namespace: string; name: string; debug: boolean };
    commands: { command: string; exitCode?: number; missing?: boolean }[];
    resolvConf?: { search: string[]; ndots: number; nameservers: string[] };
    observed?: { source: string; addresses?: string[]; srv?: unknown[]; error?: string };
  };
}

async function kdiag(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
  const io = createTestIo();
  const code = await runCli(args, { io, env, cwd: repoRoot });
  return { code, out: io.stdout(), err: io.stderr() };
}

async function probe(name: string, extra: string[] = []): Promise<{ code: number; doc: ProbeDoc; err: string }> {
  const r = await kdiag(['dns', name, '-n', ns.name, '--probe', '-o', 'json', ...extra]);
  if (!r.out) throw new Error(`kdiag dns exited ${r.code} without JSON: ${r.err}`);
  return { code: r.code, doc: JSON.parse(r.out) as ProbeDoc, err: r.err };
}

const codesOf = (d: ProbeDoc) => d.findings.map((f) => f.code);
let echoerIp = '';

beforeAll(async () => {
  await applyYaml(
    [
      deployment({ name: 'echoer', replicas: 1, templateLabels: { app: 'echoer' } }),
      service({ name: 'echoer', selector: { app: 'echoer' } }),
      service({ name: 'stale', selector: { app: 'echoer' } }),
      service({ name: 'unlisted', selector: { app: 'echoer' } }),
      pod('prober', { app: 'prober' }),
      pod('prober-corp', { app: 'prober-corp' }),
    ],
    { namespace: ns.name },
  );
  await routeExec(ns.name, 'prober');
  await routeExec(ns.name, 'prober-corp', { KDIAG_SHIM_DOMAIN: 'corp.internal' });
  await waitForReadyPods(ns.name, 'app=echoer', 1);
  await waitForReadyPods(ns.name, 'app=prober', 1);
  await waitForReadyPods(ns.name, 'app=prober-corp', 1);
  // A ready pod is not yet a ready endpoint: on a loaded machine the EndpointSlice controller lags, and the engine
  // would rightly say dns-service-no-endpoints (seen once in CI).
  for (const svc of ['echoer', 'stale', 'unlisted'])
    await waitForSliceAddresses(ns.name, svc, 1, (e: { conditions?: { ready?: boolean } }) => e.conditions?.ready === true);
  echoerIp = await registerServiceDns(ns.name, 'echoer');
  // `stale`: the pod's DNS answers an address that is not the Service's (a cache, another resolver).
  await addShimDnsAnswer(`stale.${ns.name}.svc.cluster.local`, '10.96.250.250');
  await addShimSrvAnswer(`_http._tcp.echoer.${ns.name}.svc.cluster.local`, { port: 80, target: `echoer.${ns.name}.svc.cluster.local` });
  // For the custom-domain pod: the same Service under corp.internal.
  await addShimDnsAnswer(`echoer.${ns.name}.svc.corp.internal`, echoerIp);
});

describe('kdiag dns --probe on the live cluster (KWOK Exec, shims)', () => {
  test('--from-pod: resolv.conf and getent ahosts run in the pod; they agree with the API: exit 0, no finding', async () => {
    const r = await probe('echoer', ['--from-pod', 'prober']);
    expect(r.code).toBe(0);
    expect(codesOf(r.doc)).toEqual([]);
    expect(r.doc.probe?.pod).toEqual({ namespace: ns.name, name: 'prober', debug: false });
    expect(r.doc.probe?.commands).toEqual([
      { command: 'cat /etc/resolv.conf', exitCode: 0 },
      { command: 'getent ahosts echoer', exitCode: 0 },
    ]);
    expect(r.doc.probe?.resolvConf).toEqual({
      search: [`${ns.name}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
      ndots: 5,
      nameservers: ['10.96.0.10'],
    });
    expect(r.doc.probe?.observed).toEqual({ source: 'getent ahosts echoer', addresses: [echoerIp] });
    expect(r.doc.clusterDomainSource).toBe('resolv.conf');
    expect(r.doc.answer.records).toEqual([{ type: 'A', name: `echoer.${ns.name}.svc.cluster.local`, value: echoerIp }]);
  });

  test('the pod resolves another address: dns-probe-mismatch (exit 1) naming both', async () => {
    const stale = await getObject<{ spec: { clusterIP: string } }>('service', 'stale', ns.name);
    const r = await probe('stale', ['--from-pod', 'prober']);
    expect(r.code).toBe(1);
    expect(codesOf(r.doc)).toEqual(['dns-probe-mismatch']);
    expect(r.doc.findings[0]!.evidence).toEqual([
      { kind: 'expected', value: `addresses: ${stale!.spec.clusterIP}` },
      { kind: 'observed', value: 'getent ahosts stale: 10.96.250.250' },
    ]);
  });

  test('the pod gets NXDOMAIN for a Service the API has (getent exits 2 through KWOK): dns-probe-mismatch', async () => {
    const r = await probe(`unlisted.${ns.name}`, ['--from-pod', 'prober']);
    expect(r.code).toBe(1);
    expect(r.doc.probe?.observed).toEqual({ source: `getent ahosts unlisted.${ns.name}`, addresses: [], error: 'NXDOMAIN' });
    expect(r.doc.findings[0]!.message).toMatch(/^Inside the pod the lookup failed \(NXDOMAIN\)/);
  });

  test('an SRV name runs nslookup -type=SRV in the pod; port and target agree', async () => {
    const name = `_http._tcp.echoer.${ns.name}.svc.cluster.local`;
    const r = await probe(name, ['--from-pod', 'prober']);
    expect(r.code).toBe(0);
    expect(r.doc.probe?.commands[1]).toEqual({ command: `nslookup -type=SRV ${name}`, exitCode: 0 });
    expect(r.doc.probe?.observed?.srv).toEqual([{ priority: 0, weight: 100, port: 80, target: `echoer.${ns.name}.svc.cluster.local` }]);
    expect(r.doc.answer.records).toEqual([
      { type: 'SRV', name, value: { priority: 0, weight: 100, port: 80, target: `echoer.${ns.name}.svc.cluster.local` } },
    ]);
  });

  test('a headless Service\u2019s SRV name: one record per ready endpoint, the endpoint\u2019s port, a dashed-IP target; the pod agrees', async () => {
    await applyYaml(service({ name: 'ringer', selector: { app: 'echoer' }, spec: { clusterIP: 'None' } }), { namespace: ns.name });
    const slices = await waitForSliceAddresses(
      ns.name,
      'ringer',
      1,
      (ep: { conditions?: { ready?: boolean } }) => ep.conditions?.ready !== false,
    );
    const ip = (slices[0] as { endpoints: { addresses: string[] }[] }).endpoints[0]!.addresses[0]!;
    const target = `${ip.replace(/\./g, '-')}.ringer.${ns.name}.svc.cluster.local`;
    const name = `_http._tcp.ringer.${ns.name}.svc.cluster.local`;
    await addShimSrvAnswer(name, { weight: 100, port: 8080, target });
    const r = await probe(name, ['--from-pod', 'prober']);
    expect(r.doc.answer.records).toEqual([{ type: 'SRV', name, value: { priority: 0, weight: 100, port: 8080, target } }]);
    expect(r.doc.probe?.observed?.srv).toEqual([{ priority: 0, weight: 100, port: 8080, target }]);
    expect(codesOf(r.doc)).not.toContain('dns-probe-mismatch');
    expect(r.code).toBe(0);
  });

  test('text output shows the probe section', async () => {
    const r = await kdiag(['dns', 'stale', '-n', ns.name, '--from-pod', 'prober', '--probe']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Probe in pod ${ns.name}/prober:`);
    expect(r.out).toContain('$ getent ahosts stale   (exit 0)');
    expect(r.out).toContain('answered: 10.96.250.250');
  });

  test('without --from-pod: a debug pod (managed-by=kdiag) runs the lookup and is deleted afterwards', async () => {
    const r = await probe(`echoer.${ns.name}`);
    expect(r.code).toBe(0);
    expect(r.doc.probe?.pod.debug).toBe(true);
    expect(r.doc.probe?.pod.name).toMatch(/^kdiag-dns-[a-z0-9]{5}$/);
    expect(r.doc.probe?.observed?.addresses).toEqual([echoerIp]);
    const left = await waitFor(
      async () => {
        const list = await getJson<{ items: { metadata: { name: string } }[] }>([
          'pods',
          '-n',
          ns.name,
          '-l',
          'app.kubernetes.io/managed-by=kdiag',
        ]);
        return list.items.length === 0 ? list.items : undefined;
      },
      { what: 'the debug pod gone' },
    );
    expect(left).toEqual([]);
  });
});

test('Ctrl-C while the debug pod starts: exit 130, and the pod is deleted (a request the interrupt does not cancel)', async () => {
  ensureBundle();
  // --debug logs each request on stderr: SIGINT goes out as soon as the debug pod's POST is answered.
  const child = spawn(process.execPath, [BUNDLE, 'dns', `echoer.${ns.name}`, '-n', ns.name, '--probe', '--debug'], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!sent && new RegExp(`POST /api/v1/namespaces/${ns.name}/pods -> 201`).test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(sent).toBe(true);
  expect(code).toBe(130);
  expect(stderr).toMatch(new RegExp(`DELETE /api/v1/namespaces/${ns.name}/pods/kdiag-dns-[a-z0-9]{5}\\?gracePeriodSeconds=0 -> 200`));
  const pods = await getJson<{ items: unknown[] }>(['pods', '-n', ns.name, '-l', 'app.kubernetes.io/managed-by=kdiag']);
  expect(pods.items).toEqual([]);
});

describe('kdiag dns --probe permissions (the limited user)', () => {
  const env = () => ({ ...process.env, KUBECONFIG: clusterInfo().limitedKubeconfig });

  test('no pods/exec: exit 3 naming both verbs, before anything is read or run (the pod need not exist)', async () => {
    const r = await kdiag(['dns', 'web', '-n', 'kdiag-limited', '--from-pod', 'no-such-pod', '--probe'], env());
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toContain('not allowed to create pods/exec in namespace kdiag-limited; get pods/exec in namespace kdiag-limited');
    // Not "pod no-such-pod not found" (exit 2): the preflight came first.
    expect(r.err).not.toContain('not found');
  });

  test('without --from-pod: also the debug pod\u2019s create and delete, and nothing is created', async () => {
    const r = await kdiag(['dns', 'web', '-n', 'kdiag-limited', '--probe'], env());
    expect(r.code).toBe(3);
    expect(r.err).toContain('create pods in namespace kdiag-limited');
    expect(r.err).toContain('delete pods in namespace kdiag-limited');
    const pods = await getJson<{ items: unknown[] }>(['pods', '-n', 'kdiag-limited', '-l', 'app.kubernetes.io/managed-by=kdiag']);
    expect(pods.items).toEqual([]);
  });
});

describe('a cluster with a custom domain (kube-system/coredns, under the shared coredns lock)', () => {
  const COREFILE = `.:53 {
    errors
    health
    kubernetes corp.internal in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
}
`;

  test('the Corefile sets the domain; a name hard-coding cluster.local is dns-custom-cluster-domain; the probe agrees', async () => {
    let before: object | undefined;
    await withClusterLock('coredns', async () => {
      before = await getObject<object>('configmap', 'coredns', 'kube-system');
      await applyYaml(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns' }, data: { Corefile: COREFILE } },
        { namespace: 'kube-system' },
      );
      try {
        const hard = await kdiag(['dns', `echoer.${ns.name}.svc.cluster.local`, '-n', ns.name, '-o', 'json']);
        const doc = JSON.parse(hard.out) as ProbeDoc;
        expect(hard.code).toBe(1);
        expect(doc.clusterDomain).toBe('corp.internal');
        expect(doc.clusterDomainSource).toBe('corefile');
        expect(codesOf(doc)).toContain('dns-custom-cluster-domain');

        const probed = await probe(`echoer.${ns.name}`, ['--from-pod', 'prober-corp']);
        expect(probed.code).toBe(0);
        expect(probed.doc.clusterDomain).toBe('corp.internal');
        expect(probed.doc.clusterDomainSource).toBe('resolv.conf');
        expect(probed.doc.probe?.resolvConf?.search).toEqual([`${ns.name}.svc.corp.internal`, 'svc.corp.internal', 'corp.internal']);
        expect(probed.doc.answer.records).toEqual([{ type: 'A', name: `echoer.${ns.name}.svc.corp.internal`, value: echoerIp }]);
        expect(codesOf(probed.doc)).toEqual([]);
      } finally {
        await kubectl(['delete', 'configmap', 'coredns', '-n', 'kube-system', '--ignore-not-found']);
        if (before) {
          const { metadata, ...rest } = before as { metadata: { name: string; namespace?: string; labels?: object; annotations?: object } };
          await applyYaml(
            { ...rest, metadata: { name: metadata.name, labels: metadata.labels, annotations: metadata.annotations } },
            { namespace: 'kube-system' },
          );
        }
      }
    });
    // Removed afterwards (or the one that was there put back).
    if (before === undefined) expect(await getObject<object>('configmap', 'coredns', 'kube-system')).toBeUndefined();
  });
});
