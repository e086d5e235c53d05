import { scanLine, codePointColumn, type DecoyReason } from '../../../src/core/lint/scan.js';
import type { FileType } from '../../../src/core/lint/comments.js';

const scan = (line: string, type: FileType = 'yaml', strict = false) =>
  scanLine(line, type, { strict }).map((l) => ({ text: l.text, start: l.start, decoy: l.decoy }));

/** The one literal of `line`, expected to be a decoy for `reason`. */
function expectDecoy(line: string, reason: DecoyReason, type: FileType = 'yaml'): void {
  const lits = scan(line, type);
  expect(lits.length).toBeGreaterThan(0);
  expect(lits.map((l) => l.decoy)).toEqual(lits.map(() => reason));
}

function expectReported(line: string, text: string, start: number, type: FileType = 'yaml'): void {
  expect(scan(line, type)).toEqual([{ text, start, decoy: undefined }]);
}

describe('decoys: one per kind', () => {
  test('loopback', () => expectDecoy('host: 127.0.0.1', 'loopback'));
  test('IPv6 loopback', () => expectDecoy('host: ::1', 'loopback'));
  test('unspecified IPv4', () => expectDecoy('listen: 0.0.0.0:8080', 'unspecified'));
  test('unspecified IPv6 in config', () => expectDecoy('bind: "::"', 'unspecified'));
  test('broadcast', () => expectDecoy('dest 255.255.255.255', 'broadcast'));
  test('netmask', () => expectDecoy('netmask: 255.255.255.0', 'netmask'));
  test('wildcard mask', () => expectDecoy('access-list 10 permit any 0.0.0.255', 'netmask'));
  test('CIDR range', () => expectDecoy('cidr_block = "10.1.0.0/16"', 'cidr'));
  test('IPv6 CIDR range', () => expectDecoy('podSubnet: fd00:10:244::/56', 'cidr'));
  test('network address under a subnet key', () => expectDecoy('podSubnet: 10.244.0.0', 'cidr'));
  test('address range', () => expectDecoy('addresses: [192.168.10.240-192.168.10.250]', 'range'));
  test('version by key', () => expectDecoy('version: 1.2.3.4', 'version'));
  test('version by env key', () => expectDecoy('APP_VERSION=10.0.0.1', 'version', 'env'));
  test('version by XML element', () => expectDecoy('<version>1.2.3.4</version>', 'version', 'markup'));
  test('version by tag key', () => expectDecoy('  tag: "10.1.2.3"', 'version'));
  test('version by context word', () => expectDecoy('Upgraded to release 10.2.3.4 today', 'version', 'text'));
  test('version with a leading v', () => expectDecoy('ref: v10.2.3.4', 'version'));
  test('version operator', () => expectDecoy('requests>=2.31.0.1', 'version', 'text'));
  test('version with a pre-release suffix', () => expectDecoy('build 1.2.3.4-rc1', 'version', 'text'));
  test('image tag', () => expectDecoy('image: registry.example.com/team/app:10.2.3.4', 'image-tag'));
  test('image tag in a Dockerfile', () => expectDecoy('FROM alpine:3.19.1.2', 'image-tag', 'dockerfile'));
  test('OID (dotted identifier with more than four parts)', () => expectDecoy('oid: 1.3.6.1.4.1.2021', 'dotted-identifier'));
  test('dotted identifier with a word suffix', () => expectDecoy('hibernate 5.4.2.1.Final', 'dotted-identifier', 'text'));
  test('MAC address', () => expectDecoy('hwaddr: 00:1a:2b:3c:4d:5e', 'mac'));
  test('EUI-64 written like a MAC', () => expectDecoy('id 00:1a:2b:ff:fe:3c:4d:5e', 'mac', 'text'));
  test('time', () => expectDecoy('schedule: 12:30:45', 'time'));
  test('`::` in code', () => expectDecoy('std::vector<int> v;', 'code-scope', 'c-like'));
  test('bare `::` in code', () => expectDecoy('x :: Int', 'code-scope', 'c-like'));
  test('hex words around `::`', () => expectDecoy('Cafe::Bad()', 'code-scope', 'c-like'));
  test('documentation range', () => expectDecoy('host: 192.0.2.10', 'documentation'));
  test('IPv6 documentation range', () => expectDecoy('host: 2001:db8::10', 'documentation'));
  test('multicast', () => expectDecoy('mdns: 224.0.0.251', 'multicast'));
  test('documentation range is reported with --strict', () => {
    expect(scan('host: 192.0.2.10', 'yaml', true)).toEqual([{ text: '192.0.2.10', start: 6, decoy: undefined }]);
  });
  test('numbers that are not addresses are not literals at all', () => {
    expect(scan('a: 1.2.3')).toEqual([]);
    expect(scan('a: 300.1.1.1')).toEqual([]);
    expect(scan('a: 01.02.03.04')).toEqual([]);
    expect(scan('sha1.2.3.4')).toEqual([]);
  });
});

