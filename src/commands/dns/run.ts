import { loadDnsSnapshot } from '../../cluster/dns-loader.js';
import { FileClusterReader } from '../../cluster/file-reader.js';
import { R, type ClusterReader, type Denied } from '../../cluster/reader.js';
import { loadServiceSnapshot } from '../../cluster/svc-loader.js';
import { explainDns, nameFrom, parseDnsName, sortDnsFindings } from '../../core/dns/index.js';
import type { DnsReport, DnsSnapshot, ParsedName } from '../../core/dns/types.js';
import { rbacPartial } from '../../core/general-catalogue.js';
import { commandLine } from '../../core/invocation.js';
import type { Service } from '../../core/k8s/types.js';
import { explainService } from '../../core/svc/explain.js';
import { ClusterAccessError, UsageError } from '../../errors.js';
import { canPick, pick } from '../../ui/pick.js';
import type { Context, Outcome } from '../types.js';
import type { DnsOptions } from './options.js';
import type { ProbeOutcome } from './probe.js';
import { compareText } from '../../core/compare.js';

export { toDnsOptions, type DnsOptions } from './options.js';

/** The JSON/YAML document of `kdiag dns` (the writer adds `schemaVersion` and `command`). */
export function dnsDocument(r: DnsReport, probe?: ProbeOutcome): Record<string, unknown> {
  return {
    query: r.query,
    clientNamespace: r.clientNamespace,
    clusterDomain: r.clusterDomain,
    clusterDomainSource: r.clusterDomainSource,
    queries: r.queries.map((q) => ({ name: q.name, type: q.type, result: q.result, ...(q.object ? { object: q.object } : {}) })),
    answer: { records: r.answer.records.map((x) => ({ type: x.type, name: x.name, value: x.value })) },
    findings: r.findings,
    notes: r.notes,
    ...(probe ? { probe: probeDocument(probe) } : {}),
  };
}

/** `probe` in the JSON document: where the lookup ran, what ran, what came back. */
function probeDocument(p: ProbeOutcome): Record<string, unknown> {
  return {
    pod: p.pod,
    commands: p.commands,
    ...(p.resolvConf
      ? { resolvConf: { search: p.resolvConf.search, ndots: p.resolvConf.ndots, nameservers: p.resolvConf.nameservers } }
      : {}),
    ...(p.observed
      ? {
          observed: {
            source: p.observed.source,
            ...(p.observed.addresses ? { addresses: p.observed.addresses } : {}),
            ...(p.observed.srv ? { srv: p.observed.srv } : {}),
            ...(p.observed.error ? { error: p.observed.error } : {}),
          },
        }
      : {}),
  };
}

