import { clusterDomainFromResolvConf, parseGetent, parseNslookup, parseResolvConf } from '../../../src/core/dns/probe.js';

// Outputs written for these tests in the formats the tools print.

describe('parseResolvConf', () => {
  it('a ClusterFirst pod', () => {
    const r = parseResolvConf(`search my-app.svc.cluster.local svc.cluster.local cluster.local ec2.internal
nameserver 10.96.0.10
options ndots:5
`);
    expect(r).toEqual({
      nameservers: ['10.96.0.10'],
      search: ['my-app.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'ec2.internal'],
      ndots: 5,
      options: [],
    });
    expect(clusterDomainFromResolvConf(r)).toBe('cluster.local');
  });

  it('comments, several nameservers, the last search line wins, other options kept, default ndots 1', () => {
    const r = parseResolvConf(`# written by the node
; another comment
domain corp.example
search a.example b.example.
nameserver 10.0.0.2
nameserver 10.0.0.3 # second
options timeout:2 attempts:3 single-request-reopen
`);
    expect(r).toEqual({
      nameservers: ['10.0.0.2', '10.0.0.3'],
      search: ['a.example', 'b.example'],
      ndots: 1,
      options: ['timeout:2', 'attempts:3', 'single-request-reopen'],
    });
    expect(clusterDomainFromResolvConf(r)).toBeUndefined();
  });
});

describe('parseGetent', () => {
  it('glibc getent ahosts: addresses once each, canonical name from the first line', () => {
    const out = `10.244.2.10     STREAM db.data.svc.cluster.local
10.244.2.10     DGRAM
10.244.2.10     RAW
10.244.2.11     STREAM
10.244.2.11     DGRAM
10.244.2.11     RAW
`;
    expect(parseGetent(out, 'getent ahosts db.data')).toEqual({
      source: 'getent ahosts db.data',
      addresses: ['10.244.2.10', '10.244.2.11'],
      canonicalName: 'db.data.svc.cluster.local',
    });
  });

  it('getent hosts (musl and glibc): address, name, aliases; IPv6', () => {
    const out = 'fd00::30        dual.my-app.svc.cluster.local\n10.96.0.30      dual.my-app.svc.cluster.local dual\n';
    expect(parseGetent(out, 'getent hosts dual').addresses).toEqual(['fd00::30', '10.96.0.30']);
  });

  it('no output is NXDOMAIN (exit 2); another exit status is said as such', () => {
    expect(parseGetent('', 'getent ahosts nope', 2)).toEqual({ source: 'getent ahosts nope', addresses: [], error: 'NXDOMAIN' });
    expect(parseGetent('', 'getent ahosts nope', 1).error).toBe('exit status 1');
  });
});

describe('parseNslookup', () => {
  it('bind nslookup -type=SRV', () => {
    const out = `Server:		10.96.0.10
Address:	10.96.0.10#53

_pg._tcp.db.data.svc.cluster.local	service = 0 50 5432 db-0.db.data.svc.cluster.local.
_pg._tcp.db.data.svc.cluster.local	service = 0 50 5432 db-1.db.data.svc.cluster.local.
`;
    expect(parseNslookup(out, 'nslookup -type=SRV _pg._tcp.db.data')).toEqual({
      source: 'nslookup -type=SRV _pg._tcp.db.data',
      server: '10.96.0.10',
      srv: [
        { priority: 0, weight: 50, port: 5432, target: 'db-0.db.data.svc.cluster.local' },
        { priority: 0, weight: 50, port: 5432, target: 'db-1.db.data.svc.cluster.local' },
      ],
    });
  });

  it('BusyBox nslookup -type=SRV (no trailing dot, server address with :53)', () => {
    const out = `Server:		10.96.0.10
Address:	10.96.0.10:53

_http._tcp.web.my-app.svc.cluster.local	service = 0 100 80 web.my-app.svc.cluster.local
`;
    expect(parseNslookup(out, 'nslookup').srv).toEqual([{ priority: 0, weight: 100, port: 80, target: 'web.my-app.svc.cluster.local' }]);
  });

  it('address answers: bind, BusyBox, and old BusyBox "Address 1:" lines', () => {
    const bind = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tweb.my-app.svc.cluster.local\nAddress: 10.96.0.20\n';
    expect(parseNslookup(bind, 'nslookup web.my-app').addresses).toEqual(['10.96.0.20']);
    const old =
      'Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      web.my-app\nAddress 1: 10.96.0.20 web.my-app.svc.cluster.local\n';
    expect(parseNslookup(old, 'nslookup web.my-app').addresses).toEqual(['10.96.0.20']);
  });

  it('failures: NXDOMAIN, no answer, timeout', () => {
    expect(parseNslookup("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n** server can't find nope.my-app: NXDOMAIN\n", 'n').error).toBe(
      'NXDOMAIN',
    );
    expect(parseNslookup("*** Can't find web.my-app: No answer\n", 'n').error).toBe('NODATA');
    expect(parseNslookup(';; connection timed out; no servers could be reached\n', 'n').error).toBe('timeout');
  });

  it('failed search-list attempts do not hide the final answer', () => {
    const out = `Server:		10.96.0.10
Address:	10.96.0.10:53

** server can't find web.my-app.default.svc.cluster.local: NXDOMAIN

Name:	web.my-app.svc.cluster.local
Address: 10.96.0.20
`;
    const r = parseNslookup(out, 'n');
    expect(r.addresses).toEqual(['10.96.0.20']);
    expect(r.error).toBeUndefined();
  });
});
