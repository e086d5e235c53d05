import { COMMENT_SYNTAX, commentSpans, type CommentState, type FileType } from '../../../src/core/lint/comments.js';
import { parseSuppression } from '../../../src/core/lint/suppress.js';
import { FileLinter, type LintSettings } from '../../../src/core/lint/engine.js';
import { defaultRanges, namedRanges } from '../../../src/core/lint/ranges.js';

/** The comment text of each line, lexed in order (block comments carry over). */
function comments(type: FileType, lines: string[]): string[] {
  const state: CommentState = { closer: null };
  return lines.map((l) => {
    const spans = commentSpans(l, COMMENT_SYNTAX[type], state, []);
    const parts: string[] = [];
    for (let i = 0; i < spans.length; i += 2) parts.push(l.slice(spans[i], spans[i + 1]));
    return parts.join('|');
  });
}

describe('comment syntax per file type', () => {
  test('YAML: # after a blank or at the start; not inside quotes, not glued to a value, apostrophes are no quotes', () => {
    expect(comments('yaml', ['a: b # c', '# d', 'url: http://x/#frag', 'k: "a # b" # c', "msg: don't # x"])).toEqual([
      '# c',
      '# d',
      '',
      '# c',
      '# x',
    ]);
  });
  test('C-like: //, /* */ across lines, and not inside strings (http:// in a string)', () => {
    expect(comments('c-like', ['const u = "http://10.0.0.1"; // c', 'a /* b', 'c', 'd */ e', "s = '/* no */'"])).toEqual([
      '// c',
      '/* b',
      'c',
      'd */',
      '',
    ]);
  });
  test('.properties: # and ! only at the start of a line', () => {
    expect(comments('properties', ['# a', '  ! b', 'k=v#1'])).toEqual(['# a', '! b', '']);
  });
  test('INI: ; and # after a blank', () => {
    expect(comments('ini', ['a = b ; c', '; d', 'e = f;g'])).toEqual(['; c', '; d', '']);
  });
  test('Terraform: #, // and /* */', () => {
    expect(comments('terraform', ['a = 1 # b', 'c = 2 // d', '/* e */ f = 3'])).toEqual(['# b', '// d', '/* e */']);
  });
  test('nginx: # anywhere outside quotes', () => {
    expect(comments('nginx', ['listen 80;# a', 'return 200 "#x"; # b'])).toEqual(['# a', '# b']);
  });
  test('Helm templates: {{/* */}} across lines, and YAML #', () => {
    expect(comments('helm', ['{{/* a', 'b */}}', 'x: 1 # c', '{{- /* d */ -}}'])).toEqual(['{{/* a', 'b */', '# c', '{{- /* d */']);
  });
  test('markup: <!-- -->; SQL: -- and /* */; JSON: none', () => {
    expect(comments('markup', ['<a/><!-- b --> c'])).toEqual(['<!-- b -->']);
    expect(comments('sql', ['select 1 -- a', 'x /* b */'])).toEqual(['-- a', '/* b */']);
    expect(comments('json', ['{"a": "# b // c"}'])).toEqual(['']);
  });
});

describe('multi-line strings of shell; YAML block scalars', () => {
  test('shell: a heredoc body holds no comments; the opener line is still code; <<< and $((1 << n)) open nothing', () => {
    expect(comments('shell', ['cat <<EOF >f # a', '# b', 'EOF', '# c'])).toEqual(['# a', '', '', '# c']);
    expect(comments('shell', ["x <<-'T'", '\t# b', '\tT', '# c'])).toEqual(['', '', '', '# c']);
    expect(comments('shell', ['a <<< "x" # a', 'echo $((1 << n)) # b', '# c'])).toEqual(['# a', '# b', '# c']);
    // Inside quotes, << is text.
    expect(comments('shell', ['echo "<<EOF" # a', '# b'])).toEqual(['# a', '# b']);
  });

  test('YAML block scalars: their text keeps # comments (the embedded format reads them so), and a template comment in them is one', () => {
    expect(comments('yaml', ['run.sh: |', '  # b', '  curl x # c', 'd: 1 # e'])).toEqual(['', '# b', '# c', '# e']);
    expect(comments('helm', ['a: |', '{{- if .x }}', '  b {{/* c */}}', '{{- end }}'])).toEqual(['', '', '{{/* c */', '']);
  });
});

