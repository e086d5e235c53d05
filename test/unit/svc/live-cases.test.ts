// Guard: every `kdiag svc` finding code in the catalogue has a live reproduction in the e2e project (a
// `liveCase('<code>'` in one of test/e2e/svc/findings-*.test.ts), except the codes listed in NOT_LIVE with the reason
// they cannot be reproduced against the local cluster. A new catalogue code without a live case fails here. Static:
// it reads the e2e test files and needs no cluster (each live case itself checks, on the cluster, that its run
// reports the code with the catalogue's severity).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SVC_REPORTED as SVC_CATALOGUE } from '../../../src/core/svc/catalogue.js';
import { ROOT } from '../../helpers/paths.js';

const E2E_SVC = join(ROOT, 'test', 'e2e', 'svc');

/** Codes that have a `liveCase(...)` in the e2e svc test files, with the file each is in. */
function liveCaseCodes(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(E2E_SVC).filter((f) => f.endsWith('.test.ts'))) {
    const text = readFileSync(join(E2E_SVC, file), 'utf8');
    for (const m of text.matchAll(/\bliveCase\(\s*'([a-z0-9-]+)'/g)) out.set(m[1]!, file);
  }
  return out;
}

/** Codes that cannot be reproduced live, and why. Empty: every code is reproduced with real objects and controllers. */
const NOT_LIVE: Record<string, string> = {};

describe('kdiag svc catalogue coverage by the live cases of the e2e project', () => {
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
