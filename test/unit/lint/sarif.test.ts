import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildSarif, repositoryWebUrl } from '../../../src/output/sarif.js';
import { LINT_ENTRIES as LINT_CATALOGUE } from '../../../src/core/lint/catalogue.js';
import type { Finding } from '../../../src/core/finding.js';
import { ROOT } from '../../helpers/bundle.js';

// The official SARIF 2.1.0 schema (rtm.5, the OASIS standard's final JSON schema) as shipped in
// @microsoft/jest-sarif. It is draft-04: ajv 8 reads it once `id` is spelled `$id` and `$schema` is dropped.
const require = createRequire(import.meta.url);
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const raw = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
const { $schema: _draft, id, ...rest } = raw;
const schema = { $id: id as string, ...rest };

// unicodeRegExp off: the schema's language pattern has a stray `]` that only the u flag rejects.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false });
// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const addFormats = (formats as unknown as { default: (a: Ajv) => void }).default ?? (formats as unknown as (a: Ajv) => void);
addFormats(ajv);
const validate = ajv.compile(schema);

const finding = (file: string, line: number, code: string, sev: Finding['severity'], excerpt: string): Finding => ({
  code,
  severity: sev,
  message: `hard-coded IP on line ${line}`,
  evidence: [{ kind: 'line', value: excerpt }],
  hint: 'use a DNS name',
  location: { file, line, column: 5, endColumn: 15 },
});

