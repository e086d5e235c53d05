import type { Evidence, Finding } from '../../finding.js';
import {
  declaredPorts,
  describeDeclared,
  findPort,
  isSidecar,
  protocolOf,
  servicePortKey,
  targetPortOf,
  type PortResolution,
} from '../../k8s/ports.js';
import { ownerOf, probePortOf, probeText, resolveProbePort } from '../../k8s/pods.js';
import { formatRef, refOf } from '../../k8s/refs.js';
import { isHeadless } from '../../k8s/services.js';
import type { Pod, ServicePort } from '../../k8s/types.js';
import { isTemplatePod } from '../../k8s/workloads.js';
import { readyCountForPort } from '../../k8s/endpoints.js';
import { podsBySpec, type Analysis } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { names, q } from '../../words.js';

// Ports: targetPorts the pods do not declare, protocols that differ, headless Services that cannot remap.

/** Evidence about a group of pods sharing a spec: the owner (or the pod) as object, the pod count as prefix. */
function groupEvidence(g: { pod: Pod; pods: Pod[] }, value: string): Evidence {
  const o = ownerOf(g.pod);
  if (isTemplatePod(g.pod)) return { kind: 'port', object: o!, field: 'spec.template', value };
  if (o && g.pods.length > 1) return { kind: 'port', object: o, value: `${g.pods.length} pods (${names(g.pods, 3)}): ${value}` };
  return { kind: 'port', object: refOf(g.pod, 'Pod'), value };
}

function containerPath(g: { pod: Pod }): string {
  const o = ownerOf(g.pod);
  return o && o.kind !== 'Pod'
    ? `${formatRef(o)} spec.template.spec.containers[].ports`
    : `pod ${g.pod.metadata.name} spec.containers[].ports`;
}

type PortGroup = ReturnType<typeof podsBySpec>[number];

/** A group whose pods do not resolve a named targetPort, with FindPort's answer. */
interface Unresolved {
  g: PortGroup;
  r: Extract<PortResolution, { ok: false }>;
}

/** `target-port-not-found`: a named targetPort FindPort cannot resolve on the pods. */
export const targetPortNotFound = defineCheck({
  name: 'targetPortNotFound',
  codes: ['target-port-not-found'],
  stage: 'ports',
  run: (a) => {
    const out: Finding[] = [];
    const groups = podsBySpec(a);
    if (groups.length === 0) return [];
    a.ports.forEach((sp, i) => {
      const t = targetPortOf(sp);
      if (typeof t === 'number') return;
      const failing: Unresolved[] = [];
      for (const g of groups) {
        const r = findPort(g.pod.spec, sp);
        if (!r.ok) failing.push({ g, r });
      }
      if (failing.length === 0) return;
      const all = failing.length === groups.length;
      const failingPods = failing.flatMap((x) => x.g.pods);
      const message =
        `Service port ${servicePortKey(sp)} targets the container port named ${q(t)}, but ` +
        `${whoLacksPort(a, all, failingPods.length)} for ${protocolOf(sp)}: the endpoint controller leaves this port out of ` +
        `${all ? 'every endpoint' : 'their endpoints'}${a.s.hasStatus ? ', even for Ready pods' : ''}.`;
      const evidence = notFoundEvidence(a, sp, i, t, failing, failingPods);
      out.push(
        finding('target-port-not-found', message, evidence, notFoundHint(sp, i, t, all, failing[0]!), a.ref, all ? 'error' : 'warning'),
      );
    });
    return out;
  },
});

/** Who does not declare the named port: the one pod or template, all of them, or some. */
function whoLacksPort(a: Analysis, all: boolean, failing: number): string {
  const total = a.matching.length;
  if (!all) return `${failing} of ${total} matching pods ${failing === 1 ? 'does' : 'do'} not declare it`;
  if (total > 1) return `none of the ${total} matching ${a.s.hasStatus ? 'pods' : 'pods/templates'} declares it`;
  const only = a.matching[0]!;
  return isTemplatePod(only) ? `the pod template of ${only.metadata.name} does not declare it` : 'the matching pod does not declare it';
}

