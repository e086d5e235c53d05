import {
  candidateNames,
  clusterSearchList,
  effectiveResolver,
  indexCluster,
  lookup,
  walk,
  zoneOf,
} from '../../../src/core/dns/resolver.js';
import { headless, name, pod, slice, snapshot, svc } from './fixtures.js';

const SEARCH = clusterSearchList('default', 'cluster.local');

describe('candidateNames: the resolv.conf search rules (ndots)', () => {
  it('a short name goes through the search list first, then as written', () => {
    expect(candidateNames('web', false, SEARCH, 5)).toEqual([
      'web.default.svc.cluster.local',
      'web.svc.cluster.local',
      'web.cluster.local',
      'web',
    ]);
  });

  it('a full name with fewer than 5 dots costs three NXDOMAINs before it is tried as written', () => {
    const names = candidateNames('web.my-app.svc.cluster.local', false, SEARCH, 5);
    expect(names.indexOf('web.my-app.svc.cluster.local')).toBe(3);
  });

  it('a name with at least ndots dots is tried as written first', () => {
    expect(candidateNames('a.b.c.d.e.f', false, SEARCH, 5)[0]).toBe('a.b.c.d.e.f');
    expect(candidateNames('web.my-app', false, SEARCH, 1)[0]).toBe('web.my-app');
  });

  it('a trailing dot means only as written', () => {
    expect(candidateNames('web.my-app.svc.cluster.local', true, SEARCH, 5)).toEqual(['web.my-app.svc.cluster.local']);
  });
});

describe('effectiveResolver: kubelet rules per dnsPolicy', () => {
  it('ClusterFirst without a client pod: three cluster domains, ndots 5, the node search domains unknown', () => {
    const r = effectiveResolver(snapshot({ clientNamespace: 'my-app' }), 'cluster.local');
    expect(r).toMatchObject({
      search: ['my-app.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      ndots: 5,
      nodeSearchUnknown: true,
      clusterDns: true,
    });
  });

  it('dnsConfig searches are appended and ndots overridden', () => {
    const client = pod('client', 'default', { dnsConfig: { searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }] } });
    const r = effectiveResolver(snapshot({ clientPod: client }), 'cluster.local');
    expect(r.search).toEqual([...SEARCH, 'corp.example']);
    expect(r.ndots).toBe(2);
  });

  it('hostNetwork with ClusterFirst falls back to the node resolver; ClusterFirstWithHostNet does not', () => {
    expect(effectiveResolver(snapshot({ clientPod: pod('c', 'default', { hostNetwork: true }) }), 'cluster.local').clusterDns).toBe(false);
    expect(
      effectiveResolver(
        snapshot({ clientPod: pod('c', 'default', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }) }),
        'cluster.local',
      ).clusterDns,
    ).toBe(true);
  });

  it('a probed resolv.conf wins', () => {
    const r = effectiveResolver(snapshot(), 'cluster.local', { nameservers: ['10.96.0.10'], search: ['a.b'], ndots: 3, options: [] });
    expect(r).toMatchObject({ search: ['a.b'], ndots: 3, source: 'probe', nodeSearchUnknown: false });
  });
});

