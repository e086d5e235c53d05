import { listenerVerdict } from '../../../src/core/route/httproute-match.js';
import type { Gateway, HTTPRoute, Listener } from '../../../src/core/route/types.js';

// Gateway allowedRoutes.namespaces.from: Selector, evaluated against the route namespace's labels.

const route: HTTPRoute = {
  kind: 'HTTPRoute',
  metadata: { name: 'r', namespace: 'team-a' },
  spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }] },
};

function verdict(selector: unknown, labels: Record<string, string> | undefined) {
  const l: Listener = { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector } } };
  const gw: Gateway = { kind: 'Gateway', metadata: { name: 'gw', namespace: 'infra' }, spec: { gatewayClassName: 'c', listeners: [l] } };
  return listenerVerdict(route, { name: 'gw', namespace: 'infra' }, gw, l, undefined, () => labels);
}

const LABELS = { team: 'a', env: 'prod', shared: 'yes' };

describe('allowedRoutes Selector', () => {
  test.each([
    ['matchLabels that hold', { matchLabels: { team: 'a' } }, true],
    ['matchLabels that do not', { matchLabels: { team: 'b' } }, false],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, true],
    ['In, missing value', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, true],
    ['NotIn, excluded', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'shared', operator: 'Exists' }] }, true],
    ['Exists, absent key', { matchExpressions: [{ key: 'gateway-access', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'gateway-access', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist, present key', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    [
      'matchLabels AND matchExpressions, both hold',
      { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
      true,
    ],
    [
      'matchLabels AND matchExpressions, one fails',
      { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      false,
    ],
    ['an empty selector admits every namespace', {}, true],
  ])('%s', (_name, selector, ok) => {
    const v = verdict(selector, LABELS);
    expect(v.ok).toBe(ok);
    if (!ok) expect(v.why).toMatch(/namespace team-a \(labels env=prod,shared=yes,team=a\) does not match/);
  });

  test('an unknown operator: the listener does not admit, and says the selector is invalid', () => {
    const v = verdict({ matchExpressions: [{ key: 'env', operator: 'Like', values: ['p'] }] }, LABELS);
    expect(v.ok).toBe(false);
    expect(v.why).toMatch(/selector is invalid/);
  });

  test("the namespace's labels not known (not read): counted as admitted", () => {
    expect(verdict({ matchLabels: { team: 'b' } }, undefined).ok).toBe(true);
  });
});
