/**
 * The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards, v1.36), as checks over a
 * pod spec: which rules of `baseline` and `restricted` a pod breaks. kdiag decides by the API server's dry run
 * (admission knows its exemptions, defaults and other policy engines); these rules say beforehand what a profile
 * will need, and the unit tests hold the generated specs to them.
 */

export type PssLevel = 'privileged' | 'baseline' | 'restricted';

/** The capabilities baseline lets a container add (the runtime's usual defaults). */
const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});

/** One broken rule: which, and where. */
export interface PssViolation {
  level: 'baseline' | 'restricted';
  rule: string;
  field: string;
}

/** The rules of `level` (restricted includes baseline's) that `podSpec` breaks. */
export function pssViolations(podSpec: unknown, level: PssLevel): PssViolation[] {
  if (level === 'privileged') return [];
  const spec = obj(podSpec);
  const out: PssViolation[] = [];
  const add = (l: PssViolation['level'], rule: string, field: string) => out.push({ level: l, rule, field });
  const podSc = obj(spec.securityContext);
  const containers: [string, Obj][] = [];
  for (const key of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const list = Array.isArray(spec[key]) ? (spec[key] as unknown[]) : [];
    list.forEach((c, i) => containers.push([`spec.${key}[${i}]`, obj(c)]));
  }

  // baseline
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[k] === true) add('baseline', 'host namespaces', `spec.${k}`);
  if (podSc.windowsOptions && obj(podSc.windowsOptions).hostProcess === true)
    add('baseline', 'HostProcess', 'spec.securityContext.windowsOptions.hostProcess');
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as unknown[]).map(obj) : [];
  volumes.forEach((v, i) => {
    if (v.hostPath !== undefined) add('baseline', 'HostPath volumes', `spec.volumes[${i}].hostPath`);
  });
  const seccompOk = (sc: Obj, allowUnset: boolean) => {
    const t = obj(sc.seccompProfile).type;
    return t === undefined ? allowUnset : t === 'RuntimeDefault' || t === 'Localhost';
  };
  if (obj(podSc.seccompProfile).type === 'Unconfined') add('baseline', 'seccomp', 'spec.securityContext.seccompProfile.type');
  const sysctls = Array.isArray(podSc.sysctls) ? (podSc.sysctls as unknown[]).map(obj) : [];
  sysctls.forEach((s, i) => {
    if (!SAFE_SYSCTLS.has(String(s.name))) add('baseline', 'sysctls', `spec.securityContext.sysctls[${i}]`);
  });
  const seLinuxOk = (se: Obj) =>
    (se.type === undefined || ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(String(se.type))) &&
    se.user === undefined &&
    se.role === undefined;
  if (!seLinuxOk(obj(podSc.seLinuxOptions))) add('baseline', 'SELinux', 'spec.securityContext.seLinuxOptions');
  const appArmorOk = (a: Obj) => a.type === undefined || a.type === 'RuntimeDefault' || a.type === 'Localhost';
  if (!appArmorOk(obj(podSc.appArmorProfile))) add('baseline', 'AppArmor', 'spec.securityContext.appArmorProfile');

  for (const [at, c] of containers) {
    const sc = obj(c.securityContext);
    if (sc.privileged === true) add('baseline', 'privileged containers', `${at}.securityContext.privileged`);
    const caps = obj(sc.capabilities);
    const added = Array.isArray(caps.add) ? (caps.add as unknown[]).map(String) : [];
    for (const cap of added) if (!BASELINE_CAPS.has(cap)) add('baseline', 'capabilities', `${at}.securityContext.capabilities.add`);
    const ports = Array.isArray(c.ports) ? (c.ports as unknown[]).map(obj) : [];
    ports.forEach((p, i) => {
      if (p.hostPort !== undefined && p.hostPort !== 0) add('baseline', 'host ports', `${at}.ports[${i}].hostPort`);
    });
    if (obj(sc.seccompProfile).type === 'Unconfined') add('baseline', 'seccomp', `${at}.securityContext.seccompProfile.type`);
    if (!seLinuxOk(obj(sc.seLinuxOptions))) add('baseline', 'SELinux', `${at}.securityContext.seLinuxOptions`);
    if (!appArmorOk(obj(sc.appArmorProfile))) add('baseline', 'AppArmor', `${at}.securityContext.appArmorProfile`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') add('baseline', '/proc mount type', `${at}.securityContext.procMount`);
    if (obj(sc.windowsOptions).hostProcess === true) add('baseline', 'HostProcess', `${at}.securityContext.windowsOptions.hostProcess`);
  }
  if (level === 'baseline') return out;

  // restricted
  volumes.forEach((v, i) => {
    const kinds = Object.keys(v).filter((k) => k !== 'name');
    if (kinds.some((k) => !RESTRICTED_VOLUMES.has(k))) add('restricted', 'volume types', `spec.volumes[${i}]`);
  });
  if (podSc.runAsUser === 0) add('restricted', 'running as non-root user', 'spec.securityContext.runAsUser');
  for (const [at, c] of containers) {
    const sc = obj(c.securityContext);
    if (sc.allowPrivilegeEscalation !== false) add('restricted', 'privilege escalation', `${at}.securityContext.allowPrivilegeEscalation`);
    // runAsNonRoot: true on the container, or on the pod and not set to false on the container.
    const nonRoot = sc.runAsNonRoot === true || (podSc.runAsNonRoot === true && sc.runAsNonRoot !== false);
    if (!nonRoot) add('restricted', 'running as non-root', `${at}.securityContext.runAsNonRoot`);
    if (sc.runAsUser === 0) add('restricted', 'running as non-root user', `${at}.securityContext.runAsUser`);
    const seccomp = seccompOk(sc, false) || (obj(sc.seccompProfile).type === undefined && seccompOk(podSc, false));
    if (!seccomp) add('restricted', 'seccomp', `${at}.securityContext.seccompProfile`);
    const caps = obj(sc.capabilities);
    const drop = Array.isArray(caps.drop) ? (caps.drop as unknown[]).map(String) : [];
    if (!drop.includes('ALL')) add('restricted', 'capabilities', `${at}.securityContext.capabilities.drop`);
    const added = Array.isArray(caps.add) ? (caps.add as unknown[]).map(String) : [];
    if (added.some((a) => a !== 'NET_BIND_SERVICE')) add('restricted', 'capabilities', `${at}.securityContext.capabilities.add`);
  }
  return out;
}

/** The namespace's enforced level from its `pod-security.kubernetes.io/enforce` label (unset or unknown: privileged). */
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
export function enforcedLevel(labels: Record<string, string> | undefined): PssLevel {
  const v = labels?.[ENFORCE_LABEL];
  return v === 'baseline' || v === 'restricted' ? v : 'privileged';
}
