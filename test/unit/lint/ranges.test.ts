import ipaddr from 'ipaddr.js';
import { parseCidr } from '../../../src/core/lint/ranges.js';

/** What parseCidr gave when it used ipaddr.js's family-blind functions (IPv6 tried first, then IPv4). */
function familyBlind(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  const t = text.trim();
  try {
    if (t.includes('/')) {
      if (!ipaddr.isValidCIDR(t)) return undefined;
      const [net, bits] = ipaddr.parseCIDR(t);
      return [net, bits];
    }
    if (!ipaddr.isValid(t)) return undefined;
    const a = ipaddr.parse(t);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

const show = (r: [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined) => (r ? `${r[0].kind()} ${r[0].toString()}/${r[1]}` : 'none');

describe('parseCidr picks the family from the text', () => {
  it.each([
    ['10.244.0.0/16', 'ipv4 10.244.0.0/16'],
    ['fd00:10:244::/56', 'ipv6 fd00:10:244::/56'],
    ['192.168.1.7', 'ipv4 192.168.1.7/32'],
    ['::ffff:10.0.0.1', 'ipv6 ::ffff:a00:1/128'],
    ['fe80::1%eth0', 'ipv6 fe80::1%eth0/128'],
    ['  10.0.0.0/8 ', 'ipv4 10.0.0.0/8'],
    ['10.0.0.0/33', 'none'],
    ['10.0.0/8', 'ipv4 10.0.0.0/8'],
    ['::/129', 'none'],
    ['not an address', 'none'],
  ])('%s', (text, expected) => {
    expect(show(parseCidr(text))).toBe(expected);
    expect(show(familyBlind(text))).toBe(expected);
  });

  it('agrees with ipaddr.js tried both ways on generated texts', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const parts = [
      '0',
      '1',
      '10',
      '255',
      '256',
      '0x1f',
      '010',
      'ff',
      'fd00',
      'a',
      '::',
      ':',
      '.',
      '/',
      '/8',
      '/32',
      '/64',
      '/128',
      '%1',
      ' ',
      'x',
      '4294967295',
    ];
    let differed = 0;
    let valid = 0;
    for (let i = 0; i < 8000; i++) {
      let text = '';
      for (let k = 1 + rnd(9); k > 0; k--) text += parts[rnd(parts.length)]!;
      if (rnd(3) === 0) text = `${rnd(256)}.${rnd(256)}.${rnd(300)}.${rnd(256)}${rnd(2) ? `/${rnd(40)}` : ''}`;
      if (rnd(5) === 0)
        text = `${['fd00', '2001:db8', 'fe80', ''][rnd(4)]}::${rnd(2) ? rnd(65536).toString(16) : ''}${rnd(2) ? `/${rnd(140)}` : ''}`;
      const expected = show(familyBlind(text));
      if (expected !== 'none') valid++;
      if (show(parseCidr(text)) !== expected) differed++;
    }
    expect(valid).toBeGreaterThan(2000); // the generator reaches both families and both forms
    expect(differed).toBe(0);
  });
});
