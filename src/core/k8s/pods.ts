import type { Evidence, ObjectRef } from '../finding.js';
import { eventsFor } from './events.js';
import { refOf } from './refs.js';
import type { Container, ContainerStatus, KubeEvent, KubeObject, Node, Pod, Probe } from './types.js';

/**
 * What every command knows about pods: readiness, IPs, owners, conditions, and why a pod is not (yet) an
 * endpoint. Pure.
 */

/** A pod's or node's condition of that type. */
export function condition(pod: Pod | Node, type: string): { status: string; reason?: string; message?: string } | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === type);
}

/** The pod's Ready condition is True. */
export function isReady(pod: Pod): boolean {
  return condition(pod, 'Ready')?.status === 'True';
}

/** The pod has a deletionTimestamp. */
export function isTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata.deletionTimestamp);
}

/** All of a pod's IPs (dual-stack aware). */
export function podIps(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/**
 * The workload that owns a pod, as users name it: a ReplicaSet created by a Deployment is reported as the
 * Deployment (its name minus the pod-template-hash), so a rollout's two ReplicaSets count as one workload.
 */
export function ownerOf(pod: KubeObject): ObjectRef | undefined {
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return undefined;
  const ns = pod.metadata.namespace;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', ...(ns ? { namespace: ns } : {}), name: owner.name.slice(0, -hash.length - 1) };
  }
  return { kind: owner.kind, ...(ns ? { namespace: ns } : {}), name: owner.name };
}

/** The port a probe targets, as written: undefined for exec probes. */
export function probePortOf(p: Probe): number | string | undefined {
  return p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
}

/**
 * Resolves a probe's port as the kubelet does: a number is itself, a name is looked up among the container's own
 * declared ports (by name only). Undefined when the name is not declared.
 */
export function resolveProbePort(c: Container | undefined, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c?.ports?.find((p) => p.name === port)?.containerPort;
}

/** `:http (8080)` for a named port, `:http (not declared by the container)` when it resolves nowhere, `:8080` else. */
function portText(c: Container | undefined, port: number | string): string {
  if (typeof port === 'number' || /^\d+$/.test(port)) return `:${port}`;
  const n = resolveProbePort(c, port);
  return `:${port} (${n === undefined ? 'not declared by the container' : n})`;
}

export function probeText(p: Probe, c?: Container): string {
  const timing = `period ${p.periodSeconds ?? 10}s, timeout ${p.timeoutSeconds ?? 1}s, failureThreshold ${p.failureThreshold ?? 3}`;
  if (p.httpGet) return `httpGet ${p.httpGet.scheme ?? 'HTTP'} ${portText(c, p.httpGet.port)}${p.httpGet.path ?? '/'} (${timing})`;
  if (p.tcpSocket) return `tcpSocket ${portText(c, p.tcpSocket.port)} (${timing})`;
  if (p.grpc) return `grpc :${p.grpc.port} (${timing})`;
  if (p.exec) return `exec ${JSON.stringify(p.exec.command ?? [])} (${timing})`;
  return `(${timing})`;
}

/** Why a pod is not (or not yet) an endpoint: a one-line cause and the facts behind it, most fundamental first. */
export interface PodDiagnosis {
  /** Short cause, e.g. `CrashLoopBackOff (container app exited 1, 7 restarts)`. */
  cause: string;
  evidence: Evidence[];
  /** A reason code usable for a hint: `Unschedulable`, `CrashLoopBackOff`, `ReadinessProbe`, `ReadinessGate`, ... */
  reason: string;
  /** A hint that follows the facts more closely than `hintForReason`'s (the scheduler's reason for a Pending pod). */
  hint?: string;
}

function stateText(s: ContainerStatus): { reason: string; text: string } | undefined {
  const w = s.state?.waiting;
  if (w?.reason) {
    const last = s.lastState?.terminated;
    const lastText = last ? `; last run ended ${last.reason ?? 'with'} exit code ${last.exitCode ?? '?'}` : '';
    const restarts = s.restartCount ? `, ${s.restartCount} restart${s.restartCount === 1 ? '' : 's'}` : '';
    return {
      reason: w.reason,
      text: `container "${s.name}" is waiting: ${w.reason}${w.message ? ` (${w.message})` : ''}${lastText}${restarts}`,
    };
  }
  const t = s.state?.terminated;
  if (t)
    return {
      reason: t.reason ?? 'Terminated',
      text: `container "${s.name}" terminated: ${t.reason ?? ''} exit code ${t.exitCode ?? '?'}${t.message ? ` (${t.message})` : ''}`,
    };
  return undefined;
}