describe('lookup: the CoreDNS kubernetes plugin model', () => {
  const services = [
    svc('web', 'my-app', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'] }),
    svc('dual', 'my-app', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30', 'fd00::30'], ipFamilies: ['IPv4', 'IPv6'] }),
    headless('db', 'data', {}, [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
    headless('empty', 'data'),
    headless('early', 'data', { publishNotReadyAddresses: true }),
    svc('ext', 'my-app', { type: 'ExternalName', externalName: 'db.example.com' }),
    svc('alias', 'my-app', { type: 'ExternalName', externalName: 'web.my-app.svc.cluster.local' }),
  ];
  const slices = [
    slice('web', 'my-app', [{ ip: '10.244.1.5', pod: 'web-1' }]),
    slice(
      'db',
      'data',
      [
        { ip: '10.244.2.10', pod: 'db-0', hostname: 'db-0' },
        { ip: '10.244.2.11', pod: 'db-1', hostname: 'db-1' },
        { ip: '10.244.2.12', pod: 'db-2', hostname: 'db-2', ready: false },
      ],
      [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    ),
    slice('empty', 'data', [{ ip: '10.244.3.1', ready: false }]),
    slice('early', 'data', [{ ip: '10.244.4.1', ready: false }]),
  ];
  const idx = indexCluster(snapshot({ services, endpointSlices: slices }), 'cluster.local');
  const z = 'cluster.local';

  it('a ClusterIP Service answers its cluster IP by family (AAAA of a single-stack Service is NODATA)', () => {
    expect(lookup(idx, 'web.my-app.svc.cluster.local', z, 'A')).toMatchObject({
      rcode: 'NOERROR',
      records: [{ type: 'A', name: 'web.my-app.svc.cluster.local', value: '10.96.0.20' }],
    });
    expect(lookup(idx, 'web.my-app.svc.cluster.local', z, 'AAAA').rcode).toBe('NODATA');
    expect(lookup(idx, 'dual.my-app.svc.cluster.local', z, 'AAAA').records).toEqual([
      { type: 'AAAA', name: 'dual.my-app.svc.cluster.local', value: 'fd00::30' },
    ]);
  });

  it('a headless Service answers its ready endpoints; publishNotReadyAddresses answers all; none ready is NXDOMAIN', () => {
    expect(lookup(idx, 'db.data.svc.cluster.local', z, 'A').records.map((r) => r.value)).toEqual(['10.244.2.10', '10.244.2.11']);
    expect(lookup(idx, 'early.data.svc.cluster.local', z, 'A').records.map((r) => r.value)).toEqual(['10.244.4.1']);
    expect(lookup(idx, 'empty.data.svc.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'headless-no-ready' });
  });

  it('an ExternalName is a CNAME; one pointing inside the cluster is followed', () => {
    expect(lookup(idx, 'ext.my-app.svc.cluster.local', z, 'A').records).toEqual([
      { type: 'CNAME', name: 'ext.my-app.svc.cluster.local', value: 'db.example.com' },
    ]);
    expect(lookup(idx, 'alias.my-app.svc.cluster.local', z, 'A').records).toEqual([
      { type: 'CNAME', name: 'alias.my-app.svc.cluster.local', value: 'web.my-app.svc.cluster.local' },
      { type: 'A', name: 'web.my-app.svc.cluster.local', value: '10.96.0.20' },
    ]);
  });

  it('SRV of a ClusterIP Service: one record, the Service port, the Service as target, weight 100', () => {
    expect(lookup(idx, '_http._tcp.web.my-app.svc.cluster.local', z, 'SRV').records).toEqual([
      {
        type: 'SRV',
        name: '_http._tcp.web.my-app.svc.cluster.local',
        value: { priority: 0, weight: 100, port: 80, target: 'web.my-app.svc.cluster.local' },
      },
    ]);
    expect(lookup(idx, '_https._tcp.web.my-app.svc.cluster.local', z, 'SRV')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'no-port' });
    expect(lookup(idx, '_http._udp.web.my-app.svc.cluster.local', z, 'SRV').rcode).toBe('NXDOMAIN');
  });

  it('SRV of a headless Service: one per ready endpoint, the endpoint port, hostname targets, weight 100/n', () => {
    expect(lookup(idx, '_pg._tcp.db.data.svc.cluster.local', z, 'SRV').records.map((r) => r.value)).toEqual([
      { priority: 0, weight: 50, port: 5432, target: 'db-0.db.data.svc.cluster.local' },
      { priority: 0, weight: 50, port: 5432, target: 'db-1.db.data.svc.cluster.local' },
    ]);
  });

  it('endpoint records by hostname and by dashed IP; an unready endpoint has none', () => {
    expect(lookup(idx, 'db-0.db.data.svc.cluster.local', z, 'A').records).toEqual([
      { type: 'A', name: 'db-0.db.data.svc.cluster.local', value: '10.244.2.10' },
    ]);
    expect(lookup(idx, '10-244-1-5.web.my-app.svc.cluster.local', z, 'A').records.map((r) => r.value)).toEqual(['10.244.1.5']);
    expect(lookup(idx, 'db-2.db.data.svc.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'no-endpoint' });
  });

  it('pod records follow the pods mode', () => {
    expect(lookup(idx, '10-244-1-5.my-app.pod.cluster.local', z, 'A').records.map((r) => r.value)).toEqual(['10.244.1.5']);
    const disabled = indexCluster(snapshot({ corefile: { zones: ['cluster.local'], ignoreEmptyService: false, pods: 'disabled' } }), z);
    expect(lookup(disabled, '10-244-1-5.my-app.pod.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'pods-disabled' });
    const verified = indexCluster(
      snapshot({
        corefile: { zones: ['cluster.local'], ignoreEmptyService: false, pods: 'verified' },
        pods: [pod('web-1', 'my-app', {}, {}, '10.244.1.5')],
      }),
      z,
    );
    expect(lookup(verified, '10-244-1-5.my-app.pod.cluster.local', z, 'A').rcode).toBe('NOERROR');
    expect(lookup(verified, '10-244-1-6.my-app.pod.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'no-pod' });
  });

  it('namespace names are NODATA, missing namespaces and other shapes NXDOMAIN', () => {
    expect(lookup(idx, 'my-app.svc.cluster.local', z, 'A').rcode).toBe('NODATA');
    expect(lookup(idx, 'svc.cluster.local', z, 'A').rcode).toBe('NODATA');
    expect(lookup(idx, 'cluster.local', z, 'A').rcode).toBe('NODATA');
    expect(lookup(idx, 'nope.svc.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'no-namespace' });
    expect(lookup(idx, 'web.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'bad-shape' });
    expect(lookup(idx, 'web.default.svc.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'no-service' });
  });

  it('ignore empty_service: a ClusterIP Service without ready endpoints is NXDOMAIN', () => {
    const i2 = indexCluster(
      snapshot({ services: [svc('web', 'my-app')], endpointSlices: [], corefile: { zones: ['cluster.local'], ignoreEmptyService: true } }),
      z,
    );
    expect(lookup(i2, 'web.my-app.svc.cluster.local', z, 'A')).toMatchObject({ rcode: 'NXDOMAIN', miss: 'empty-service' });
  });

  it('zoneOf picks the longest served zone', () => {
    expect(zoneOf('web.ns.svc.cluster.local', ['local', 'cluster.local'])).toBe('cluster.local');
    expect(zoneOf('example.com', ['cluster.local'])).toBeUndefined();
  });
});

describe('walk: the questions in order, stopping at the first answer', () => {
  const services = [svc('web', 'my-app')];
  const s = snapshot({ services, endpointSlices: [slice('web', 'my-app', [{ ip: '10.244.1.5' }])] });
  const idx = indexCluster(s, 'cluster.local');

  it('web.my-app from default: one NXDOMAIN per type, then the answer', () => {
    const w = walk(idx, name('web.my-app'), effectiveResolver(s, 'cluster.local'), ['A', 'AAAA']);
    expect(w.queries.map((q) => `${q.type} ${q.name} ${q.result}`)).toEqual([
      'A web.my-app.default.svc.cluster.local NXDOMAIN',
      'AAAA web.my-app.default.svc.cluster.local NXDOMAIN',
      'A web.my-app.svc.cluster.local NOERROR',
      'AAAA web.my-app.svc.cluster.local NODATA',
    ]);
    expect(w.queries[2]!.object).toEqual({ kind: 'Service', namespace: 'my-app', name: 'web' });
    expect(w.answered?.fqdn).toBe('web.my-app.svc.cluster.local');
  });

  it('a missing name walks into upstream (unchecked) names', () => {
    const w = walk(idx, name('nope'), effectiveResolver(s, 'cluster.local'), ['A']);
    expect(w.queries.map((q) => q.result)).toEqual(['NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN', 'UPSTREAM']);
    expect(w.answered).toBeUndefined();
    expect(w.reachedUpstream).toBe(true);
  });

  it('an SRV name asks SRV only', () => {
    const w = walk(idx, name('_http._tcp.web.my-app'), effectiveResolver(s, 'cluster.local'), ['A', 'AAAA']);
    expect(w.queries.map((q) => q.type)).toEqual(['SRV', 'SRV']);
    expect(w.answered?.results[0]!.records).toHaveLength(1);
  });
});