function notFoundEvidence(a: Analysis, sp: ServicePort, i: number, t: string, failing: Unresolved[], failingPods: Pod[]): Evidence[] {
  const evidence: Evidence[] = [
    { kind: 'port', object: a.ref, field: `spec.ports[${i}].targetPort`, value: `${q(t)} (${protocolOf(sp)})` },
  ];
  for (const { g, r } of failing) evidence.push(groupEvidence(g, r.reason));
  if (!a.s.hasStatus || !a.s.endpointsKnown) return evidence;
  const podNames = new Set(failingPods.map((p) => p.metadata.name));
  const listed = a.rows.filter((r) => r.pod && podNames.has(r.pod) && !r.ports.some((p) => p.name === (sp.name ?? '')));
  for (const sl of new Set(listed.map((r) => r.slice))) {
    const pods = listed.filter((r) => r.slice === sl).map((r) => ({ metadata: { name: r.pod! } }));
    evidence.push({
      kind: 'endpointslice',
      object: { kind: 'EndpointSlice', namespace: a.ns, name: sl },
      value: `lists ${names(pods, 3)} without port ${q(sp.name ?? '')}`,
    });
  }
  evidence.push({ kind: 'endpoints', value: `ready endpoints for Service port ${servicePortKey(sp)}: ${readyCountForPort(a.rows, sp)}` });
  return evidence;
}

/** The next step for an unresolved named targetPort, from the first failing group. */
function notFoundHint(sp: ServicePort, i: number, t: string, all: boolean, first: Unresolved): string {
  const proto = protocolOf(sp);
  const where = containerPath(first.g);
  const near = first.r.near?.[0];
  if (!all) {
    const now = near ? ` (it is ${q(near.port.name!)} there now)` : '';
    return `name the container port ${q(t)} (with protocol ${proto}) in ${where}, as the other matching pods do${now}`;
  }
  if (near && near.port.name === t) {
    return `make the protocols agree: set spec.ports[${i}].protocol to ${near.protocol}, or the container port ${q(t)} to ${proto}`;
  }
  if (near) {
    return (
      `set spec.ports[${i}].targetPort to ${q(near.port.name!)} (or ${near.port.containerPort}), ` +
      `or rename the container port to ${q(t)} in ${where}`
    );
  }
  const declared = declaredPorts(first.g.pod.spec);
  const same = declared.filter((d) => d.protocol === proto);
  if (same.length === 1) {
    const only = same[0]!.port;
    const named = only.name ? `${q(only.name)} or ` : '';
    return (
      `set spec.ports[${i}].targetPort to ${named}${only.containerPort} (the only ${proto} port the container declares), ` +
      `or name that container port ${q(t)} in ${where}`
    );
  }
  if (declared.length > 0) {
    return (
      `set spec.ports[${i}].targetPort to the number the app listens on (declared: ${declared.map(describeDeclared).join(', ')}), ` +
      `or name that container port ${q(t)} in ${where}`
    );
  }
  return `declare the port with name: ${t} in ${where}, or set spec.ports[${i}].targetPort to the number the app listens on`;
}

