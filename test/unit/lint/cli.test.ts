import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../../../src/cli.js';
import { createTestIo } from '../../helpers/io.js';

const FIXTURES = resolve('test/fixtures/lint');
const ANSI = /\u001b\[/;

async function lint(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = createTestIo();
  const code = await runCli(['lint', ...args], { io, env, cwd });
  return { code, out: io.stdout(), err: io.stderr() };
}

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-lint-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('kdiag lint: every file type', () => {
  const dir = join(FIXTURES, 'types');
  // [file, ip, line]: the one address each fixture must report; everything else in them is a comment or decoy.
  const expected: [string, string, number][] = [
    ['.env', '192.168.7.3', 2],
    ['Dockerfile', '10.3.3.3', 3],
    ['app.properties', '10.9.8.7', 2],
    ['app.py', '10.13.13.13', 3],
    ['app.yaml', '192.168.50.5', 3],
    ['charts/app/templates/cm.yaml', '10.11.11.11', 4],
    ['client.ts', '10.12.12.12', 1],
    ['conf.toml', '10.21.31.41', 2],
    ['config.json', '172.16.4.2', 2],
    ['db.ini', '10.20.30.40', 2],
    ['deploy.sh', '10.9.9.9', 3],
    ['docker-compose.yml', '10.4.4.4', 4],
    ['envoy.yaml', '10.7.7.7', 3],
    ['haproxy.cfg', '10.6.6.6', 2],
    ['main.tf', '10.8.8.8', 2],
    ['nginx/site.conf', '10.5.5.5', 3],
  ];

  test('-o json reports exactly one address per file, with 1-based positions', async () => {
    const r = await lint(dir, ['-o', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0); // private addresses are warnings; --fail-on defaults to error
    const doc = JSON.parse(r.out) as { schemaVersion: number; findings: Record<string, unknown>[] };
    expect(doc.schemaVersion).toBe(1);
    const want = expected.map(([file, ip, line]) => {
      const text = readFileSync(join(dir, file), 'utf8').split('\n')[line - 1]!;
      return { file, line, column: text.indexOf(ip) + 1, ip, code: 'hardcoded-private-ip', severity: 'warning' };
    });
    expect(doc.findings.map(({ file, line, column, ip, code, severity }) => ({ file, line, column, ip, code, severity }))).toEqual(want);
    expect(Object.keys(doc.findings[0]!)).toEqual([
      'file',
      'line',
      'column',
      'ip',
      'code',
      'severity',
      'message',
      'hint',
      'evidence',
      'location',
    ]);
    // The finding shape every command shares: the line as evidence, and the position as a location.
    const first = doc.findings[0] as unknown as { file: string; line: number; column: number; evidence: unknown; location: unknown };
    expect(first.location).toEqual({ file: first.file, line: first.line, column: first.column, endColumn: expect.any(Number) });
    expect(first.evidence).toEqual([{ kind: 'line', value: expect.any(String) }]);
  });

  test('--include-comments also reports addresses in comments of each syntax', async () => {
    const r = await lint(dir, ['-o', 'json', '--include-comments']);
    const ips = (JSON.parse(r.out) as { findings: { ip: string }[] }).findings.map((f) => f.ip);
    for (const ip of [
      '10.0.0.6',
      '10.9.8.6',
      '10.20.30.41',
      '10.0.0.9',
      '10.5.5.6',
      '10.6.6.7',
      '10.8.8.9',
      '10.9.9.8',
      '10.11.11.10',
      '10.12.12.13',
      '10.12.12.14',
      '10.13.13.12',
    ]) {
      expect(ips).toContain(ip);
    }
    expect(ips).toHaveLength(expected.length + 12);
  });

  test('text output: file:line:col code message, excerpt, hint; no ANSI escapes on a pipe', async () => {
    const r = await lint(dir, ['app.yaml'], { FORCE_COLOR: undefined });
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'app.yaml:3:13 hardcoded-private-ip warning: hard-coded private IP 192.168.50.5 (RFC 1918)',
        '    | value: "192.168.50.5" # the database',
        '    hint: use a DNS name (an ExternalName Service, or a setting) instead of the address; if it is intended, allow the range in .kdiag.yaml lint.allow',
        '',
        '0 errors, 1 warning, 0 info (1 file scanned)',
        '',
      ].join('\n'),
    );
    expect(r.out).not.toMatch(ANSI);
    expect(r.err).not.toMatch(ANSI);
  });

  test('colour only when the output stream wants it (the same run on a colour TTY has escapes)', async () => {
    // The coloured report imports chalk while the spinner's import of ora (which imports chalk too) may still be
    // in flight; Jest's vm modules then fail ("request for '#ansi-styles' is not in cache"), Node's loader does
    // not. Loading chalk first keeps this test about colour.
    await import('chalk');
    const io = createTestIo({ tty: true, color: true });
    const code = await runCli(['lint', 'app.yaml'], { io, env: {}, cwd: dir });
    if (code !== 0) console.log(io.stderr?.());
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(ANSI);
    const plain = await lint(dir, ['app.yaml', '-o', 'github']);
    expect(plain.out).not.toMatch(ANSI);
  });
});

