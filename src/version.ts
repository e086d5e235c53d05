declare const __KDIAG_VERSION__: string | undefined;

/** Injected by the esbuild bundle (scripts/build.mjs); tests run from source see the dev marker. */
export const VERSION: string = typeof __KDIAG_VERSION__ === 'string' ? __KDIAG_VERSION__ : '0.0.0-dev';