/** `target-port-not-declared`: a numeric targetPort no container declares. */
export const targetPortNotDeclared = defineCheck({
  name: 'targetPortNotDeclared',
  codes: ['target-port-not-declared'],
  stage: 'ports',
  run: (a) => {
    const out: Finding[] = [];
    const groups = podsBySpec(a);
    a.ports.forEach((sp, i) => {
      const t = targetPortOf(sp);
      if (typeof t !== 'number') return;
      const omitted = sp.targetPort === undefined || sp.targetPort === 0;
      const misses = groups.filter((g) => !declaredPorts(g.pod.spec).some((d) => d.port.containerPort === t));
      if (misses.length === 0) return;
      const withPorts = misses.filter((g) => declaredPorts(g.pod.spec).length > 0);
      const field = omitted ? `spec.ports[${i}].port` : `spec.ports[${i}].targetPort`;
      const evidence: Evidence[] = [
        { kind: 'port', object: a.ref, field, value: `${t}${omitted ? ' (targetPort omitted, so it defaults to port)' : ''}` },
      ];
      for (const g of misses) {
        const declared = declaredPorts(g.pod.spec);
        evidence.push(groupEvidence(g, `declared ports: ${declared.length > 0 ? declared.map(describeDeclared).join(', ') : 'none'}`));
      }
      const key = servicePortKey(sp);
      if (withPorts.length === 0) {
        out.push(
          finding(
            'target-port-not-declared',
            `Service port ${key} sends traffic to port ${t}; the containers declare no ports, ` +
              'so kdiag cannot tell whether anything listens there.',
            evidence,
            `declare the port the app listens on in ${containerPath(misses[0]!)} (containerPort: ${t}) ` +
              'so tools and named targetPorts can check it',
            a.ref,
            'info',
          ),
        );
        return;
      }
      // The containers declare other ports: probably the wrong number.
      const declared = declaredPorts(withPorts[0]!.pod.spec).filter((d) => d.protocol === protocolOf(sp));
      const sameAsPort = omitted ? ' (targetPort is omitted, so it is the same as port)' : '';
      const numbers = declared.map((d) => d.port.containerPort).join(', ') || 'other ports';
      const best = declared[0]?.port;
      const suggestion = best ? `${best.containerPort}${best.name ? ` (or ${q(best.name)})` : ''}` : 'the port the app listens on';
      out.push(
        finding(
          'target-port-not-declared',
          `Service port ${key} sends traffic to port ${t}${sameAsPort}, but the containers declare ${numbers}: probably the wrong number.`,
          evidence,
          `set spec.ports[${i}].targetPort to ${suggestion}; ` +
            `if the app really listens on ${t}, declare it in ${containerPath(withPorts[0]!)}`,
          a.ref,
          'warning',
        ),
      );
    });
    return out;
  },
});

/** `protocol-mismatch`: the number is declared, but with another protocol. */
export const protocolMismatch = defineCheck({
  name: 'protocolMismatch',
  codes: ['protocol-mismatch'],
  stage: 'ports',
  run: (a) => {
    const out: Finding[] = [];
    const groups = podsBySpec(a);
    a.ports.forEach((sp, i) => {
      const t = targetPortOf(sp);
      if (typeof t !== 'number') return;
      const proto = protocolOf(sp);
      const bad = groups
        .map((g) => ({ g, d: declaredPorts(g.pod.spec).filter((d) => d.port.containerPort === t) }))
        .filter((x) => x.d.length > 0 && !x.d.some((d) => d.protocol === proto));
      if (bad.length === 0) return;
      const other = bad[0]!.d[0]!;
      out.push(
        finding(
          'protocol-mismatch',
          `Service port ${servicePortKey(sp)} is ${proto} but the container declares port ${t} as ${other.protocol}: ` +
            `${proto} traffic finds nothing listening.`,
          [
            { kind: 'port', object: a.ref, field: `spec.ports[${i}].protocol`, value: proto },
            ...bad.map(({ g, d }): Evidence => groupEvidence(g, d.map(describeDeclared).join(', '))),
          ],
          `set spec.ports[${i}].protocol to ${other.protocol} (add a second Service port entry if both protocols are served), ` +
            `or fix the container port's protocol`,
          a.ref,
        ),
      );
    });
    return out;
  },
});

/** The container port a Service port reaches: its number, or the named port resolved on `sample`. */
function resolvedTarget(sp: ServicePort, sample: Pod | undefined): number | undefined {
  const t = targetPortOf(sp);
  if (typeof t === 'number') return t;
  if (!sample) return undefined;
  const r = findPort(sample.spec, sp);
  return r.ok ? r.port : undefined;
}

