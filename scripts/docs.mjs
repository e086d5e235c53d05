// Regenerates the README's finding catalogue from the code (`kdiag codes -o markdown`), between the markers
// <!-- catalogue:start --> and <!-- catalogue:end -->. test/unit/docs.test.ts fails when they drift apart.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';

const readme = new URL('../README.md', import.meta.url);
const table = execFileSync(process.execPath, [new URL('../dist/kdiag.js', import.meta.url).pathname, 'codes', '-o', 'markdown'], {
  encoding: 'utf8',
});
const text = await readFile(readme, 'utf8');
const next = text.replace(/(<!-- catalogue:start -->\n)[\s\S]*?(<!-- catalogue:end -->)/, `$1${table}$2`);
if (next === text) console.error('docs: README catalogue already up to date');
else {
  await writeFile(readme, next);
  console.error('docs: README catalogue regenerated');
}
