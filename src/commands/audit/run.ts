import {
  AuditReader,
  AuditShared,
  limiter,
  readByNamespace,
  readNamespaceWarnings,
  readRouteBulk,
  routeBulkReader,
  type AuditScope,
  type NamespaceBatch,
  type RouteBulk,
  type ScopeReads,
} from '../../cluster/audit-loader.js';
import { loadRoutesNearService } from '../../cluster/route-loader.js';
import { withRoutes } from '../../core/route/to-service.js';
import { FileClusterReader } from '../../cluster/file-reader.js';
import { inputIncludes, R, type ClusterReader } from '../../cluster/reader.js';
import { loadServiceSnapshot } from '../../cluster/svc-loader.js';
import { filterFindings, summarize, worstFirst, type AuditedService } from '../../core/audit/summary.js';
import type { Finding } from '../../core/finding.js';
import { namespaceNotFound } from '../../core/general-catalogue.js';
import { readyCountForPort } from '../../core/k8s/endpoints.js';
import { servicePortKey } from '../../core/k8s/ports.js';
import { servicePorts } from '../../core/k8s/services.js';
import type { KubeObject } from '../../core/k8s/types.js';
import { explainService } from '../../core/svc/explain.js';
import { UsageError } from '../../errors.js';
import type { Context, Outcome } from '../types.js';
import type { AuditOptions } from './options.js';
import { compareText } from '../../core/compare.js';

export { toAuditOptions, type AuditOptions } from './options.js';

/** Services checked at once; their extra reads share the reader's bound on requests in flight. */
const SERVICES_IN_FLIGHT = 16;