/** `headless-port-remap`: a headless Service whose port differs from its target port. */
export const headlessPortRemap = defineCheck({
  name: 'headlessPortRemap',
  codes: ['headless-port-remap'],
  stage: 'ports',
  run: (a) => {
    if (!isHeadless(a.svc) || !a.selector) return [];
    const out: Finding[] = [];
    const sample = podsBySpec(a)[0]?.pod;
    a.ports.forEach((sp, i) => {
      const t = targetPortOf(sp);
      const resolved = resolvedTarget(sp, sample);
      if (resolved === undefined || resolved === sp.port) return;
      const named = typeof t === 'string' ? ` (${q(t)})` : '';
      out.push(
        finding(
          'headless-port-remap',
          `Service ${q(a.svc.metadata.name)} is headless, so clients connect to pod IPs directly: ` +
            `port ${sp.port} is not remapped to targetPort ${resolved}${named}.`,
          [
            { kind: 'field', object: a.ref, field: 'spec.clusterIP', value: 'None' },
            { kind: 'port', object: a.ref, field: `spec.ports[${i}]`, value: `port ${sp.port}, targetPort ${t}` },
          ],
          `set spec.ports[${i}].port to ${resolved} so clients dial the port the pods listen on, or give the Service a cluster IP`,
          a.ref,
        ),
      );
    });
    return out;
  },
});

const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'] as const;

/** `probe-port-not-found`: a probe names a port its container does not declare, so it can never pass. */
export const probePortNotFound = defineCheck({
  name: 'probePortNotFound',
  codes: ['probe-port-not-found'],
  stage: 'ports',
  run: (a) => {
    const out: Finding[] = [];
    for (const g of podsBySpec(a)) {
      const spec = g.pod.spec;
      for (const c of [...(spec?.initContainers ?? []).filter(isSidecar), ...(spec?.containers ?? [])]) {
        for (const kind of PROBES) {
          const probe = c[kind];
          if (!probe) continue;
          const port = probePortOf(probe);
          if (typeof port !== 'string' || resolveProbePort(c, port) !== undefined) continue;
          const declared = (c.ports ?? []).map((p) => (p.name ? `${p.name} (${p.containerPort})` : String(p.containerPort)));
          const field = isTemplatePod(g.pod) ? `spec.template.spec.containers[${c.name}].${kind}` : `spec.containers[${c.name}].${kind}`;
          const effect =
            kind === 'readinessProbe'
              ? 'the pods never become Ready, so they never receive traffic'
              : `the kubelet restarts the container each time the ${kind === 'livenessProbe' ? 'liveness' : 'startup'} probe fails`;
          out.push(
            finding(
              'probe-port-not-found',
              `The ${kind} of container ${q(c.name)} (${isTemplatePod(g.pod) ? g.pod.metadata.name : `pod ${g.pod.metadata.name}`}) uses port ` +
                `${q(port)}, which the container does not declare: the probe always fails and ${effect}.`,
              [
                groupEvidence(g, `${field}: ${probeText(probe, c)}`),
                {
                  kind: 'port',
                  object: groupEvidence(g, '').object!,
                  field: isTemplatePod(g.pod) ? `spec.template.spec.containers[${c.name}].ports` : `spec.containers[${c.name}].ports`,
                  value:
                    declared.length > 0 ? `container ${c.name} declares: ${declared.join(', ')}` : `container ${c.name} declares no port`,
                },
              ],
              declared.length > 0
                ? `use one of the declared ports in the probe (${declared.join(', ')}), or name the container port ${q(port)}`
                : `give the probe the port's number, or declare the port with name ${q(port)} in container ${c.name}`,
              a.ref,
            ),
          );
        }
      }
    }
    return out;
  },
});
