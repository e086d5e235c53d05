import { makeFinding, publicEntry, severityFor } from '../../../src/core/catalogue.js';
import { ALL_ENTRIES } from '../../../src/core/catalogues.js';
import { GENERAL_CATALOGUE, GENERAL_EMITTERS } from '../../../src/core/general-catalogue.js';
import { FileLinter } from '../../../src/core/lint/engine.js';
import { LINT_CATALOGUE, LINT_CODES, LINT_INDEX, lintSeverity, type LintCode } from '../../../src/core/lint/catalogue.js';
import { defaultRanges, namedRanges } from '../../../src/core/lint/ranges.js';
import { SVC_CATALOGUE, SVC_REPORTED, SVC_STAGES, stageIndex } from '../../../src/core/svc/catalogue.js';
import { CHECKS, EXTERNAL_NAME_CHECKS, defineCheck, runCheck, type Analysis } from '../../../src/core/svc/checks/index.js';
import { finding } from '../../../src/core/svc/checks/check.js';
import { orderFindings } from '../../../src/core/svc/explain.js';
import { ROUTE_CATALOGUE } from '../../../src/core/route/catalogue.js';

// The catalogues drive what checks may emit, in which order findings are sorted, and which severities a code takes.

/** Every emitter of `kdiag svc` codes (checks and the general builders), with the codes it declares. */
const EMITTERS = [...CHECKS, ...EXTERNAL_NAME_CHECKS, ...GENERAL_EMITTERS];

