import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { catalogueMarkdown } from '../../src/commands/codes/run.js';
import { ALL_ENTRIES } from '../../src/core/catalogues.js';
import type { CatalogueEntry } from '../../src/core/catalogue.js';
import { ROOT } from '../helpers/bundle.js';

const CODES_DIR = join(ROOT, 'docs', 'codes');
const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** Runs scripts/docs.mjs on a catalogue (from the source, not the bundle) into a fresh folder; returns it. */
function generate(entries: readonly CatalogueEntry[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-docs-'));
  tmp.push(dir);
  const catalogue = join(dir, 'catalogue.json');
  writeFileSync(catalogue, JSON.stringify({ codes: entries }));
  const out = join(dir, 'codes');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'docs.mjs'), '--catalogue', catalogue, '--out', out], { stdio: 'pipe' });
  return out;
}

/** What differs between the generated folder and the committed one: missing, left-over and stale pages. */
function differences(generated: string, committed: string): string[] {
  const want = readdirSync(generated).sort();
  const have = existsSync(committed) ? readdirSync(committed).sort() : [];
  return [
    ...want.filter((n) => !have.includes(n)).map((n) => `missing ${n}`),
    ...have.filter((n) => !want.includes(n)).map((n) => `left over ${n}`),
    ...want
      .filter((n) => have.includes(n) && readFileSync(join(generated, n), 'utf8') !== readFileSync(join(committed, n), 'utf8'))
      .map((n) => `stale ${n}`),
  ];
}

describe('docs/codes is generated from the catalogue', () => {
  const generated = generate(ALL_ENTRIES);

  it('the committed pages equal freshly generated ones (run npm run docs)', () => {
    expect(differences(generated, CODES_DIR)).toEqual([]);
  });

  it('every code has a page, and the index links each one', () => {
    const index = readFileSync(join(CODES_DIR, 'README.md'), 'utf8');
    for (const e of ALL_ENTRIES) {
      const page = join(CODES_DIR, `${e.code}.md`);
      expect([e.code, existsSync(page)]).toEqual([e.code, true]);
      const text = readFileSync(page, 'utf8');
      const command = e.area === 'general' ? 'every command' : `kdiag ${e.area}`;
      for (const part of [e.code, e.severity, command, '## What it means', '## How kdiag detects it', '## How to fix it']) {
        expect([e.code, text.includes(part)]).toEqual([e.code, true]);
      }
      expect([e.code, index.includes(`](${e.code}.md)`)]).toEqual([e.code, true]);
    }
  });

  it('the check fails on a stale, a missing and a left-over page', () => {
    const copy = join(dirname(generated), 'copy');
    cpSync(generated, copy, { recursive: true });
    const [first, second] = ALL_ENTRIES;
    writeFileSync(
      join(copy, `${first!.code}.md`),
      readFileSync(join(copy, `${first!.code}.md`), 'utf8').replace('## How to fix it', '## Fix'),
    );
    rmSync(join(copy, `${second!.code}.md`));
    writeFileSync(join(copy, 'no-such-code.md'), '# gone\n');
    expect(differences(generated, copy)).toEqual([`missing ${second!.code}.md`, 'left over no-such-code.md', `stale ${first!.code}.md`]);
  });

  it('a changed catalogue entry changes its page and nothing else', () => {
    const changed = ALL_ENTRIES.map((e, i) => (i === 0 ? { ...e, fix: `${e.fix} And then some.` } : e));
    expect(differences(generate(changed), CODES_DIR)).toEqual([`stale ${ALL_ENTRIES[0]!.code}.md`]);
  });

  it('an entry with an example shows it on its page', () => {
    const withExample = [{ ...ALL_ENTRIES[0]!, example: '$ kdiag svc web\nERROR ...' }];
    const page = readFileSync(join(generate(withExample), `${ALL_ENTRIES[0]!.code}.md`), 'utf8');
    expect(page).toContain('## Example\n\n```\n$ kdiag svc web\nERROR ...\n```\n');
  });

  it('placeholders such as <service> survive Markdown (escaped outside code spans)', () => {
    const page = readFileSync(join(CODES_DIR, 'hardcoded-pod-ip.md'), 'utf8');
    expect(page).toContain('\\<service>.\\<namespace>.svc.cluster.local');
  });
});

describe('documentation stays in step with the code', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('the README links the generated catalogue instead of keeping a copy that could drift', () => {
    expect(readme).toContain('(docs/codes/README.md)');
    expect(readme).not.toContain(catalogueMarkdown(ALL_ENTRIES).split('\n')[0]);
    expect(readme).not.toContain('catalogue:start');
  });

  it('every catalogue entry says what it means, how it is detected and how to fix it', () => {
    expect(ALL_ENTRIES.length).toBeGreaterThan(0);
    for (const e of ALL_ENTRIES) {
      expect([e.code, e.meaning.length > 10, e.detection.length > 10, e.fix.length > 10]).toEqual([e.code, true, true, true]);
    }
  });

  it('relative links in README, CONTRIBUTING, bench/README and docs/ point at files and headings that exist', () => {
    const files = ['README.md', 'CONTRIBUTING.md', 'bench/README.md'].map((f) => join(ROOT, f));
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.md')) files.push(p);
      }
    };
    walk(join(ROOT, 'docs'));
    const withoutCode = (file: string) => readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const anchors = (file: string) =>
      new Set(
        [...withoutCode(file).matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
          m[1]!
            .toLowerCase()
            .replace(/[^\p{L}\p{N} _-]/gu, '')
            .replace(/ /g, '-'),
        ),
      );
    const broken: string[] = [];
    for (const file of files) {
      for (const m of withoutCode(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        const [path, anchor] = m[1]!.split('#') as [string, string | undefined];
        if (/^[a-z]+:/.test(path)) continue;
        const target = path === '' ? file : resolve(dirname(file), path);
        if (!existsSync(target)) broken.push(`${relative(ROOT, file)} -> ${m[1]}`);
        else if (anchor !== undefined && target.endsWith('.md') && !anchors(target).has(anchor)) {
          broken.push(`${relative(ROOT, file)} -> ${m[1]} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the exit-status table', () => {
  it('docs/output.md holds the table each --help is built from (src/commands/exit-statuses.ts)', async () => {
    const { exitStatusMarkdown } = await import('../../src/commands/exit-statuses.js');
    const text = readFileSync(join(ROOT, 'docs', 'output.md'), 'utf8');
    const block = /<!-- exit-statuses:begin[^>]*-->\n([\s\S]*?)\n<!-- exit-statuses:end -->/.exec(text);
    expect(block).not.toBeNull();
    // On a difference, paste the expected table between the markers.
    expect(block![1]).toBe(exitStatusMarkdown());
  });
});
