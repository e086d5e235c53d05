import { FileClusterReader } from '../../cluster/file-reader.js';
import { R, type ClusterReader } from '../../cluster/reader.js';
import type { KubeObject } from '../../core/k8s/types.js';
import { listServiceChoices, loadServiceSnapshot } from '../../cluster/svc-loader.js';
import { commandLine } from '../../core/invocation.js';
import { explainService, type ServiceReport } from '../../core/svc/explain.js';
import { UsageError } from '../../errors.js';
import { canPick, pick } from '../../ui/pick.js';
import type { Context, Outcome } from '../types.js';
import type { SvcOptions } from './options.js';

export { toSvcOptions, type SvcOptions } from './options.js';

/** The JSON/YAML document of `kdiag svc` (the writer adds `schemaVersion`). */
export function svcDocument(r: ServiceReport): Record<string, unknown> {
  return {
    service: r.service,
    findings: r.findings,
    pods: r.pods,
    endpoints: r.endpoints.map((e) => ({
      slice: e.slice,
      ip: e.ip,
      ready: e.ready,
      serving: e.serving,
      terminating: e.terminating,
      pod: e.pod,
      ports: e.ports,
    })),
    names: r.names,
    ...(r.routes ? { routes: r.routes } : {}),
  };
}

async function openReader(opts: SvcOptions, ctx: Context): Promise<ClusterReader> {
  if (opts.file !== undefined) {
    if (opts.file === '-' && ctx.io.stdinIsTTY) {
      throw new UsageError(
        '-f - reads objects from standard input, which is a terminal',
        `pipe them in: kubectl get svc,deploy,pods,endpointslices -n NS -o yaml | ${ctx.invocation.program} svc NAME -f -`,
      );
    }
    const stdin = ctx.io.in;
    return FileClusterReader.load(opts.file, {
      cwd: ctx.cwd,
      stdin,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
    });
  }
  return ctx.cluster();
}

/** The usage error for a missing NAME; offline it names the file's Services, live it says how to list them. */
function missingName(namespace: string, ctx: Context, inFile?: readonly string[]): UsageError {
  const { file } = ctx.invocation;
  const listThem =
    file === undefined
      ? `list them: kubectl get services -n ${namespace}`
      : inFile && inFile.length > 0
        ? `the file's Services in ${namespace}: ${inFile.join(', ')}`
        : `the file holds no Service in namespace ${namespace}`;
  return new UsageError('missing the Service NAME argument', `${commandLine(ctx.invocation, 'NAME', '-n', namespace)} (${listThem})`);
}

async function pickService(reader: ClusterReader, namespace: string, ctx: Context): Promise<string> {
  if (!canPick(ctx.io)) throw missingName(namespace, ctx);
  const stop = reader.source === 'live' ? ctx.progress(`Listing the Services of namespace ${namespace}`) : () => {};
  let choices;
  try {
    choices = await listServiceChoices(reader, namespace);
  } finally {
    stop();
  }
  if (choices.length === 0)
    throw new UsageError(`namespace ${namespace} has no Services to pick from`, 'pass a namespace with -n, or NAME');
  return pick(ctx.io, ctx.signal, {
    message: `Service in namespace ${namespace} (no ready endpoints first):`,
    choices: choices.map((c) => ({
      value: c.name,
      name: `${c.name}  ${c.type === 'ExternalName' ? '(ExternalName)' : c.readyEndpoints === 0 ? '(no ready endpoints)' : `(${c.readyEndpoints} ready)`}`,
    })),
    pageSize: 15,
    noTerminal: () => missingName(namespace, ctx),
  });
}

/** `kdiag svc [NAME]`: load the snapshot (file or live), explain it, hand the report to the writer. */
export async function runSvc(opts: SvcOptions, ctx: Context): Promise<Outcome> {
  // A missing NAME without a terminal is a usage error (exit 2), whatever the cluster or file would have said.
  if (opts.name === undefined && !canPick(ctx.io) && opts.file === undefined) throw missingName(opts.namespace ?? 'NAMESPACE', ctx);
  const reader = await openReader(opts, ctx);
  const namespace = opts.namespace ?? reader.defaultNamespace;
  if (opts.name === undefined && !canPick(ctx.io)) {
    const services = await reader.list<KubeObject>(R.services, { namespace, metadataOnly: true });
    throw missingName(namespace, ctx, services.map((s) => s.metadata.name).sort());
  }
  const name = opts.name ?? (await pickService(reader, namespace, ctx));
  const stop = reader.source === 'live' ? ctx.progress(`Reading Service ${namespace}/${name}`) : () => {};
  let report: ServiceReport;
  try {
    const snapshot = await loadServiceSnapshot(reader, {
      namespace,
      name,
      ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
    });
    report = explainService(snapshot, { invocation: ctx.invocation, ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}) });
    // The Ingresses and HTTPRoutes that send to it, checked by the route engine (optional reads).
    if (snapshot.service) {
      const { loadRoutesNearService } = await import('../../cluster/route-loader.js');
      const { withRoutes } = await import('../../core/route/to-service.js');
      report = withRoutes(report, snapshot.service, await loadRoutesNearService(reader, namespace, name));
    }
  } finally {
    stop();
  }
  return {
    document: svcDocument(report),
    findings: report.findings,
    renderers: {
      // The text report (chalk, cli-table3) is imported only when it is printed, not for -o json/yaml.
      text: async (env) => (await import('./render.js')).renderServiceText(report, env),
      wide: async (env) => (await import('./render.js')).renderServiceText(report, { ...env, wide: true }),
      sarif: async () => (await import('./sarif.js')).objectSarif(report.findings, reader, ctx.cwd),
    },
  };
}
