import { FileClusterReader } from '../../cluster/file-reader.js';
import type { ClusterReader } from '../../cluster/reader.js';
import { loadRouteSnapshot } from '../../cluster/route-loader.js';
import { explainRoute, type RouteReport } from '../../core/route/explain.js';
import { parseRequestUrl } from '../../core/route/plan.js';
import type { RouteTarget } from '../../core/route/snapshot.js';
import { UsageError } from '../../errors.js';
import { svcDocument } from '../svc/run.js';
import type { Context, Outcome } from '../types.js';
import type { RouteOptions } from './options.js';

export { toRouteOptions, type RouteOptions } from './options.js';

/** The JSON/YAML document of `kdiag route` (the writer adds `schemaVersion` and `command`). */
export function routeDocument(r: RouteReport): Record<string, unknown> {
  const backends = r.backends.map((b) => ({
    weight: b.weight,
    service: b.report
      ? svcDocument(b.report)
      : { service: { namespace: b.namespace, name: b.name }, findings: [], pods: [], endpoints: [], names: [] },
  }));
  const heaviest = [...r.backends].sort((a, b) => b.weight - a.weight).find((b) => b.report);
  return {
    request: r.request,
    target: r.target,
    hops: r.hops,
    findings: r.findings,
    backend: heaviest?.report ? svcDocument(heaviest.report) : null,
    backends,
    nearMisses: r.nearMisses,
    notes: r.notes,
  };
}

async function openReader(opts: RouteOptions, ctx: Context): Promise<ClusterReader> {
  if (opts.file === undefined) return ctx.cluster();
  if (opts.file === '-' && ctx.io.stdinIsTTY)
    throw new UsageError(
      '-f - reads objects from standard input, which is a terminal',
      `pipe them in: kubectl get ingress,svc,endpointslices,pods -A -o yaml | ${ctx.invocation.program} route URL -f -`,
    );
  return FileClusterReader.load(opts.file, { cwd: ctx.cwd, stdin: ctx.io.in, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
}

/** `kdiag route TARGET`: read the routing objects (file or live), follow the request, hand the report to the writer. */
export async function runRoute(opts: RouteOptions, ctx: Context): Promise<Outcome> {
  let target: RouteTarget | undefined;
  if (opts.arg.kind === 'url') {
    try {
      target = { kind: 'url', request: parseRequestUrl(opts.arg.url, opts.method, opts.headers) };
    } catch (e) {
      throw new UsageError((e as Error).message, 'write it as https://HOST/PATH');
    }
  }
  const reader = await openReader(opts, ctx);
  const namespace = opts.namespace ?? reader.defaultNamespace;
  if (opts.arg.kind !== 'url') target = { kind: opts.arg.kind, namespace, name: opts.arg.name };
  // A URL is looked up across namespaces unless -n was given on the command line.
  const scope = opts.arg.kind === 'url' && (opts.allNamespaces || opts.namespace === undefined) ? undefined : namespace;
  const stop =
    reader.source === 'live'
      ? ctx.progress(`Following ${opts.arg.kind === 'url' ? opts.arg.url : `${opts.arg.kind}/${opts.arg.name}`}`)
      : () => {};
  let report: RouteReport;
  try {
    const snapshot = await loadRouteSnapshot(
      reader,
      { target: target!, ...(scope !== undefined ? { namespace: scope } : {}), fallbackNamespace: reader.defaultNamespace },
      { invocation: { ...ctx.invocation, command: 'svc' }, ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}) },
    );
    report = explainRoute(snapshot, { now: ctx.clock.now() });
  } finally {
    stop();
  }
  return {
    document: routeDocument(report),
    findings: report.findings,
    renderers: { text: async (env) => (await import('./render.js')).renderRouteText(report, env) },
  };
}
