import { KdiagError } from '../errors.js';
import type { KubeConnection } from './kube-api.js';
import type { KubeAccessOptions } from './kube-reader.js';

/**
 * PLACEHOLDER on the `contract` branch, replaced at merge by the real implementation (same signature): the
 * Context's `kube()` imports this module lazily. It takes the same options as `createKubeReader`.
 */
export function createKubeConnection(opts: KubeAccessOptions): Promise<KubeConnection> {
  void opts;
  return Promise.reject(
    new KdiagError('not-implemented', 'this kdiag build has no live cluster connection (port-forward, exec, writes) yet'),
  );
}
