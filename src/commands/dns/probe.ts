import type { KubeConnection } from '../../cluster/kube-api.js';
import type { ProbeRun } from '../../cluster/dns-probe.js';
import { clusterDomainFromResolvConf, parseGetent, parseNslookup, parseResolvConf } from '../../core/dns/probe.js';
import type { ObservedAnswer, ParsedName, ResolvConf } from '../../core/dns/types.js';
import type { Pod } from '../../core/k8s/types.js';
import type { Context } from '../types.js';
import { chooseDebugImage } from '../../core/shell/spec.js';

/** What `--probe` saw, for the engine and the JSON document. */
export interface ProbeOutcome {
  pod: { namespace: string; name: string; debug: boolean };
  commands: { command: string; exitCode?: number; missing?: boolean; failure?: string }[];
  resolvConf?: ResolvConf;
  /** The cluster domain the resolv.conf implies (the search domain after `svc.`). */
  clusterDomain?: string;
  observed?: ObservedAnswer;
  notes: string[];
}

/** The name as the application writes it (a trailing dot kept: the resolver then tries it only as written). */
function lookupName(p: ParsedName): string {
  return `${p.host}${p.absolute ? '.' : ''}`;
}

const show = (argv: readonly string[]) => argv.join(' ');

/** The container to exec into: kubectl's default-container annotation, else the first container. */
function containerOf(pod: Pod | undefined): string | undefined {
  if (!pod) return undefined;
  const containers = pod.spec?.containers ?? [];
  if (containers.length <= 1) return undefined;
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  return annotated && containers.some((c) => c.name === annotated) ? annotated : containers[0]?.name;
}

/**
 * Runs the probe: `cat /etc/resolv.conf`, then `getent ahosts NAME` (addresses; `nslookup NAME` when the image has
 * no getent) or `nslookup -type=SRV NAME` (SRV names), in `fromPod` or in a debug pod kdiag creates and deletes.
 * Permissions were checked before (probeAccessChecks). Missing programs are reported in the notes, never guessed.
 */
export async function runProbe(
  ctx: Context,
  o: { namespace: string; name: ParsedName; fromPod?: string; clientPod?: Pod },
): Promise<ProbeOutcome> {
  const { runInPod, withDebugPod } = await import('../../cluster/dns-probe.js');
  const conn: KubeConnection = await ctx.kube();
  const probeIn = async (pod: string, debug: boolean): Promise<ProbeOutcome> => {
    const target = { namespace: o.namespace, pod, ...(debug ? {} : { container: containerOf(o.clientPod) }) };
    if (target.container === undefined) delete target.container;
    const out: ProbeOutcome = { pod: { namespace: o.namespace, name: pod, debug }, commands: [], notes: [] };
    const record = (r: ProbeRun) => {
      out.commands.push({
        command: show(r.argv),
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        ...(r.missing ? { missing: true } : {}),
        ...(r.failure !== undefined ? { failure: r.failure } : {}),
      });
      return r;
    };
    const run = async (argv: string[]) => record(await runInPod(conn, target, argv, ctx.signal));

    const resolv = await run(['cat', '/etc/resolv.conf']);
    if (!resolv.missing && resolv.exitCode === 0 && resolv.stdout.trim()) {
      out.resolvConf = parseResolvConf(resolv.stdout);
      const domain = clusterDomainFromResolvConf(out.resolvConf);
      if (domain) out.clusterDomain = domain;
    } else {
      out.notes.push(
        resolv.missing
          ? `Pod ${pod} has no cat: its /etc/resolv.conf was not read (kdiag uses Kubernetes' defaults for the search list).`
          : `Reading /etc/resolv.conf in pod ${pod} failed (${resolv.failure ?? `exit status ${resolv.exitCode ?? '?'}`}${resolv.stderr.trim() ? `: ${resolv.stderr.trim()}` : ''}).`,
      );
    }

    const name = lookupName(o.name);
    if (o.name.queryType === 'SRV') {
      const r = await run(['nslookup', '-type=SRV', name]);
      if (r.missing) out.notes.push(`Pod ${pod} has no nslookup: the SRV lookup was not run inside the pod (a distroless image?).`);
      else out.observed = answered(r, out) && parseNslookup(r.stdout, show(r.argv));
    } else {
      let r = await run(['getent', 'ahosts', name]);
      // musl's getent (Alpine) knows only the hosts database: `ahosts` is an unknown database there (exit 1).
      if (!r.missing && r.exitCode !== undefined && r.exitCode !== 0 && r.exitCode !== 2 && !r.stdout.trim())
        r = await run(['getent', 'hosts', name]);
      if (r.missing) {
        const ns = await run(['nslookup', name]);
        if (ns.missing) {
          out.notes.push(
            `Pod ${pod} has neither getent nor nslookup (a distroless image?): the lookup was not run inside the pod. Probe from another pod (--from-pod), or without --from-pod (a debug pod).`,
          );
          return out;
        }
        out.notes.push(
          `Pod ${pod} has no getent: the addresses come from nslookup, which may apply the search list differently from the application's resolver.`,
        );
        r = ns;
        out.observed = answered(r, out) && parseNslookup(r.stdout, show(r.argv));
      } else out.observed = answered(r, out) && parseGetent(r.stdout, show(r.argv), r.exitCode);
    }
    if (out.observed) {
      const nodeSearch = out.resolvConf ? nodeSearchDomains(out.resolvConf, out.clusterDomain) : [];
      if (nodeSearch.length > 0)
        out.notes.push(`The pod's resolv.conf also searches ${nodeSearch.join(', ')} (from the node): the query list above includes them.`);
    }
    return out;
  };

  if (o.fromPod !== undefined) return probeIn(o.fromPod, false);
  const config = await ctx.config();
  // The same image as kdiag shell (it has getent, nslookup and cat), chosen the same way but without a flag.
  const image = chooseDebugImage(undefined, ctx.env.KDIAG_SHELL_IMAGE, config.shell?.image);
  const stop = ctx.progress(`Starting a probe pod (${image}) in namespace ${o.namespace}`);
  let stopped = false;
  const done = () => {
    if (!stopped) stop();
    stopped = true;
  };
  try {
    return await withDebugPod(
      conn,
      { namespace: o.namespace, image, signal: ctx.signal, sleep: (ms, s) => ctx.clock.sleep(ms, s) },
      async (pod) => {
        done();
        const out = await probeIn(pod, true);
        out.notes.push(`The probe ran in the debug pod ${o.namespace}/${pod} (image ${image}), deleted afterwards.`);
        return out;
      },
    );
  } finally {
    done();
  }
}

/** False (with a note) when the exec failed without the program's answer: that is no answer to compare. */
function answered(r: ProbeRun, out: ProbeOutcome): true | undefined {
  if (r.failure === undefined) return true;
  out.notes.push(`${show(r.argv)} could not run in pod ${out.pod.name} (${r.failure}): the answer was not compared.`);
  return undefined;
}

/** The search domains after the ClusterFirst ones (`<ns>.svc.D`, `svc.D`, `D`): the node's. */
export function nodeSearchDomains(r: ResolvConf, clusterDomain: string | undefined): string[] {
  if (!clusterDomain) return [];
  return r.search.filter((d) => !(d === clusterDomain || d.endsWith(`.svc.${clusterDomain}`) || d === `svc.${clusterDomain}`));
}
