import { distance } from 'fastest-levenshtein';
import type { Container, ContainerPort, PodSpec, ServicePort } from './types.js';

/** A container port as FindPort sees it, with the container that declares it. */
export interface DeclaredPort {
  container: string;
  /** `containers` or `initContainers` (restartable init containers only, i.e. sidecars). */
  list: 'containers' | 'initContainers';
  index: number;
  port: ContainerPort;
  /** The port's protocol with the API default applied. */
  protocol: string;
}

/** The port a Service port targets on a pod, or why there is none. */
export type PortResolution =
  | { ok: true; port: number; by: 'number' | 'name'; declared?: DeclaredPort }
  | { ok: false; name: string; protocol: string; reason: string; near?: DeclaredPort[] };

/** The Service port's protocol with the API default (TCP). */
export function protocolOf(p: { protocol?: string | undefined }): string {
  return p.protocol || 'TCP';
}

/** The targetPort with the API default applied: omitted means the same number as `port`. */
export function targetPortOf(sp: ServicePort): number | string {
  return sp.targetPort === undefined || sp.targetPort === null || sp.targetPort === '' || sp.targetPort === 0 ? sp.port : sp.targetPort;
}

/** True for init containers that keep running beside the app (`restartPolicy: Always`). */
export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * Every port FindPort considers, in its order: regular containers, then restartable init containers.
 * Ordinary init containers are never searched (their ports cannot receive Service traffic).
 */
export function declaredPorts(spec: PodSpec | undefined): DeclaredPort[] {
  const out: DeclaredPort[] = [];
  for (const [list, containers] of [
    ['containers', spec?.containers ?? []],
    ['initContainers', (spec?.initContainers ?? []).filter(isSidecar)],
  ] as const) {
    for (const c of containers) {
      (c.ports ?? []).forEach((port, index) => out.push({ container: c.name, list, index, port, protocol: protocolOf(port) }));
    }
  }
  return out;
}

/**
 * The EndpointSlice controller's FindPort: a numeric targetPort is returned as it is (never checked against the
 * pod); a named one must match a container port's name AND protocol, searching containers then sidecar init
 * containers. When that fails the controller leaves the Service port out of this pod's endpoint.
 */
export function findPort(spec: PodSpec | undefined, sp: ServicePort): PortResolution {
  const target = targetPortOf(sp);
  const protocol = protocolOf(sp);
  if (typeof target === 'number') return { ok: true, port: target, by: 'number' };
  const ports = declaredPorts(spec);
  for (const d of ports) {
    if (d.port.name === target && d.protocol === protocol) return { ok: true, port: d.port.containerPort, by: 'name', declared: d };
  }
  return { ok: false, name: target, protocol, ...whyNotFound(spec, target, protocol, ports) };
}

function whyNotFound(
  spec: PodSpec | undefined,
  name: string,
  protocol: string,
  ports: DeclaredPort[],
): { reason: string; near?: DeclaredPort[] } {
  const sameName = ports.filter((d) => d.port.name === name);
  if (sameName.length > 0) {
    const d = sameName[0]!;
    return {
      reason: `container "${d.container}" declares port "${name}" as ${d.protocol}, the Service port is ${protocol}`,
      near: sameName,
    };
  }
  const onInit = (spec?.initContainers ?? []).find((c) => !isSidecar(c) && (c.ports ?? []).some((p) => p.name === name));
  if (onInit) {
    return {
      reason:
        `only init container "${onInit.name}" declares "${name}", and it is not a sidecar (restartPolicy: Always), so its ports ` +
        `are not searched`,
    };
  }
  const named = ports.filter((d) => d.port.name);
  const near = named.filter((d) => d.port.name!.toLowerCase() === name.toLowerCase() || distance(d.port.name!, name) <= 2);
  if (ports.length === 0) return { reason: 'no container declares any port' };
  const list = ports.map(describeDeclared).join(', ');
  if (near.length > 0) return { reason: `no container port is named "${name}"; close: ${near.map(describeDeclared).join(', ')}`, near };
  return { reason: `no container port is named "${name}"; declared: ${list}` };
}

/** `web:http 8080/TCP` (container:name number/protocol). */
export function describeDeclared(d: DeclaredPort): string {
  return `${d.container}:${d.port.name ?? '(unnamed)'} ${d.port.containerPort}/${d.protocol}`;
}

/** A stable name for a Service port in output and JSON keys: its name, else its number. */
export function servicePortKey(sp: ServicePort): string {
  return sp.name || String(sp.port);
}