async function openReader(opts: DnsOptions, ctx: Context): Promise<ClusterReader> {
  if (opts.file !== undefined) {
    if (opts.file === '-' && ctx.io.stdinIsTTY) {
      throw new UsageError(
        '-f - reads objects from standard input, which is a terminal',
        `pipe them in: kubectl get svc,endpointslices -A -o yaml | ${ctx.invocation.program} dns NAME -n NS -f -`,
      );
    }
    return FileClusterReader.load(opts.file, { cwd: ctx.cwd, stdin: ctx.io.in, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
  }
  return ctx.cluster();
}

function missingName(namespace: string, ctx: Context): UsageError {
  return new UsageError(
    'missing the NAME argument (the name a pod looks up)',
    `${commandLine(ctx.invocation, 'NAME', '-n', namespace)} (e.g. web, web.my-app, http://web.my-app:8080/)`,
  );
}

/** In a terminal without NAME: pick one of the Services (every namespace, else the client's), as the client names it. */
async function pickName(reader: ClusterReader, clientNs: string, ctx: Context): Promise<ParsedName> {
  const stop = reader.source === 'live' ? ctx.progress('Listing Services') : () => {};
  let services: Service[];
  try {
    const all = await reader.tryList<Service>(R.services, { metadataOnly: true });
    services = all.ok ? all.items : await reader.list<Service>(R.services, { namespace: clientNs, metadataOnly: true });
  } finally {
    stop();
  }
  if (services.length === 0) throw new UsageError('there are no Services to pick from', 'give NAME, e.g. web.my-app');
  const names = services
    .map((s) => nameFrom(clientNs, { namespace: s.metadata.namespace ?? 'default', name: s.metadata.name }))
    .sort((a, b) => Number(a.includes('.')) - Number(b.includes('.')) || compareText(a, b));
  const chosen = await pick(ctx.io, ctx.signal, {
    message: `Name to look up from namespace ${clientNs}:`,
    choices: names.map((n) => ({ value: n, name: n })),
    pageSize: 15,
    noTerminal: () => missingName(clientNs, ctx),
  });
  const parsed = parseDnsName(chosen);
  if (!parsed.ok) throw new UsageError(parsed.message, parsed.hint);
  return parsed.name;
}

/** `kdiag dns [NAME]`: load the snapshot (file or live), explain the lookup, hand the report to the writer. */
export async function runDns(opts: DnsOptions, ctx: Context): Promise<Outcome> {
  if (opts.name === undefined && !canPick(ctx.io)) throw missingName(opts.namespace ?? 'NAMESPACE', ctx);
  const reader = await openReader(opts, ctx);
  const clientNs = opts.namespace ?? reader.defaultNamespace;
  const name = opts.name ?? (await pickName(reader, clientNs, ctx));
  // An IP address is not looked up: there is nothing to run in a pod.
  const probing = opts.probe === true && name.kind !== 'ip';
  if (probing) {
    // Before anything is read, created or run: name every permission the probe lacks (exit 3).
    const { probeAccessChecks } = await import('../../cluster/dns-probe.js');
    await ctx.canI(probeAccessChecks(clientNs, opts.fromPod === undefined));
  }
  const stop = reader.source === 'live' ? ctx.progress(`Looking up ${name.host} from namespace ${clientNs}`) : () => {};
  let report: DnsReport;
  let probe: ProbeOutcome | undefined;
  try {
    const loaded = await loadDnsSnapshot(reader, {
      name,
      clientNamespace: clientNs,
      ...(opts.fromPod !== undefined ? { fromPod: opts.fromPod } : {}),
      ...(opts.clusterDomain !== undefined ? { clusterDomain: opts.clusterDomain } : {}),
    });
    if (probing) {
      stop();
      probe = await (
        await import('./probe.js')
      ).runProbe(ctx, {
        namespace: clientNs,
        name,
        ...(opts.fromPod !== undefined ? { fromPod: opts.fromPod } : {}),
        ...(loaded.snapshot.clientPod ? { clientPod: loaded.snapshot.clientPod } : {}),
      });
      // The pod's resolv.conf names the domain it searches: it wins over the Corefile (not over --cluster-domain).
      if (opts.clusterDomain === undefined && probe.clusterDomain !== undefined) {
        loaded.snapshot.clusterDomain = probe.clusterDomain;
        loaded.snapshot.clusterDomainSource = 'resolv.conf';
      }
    }
    report = await explain(reader, loaded.snapshot, loaded.denied, name, probe);
    report.notes.push(...loaded.notes, ...(probe?.notes ?? []));
  } finally {
    stop();
  }
  return {
    document: dnsDocument(report, probe),
    findings: report.findings,
    renderers: {
      // The text report (chalk, cli-table3) is imported only when it is printed, not for -o json/yaml.
      text: async (env) => (await import('./render.js')).renderDnsText(report, env, probe),
    },
  };
}

/**
 * Runs the engine; when it asks why a Service has no ready endpoints, runs the svc engine on that Service and asks
 * again with its first finding. Denied reads become rbac-partial findings (not also the engine's notes).
 */
async function explain(
  reader: ClusterReader,
  snapshot: DnsSnapshot,
  denied: readonly Denied[],
  name: ParsedName,
  probe?: ProbeOutcome,
): Promise<DnsReport> {
  const { denied: _notes, ...rest } = snapshot;
  const probed =
    probe && (probe.resolvConf || probe.observed)
      ? {
          probe: { ...(probe.resolvConf ? { resolvConf: probe.resolvConf } : {}), ...(probe.observed ? { observed: probe.observed } : {}) },
        }
      : {};
  const asked: { namespace: string; name: string }[] = [];
  const first = explainDns(rest, name, {
    ...probed,
    noEndpointsCause: (s) => {
      asked.push(s);
      return undefined;
    },
  });
  let report = first;
  if (asked.length > 0) {
    const causes = new Map<string, string>();
    for (const s of asked) {
      let cause: string | undefined;
      try {
        const snap = await loadServiceSnapshot(reader, { namespace: s.namespace, name: s.name, clusterDomain: snapshot.clusterDomain });
        cause = explainService(snap, { clusterDomain: snapshot.clusterDomain }).findings[0]?.message;
      } catch (e) {
        // The cause is extra: a read the svc diagnosis needs but may not make leaves it unknown, not the lookup.
        if (!(e instanceof ClusterAccessError && e.code === 'forbidden')) throw e;
      }
      if (cause !== undefined) causes.set(`${s.namespace}/${s.name}`, cause);
    }
    report = explainDns(rest, name, { ...probed, noEndpointsCause: (s) => causes.get(`${s.namespace}/${s.name}`) });
  }
  if (denied.length > 0) {
    const rbac = rbacPartial(denied, { means: () => 'answers that depend on these objects may be wrong' });
    report = { ...report, findings: sortDnsFindings([...report.findings, ...rbac]) };
  }
  return report;
}
