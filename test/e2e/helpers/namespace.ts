/**
 * One namespace per test file: created before its tests, deleted after them, together with the cluster-scoped KWOK
 * routes (ClusterPortForward, ClusterExec) made for it.
 */
import { randomBytes } from 'node:crypto';
import { kubectl, waitFor } from './cluster.js';

/** Label put on cluster-scoped objects that belong to one test namespace (deleted with it). */
export const NAMESPACE_LABEL = 'e2e.kdiag.dev/namespace';

/**
 * Creates a fresh namespace `e2e-<prefix>-<random>` and waits until kube-controller-manager has made its `default`
 * ServiceAccount (pods are rejected before that). Resolves with the name.
 */
export async function createNamespace(prefix: string): Promise<string> {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  const name = `e2e-${clean}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name]);
  await kubectl(['label', 'namespace', name, 'e2e.kdiag.dev/test=true']);
  await waitFor(
    async () => (await kubectl(['get', 'serviceaccount', 'default', '-o', 'name'], { namespace: name, check: false })).code === 0,
    {
      what: `the default ServiceAccount in ${name}`,
    },
  );
  return name;
}

/** Deletes a namespace (without waiting for its finalisation) and the cluster-scoped KWOK routes labelled for it. */
export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(
    [
      'delete',
      'clusterportforwards.kwok.x-k8s.io,clusterexecs.kwok.x-k8s.io',
      '-l',
      `${NAMESPACE_LABEL}=${name}`,
      '--ignore-not-found',
      '--wait=false',
    ],
    { check: false },
  );
  await kubectl(['delete', 'namespace', name, '--ignore-not-found', '--wait=false']);
}

/**
 * For a test file: registers beforeAll/afterAll hooks that create and delete its namespace. Read `.name` inside
 * tests (it is set once beforeAll ran). Set KDIAG_E2E_KEEP_NAMESPACES=1 to keep namespaces for debugging.
 *
 * @example
 * const ns = useNamespace('endpoints');
 * test('...', async () => { await applyYaml(manifest, { namespace: ns.name }); });
 */
export function useNamespace(prefix: string): { readonly name: string } {
  let name: string | undefined;
  beforeAll(async () => {
    name = await createNamespace(prefix);
  }, 60_000);
  afterAll(async () => {
    if (name && process.env.KDIAG_E2E_KEEP_NAMESPACES !== '1') await deleteNamespace(name);
  }, 60_000);
  return {
    get name(): string {
      if (!name) throw new Error('useNamespace: the namespace exists only inside tests (after beforeAll)');
      return name;
    },
  };
}
