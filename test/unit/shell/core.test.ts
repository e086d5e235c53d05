// kdiag shell's pure core: the debug pod per profile (held to the Pod Security Standards' rules), the exit-status
// mapping over recorded exec status messages, --gc's selection by the server's clock, and the start explanations.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseExecStatus } from '../../../src/cluster/channels.js';
import { shellAccessNeeds } from '../../../src/core/shell/access.js';
import { classifyRejection, explainNotStarted, explainRejected } from '../../../src/core/shell/explain.js';
import { isNotFound, shellExitStatus, signalExitStatus } from '../../../src/core/shell/exit.js';
import { formatAge, selectGarbage } from '../../../src/core/shell/gc.js';
import { pssViolations } from '../../../src/core/shell/pss.js';
import {
  DEFAULT_IMAGE,
  debugPod,
  ephemeralContainer,
  HEARTBEAT_ANNOTATION,
  newRunId,
  profileCascade,
  profileLimits,
  PROFILES,
  type DebugPodOptions,
  type Profile,
} from '../../../src/core/shell/spec.js';
import type { Pod } from '../../../src/core/k8s/types.js';
import { ROOT } from '../../helpers/paths.js';

const base: DebugPodOptions = {
  name: 'kdiag-shell-abc',
  namespace: 'shop',
  image: DEFAULT_IMAGE,
  profile: 'default',
  runId: 'abc',
  owner: 'ana@laptop:42',
  heartbeat: '2026-01-02T03:04:05.000Z',
  deadlineSeconds: 3600,
};
type Any = Record<string, any>;
const spec = (o: Partial<DebugPodOptions> = {}) => debugPod({ ...base, ...o }).spec as unknown as Any;

