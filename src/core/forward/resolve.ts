import { declaredPorts, findPort, protocolOf } from '../k8s/ports.js';
import type { Pod, Service, ServicePort } from '../k8s/types.js';
import { matchesRequirements, type Requirement } from '../k8s/selectors.js';
import type { EndpointRow } from '../k8s/endpoints.js';
import { slicePortName } from '../k8s/endpoints.js';
import { localPortFor } from './args.js';
import type { ForwardProblem, ForwardSpec, PortSpec, Result } from './types.js';
import { compareText } from '../compare.js';

/** One forwarded port of a target, resolved as far as it can be before a pod is chosen. */
export interface PortMapping {
  /** The local port to listen on (0: a free one). */
  localPort: number;
  /**
   * What the remote side is called: the Service port's number for a Service; for the others the container port
   * number, or its name when pods may declare it on different numbers.
   */
  remotePort: number | string;
  /** Services: the Service port; each pod's target port is resolved from it when the pod is chosen. */
  servicePort?: ServicePort;
  /** Pods and workloads: the container port number or name as written. */
  containerPort?: number | string;
  /** The token as written, when the user wrote one. */
  text?: string;
}

const UDP_WHY =
  'port-forward carries TCP streams through the Kubernetes API (one stream per connection), so UDP and SCTP cannot go through it';
const UDP_HINT = 'test it from inside the cluster instead, e.g. kubectl run -it --rm probe --image=busybox --restart=Never -- sh';

function describeServicePort(sp: ServicePort): string {
  return `${sp.name ? `${sp.name} ` : ''}${sp.port}/${protocolOf(sp)}`;
}

/** Why a Service cannot be forwarded at all (ExternalName, no selector), or undefined. */
export function serviceRefusal(svc: Service): ForwardProblem | undefined {
  const name = svc.metadata.name;
  if (svc.spec?.type === 'ExternalName') {
    const to = svc.spec.externalName ?? '(unset)';
    return {
      message: `Service ${name} is of type ExternalName (a DNS alias for ${to}): it has no pods, so there is nothing to forward to`,
      hint: `connect to ${to} directly, from where it is reachable`,
    };
  }
  if (!svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) {
    return {
      message: `Service ${name} has no selector: its endpoints are not pods that kdiag can choose, so it cannot be forwarded`,
      hint: `forward to the backend it points at instead, or to a pod: kdiag forward pod/NAME PORT`,
    };
  }
  return undefined;
}

function tcpOnly(sp: ServicePort, svcName: string): ForwardProblem | undefined {
  const proto = protocolOf(sp);
  if (proto === 'TCP') return undefined;
  return { message: `Service ${svcName} port ${describeServicePort(sp)} is ${proto}: ${UDP_WHY}`, hint: UDP_HINT };
}

/**
 * Maps the ports asked for onto the Service's ports, as kubectl does: a number is a Service port number, a name a
 * Service port name. No ports: every TCP port (local = the same number, or a free one below 1024). UDP and SCTP ports
 * are refused with the reason; so are ExternalName and selectorless Services.
 */
export function resolveServicePorts(svc: Service, ports: readonly PortSpec[]): Result<PortMapping[]> {
  const refusal = serviceRefusal(svc);
  if (refusal) return { ok: false, error: refusal };
  const name = svc.metadata.name;
  const all = svc.spec?.ports ?? [];
  const listing = all.length > 0 ? `its ports: ${all.map(describeServicePort).join(', ')}` : 'it declares no ports';
  if (ports.length === 0) {
    const tcp = all.filter((sp) => protocolOf(sp) === 'TCP');
    if (tcp.length === 0) {
      return {
        ok: false,
        error:
          all.length > 0
            ? { message: `Service ${name} has no TCP port (${listing}): ${UDP_WHY}`, hint: UDP_HINT }
            : {
                message: `Service ${name} declares no ports`,
                hint: 'add ports to the Service, or forward to a pod: kdiag forward pod/NAME PORT',
              },
      };
    }
    return {
      ok: true,
      value: tcp.map((sp) => ({
        localPort: localPortFor({ local: undefined, remote: sp.port }, sp.port),
        remotePort: sp.port,
        servicePort: sp,
      })),
    };
  }
  const out: PortMapping[] = [];
  for (const p of ports) {
    const sp = all.find((s) => (typeof p.remote === 'number' ? s.port === p.remote : s.name === p.remote));
    if (!sp) {
      return {
        ok: false,
        error: {
          message: `Service ${name} has no port ${typeof p.remote === 'number' ? p.remote : `named "${p.remote}"`}`,
          hint: `REMOTE is a Service port (number or name), not the pod's; ${listing}`,
        },
      };
    }
    const proto = tcpOnly(sp, name);
    if (proto) return { ok: false, error: proto };
    out.push({
      localPort: localPortFor(p, sp.port),
      remotePort: sp.port,
      servicePort: sp,
      ...(p.text !== undefined ? { text: p.text } : {}),
    });
  }
  return { ok: true, value: out };
}

/**
 * The port a chosen pod serves a Service port on, exactly as the EndpointSlice controller resolves it (`findPort`: a
 * named targetPort by name and protocol). Without the pod's spec, the port its EndpointSlice lists for that Service
 * port. Undefined when neither says.
 */
