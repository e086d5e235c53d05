import type { Container, KubeEvent, KubeObject, Pod } from '../k8s/types.js';

/**
 * What `kdiag svc`'s engine reads of a pod, and nothing else: `kdiag audit` projects every pod to this as each page
 * of 500 arrives, so 50,000 pods never sit in memory as full objects (a unit test checks that the engine gives
 * the same report on projected pods as on full ones). Dropped: images, env, commands, volumes, resources,
 * annotations, managedFields, tolerations and the like.
 */
export function projectPod(o: KubeObject): KubeObject {
  const p = o as Pod;
  const m = p.metadata;
  const spec = p.spec;
  const status = p.status;
  const out: Pod = {
    kind: 'Pod',
    metadata: {
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.labels !== undefined ? { labels: m.labels } : {}),
      ...(m.ownerReferences !== undefined
        ? {
            ownerReferences: m.ownerReferences.map((r) => ({
              apiVersion: r.apiVersion,
              kind: r.kind,
              name: r.name,
              ...(r.controller ? { controller: true } : {}),
            })),
          }
        : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
      ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
  } as Pod;
  if (p.apiVersion) out.apiVersion = p.apiVersion;
  if (spec) {
    out.spec = {
      containers: (spec.containers ?? []).map(projectContainer),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(projectContainer) } : {}),
      ...(spec.nodeName !== undefined ? { nodeName: spec.nodeName } : {}),
      ...(spec.hostname !== undefined ? { hostname: spec.hostname } : {}),
      ...(spec.subdomain !== undefined ? { subdomain: spec.subdomain } : {}),
      ...(spec.hostNetwork !== undefined ? { hostNetwork: spec.hostNetwork } : {}),
      ...(spec.readinessGates !== undefined ? { readinessGates: spec.readinessGates } : {}),
      ...(spec.nodeSelector !== undefined ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.affinity !== undefined ? { affinity: spec.affinity } : {}),
    };
  }
  if (status) {
    out.status = {
      ...(status.phase !== undefined ? { phase: status.phase } : {}),
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      ...(status.message !== undefined ? { message: status.message } : {}),
      ...(status.podIP !== undefined ? { podIP: status.podIP } : {}),
      ...(status.podIPs !== undefined ? { podIPs: status.podIPs.map((x) => ({ ip: x.ip })) } : {}),
      ...(status.conditions !== undefined
        ? {
            conditions: status.conditions.map((c) => ({
              type: c.type,
              status: c.status,
              ...(c.reason !== undefined ? { reason: c.reason } : {}),
              ...(c.message !== undefined ? { message: c.message } : {}),
              ...(c.lastTransitionTime !== undefined ? { lastTransitionTime: c.lastTransitionTime } : {}),
            })),
          }
        : {}),
      ...(status.containerStatuses !== undefined ? { containerStatuses: status.containerStatuses.map(projectStatus) } : {}),
      ...(status.initContainerStatuses !== undefined ? { initContainerStatuses: status.initContainerStatuses.map(projectStatus) } : {}),
    };
  }
  return out;
}

function projectContainer(c: Container): Container {
  return {
    name: c.name,
    ...(c.ports !== undefined ? { ports: c.ports } : {}),
    ...(c.readinessProbe !== undefined ? { readinessProbe: c.readinessProbe } : {}),
    ...(c.livenessProbe !== undefined ? { livenessProbe: c.livenessProbe } : {}),
    ...(c.startupProbe !== undefined ? { startupProbe: c.startupProbe } : {}),
    ...(c.restartPolicy !== undefined ? { restartPolicy: c.restartPolicy } : {}),
  };
}

type ContainerStatus = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

function projectStatus(s: ContainerStatus): ContainerStatus {
  return {
    name: s.name,
    ready: s.ready,
    ...(s.started !== undefined ? { started: s.started } : {}),
    ...(s.restartCount !== undefined ? { restartCount: s.restartCount } : {}),
    ...(s.state !== undefined ? { state: s.state } : {}),
    ...(s.lastState !== undefined ? { lastState: s.lastState } : {}),
  };
}

/** What the engine reads of an event (which object, when, why): `kdiag audit` reads Warning events in bulk. */
export function projectEvent(o: KubeObject): KubeObject {
  const e = o as KubeEvent;
  const m = e.metadata;
  const io = e.involvedObject;
  return {
    kind: 'Event',
    metadata: {
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    ...(io !== undefined
      ? {
          involvedObject: {
            ...(io.kind !== undefined ? { kind: io.kind } : {}),
            ...(io.name !== undefined ? { name: io.name } : {}),
            ...(io.namespace !== undefined ? { namespace: io.namespace } : {}),
          },
        }
      : {}),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.message !== undefined ? { message: e.message } : {}),
    ...(e.type !== undefined ? { type: e.type } : {}),
    ...(e.count !== undefined ? { count: e.count } : {}),
    ...(e.lastTimestamp !== undefined ? { lastTimestamp: e.lastTimestamp } : {}),
    ...(e.eventTime !== undefined ? { eventTime: e.eventTime } : {}),
  } as KubeEvent;
}