async function openReader(opts: AuditOptions, ctx: Context): Promise<ClusterReader> {
  if (opts.file === undefined) return ctx.cluster();
  if (opts.file === '-' && ctx.io.stdinIsTTY) {
    throw new UsageError(
      '-f - reads objects from standard input, which is a terminal',
      `pipe them in: kubectl get svc,deploy,pods,endpointslices -A -o yaml | ${ctx.invocation.program} audit -A -f -`,
    );
  }
  return FileClusterReader.load(opts.file, { cwd: ctx.cwd, stdin: ctx.io.in, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
}

/** The progress line on stderr (a spinner in a terminal only): pages read, then Services checked. */
function progressLine(ctx: Context, live: boolean): { set(text: string): void; stop(): void } {
  let stop: () => void = () => {};
  let last = 0;
  return {
    set(text: string) {
      if (!live) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      stop();
      stop = ctx.progress(text);
    },
    stop: () => stop(),
  };
}

/** `kdiag audit`: read the scope in bulk, run kdiag svc's engine on each Service, report the broken ones worst first. */
export async function runAudit(opts: AuditOptions, ctx: Context): Promise<Outcome> {
  const reader = await openReader(opts, ctx);
  // Live, pages of pods stream through for minutes: a small heap keeps the peak down (offline the input is in memory).
  if (reader.source === 'live') (await import('../../cluster/collect-garbage.js')).preferSmallHeap();
  const scope: AuditScope = {
    allNamespaces: opts.allNamespaces,
    ...(opts.allNamespaces ? {} : { namespace: opts.namespace ?? reader.defaultNamespace }),
    ...(opts.selector ? { selector: opts.selector } : {}),
  };
  const progress = progressLine(ctx, reader.source === 'live');
  const where = scope.allNamespaces ? 'all namespaces' : `namespace ${scope.namespace}`;
  let audited: AuditedService[] = [];
  let topLevel: Finding[] = [];
  // Hints name `kdiag svc`, as they do when it explains the Service: the findings are the same.
  const invocation = { ...ctx.invocation, command: 'svc' };
  const limit = limiter(SERVICES_IN_FLIGHT);
  let shared: AuditShared | undefined;
  let routes: Promise<RouteBulk> | undefined;
  let done = 0;
  /** One namespace, complete: kdiag svc's engine on each of its Services, then its NetworkPolicies; then it is dropped. */
  const checkNamespace = async (batch: NamespaceBatch, reads: ScopeReads): Promise<void> => {
    shared ??= new AuditShared(reads);
    const nsScope: AuditScope = { allNamespaces: false, namespace: batch.namespace };
    const podWarnings = await readNamespaceWarnings(reader, batch);
    const cached = new AuditReader(
      reader,
      { services: batch.services, slices: batch.slices, pods: batch.pods, ...(podWarnings ? { podWarnings } : {}) },
      nsScope,
      shared,
    );
    // The Ingresses and HTTPRoutes of the scope, read once; each Service's routes are checked as kdiag svc does.
    const routed = batch.services.length > 0 ? routeBulkReader(cached, nsScope, await (routes ??= readRouteBulk(reader, scope))) : cached;
    const services = [...batch.services].sort((a, b) => compareText(a.metadata.name, b.metadata.name));
    const rows = await Promise.all(
      services.map((svc) =>
        limit(async (): Promise<AuditedService | undefined> => {
          if (ctx.signal.aborted) return undefined;
          const namespace = batch.namespace;
          const snapshot = await loadServiceSnapshot(cached, {
            namespace,
            name: svc.metadata.name,
            ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
          });
          const explained = explainService(snapshot, { invocation, ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}) });
          const report = snapshot.service
            ? withRoutes(explained, snapshot.service, await loadRoutesNearService(routed, namespace, svc.metadata.name))
            : explained;
          const ports = servicePorts(svc);
          done++;
          progress.set(`Checked ${done} Services of ${where}`);
          return {
            service: { namespace, name: svc.metadata.name },
            type: svc.spec?.type ?? 'ClusterIP',
            ready:
              svc.spec?.type === 'ExternalName' || !report.endpointsKnown
                ? '-'
                : ports.map((p) => `${servicePortKey(p)} ${readyCountForPort(report.endpoints, p)}`).join(', ') || '-',
            findings: filterFindings(report.findings, opts.only, opts.skip),
          };
        }),
      ),
    );
    // NetworkPolicies that protect nothing: namespace-level findings (no Service row). Only where pods were read
    // (offline input without pods says nothing about which pods exist).
    const policies = shared.policiesByNs?.get(batch.namespace);
    let policyFindings: Finding[] = [];
    if (policies && (reader.source === 'live' || inputIncludes(reader, R.pods))) {
      const { policiesSelectingNoPods } = await import('../../core/audit/catalogue.js');
      policyFindings = filterFindings(policiesSelectingNoPods(policies, batch.pods, reader.defaultNamespace), opts.only, opts.skip);
    }
    if (batch.again) {
      // Read again on its own (a list came back out of order): this replaces what the first pass said.
      audited = audited.filter((a) => a.service.namespace !== batch.namespace);
      topLevel = topLevel.filter((f) => f.object?.namespace !== batch.namespace);
    }
    audited.push(...rows.filter((r): r is AuditedService => r !== undefined));
    topLevel.push(...policyFindings);
  };
  try {
    progress.set(`Reading the Services of ${where}`);
    const read = await readByNamespace(reader, scope, checkNamespace, ({ resource, items }) =>
      progress.set(`Reading ${where}: ${items} ${resource}, ${done} Services checked`),
    );
    // Namespaces finish in any order: the NetworkPolicy findings in namespace and name order, as one read gave them.
    topLevel.sort(
      (a, b) =>
        compareText(a.object?.namespace ?? '', b.object?.namespace ?? '') || compareText(a.object?.name ?? '', b.object?.name ?? ''),
    );
    if (read.services === 0 && !scope.allNamespaces && !opts.selector) {
      const missing = await namespaceMissing(reader, scope.namespace!);
      if (missing) topLevel.push(namespaceNotFound({ namespace: scope.namespace!, name: '', namespaceNames: missing }, ctx.invocation));
    }
  } finally {
    progress.stop();
  }
  audited.sort((a, b) => compareText(a.service.namespace, b.service.namespace) || compareText(a.service.name, b.service.name));
  const summary = summarize(audited);
  const broken = worstFirst(audited);
  const all = [...topLevel, ...broken.flatMap((a) => a.findings)];
  return {
    document: {
      scope: scope.allNamespaces ? { allNamespaces: true } : { namespaces: [scope.namespace] },
      ...(opts.selector ? { selector: opts.selector } : {}),
      summary,
      services: broken.map((a) => ({ service: a.service, findings: a.findings })),
      findings: topLevel,
    },
    findings: all,
    renderers: {
      text: async (env) => (await import('./render.js')).renderAuditText(broken, summary, topLevel, env),
      wide: async (env) => (await import('./render.js')).renderAuditText(broken, summary, topLevel, { ...env, wide: true }),
      sarif: async () => (await import('../svc/sarif.js')).objectSarif(all, reader, ctx.cwd),
    },
  };
}

/** The namespace names when `namespace` does not exist (for suggestions); undefined when it exists or cannot be read. */
async function namespaceMissing(reader: ClusterReader, namespace: string): Promise<string[] | undefined> {
  if (reader.source === 'file') {
    const objs = await reader.list<KubeObject>(R.namespaces, {});
    const names = objs.map((o) => o.metadata.name);
    return names.includes(namespace) ? undefined : names;
  }
  try {
    if (await reader.get(R.namespaces, undefined, namespace)) return undefined;
  } catch {
    return undefined;
  }
  const all = await reader.tryList<KubeObject>(R.namespaces, { metadataOnly: true });
  return all.ok ? all.items.map((n) => n.metadata.name) : [];
}
