import type { Pod } from '../k8s/types.js';

/**
 * The debug pod of `kdiag shell`, as a pure function of its options: one container that runs `sleep` for the
 * deadline, no restarts, kdiag's labels and annotations (owner, heartbeat), and a security context per profile.
 */

/** The default image: a maintained network-utils image, pinned to a release tag and its digest (the one place). */
export const DEFAULT_IMAGE = 'nicolaka/netshoot:v0.15@sha256:47b907d662d139d1e2f22bfe14f4efca1e3f1feed283572f47c970c780c03b61';

/**
 * The debug image, for `kdiag shell` and `kdiag dns --probe` alike: --image > KDIAG_SHELL_IMAGE > shell.image in
 * .kdiag.yaml > the pinned default.
 */
export function chooseDebugImage(flag: string | undefined, env: string | undefined, configured: string | undefined): string {
  return flag || env || configured || DEFAULT_IMAGE;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kdiag';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMPONENT = 'kdiag-shell';
export const RUN_ID_LABEL = 'kdiag.dev/run-id';
export const OWNER_ANNOTATION = 'kdiag.dev/owner';
export const HEARTBEAT_ANNOTATION = 'kdiag.dev/heartbeat';
export const PROFILE_ANNOTATION = 'kdiag.dev/profile';
/** The label selector of every kdiag debug pod (what `--gc` lists). */
export const SHELL_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY},${COMPONENT_LABEL}=${COMPONENT}`;
export const CONTAINER_NAME = 'shell';
/** The user and group of the restricted profile: netshoot runs as root, which restricted forbids. */
export const NON_ROOT_UID = 65532;

/**
 * - `default`: the image's own defaults (root, the runtime's default capabilities); for namespaces that enforce
 *   nothing or `privileged`.
 * - `netadmin`: `default` plus NET_ADMIN and NET_RAW (tcpdump, iptables, ip route changes).
 * - `baseline`: nothing privileged, no added capability, seccomp RuntimeDefault; root is allowed.
 * - `restricted`: non-root (65532), no privilege escalation, every capability dropped, seccomp RuntimeDefault.
 */
export const PROFILES = ['default', 'netadmin', 'baseline', 'restricted'] as const;
export type Profile = (typeof PROFILES)[number];

/** What does not work under a profile, said once before the shell starts (empty: everything the image has works). */
export function profileLimits(profile: Profile): string[] {
  switch (profile) {
    case 'restricted':
      return [
        'restricted profile: running as user 65532 with every capability dropped',
        'tcpdump and other packet capture will not work (no NET_RAW or NET_ADMIN)',
        'ping works only where the node sets net.ipv4.ping_group_range to include the pod',
      ];
    case 'baseline':
      return ['baseline profile: no added capabilities; tcpdump and ping depend on the container runtime keeping NET_RAW'];
    default:
      return [];
  }
}

export interface DebugPodOptions {
  name: string;
  namespace: string;
  image: string;
  profile: Profile;
  runId: string;
  /** `user@host:pid`. */
  owner: string;
  /** The API server's time (RFC 3339) when the pod is made: the first heartbeat. */
  heartbeat: string;
  /** activeDeadlineSeconds, and how long `sleep` runs. */
  deadlineSeconds: number;
  /** `--near POD` / `--node NODE`: a required node affinity on this node's name. */
  node?: string;
  /** `--node`: tolerate every taint (a user who names a node means that node). */
  tolerateAll?: boolean;
}

/** The debug pod's container security context and pod security context for a profile (undefined: none set). */
export function securityContexts(profile: Profile): { pod?: Record<string, unknown>; container?: Record<string, unknown> } {
  switch (profile) {
    case 'default':
      return {};
    case 'netadmin':
      return { container: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } } };
    case 'baseline':
      return {
        pod: { seccompProfile: { type: 'RuntimeDefault' } },
        container: { privileged: false },
      };
    case 'restricted':
      return {
        pod: {
          runAsNonRoot: true,
          runAsUser: NON_ROOT_UID,
          runAsGroup: NON_ROOT_UID,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        container: {
          runAsNonRoot: true,
          runAsUser: NON_ROOT_UID,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      };
  }
}

/** Small requests and limits, so that namespaces with a ResourceQuota (which then require them) accept the pod. */
export const RESOURCES = {
  requests: { cpu: '10m', memory: '32Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
} as const;

/** The debug pod. */
export function debugPod(o: DebugPodOptions): Pod {
  const sc = securityContexts(o.profile);
  const container: Record<string, unknown> = {
    name: CONTAINER_NAME,
    image: o.image,
    // A program name, never a path: the image's own sleep, for as long as the deadline.
    command: ['sleep', String(o.deadlineSeconds)],
    imagePullPolicy: 'IfNotPresent',
    resources: { requests: { ...RESOURCES.requests }, limits: { ...RESOURCES.limits } },
    ...(sc.container ? { securityContext: sc.container } : {}),
  };
  const spec: Record<string, unknown> = {
    containers: [container],
    restartPolicy: 'Never',
    activeDeadlineSeconds: o.deadlineSeconds,
    terminationGracePeriodSeconds: 1,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(sc.pod ? { securityContext: sc.pod } : {}),
  };
  if (o.node !== undefined) {
    // matchFields on metadata.name, never spec.nodeName: the scheduler then explains a node that does not fit.
    spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [o.node] }] }],
        },
      },
    };
  }
  if (o.tolerateAll) spec.tolerations = [{ operator: 'Exists' }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: COMPONENT, [RUN_ID_LABEL]: o.runId },
      annotations: { [OWNER_ANNOTATION]: o.owner, [HEARTBEAT_ANNOTATION]: o.heartbeat, [PROFILE_ANNOTATION]: o.profile },
    },
    spec: spec as Pod['spec'],
  };
}

/** The profiles to try, in order, when none is asked for: the image's defaults first, then what admission allows. */
export function profileCascade(asked: Profile | undefined): Profile[] {
  return asked ? [asked] : ['default', 'baseline', 'restricted'];
}

/** A run id: 8 lower-case letters and digits from `random` (injected so tests are repeatable). */
export function newRunId(random: () => number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let id = '';
  for (let i = 0; i < 8; i++) id += alphabet[Math.floor(random() * alphabet.length) % alphabet.length];
  return id;
}

export const podNameFor = (runId: string): string => `kdiag-shell-${runId}`;

/**
 * The ephemeral container for `--ephemeral POD`: the deadline is its own `sleep`, since the target pod's
 * activeDeadlineSeconds must never be touched; `--target C` shares that container's process namespace.
 */
export function ephemeralContainer(o: {
  name: string;
  image: string;
  profile: Profile;
  deadlineSeconds: number;
  target?: string;
}): Record<string, unknown> {
  const sc = securityContexts(o.profile);
  // An ephemeral container has no pod-level security context of its own: fold the pod's into the container's.
  const merged = sc.pod || sc.container ? { ...(sc.pod ?? {}), ...(sc.container ?? {}) } : undefined;
  return {
    name: o.name,
    image: o.image,
    command: ['sleep', String(o.deadlineSeconds)],
    imagePullPolicy: 'IfNotPresent',
    stdin: true,
    tty: true,
    ...(o.target ? { targetContainerName: o.target } : {}),
    ...(merged ? { securityContext: merged } : {}),
  };
}
