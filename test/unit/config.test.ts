import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config-file.js';
import { parseConfig } from '../../src/config-parse.js';
import { UsageError } from '../../src/errors.js';

describe('.kdiag.yaml', () => {
  it('parses the documented keys', () => {
    const c = parseConfig(
      'lint:\n  allow: [10.0.0.0/8]\n  ignorePaths: ["legacy/**"]\n  disable: [hardcoded-public-ip]\nshell:\n  image: nicolaka/netshoot\n',
    );
    expect(c.lint).toEqual({ allow: ['10.0.0.0/8'], ignorePaths: ['legacy/**'], disable: ['hardcoded-public-ip'] });
    expect(c.shell?.image).toBe('nicolaka/netshoot');
  });

  it('rejects an unknown key, naming it', () => {
    expect(() => parseConfig('lint:\n  alow: []\n')).toThrow(UsageError);
    expect(() => parseConfig('lint:\n  alow: []\n')).toThrow(/unknown key "lint.alow"/);
    // An unknown top-level section is a warning, not an error: an older kdiag must read a newer config.
    const newer = parseConfig('forward:\n  address: 0.0.0.0\nlint:\n  allow: [10.0.0.0/8]\n', 'k.yaml');
    expect(newer.lint).toEqual({ allow: ['10.0.0.0/8'] });
    expect(newer).not.toHaveProperty('forward');
    expect(newer.warnings).toEqual(['k.yaml: unknown section "forward" ignored (a newer kdiag\'s, or a typo; known: lint, shell)']);
  });

  it('rejects wrong types and broken YAML with a line number', () => {
    expect(() => parseConfig('lint:\n  allow: 10.0.0.0/8\n')).toThrow(/must be a list of strings/);
    expect(() => parseConfig('lint: [\n', 'x.yaml')).toThrow(/^x\.yaml:\d+:\d+: invalid YAML: \S/);
    // The position is the one the parser reports, line and column.
    expect(() => parseConfig('lint:\n  allow: [10.0.0.0/8\n', 'k.yaml')).toThrow(/^k\.yaml:3:1: invalid YAML: /);
  });

  it('is found in a parent folder, the nearest winning', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kdiag-cfg-'));
    const deep = join(root, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(root, '.kdiag.yaml'), 'lint:\n  disable: [hardcoded-public-ip]\n');
    expect((await loadConfig(deep)).lint?.disable).toEqual(['hardcoded-public-ip']);
    writeFileSync(join(root, 'a', '.kdiag.yaml'), 'lint:\n  disable: [hardcoded-private-ip]\n');
    expect((await loadConfig(deep)).lint?.disable).toEqual(['hardcoded-private-ip']);
  });

  it('fails on a missing --config file with exit 2', async () => {
    await expect(loadConfig(tmpdir(), 'no-such-kdiag.yaml')).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('.kdiag.yaml that cannot be read', () => {
  it("is a usage error, not silently skipped for a parent's", async () => {
    const root = mkdtempSync(join(tmpdir(), 'kdiag-cfg-bad-'));
    const deep = join(root, 'a');
    mkdirSync(join(deep, '.kdiag.yaml'), { recursive: true }); // a folder where the file should be: EISDIR
    writeFileSync(join(root, '.kdiag.yaml'), 'lint:\n  disable: [hardcoded-public-ip]\n');
    await expect(loadConfig(deep)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('EISDIR') });
  });
});