/**
 * The readiness cause chain for one pod, in the order things go wrong: terminating → terminal phase →
 * scheduling → init containers → containers waiting → startup probe → readiness probe → readiness gates →
 * node → no IP. Returns undefined for a Ready pod with an IP.
 */
export function diagnosePod(
  pod: Pod,
  events: readonly KubeEvent[],
  nodes: readonly Node[] | undefined,
  nodesLookedUp: readonly string[] | undefined,
  nodeLabels?: readonly Record<string, string>[],
): PodDiagnosis | undefined {
  const ref = refOf(pod, 'Pod');
  const ev: Evidence[] = [];
  const podEvents = eventsFor(events, pod, 'Pod');
  const eventEvidence = (pred: (e: KubeEvent) => boolean) => {
    const e = podEvents.find(pred);
    if (e)
      ev.push({
        kind: 'event',
        object: ref,
        value: `${e.reason ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message ?? ''}`.trim(),
      });
    return e;
  };
  const phase = pod.status?.phase ?? 'Unknown';

  if (pod.metadata.deletionTimestamp) {
    ev.push({ kind: 'field', object: ref, field: 'metadata.deletionTimestamp', value: pod.metadata.deletionTimestamp });
    return { cause: `terminating since ${pod.metadata.deletionTimestamp}`, evidence: ev, reason: 'Terminating' };
  }
  // A Ready pod is an endpoint whatever else is true of it (a gone node shows up as missing endpoints instead).
  if (isReady(pod) && pod.status?.podIP && phase === 'Running') return undefined;
  if (phase === 'Succeeded' || phase === 'Failed') {
    ev.push({ kind: 'field', object: ref, field: 'status.phase', value: phase });
    if (pod.status?.reason || pod.status?.message)
      ev.push({
        kind: 'field',
        object: ref,
        field: 'status.reason',
        value: `${pod.status?.reason ?? ''}${pod.status?.message ? `: ${pod.status.message}` : ''}`,
      });
    return {
      cause: `phase ${phase}${pod.status?.reason ? ` (${pod.status.reason})` : ''}: completed pods are never endpoints`,
      evidence: ev,
      reason: phase,
    };
  }
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled && scheduled.status !== 'True') {
    ev.push({
      kind: 'condition',
      object: ref,
      field: 'status.conditions[PodScheduled]',
      value: `False ${scheduled.reason ?? ''}${scheduled.message ? `: ${scheduled.message}` : ''}`.trim(),
    });
    eventEvidence((e) => e.reason === 'FailedScheduling');
    return {
      cause: `not scheduled: ${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? ` (${scheduled.message})` : ''}`,
      evidence: ev,
      reason: 'Unschedulable',
      hint: schedulingHint(pod, scheduled.message ?? '', nodeLabels),
    };
  }
  for (const s of pod.status?.initContainerStatuses ?? []) {
    const st = stateText(s);
    if (st && !(s.state?.terminated && s.state.terminated.exitCode === 0)) {
      ev.push({ kind: 'container', object: ref, field: `status.initContainerStatuses[${s.name}]`, value: st.text });
      return { cause: `init ${st.text}`, evidence: ev, reason: `Init:${st.reason}` };
    }
  }
  const spec = pod.spec;
  for (const s of pod.status?.containerStatuses ?? []) {
    const st = stateText(s);
    if (st) {
      ev.push({ kind: 'container', object: ref, field: `status.containerStatuses[${s.name}].state`, value: st.text });
      eventEvidence((e) => e.type === 'Warning' && /BackOff|Failed|Err/.test(e.reason ?? ''));
      return { cause: st.text, evidence: ev, reason: st.reason };
    }
  }
  for (const s of pod.status?.containerStatuses ?? []) {
    if (s.ready) continue;
    const c = spec?.containers.find((x) => x.name === s.name);
    if (s.started === false && c?.startupProbe) {
      ev.push({ kind: 'probe', object: ref, field: `spec.containers[${s.name}].startupProbe`, value: probeText(c.startupProbe, c) });
      eventEvidence((e) => e.reason === 'Unhealthy' && /Startup probe/i.test(e.message ?? ''));
      return { cause: `container "${s.name}" has not passed its startup probe yet`, evidence: ev, reason: 'StartupProbe' };
    }
    if (c?.readinessProbe) {
      ev.push({ kind: 'probe', object: ref, field: `spec.containers[${s.name}].readinessProbe`, value: probeText(c.readinessProbe, c) });
      const e = eventEvidence((x) => x.reason === 'Unhealthy' && /Readiness probe/i.test(x.message ?? ''));
      return {
        cause: `container "${s.name}" fails its readiness probe${e?.message ? `: ${e.message}` : ''}`,
        evidence: ev,
        reason: 'ReadinessProbe',
      };
    }
    ev.push({ kind: 'container', object: ref, field: `status.containerStatuses[${s.name}].ready`, value: 'false' });
    return { cause: `container "${s.name}" is not ready`, evidence: ev, reason: 'ContainerNotReady' };
  }
  for (const g of spec?.readinessGates ?? []) {
    const c = condition(pod, g.conditionType);
    if (c?.status !== 'True') {
      ev.push({
        kind: 'condition',
        object: ref,
        field: `status.conditions[${g.conditionType}]`,
        value: c ? `${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}` : 'missing',
      });
      return {
        cause:
          `readiness gate "${g.conditionType}" is ${c ? c.status : 'not set'} (the controller that owns it has not marked the ` +
          `pod ready)`,
        evidence: ev,
        reason: 'ReadinessGate',
      };
    }
  }
  const nodeName = spec?.nodeName;
  if (nodeName && nodesLookedUp?.includes(nodeName)) {
    const node = nodes?.find((n) => n.metadata.name === nodeName);
    if (!node) {
      ev.push({ kind: 'node', object: { kind: 'Node', name: nodeName }, value: 'does not exist' });
      return { cause: `its node "${nodeName}" no longer exists`, evidence: ev, reason: 'NodeGone' };
    }
    const ready = condition(node, 'Ready');
    if (ready?.status !== 'True') {
      ev.push({
        kind: 'condition',
        object: refOf(node, 'Node'),
        field: 'status.conditions[Ready]',
        value: `${ready?.status ?? 'missing'}${ready?.reason ? ` ${ready.reason}` : ''}${ready?.message ? `: ${ready.message}` : ''}`,
      });
      return {
        cause: `its node "${nodeName}" is NotReady (${ready?.reason ?? 'no Ready condition'})`,
        evidence: ev,
        reason: 'NodeNotReady',
      };
    }
  }
  if (!pod.status?.podIP) {
    ev.push({ kind: 'field', object: ref, field: 'status.podIP', value: '(none)' });
    const e = eventEvidence((x) => x.reason === 'FailedCreatePodSandBox');
    return {
      cause: e ? 'no IP: the network plugin failed to set up the pod sandbox' : `no IP (phase ${phase})`,
      evidence: ev,
      reason: 'NoIP',
    };
  }
  if (phase === 'Pending') {
    ev.push({ kind: 'field', object: ref, field: 'status.phase', value: 'Pending' });
    return { cause: 'phase Pending', evidence: ev, reason: 'Pending' };
  }
  if (!isReady(pod)) {
    const r = condition(pod, 'Ready');
    ev.push({
      kind: 'condition',
      object: ref,
      field: 'status.conditions[Ready]',
      value: `${r?.status ?? 'missing'}${r?.reason ? ` ${r.reason}` : ''}${r?.message ? `: ${r.message}` : ''}`,
    });
    return { cause: `Ready is ${r?.status ?? 'missing'}${r?.reason ? ` (${r.reason})` : ''}`, evidence: ev, reason: 'NotReady' };
  }
  return undefined;
}

