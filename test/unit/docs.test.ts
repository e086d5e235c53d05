import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueMarkdown } from '../../src/commands/codes/run.js';
import { ALL_ENTRIES } from '../../src/core/catalogues.js';
import { ROOT } from '../helpers/bundle.js';

describe('documentation stays in step with the code', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('README catalogue equals the generated one (run npm run docs)', () => {
    const section = /<!-- catalogue:start -->\n([\s\S]*?)<!-- catalogue:end -->/.exec(readme)?.[1];
    expect(section).toBe(catalogueMarkdown(ALL_ENTRIES));
  });

  it('every catalogue entry says what it means, how it is detected and how to fix it', () => {
    expect(ALL_ENTRIES.length).toBeGreaterThan(0);
    for (const e of ALL_ENTRIES) {
      expect([e.code, e.meaning.length > 10, e.detection.length > 10, e.fix.length > 10]).toEqual([e.code, true, true, true]);
    }
  });
});
