// `kdiag svc` with exactly the rights the README's minimal Role grants (get services, list pods, list
// endpointslices in one namespace): every diagnosis still works; what else it would have read and could not is an
// `rbac-partial` info finding, never exit 3.
import { applyYaml, clusterInfo, useNamespace, waitForReadyPods } from '../helpers/index.js';
import { deployment, service } from '../../helpers/manifests.js';
import { codesOf, describeRun, kdiagSvc, suffix, waitForSliceAddresses } from './helpers.js';

const ns = useNamespace('svc-least-privilege');
const sfx = suffix();

/** The README's minimal Role, bound to the cluster's limited user in the test's namespace. */
function minimalRole(namespace: string): object[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'kdiag-svc-minimal', namespace },
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kdiag-svc-minimal', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kdiag-svc-minimal' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kdiag-limited' }],
    },
  ];
}

beforeAll(async () => {
  await applyYaml({ apiVersion: 'v1', kind: 'List', items: minimalRole(ns.name) });
  await applyYaml(deployment({ name: 'shop', templateLabels: { app: `shop-${sfx}` } }), { namespace: ns.name });
  await applyYaml(service({ name: 'shop', selector: { app: `shop-${sfx}` } }), { namespace: ns.name });
  // The typo: the Service selects app=cart-<sfx>, the pods carry app=crt-<sfx>.
  await applyYaml(deployment({ name: 'cart', templateLabels: { app: `crt-${sfx}` } }), { namespace: ns.name });
  await applyYaml(service({ name: 'cart', selector: { app: `cart-${sfx}` } }), { namespace: ns.name });
  await waitForReadyPods(ns.name, `app=shop-${sfx}`, 2);
  await waitForReadyPods(ns.name, `app=crt-${sfx}`, 2);
  // Ready pods are not yet ready endpoints: the healthy case below needs the EndpointSlice controller to have caught up.
  await waitForSliceAddresses(ns.name, 'shop', 2, (e: { conditions?: { ready?: boolean } }) => e.conditions?.ready === true);
});

const limited = () => ({ env: { ...process.env, KUBECONFIG: clusterInfo().limitedKubeconfig } });

test('a selector typo is explained (exit 1, selector-no-match first), the reads it lacked are rbac-partial', async () => {
  const r = await kdiagSvc('cart', ns.name, [], limited());
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
  const codes = codesOf(r);
  expect(codes[0]).toBe('selector-no-match');
  expect(codes).toContain('rbac-partial');
  // The near-miss pods were found with list alone.
  expect(JSON.stringify(r.doc?.findings[0])).toContain(`crt-${sfx}`);
}, 60_000);

test("a healthy Service: exit 0, only the info findings that the Service's events, NetworkPolicies and routes could not be read", async () => {
  const r = await kdiagSvc('shop', ns.name, [], limited());
  expect(r.code).toBe(0);
  expect(codesOf(r)).toEqual(['rbac-partial', 'rbac-partial', 'rbac-partial', 'rbac-partial', 'rbac-partial']);
  expect(describeRun(r)).toContain('networkpolicies');
  expect(describeRun(r)).toContain('events');
  // The routes to the Service are optional reads: each denied list is named, the report stands.
  for (const what of [
    'list ingresses.networking.k8s.io',
    'list referencegrants.gateway.networking.k8s.io',
    'list httproutes.gateway.networking.k8s.io',
  ])
    expect(r.doc?.findings.some((f) => f.message.includes(what))).toBe(true);
  expect(r.doc?.routes).toEqual([]);
});
