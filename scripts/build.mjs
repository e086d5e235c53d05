// Bundles src/main.ts into dist/ as ESM with code splitting: @kubernetes/client-node lands in its own chunk,
// reached only through `await import()`, so `--help`, `--version` and offline commands never load it.
import { build } from 'esbuild';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { buildWasm } from './build-wasm.mjs';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
// package.json's repository (a string or {type, url}), for the SARIF rules' helpUri; '' when there is none.
const repository = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '');
// The lint scanner's WebAssembly first: src/lint/scan-wasm.generated.ts is an input of the bundle.
await buildWasm();
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = await build({
  // lint-worker: the scanning thread of `kdiag lint -j N`, found next to the bundle at run time.
  entryPoints: { kdiag: 'src/main.ts', 'lint-worker': 'src/lint/worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunks/[name]-[hash]',
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'linked',
  define: { __KDIAG_VERSION__: JSON.stringify(pkg.version), __KDIAG_REPOSITORY__: JSON.stringify(repository) },
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __kdiagCreateRequire } from 'node:module'; const require = __kdiagCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  // ws loads these native add-ons only if present (inside try/catch). `bufferutil` (frame masking) is our own
  // word-wise JavaScript instead (src/cluster/ws-mask.ts, same API); `utf-8-validate` is never bundled or required.
  alias: { bufferutil: './src/cluster/ws-mask.ts' },
  external: ['utf-8-validate'],
});
await writeFile(new URL('../dist/meta.json', import.meta.url), JSON.stringify(result.metafile));

// The bundle carries code of these packages: their licences ship beside it (the package has no runtime
// dependencies, so nothing else brings them).
await writeFile(new URL('../dist/THIRD-PARTY-NOTICES.txt', import.meta.url), await thirdPartyNotices(result.metafile));

/** One section per bundled npm package: name, version, licence name and the package's licence file. */
async function thirdPartyNotices(metafile) {
  const roots = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) roots.add(m[1]);
  }
  const sections = [];
  for (const root of [...roots].sort()) {
    const meta = JSON.parse(await readFile(new URL(`../${root}/package.json`, import.meta.url), 'utf8'));
    const names = await readdir(new URL(`../${root}/`, import.meta.url));
    const licenceFile = names.find((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n));
    const text = licenceFile
      ? await readFile(new URL(`../${root}/${licenceFile}`, import.meta.url), 'utf8')
      : '(no licence file in the package)';
    const licence = typeof meta.license === 'string' ? meta.license : (meta.license?.type ?? 'see below');
    sections.push(`${meta.name} ${meta.version} (${licence})\n${'-'.repeat(60)}\n${text.trim()}\n`);
  }
  return `kdiag bundles code of the following ${sections.length} packages.\n\n${sections.join('\n')}`;
}
