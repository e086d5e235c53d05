import type { Evidence } from '../../finding.js';
import { servicePortKey } from '../../k8s/ports.js';
import { podIps } from '../../k8s/pods.js';
import { refOf } from '../../k8s/refs.js';
import { selectorToString } from '../../k8s/selectors.js';
import type { Pod } from '../../k8s/types.js';
import { readyCountForPort } from '../../k8s/endpoints.js';
import { isIpLiteral } from '../../general-catalogue.js';
import { defineCheck, finding } from './check.js';
import { names, plural, q } from '../../words.js';

// The Service itself: its type, and where a selectorless Service's endpoints come from.

/**
 * `external-name`: an ExternalName Service is a CNAME and never has endpoints. One whose spec.externalName is an
 * IP literal is `dns-external-name-ip` instead (a general code, added by explainService).
 */
export const externalName = defineCheck({
  name: 'externalName',
  codes: ['external-name'],
  stage: 'service',
  run: (a) => {
    if (a.svc.spec?.type !== 'ExternalName') return [];
    const target = a.svc.spec.externalName ?? '';
    if (target === '' || isIpLiteral(target)) return [];
    const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'spec.externalName', value: target }];
    return [
      finding(
        'external-name',
        `Service ${q(a.svc.metadata.name)} is an ExternalName alias: DNS answers with a CNAME to ${q(target)}; it has no endpoints ` +
          `by design.`,
        evidence,
        `nothing to fix for endpoints; if clients fail, check that ${target} resolves from a pod and accepts the Host/SNI the ` +
          `client sends`,
        a.ref,
      ),
    ];
  },
});

/** `no-selector`: a selectorless Service; error when no EndpointSlice gives a Service port a ready address. */
export const noSelector = defineCheck({
  name: 'noSelector',
  codes: ['no-selector'],
  stage: 'service',
  run: (a) => {
    if (a.selector || a.svc.spec?.type === 'ExternalName') return [];
    const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'spec.selector', value: '(none)' }];
    const managers = [
      ...new Set(a.s.endpointSlices.map((sl) => sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? '(no managed-by label)')),
    ];
    for (const sl of a.s.endpointSlices) {
      const n = (sl.endpoints ?? []).reduce((acc, ep) => acc + ep.addresses.length, 0);
      evidence.push({
        kind: 'endpointslice',
        object: refOf(sl, 'EndpointSlice'),
        value:
          `${plural(n, 'address', 'addresses')}, ports ` +
          `${(sl.ports ?? []).map((p) => `${p.name || '(unnamed)'}=${p.port ?? '?'}`).join(' ') || '(none)'}, managed by ` +
          `${sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? '(no managed-by label)'}`,
      });
    }
    if (a.s.legacyEndpoints)
      evidence.push({
        kind: 'endpoints',
        object: refOf(a.s.legacyEndpoints, 'Endpoints'),
        value: `${a.rows.filter((r) => r.slice.startsWith('endpoints/')).length} addresses`,
      });
    const name = a.svc.metadata.name;
    const createHint =
      `add spec.selector to select the pods, or create an EndpointSlice labelled kubernetes.io/service-name=${name} ` +
      `with the backend addresses and ports named like the Service's (${a.ports.map((p) => p.name || '(unnamed)').join(', ')})`;
    if (!a.s.endpointsKnown) {
      return [
        finding(
          'no-selector',
          `Service ${q(name)} has no selector and ${a.s.source === 'live' ? 'its EndpointSlices could not be read' : 'the input holds no EndpointSlices'}, ` +
            `so kdiag cannot tell whether anyone maintains its endpoints.`,
          evidence,
          createHint,
          a.ref,
          'info',
        ),
      ];
    }
    const empty = a.ports.filter((sp) => readyCountForPort(a.rows, sp) === 0);
    if (a.rows.length === 0 || (a.ports.length > 0 && empty.length === a.ports.length)) {
      const named =
        a.rows.length > 0
          ? ` The endpoints list ${plural(a.rows.length, 'address', 'addresses')}, but none ready under a port named like the ` +
            `Service's ports.`
          : '';
      return [
        finding(
          'no-selector',
          `Service ${q(name)} has no selector and no EndpointSlice gives it ready endpoints: nothing creates them automatically.${named}`,
          evidence,
          createHint,
          a.ref,
          'error',
        ),
      ];
    }
    if (empty.length > 0) {
      return [
        finding(
          'no-selector',
          `Service ${q(name)} has no selector; its hand-made endpoints serve port${empty.length > 1 ? 's' : ''} ${a.ports
            .filter((p) => !empty.includes(p))
            .map(servicePortKey)
            .join(', ')} but not ${empty.map(servicePortKey).join(', ')} (EndpointSlice port names must equal the Service port names).`,
          evidence,
          `name the EndpointSlice ports exactly like spec.ports[].name: ${empty.map((p) => q(p.name ?? '')).join(', ')}`,
          a.ref,
          'error',
        ),
      ];
    }
    return [
      finding(
        'no-selector',
        `Service ${q(name)} has no selector: its ${plural(a.rows.filter((r) => r.ready).length, 'ready endpoint')} ` +
          `${a.rows.filter((r) => r.ready).length === 1 ? 'is' : 'are'} maintained by ${managers.join(', ')}, not derived from pods.`,
        evidence,
        'kdiag does not check hand-managed endpoints against pods; if traffic fails, check that the listed addresses answer on the ' +
          'listed ports',
        a.ref,
        'info',
      ),
    ];
  },
});

/** `endpoint-pod-ip-hardcoded`: hand-written endpoints that pin a pod's current IP. */
export const endpointPodIpHardcoded = defineCheck({
  name: 'endpointPodIpHardcoded',
  codes: ['endpoint-pod-ip-hardcoded'],
  stage: 'service',
  run: (a) => {
    if (a.selector || !a.s.podsAtEndpointIps?.length) return [];
    const evidence: Evidence[] = [];
    const pods: Pod[] = [];
    for (const row of a.rows) {
      const pod = a.s.podsAtEndpointIps.find((p) => podIps(p).includes(row.ip));
      if (!pod || pods.includes(pod)) continue;
      // An endpoint that names the pod in targetRef is tracked by whoever wrote it (an operator), not pinned.
      if (row.pod === pod.metadata.name) continue;
      pods.push(pod);
      evidence.push({ kind: 'endpoint', object: refOf(pod, 'Pod'), field: 'status.podIP', value: `${row.ip} is listed in ${row.slice}` });
    }
    if (pods.length === 0) return [];
    return [
      finding(
        'endpoint-pod-ip-hardcoded',
        `The hand-written endpoints of Service ${q(a.svc.metadata.name)} pin the current IP of pod${pods.length > 1 ? 's' : ''} ` +
          `${names(pods)}; the endpoint breaks when ${pods.length > 1 ? 'they are' : 'it is'} rescheduled.`,
        evidence,
        `select the pods instead: add spec.selector (e.g. ${selectorToString(pods[0]!.metadata.labels ?? {}) || 'app=<name>'}) and ` +
          `delete the hand-written EndpointSlice/Endpoints`,
        a.ref,
      ),
    ];
  },
});
