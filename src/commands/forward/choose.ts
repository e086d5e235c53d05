import type { KubeConnection } from '../../cluster/kube-api.js';
import { listServiceChoices } from '../../cluster/svc-loader.js';
import { servicePortChoices } from '../../core/forward/resolve.js';
import type { ForwardSpec } from '../../core/forward/types.js';
import type { Service } from '../../core/k8s/types.js';
import { UsageError } from '../../errors.js';
import { pick } from '../../ui/pick.js';
import type { Context } from '../types.js';
import { compareText } from '../../core/compare.js';

/** The usage error (exit 2) of `kdiag forward` without TARGET where no pick list can be offered. */
export function missingTarget(ctx: Context): UsageError {
  const p = ctx.invocation.program;
  return new UsageError(
    'missing TARGET',
    `e.g. ${p} forward svc/web 8080:80, or ${p} forward --forwards FILE (in a terminal, ${p} forward alone offers the namespace's Services)`,
  );
}

/**
 * `kdiag forward` without TARGET in a terminal: the namespace's Services on stderr (the same pick list as `kdiag svc`,
 * ready endpoints counted per Service port), those with ready endpoints first; ExternalName and selectorless Services,
 * which cannot be forwarded, are left out. The chosen Service is forwarded without ports (see {@link pickServicePorts}).
 */
export async function pickServiceTarget(conn: KubeConnection, namespace: string, ctx: Context): Promise<ForwardSpec> {
  const stop = ctx.progress(`Listing the Services of namespace ${namespace}`);
  let all;
  try {
    all = await listServiceChoices(conn.reader, namespace);
  } finally {
    stop();
  }
  const choices = all
    .filter((c) => c.type !== 'ExternalName' && c.selector)
    .sort((a, b) => Number(b.readyEndpoints > 0) - Number(a.readyEndpoints > 0) || compareText(a.name, b.name));
  if (choices.length === 0) {
    throw new UsageError(
      `namespace ${namespace} has no Service that can be forwarded${all.length > 0 ? ` (${all.length} without a selector or of type ExternalName)` : ''}`,
      `pass a namespace with -n, or a target: ${ctx.invocation.program} forward pod/NAME PORT`,
    );
  }
  const name = await pick(ctx.io, ctx.signal, {
    message: `Service to forward, in namespace ${namespace} (ready endpoints first):`,
    choices: choices.map((c) => ({
      value: c.name,
      name: `${c.name}  ${c.readyEndpoints === 0 ? '(no ready endpoints)' : `(${c.readyEndpoints} ready)`}`,
    })),
    pageSize: 15,
    noTerminal: () => missingTarget(ctx),
  });
  return { kind: 'Service', name, ports: [] };
}

/**
 * A Service given without ports, in a terminal, when it has several TCP ports: which to forward (every one, as
 * without a terminal, or one of them). Undefined when there is nothing to choose; else the Service port numbers.
 */
export async function pickServicePorts(svc: Service, ctx: Context): Promise<number[] | undefined> {
  const choices = servicePortChoices(svc);
  if (choices.length === 0) return undefined;
  const chosen = await pick(ctx.io, ctx.signal, {
    message: `Port of svc/${svc.metadata.name} to forward:`,
    choices,
    noTerminal: () => new UsageError('no port given', `e.g. ${ctx.invocation.program} forward svc/${svc.metadata.name} 8080:80`),
  });
  return chosen === 'all' ? undefined : [chosen];
}
