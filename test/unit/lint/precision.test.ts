import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli.js';
import { FileLinter, type LintSettings } from '../../../src/core/lint/engine.js';
import type { FileType } from '../../../src/core/lint/comments.js';
import { defaultRanges } from '../../../src/core/lint/ranges.js';
import { declarations, yamlParent } from '../../../src/core/lint/context.js';
import { detectFileType } from '../../../src/lint/filetype.js';
import { isTestPath } from '../../../src/lint/walk.js';
import { createTestIo } from '../../helpers/io.js';

// Precision on real repositories (issue 13): severity from knowledge, ranges declared in the tree, test paths,
// and the contexts that say "not an address" or "not configuration". Every fixture here is written for this test.

const settings: LintSettings = { strict: false, includeComments: false, ranges: defaultRanges(), allow: [], disabled: new Set() };

/** The addresses reported on one line of a file of `type`. */
function reported(text: string, type: FileType = 'yaml'): string[] {
  return new FileLinter(type, settings)
    .line(text, false)
    .filter((f) => f.ip !== undefined && !f.code.startsWith('#'))
    .map((f) => f.ip!);
}

/** The addresses reported over a whole file, fed line by line (every line, as the oracle does). */
function reportedFile(text: string, type: FileType): string[] {
  const linter = new FileLinter(type, settings);
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const f of linter.line(line, i > 0)) if (f.ip !== undefined && !f.code.startsWith('#')) out.push(f.ip);
  });
  return out;
}

async function lint(cwd: string, args: string[]) {
  const io = createTestIo();
  const code = await runCli(['lint', ...args], { io, env: {}, cwd });
  return { code, out: io.stdout(), err: io.stderr() };
}

