// `npm pack` / `npm publish` lifecycle: the packed package.json must not carry the `prepare` script (it builds dist/
// in a clone after `npm ci`; installed from the tarball it would only make npm warn about an install script that
// cannot run, since the package ships no sources). `prepack` strips it, `postpack` puts the file back as it was.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const saved = new URL('../package.json.prepack', import.meta.url);

if (process.argv[2] === 'strip') {
  if (existsSync(saved)) throw new Error('package.json.prepack exists: a previous pack did not finish; restore it first');
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(saved, text);
  const pkg = JSON.parse(text);
  delete pkg.scripts.prepare;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (process.argv[2] === 'restore') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  throw new Error('usage: node scripts/pack-manifest.mjs strip|restore');
}
