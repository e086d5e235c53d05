import type { KubeConnection } from '../../cluster/kube-api.js';
import type { Context } from '../types.js';

/**
 * The shell's own connection: like the Context's, but NOT tied to its signal. When the user presses Ctrl-C (or the
 * process gets SIGTERM/SIGHUP), the Context's signal aborts every request of its connection; the shell must still
 * delete its pod after that, so its requests are aborted only by what the shell itself decides.
 */
export async function detachedConnection(ctx: Context): Promise<KubeConnection> {
  const { createKubeConnection } = await import('../../cluster/kube-connection.js');
  const g = ctx.globals;
  return createKubeConnection({
    ...(g.kubeconfig !== undefined ? { kubeconfig: g.kubeconfig } : {}),
    ...(g.context !== undefined ? { context: g.context } : {}),
    ...(g.namespace !== undefined ? { namespace: g.namespace } : {}),
    requestTimeoutMs: g.requestTimeoutMs,
    env: ctx.env,
    ...(g.debug ? { debug: (line: string) => void ctx.io.err.write(`debug: ${line}\n`) } : {}),
    warn: ctx.warn,
  });
}