/** A hint for a pod diagnosis reason. */
export function hintForReason(reason: string, pod: Pod, ownerName?: string): string {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  switch (reason) {
    case 'Unschedulable':
      return (
        `free or add capacity, or relax the pod's requests, nodeSelector, affinity or tolerations; see: kubectl describe pod ` +
        `${name} -n ${ns}`
      );
    case 'CrashLoopBackOff':
    case 'Error':
    case 'OOMKilled':
      return `read why the container exits: kubectl logs ${name} -n ${ns} --previous`;
    case 'ImagePullBackOff':
    case 'ErrImagePull':
    case 'InvalidImageName':
      return `check the image name and tag and the pull secret: kubectl describe pod ${name} -n ${ns}`;
    case 'CreateContainerConfigError':
      return `a referenced Secret or ConfigMap (or one of its keys) is missing: kubectl describe pod ${name} -n ${ns}`;
    case 'ReadinessProbe':
      return `check that the probe's path and port answer inside the pod, or fix the probe: kubectl describe pod ${name} -n ${ns}`;
    case 'StartupProbe':
      return `wait for start-up, or raise the startup probe's failureThreshold: kubectl describe pod ${name} -n ${ns}`;
    case 'ReadinessGate':
      return `the controller that owns the readiness gate (e.g. a load-balancer controller) must set the condition; check its logs`;
    case 'NodeNotReady':
    case 'NodeGone':
      return (
        `the node is unhealthy or gone: kubectl get nodes; the pod is rescheduled once the node is ` +
        `removed${ownerName ? ` (or delete it so ${ownerName} recreates it)` : ''}`
      );
    case 'NoIP':
      return `the network plugin (CNI) could not give the pod an IP: kubectl describe pod ${name} -n ${ns}`;
    case 'Succeeded':
    case 'Failed':
      return (
        `completed pods never receive traffic; narrow the selector to the long-running pods, or find out why it failed: kubectl ` +
        `describe pod ${name} -n ${ns}`
      );
    default:
      if (reason.startsWith('Init:')) return `read the init container's logs: kubectl logs ${name} -n ${ns} -c <init-container>`;
      return `kubectl describe pod ${name} -n ${ns}`;
  }
}

