// The limited user (static token, no groups) may read in kdiag-limited only: real 403s everywhere else.
import { LIMITED_NAMESPACE, clusterInfo, kubectl } from '../helpers/index.js';

describe('limited user', () => {
  test('reads pods in its namespace', async () => {
    const r = await kubectl(['get', 'pods', '-n', LIMITED_NAMESPACE], { kubeconfig: clusterInfo().limitedKubeconfig });
    expect(r.code).toBe(0);
  });

  test('gets a real 403 outside its namespace (kubectl, both kubeconfig forms)', async () => {
    for (const opts of [{ kubeconfig: clusterInfo().limitedKubeconfig }, { context: 'limited' }]) {
      const r = await kubectl(['get', 'pods', '-n', 'default'], { ...opts, check: false });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Forbidden.*User "kdiag-limited" cannot list resource "pods".*namespace "default"/);
    }
  });

  test('gets HTTP 403 through @kubernetes/client-node and cannot write in its namespace', async () => {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(clusterInfo().limitedKubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await expect(core.listNamespacedPod({ namespace: 'kube-system' })).rejects.toMatchObject({ code: 403 });
    await expect(core.listNamespacedPod({ namespace: LIMITED_NAMESPACE })).resolves.toHaveProperty('items');
    await expect(
      core.createNamespacedConfigMap({ namespace: LIMITED_NAMESPACE, body: { metadata: { name: 'nope' } } }),
    ).rejects.toMatchObject({ code: 403 });
  });

  test('RBAC preflight answers (SelfSubjectAccessReview through kubectl auth can-i)', async () => {
    const kc = { kubeconfig: clusterInfo().limitedKubeconfig, check: false };
    expect((await kubectl(['auth', 'can-i', 'list', 'endpointslices.discovery.k8s.io', '-n', LIMITED_NAMESPACE], kc)).stdout.trim()).toBe(
      'yes',
    );
    expect((await kubectl(['auth', 'can-i', 'create', 'pods', '-n', LIMITED_NAMESPACE], kc)).stdout.trim()).toBe('no');
    expect((await kubectl(['auth', 'can-i', 'list', 'services', '-n', 'default'], kc)).stdout.trim()).toBe('no');
  });
});
