// Smoke test of the real controllers: a Deployment and a Service with matching labels get ready EndpointSlices from
// kube-controller-manager; changing the pod template's label drains them. Also exercises the pod helpers
// (not-ready by status patch, replacement after delete, unschedulable through the real scheduler).
import {
  applyYaml,
  createUnschedulablePod,
  deletePodAndWaitForReplacement,
  serviceEndpoints,
  setPodReady,
  useNamespace,
  waitFor,
  waitForReadyPods,
  POD_CIDR,
} from '../helpers/index.js';
import { deployment, service } from '../../helpers/manifests.js';

const ns = useNamespace('endpoints');
const inPodCidr = (ip: string) => ip.startsWith(POD_CIDR.split('.').slice(0, 2).join('.') + '.');

describe('EndpointSlices from the real controller', () => {
  test('matching labels give ready endpoints; a changed template label drains them', async () => {
    await applyYaml(
      [deployment({ name: 'web', replicas: 2, templateLabels: { tier: 'web' } }), service({ name: 'web', selector: { tier: 'web' } })],
      {
        namespace: ns.name,
      },
    );
    const pods = await waitForReadyPods(ns.name, 'e2e.kdiag.dev/deployment=web', 2);
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBeGreaterThanOrEqual(1);

    const ready = await waitFor(
      async () => {
        const eps = await serviceEndpoints(ns.name, 'web');
        return eps.length === 2 && eps.every((e) => e.ready) ? eps : undefined;
      },
      { what: '2 ready endpoints for service web' },
    );
    expect(ready.every((e) => inPodCidr(e.address))).toBe(true);
    expect(ready.map((e) => e.pod).sort()).toEqual(pods.map((p) => `${ns.name}/${p.metadata.name}`).sort());

    // The Deployment's selector does not include `tier`, so this is a valid rollout whose pods no longer match.
    await applyYaml(deployment({ name: 'web', replicas: 2, templateLabels: { tier: 'other' } }), { namespace: ns.name });
    await waitFor(async () => (await serviceEndpoints(ns.name, 'web')).length === 0, {
      timeoutMs: 60_000,
      what: 'the endpoints of web to drain',
    });
    await waitForReadyPods(ns.name, 'tier=other', 2);
  });

  test('a pod made not ready turns its endpoint ready:false, and back', async () => {
    await applyYaml(
      [deployment({ name: 'api', replicas: 2, templateLabels: { app: 'api' } }), service({ name: 'api', selector: { app: 'api' } })],
      {
        namespace: ns.name,
      },
    );
    const [first] = await waitForReadyPods(ns.name, 'app=api', 2);
    const pod = first!.metadata.name;
    await waitFor(async () => (await serviceEndpoints(ns.name, 'api')).filter((e) => e.ready).length === 2, { what: '2 ready endpoints' });

    await setPodReady(ns.name, pod, false);
    const eps = await waitFor(
      async () => {
        const e = await serviceEndpoints(ns.name, 'api');
        return e.some((x) => x.pod === `${ns.name}/${pod}` && !x.ready) ? e : undefined;
      },
      { what: `the endpoint of ${pod} to be not ready` },
    );
    expect(eps.filter((e) => e.ready)).toHaveLength(1);

    await setPodReady(ns.name, pod, true);
    await waitFor(async () => (await serviceEndpoints(ns.name, 'api')).filter((e) => e.ready).length === 2, {
      what: 'both endpoints ready again',
    });
  });

  test('a deleted pod is replaced under a new name', async () => {
    const [first] = await waitForReadyPods(ns.name, 'app=api', 2);
    const replacement = await deletePodAndWaitForReplacement(ns.name, first!.metadata.name);
    expect(replacement).not.toBe(first!.metadata.name);
    await waitFor(
      async () => {
        const e = await serviceEndpoints(ns.name, 'api');
        return e.length === 2 && e.every((x) => x.ready) && e.some((x) => x.pod === `${ns.name}/${replacement}`);
      },
      { what: 'the replacement in the endpoints' },
    );
  });

  test('an impossible resource request leaves a pod Unschedulable (real scheduler)', async () => {
    const message = await createUnschedulablePod(ns.name, 'too-big', { app: 'too-big' });
    expect(message).toMatch(/Insufficient cpu/);
  });
});