describe('the debug pod', () => {
  test('runs sleep for its deadline, never restarts, is labelled and annotated, and asks for little', () => {
    const pod = debugPod(base);
    const s = pod.spec as unknown as Any;
    expect(s.restartPolicy).toBe('Never');
    expect(s.activeDeadlineSeconds).toBe(3600);
    expect(s.terminationGracePeriodSeconds).toBe(1);
    expect(s.automountServiceAccountToken).toBe(false);
    expect(s.enableServiceLinks).toBe(false);
    expect(s.containers).toHaveLength(1);
    expect(s.containers[0].command).toEqual(['sleep', '3600']);
    expect(s.containers[0].command[0]).not.toContain('/');
    expect(s.containers[0].resources.requests).toEqual({ cpu: '10m', memory: '32Mi' });
    expect(s.containers[0].resources.limits.memory).toBe('256Mi');
    expect(pod.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'kdiag',
      'app.kubernetes.io/component': 'kdiag-shell',
      'kdiag.dev/run-id': 'abc',
    });
    expect(pod.metadata.annotations).toMatchObject({ 'kdiag.dev/owner': 'ana@laptop:42', [HEARTBEAT_ANNOTATION]: base.heartbeat });
    expect(s.nodeName).toBeUndefined();
    expect(s.affinity).toBeUndefined();
  });

  test('the default image is netshoot pinned to a release tag and a digest', () => {
    expect(DEFAULT_IMAGE).toMatch(/^nicolaka\/netshoot:v\d+\.\d+(\.\d+)?@sha256:[0-9a-f]{64}$/);
  });

  test('--node/--near: a required node affinity on metadata.name (matchFields), never nodeName; --node tolerates every taint', () => {
    const s = spec({ node: 'kwok-node-1', tolerateAll: true });
    expect(s.nodeName).toBeUndefined();
    expect(s.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['kwok-node-1'] }] },
    ]);
    expect(s.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec({ node: 'n' }).tolerations).toBeUndefined();
  });

  // The Pod Security Standards: which level each profile's pod meets.
  const meets: Record<Profile, { baseline: boolean; restricted: boolean }> = {
    default: { baseline: true, restricted: false },
    netadmin: { baseline: false, restricted: false },
    baseline: { baseline: true, restricted: false },
    restricted: { baseline: true, restricted: true },
  };
  test.each(PROFILES)('profile %s against the baseline and restricted rules', (profile) => {
    const s = spec({ profile, node: 'kwok-node-0', tolerateAll: true });
    expect(pssViolations(s, 'privileged')).toEqual([]);
    expect(pssViolations(s, 'baseline').length === 0).toBe(meets[profile].baseline);
    expect(pssViolations(s, 'restricted').length === 0).toBe(meets[profile].restricted);
  });

  test('netadmin breaks exactly the baseline capabilities rule; restricted is non-root 65532 with everything dropped', () => {
    expect(pssViolations(spec({ profile: 'netadmin' }), 'baseline')).toEqual([
      { level: 'baseline', rule: 'capabilities', field: 'spec.containers[0].securityContext.capabilities.add' },
      { level: 'baseline', rule: 'capabilities', field: 'spec.containers[0].securityContext.capabilities.add' },
    ]);
    const s = spec({ profile: 'restricted' });
    expect(s.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(s.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsUser: 65532,
    });
    expect(profileLimits('restricted').join(' ')).toMatch(/tcpdump.*ping/s);
    expect(profileLimits('default')).toEqual([]);
  });

  test('the rules themselves catch what restricted forbids (so the checks above can fail)', () => {
    const s = spec({ profile: 'restricted' });
    s.containers[0].securityContext.allowPrivilegeEscalation = true;
    s.hostNetwork = true;
    s.volumes = [{ name: 'h', hostPath: { path: '/' } }];
    const rules = pssViolations(s, 'restricted').map((v) => v.rule);
    expect(rules).toEqual(expect.arrayContaining(['privilege escalation', 'host namespaces', 'HostPath volumes', 'volume types']));
    const root = spec({ profile: 'restricted' });
    root.containers[0].securityContext.runAsUser = 0;
    expect(pssViolations(root, 'restricted').map((v) => v.rule)).toContain('running as non-root user');
    const unconfined = spec({ profile: 'baseline' });
    unconfined.securityContext.seccompProfile.type = 'Unconfined';
    expect(pssViolations(unconfined, 'baseline').map((v) => v.rule)).toEqual(['seccomp']);
  });

  test('the ephemeral container: its own sleep for the deadline, --target shares that container, restricted folded in', () => {
    const c = ephemeralContainer({ name: 'kdiag-x', image: 'img', profile: 'restricted', deadlineSeconds: 600, target: 'app' }) as Any;
    expect(c.command).toEqual(['sleep', '600']);
    expect(c.targetContainerName).toBe('app');
    expect(pssViolations({ containers: [], ephemeralContainers: [c] }, 'restricted')).toEqual([]);
    const d = ephemeralContainer({ name: 'kdiag-x', image: 'img', profile: 'default', deadlineSeconds: 600 }) as Any;
    expect(d.targetContainerName).toBeUndefined();
    expect(d.securityContext).toBeUndefined();
  });

  test('the profile cascade and run ids', () => {
    expect(profileCascade(undefined)).toEqual(['default', 'baseline', 'restricted']);
    expect(profileCascade('netadmin')).toEqual(['netadmin']);
    let i = 0;
    const seq = () => [0.01, 0.5, 0.99, 0.3][i++ % 4]!;
    const id = newRunId(seq);
    expect(id).toMatch(/^[a-z0-9]{8}$/);
    expect(newRunId(() => 0.5)).not.toBe(newRunId(() => 0.1));
  });
});

describe('exit statuses from recorded exec status messages', () => {
  const cases = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/shell/exec-statuses.json'), 'utf8')) as {
    source: string;
    argv: string[];
    status: string;
    expect: number;
  }[];
  test.each(cases.map((c) => [`${c.argv.join(' ')} (${c.source})`, c] as const))('%s', (_name, c) => {
    expect(shellExitStatus(parseExecStatus(c.status))).toBe(c.expect);
  });
  test('not found drives the bash -> sh fallback; kdiag stopped by a signal', () => {
    const notFound = cases.find((c) => c.argv[0] === 'nosuchprog')!;
    expect(isNotFound(parseExecStatus(notFound.status))).toBe(true);
    expect(isNotFound(parseExecStatus(cases.find((c) => c.argv[0] === 'false')!.status))).toBe(false);
    expect(isNotFound({ status: 'Success' })).toBe(false);
    expect([signalExitStatus('SIGINT'), signalExitStatus('SIGTERM'), signalExitStatus('SIGHUP')]).toEqual([130, 143, 129]);
  });
});

