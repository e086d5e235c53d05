import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRanges } from '../../../src/core/lint/ranges.js';
import { FileLinter, type LintSettings } from '../../../src/core/lint/engine.js';
import { FileScanner } from '../../../src/lint/scan-file.js';
import { walk, type WalkStats } from '../../../src/lint/walk.js';
import { detectFileType, detectFileTypeOf } from '../../../src/lint/filetype.js';
import { runCli } from '../../../src/cli.js';
import { createTestIo } from '../../helpers/io.js';

const settings: LintSettings = { strict: false, includeComments: false, ranges: defaultRanges(), allow: [], disabled: new Set() };

function tmp(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-lint-files-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function walkAll(cwd: string, roots: string[] = ['.']): { files: string[]; stats: WalkStats; warnings: string[] } {
  const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnknownType: 0, skippedTests: 0 };
  const warnings: string[] = [];
  const files = [...walk({ cwd, roots, warn: (m) => warnings.push(m) }, stats)].map((e) => e.rel);
  return { files, stats, warnings };
}

/** A file's name, type, text and expected findings as [line, ip or code]. */
type FileCase = [string, Parameters<FileScanner['scan']>[1], string, [number, string][]];

/** Scans each case's file in chunks of `chunkSize` bytes and of 64 KiB, and expects its findings both times. */
function expectFindings(cases: readonly FileCase[], chunkSize: number): void {
  for (const [name, type, text, expected] of cases) {
    const dir = tmp({ [name]: text });
    try {
      for (const size of [chunkSize, 1 << 16]) {
        const r = new FileScanner(size).scan(join(dir, name), type, settings);
        expect([name, size, r.findings.map((f) => [f.line, f.ip ?? f.code])]).toEqual([name, size, expected]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

describe('file types', () => {
  test.each([
    ['deploy/app.yaml', 'yaml'],
    ['docker-compose.yml', 'compose'],
    ['compose.prod.yaml', 'compose'],
    ['envoy/envoy.yaml', 'envoy'],
    ['charts/x/templates/deploy.yaml', 'helm'],
    ['charts/x/templates/_helpers.tpl', 'helm'],
    ['a.json', 'json'],
    ['tsconfig.jsonc', 'jsonc'],
    ['.env', 'env'],
    ['.env.production', 'env'],
    ['app.properties', 'properties'],
    ['my.ini', 'ini'],
    ['pyproject.toml', 'toml'],
    ['Dockerfile', 'dockerfile'],
    ['Dockerfile.dev', 'dockerfile'],
    ['build.dockerfile', 'dockerfile'],
    ['nginx.conf', 'nginx'],
    ['nginx/conf.d/site.conf', 'nginx'],
    ['haproxy.cfg', 'haproxy'],
    ['main.tf', 'terraform'],
    ['prod.tfvars', 'terraform'],
    ['run.sh', 'shell'],
    ['src/a.ts', 'c-like'],
    ['main.go', 'c-like'],
    ['app.py', 'hash-code'],
    ['pom.xml', 'markup'],
    ['q.sql', 'sql'],
    ['Templates/x.YAML', 'helm'],
    ['a/sites-enabled/x.conf', 'nginx'],
    ['HAProxy/x.cfg', 'haproxy'],
  ])('%s is %s', (path, type) => {
    expect(detectFileType(path)).toBe(type);
    // The walk's variant, given the base name, agrees.
    expect(detectFileTypeOf(path, path.slice(path.lastIndexOf('/') + 1))).toBe(type);
  });
  test('unknown, generated and documentation files are skipped', () => {
    expect(detectFileType('README.md')).toBeUndefined();
    expect(detectFileType('package-lock.json')).toBeUndefined();
    expect(detectFileType('dist/app.min.js')).toBeUndefined();
    expect(detectFileType('data.csv')).toBeUndefined();
  });
  test('shebangs decide extensionless files', () => {
    expect(detectFileType('bin/deploy', '#!/usr/bin/env bash')).toBe('shell');
    expect(detectFileType('bin/tool', '#!/usr/bin/python3')).toBe('hash-code');
    expect(detectFileType('LICENSE', 'Apache License')).toBeUndefined();
  });
});

describe('walk', () => {
  test('honours .gitignore at every level, .kdiagignore, negations, and skips .git', () => {
    const dir = tmp({
      '.gitignore': 'gen/\n*.local.yaml\n',
      '.kdiagignore': 'fixtures/\n',
      'a.yaml': 'x',
      'b.local.yaml': 'x',
      'gen/c.yaml': 'x',
      'fixtures/d.yaml': 'x',
      'sub/.gitignore': '!keep.local.yaml\nsecret.yaml\n',
      'sub/keep.local.yaml': 'x',
      'sub/secret.yaml': 'x',
      'sub/e.yaml': 'x',
      '.git/config.yaml': 'x',
    });
    try {
      expect(walkAll(dir).files).toEqual(['a.yaml', 'sub/e.yaml', 'sub/keep.local.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('parent .gitignore files apply when a sub-folder is scanned inside a repository', () => {
    const dir = tmp({ '.git/HEAD': 'x', '.gitignore': 'deploy/gen/\n', 'deploy/a.yaml': 'x', 'deploy/gen/b.yaml': 'x' });
    try {
      expect(walkAll(dir, ['deploy']).files).toEqual(['deploy/a.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('never follows symlinks (so never out of the tree) and skips FIFOs without blocking', () => {
    const outside = tmp({ 'secret.yaml': 'a: 10.1.1.1\n' });
    const dir = tmp({ 'a.yaml': 'a: 10.2.2.2\n' });
    try {
      symlinkSync(join(outside, 'secret.yaml'), join(dir, 'link.yaml'));
      symlinkSync(outside, join(dir, 'linkdir'));
      execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
      const r = walkAll(dir);
      expect(r.files).toEqual(['a.yaml']);
      expect(r.stats).toEqual({ skippedSymlinks: 2, skippedSpecial: 1, skippedUnknownType: 0, skippedTests: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('FileScanner', () => {
  const scanner = new FileScanner();

  test('a file with a NUL byte is binary and reports nothing', () => {
    const dir = tmp({
      'bin.yaml': Buffer.concat([Buffer.from('a: 10.42.0.1\n'), Buffer.from([0, 1, 2]), Buffer.from('\nb: 10.42.0.2\n')]),
    });
    try {
      expect(scanner.scan(join(dir, 'bin.yaml'), 'yaml', settings)).toEqual({ findings: [], binary: true, bytes: 30 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('invalid UTF-8 makes a file binary', () => {
    const dir = tmp({
      'latin1.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x20, 0x31, 0x30, 0x2e, 0x34, 0x32, 0x2e, 0x30, 0x2e, 0x31, 0x0a]),
    });
    try {
      const r = scanner.scan(join(dir, 'latin1.yaml'), 'yaml', settings);
      expect(r.binary).toBe(true);
      expect(r.findings).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a binary tail after a text head (beyond the first chunk) still makes the file binary', () => {
    const small = new FileScanner(64);
    const dir = tmp({ 'x.yaml': Buffer.concat([Buffer.from('a: 10.42.0.1\n'.repeat(20)), Buffer.from([0])]) });
    try {
      expect(small.scan(join(dir, 'x.yaml'), 'yaml', settings).binary).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('line numbers and suppressions stay right across chunk boundaries; CRLF and a BOM are handled', () => {
    const lines = ['\uFEFFa: b\r'];
    for (let i = 2; i <= 40; i++) {
      if (i === 20)
        lines.push('# kdiag-ignore: next line is fine\r'); // covers line 21
      else if (i === 33)
        lines.push('# kdiag-ignore\r'); // covers line 34, reported for its missing reason
      else lines.push(i % 7 === 0 ? `h${i}: "10.42.0.${i}"\r` : i === 34 ? 'x: 10.42.0.34\r' : `k${i}: v${i}\r`);
    }
    const dir = tmp({ 'x.yaml': lines.join('\n') + '\n' });
    try {
      // Every chunk size puts the boundaries elsewhere, including between a suppression and its line (sizes
      // stay above the longest line, 35 bytes: longer lines are cut into pieces, tested below).
      for (const size of [36, 40, 44, 48, 52, 56, 60, 64, 72, 80, 96, 1 << 16]) {
        const r = new FileScanner(size).scan(join(dir, 'x.yaml'), 'yaml', settings);
        expect([size, r.findings.map((f) => [f.line, f.column, f.ip ?? f.code])]).toEqual([
          size,
          [
            [7, 6, '10.42.0.7'],
            [14, 7, '10.42.0.14'],
            [28, 7, '10.42.0.28'],
            [33, 3, 'suppression-without-reason'],
            [35, 7, '10.42.0.35'],
          ],
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a line longer than the chunk is cut between literals and columns keep counting', () => {
    const small = new FileScanner(64);
    const parts: string[] = [];
    for (let i = 0; i < 30; i++) parts.push(`"é${i}"`);
    const head = parts.join(', ');
    const line = `[${head}, "10.42.0.9"]`;
    const dir = tmp({ 'long.json': `${line}\n` });
    try {
      const r = small.scan(join(dir, 'long.json'), 'json', settings);
      expect(r.findings.map((f) => [f.line, f.column, f.ip])).toEqual([[1, [...line].indexOf('1', head.length) + 1, '10.42.0.9']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('lines whose addresses sit in a trailing comment are skipped without changing what is reported', () => {
    // Each case: file name, type, text, expected [line, ip or code]. The scanner skips a line undecoded when its
    // first address-like text lies in a trailing line comment; strings, marker rules (YAML `#` needs a blank
    // before it, .properties `#` only starts a line), block comments and suppressions must still behave.
    const cases: FileCase[] = [
      ['a.ts', 'c-like', 'a = 1 // mac 00:1a:2b:3c:4d:5e, 10.42.0.1\nb = "10.42.0.2" // 10.42.0.3\n', [[2, '10.42.0.2']]],
      ['b.ts', 'c-like', 's = "// not a comment 10.42.0.4"\nu = "http://x" // 10.42.0.5\n', [[1, '10.42.0.4']]],
      ['c.ts', 'c-like', '/* open\nx = 1 // 10.42.0.6\n*/ y = 2 // 10.42.0.7\nz = "10.42.0.8"\n', [[4, '10.42.0.8']]],
      ['d.ts', 'c-like', 'x = 1 /* a */ // 10.42.0.9\ny = 1 // kdiag-ignore\nz = "10.42.0.10"\n', [[2, 'suppression-without-reason']]],
      ['e.yaml', 'yaml', 'a: b#10.42.0.11\nc: d # 10.42.0.12\n', [[1, '10.42.0.11']]],
      ['f.properties', 'properties', 'a=b # 10.42.0.13\n# 10.42.0.14\n', [[1, '10.42.0.13']]],
    ];
    expectFindings(cases, 48);
  });

  test('a kdiag-ignore without a reason is reported only on or right above a line with an address, block comments included', () => {
    // Lines holding a block-comment delimiter are fed to the engine even without an address (they change its
    // state); their reason-less kdiag-ignore must count like a line comment's: only right above an address.
    const cases: FileCase[] = [
      ['alone.ts', 'c-like', '/* kdiag-ignore */\nconst a = 1;\n', []],
      ['alone-line.ts', 'c-like', '// kdiag-ignore\nconst a = 1;\n', []],
      ['above.ts', 'c-like', 'const x = 1; /* kdiag-ignore */\nconst ip = "10.42.0.1";\n', [[1, 'suppression-without-reason']]],
      ['gap.ts', 'c-like', '/* kdiag-ignore */\n\nconst ip = "10.42.0.2";\n', [[3, '10.42.0.2']]],
      // Above an address in a comment, as with a line comment's kdiag-ignore: nothing.
      ['above-comment.ts', 'c-like', 'x = 1; /* kdiag-ignore */\n// 10.42.0.4\n', []],
      ['above-comment-line.ts', 'c-like', 'x = 1; // kdiag-ignore\n// 10.42.0.4\n', []],
      ['helm.yaml', 'helm', '{{/* kdiag-ignore */}}\nname: x\n', []],
      ['helm-above.yaml', 'helm', '{{/* kdiag-ignore */}}\nhost: 10.42.0.3\n', [[1, 'suppression-without-reason']]],
    ];
    expectFindings(cases, 32);
  });

  test('comment lines are dropped in a first chunk without a block-comment opener, and looked at in later chunks', () => {
    // With 32-byte chunks: the first round (lines 1-2) has no `/*`, so its comment lines are dropped by the
    // kernel; the second (lines 3-4) opens a block comment; the third (line 5) has no opener, but the comment is
    // open, so its comment-looking line, which closes it and then holds an address, must still be looked at.
    const text = `// 10.42.0.1 x\na = "10.42.0.2"\n/* open\n${'b'.repeat(22)}\n// */ y = "10.42.0.3"\n// 10.42.0.4\n`;
    const dir = tmp({ 'a.ts': text });
    try {
      for (const size of [32, 1 << 16]) {
        const r = new FileScanner(size).scan(join(dir, 'a.ts'), 'c-like', settings);
        expect([size, r.findings.map((f) => [f.line, f.ip])]).toEqual([
          size,
          [
            [2, '10.42.0.2'],
            [5, '10.42.0.3'],
          ],
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('one scanner across file types: each file is scanned with its own comment syntax', () => {
    // `#` starts a comment in .env and Python files, not in TypeScript (a private name) or SQL; `--` in SQL only.
    const files: [string, Parameters<FileScanner['scan']>[1], string][] = [
      ['a.env', 'env', '# 10.1.0.1\nHOST=10.1.0.2\n'],
      ['b.ts', 'c-like', 'x.#a = "10.2.0.1"; # "10.2.0.2"\n// 10.2.0.3\ny = -- "10.2.0.4"\n'],
      ['c.py', 'hash-code', 'a = "10.3.0.1"  # 10.3.0.2\n// 10.3.0.3\n'],
      ['d.sql', 'sql', "select '10.4.0.1'; -- 10.4.0.2\n# '10.4.0.3'\n"],
      ['e.yaml', 'yaml', 'a: 10.5.0.1 # 10.5.0.2\nb: "x" // 10.5.0.3\n'],
    ];
    const dir = tmp(Object.fromEntries(files.map(([name, , text]) => [name, text])));
    try {
      const alone = files.map(([name, type]) => new FileScanner().scan(join(dir, name), type, settings).findings.map((f) => f.ip));
      // Each file reports something of its own, and not the addresses in its comments.
      expect(alone.every((ips) => ips.length > 0)).toBe(true);
      expect(alone.flat()).not.toContain('10.1.0.1');
      expect(alone.flat()).not.toContain('10.3.0.2');
      expect(alone.flat()).toContain('10.2.0.2');
      for (const order of [files, [...files].reverse(), [files[0]!, files[1]!, files[0]!, files[2]!, files[3]!, files[4]!, files[1]!]]) {
        const scanner = new FileScanner();
        for (const [name, type] of order) {
          const ips = scanner.scan(join(dir, name), type, settings).findings.map((f) => f.ip);
          expect([name, ips]).toEqual([name, alone[files.findIndex(([n]) => n === name)]]);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('block comments spanning lines hide addresses until they close', () => {
    const dir = tmp({ 'a.ts': 'const a = "/* not a comment */ 10.42.0.1";\n/* start\n10.42.0.2\nend */ const b = "10.42.0.3";\n' });
    try {
      const r = scanner.scan(join(dir, 'a.ts'), 'c-like', settings);
      expect(r.findings.map((f) => [f.line, f.ip])).toEqual([
        [1, '10.42.0.1'],
        [4, '10.42.0.3'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unreadable files', () => {
  test('a read error is reported on stderr and the scan goes on', async () => {
    const dir = tmp({ 'a.yaml': 'a: 10.42.0.1\n', 'b.yaml': 'b: 10.42.0.2\n', 'c.yaml': 'c: 10.42.0.3\n' });
    // Tests run as root, where chmod 000 does not stop a read: replace b.yaml, after the walk listed it, by a
    // folder of the same name (open succeeds, read fails with EISDIR), which is what a racing writer can do.
    const io = createTestIo();
    const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnknownType: 0, skippedTests: 0 };
    const entries = [...walk({ cwd: dir, roots: ['.'], warn: () => {} }, stats)];
    rmSync(join(dir, 'b.yaml'));
    mkdirSync(join(dir, 'b.yaml'));
    const scanner = new FileScanner();
    const found: string[] = [];
    for (const e of entries) {
      try {
        for (const f of scanner.scan(e.abs, e.type, settings).findings) found.push(`${e.rel}:${f.ip}`);
      } catch (err) {
        io.err.write(`cannot read ${e.rel}: ${(err as NodeJS.ErrnoException).code}\n`);
      }
    }
    expect(found).toEqual(['a.yaml:10.42.0.1', 'c.yaml:10.42.0.3']);
    expect(io.stderr()).toBe('cannot read b.yaml: EISDIR\n');
    rmSync(dir, { recursive: true, force: true });
  });

  test('through the CLI: an unreadable file is a warning on stderr, the others are scanned', async () => {
    const dir = tmp({ 'a.yaml': 'a: 10.42.0.1\n', 'b.yaml': 'b: 10.42.0.2\n' });
    try {
      const isRoot = process.getuid?.() === 0;
      if (isRoot) {
        // As root nothing is unreadable by mode; a file named on the command line that is a folder named like a
        // file is walked instead. Use an explicit FIFO path: lint refuses it without blocking.
        execFileSync('mkfifo', [join(dir, 'p.yaml')]);
      } else {
        execFileSync('chmod', ['000', join(dir, 'b.yaml')]);
      }
      const io = createTestIo();
      const code = await runCli(['lint', '-o', 'json', ...(isRoot ? ['p.yaml', 'a.yaml'] : ['.'])], { io, env: {}, cwd: dir });
      // 10.42.0.1 is in k3s's default pod range only: a guess, a warning (exit 0 with --fail-on error).
      expect(code).toBe(0);
      expect(io.stderr()).toBe(
        isRoot ? 'warning: skipping p.yaml: not a regular file or folder\n' : 'warning: cannot read b.yaml: EACCES; skipped\n',
      );
      const f = (JSON.parse(io.stdout()) as { findings: { file: string }[] }).findings;
      expect(f.map((x) => x.file)).toEqual(['a.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('file names that are Object.prototype keys (regression)', () => {
  it('a file named constructor or toString is not a known type, and nothing crashes', async () => {
    const { detectFileType } = await import('../../../src/lint/filetype.js');
    expect(detectFileType('src/constructor')).toBeUndefined();
    expect(detectFileType('toString')).toBeUndefined();
    expect(detectFileType('x.constructor')).toBeUndefined();
    expect(detectFileType('deploy/app.yaml')).toBe('yaml');
  });
});

describe('strings that span lines', () => {
  // Our own fixtures: a string carried across lines, per file type. Inside it `//` and `#` start no comment, `/*`
  // opens no block comment (what follows the string stays visible), and an address is found.
  test('Go raw strings and JS/TS template literals (backquotes)', () => {
    const cases: FileCase[] = [
      [
        'main.go',
        'c-like',
        'var cfg = `\nendpoint: https://10.61.0.1:8443 // kept\nglob: /*\n# 10.61.0.2\n`\nvar ip = "10.61.0.3" // 10.61.0.4\n',
        [
          [2, '10.61.0.1'],
          [4, '10.61.0.2'],
          [6, '10.61.0.3'],
        ],
      ],
      [
        'app.ts',
        'c-like',
        'const t = `line one\n  // 10.61.1.1 is text here\n  escaped \\` still inside /*\n  ${host}`; // 10.61.1.2\nconst u = "10.61.1.3";\n',
        [
          [2, '10.61.1.1'],
          [5, '10.61.1.3'],
        ],
      ],
      // A backquote inside a comment or a quoted string opens nothing.
      ['quoted.ts', 'c-like', 'const a = "`"; // `\nconst b = "10.61.2.1"; // 10.61.2.2\n', [[2, '10.61.2.1']]],
      // A backquote inside a regular-expression literal opens nothing.
      ['re.ts', 'c-like', "r = /[`'\"]/i; // 10.61.4.1\nconst ip = '10.61.4.2';\n", [[2, '10.61.4.2']]],
      // A real block comment still hides what it holds.
      ['block.go', 'c-like', '/* `\n10.61.3.1\n*/\nx := `10.61.3.2`\n', [[4, '10.61.3.2']]],
    ];
    expectFindings(cases, 40);
  });

  test('Python triple-quoted strings', () => {
    const cases: FileCase[] = [
      [
        'svc.py',
        'hash-code',
        'CONF = """\n# 10.62.0.1 is text in the string\nurl = "http://10.62.0.2"\n"""\nHOST = "10.62.0.3"  # 10.62.0.4\n',
        [
          [2, '10.62.0.1'],
          [3, '10.62.0.2'],
          [5, '10.62.0.3'],
        ],
      ],
      [
        'doc.py',
        'hash-code',
        "def f():\n    '''Docstring.\n    # 10.62.1.1\n    '''\n    # 10.62.1.2\n    return '10.62.1.3'\n",
        [
          [3, '10.62.1.1'],
          [6, '10.62.1.3'],
        ],
      ],
      // Opened and closed on one line: the comment after it is a comment.
      ['one.py', 'hash-code', 'A = """x"""  # 10.62.2.1\nB = "10.62.2.2"\n', [[2, '10.62.2.2']]],
    ];
    expectFindings(cases, 40);
  });

  test('HCL heredocs, <<EOF and <<-EOF', () => {
    const cases: FileCase[] = [
      [
        'main.tf',
        'terraform',
        'resource "a" "b" {\n  user_data = <<-EOT\n    # 10.63.0.1 in a script\n    curl http://10.63.0.2 // text\n    echo /*\n  EOT\n  ip = "10.63.0.3" # 10.63.0.4\n}\n',
        [
          [3, '10.63.0.1'],
          [4, '10.63.0.2'],
          [7, '10.63.0.3'],
        ],
      ],
      [
        'plain.tf',
        'terraform',
        'policy = <<EOF\n// 10.63.1.1\nEOF_NOT_YET\nEOF\n# 10.63.1.2\nx = "10.63.1.3"\n',
        [
          [2, '10.63.1.1'],
          [6, '10.63.1.3'],
        ],
      ],
    ];
    expectFindings(cases, 40);
  });

  test('shell heredocs: <<EOF, <<-EOF, quoted delimiters; not here-strings or shifts', () => {
    const sh = [
      '#!/bin/sh',
      'cat <<EOF > /etc/app.conf # 10.68.0.1',
      '# upstream 10.68.0.2',
      'server 10.68.0.3 // /* not a comment',
      'EOF',
      '# 10.68.0.4',
      "cat <<-'END' | kubectl apply -f -",
      '\t# 10.68.0.5',
      '\tEND',
      'echo $((1 << 2)) # 10.68.0.6',
      'cat <<< "10.68.0.7" # 10.68.0.8',
      'x=10.68.0.9',
      'tee <<"DONE"',
      '# 10.68.0.10',
      'DONE',
      '',
    ].join('\n');
    const cases: FileCase[] = [
      [
        'setup.sh',
        'shell',
        sh,
        [
          [3, '10.68.0.2'],
          [4, '10.68.0.3'],
          [8, '10.68.0.5'],
          [11, '10.68.0.7'],
          [12, '10.68.0.9'],
          [14, '10.68.0.10'],
        ],
      ],
      // BuildKit heredocs in a Dockerfile.
      [
        'Dockerfile',
        'dockerfile',
        'FROM alpine\nRUN <<EOF\n# 10.69.0.1\necho 10.69.0.2 > /x\nEOF\n# 10.69.0.3\nENV IP=10.69.0.4\n',
        [
          [3, '10.69.0.1'],
          [4, '10.69.0.2'],
          [7, '10.69.0.4'],
        ],
      ],
    ];
    expectFindings(cases, 40);
  });

  test('YAML block scalars: an address in their text is found; their # lines stay comments (of the embedded file)', () => {
    // A ConfigMap holding a shell script and a TOML file: their commented-out lines are comments there too.
    const yaml = [
      'kind: ConfigMap',
      'data:',
      '  run.sh: |',
      '    # fallback 10.65.0.1',
      '    curl http://10.65.0.2/ # 10.65.0.3',
      '  proxy.toml: >-',
      '    # host = "10.65.0.4:80"',
      '    host = "10.65.0.5:80"',
      '  plain: 10.65.0.6 # 10.65.0.7',
      '',
    ].join('\n');
    const helm = [
      'data:',
      '  config.yaml: |',
      '{{- if .Values.enabled }}',
      '    next: 10.66.0.3 {{/* 10.66.0.4',
      '  still a template comment 10.66.0.5 */}}',
      '{{- end }}',
      'ip: 10.66.0.9',
      '',
    ].join('\n');
    const cases: FileCase[] = [
      [
        'cm.yaml',
        'yaml',
        yaml,
        [
          [5, '10.65.0.2'],
          [8, '10.65.0.5'],
          [9, '10.65.0.6'],
        ],
      ],
      [
        'templates/cm.yaml',
        'helm',
        helm,
        [
          [4, '10.66.0.3'],
          [7, '10.66.0.9'],
        ],
      ],
      ['app.yaml.j2', 'jinja', 'server:\n  script: |\n    {# 10.67.0.2 #}\n    ip 10.67.0.1 # 10.67.0.3\n', [[4, '10.67.0.1']]],
    ];
    expectFindings(cases, 40);
  });

  test('the file scanner (kernel and line processor) reports what the engine fed every line reports', () => {
    // Generated files mixing multi-line strings, comments and addresses; every chunk size moves the round
    // boundaries. The oracle is the engine fed every line in order.
    let seed = 4242;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces: Record<string, string[]> = {
      'c-like': ['`', '`', '/*', '*/', '// ', '"', "'", 'x = ', '\\', ' ', '= /', '/'],
      'hash-code': ['"""', "'''", '# ', '"', "'", 'x = ', '\\', ' '],
      terraform: ['<<EOF', '<<-EOT', 'EOF', '  EOT', '/*', '*/', '# ', '// ', '"', 'x = ', ' '],
      shell: ['<<EOF', "<<-'EOT'", '<<<', '$((1 <<x))', 'EOF', '\tEOT', '# ', ' #', '"', "'", 'x=', ' ', '|'],
      yaml: ['key: |', '- >-', ': |2', '|', '>', '# ', ' #', '  ', '    ', '- ', 'k: ', '"', "'", ' '],
      helm: ['key: |', '- >-', '{{/*', '*/}}', '{{- /*', '{{ .x | quote }}', '{{- if x }}', '# ', '  ', '    ', '- ', 'k: ', ' '],
      jinja: ['key: |', '- >', '{#', '#}', '{% if x %}', '{{ x | d }}', '# ', '  ', '    ', 'k: ', ' '],
    };
    const names: Record<string, string> = {
      'c-like': 'a.ts',
      'hash-code': 'a.py',
      terraform: 'a.tf',
      shell: 'a.sh',
      yaml: 'a.yaml',
      helm: 'templates/a.yaml',
      jinja: 'a.yaml.j2',
    };
    const addrs = ['10.64.0.1', '10.64.1.2', 'fd00::7', '1.2.3'];
    let reportedTotal = 0;
    for (const type of Object.keys(pieces) as FileCase[1][]) {
      for (let file = 0; file < 30; file++) {
        const lines: string[] = [];
        for (let l = 0; l < 25; l++) {
          let s = '';
          // A line that is only a heredoc opener or closer, now and then, so that heredocs open and close.
          if (type === 'terraform' && rnd(5) === 0) s = ['x = <<EOF', 'EOF', 'y = <<-EOT', '  EOT'][rnd(4)]!;
          else if (type === 'shell' && rnd(5) === 0) s = ['cat <<EOF', 'EOF', "cat <<-'EOT' | x", '\tEOT'][rnd(4)]!;
          // A block scalar header at some depth, now and then, so that block scalars open and end.
          else if (type !== 'c-like' && type !== 'hash-code' && type !== 'terraform' && rnd(5) === 0)
            s = ' '.repeat(rnd(3) * 2) + ['a: |', '- |-', 'b: >2', '- c: |'][rnd(4)]!;
          else for (let k = rnd(5); k >= 0; k--) s += rnd(3) === 0 ? addrs[rnd(addrs.length)] : pieces[type]![rnd(pieces[type]!.length)];
          lines.push(s);
        }
        const text = lines.join('\n') + '\n';
        const linter = new FileLinter(type, settings);
        const expected: [number, string][] = [];
        lines.forEach((line, i) => {
          for (const f of linter.line(line, i > 0)) if (!f.code.startsWith('#')) expected.push([i + 1, f.ip ?? f.code]);
        });
        reportedTotal += expected.length;
        const dir = tmp({ [names[type]!]: text });
        try {
          for (const size of [64, 96, 1 << 16]) {
            const r = new FileScanner(size).scan(join(dir, names[type]!), type, settings);
            expect([text, size, r.findings.map((f) => [f.line, f.ip ?? f.code])]).toEqual([text, size, expected]);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    expect(reportedTotal).toBeGreaterThan(100);
  });
});
