import {
  compareLabels,
  isRelatedValue,
  matchesLabelSelector,
  matchesMap,
  matchesRequirements,
  parseSelector,
  rankNearMisses,
  requirementsToString,
  SelectorSyntaxError,
  selectorToString,
} from '../../../src/core/k8s/selectors.js';

describe('parseSelector', () => {
  it.each([
    ['app=web', [{ key: 'app', operator: 'In', values: ['web'] }]],
    ['app==web', [{ key: 'app', operator: 'In', values: ['web'] }]],
    ['app!=web', [{ key: 'app', operator: 'NotIn', values: ['web'] }]],
    ['env in (prod, staging)', [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }]],
    ['env notin (dev)', [{ key: 'env', operator: 'NotIn', values: ['dev'] }]],
    ['tier', [{ key: 'tier', operator: 'Exists', values: [] }]],
    ['!canary', [{ key: 'canary', operator: 'DoesNotExist', values: [] }]],
    [
      'app.kubernetes.io/name=api, !canary',
      [
        { key: 'app.kubernetes.io/name', operator: 'In', values: ['api'] },
        { key: 'canary', operator: 'DoesNotExist', values: [] },
      ],
    ],
    ['', []],
  ])('parses %j', (text, want) => {
    expect(parseSelector(text)).toEqual(want);
  });

  it.each(['app=web,', 'env in (a b)', '=x', 'a=b c'])('rejects %j', (text) => {
    expect(() => parseSelector(text)).toThrow(SelectorSyntaxError);
  });

  it('round-trips through requirementsToString', () => {
    const text = 'a=1,b!=2,c in (x,y),d notin (z,w),e,!f';
    expect(requirementsToString(parseSelector(text))).toBe(text);
  });
});

describe('matching', () => {
  const labels = { app: 'web', env: 'prod' };
  it.each([
    ['app=web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['env in (prod,dev)', true],
    ['env notin (prod)', false],
    ['env', true],
    ['!env', false],
    ['!canary', true],
    ['app=web,env=dev', false],
  ])('%s on app=web,env=prod → %s', (sel, want) => {
    expect(matchesRequirements(parseSelector(sel), labels)).toBe(want);
  });

  it('Service selector maps need every key, and an empty map matches nothing', () => {
    expect(matchesMap({ app: 'web' }, labels)).toBe(true);
    expect(matchesMap({ app: 'web', tier: 'x' }, labels)).toBe(false);
    expect(matchesMap(undefined, labels)).toBe(false);
  });

  it('LabelSelector: {} matches all, undefined matches nothing, expressions apply', () => {
    expect(matchesLabelSelector({}, labels)).toBe(true);
    expect(matchesLabelSelector(undefined, labels)).toBe(false);
    expect(
      matchesLabelSelector(
        { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
        labels,
      ),
    ).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels)).toBe(true);
  });

  it('selectorToString sorts keys and handles LabelSelectors', () => {
    expect(selectorToString({ tier: 'b', app: 'a' })).toBe('app=a,tier=b');
    expect(selectorToString({ matchLabels: { app: 'a' }, matchExpressions: [{ key: 'x', operator: 'Exists' }] })).toBe('app=a,x');
  });
});

describe('near misses', () => {
  const sel = { app: 'web-server', tier: 'frontend' };

  it('classifies each key: matched, typo, case-only, missing with a similar key', () => {
    expect(compareLabels(sel, { app: 'web-sever', tier: 'frontend' })).toEqual([
      { key: 'app', want: 'web-server', status: 'differs', actual: 'web-sever', caseOnly: false, distance: 1, smallEdit: true },
      { key: 'tier', want: 'frontend', status: 'matched', actual: 'frontend' },
    ]);
    expect(compareLabels({ app: 'Web' }, { app: 'web' })[0]).toMatchObject({ status: 'differs', caseOnly: true });
    expect(compareLabels({ tier: 'frontend' }, { Tier: 'frontend' })[0]).toEqual({
      key: 'tier',
      want: 'frontend',
      status: 'missing',
      similarKey: { key: 'Tier', value: 'frontend' },
    });
    expect(compareLabels({ name: 'api' }, { 'app.kubernetes.io/name': 'api' })[0]).toMatchObject({
      status: 'missing',
      similarKey: { key: 'app.kubernetes.io/name' },
    });
    expect(compareLabels({ tier: 'x' }, { app: 'y' })[0]).toEqual({ key: 'tier', want: 'x', status: 'missing' });
    expect(compareLabels({ 'app.kubernetes.io/component': 'web' }, { app: 'web' })[0]).toMatchObject({
      status: 'missing',
      similarKey: { key: 'app', value: 'web' },
    });
  });

  it('ranks by keys matched, then edit cost, and drops unrelated pods', () => {
    const pods = [
      { name: 'unrelated', labels: { app: 'db', tier: 'data' } },
      { name: 'typo-only', labels: { app: 'web-sever', tier: 'front' } },
      { name: 'one-key', labels: { app: 'web-sever', tier: 'frontend' } },
      { name: 'case', labels: { app: 'Web-Server', tier: 'frontend' } },
    ];
    const ranked = rankNearMisses(
      sel,
      pods,
      (p) => p.labels,
      (p) => p.name,
    ).map((m) => m.item.name);
    expect(ranked).toEqual(['case', 'one-key', 'typo-only']);
  });
});

describe('renamed label values are near misses', () => {
  it('counts a value that contains the wanted one (api-x-v2 for api-x) as close', () => {
    const ranked = rankNearMisses(
      { app: 'api-x' },
      [
        { n: 'a', l: { app: 'api-x-v2' } },
        { n: 'b', l: { app: 'db' } },
      ],
      (c) => c.l,
      (c) => c.n,
    );
    expect(ranked.map((r) => r.item.n)).toEqual(['a']);
  });

  it('does not count short or unrelated values', () => {
    expect(isRelatedValue('ab', 'abc')).toBe(false);
    expect(isRelatedValue('payments', 'web')).toBe(false);
    expect(isRelatedValue('web-canary', 'web')).toBe(true);
  });
});