describe('--gc: what is removed, by the server clock', () => {
  const pod = (name: string, heartbeat: string | undefined, phase = 'Running', extra: Partial<Pod['metadata']> = {}): Pod => ({
    metadata: {
      name,
      namespace: 'shop',
      creationTimestamp: '2026-01-02T02:00:00Z',
      labels: { 'kdiag.dev/run-id': name },
      annotations: { ...(heartbeat ? { [HEARTBEAT_ANNOTATION]: heartbeat } : {}), 'kdiag.dev/owner': 'ana@laptop:1' },
      ...extra,
    },
    status: { phase, ...(phase === 'Failed' ? { reason: 'DeadlineExceeded' } : {}) },
  });
  const server = new Date('2026-01-02T03:10:00Z');
  test('stale heartbeats and finished pods go; fresh ones and those being deleted stay', () => {
    const rows = selectGarbage(
      [
        pod('fresh', '2026-01-02T03:09:30Z'),
        pod('stale', '2026-01-02T03:05:00Z'),
        pod('done', '2026-01-02T03:09:59Z', 'Failed'),
        pod('no-heartbeat', undefined),
        pod('deleting', '2026-01-02T01:00:00Z', 'Running', { deletionTimestamp: '2026-01-02T03:09:00Z' }),
      ],
      server,
      120_000,
    );
    expect(rows.map((r) => [r.name, r.reason])).toEqual([
      ['no-heartbeat', 'stale'],
      ['stale', 'stale'],
      ['done', 'finished'],
    ]);
    expect(rows.find((r) => r.name === 'done')!.statusReason).toBe('DeadlineExceeded');
    expect(rows.find((r) => r.name === 'stale')!.ageSeconds).toBe(300);
  });
  test('the server clock decides, not the local one: the same pods a minute earlier by the server are all fresh', () => {
    expect(selectGarbage([pod('a', '2026-01-02T03:09:30Z')], new Date('2026-01-02T03:10:00Z'), 1_000)).toHaveLength(1);
    expect(selectGarbage([pod('a', '2026-01-02T03:09:30Z')], new Date('2026-01-02T03:09:30Z'), 1_000)).toHaveLength(0);
    expect([formatAge(5), formatAge(300), formatAge(3725), formatAge(null)]).toEqual(['5s', '5m', '1h2m', '-']);
  });
});

describe('preflight and explanations', () => {
  test('the permissions each mode checks', () => {
    const names = (m: Parameters<typeof shellAccessNeeds>[0]) =>
      shellAccessNeeds(m, 'shop').map((c) => `${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''} ${c.namespace ?? '*'}`);
    expect(names({ kind: 'pod' })).toEqual([
      'create pods shop',
      'get pods shop',
      'watch pods shop',
      'patch pods shop',
      'delete pods shop',
      'get pods/exec shop',
      'create pods/exec shop',
    ]);
    expect(names({ kind: 'ephemeral' })).toContain('patch pods/ephemeralcontainers shop');
    expect(names({ kind: 'gc', allNamespaces: true })).toEqual(['list pods *', 'delete pods *']);
  });

  test('an unschedulable pod is explained with the svc readiness chain', () => {
    const pod: Pod = {
      metadata: { name: 'kdiag-shell-x', namespace: 'shop' },
      spec: { containers: [{ name: 'shell' }] },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity",
          },
        ],
      },
    };
    const why = explainNotStarted(pod, [], '5s');
    expect(why.reason).toBe('Unschedulable');
    expect(why.message).toMatch(/did not start within 5s: not scheduled: Unschedulable \(0\/2 nodes/);
    const pull: Pod = {
      ...pod,
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'shell', ready: false, state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } }],
      },
    };
    expect(explainNotStarted(pull, [], '2m').reason).toBe('ImagePullBackOff');
    expect(explainNotStarted(undefined, [], '2m').reason).toBe('Gone');
  });

  test('admission answers are told apart, and the enforcing label is named when known', () => {
    const psa = classifyRejection('pods "x" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true');
    expect(psa.kind).toBe('pod-security');
    expect(classifyRejection('pods "x" is forbidden: exceeded quota: q, requested: pods=1').kind).toBe('quota');
    expect(classifyRejection('admission webhook "validate.kyverno.svc" denied the request').kind).toBe('policy');
    expect(explainRejected('shop', psa, { 'pod-security.kubernetes.io/enforce': 'restricted' }).hint).toContain(
      'pod-security.kubernetes.io/enforce=restricted',
    );
    expect(explainRejected('shop', psa, undefined).hint).toMatch(/Pod Security admission/);
  });
});
