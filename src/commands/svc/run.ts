import { FileClusterReader } from '../../cluster/file-reader.js';
import type { ClusterReader } from '../../cluster/reader.js';
import { listServiceChoices, loadServiceSnapshot } from '../../cluster/svc-loader.js';
import { explainService, type ServiceReport } from '../../core/svc/explain.js';
import { InterruptedError, UsageError } from '../../errors.js';
import type { Context, Outcome } from '../types.js';

/** Options of `kdiag svc`, from argv. */
export interface SvcOptions {
  name?: string;
  /** `-f FILE`, or `-` for stdin. */
  file?: string;
}

/** Pure argv → options; throws UsageError on bad input. */
export function toSvcOptions(args: readonly string[], flags: Record<string, unknown>): SvcOptions {
  const name = args[0];
  if (name !== undefined && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new UsageError(
      `invalid Service name "${name}"`,
      'Service names are lower-case letters, digits and "-", starting with a letter (RFC 1035)',
    );
  }
  const file = flags.filename;
  if (file !== undefined && (typeof file !== 'string' || file === ''))
    throw new UsageError('-f needs a file name (or - for standard input)');
  return { ...(name !== undefined ? { name } : {}), ...(typeof file === 'string' ? { file } : {}) };
}

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
  };
}

async function openReader(opts: SvcOptions, ctx: Context): Promise<ClusterReader> {
  if (opts.file !== undefined) {
    if (opts.file === '-' && ctx.io.stdinIsTTY) {
      throw new UsageError(
        '-f - reads objects from standard input, which is a terminal',
        'pipe them in: kubectl get svc,deploy,pods,endpointslices -n NS -o yaml | kdiag svc NAME -f -',
      );
    }
    const stdin = ctx.io.in;
    return FileClusterReader.load(opts.file, {
      cwd: ctx.cwd,
      stdin,
      ...(ctx.globals.namespace ? { namespace: ctx.globals.namespace } : {}),
    });
  }
  return ctx.cluster();
}

function missingName(namespace: string): never {
  throw new UsageError(
    'missing the Service NAME argument',
    `kdiag svc NAME -n ${namespace} (list them: kubectl get services -n ${namespace})`,
  );
}

async function pickService(reader: ClusterReader, namespace: string, ctx: Context): Promise<string> {
  if (!ctx.io.stdinIsTTY || !ctx.io.errIsTTY) missingName(namespace);
  const choices = await listServiceChoices(reader, namespace);
  if (choices.length === 0)
    throw new UsageError(`namespace ${namespace} has no Services to pick from`, 'pass a namespace with -n, or NAME');
  const { select } = await import('@inquirer/prompts');
  try {
    return await select(
      {
        message: `Service in namespace ${namespace} (no ready endpoints first):`,
        choices: choices.map((c) => ({
          value: c.name,
          name: `${c.name}  ${c.type === 'ExternalName' ? '(ExternalName)' : c.readyEndpoints === 0 ? '(no ready endpoints)' : `(${c.readyEndpoints} ready)`}`,
        })),
        pageSize: 15,
      },
      { output: ctx.io.err as NodeJS.WritableStream, signal: ctx.signal },
    );
  } catch (e) {
    if (e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError')) throw new InterruptedError('SIGINT');
    throw e;
  }
}

/** `kdiag svc [NAME]`: load the snapshot (file or live), explain it, hand the report to the writer. */
export async function runSvc(args: string[], flags: Record<string, unknown>, ctx: Context): Promise<Outcome> {
  const opts = toSvcOptions(args, flags);
  // A missing NAME without a terminal is a usage error (exit 2), whatever the cluster or file would have said.
  if (opts.name === undefined && (!ctx.io.stdinIsTTY || !ctx.io.errIsTTY)) missingName(ctx.globals.namespace ?? 'NAMESPACE');
  const reader = await openReader(opts, ctx);
  const namespace = ctx.globals.namespace ?? reader.defaultNamespace;
  const name = opts.name ?? (await pickService(reader, namespace, ctx));
  const stop = reader.source === 'live' ? ctx.progress(`Reading Service ${namespace}/${name}`) : () => {};
  let report: ServiceReport;
  try {
    report = explainService(await loadServiceSnapshot(reader, { namespace, name }));
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
    },
  };
}
