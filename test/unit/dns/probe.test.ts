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

// More outputs, one per resolver family, as each tool prints them (written for these tests).
describe('probe parsers across libc and tool families', () => {
  it('glibc getent ahosts on a dual-stack Service: IPv6 and IPv4, zone ids dropped', () => {
    const out = `fd00:10:96::4d2   STREAM dual.my-app.svc.cluster.local
fd00:10:96::4d2   DGRAM
fd00:10:96::4d2   RAW
10.96.4.210     STREAM
10.96.4.210     DGRAM
10.96.4.210     RAW
fe80::1%eth0    STREAM
`;
    expect(parseGetent(out, 'getent ahosts dual').addresses).toEqual(['fd00:10:96::4d2', '10.96.4.210', 'fe80::1']);
  });

  it('musl getent hosts (Alpine): the name repeated as an alias', () => {
    const out = '10.96.7.7         api.shop.svc.cluster.local  api.shop.svc.cluster.local\n';
    const r = parseGetent(out, 'getent hosts api.shop', 0);
    expect(r).toEqual({ source: 'getent hosts api.shop', addresses: ['10.96.7.7'], canonicalName: 'api.shop.svc.cluster.local' });
  });

  it('bind nslookup with "Non-authoritative answer:" and two addresses of a headless Service', () => {
    const out = `Server:		10.96.0.10
Address:	10.96.0.10#53

Non-authoritative answer:
Name:	db.data.svc.cluster.local
Address: 10.244.1.5
Name:	db.data.svc.cluster.local
Address: 10.244.2.6
`;
    expect(parseNslookup(out, 'nslookup db.data')).toEqual({
      source: 'nslookup db.data',
      server: '10.96.0.10',
      addresses: ['10.244.1.5', '10.244.2.6'],
    });
  });

  it('BusyBox 1.36 nslookup: an A answer, then an empty AAAA section', () => {
    const out = `Server:		10.96.0.10
Address:	10.96.0.10:53

Name:	web.my-app.svc.cluster.local
Address: 10.96.3.3

`;
    expect(parseNslookup(out, 'nslookup web.my-app').addresses).toEqual(['10.96.3.3']);
  });

  it('bind nslookup -type=SRV that finds nothing: NXDOMAIN; an empty answer: NODATA', () => {
    const nx = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n** server can't find _x._tcp.web.my-app.svc.cluster.local: NXDOMAIN\n";
    expect(parseNslookup(nx, 'n')).toEqual({ source: 'n', server: '10.96.0.10', error: 'NXDOMAIN' });
    const nodata = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n*** Can't find _x._tcp.web.my-app.svc.cluster.local: No answer\n";
    expect(parseNslookup(nodata, 'n').error).toBe('NODATA');
  });

  it('the kubelet-written resolv.conf of a pod on a node with its own search domains', () => {
    const r = parseResolvConf(
      'search shop.svc.k8s.corp svc.k8s.corp k8s.corp eu-west-1.compute.internal corp.example\nnameserver 169.254.20.10\noptions ndots:5 edns0\n',
    );
    expect(clusterDomainFromResolvConf(r)).toBe('k8s.corp');
    expect(r.search.slice(3)).toEqual(['eu-west-1.compute.internal', 'corp.example']);
    expect(r.options).toEqual(['edns0']);
  });
});