describe('kdiag-ignore parsing', () => {
  test('reason, codes, comment closers', () => {
    expect(parseSuppression('# kdiag-ignore: lab switch')).toEqual({ index: 2, reason: 'lab switch' });
    expect(parseSuppression('// kdiag-ignore hardcoded-pod-ip, hardcoded-service-ip: fixture')).toEqual({
      index: 3,
      codes: ['hardcoded-pod-ip', 'hardcoded-service-ip'],
      reason: 'fixture',
    });
    expect(parseSuppression('/* kdiag-ignore: x */')).toEqual({ index: 3, reason: 'x' });
    expect(parseSuppression('{{/* kdiag-ignore */}}')).toEqual({ index: 5, reason: '' });
    expect(parseSuppression('# kdiag-ignore')).toEqual({ index: 2, reason: '' });
    expect(parseSuppression('# not-kdiag-ignore: x')).toBeUndefined();
  });
});

describe('FileLinter', () => {
  const settings: LintSettings = { strict: false, includeComments: false, ranges: defaultRanges(), allow: [], disabled: new Set() };
  test('columns count code points; findings carry ip, code and severity', () => {
    const l = new FileLinter('yaml', settings);
    expect(l.line('名前: "10.42.0.1"', false).map((f) => [f.column, f.endColumn, f.ip, f.code, f.severity])).toEqual([
      // In k3s's default pod range only: a guess, so a warning.
      [6, 15, '10.42.0.1', 'hardcoded-pod-ip', 'warning'],
    ]);
    // A surrogate pair before the address is one column; a zone id is part of the literal's span.
    expect(l.line('x: "😀 [fe80::1%eth0]:80"', false).map((f) => [f.column, f.endColumn, f.ip])).toEqual([[8, 20, 'fe80::1%eth0']]);
  });
  test('a suppression covers its own line and the next fed line only when that line follows it', () => {
    const l = new FileLinter('yaml', settings);
    expect(l.line('# kdiag-ignore: ok', false)).toEqual([]);
    expect(l.line('a: 10.42.0.1', true)).toEqual([]);
    expect(l.line('# kdiag-ignore: ok', false)).toEqual([]);
    expect(l.line('b: 10.42.0.2', false).map((f) => f.ip)).toEqual(['10.42.0.2']);
  });
  test('classification is worked out per /16 only where no narrower range splits the /16', () => {
    // The words each address gets, classified one by one by a fresh engine (no cache shared with the others)...
    const alone = (ip: string, s: LintSettings) =>
      new FileLinter('yaml', { ...s, ranges: [...s.ranges] }).line(`a: ${ip}`, false).map((f) => [f.code, f.message]);
    // ...must be what one engine gives for the same addresses in a row, in either order.
    const user = { ...settings, strict: true, ranges: [...defaultRanges(), ...namedRanges(['10.7.16.0/20'], 'pod', '--pod-cidr')] };
    const ips = [
      '10.152.183.7', // MicroK8s' Service range is a /24
      '10.152.7.7',
      '10.7.20.1', // a /20 pod range of the user
      '10.7.99.1',
      '192.0.2.10', // a documentation range (reported with --strict)
      '192.0.3.10',
      '192.168.1.1',
      '192.168.200.1',
      '10.244.1.1', // a /16 default pod range
      '10.245.1.1',
    ];
    const expected = ips.map((ip) => alone(ip, user));
    expect(new Set(expected.map((e) => e[0]![0])).size).toBeGreaterThan(2);
    for (const order of [ips, [...ips].reverse()]) {
      const l = new FileLinter('yaml', user);
      const got = order.map((ip) => l.line(`a: ${ip}`, false).map((f) => [f.code, f.message]));
      expect(order === ips ? got : [...got].reverse()).toEqual(expected);
    }
    expect(alone('10.152.183.7', user)[0]![1]).toContain("MicroK8s's default Service range");
    expect(alone('10.152.7.7', user)[0]![1]).toContain('(RFC 1918)');
    expect(alone('10.7.20.1', user)[0]![1]).toContain('10.7.16.0/20 (from --pod-cidr)');
    expect(alone('192.0.2.10', user)[0]![1]).toContain('documentation range');
  });
  test('allow list and disabled codes', () => {
    const l = new FileLinter('yaml', { ...settings, allow: [[defaultRanges()[0]!.net, 16]], disabled: new Set(['hardcoded-public-ip']) });
    expect(l.line('a: [10.244.0.9, 8.8.8.8, 10.42.0.1]', false).map((f) => f.ip)).toEqual(['10.42.0.1']);
  });
});