describe('catalogue codes and their emitters', () => {
  test('every svc and general code is declared by exactly one check or builder', () => {
    const declared = new Map<string, string[]>();
    for (const e of EMITTERS) for (const c of e.codes) declared.set(c, [...(declared.get(c) ?? []), e.name]);
    const codes = SVC_REPORTED.map((e) => e.code);
    expect(codes.filter((c) => declared.get(c)?.length !== 1).map((c) => [c, declared.get(c) ?? []])).toEqual([]);
    expect([...declared.keys()].filter((c) => !codes.includes(c))).toEqual([]);
  });

  test('check names are unique', () => {
    const names = EMITTERS.map((e) => e.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  test('every lint code has a LINT_CODES name and a catalogue entry, one to one', () => {
    expect(Object.values(LINT_CODES).sort()).toEqual(LINT_CATALOGUE.map((e) => e.code).sort());
  });

  test('the lint engine gives each code the severity the catalogue says', () => {
    const settings = {
      strict: false,
      includeComments: false,
      ranges: [
        ...namedRanges(['10.244.0.0/16'], 'pod', '--pod-cidr'),
        ...namedRanges(['10.96.0.0/12'], 'service', '--service-cidr'),
        ...defaultRanges().filter((r) => r.cidr === '10.42.0.0/16'),
      ],
      allow: [],
      disabled: new Set<string>(),
    };
    const l = new FileLinter('yaml', settings);
    const lines = ['a: 10.244.1.2', 'b: 10.96.0.10', 'c: 192.168.1.1', 'd: 8.8.8.8', 'e: 8.8.4.4 # kdiag-ignore', 'f: 10.42.0.9'];
    const seen = lines.flatMap((line) => l.line(line, false)).map((f) => [f.code, f.severity, f.message]);
    expect(new Set(seen.map(([c]) => c))).toEqual(new Set(Object.values(LINT_CODES)));
    // Known ranges give the catalogue's default severity; a guessed one (10.42.0.0/16, k3s's default) a severity the
    // entry lists too (warning).
    for (const [code, severity, message] of seen) {
      if (message!.includes('a guess')) {
        expect([code, severity]).toEqual(['hardcoded-pod-ip', 'warning']);
        expect(LINT_INDEX.get(code!)!.severities).toContain('warning');
      } else expect([code, severity]).toEqual([code, lintSeverity(code as LintCode)]);
    }
    expect(seen.filter(([, , m]) => m!.includes('a guess'))).toHaveLength(1);
  });
});

describe('stages: the causal order, written once', () => {
  test('svc entries are listed in stage order, the general lookups first and access last', () => {
    const idx = SVC_REPORTED.map((e) => SVC_STAGES.indexOf(e.stage));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    expect(SVC_REPORTED.slice(0, 2).map((e) => e.code)).toEqual(['namespace-not-found', 'service-not-found']);
    expect(SVC_REPORTED.at(-1)!.code).toBe('rbac-partial');
  });

  test("each check's stage is its codes' catalogue stage", () => {
    for (const c of [...CHECKS, ...EXTERNAL_NAME_CHECKS]) {
      for (const code of c.codes) expect([c.name, SVC_REPORTED.find((e) => e.code === code)!.stage]).toEqual([c.name, c.stage]);
    }
  });

  test('defineCheck refuses a stage its codes do not have, and a check without codes', () => {
    expect(() => defineCheck({ name: 'wrong', codes: ['session-affinity'], stage: 'ports', run: () => [] })).toThrow(
      /stage ports but session-affinity is catalogued at traffic/,
    );
    expect(() => defineCheck({ name: 'none', codes: [], stage: 'ports', run: () => [] })).toThrow(/declares no code/);
  });

  test('orderFindings sorts by catalogue stage and refuses a code svc does not report', () => {
    const f = (code: string) => ({ code, severity: 'info' as const, message: '', evidence: [], hint: '' });
    expect(orderFindings([f('rbac-partial'), f('session-affinity'), f('no-selector'), f('service-not-found')]).map((x) => x.code)).toEqual([
      'service-not-found',
      'no-selector',
      'session-affinity',
      'rbac-partial',
    ]);
    expect(() => stageIndex('hardcoded-pod-ip')).toThrow(/does not report hardcoded-pod-ip/);
    expect(() => orderFindings([f('typo-code'), f('no-selector')])).toThrow(/typo-code/);
  });
});

describe('guards', () => {
  const a = {} as Analysis;

  test('a check emitting a code it does not declare fails', () => {
    const sneaky = defineCheck({
      name: 'sneaky',
      codes: ['session-affinity'],
      stage: 'traffic',
      run: () => [finding('load-balancer-pending', 'm', [], 'h')],
    });
    expect(() => runCheck(sneaky, a)).toThrow('check sneaky emitted load-balancer-pending, which it does not declare');
  });

  test('a check emitting its declared codes passes', () => {
    const honest = defineCheck({
      name: 'honest',
      codes: ['session-affinity'],
      stage: 'traffic',
      run: () => [finding('session-affinity', 'm', [], 'h')],
    });
    expect(runCheck(honest, a).map((f) => f.code)).toEqual(['session-affinity']);
  });

  test('a finding takes only the severities its entry lists, the first by default', () => {
    expect(finding('no-selector', 'm', [], 'h').severity).toBe('error');
    expect(finding('no-selector', 'm', [], 'h', undefined, 'info').severity).toBe('info');
    expect(() => finding('no-selector', 'm', [], 'h', undefined, 'warning')).toThrow('no-selector is never warning');
    expect(() => severityFor(GENERAL_CATALOGUE[2], 'error')).toThrow('rbac-partial is never error');
    expect(makeFinding(GENERAL_CATALOGUE[2], { message: 'm', evidence: [], hint: 'h' }).severity).toBe('info');
  });
});

describe('the public catalogue (kdiag codes -o json is a contract)', () => {
  test('entries keep exactly the public fields, in order, with the default severity', () => {
    for (const e of ALL_ENTRIES) expect(Object.keys(e)).toEqual(['code', 'severity', 'area', 'title', 'meaning', 'detection', 'fix']);
    const noSelector = SVC_CATALOGUE.find((e) => e.code === 'no-selector')!;
    expect(publicEntry(noSelector).severity).toBe('error');
  });

  test('general codes keep the area kdiag codes printed before they were shared (svc; dns for dns-external-name-ip)', () => {
    const general = ALL_ENTRIES.filter((e) => GENERAL_CATALOGUE.some((g) => g.code === e.code));
    expect(general).toHaveLength(GENERAL_CATALOGUE.length);
    expect(Object.fromEntries(general.map((e) => [e.code, e.area]))).toEqual({
      'namespace-not-found': 'svc',
      'service-not-found': 'svc',
      'dns-external-name-ip': 'dns',
      'rbac-partial': 'svc',
      'load-balancer-pending': 'svc',
      'external-traffic-policy-local': 'svc',
    });
  });

  test('one fact, one code: the LoadBalancer and externalTrafficPolicy codes route also reports are general, in no command catalogue', () => {
    for (const code of ['load-balancer-pending', 'external-traffic-policy-local']) {
      expect(GENERAL_CATALOGUE.map((e) => e.code)).toContain(code);
      expect(SVC_CATALOGUE.map((e) => e.code)).not.toContain(code);
      expect(ROUTE_CATALOGUE.map((e) => e.code)).not.toContain(code);
      // kdiag codes lists each once.
      expect(ALL_ENTRIES.filter((e) => e.code === code)).toHaveLength(1);
    }
  });
});
