// @ts-check
// Lint rules, and the project's layers as rules: src/core is pure (no I/O, no terminal, no client-node), each layer
// imports only the layers below it (main/cli -> commands -> ui, output, cluster, lint -> core), and no cycles.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dns',
  'child_process',
  'worker_threads',
  'os',
  'readline',
  'tty',
  'process',
  'cluster',
  'dgram',
];
const ioPaths = IO_MODULES.flatMap((m) => [`node:${m}`, m]).map((name) => ({
  name,
  message: 'src/core is pure: do the I/O in cluster/, lint/ or a command and pass the data in.',
}));
const TERMINAL = ['chalk', 'ora', 'cli-table3', 'commander', '@inquirer/prompts', 'ws'];
const CLIENT_NODE = {
  group: ['@kubernetes/client-node', '@kubernetes/client-node/*'],
  message: "only src/cluster/ may load client-node (lazily, through kdiag's own adapter).",
};

const LAYERS_MSG = "the layers' arrows point down (CONTRIBUTING.md, Layout)";
/** import-x zones: files under `target` must not import from `from`. */
const zones = [
  {
    target: './src/core',
    from: [
      './src/cluster',
      './src/commands',
      './src/output',
      './src/ui',
      './src/lint',
      './src/config.ts',
      './src/config-file.ts',
      './src/cli.ts',
      './src/main.ts',
      './src/context.ts',
    ],
    message: `src/core is pure: ${LAYERS_MSG}`,
  },
  {
    target: './src/core/k8s',
    from: ['./src/core/svc', './src/core/lint', './src/core/dns', './src/core/forward'],
    message: "core/k8s is shared by every command and depends on no command's core",
  },
  {
    target: ['./src/core/lint', './src/core/dns', './src/core/forward'],
    from: ['./src/core/svc'],
    message: 'core/svc belongs to `kdiag svc`: shared Kubernetes knowledge lives in core/k8s',
  },
  {
    target: './src/cluster',
    from: ['./src/commands', './src/output', './src/ui', './src/lint', './src/cli.ts', './src/main.ts'],
    message: LAYERS_MSG,
  },
  { target: './src/output', from: ['./src/commands', './src/cluster', './src/cli.ts', './src/main.ts'], message: LAYERS_MSG },
  { target: './src/ui', from: ['./src/commands', './src/cluster', './src/cli.ts', './src/main.ts'], message: LAYERS_MSG },
  {
    target: './src/lint',
    from: ['./src/core/svc'],
    message: 'core/svc belongs to `kdiag svc`: shared Kubernetes knowledge lives in core/k8s',
  },
  {
    target: './src/cluster/svc-loader.ts',
    from: ['./src/cluster/file-reader.ts', './src/cluster/kube-reader.ts'],
    message: 'a loader depends on the ClusterReader interface, not on one reader',
  },
  { target: './src/lint', from: ['./src/commands', './src/output', './src/ui', './src/cli.ts', './src/main.ts'], message: LAYERS_MSG },
  { target: './src/commands', from: ['./src/cli.ts', './src/main.ts'], message: LAYERS_MSG },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'src/lint/scan-wasm.generated.ts',
      'assembly/**',
      'test/fixtures/**',
      'bench/out/**',
      '.k8s/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        WebAssembly: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
      },
    },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-control-regex': 'off',
      // A variable assigned once, after a closure that reads it was made, is not a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cluster/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CLIENT_NODE] }] },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...ioPaths, ...TERMINAL.map((name) => ({ name, message: 'src/core is pure: no terminal or network libraries.' }))],
          patterns: [CLIENT_NODE],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.{ts,mjs}', 'scripts/**/*.mjs', '*.config.{js,ts}', 'jest.config.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
