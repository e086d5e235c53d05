import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { ClusterReader, Optional, Resource } from '../../../src/cluster/reader.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import type { Context } from '../../../src/commands/types.js';
import { lintCommand } from '../../../src/commands/lint/command.js';
import { readClusterFacts } from '../../../src/lint/cluster.js';
import { contextDefaults } from '../../helpers/context.js';
import { createTestIo } from '../../helpers/io.js';

/** A ClusterReader over fixed objects; `deny` lists plurals whose list is refused (403). */
function fakeReader(objects: Record<string, KubeObject[]>, deny: string[] = []): ClusterReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    source: 'live',
    defaultNamespace: 'default',
    requestCount: 0,
    calls,
    async get<T extends KubeObject>(r: Resource, ns: string | undefined, name: string) {
      calls.push(`get ${r.plural} ${ns}/${name}`);
      return (objects[r.plural] ?? []).find((o) => o.metadata.name === name && (o.metadata.namespace ?? undefined) === ns) as T | undefined;
    },
    async list<T extends KubeObject>(r: Resource) {
      calls.push(`list ${r.plural}`);
      return (objects[r.plural] ?? []) as T[];
    },
    async tryList<T extends KubeObject>(r: Resource): Promise<Optional<T>> {
      calls.push(`list ${r.plural}`);
      if (deny.includes(r.plural)) return { ok: false, denied: { verb: 'list', resource: r.plural, message: 'forbidden' } };
      return { ok: true, items: (objects[r.plural] ?? []) as T[] };
    },
  };
}

const objects: Record<string, KubeObject[]> = {
  servicecidrs: [{ metadata: { name: 'kubernetes' }, spec: { cidrs: ['10.96.0.0/16'] } }],
  services: [
    { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1' } },
    { metadata: { name: 'payments', namespace: 'shop' }, spec: { clusterIP: '10.96.12.34', selector: { app: 'payments' } } },
  ],
  pods: [
    {
      metadata: { name: 'payments-7d9c', namespace: 'shop', labels: { app: 'payments' } },
      status: { podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }] },
    },
    { metadata: { name: 'lonely', namespace: 'shop', labels: { app: 'x' } }, status: { podIP: '10.244.2.9' } },
    {
      metadata: { name: 'hostnet', namespace: 'kube-system' },
      spec: { containers: [], hostNetwork: true },
      status: { podIP: '172.18.0.2' },
    },
  ],
  nodes: [
    {
      metadata: { name: 'kind-control-plane' },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
      status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] },
    },
    { metadata: { name: 'kind-worker' }, spec: { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] } },
  ],
};

describe('readClusterFacts', () => {
  test('ServiceCIDR objects, node podCIDRs, and which object each address is', async () => {
    const facts = await readClusterFacts(fakeReader(objects));
    expect(facts.serviceCidrs).toEqual(['10.96.0.0/16']);
    expect(facts.serviceSource).toBe("the cluster's ServiceCIDR kubernetes");
    expect(facts.podCidrs).toEqual(['10.244.0.0/24', '10.244.1.0/24', 'fd00:10:244:1::/64']);
    expect(facts.podSource).toBe("the cluster's node podCIDRs");
    expect(facts.objects.get('10.96.12.34')).toEqual({
      kind: 'Service',
      ref: { kind: 'Service', namespace: 'shop', name: 'payments' },
      dnsName: 'payments.shop.svc.cluster.local',
    });
    expect(facts.objects.get('10.244.1.7')).toEqual({
      kind: 'Pod',
      ref: { kind: 'Pod', namespace: 'shop', name: 'payments-7d9c' },
      via: { kind: 'Service', namespace: 'shop', name: 'payments' },
      dnsName: 'payments.shop.svc.cluster.local',
    });
    // A hostNetwork pod's IP is the node's: the node names it.
    expect(facts.objects.get('172.18.0.2')).toEqual({ kind: 'Node', ref: { kind: 'Node', name: 'kind-control-plane' } });
    expect(facts.denied).toEqual([]);
  });

  test('without ServiceCIDR objects or node podCIDRs: around the kubernetes Service IP, and live pod IP ranges', async () => {
    const { servicecidrs: _s, nodes: _n, ...rest } = objects;
    const facts = await readClusterFacts(fakeReader(rest));
    expect(facts.serviceCidrs).toEqual(['10.96.0.0/16']);
    expect(facts.serviceSource).toBe("the cluster, around the kubernetes Service's IP 10.96.0.1");
    expect(facts.podCidrs).toEqual(['10.244.0.0/16']);
    expect(facts.podSource).toBe('the ranges of live pod IPs');
  });

  test('a refused optional read is recorded, not fatal', async () => {
    const facts = await readClusterFacts(fakeReader(objects, ['pods']));
    expect(facts.denied).toEqual([{ verb: 'list', resource: 'pods', message: 'forbidden' }]);
    expect(facts.objects.has('10.244.1.7')).toBe(false);
  });
});

