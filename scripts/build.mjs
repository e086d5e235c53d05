// Bundles src/main.ts into dist/ as ESM with code splitting: @kubernetes/client-node lands in its own chunk,
// reached only through `await import()`, so `--help`, `--version` and offline commands never load it. The
// start-up islands below keep the files loaded on the way to a command few (each costs the ESM loader time).
import { build } from 'esbuild';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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
  plugins: [islands(), lazyChildProcess()],
});
await writeFile(new URL('../dist/meta.json', import.meta.url), JSON.stringify(result.metafile));

// The bundle carries code of these packages: their licences ship beside it (the package has no runtime
// dependencies, so nothing else brings them).
await writeFile(new URL('../dist/THIRD-PARTY-NOTICES.txt', import.meta.url), await thirdPartyNotices(result.metafile));

/**
 * Start-up islands. With code splitting, esbuild puts every module into a chunk per set of entry points (the
 * bundle's and each `import()`'s) that reach it, so a command that shares many small modules with others loads
 * many small files (`kdiag lint` loaded 27, and the ESM loader's cost is per file). An island is a module whose
 * whole static import graph is bundled as a copy of its own (the same file under a path suffix, so esbuild sees
 * a different module), reached only from its root: the root's chunk then holds all of it. `import()` inside an
 * island leads out of it (to the shared chunks, loaded on demand), and modules in SHARED are never copied: they
 * carry identity (error classes that `instanceof` tests across chunks), so one instance serves every chunk.
 *
 * - main: src/main.ts and what it imports (the CLI, commander, every command's flags), so `--help` and
 *   `--version` load one file and the shared ones;
 * - lint: `kdiag lint`'s implementation, imported by its command once it runs (its validation too);
 * - lint-worker: the scanning thread of `kdiag lint -j N`.
 */
function islands() {
  const src = (rel) => fileURLToPath(new URL(`../src/${rel}`, import.meta.url));
  const ROOTS = new Map([
    [src('main.ts'), 'main'],
    [src('commands/lint/run.ts'), 'lint'],
    [src('lint/worker.ts'), 'lint-worker'],
  ]);
  const SHARED = new Set([src('errors.ts')]);
  return {
    name: 'kdiag-islands',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.kdiagResolving) return undefined;
        const island = args.pluginData?.kdiagIsland;
        // Outside the islands only our own modules can be a root (and esbuild resolves the rest as usual).
        if (island === undefined && args.kind !== 'entry-point' && !args.path.startsWith('.')) return undefined;
        const r = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { kdiagResolving: true },
        });
        if (r.errors.length > 0) return undefined; // esbuild reports it, or leaves a require() in try/catch be
        if (r.external || r.namespace !== 'file') return r;
        const root = ROOTS.get(r.path);
        const into = root ?? (island !== undefined && args.kind !== 'dynamic-import' && !SHARED.has(r.path) ? island : undefined);
        if (into === undefined) return { path: r.path, sideEffects: r.sideEffects };
        return { path: r.path, suffix: `?island=${into}`, sideEffects: r.sideEffects, pluginData: { kdiagIsland: into } };
      });
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        const island = args.pluginData?.kdiagIsland;
        if (island === undefined) return undefined;
        const loader = args.path.endsWith('ts') ? 'ts' : 'js';
        return { contents: await readFile(args.path, 'utf8'), loader, pluginData: { kdiagIsland: island } };
      });
    },
  };
}

/** commander's `require('node:child_process')` gets scripts/lazy-child-process.mjs (see there). */
function lazyChildProcess() {
  const stub = fileURLToPath(new URL('./lazy-child-process.mjs', import.meta.url));
  return {
    name: 'kdiag-lazy-child-process',
    setup(b) {
      b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
        /[\\/]commander[\\/]lib[\\/]command\.js$/.test(args.importer) ? { path: stub } : undefined,
      );
    },
  };
}

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
