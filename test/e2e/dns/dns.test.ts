// `kdiag dns` against the live test cluster (no --probe: nothing is dialled, kdiag only reads objects). A namespace
// holds a Deployment with a Service (greeter: a name no other e2e file uses) and a headless Service whose only pod is made not ready; lookups are made from
// namespace default. The cluster has no kube-system/coredns ConfigMap, so the domain is cluster.local, assumed: the
// file holds the shared `coredns` lock, so test/e2e/dns/probe.test.ts (which creates that ConfigMap under the
// exclusive lock) never runs its custom-domain case at the same time.
import { runCli } from '../../../src/cli.js';
import { createTestIo } from '../../helpers/io.js';
import { deployment, pod, service } from '../../helpers/manifests.js';
import {
  applyYaml,
  getObject,
  repoRoot,
  serviceEndpoints,
  setPodReady,
  useNamespace,
  useSharedClusterLock,
  waitFor,
  waitForReadyPods,
} from '../helpers/index.js';
import { waitForSliceAddresses } from '../svc/helpers.js';

useSharedClusterLock('coredns');
const ns = useNamespace('dns');
const CLIENT = 'default';

interface DnsDoc {
  command: string;
  clusterDomain: string;
  clusterDomainSource: string;
  queries: { name: string; type: string; result: string; object?: { kind: string; namespace?: string; name: string } }[];
  answer: { records: { type: string; name: string; value: unknown }[] };
  findings: { code: string; severity: string; message: string }[];
  notes: string[];
}

async function dns(name: string, extra: string[] = []): Promise<{ code: number; doc: DnsDoc; stderr: string }> {
  const io = createTestIo();
  const code = await runCli(['dns', name, '-n', CLIENT, '-o', 'json', ...extra], { io, env: process.env, cwd: repoRoot });
  return { code, doc: JSON.parse(io.stdout()) as DnsDoc, stderr: io.stderr() };
}

const codesOf = (d: DnsDoc) => d.findings.map((f) => f.code);

beforeAll(async () => {
  await applyYaml(
    [
      deployment({ name: 'greeter', replicas: 1, templateLabels: { app: 'greeter' } }),
      service({ name: 'greeter', selector: { app: 'greeter' } }),
      deployment({ name: 'peer', replicas: 1, templateLabels: { app: 'peer' } }),
      service({ name: 'peers', selector: { app: 'peer' }, spec: { clusterIP: 'None' } }),
    ],
    { namespace: ns.name },
  );
  await waitForReadyPods(ns.name, 'app=greeter', 1);
  // Ready pods are not yet endpoints: wait for the EndpointSlice controller to list greeter's ready address.
  await waitForSliceAddresses(ns.name, 'greeter', 1, (ep: { conditions?: { ready?: boolean } }) => ep.conditions?.ready !== false);
  const [peer] = await waitForReadyPods(ns.name, 'app=peer', 1);
  await setPodReady(ns.name, peer!.metadata.name, false);
  await waitFor(
    async () => {
      const eps = await serviceEndpoints(ns.name, 'peers');
      return eps.length === 1 && !eps[0]!.ready ? eps : undefined;
    },
    { what: 'the endpoint of peers not ready' },
  );
});

describe('kdiag dns on the live cluster', () => {
  test('--from-pod: a client pod with dnsPolicy Default gives dns-pod-dns-policy; a pod that does not exist is exit 2', async () => {
    const client = pod('resolver-client', { app: 'resolver-client' }) as { spec: Record<string, unknown> };
    client.spec.dnsPolicy = 'Default';
    await applyYaml(client, { namespace: ns.name });
    const io = createTestIo();
    const code = await runCli(['dns', `greeter.${ns.name}`, '-n', ns.name, '--from-pod', 'resolver-client', '-o', 'json'], {
      io,
      env: process.env,
      cwd: repoRoot,
    });
    expect(code).toBe(0);
    expect(codesOf(JSON.parse(io.stdout()) as DnsDoc)).toEqual(['dns-pod-dns-policy']);

    const missing = createTestIo();
    expect(
      await runCli(['dns', 'greeter', '-n', ns.name, '--from-pod', 'no-such-pod'], { io: missing, env: process.env, cwd: repoRoot }),
    ).toBe(2);
    expect(missing.stderr()).toContain(`pod no-such-pod not found in namespace ${ns.name}`);
  });

  test('a short name from another namespace: dns-cross-namespace-short-name, exit 1', async () => {
    const r = await dns('greeter');
    expect(r.code).toBe(1);
    expect(codesOf(r.doc)).toContain('dns-cross-namespace-short-name');
    expect(r.doc.findings.find((f) => f.code === 'dns-cross-namespace-short-name')!.message).toContain(ns.name);
  });

  test('the full name resolves to the ClusterIP, exit 0', async () => {
    const svc = await getObject<{ spec: { clusterIP: string } }>('service', 'greeter', ns.name);
    const fqdn = `greeter.${ns.name}.svc.cluster.local`;
    const r = await dns(fqdn);
    expect({ code: r.code, errors: r.doc.findings.filter((f) => f.severity === 'error') }).toEqual({ code: 0, errors: [] });
    expect(r.doc.answer.records).toEqual([{ type: 'A', name: fqdn, value: svc!.spec.clusterIP }]);
    // ndots 5: the four-dot name goes through the search list first.
    expect(r.doc.queries.find((q) => q.result === 'NOERROR')).toEqual({
      name: fqdn,
      type: 'A',
      result: 'NOERROR',
      object: { kind: 'Service', namespace: ns.name, name: 'greeter' },
    });
    // No kube-system/coredns here: the domain is assumed, and the report says why.
    expect(r.doc.clusterDomainSource).toBe('assumed');
    expect(r.doc.notes.join('\n')).toContain('no ConfigMap kube-system/coredns');
  });

  test('a headless Service with no ready pods: dns-headless-no-ready-pods', async () => {
    const r = await dns(`peers.${ns.name}`);
    expect(r.code).toBe(1);
    expect(codesOf(r.doc)).toContain('dns-headless-no-ready-pods');
  });

  test('a URL with a port the Service lacks: dns-port-not-on-service', async () => {
    const r = await dns(`http://greeter.${ns.name}:9090/`);
    expect(r.code).toBe(1);
    expect(codesOf(r.doc)).toEqual(['dns-port-not-on-service']);
  });
});
