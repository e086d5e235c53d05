// Guard: every `kdiag svc` finding code in the catalogue has a live reproduction in this folder (a `liveCase('<code>'`
// in one of the findings-*.test.ts files), except the codes listed in NOT_LIVE with the reason they cannot be
// reproduced against the local cluster. A new catalogue code without a live case fails here.
import { SVC_REPORTED as SVC_CATALOGUE } from '../../../src/core/svc/catalogue.js';
import { liveCaseCodes } from './helpers.js';

/** Codes that cannot be reproduced live, and why. Empty: every code is reproduced with real objects and controllers. */
const NOT_LIVE: Record<string, string> = {};

describe('kdiag svc catalogue coverage by live cases', () => {
  const live = liveCaseCodes();
  const catalogue = SVC_CATALOGUE.map((e) => e.code);

  test('every catalogue code has a live case or a documented reason why not', () => {
    const missing = catalogue.filter((c) => !live.has(c) && !(c in NOT_LIVE));
    expect(missing).toEqual([]);
  });

  test('no live case or exemption names a code the catalogue does not have', () => {
    expect([...live.keys()].filter((c) => !catalogue.includes(c))).toEqual([]);
    expect(Object.keys(NOT_LIVE).filter((c) => !catalogue.includes(c))).toEqual([]);
  });

  test('a code is either reproduced live or exempted, never both', () => {
    expect(Object.keys(NOT_LIVE).filter((c) => live.has(c))).toEqual([]);
  });

  test('the live cases are spread over the findings files (the scan sees them)', () => {
    expect(new Set(live.values())).toEqual(new Set(['findings-selector.test.ts', 'findings-pods.test.ts', 'findings-ports.test.ts']));
  });
});
