import type { Evidence, Finding, Severity } from '../../finding.js';
import { declaredPorts, describeDeclared, findPort, protocolOf, servicePortKey, targetPortOf } from '../../k8s/ports.js';
import { ownerOf } from '../../k8s/pods.js';
import { refOf } from '../../k8s/refs.js';
import { isHeadless } from '../../k8s/services.js';
import type { Pod } from '../../k8s/types.js';
import { isTemplatePod } from '../../k8s/workloads.js';
import { readyCountForPort } from '../endpoints.js';
import { podsBySpec } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { names, q } from './words.js';

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
    ? `${o.kind.toLowerCase()}/${o.name} spec.template.spec.containers[].ports`
    : `pod ${g.pod.metadata.name} spec.containers[].ports`;
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
      const failing = groups.map((g) => ({ g, r: findPort(g.pod.spec, sp) })).filter((x) => !x.r.ok);
      if (failing.length === 0) return;
      const failingPods = failing.flatMap((x) => x.g.pods);
      const all = failing.length === groups.length;
      const evidence: Evidence[] = [
        { kind: 'port', object: a.ref, field: `spec.ports[${i}].targetPort`, value: `${q(t)} (${protocolOf(sp)})` },
      ];
      for (const { g, r } of failing) {
        if (!r.ok) evidence.push(groupEvidence(g, r.reason));
      }
      if (a.s.hasStatus && a.s.endpointsKnown) {
        const podNames = new Set(failingPods.map((p) => p.metadata.name));
        const listed = a.rows.filter((r) => r.pod && podNames.has(r.pod) && !r.ports.some((p) => p.name === (sp.name ?? '')));
        const slices = [...new Set(listed.map((r) => r.slice))];
        for (const sl of slices) {
          evidence.push({
            kind: 'endpointslice',
            object: { kind: 'EndpointSlice', namespace: a.ns, name: sl },
            value: `lists ${names(
              listed.filter((r) => r.slice === sl).map((r) => ({ metadata: { name: r.pod! } })),
              3,
            )} without port ${q(sp.name ?? '')}`,
          });
        }
        evidence.push({
          kind: 'endpoints',
          value: `ready endpoints for Service port ${servicePortKey(sp)}: ${readyCountForPort(a.rows, sp)}`,
        });
      }
      const first = failing[0]!.r;
      let hint: string;
      const near = !first.ok ? first.near?.[0] : undefined;
      if (!all) {
        hint = `name the container port ${q(t)} (with protocol ${protocolOf(sp)}) in ${containerPath(failing[0]!.g)}, as the other matching pods do${near ? ` (it is ${q(near.port.name!)} there now)` : ''}`;
      } else if (near && near.port.name === t) {
        hint = `make the protocols agree: set spec.ports[${i}].protocol to ${near.protocol}, or the container port ${q(t)} to ${protocolOf(sp)}`;
      } else if (near) {
        hint = `set spec.ports[${i}].targetPort to ${q(near.port.name!)} (or ${near.port.containerPort}), or rename the container port to ${q(t)} in ${containerPath(failing[0]!.g)}`;
      } else {
        const declared = declaredPorts(failing[0]!.g.pod.spec);
        const same = declared.filter((d) => d.protocol === protocolOf(sp));
        hint =
          same.length === 1
            ? `set spec.ports[${i}].targetPort to ${same[0]!.port.name ? `${q(same[0]!.port.name)} or ` : ''}${same[0]!.port.containerPort} (the only ${protocolOf(sp)} port the container declares), or name that container port ${q(t)} in ${containerPath(failing[0]!.g)}`
            : declared.length > 0
              ? `set spec.ports[${i}].targetPort to the number the app listens on (declared: ${declared.map(describeDeclared).join(', ')}), or name that container port ${q(t)} in ${containerPath(failing[0]!.g)}`
              : `declare the port with name: ${t} in ${containerPath(failing[0]!.g)}, or set spec.ports[${i}].targetPort to the number the app listens on`;
      }
      out.push(
        finding(
          'target-port-not-found',
          `Service port ${servicePortKey(sp)} targets the container port named ${q(t)}, but ${all ? (a.matching.length === 1 ? (a.matching[0]!.metadata.name.includes('/') ? `the pod template of ${a.matching[0]!.metadata.name} does not declare it` : 'the matching pod does not declare it') : `none of the ${a.matching.length} matching ${a.s.hasStatus ? 'pods' : 'pods/templates'} declares it`) : `${failingPods.length} of ${a.matching.length} matching pods ${failingPods.length === 1 ? 'does' : 'do'} not declare it`} for ${protocolOf(sp)}: the endpoint controller leaves this port out of ${all ? 'every endpoint' : 'their endpoints'}${a.s.hasStatus ? ', even for Ready pods' : ''}.`,
          evidence,
          hint,
          a.ref,
          all ? 'error' : 'warning',
        ),
      );
    });
    return out;
  },
});

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
      const severity: Severity = withPorts.length > 0 ? 'warning' : 'info';
      const field = omitted ? `spec.ports[${i}].port` : `spec.ports[${i}].targetPort`;
      const evidence: Evidence[] = [
        { kind: 'port', object: a.ref, field, value: `${t}${omitted ? ' (targetPort omitted, so it defaults to port)' : ''}` },
      ];
      for (const g of misses) {
        const declared = declaredPorts(g.pod.spec);
        evidence.push(groupEvidence(g, `declared ports: ${declared.length > 0 ? declared.map(describeDeclared).join(', ') : 'none'}`));
      }
      const declared = withPorts.length > 0 ? declaredPorts(withPorts[0]!.pod.spec).filter((d) => d.protocol === protocolOf(sp)) : [];
      out.push(
        finding(
          'target-port-not-declared',
          severity === 'warning'
            ? `Service port ${servicePortKey(sp)} sends traffic to port ${t}${omitted ? ' (targetPort is omitted, so it is the same as port)' : ''}, but the containers declare ${declared.map((d) => d.port.containerPort).join(', ') || 'other ports'}: probably the wrong number.`
            : `Service port ${servicePortKey(sp)} sends traffic to port ${t}; the containers declare no ports, so kdiag cannot tell whether anything listens there.`,
          evidence,
          severity === 'warning'
            ? `set spec.ports[${i}].targetPort to ${declared[0] ? `${declared[0].port.containerPort}${declared[0].port.name ? ` (or ${q(declared[0].port.name)})` : ''}` : 'the port the app listens on'}; if the app really listens on ${t}, declare it in ${containerPath(withPorts[0]!)}`
            : `declare the port the app listens on in ${containerPath(misses[0]!)} (containerPort: ${t}) so tools and named targetPorts can check it`,
          a.ref,
          severity,
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
          `Service port ${servicePortKey(sp)} is ${proto} but the container declares port ${t} as ${other.protocol}: ${proto} traffic finds nothing listening.`,
          [
            { kind: 'port', object: a.ref, field: `spec.ports[${i}].protocol`, value: proto },
            ...bad.map(({ g, d }): Evidence => groupEvidence(g, d.map(describeDeclared).join(', '))),
          ],
          `set spec.ports[${i}].protocol to ${other.protocol} (add a second Service port entry if both protocols are served), or fix the container port's protocol`,
          a.ref,
        ),
      );
    });
    return out;
  },
});

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
      const resolved =
        typeof t === 'number'
          ? t
          : sample
            ? (() => {
                const r = findPort(sample.spec, sp);
                return r.ok ? r.port : undefined;
              })()
            : undefined;
      if (resolved === undefined || resolved === sp.port) return;
      out.push(
        finding(
          'headless-port-remap',
          `Service ${q(a.svc.metadata.name)} is headless, so clients connect to pod IPs directly: port ${sp.port} is not remapped to targetPort ${resolved}${typeof t === 'string' ? ` (${q(t)})` : ''}.`,
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
