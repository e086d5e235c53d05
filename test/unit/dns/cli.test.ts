import { runCli } from '../../../src/cli.js';
import { createTestIo } from '../../helpers/io.js';
import { ROOT } from '../../helpers/paths.js';

const SHOP = 'test/fixtures/dns/shop.yaml';

async function run(argv: string[], io = createTestIo()) {
  const code = await runCli(argv, { io, env: {}, cwd: ROOT });
  return { code, out: io.stdout(), err: io.stderr() };
}

async function codes(argv: string[]): Promise<{ code: number; found: string[] }> {
  const r = await run([...argv, '-o', 'json']);
  const doc = JSON.parse(r.out) as { findings: { code: string }[] };
  return { code: r.code, found: doc.findings.map((f) => f.code) };
}

describe('kdiag dns (CLI, offline): each finding reachable from a file', () => {
  it.each([
    ['dns-cross-namespace-short-name', ['cart', '-n', 'tools'], 1],
    ['dns-custom-cluster-domain', ['cart.shop.svc.cluster.local', '-n', 'tools'], 1],
    ['dns-headless-no-ready-pods', ['queue.shop', '-n', 'tools'], 1],
    ['dns-headless-client-balancing', ['search.shop', '-n', 'tools'], 0],
    ['dns-service-no-endpoints', ['orders.shop', '-n', 'tools'], 0],
    ['dns-external-name-ip', ['ledger.shop', '-n', 'tools'], 0],
    ['dns-port-not-on-service', ['http://cart.shop/', '-n', 'tools'], 1],
    ['dns-pod-dns-policy', ['cart.shop', '-n', 'tools', '--from-pod', 'debug'], 0],
    ['dns-name-not-found', ['carts.shop', '-n', 'tools'], 1],
  ] as const)('%s', async (code, args, exit) => {
    const r = await codes(['dns', ...args, '-f', SHOP]);
    expect(r).toEqual({ code: exit, found: [code] });
  });

  it('a name that resolves: exit 0, the ClusterIP in the answer, the query walk in order', async () => {
    const r = await run(['dns', 'cart.shop', '-n', 'tools', '-f', SHOP, '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual([
      'schemaVersion',
      'command',
      'query',
      'clientNamespace',
      'clusterDomain',
      'clusterDomainSource',
      'queries',
      'answer',
      'findings',
      'notes',
    ]);
    expect(doc.command).toBe('dns');
    expect(doc.clientNamespace).toBe('tools');
    expect(doc.clusterDomain).toBe('corp.internal');
    expect(doc.clusterDomainSource).toBe('corefile');
    expect(doc.answer).toEqual({ records: [{ type: 'A', name: 'cart.shop.svc.corp.internal', value: '10.100.4.4' }] });
    const queries = doc.queries as { name: string; result: string; object?: unknown }[];
    expect(queries[0]).toEqual({ name: 'cart.shop.tools.svc.corp.internal', type: 'A', result: 'NXDOMAIN' });
    expect(queries.find((q) => q.result === 'NOERROR')).toEqual({
      name: 'cart.shop.svc.corp.internal',
      type: 'A',
      result: 'NOERROR',
      object: { kind: 'Service', namespace: 'shop', name: 'cart' },
    });
  });

  it('the text report: queries table, answer, findings most severe first, one summary line', async () => {
    const r = await run(['dns', 'cart', '-n', 'tools', '-f', SHOP]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('Lookup cart from namespace tools (cluster domain corp.internal)');
    expect(r.out).toMatch(/ {2}NAME +TYPE +RESULT +OBJECT/);
    expect(r.out).toContain('Answer: none');
    expect(r.out).toContain('ERROR dns-cross-namespace-short-name');
    expect(r.out).toContain('hint: use cart.shop');
    expect(lines.filter((l) => l !== '').pop()).toBe('1 error, 0 warnings, 0 info');
    expect(r.out).not.toMatch(/\u001b\[/);
  });

  it('--cluster-domain sets the search list; the Corefile still says which zones are served; --fail-on none exits 0', async () => {
    const noCoredns = 'test/fixtures/dns/no-coredns.yaml';
    const flagged = await run(['dns', 'api.backend', '-n', 'x', '-f', noCoredns, '--cluster-domain', 'corp.internal', '-o', 'json']);
    const doc = JSON.parse(flagged.out) as { clusterDomain: string; clusterDomainSource: string; queries: { name: string }[] };
    expect([doc.clusterDomain, doc.clusterDomainSource]).toEqual(['corp.internal', 'flag']);
    expect(doc.queries[0]!.name).toBe('api.backend.x.svc.corp.internal');
    expect(await codes(['dns', 'api.backend.svc.cluster.local', '-n', 'x', '-f', noCoredns, '--cluster-domain', 'corp.internal'])).toEqual({
      code: 1,
      found: ['dns-custom-cluster-domain'],
    });
    const served = await codes(['dns', 'cart.shop.svc.cluster.local', '-n', 'tools', '-f', SHOP, '--cluster-domain', 'cluster.local']);
    expect(served.found).toEqual(['dns-custom-cluster-domain']);
    expect((await run(['dns', 'cart', '-n', 'tools', '-f', SHOP, '--fail-on', 'none'])).code).toBe(0);
  });

  it('without a Corefile: cluster.local is assumed, and the file is said to hold no CoreDNS ConfigMap', async () => {
    const r = await run(['dns', 'api.backend', '-n', 'x', '-f', 'test/fixtures/dns/no-coredns.yaml', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { clusterDomainSource: string; notes: string[]; answer: { records: unknown[] } };
    expect(doc.clusterDomainSource).toBe('assumed');
    expect(doc.answer.records).toEqual([{ type: 'A', name: 'api.backend.svc.cluster.local', value: '10.100.9.1' }]);
    expect(doc.notes.join('\n')).toContain('no ConfigMap kube-system/coredns');
  });

  it('-o yaml carries the same data', async () => {
    const r = await run(['dns', 'cart.shop', '-n', 'tools', '-f', SHOP, '-o', 'yaml']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 2)).toEqual(['schemaVersion: 1', 'command: dns']);
  });

  it('the bundled example: the short name from another namespace, as the README says', async () => {
    const r = await run(['dns', 'web', '-n', 'other', '-f', 'examples/dns.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('hint: use web.my-app');
  });
});

describe('kdiag dns (CLI): usage errors exit 2', () => {
  it('a NAME that is no DNS name', async () => {
    const r = await run(['dns', 'cart..shop', '-n', 'tools', '-f', SHOP]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('empty label');
  });

  it('no NAME without a terminal names the argument', async () => {
    const r = await run(['dns', '-n', 'tools', '-f', SHOP]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing the NAME argument');
  });

  it('a --from-pod pod that does not exist', async () => {
    const r = await run(['dns', 'cart.shop', '-n', 'tools', '--from-pod', 'nope', '-f', SHOP]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('pod nope not found in namespace tools');
  });

  it('an unreadable -f file', async () => {
    const r = await run(['dns', 'cart.shop', '-f', 'no-such-file.yaml']);
    expect(r.code).toBe(2);
  });

  it('--help says -n is the client namespace and lists the exit statuses', async () => {
    const io = createTestIo();
    const code = await runCli(['dns', '--help'], { io, env: {}, cwd: ROOT });
    expect(code).toBe(0);
    expect(io.stdout()).toContain('namespace of the client');
    expect(io.stdout()).toMatch(/Exit status:\n {2}0 /);
    expect(io.stdout()).toMatch(/ {2}143 /);
  });
});
