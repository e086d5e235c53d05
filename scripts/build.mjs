// Bundles src/main.ts into dist/ as ESM with code splitting: @kubernetes/client-node lands in its own chunk,
// reached only through `await import()`, so `--help`, `--version` and offline commands never load it.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { buildWasm } from './build-wasm.mjs';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
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
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'linked',
  define: { __KDIAG_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __kdiagCreateRequire } from 'node:module'; const require = __kdiagCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  // ws loads these native add-ons only if present (inside try/catch): never bundle or require them at build time.
  external: ['bufferutil', 'utf-8-validate'],
});
await writeFile(new URL('../dist/meta.json', import.meta.url), JSON.stringify(result.metafile));
