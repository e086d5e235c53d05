// `kdiag dns` with exactly the rights docs/commands/dns.md's minimal Role grants (list services, list endpointslices,
// in the namespace of the Service looked up): the name is explained; every read it lacked (Services across
// namespaces, the client namespace's Services, the CoreDNS ConfigMap) is an `rbac-partial` info finding, never exit 3.
import { runCli } from '../../../src/cli.js';
import { createTestIo } from '../../helpers/io.js';
import { deployment, service } from '../../helpers/manifests.js';
import { applyYaml, clusterInfo, getObject, repoRoot, useNamespace, waitForReadyPods } from '../helpers/index.js';
import { waitForSliceAddresses } from '../svc/helpers.js';

const ns = useNamespace('dns-least-privilege');

function minimalRole(namespace: string): object[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'kdiag-dns-minimal', namespace },
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['list'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kdiag-dns-minimal', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kdiag-dns-minimal' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kdiag-limited' }],
    },
  ];
}

interface Doc {
  answer: { records: { type: string; value: unknown }[] };
  findings: { code: string; message: string }[];
}

async function dnsLimited(args: string[]): Promise<{ code: number; doc: Doc; stderr: string }> {
  const io = createTestIo();
  const env = { ...process.env, KUBECONFIG: clusterInfo().limitedKubeconfig };
  const code = await runCli(['dns', ...args, '-o', 'json'], { io, env, cwd: repoRoot });
  return { code, doc: JSON.parse(io.stdout() || '{}') as Doc, stderr: io.stderr() };
}

beforeAll(async () => {
  await applyYaml({ apiVersion: 'v1', kind: 'List', items: minimalRole(ns.name) });
  await applyYaml(
    [deployment({ name: 'tally', replicas: 1, templateLabels: { app: 'tally' } }), service({ name: 'tally', selector: { app: 'tally' } })],
    { namespace: ns.name },
  );
  await waitForReadyPods(ns.name, 'app=tally', 1);
  // Ready pods are not yet endpoints: wait for the EndpointSlice controller to list the ready address.
  await waitForSliceAddresses(ns.name, 'tally', 1, (ep: { conditions?: { ready?: boolean } }) => ep.conditions?.ready !== false);
});

test('a name from another namespace resolves (exit 0); what could not be read is rbac-partial', async () => {
  const svc = await getObject<{ spec: { clusterIP: string } }>('service', 'tally', ns.name);
  const r = await dnsLimited([`tally.${ns.name}`, '-n', 'default']);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.doc.answer.records).toEqual([expect.objectContaining({ type: 'A', value: svc!.spec.clusterIP })]);
  const codes = r.doc.findings.map((f) => f.code);
  expect(new Set(codes)).toEqual(new Set(['rbac-partial']));
  const said = r.doc.findings.map((f) => f.message).join('\n');
  expect(said).toContain('configmaps');
  expect(said).toContain('services');
}, 60_000);

test('a short name from the Service\u2019s own namespace works with the Role alone', async () => {
  const r = await dnsLimited(['tally', '-n', ns.name]);
  expect(r.code).toBe(0);
  expect(r.doc.answer.records.length).toBe(1);
}, 60_000);
