// The manifests the e2e cases apply to the cluster (test/helpers/manifests.ts), read from a file by `kdiag svc -f`:
// the offline twin of the live `selector-no-match` case, and a check that the shared builders give objects the file
// reader takes as they are.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../../../src/cli.js';
import { createTestIo } from '../../helpers/io.js';
import { deployment, pod, service, unschedulablePod } from '../../helpers/manifests.js';

/** Writes `objects` as one multi-document YAML file; returns its folder and path. */
function manifestFile(objects: object[]): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-manifests-'));
  const file = join(dir, 'objects.yaml');
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return { dir, file };
}

const running = (ip: string) => ({
  phase: 'Running',
  podIP: ip,
  podIPs: [{ ip }],
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
});

describe('the shared manifest builders, read by kdiag svc -f', () => {
  test('a Service whose selector has a typo against its pods: selector-no-match, as on the cluster', async () => {
    const { dir, file } = manifestFile([
      deployment({ name: 'web', replicas: 2, templateLabels: { app: 'web-sever', tier: 'frontend' } }),
      service({ name: 'web', selector: { app: 'web-server', tier: 'frontend' } }),
      pod('web-1', { app: 'web-sever', tier: 'frontend' }, { nodeName: 'node-1', status: running('10.244.0.5') }),
      pod('web-2', { app: 'web-sever', tier: 'frontend' }, { nodeName: 'node-1', status: running('10.244.0.6') }),
    ]);
    try {
      const io = createTestIo();
      const code = await runCli(['svc', 'web', '-n', 'shop', '-f', file, '-o', 'json'], { io, env: {}, cwd: dir });
      const doc = JSON.parse(io.stdout()) as { findings: { code: string; message: string }[]; pods: unknown[] };
      expect(code).toBe(1);
      const f = doc.findings.find((x) => x.code === 'selector-no-match');
      expect(f?.message).toContain(
        'the pod template of deployment/web, carries app=web-sever instead of app=web-server (1 edit away: a typo?)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('builders: defaults and options', () => {
    expect(service({ name: 's' })).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ protocol: 'TCP', name: 'http', port: 80, targetPort: 8080 }] },
    });
    const d = deployment({ name: 'd' }) as { spec: { replicas: number; selector: unknown; template: { metadata: unknown } } };
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { 'e2e.kdiag.dev/deployment': 'd' } });
    expect(d.spec.template.metadata).toEqual({ labels: { 'e2e.kdiag.dev/deployment': 'd' } });
    expect(unschedulablePod('big')).toMatchObject({
      kind: 'Pod',
      metadata: { name: 'big', labels: {} },
      spec: { containers: [{ resources: { requests: { cpu: '100k' } } }] },
    });
  });
});