describe('kdiag lint: classification, exit status and formats', () => {
  const dir = tmp({
    'deploy.yaml': 'a: 10.42.0.7\nb: 10.43.0.10\nc: 10.244.3.4\nd: 8.8.8.8\ne: 10.1.2.3\n',
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('defaults table: the message names the distributions whose default matched; a guess is a warning', async () => {
    const r = await lint(dir, ['-o', 'json']);
    // Addresses in distribution defaults only are guesses: warnings that keep their codes, and never fail CI.
    expect(r.code).toBe(0);
    const f = (JSON.parse(r.out) as { findings: { ip: string; code: string; severity: string; message: string }[] }).findings;
    expect(f.map((x) => [x.ip, x.code, x.severity])).toEqual([
      ['10.42.0.7', 'hardcoded-pod-ip', 'warning'],
      ['10.43.0.10', 'hardcoded-service-ip', 'warning'],
      ['10.244.3.4', 'hardcoded-pod-ip', 'warning'],
      ['8.8.8.8', 'hardcoded-public-ip', 'warning'],
      ['10.1.2.3', 'hardcoded-pod-ip', 'warning'],
    ]);
    const guess = ' (a guess: no pod range is known; give it with --pod-cidr)';
    expect(f[0]!.message).toBe(`hard-coded pod IP 10.42.0.7: in k3s's and RKE2's default pod range 10.42.0.0/16${guess}`);
    expect(f[2]!.message).toBe(
      `hard-coded pod IP 10.244.3.4: in kind's, minikube's and AKS kubenet's default pod range 10.244.0.0/16${guess}`,
    );
    expect(f[4]!.message).toBe(`hard-coded pod IP 10.1.2.3: in MicroK8s's default pod range 10.1.0.0/16${guess}`);
  });

  test('flags replace the defaults: --pod-cidr and --service-cidr', async () => {
    const r = await lint(dir, [
      '-o',
      'json',
      '--pod-cidr',
      '10.42.0.0/16',
      '--service-cidr',
      '10.43.0.0/16',
      '--service-cidr',
      'fd00::/108',
    ]);
    const f = (JSON.parse(r.out) as { findings: { ip: string; code: string; message: string }[] }).findings;
    expect(f.map((x) => [x.ip, x.code])).toEqual([
      ['10.42.0.7', 'hardcoded-pod-ip'],
      ['10.43.0.10', 'hardcoded-service-ip'],
      ['10.244.3.4', 'hardcoded-private-ip'],
      ['8.8.8.8', 'hardcoded-public-ip'],
      ['10.1.2.3', 'hardcoded-private-ip'],
    ]);
    expect(f[1]!.message).toBe('hard-coded Service IP 10.43.0.10: in the Service range 10.43.0.0/16 (from --service-cidr)');
  });

  test('--fail-on warning fails on public and private addresses too', async () => {
    const r = await lint(dir, ['-o', 'json', '--pod-cidr', '10.99.0.0/16', '--service-cidr', '10.98.0.0/16', '--fail-on', 'warning']);
    expect(r.code).toBe(1);
    const ok = await lint(dir, ['-o', 'json', '--pod-cidr', '10.99.0.0/16', '--service-cidr', '10.98.0.0/16']);
    expect(ok.code).toBe(0);
  });

  test('-o github prints workflow-command annotations', async () => {
    const r = await lint(dir, ['-o', 'github', 'deploy.yaml']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      "::warning file=deploy.yaml,line=1,col=4,endColumn=13,title=hardcoded-pod-ip::hard-coded pod IP 10.42.0.7: in k3s's and RKE2's default pod range 10.42.0.0/16 (a guess: no pod range is known; give it with --pod-cidr). pod IPs change on every restart: use the DNS name of a Service that selects the pod (<service>.<namespace>.svc.cluster.local)",
    );
    expect(lines[3]).toMatch(/^::warning file=deploy\.yaml,line=4,col=4,endColumn=11,title=hardcoded-public-ip::/);
  });

  test('.kdiag.yaml: podCidrs, serviceCidrs, allow, disable, ignorePaths', async () => {
    const d = tmp({
      '.kdiag.yaml':
        'lint:\n  podCidrs: [10.50.0.0/16]\n  serviceCidrs: [10.51.0.0/16]\n  allow: [8.8.8.0/24]\n  disable: [hardcoded-private-ip]\n  ignorePaths: ["legacy/**"]\n',
      'a.yaml': 'a: 10.50.1.1\nb: 10.51.1.1\nc: 8.8.8.8\nd: 192.168.1.1\n',
      'legacy/old.yaml': 'a: 10.50.9.9\n',
    });
    try {
      const r = await lint(d, ['-o', 'json']);
      const f = (JSON.parse(r.out) as { findings: { file: string; ip: string; code: string; message: string }[] }).findings;
      expect(f.map((x) => [x.file, x.ip, x.code])).toEqual([
        ['a.yaml', '10.50.1.1', 'hardcoded-pod-ip'],
        ['a.yaml', '10.51.1.1', 'hardcoded-service-ip'],
      ]);
      expect(f[0]!.message).toBe('hard-coded pod IP 10.50.1.1: in the pod range 10.50.0.0/16 (from .kdiag.yaml)');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('.kdiag.yaml with a bad CIDR is a usage error (exit 2)', async () => {
    const d = tmp({ '.kdiag.yaml': 'lint:\n  allow: [10.0.0/8]\n', 'a.yaml': 'a: 1\n' });
    try {
      const r = await lint(d, []);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^kdiag: \.kdiag\.yaml: invalid CIDR "10\.0\.0\/8" in lint\.allow\nhint: /);
      expect(r.out).toBe('');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('.kdiag.yaml with an unknown code in lint.disable is a usage error with a suggestion', async () => {
    const d = tmp({ '.kdiag.yaml': 'lint:\n  disable: [hardcoded-pubic-ip]\n', 'a.yaml': 'a: 1\n' });
    try {
      const r = await lint(d, []);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')[0]).toBe('kdiag: .kdiag.yaml: unknown finding code "hardcoded-pubic-ip" in lint.disable');
      expect(r.err.split('\n')[1]).toMatch(/^hint: did you mean "hardcoded-public-ip"\?/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('bad path and bad CIDR flag are usage errors with a hint and no stack trace', async () => {
    const a = await lint(dir, ['missing-folder']);
    expect(a.code).toBe(2);
    expect(a.err).toBe(
      'kdiag: path not found: missing-folder\nhint: kdiag lint takes files and folders that exist (default: the current folder)\n',
    );
    const b = await lint(dir, ['--pod-cidr', '10.0.0.0/40']);
    expect(b.code).toBe(2);
    expect(b.err).toBe('kdiag: invalid --pod-cidr "10.0.0.0/40"\nhint: give a CIDR such as 10.244.0.0/16 or fd00:10:244::/56\n');
  });

  test('no findings: exit 0 and a summary', async () => {
    const d = tmp({ 'ok.yaml': 'host: db.shop.svc.cluster.local\nversion: 1.2.3.4\n' });
    try {
      const r = await lint(d, []);
      expect(r.code).toBe(0);
      expect(r.out).toBe('no hard-coded IPs found (1 file scanned)\n');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('kdiag lint: suppression', () => {
  test('kdiag-ignore on the line or the line before, with codes; a missing reason is an info finding', async () => {
    const d = tmp({
      'a.yaml': [
        'a: 10.42.0.1 # kdiag-ignore: test fixture', // suppressed (same line)
        '# kdiag-ignore hardcoded-pod-ip: known pod', // suppresses the next line for that code only
        'b: 10.42.0.2',
        '# kdiag-ignore hardcoded-service-ip: wrong code',
        'c: 10.42.0.3', // still reported: the code does not match
        'd: 10.42.0.4 # kdiag-ignore', // suppressed, but no reason: info (it would cover the next line too)
        'x: y',
        'e: "kdiag-ignore: not a comment" 10.42.0.5', // a string is no suppression
        '',
      ].join('\n'),
    });
    try {
      const r = await lint(d, ['-o', 'json']);
      const f = (JSON.parse(r.out) as { findings: { line: number; column: number; code: string; severity: string }[] }).findings;
      expect(f.map((x) => [x.line, x.column, x.code, x.severity])).toEqual([
        [5, 4, 'hardcoded-pod-ip', 'warning'],
        [6, 16, 'suppression-without-reason', 'info'],
        [8, 34, 'hardcoded-pod-ip', 'warning'],
      ]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('kdiag lint -o sarif', () => {
  test('is written to stdout as one JSON document', async () => {
    const r = await lint(join(FIXTURES, 'types'), ['-o', 'sarif', 'app.yaml']);
    const log = JSON.parse(r.out) as {
      version: string;
      runs: {
        results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }[];
      }[];
    };
    expect(log.version).toBe('2.1.0');
    expect(
      log.runs[0]!.results.map((x) => [
        x.ruleId,
        x.locations[0]!.physicalLocation.artifactLocation.uri,
        x.locations[0]!.physicalLocation.artifactLocation.uriBaseId,
      ]),
    ).toEqual([['hardcoded-private-ip', 'app.yaml', 'SRCROOT']]);
  });
});