describe('host addresses', () => {
  test('quoted IPv4', () => expectReported('value: "10.244.1.7"', '10.244.1.7', 8));
  test('URL with a port', () => expectReported('url: http://10.0.0.1:8080/path', '10.0.0.1', 12));
  test('URL with a bracketed IPv6 host and a port', () => expectReported('url: http://[fd00::1]:8080/', 'fd00::1', 13));
  test('bracketed IPv6 with a port', () => expectReported('addr: [2606:4700::1111]:53', '2606:4700::1111', 7));
  test('compressed IPv6', () => expectReported('dns: 2606:4700:4700::1111', '2606:4700:4700::1111', 5));
  test('full IPv6', () => expectReported('x: 2606:4700:0:0:0:0:0:1111', '2606:4700:0:0:0:0:0:1111', 3));
  test('IPv6 with a zone id', () => expectReported('peer: fe80::1%eth0', 'fe80::1%eth0', 6));
  test('IPv6 zone id URL-encoded in a URL', () => expectReported('u: http://[fe80::1%25eth0]:80/', 'fe80::1%eth0', 11));
  test('IPv4-mapped IPv6', () => expectReported('h: ::ffff:10.1.2.3', '::ffff:10.1.2.3', 3));
  test('a /32 is one host', () => expectReported('cidr: 10.1.2.3/32', '10.1.2.3', 6));
  test('an interface address with a prefix is one host', () => expectReported('addresses: [192.168.1.10/24]', '192.168.1.10', 12));
  test('end of a sentence', () => expectReported('connect to 8.8.8.8.', '8.8.8.8', 11, 'text'));
  test('host:port in a shell line', () => expectReported('curl 10.1.2.3:80', '10.1.2.3', 5, 'shell'));
});

describe('codePointColumn', () => {
  test('counts a surrogate pair as one column', () => {
    const line = '😀 x: "10.0.0.1"';
    const i = line.indexOf('10.');
    expect(i).toBe(7); // UTF-16 index: the emoji is two code units
    expect(codePointColumn(line, i)).toBe(7); // six code points before it
  });
  test('BMP characters are one column each', () => {
    expect(codePointColumn('é: 10.0.0.1', 3)).toBe(4);
  });
});

describe('ranges with the top bit set (regression)', () => {
  it("172.30.1.2 is in OpenShift's default Service range, 172.20.0.9 in EKS's", async () => {
    const { defaultRanges, matchRanges } = await import('../../../src/core/lint/ranges.js');
    const ipaddr = (await import('ipaddr.js')).default;
    const names = (ip: string) => matchRanges(defaultRanges(), ipaddr.parse(ip)).map((r) => `${r.kind} ${r.cidr}`);
    expect(names('172.30.1.2')).toContain('service 172.30.0.0/16');
    expect(names('172.20.0.9')).toContain('service 172.20.0.0/16');
    expect(names('10.96.0.1')).toContain('service 10.96.0.0/16');
  });
});