export function servicePortOnPod(sp: ServicePort, pod: Pod | undefined, row: EndpointRow | undefined): number | undefined {
  if (pod?.spec) {
    const r = findPort(pod.spec, sp);
    return r.ok ? r.port : undefined;
  }
  const name = slicePortName(sp);
  return row?.ports.find((p) => p.name === name)?.port ?? undefined;
}

/** The container port a pod serves `remote` on: a number as it is; a name looked up among the declared TCP ports. */
export function containerPortOnPod(
  pod: Pod | undefined,
  remote: number | string,
): { ok: true; port: number } | { ok: false; problem: ForwardProblem } {
  const podName = pod?.metadata.name ?? '(unknown pod)';
  const declared = declaredPorts(pod?.spec);
  if (typeof remote === 'number') {
    const same = declared.filter((d) => d.port.containerPort === remote);
    if (same.length > 0 && same.every((d) => d.protocol !== 'TCP')) {
      return {
        ok: false,
        problem: { message: `pod ${podName} declares port ${remote} as ${same[0]!.protocol} only: ${UDP_WHY}`, hint: UDP_HINT },
      };
    }
    return { ok: true, port: remote };
  }
  const named = declared.filter((d) => d.port.name === remote);
  const tcp = named.find((d) => d.protocol === 'TCP');
  if (tcp) return { ok: true, port: tcp.port.containerPort };
  if (named.length > 0) {
    return {
      ok: false,
      problem: { message: `pod ${podName} declares port "${remote}" as ${named[0]!.protocol}: ${UDP_WHY}`, hint: UDP_HINT },
    };
  }
  const list = declared.map((d) => `${d.port.name ?? '(unnamed)'} ${d.port.containerPort}/${d.protocol}`).join(', ');
  return {
    ok: false,
    problem: {
      message: `pod ${podName} declares no container port named "${remote}"`,
      hint: declared.length > 0 ? `its ports: ${list}; or give the number` : 'it declares no ports; give the port number instead',
    },
  };
}

/**
 * Resolves the ports of a pod, Deployment, StatefulSet or ReplicaSet against a pod (or a workload's template, as a
 * pod: `templatePod`): names must be declared (TCP), numbers declared only as UDP are refused. The local port of a
 * bare name is its number (or a free port below 1024).
 */
export function resolvePodPorts(pod: Pod | undefined, ports: readonly PortSpec[]): Result<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const p of ports) {
    const r = containerPortOnPod(pod, p.remote);
    if (!r.ok) return { ok: false, error: r.problem };
    out.push({
      localPort: localPortFor(p, r.port),
      remotePort: typeof p.remote === 'number' ? p.remote : r.port,
      containerPort: p.remote,
      ...(p.text !== undefined ? { text: p.text } : {}),
    });
  }
  return { ok: true, value: out };
}

/**
 * `--all [-l SELECTOR]`: one forward per selector-backed Service of the namespace whose labels match, with every TCP
 * port; a local port already taken by an earlier Service becomes a free one (the listening event tells which).
 * ExternalName, selectorless and UDP-only Services are skipped, with the reason.
 */
export function allServiceForwards(
  services: readonly Service[],
  selector: readonly Requirement[] = [],
): { specs: ForwardSpec[]; skipped: { name: string; reason: string }[] } {
  const specs: ForwardSpec[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const taken = new Set<number>();
  for (const svc of [...services].sort((a, b) => compareText(a.metadata.name, b.metadata.name))) {
    if (!matchesRequirements(selector, svc.metadata.labels)) continue;
    const r = resolveServicePorts(svc, []);
    if (!r.ok) {
      skipped.push({ name: svc.metadata.name, reason: r.error.message });
      continue;
    }
    const ports: PortSpec[] = r.value.map((m) => {
      const local = m.localPort !== 0 && taken.has(m.localPort) ? 0 : m.localPort;
      if (local !== 0) taken.add(local);
      return { local, remote: m.remotePort };
    });
    specs.push({
      kind: 'Service',
      name: svc.metadata.name,
      ...(svc.metadata.namespace ? { namespace: svc.metadata.namespace } : {}),
      ports,
    });
  }
  return { specs, skipped };
}

/** One line of the pick list of a Service's ports: every TCP port (`all`), or one port number. */
export interface ServicePortChoice {
  value: 'all' | number;
  name: string;
}

/**
 * The pick list offered for a Service given without ports in a terminal: every TCP port first (what the command does
 * without a terminal), then each TCP port (`http 80/TCP -> 8080`). Empty when there is nothing to choose (one TCP port
 * or none): the caller forwards what `resolveServicePorts` resolves.
 */
export function servicePortChoices(svc: Service): ServicePortChoice[] {
  const tcp = (svc.spec?.ports ?? []).filter((sp) => protocolOf(sp) === 'TCP');
  if (tcp.length < 2) return [];
  const local = (sp: ServicePort) => localPortFor({ local: undefined, remote: sp.port }, sp.port);
  const where = (sp: ServicePort) => (local(sp) === 0 ? 'a free local port' : `local ${local(sp)}`);
  return [
    { value: 'all', name: `all ${tcp.length} TCP ports (${tcp.map((sp) => sp.port).join(', ')}), each on its own local port` },
    ...tcp.map((sp) => ({
      value: sp.port,
      name: `${describeServicePort(sp)} -> pod port ${sp.targetPort ?? sp.port}  (${where(sp)})`,
    })),
  ];
}
