// The two halves of the lint engine on their own: the per-file comment state machine (comments.ts, FileComments)
// and the classification of an address literal (classify.ts). engine.ts composes them; its behaviour is checked
// through FileLinter in comments.test.ts and kernel.test.ts, and byte for byte by test/unit/recorded.test.ts.
import { classifyLiteral, type ClassifySettings } from '../../../src/core/lint/classify.js';
import { FileComments } from '../../../src/core/lint/comments.js';
import { defaultRanges, namedRanges } from '../../../src/core/lint/ranges.js';
import { scanLine } from '../../../src/core/lint/scan.js';

describe('FileComments: the comment state of one file', () => {
  test('a block comment carries from line to line until it closes', () => {
    const c = new FileComments('c-like');
    expect(c.blockTokens).toEqual(['/*', '`', '*/']);
    expect([...c.spans('a = 1; /* open')]).toEqual([7, 14]);
    expect(c.inBlock).toBe(true);
    expect([...c.spans('still inside')]).toEqual([0, 12]);
    expect([...c.spans('done */ b = 2')]).toEqual([0, 7]);
    expect(c.inBlock).toBe(false);
  });

  test('whole-line and trailing line comments, on a range of a larger string', () => {
    const c = new FileComments('yaml');
    const s = 'x: 1\n  # old 10.0.0.1\nport: 80  # was 10.1.2.3\n';
    const [l1s, l1e] = [5, s.indexOf('\n', 5)];
    const [l2s, l2e] = [l1e + 1, s.indexOf('\n', l1e + 1)];
    expect(c.wholeLineCommentAt(s, 0, 4)).toBe(-1);
    expect(c.wholeLineCommentAt(s, l1s, l1e)).toBe(l1s + 2);
    expect(c.trailingCommentAt(s, l2s, l2e, s.indexOf('10.1', l2s))).toBe(s.indexOf('#', l2s));
    expect(c.mayHoldComment('a: b')).toBe(false);
    expect(c.hasComments).toBe(true);
    expect(new FileComments('json').hasComments).toBe(false);
  });

  test('no trailing comment is reported while a block comment is open', () => {
    const c = new FileComments('c-like');
    c.spans('/* open');
    const s = 'x = 1 // 10.0.0.1';
    expect(c.trailingCommentAt(s, 0, s.length, s.indexOf('10.'))).toBe(-1);
  });
});

describe('classifyLiteral: what an address is', () => {
  const settings: ClassifySettings = { ranges: defaultRanges() };
  const classify = (line: string, s: ClassifySettings = settings) => {
    const [lit] = scanLine(line, 'yaml', { strict: true }, true, false).filter((l) => l.decoy === undefined);
    const f = classifyLiteral(lit!, line, s);
    return [f.code, f.severity, f.column, f.endColumn, f.message];
  };

  // (strict: documentation addresses are decoys otherwise, never classified)
  test('private, public and documentation addresses are warnings', () => {
    expect(classify('host: 192.168.1.10')).toEqual([
      'hardcoded-private-ip',
      'warning',
      7,
      19,
      'hard-coded private IP 192.168.1.10 (RFC 1918)',
    ]);
    expect(classify('upstream: 93.184.216.34')[0]).toBe('hardcoded-public-ip');
    expect(classify('peer: 198.51.100.7')[4]).toBe('hard-coded private IP 198.51.100.7 (documentation range)');
  });

  test('a pod or Service range makes it an error; a cluster object names the object', () => {
    const ranges = [...namedRanges(['10.244.0.0/16'], 'pod', '--pod-cidr'), ...namedRanges(['10.96.0.0/12'], 'service', '--service-cidr')];
    expect(classify('a: 10.244.1.2', { ranges }).slice(0, 2)).toEqual(['hardcoded-pod-ip', 'error']);
    expect(classify('a: 10.96.0.10', { ranges }).slice(0, 2)).toEqual(['hardcoded-service-ip', 'error']);
    const objects = new Map([['10.96.0.10', { kind: 'Service' as const, ref: { kind: 'Service', namespace: 'shop', name: 'db' } }]]);
    expect(classify('a: 10.96.0.10', { ranges, objects, clusterDomain: 'example.internal' })[4]).toBe(
      'hard-coded Service IP 10.96.0.10: the IP of Service shop/db',
    );
  });
});
