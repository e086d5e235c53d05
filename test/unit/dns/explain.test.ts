import { explainDns } from '../../../src/core/dns/explain.js';
import { DNS_CATALOGUE } from '../../../src/core/dns/catalogue.js';
import type { DnsSnapshot } from '../../../src/core/dns/types.js';
import { headless, name, pod, slice, snapshot, svc } from './fixtures.js';

const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code);

/** A healthy cluster: web in my-app (2 ready pods), a StatefulSet db in data behind a headless Service. */
function healthy(over: Partial<DnsSnapshot> = {}): DnsSnapshot {
  return snapshot({
    services: [
      svc('web', 'my-app'),
      svc('api', 'my-app', {}, [{ name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP' }]),
      headless('db', 'data', {}, [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
      svc('web', 'staging'),
    ],
    endpointSlices: [
      slice('web', 'my-app', [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }]),
      slice('api', 'my-app', [{ ip: '10.244.1.7' }], [{ name: 'grpc', port: 9090, protocol: 'TCP' }]),
      slice(
        'db',
        'data',
        [
          { ip: '10.244.2.10', pod: 'db-0', hostname: 'db-0' },
          { ip: '10.244.2.11', pod: 'db-1', hostname: 'db-1' },
        ],
        [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      ),
      slice('web', 'staging', [{ ip: '10.244.9.1' }]),
    ],
    pods: [
      pod('db-0', 'data', { hostname: 'db-0', subdomain: 'db' }, { app: 'db' }, '10.244.2.10'),
      pod('db-1', 'data', { hostname: 'db-1', subdomain: 'db' }, { app: 'db' }, '10.244.2.11'),
    ],
    ...over,
  });
}

describe('explainDns: the report', () => {
  it('web.my-app from default: queries, answer, no findings', () => {
    const r = explainDns(healthy(), name('web.my-app'));
    expect(r).toMatchObject({ clientNamespace: 'default', clusterDomain: 'cluster.local', findings: [] });
    expect(r.answer.records).toEqual([{ type: 'A', name: 'web.my-app.svc.cluster.local', value: '10.96.0.20' }]);
    expect(r.queries.map((q) => q.result)).toEqual(['NXDOMAIN', 'NXDOMAIN', 'NOERROR', 'NODATA']);
    expect(r.resolver).toEqual({
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      ndots: 5,
      source: 'kubernetes-default',
    });
  });

  it.each([
    ['web', 'my-app', '10.96.0.20'],
    ['web.my-app', 'default', '10.96.0.20'],
    ['web.my-app.svc', 'default', '10.96.0.20'],
    ['web.my-app.svc.cluster.local', 'default', '10.96.0.20'],
    ['web.my-app.svc.cluster.local.', 'default', '10.96.0.20'],
    ['http://web.my-app:80/api', 'default', '10.96.0.20'],
    ['web.my-app:80', 'default', '10.96.0.20'],
    ['_http._tcp.web.my-app.svc.cluster.local', 'default', '0 100 80 web.my-app.svc.cluster.local'],
    ['_grpc._tcp.api', 'my-app', '0 100 9090 api.my-app.svc.cluster.local'],
    ['db-0.db.data.svc.cluster.local', 'default', '10.244.2.10'],
    ['db-1.db.data', 'default', '10.244.2.11'],
    ['10-244-1-5.web.my-app.svc.cluster.local', 'default', '10.244.1.5'],
    ['10-244-1-5.my-app.pod.cluster.local', 'default', '10.244.1.5'],
  ])('%s from namespace %s answers %s, with no finding', (input, ns, value) => {
    const r = explainDns(healthy({ clientNamespace: ns }), name(input));
    expect(r.findings).toEqual([]);
    expect(
      r.answer.records.map((x) =>
        typeof x.value === 'string' ? x.value : `${x.value.priority} ${x.value.weight} ${x.value.port} ${x.value.target}`,
      ),
    ).toEqual([value]);
  });

  it('a full name costs three NXDOMAINs first, and the node search domains are named as unknown', () => {
    const r = explainDns(healthy(), name('web.my-app.svc.cluster.local'), { addressTypes: ['A'] });
    expect(r.queries.map((q) => q.result)).toEqual(['NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN', 'NOERROR']);
    expect(r.notes.join('\n')).toMatch(/node's search domains .* unknown without --probe/);
  });

  it('a trailing dot is one question', () => {
    const r = explainDns(healthy(), name('web.my-app.svc.cluster.local.'), { addressTypes: ['A'] });
    expect(r.queries).toHaveLength(1);
    expect(r.findings).toEqual([]);
  });

  it('a URL keeps its port and checks it', () => {
    expect(explainDns(healthy(), name('http://web.my-app:80/api')).findings).toEqual([]);
    expect(explainDns(healthy(), name('http://web.my-app/api')).findings).toEqual([]);
  });

  it('SRV through the search list', () => {
    const r = explainDns(healthy({ clientNamespace: 'my-app' }), name('_http._tcp.web'));
    expect(r.answer.records).toEqual([
      {
        type: 'SRV',
        name: '_http._tcp.web.my-app.svc.cluster.local',
        value: { priority: 0, weight: 100, port: 80, target: 'web.my-app.svc.cluster.local' },
      },
    ]);
  });

  it('a StatefulSet pod record', () => {
    const r = explainDns(healthy(), name('db-0.db.data.svc.cluster.local'));
    expect(r.answer.records).toEqual([{ type: 'A', name: 'db-0.db.data.svc.cluster.local', value: '10.244.2.10' }]);
    expect(r.findings).toEqual([]);
  });

  it('a pod record, with the pods mode assumed when the Corefile is unknown', () => {
    const r = explainDns(healthy(), name('10-244-2-10.data.pod.cluster.local'), { addressTypes: ['A'] });
    expect(r.answer.records).toEqual([{ type: 'A', name: '10-244-2-10.data.pod.cluster.local', value: '10.244.2.10' }]);
    expect(r.notes.join('\n')).toMatch(/assumes "pods insecure"/);
    const off = explainDns(
      healthy({ corefile: { zones: ['cluster.local'], ignoreEmptyService: false, pods: 'disabled' } }),
      name('10-244-2-10.data.pod'),
    );
    expect(codes(off)).toEqual(['dns-name-not-found']);
    expect(off.findings[0]!.message).toMatch(/pods disabled/);
  });

  it('an outside name is not checked and says so', () => {
    const r = explainDns(healthy(), name('api.example.co.uk'), { addressTypes: ['A'] });
    expect(r.findings).toEqual([]);
    expect(r.queries.at(-1)!.result).toBe('UPSTREAM');
    expect(r.notes.join('\n')).toMatch(/not a cluster name/);
    expect(explainDns(healthy(), name('example.com')).notes.join('\n')).toMatch(/no namespace "com"/);
    const www = explainDns(healthy(), name('www.example.com'));
    expect(www.findings).toEqual([]);
    expect(www.notes.join('\n')).toMatch(/no namespace "com"/);
  });

  it('an IP address is not looked up', () => {
    const r = explainDns(healthy(), name('10.96.0.20'));
    expect(r.queries).toEqual([]);
    expect(r.notes[0]).toMatch(/IP address/);
  });

  it('is deterministic and sorts the most severe first', () => {
    const s = healthy({ clientPod: pod('client', 'default', { dnsPolicy: 'Default' }) });
    const a = explainDns(s, name('http://wbe:8080'));
    expect(explainDns(s, name('http://wbe:8080'))).toEqual(a);
    const sev = a.findings.map((f) => f.severity);
    expect([...sev].sort((x, y) => ['error', 'warning', 'info'].indexOf(x) - ['error', 'warning', 'info'].indexOf(y))).toEqual(sev);
  });
});

describe('explainDns: each finding, and its absence', () => {
  it('dns-name-not-found suggests the closest Services in any namespace', () => {
    const r = explainDns(healthy({ clientNamespace: 'my-app' }), name('wbe'));
    expect(codes(r)).toEqual(['dns-name-not-found']);
    expect(r.findings[0]!.evidence).toContainEqual({ kind: 'suggestion', value: 'close Service names: web, web.staging' });
    expect(r.findings[0]!.hint).toBe('did you mean web?');
    expect(codes(explainDns(healthy({ clientNamespace: 'my-app' }), name('web')))).toEqual([]);
  });

  it('dns-name-not-found with a misspelt namespace ranks the close namespace first', () => {
    const r = explainDns(healthy(), name('web.stagin'));
    expect(codes(r)).toEqual(['dns-name-not-found']);
    expect(r.findings[0]!.message).toBe('web.stagin does not resolve in cluster DNS: namespace "stagin" does not exist.');
    expect(r.findings[0]!.hint).toBe('did you mean web.staging?');
  });

  it('dns-name-not-found lists a small namespace when nothing is close', () => {
    const r = explainDns(healthy(), name('zookeeper.my-app'));
    expect(codes(r)).toEqual(['dns-name-not-found']);
    expect(r.findings[0]!.hint).toBe('no close name; the Services in namespace my-app: api.my-app, web.my-app');
  });

  it('dns-cross-namespace-short-name says the name that works', () => {
    const r = explainDns(healthy({ clientNamespace: 'default' }), name('db'));
    expect(codes(r)).toEqual(['dns-cross-namespace-short-name']);
    expect(r.findings[0]!.hint).toBe('use db.data');
    const two = explainDns(healthy(), name('http://web:80'));
    expect(two.findings[0]!.hint).toBe('use http://web.my-app:80 (or http://web.staging:80)');
    expect(codes(explainDns(healthy({ clientNamespace: 'data' }), name('db')))).toEqual(['dns-headless-client-balancing']);
  });

  it('dns-custom-cluster-domain: cluster.local on a cluster serving corp.internal', () => {
    const s = healthy({
      clusterDomain: 'corp.internal',
      corefile: { zones: ['corp.internal', 'in-addr.arpa'], ignoreEmptyService: false },
    });
    const r = explainDns(s, name('web.my-app.svc.cluster.local'));
    expect(codes(r)).toEqual(['dns-custom-cluster-domain']);
    expect(r.findings[0]!.message).toBe(
      'web.my-app.svc.cluster.local hard-codes the domain cluster.local, but this cluster serves corp.internal: the name cannot resolve.',
    );
    expect(r.findings[0]!.hint).toBe('use web.my-app (works in any cluster) or web.my-app.svc.corp.internal');
    expect(codes(explainDns(s, name('web.my-app.svc.corp.internal')))).toEqual([]);
  });

  it('every zone of the kubernetes plugin is served', () => {
    const s = healthy({
      clusterDomain: 'corp.internal',
      corefile: { zones: ['corp.internal', 'cluster.local'], ignoreEmptyService: false },
    });
    expect(explainDns(s, name('web.my-app.svc.cluster.local')).findings).toEqual([]);
    const r = explainDns(s, name('nope.my-app.svc.cluster.local'));
    expect(codes(r)).toEqual(['dns-name-not-found']);
    expect(r.findings[0]!.evidence[0]!.value).toBe('nope.my-app.svc.cluster.local: no Service "nope" in namespace "my-app"');
  });

  it('an assumed cluster domain gives way to the one in the name', () => {
    const s = healthy({ clusterDomainSource: 'assumed', clusterDomain: 'cluster.local' });
    const r = explainDns(s, name('web.my-app.svc.corp.internal'));
    expect(r.clusterDomain).toBe('corp.internal');
    expect(codes(r)).toEqual([]);
    expect(r.notes[0]).toMatch(/takes corp.internal from the name/);
  });

  it('dns-headless-no-ready-pods', () => {
    const s = healthy({
      endpointSlices: [
        slice('db', 'data', [{ ip: '10.244.2.10', pod: 'db-0', hostname: 'db-0', ready: false }], [{ name: 'pg', port: 5432 }]),
      ],
    });
    const r = explainDns(s, name('db.data'), { noEndpointsCause: () => 'pod db-0 is not ready: readiness probe failed' });
    expect(codes(r)).toEqual(['dns-headless-no-ready-pods']);
    expect(r.queries.filter((q) => q.name === 'db.data.svc.cluster.local').map((q) => q.result)).toEqual(['NXDOMAIN', 'NXDOMAIN']);
    expect(r.findings[0]!.evidence).toContainEqual({
      kind: 'cause',
      object: { kind: 'Service', namespace: 'data', name: 'db' },
      value: 'pod db-0 is not ready: readiness probe failed',
    });
    expect(codes(explainDns(healthy(), name('db.data')))).not.toContain('dns-headless-no-ready-pods');
  });

  it('dns-headless-client-balancing with more than one address', () => {
    expect(codes(explainDns(healthy(), name('db.data')))).toEqual(['dns-headless-client-balancing']);
    const one = healthy({ endpointSlices: [slice('db', 'data', [{ ip: '10.244.2.10', hostname: 'db-0' }], [{ name: 'pg', port: 5432 }])] });
    expect(codes(explainDns(one, name('db.data')))).toEqual([]);
  });

  it('dns-external-name-ip', () => {
    const s = healthy({ services: [svc('legacy', 'my-app', { type: 'ExternalName', externalName: '192.168.10.5' })] });
    const r = explainDns(s, name('legacy.my-app'));
    expect(codes(r)).toEqual(['dns-external-name-ip']);
    const ok = healthy({ services: [svc('legacy', 'my-app', { type: 'ExternalName', externalName: 'db.corp.example' })] });
    const r2 = explainDns(ok, name('legacy.my-app'));
    expect(codes(r2)).toEqual([]);
    expect(r2.answer.records).toEqual([{ type: 'CNAME', name: 'legacy.my-app.svc.cluster.local', value: 'db.corp.example' }]);
    expect(r2.notes.join('\n')).toMatch(/outside the cluster/);
  });

  it('dns-service-no-endpoints takes its cause from the caller', () => {
    const s = healthy({ endpointSlices: [] });
    const r = explainDns(s, name('web.my-app'), { noEndpointsCause: (x) => `selector app=${x.name} matches no pod` });
    expect(codes(r)).toEqual(['dns-service-no-endpoints']);
    expect(r.findings[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('(selector app=web matches no pod)') });
    expect(r.answer.records).toHaveLength(1);
    expect(codes(explainDns(healthy(), name('web.my-app')))).toEqual([]);
  });

  it('dns-service-no-endpoints is an error under ignore empty_service (the name does not resolve)', () => {
    const s = healthy({ endpointSlices: [], corefile: { zones: ['cluster.local'], ignoreEmptyService: true } });
    const r = explainDns(s, name('web.my-app'));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['dns-service-no-endpoints', 'error']]);
    expect(r.answer.records).toEqual([]);
  });

  it('dns-port-not-on-service: ClusterIP compares Service ports, with the targetPort hint', () => {
    const r = explainDns(healthy(), name('http://web.my-app:8080/api'));
    expect(codes(r)).toEqual(['dns-port-not-on-service']);
    expect(r.findings[0]!.hint).toBe("8080 is the targetPort (the pods' port); through the Service use port 80: http://web.my-app:80");
    expect(codes(explainDns(healthy(), name('web.my-app:80')))).toEqual([]);
  });

  it('dns-port-not-on-service: headless compares endpoint ports; ExternalName is skipped', () => {
    expect(codes(explainDns(healthy(), name('db-0.db.data:5432')))).toEqual([]);
    expect(codes(explainDns(healthy(), name('db-0.db.data.svc.cluster.local:5433')))).toEqual(['dns-port-not-on-service']);
    const ext = healthy({ services: [svc('legacy', 'my-app', { type: 'ExternalName', externalName: 'db.corp.example' })] });
    expect(codes(explainDns(ext, name('legacy.my-app:1234')))).toEqual([]);
  });

  it('dns-pod-dns-policy: Default, None, hostNetwork without ClusterFirstWithHostNet', () => {
    expect(codes(explainDns(healthy({ clientPod: pod('c', 'default', { dnsPolicy: 'Default' }) }), name('web.my-app')))).toEqual([
      'dns-pod-dns-policy',
    ]);
    expect(
      codes(explainDns(healthy({ clientPod: pod('c', 'default', { dnsPolicy: 'None' }) }), name('web.my-app.svc.cluster.local'))),
    ).toContain('dns-pod-dns-policy');
    const host = explainDns(healthy({ clientPod: pod('c', 'default', { hostNetwork: true }) }), name('web.my-app'));
    expect(codes(host)).toEqual(['dns-pod-dns-policy']);
    expect(host.findings[0]!.hint).toBe('set dnsPolicy: ClusterFirstWithHostNet');
    expect(host.queries.every((q) => q.result === 'UPSTREAM')).toBe(true);
    const fixed = healthy({ clientPod: pod('c', 'default', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }) });
    expect(codes(explainDns(fixed, name('web.my-app')))).toEqual([]);
  });

  it('dns-probe-mismatch: addresses as sets', () => {
    const same = explainDns(healthy(), name('db.data'), {
      probe: { observed: { source: 'getent ahosts db.data', addresses: ['10.244.2.11', '10.244.2.10'] } },
    });
    expect(codes(same)).not.toContain('dns-probe-mismatch');
    const stale = explainDns(healthy(), name('web.my-app'), {
      probe: { observed: { source: 'getent ahosts web.my-app', addresses: ['10.96.0.99'] } },
    });
    expect(codes(stale)).toEqual(['dns-probe-mismatch']);
    expect(stale.findings[0]!.evidence).toEqual([
      { kind: 'expected', value: 'addresses: 10.96.0.20' },
      { kind: 'observed', value: 'getent ahosts web.my-app: 10.96.0.99' },
    ]);
    const failed = explainDns(healthy(), name('web.my-app'), {
      probe: { observed: { source: 'getent ahosts web.my-app', error: 'NXDOMAIN' } },
    });
    expect(failed.findings[0]!.message).toMatch(/the lookup failed \(NXDOMAIN\)/);
  });

  it('dns-probe-mismatch: SRV by port and target only', () => {
    const srv = (port: number, target: string, weight = 10) => ({ priority: 10, weight, port, target });
    const n = name('_http._tcp.web.my-app.svc.cluster.local');
    const ok = explainDns(healthy(), n, {
      probe: { observed: { source: 'nslookup', srv: [srv(80, 'web.my-app.svc.cluster.local.', 33)] } },
    });
    expect(codes(ok)).toEqual([]);
    const bad = explainDns(healthy(), n, { probe: { observed: { source: 'nslookup', srv: [srv(8080, 'web.my-app.svc.cluster.local')] } } });
    expect(codes(bad)).toEqual(['dns-probe-mismatch']);
  });

  it('pod records name the failing condition', () => {
    const noSub = healthy({
      pods: [pod('db-0', 'data', { hostname: 'db-0' }, { app: 'db' })],
      endpointSlices: [slice('db', 'data', [{ ip: '10.244.2.10', pod: 'db-0' }], [{ name: 'pg', port: 5432 }])],
    });
    const r = explainDns(noSub, name('db-0.db.data.svc.cluster.local'));
    expect(codes(r)).toEqual(['dns-name-not-found']);
    expect(r.findings[0]!.message).toMatch(/pod db-0 has spec.subdomain \(unset\): it must name the headless Service "db"/);
    expect(codes(explainDns(healthy(), name('db-0.db.data')))).toEqual([]);
    expect(explainDns(noSub, name('db-0.db.data')).findings[0]!.message).toMatch(/spec.subdomain \(unset\)/);
    const noPod = explainDns(healthy(), name('db-7.db.data.svc.cluster.local'));
    expect(noPod.findings[0]!.message).toMatch(/no pod in namespace data has hostname "db-7"/);
    expect(r.findings[0]!.hint).toBe('set spec.subdomain: db (for a StatefulSet: spec.serviceName: db)');
    expect(noPod.findings[0]!.hint).toBe('endpoints of db: db-0.db.data, db-1.db.data');
    const unready = healthy({
      endpointSlices: [
        slice('db', 'data', [{ ip: '10.244.2.10', pod: 'db-0', hostname: 'db-0', ready: false }], [{ name: 'pg', port: 5432 }]),
      ],
    });
    expect(explainDns(unready, name('db-0.db.data')).findings[0]!.message).toMatch(
      /endpoint db-0 \(10.244.2.10\) of Service db is not ready/,
    );
    const byIp = explainDns(healthy(), name('10-244-2-10.db.data'));
    expect(byIp.answer.records).toEqual([]);
    expect(byIp.findings[0]!.hint).toBe('use db-0.db.data.svc.cluster.local');
    const clusterIp = healthy({
      services: [svc('db', 'data', {}, [{ name: 'pg', port: 5432 }])],
      endpointSlices: [slice('db', 'data', [{ ip: '10.244.2.10', pod: 'db-0' }], [{ name: 'pg', port: 5432 }])],
    });
    expect(explainDns(clusterIp, name('db-0.db.data')).findings[0]!.message).toMatch(/Service db is not headless/);
    const notSelected = healthy({
      pods: [pod('db-0', 'data', { hostname: 'db-0', subdomain: 'db' }, { app: 'other' })],
      endpointSlices: [],
    });
    expect(explainDns(notSelected, name('db-0.db.data.svc.cluster.local')).findings[0]!.message).toMatch(
      /selector does not select pod db-0/,
    );
  });

  it('SRV with an unknown port name suggests the named port', () => {
    const r = explainDns(healthy(), name('_grcp._tcp.api.my-app'));
    expect(codes(r)).toEqual(['dns-name-not-found']);
    expect(r.findings[0]!.hint).toBe('SRV names use a named Service port: _grpc._tcp.api.my-app.svc.cluster.local');
  });

  it('every code in the catalogue is covered above and has all its texts', () => {
    for (const e of DNS_CATALOGUE) {
      expect(e.title && e.meaning && e.detection && e.fix).toBeTruthy();
    }
    // dns-external-name-ip is a general code now (kdiag svc and audit report it too), covered above all the same.
    expect(DNS_CATALOGUE.map((e) => e.code)).toHaveLength(9);
    expect(DNS_CATALOGUE.map((e) => e.code)).not.toContain('dns-external-name-ip');
  });
});