/**
 * The hint for a pod the scheduler cannot place, following its reason: an unmatched nodeSelector or affinity names
 * the labels and says whether any node carries them (when the nodes' labels were read), an untolerated taint names
 * the taint, missing resources name the resource.
 */
export function schedulingHint(pod: Pod, message: string, nodeLabels: readonly Record<string, string>[] | undefined): string {
  const ns = pod.metadata.namespace ?? 'default';
  const describe = `kubectl describe pod ${pod.metadata.name} -n ${ns}`;
  const parts: string[] = [];
  if (/node affinity\/selector|node selector|didn't match Pod's node affinity/i.test(message)) {
    const selector = (pod.spec?.nodeSelector ?? {}) as Record<string, string>;
    const entries = Object.entries(selector);
    if (entries.length > 0) {
      const words = entries.map(([k, v]) => {
        if (!nodeLabels) return `${k}=${v}`;
        const n = nodeLabels.filter((l) => l[k] === v).length;
        return n === 0 ? `${k}=${v} (no node carries it)` : `${k}=${v} (${n === 1 ? '1 node carries' : `${n} nodes carry`} it)`;
      });
      const none = nodeLabels !== undefined && entries.some(([k, v]) => !nodeLabels.some((l) => l[k] === v));
      parts.push(
        `the pod's nodeSelector ${words.join(', ')} matches no schedulable node: ` +
          (none ? 'label a node (kubectl label node NODE KEY=VALUE) or fix the nodeSelector' : 'fix the nodeSelector, or free those nodes'),
      );
    }
    if (pod.spec?.affinity)
      parts.push("check spec.affinity's required nodeAffinity terms against the nodes' labels (kubectl get nodes --show-labels)");
    if (parts.length === 0)
      parts.push("no node matches the pod's node affinity or selector: compare them with kubectl get nodes --show-labels");
  }
  const taints = [...message.matchAll(/untolerated taint(?:\(s\))? ?\{([^}]*)\}/g)].map((m) => m[1]!.trim());
  if (taints.length > 0) {
    parts.push(
      `nodes carry the taint ${[...new Set(taints)].map((t) => `{${t}}`).join(', ')} the pod does not tolerate: add a toleration or remove the taint`,
    );
  }
  const insufficient = [...new Set([...message.matchAll(/Insufficient ([\w./-]+)/g)].map((m) => m[1]!.replace(/\.+$/, '')))];
  if (insufficient.length > 0) {
    parts.push(`no node has enough free ${insufficient.join(', ')} for the pod's requests: lower the requests or add capacity`);
  }
  if (/persistentvolumeclaim|unbound immediate PersistentVolumeClaims|volume node affinity/i.test(message)) {
    parts.push("the pod's PersistentVolumeClaims are unbound or their volumes sit in another zone: kubectl get pvc -n " + ns);
  }
  if (parts.length === 0) return hintForReason('Unschedulable', pod);
  return `${parts.join('; ')}; see: ${describe}`;
}
