/**
 * `kdiag lint --cluster` against the real cluster: literals that are a current pod IP or ClusterIP are named, with
 * the DNS name to use instead; an unreadable cluster is exit 3.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli.js';
import { createTestIo } from '../../helpers/io.js';
import { applyYaml, clusterInfo, getJson, useNamespace, waitForReadyPods } from '../helpers/index.js';

const ns = useNamespace('lint-cluster');

interface LintDoc {
  schemaVersion: number;
  findings: {
    file: string;
    line: number;
    column: number;
    ip: string;
    code: string;
    severity: string;
    message: string;
    hint: string;
    object?: { kind: string; namespace?: string; name: string };
  }[];
}

async function lint(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const io = createTestIo();
  const code = await runCli(['lint', ...args], { io, env, cwd: dir });
  return { code, out: io.stdout(), err: io.stderr() };
}

const dir = mkdtempSync(join(tmpdir(), 'kdiag-lint-e2e-'));

test('names the pod and the Service behind hard-coded addresses, with the DNS name to use', async () => {
  await applyYaml(
    [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'payments' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'payments' } },
          template: {
            metadata: { labels: { app: 'payments' } },
            spec: { containers: [{ name: 'app', image: 'registry.example/payments:1', ports: [{ containerPort: 8080 }] }] },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'payments' },
        spec: { selector: { app: 'payments' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    ],
    { namespace: ns.name },
  );
  const [pod] = await waitForReadyPods(ns.name, 'app=payments', 1);
  const podName = pod!.metadata.name;
  const podIp = pod!.status!.podIP!;
  const clusterIp = (await getJson<{ spec: { clusterIP: string } }>(['svc', 'payments', '-n', ns.name])).spec.clusterIP;
  writeFileSync(join(dir, 'app.env'), `PAYMENTS_POD=${podIp}\nPAYMENTS_SVC=http://${clusterIp}:80\n`);

  const r = await lint(['app.env', '--cluster', '-o', 'json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(1);
  const doc = JSON.parse(r.out) as LintDoc;
  expect(doc.schemaVersion).toBe(1);
  const byIp = new Map(doc.findings.map((f) => [f.ip, f]));
  expect(byIp.get(podIp)).toMatchObject({
    file: 'app.env',
    line: 1,
    column: 14,
    code: 'hardcoded-pod-ip',
    severity: 'error',
    object: { kind: 'Pod', namespace: ns.name, name: podName },
  });
  expect(byIp.get(podIp)!.hint).toContain(`payments.${ns.name}.svc.cluster.local`);
  expect(byIp.get(clusterIp)).toMatchObject({
    line: 2,
    code: 'hardcoded-service-ip',
    severity: 'error',
    object: { kind: 'Service', namespace: ns.name, name: 'payments' },
  });
  expect(byIp.get(clusterIp)!.hint).toContain(`payments.${ns.name}.svc.cluster.local`);
});

test('an unreachable cluster is exit 3 with one line and a hint; without --cluster nothing is read', async () => {
  const kubeconfig = join(dir, 'dead.kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: dead, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: dead, context: {cluster: dead, user: u}}]\ncurrent-context: dead\n',
  );
  writeFileSync(join(dir, 'plain.env'), 'DB=192.168.7.3\n');
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const dead = await lint(['plain.env', '--cluster'], env);
  expect(dead.code).toBe(3);
  expect(dead.out).toBe('');
  expect(dead.err).toMatch(
    /^kdiag: cannot reach the API server at https:\/\/127\.0\.0\.1:1 \(context "dead"\): connection refused\nhint: .+\n$/,
  );
  const offline = await lint(['plain.env'], env);
  expect(offline.code).toBe(0);
  expect(offline.out).toContain('plain.env:1:4 hardcoded-private-ip warning:');
});

test('a user who cannot read the ranges: one sentence says the guessed ranges were used, and why', async () => {
  writeFileSync(join(dir, 'guess.yaml'), 'upstream: "http://10.244.3.3:8080"\n');
  const r = await lint(['guess.yaml', '--cluster', '-o', 'json'], { ...process.env, KUBECONFIG: clusterInfo().limitedKubeconfig });
  // The ranges are guessed: the address keeps its code, as a warning naming the guess (a guess never fails CI).
  expect(r.code).toBe(0);
  const warnings = r.err.split('\n').filter((l) => l.startsWith('warning: lint --cluster used'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(
    /pod ranges [^;]*10\.244\.0\.0\/16[^;]*\(guessed: the distributions' defaults, as the cluster's could not be read\)/,
  );
  const doc = JSON.parse(r.out) as {
    findings: { code: string; severity: string; ip?: string; evidence: { kind: string; value: string }[] }[];
  };
  expect(doc.findings.filter((f) => f.code === 'rbac-partial').length).toBeGreaterThan(0);
  const pod = doc.findings.find((f) => f.ip === '10.244.3.3')!;
  expect([pod.code, pod.severity]).toEqual(['hardcoded-pod-ip', 'warning']);
  expect(pod.evidence.find((e) => e.kind === 'range')!.value).toMatch(/^guessed: .*10\.244\.0\.0\/16/);
});
