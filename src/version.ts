declare const __KDIAG_VERSION__: string | undefined;
declare const __KDIAG_REPOSITORY__: string | undefined;

/** Injected by the esbuild bundle (scripts/build.mjs); tests run from source see the dev marker. */
export const VERSION: string = typeof __KDIAG_VERSION__ === 'string' ? __KDIAG_VERSION__ : '0.0.0-dev';

/**
 * package.json's `repository` URL as written there (a string, or the `url` of the object form), injected by the
 * bundle so nothing reads package.json at run time; undefined when package.json has none, and from source.
 */
export const REPOSITORY: string | undefined =
  typeof __KDIAG_REPOSITORY__ === 'string' && __KDIAG_REPOSITORY__ !== '' ? __KDIAG_REPOSITORY__ : undefined;