describe('SARIF 2.1.0', () => {
  const findings = [
    finding('deploy/app.yaml', 3, 'hardcoded-pod-ip', 'error', 'value: "10.244.1.7"'),
    finding('deploy/app.yaml', 9, 'hardcoded-pod-ip', 'error', 'value: "10.244.1.7"'),
    finding('src/a b.ts', 1, 'hardcoded-public-ip', 'warning', 'const x = "8.8.8.8"'),
    finding('a.yaml', 2, 'suppression-without-reason', 'info', '# kdiag-ignore'),
  ];
  const log = buildSarif(findings, { tool: { name: 'kdiag', version: '1.2.3' }, catalogue: LINT_CATALOGUE, srcRoot: '/work/repo' });

  test('validates against the official schema', () => {
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('a broken log fails the schema (the validation can fail)', () => {
    const broken = JSON.parse(JSON.stringify(log)) as { runs: { results: { level: string }[] }[] };
    broken.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(broken)).toBe(false);
  });

  test('rules come from the catalogue with stable ruleIds; results point at them', () => {
    const run = log.runs[0]!;
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(LINT_CATALOGUE.map((e) => e.code));
    expect(run.tool.driver.rules![0]!.defaultConfiguration!.level).toBe('error');
    expect(run.results!.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ['hardcoded-pod-ip', 0, 'error'],
      ['hardcoded-pod-ip', 0, 'error'],
      ['hardcoded-public-ip', 3, 'warning'],
      ['suppression-without-reason', 4, 'note'],
    ]);
  });

  test('relative URIs under SRCROOT, percent-encoded; region in code points', () => {
    const run = log.runs[0]!;
    expect(run.originalUriBaseIds).toEqual({ SRCROOT: { uri: 'file:///work/repo/' } });
    expect(run.columnKind).toBe('unicodeCodePoints');
    const loc = run.results![2]!.locations![0]!.physicalLocation!;
    expect(loc.artifactLocation).toEqual({ uri: 'src/a%20b.ts', uriBaseId: 'SRCROOT' });
    expect(loc.region).toEqual({ startLine: 1, startColumn: 5, endColumn: 15, snippet: { text: 'const x = "8.8.8.8"' } });
  });

  test('partialFingerprints are stable across line moves and tell repeated lines apart', () => {
    const fp = log.runs[0]!.results!.map((r) => r.partialFingerprints!['kdiagFindingHash/v1']);
    expect(fp[0]).toMatch(/^[0-9a-f]{32}:1$/);
    expect(fp[1]).toBe(fp[0]!.replace(/:1$/, ':2'));
    const moved = buildSarif([finding('deploy/app.yaml', 40, 'hardcoded-pod-ip', 'error', 'value: "10.244.1.7"')], {
      tool: { name: 'kdiag', version: '1.2.3' },
      catalogue: LINT_CATALOGUE,
    });
    expect(moved.runs[0]!.results![0]!.partialFingerprints!['kdiagFindingHash/v1']).toBe(fp[0]);
  });

  test('codes missing from the catalogue still get a rule', () => {
    const other = buildSarif([{ ...findings[0]!, code: 'rbac-partial', severity: 'info' }], {
      tool: { name: 'kdiag', version: '1' },
      catalogue: [],
    });
    expect(other.runs[0]!.tool.driver.rules).toEqual([{ id: 'rbac-partial', defaultConfiguration: { level: 'note' } }]);
    expect(validate(other)).toBe(true);
  });

  test('without a repository (package.json has none today) no rule has a helpUri', () => {
    for (const r of log.runs[0]!.tool.driver.rules!) expect([r.id, 'helpUri' in r]).toEqual([r.id, false]);
    const explicit = buildSarif(findings, { tool: { name: 'kdiag', version: '1.2.3' }, catalogue: LINT_CATALOGUE, repository: undefined });
    expect(explicit).toEqual(buildSarif(findings, { tool: { name: 'kdiag', version: '1.2.3' }, catalogue: LINT_CATALOGUE }));
  });

  test("with a repository each catalogue rule's helpUri is its docs/codes page at the version's tag", () => {
    const withRepo = buildSarif([...findings, { ...findings[0]!, code: 'not-in-catalogue' }], {
      tool: { name: 'kdiag', version: '1.2.3' },
      catalogue: LINT_CATALOGUE,
      srcRoot: '/work/repo',
      repository: 'git+https://github.com/example/kdiag.git',
    });
    const rules = withRepo.runs[0]!.tool.driver.rules!;
    expect(rules.map((r) => r.helpUri)).toEqual([
      ...LINT_CATALOGUE.map((e) => `https://github.com/example/kdiag/blob/v1.2.3/docs/codes/${e.code}.md`),
      undefined,
    ]);
    // The pages the URIs name exist in this tree (docs/codes is generated from the same catalogue).
    for (const e of LINT_CATALOGUE) expect([e.code, existsSync(join(ROOT, 'docs', 'codes', `${e.code}.md`))]).toEqual([e.code, true]);
    // Nothing else changes, and the log stays valid.
    const stripped = JSON.parse(JSON.stringify(withRepo)) as typeof withRepo;
    for (const r of stripped.runs[0]!.tool.driver.rules!) delete r.helpUri;
    expect(stripped.runs[0]!.tool.driver.rules!.slice(0, LINT_CATALOGUE.length)).toEqual(log.runs[0]!.tool.driver.rules);
    expect(validate(withRepo)).toBe(true);
  });

  test.each([
    ['git+https://github.com/example/kdiag.git', 'https://github.com/example/kdiag'],
    ['https://github.com/example/kdiag', 'https://github.com/example/kdiag'],
    ['https://gitlab.example.com/group/kdiag.git/', 'https://gitlab.example.com/group/kdiag'],
    ['git://github.com/example/kdiag.git', 'https://github.com/example/kdiag'],
    ['git+ssh://git@github.com/example/kdiag.git', 'https://github.com/example/kdiag'],
    ['git@github.com:example/kdiag.git', 'https://github.com/example/kdiag'],
    ['github:example/kdiag', 'https://github.com/example/kdiag'],
    ['example/kdiag', 'https://github.com/example/kdiag'],
    ['', undefined],
    [undefined, undefined],
    ['not a url', undefined],
    ['file:///srv/git/kdiag.git', undefined],
  ])('repository %p gives the web URL %p', (raw, web) => {
    expect(repositoryWebUrl(raw)).toBe(web);
  });
});