function tmp(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-lint-precision-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

type JsonFinding = {
  file: string;
  ip?: string;
  code: string;
  severity: string;
  message: string;
  evidence: { kind: string; value: string }[];
};
const findingsOf = (out: string) => (JSON.parse(out) as { findings: JsonFinding[] }).findings;

describe('severity comes from knowledge, not guesses', () => {
  test('an address in a distribution default range only is a warning that keeps its code and names the guess', async () => {
    const dir = tmp({ 'app.yaml': 'upstream: http://10.244.3.9:8080\nsvc: 10.96.10.10\n' });
    const r = await lint(dir, ['-o', 'json']);
    expect(r.code).toBe(0); // a guess never fails CI
    const [pod, svc] = findingsOf(r.out);
    expect([pod!.code, pod!.severity]).toEqual(['hardcoded-pod-ip', 'warning']);
    expect([svc!.code, svc!.severity]).toEqual(['hardcoded-service-ip', 'warning']);
    expect(pod!.message).toContain('a guess');
    const range = pod!.evidence.find((e) => e.kind === 'range')!;
    expect(range.value).toMatch(/^guessed: .*kind.*10\.244\.0\.0\/16/);
  });

  test('the same address in a range given by a flag is an error', async () => {
    const dir = tmp({ 'app.yaml': 'upstream: http://10.244.3.9:8080\n' });
    const r = await lint(dir, ['-o', 'json', '--pod-cidr', '10.244.0.0/16']);
    expect(r.code).toBe(1);
    const [f] = findingsOf(r.out);
    expect([f!.code, f!.severity]).toEqual(['hardcoded-pod-ip', 'error']);
    expect(f!.evidence.find((e) => e.kind === 'range')!.value).toContain('--pod-cidr');
  });

  test('a range declared in the scanned tree makes an error, with the file and line in the evidence', async () => {
    const dir = tmp({
      'cluster/kubeadm.yaml': [
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: ClusterConfiguration',
        'networking:',
        '  podSubnet: 10.32.0.0/12',
        '  serviceSubnet: "10.100.0.0/16"',
        '',
      ].join('\n'),
      'deploy/app.yaml': 'db: 10.33.1.2\ncache: 10.100.4.4\nother: 10.244.1.1\n',
    });
    const r = await lint(dir, ['-o', 'json']);
    expect(r.code).toBe(1);
    const fs = findingsOf(r.out).map((f) => [f.ip, f.code, f.severity, f.evidence.find((e) => e.kind === 'range')?.value]);
    expect(fs).toEqual([
      ['10.33.1.2', 'hardcoded-pod-ip', 'error', 'the pod range 10.32.0.0/12 (from cluster/kubeadm.yaml:4)'],
      ['10.100.4.4', 'hardcoded-service-ip', 'error', 'the Service range 10.100.0.0/16 (from cluster/kubeadm.yaml:5)'],
      // The declared pod range replaces the guessed defaults: 10.244.0.0/16 is no pod range here.
      ['10.244.1.1', 'hardcoded-private-ip', 'warning', undefined],
    ]);
  });

  test('declarations: kubeadm, kind, k3s, kubespray, Terraform, Helm values and apiserver flags; a templated value declares nothing', () => {
    expect(declarations('  podSubnet: 10.244.0.0/16,fd00:10:244::/56')).toEqual([
      { kind: 'pod', cidr: '10.244.0.0/16' },
      { kind: 'pod', cidr: 'fd00:10:244::/56' },
    ]);
    expect(declarations('cluster-cidr: "10.42.0.0/16"')).toEqual([{ kind: 'pod', cidr: '10.42.0.0/16' }]);
    expect(declarations('service-cidr: 10.43.0.0/16')).toEqual([{ kind: 'service', cidr: '10.43.0.0/16' }]);
    expect(declarations('kube_service_addresses: 10.233.0.0/18')).toEqual([{ kind: 'service', cidr: '10.233.0.0/18' }]);
    expect(declarations('kube_pods_subnet: 10.233.64.0/18')).toEqual([{ kind: 'pod', cidr: '10.233.64.0/18' }]);
    expect(declarations('  service_ipv4_cidr = "172.21.0.0/16"')).toEqual([{ kind: 'service', cidr: '172.21.0.0/16' }]);
    expect(declarations('  cluster_ipv4_cidr = "10.8.0.0/14"')).toEqual([{ kind: 'pod', cidr: '10.8.0.0/14' }]);
    expect(declarations('  --service-cluster-ip-range=10.32.0.0/24 \\')).toEqual([{ kind: 'service', cidr: '10.32.0.0/24' }]);
    expect(declarations('  serviceCIDR: 10.97.0.0/16')).toEqual([{ kind: 'service', cidr: '10.97.0.0/16' }]);
    expect(declarations('  podSubnet: {{ .Values.podSubnet | default "10.244.0.0/16" }}')).toEqual([]);
    expect(declarations('  pod_cidr = "${var.pod_cidr}"')).toEqual([]);
    expect(declarations('  subnet: 10.0.0.0/16')).toEqual([]);
  });
});

describe('test paths', () => {
  test('test folders and files are skipped and counted; --include-tests and lint.includeTests scan them', async () => {
    const files = {
      'app.yaml': 'a: 192.168.40.1\n',
      'testdata/x.yaml': 'a: 192.168.40.2\n',
      'pkg/server_test.go': 'var a = "192.168.40.3"\n',
      'web/app.spec.ts': 'const a = "192.168.40.4";\n',
      'web/fixture/f.json': '{"a": "192.168.40.5"}\n',
      'py/test_api.py': 'A = "192.168.40.6"\n',
      'chart/Chart.yaml': 'name: x\n',
      'chart/ci/values.yaml': 'a: 192.168.40.7\n',
    };
    const dir = tmp(files);
    const plain = await lint(dir, []);
    expect(plain.out).toContain('192.168.40.1');
    expect(plain.out).not.toContain('192.168.40.2');
    expect(plain.out).toMatch(/\(2 files scanned, 6 test files skipped \(--include-tests\)\)/);
    const all = await lint(dir, ['-o', 'json', '--include-tests']);
    expect(
      findingsOf(all.out)
        .map((f) => f.ip)
        .sort(),
    ).toEqual(['192.168.40.1', '192.168.40.2', '192.168.40.3', '192.168.40.4', '192.168.40.5', '192.168.40.6', '192.168.40.7'].sort());
    const withConfig = tmp({ ...files, '.kdiag.yaml': 'lint:\n  includeTests: true\n' });
    expect(findingsOf((await lint(withConfig, ['-o', 'json'])).out)).toHaveLength(7);
    const bad = tmp({ '.kdiag.yaml': 'lint:\n  includeTests: yes please\n' });
    const r = await lint(bad, []);
    expect(r.code).toBe(2);
    expect(r.err).toContain('"lint.includeTests" must be true or false');
  });

  test('a file named on the command line is scanned even under a test path', async () => {
    const dir = tmp({ 'tests/x.yaml': 'a: 192.168.40.2\n' });
    const r = await lint(dir, ['-o', 'json', 'tests/x.yaml']);
    expect(findingsOf(r.out).map((f) => f.ip)).toEqual(['192.168.40.2']);
  });

  test('the test-path rule', () => {
    for (const p of [
      'test/a.yaml',
      'a/tests/b.go',
      'x/__tests__/y.ts',
      'testdata/z',
      'fixtures/a.json',
      'fixture/b',
      'spec/c.rb',
      'a_test.go',
      'a.test.ts',
      'a.spec.js',
      'b_test.py',
      'test_b.py',
    ]) {
      expect([p, isTestPath(p)]).toEqual([p, true]);
    }
    for (const p of ['src/app.ts', 'contest/a.yaml', 'latest.yaml', 'testament.go', 'specs.yaml'])
      expect([p, isTestPath(p)]).toEqual([p, false]);
  });

  test('a binary file named on the command line is said to be skipped, and why', async () => {
    const dir = tmp({ 'blob.bin': Buffer.from([0x31, 0x30, 0x2e, 0x30, 0x00, 0x01]) });
    const r = await lint(dir, ['blob.bin']);
    expect(r.err).toContain('skipping blob.bin: a binary file (it holds NUL bytes)');
  });
});

describe('not addresses, not configuration', () => {
  test.each([
    ['fixed by design: cloud metadata', 'url: http://169.254.169.254/latest/meta-data'],
    ['fixed by design: ECS task metadata', 'ECS_URI=http://169.254.170.2/v2'],
    ['fixed by design: NodeLocal DNSCache', '  - 169.254.20.10'],
    ['fixed by design: AWS IPv6 metadata', 'endpoint: "[fd00:ec2::254]"'],
    ['placeholder counting up', 'server: 2.4.6.8'],
    ['placeholder counting down', 'server: 9.8.7.6'],
    ['a section number', 'see: https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.3'],
    ['a User-Agent product token', 'ua: "Mozilla/5.0 (X11) Chrome/120.0.0.0 Safari/537.36"'],
    ['a regular expression', 'pattern: "^2\\\\d{3}(?::2\\\\d{3}|$)"'],
    ['an OID by its key', 'oid: 2.5.4.3'],
    ['SVG path data', '<path d="M2.5 3.5.5.5.5 1.1.1.1z"/>'],
    ['a description', '        description: For example `10.40.0.5:8080` is the upstream.'],
    ['a help string', '  help: "address of the upstream"  # 10.3.3.3 in a comment'],
    ['e.g. in a string', 'flag.String("upstream", "", "the upstream, e.g. https://192.168.99.100:8443")'],
    ['such as in a string', 'msg = "a host such as 10.20.30.40"'],
    ['a CIDR list item with host bits', '  - 10.10.10.0/19'],
    ['a range key with host bits', 'sourceRanges: 10.1.2.3/8'],
    ['fe00::/9 in /etc/hosts', 'fe00::0 ip6-localnet'],
  ])('%s', (_what, line) => {
    const type: FileType = line.startsWith('flag.') || line.startsWith('msg') ? 'c-like' : line.startsWith('<path') ? 'markup' : 'yaml';
    expect(reported(line, type)).toEqual([]);
  });

  test.each([
    ['other link-local addresses stay warnings', 'peer: 169.254.10.1', '169.254.10.1'],
    ['a /32 host route to a routable address', 'route: 10.9.9.9/32', '10.9.9.9'],
    ['an interface address outside lists and range keys', 'address: 10.0.0.7/24', '10.0.0.7'],
    ['an address-naming key wins over a version-like substring', 'version_server_ip: 192.168.0.13', '192.168.0.13'],
    ['a one-letter key', 'v: 192.168.0.5', '192.168.0.5'],
    ['1.1.1.1 is a resolver, not a placeholder', 'dns: 1.1.1.1', '1.1.1.1'],
  ])('%s', (_what, line, ip) => {
    expect(reported(line)).toEqual([ip]);
  });

  test('a YAML block scalar under a prose key is text; under another key it is read', () => {
    const crd = [
      'spec:',
      '  description: |-',
      '    The upstream, for instance 10.44.0.5.',
      '    More text.',
      'data:',
      '  script: |',
      '    curl http://10.44.0.6/',
    ].join('\n');
    const buf = Buffer.from(crd);
    const lineStart = (n: number) => crd.split('\n').slice(0, n).join('\n').length + (n > 0 ? 1 : 0);
    expect(yamlParent(buf, lineStart(2), 0)).toEqual({ key: 'description', block: true });
    expect(yamlParent(buf, lineStart(6), 0)).toEqual({ key: 'script', block: true });
    const list = Buffer.from('cidrBlocks:\n- 10.10.10.0/19\n');
    expect(yamlParent(list, 12, 0)).toEqual({ key: 'cidrBlocks', block: false });
  });
});

describe('not addresses: the tail of a templated IPv6 address', () => {
  test('`${NET}::20` and `{{ .net }}::1` are fragments; a whole literal next to them is still reported', () => {
    expect(reported('DNS="${LAB_NET}:${SVC_NET}::20"', 'shell')).toEqual([]);
    expect(reported('resolver: {{ .Values.ula }}::1')).toEqual([]);
    expect(reported('resolver: fd12:3456:789a::1 # {{ x }}')).toEqual(['fd12:3456:789a::1']);
  });
});

describe('lexing: strings that span lines', () => {
  test('a URL in a Go raw string or a JS template literal is not a comment', () => {
    expect(reportedFile('const u = `\nhttps://10.7.7.7:8443\n`\n', 'c-like')).toEqual(['10.7.7.7']);
    expect(reportedFile('const cfg = `\n  upstream: http://10.7.7.8:80 // not a comment\n`;\n', 'c-like')).toEqual(['10.7.7.8']);
  });
});

describe('file types', () => {
  test.each([
    ['monitoring/targets.jsonnet', 'jsonnet'],
    ['lib/k.libsonnet', 'jsonnet'],
    ['roles/x/templates/app.conf.j2', 'jinja'],
    ['tmpl/app.yaml.tmpl', 'helm'],
    ['helmfile.d/values.gotmpl', 'helm'],
    ['deploy/hosts', 'ini'],
    ['inventory/production', 'ini'],
    ['site.inventory', 'ini'],
    ['.env.example', 'env'],
    ['etc/app.service', 'ini'],
    ['Caddyfile', 'shell'],
    ['schema/app.cue', 'c-like'],
    ['flake/default.nix', 'nix'],
  ])('%s is read as %s', (path, type) => {
    expect(detectFileType(path)).toBe(type);
  });

  test('jsonnet targets are found; its comments are not', () => {
    expect(reportedFile("{\n  targets: ['10.240.0.65:5000'],\n  // was 10.240.0.66\n}\n", 'jsonnet')).toEqual(['10.240.0.65']);
  });

  test('Nix: `//` is an operator, `#` a comment', () => {
    expect(reportedFile('{ a = x // { host = "10.5.5.5"; }; } # 10.5.5.6\n', 'nix')).toEqual(['10.5.5.5']);
  });

  test('Jinja comments are not read', () => {
    expect(reportedFile('{# upstream 10.6.6.1 #}\nupstream: 10.6.6.2\n', 'jinja')).toEqual(['10.6.6.2']);
  });
});