describe('kdiag lint --cluster (run() with a hand-made Context)', () => {
  test('names the pod, Service or node and suggests the DNS name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdiag-lint-cluster-'));
    writeFileSync(join(dir, 'app.yaml'), 'a: 10.244.1.7\nb: 10.96.12.34\nc: 172.18.0.2\nd: 10.244.2.9\ne: 10.244.1.99\n');
    const io = createTestIo();
    const reader = fakeReader(objects, ['nodes']);
    const warnings: string[] = [];
    const ctx: Context = {
      ...contextDefaults('lint'),
      io,
      globals: { requestTimeoutMs: 30_000, debug: false, noColor: true },
      cwd: dir,
      env: {},
      signal: new AbortController().signal,
      cluster: async () => reader,
      config: async () => ({}),
      progress: () => () => {},
      warn: (t) => warnings.push(t),
    };
    try {
      const out = await lintCommand.run(lintCommand.toOptions([], { cluster: true }), ctx);
      const doc = out.document as { findings: Record<string, unknown>[]; notes: Record<string, unknown>[] };
      // The object-less rbac-partial finding comes first in `findings`, as in the text and SARIF, and stays in `notes`.
      expect(doc.findings[0]).toMatchObject({ code: 'rbac-partial', severity: 'info', evidence: expect.any(Array) });
      expect(doc.findings.slice(1).map((f) => [f.ip, f.code, f.message, f.hint, f.object])).toEqual([
        [
          '10.244.1.7',
          'hardcoded-pod-ip',
          'hard-coded pod IP 10.244.1.7: the IP of pod shop/payments-7d9c, selected by Service shop/payments',
          'use the DNS name payments.shop.svc.cluster.local instead (the Service that selects this pod)',
          { kind: 'Pod', namespace: 'shop', name: 'payments-7d9c' },
        ],
        [
          '10.96.12.34',
          'hardcoded-service-ip',
          'hard-coded Service IP 10.96.12.34: the IP of Service shop/payments',
          'use the DNS name payments.shop.svc.cluster.local instead',
          { kind: 'Service', namespace: 'shop', name: 'payments' },
        ],
        ['172.18.0.2', 'hardcoded-private-ip', 'hard-coded private IP 172.18.0.2 (RFC 1918)', expect.any(String), undefined],
        [
          '10.244.2.9',
          'hardcoded-pod-ip',
          'hard-coded pod IP 10.244.2.9: the IP of pod shop/lonely',
          'no Service selects this pod: create one and use its DNS name (<service>.<namespace>.svc.cluster.local)',
          { kind: 'Pod', namespace: 'shop', name: 'lonely' },
        ],
        [
          '10.244.1.99',
          'hardcoded-pod-ip',
          'hard-coded pod IP 10.244.1.99: in the pod range 10.244.0.0/16 (from the ranges of live pod IPs)',
          expect.any(String),
          undefined,
        ],
      ]);
      // Nodes could not be listed: said as an info note (and podCIDRs fell back to live pod IPs).
      expect(doc.notes).toEqual([
        {
          code: 'rbac-partial',
          severity: 'info',
          message: 'Could not list nodes at cluster scope: addresses of these objects are not named.',
          hint: 'ask for permission to list nodes at cluster scope; check with: kubectl auth can-i list nodes; or give the ranges with --pod-cidr / --service-cidr',
        },
      ]);
      expect(out.findings.filter((f) => f.code === 'rbac-partial')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('start-up', () => {
  test('the lint command never imports @kubernetes/client-node, not even transitively', async () => {
    const result = await build({
      entryPoints: [resolve('src/commands/lint/command.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('src/lint/walk.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('@kubernetes/client-node'))).toEqual([]);
  });
});
