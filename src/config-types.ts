// The shape of `.kdiag.yaml` and its file name: no imports, so that finding the file (config-file.ts) and
// parsing it (config-parse.ts) can both depend on this without depending on each other.

/** The file looked for in the working folder and its parents. */
export const CONFIG_FILE = '.kdiag.yaml';

/**
 * `.kdiag.yaml`: found in the working folder or any parent (the first wins), or named by `--config`.
 * An unknown key inside a known section is a usage error naming the key, so a typo never silently disables a
 * setting; an unknown top-level section is only a warning, so an older kdiag still reads a newer config.
 */
export interface KdiagConfig {
  /** The file it came from, when there was one. */
  path?: string;
  /** Unknown top-level sections, said on stderr (not part of the file's data). */
  warnings?: string[];
  lint?: {
    /** CIDRs (or single IPs) never reported. */
    allow?: string[];
    /** gitignore-syntax patterns of paths to skip. */
    ignorePaths?: string[];
    /** Finding codes never reported. */
    disable?: string[];
    /** The cluster's pod ranges, for classifying literals (the `--pod-cidr` flag wins). */
    podCidrs?: string[];
    /** The cluster's Service ranges (the `--service-cidr` flag wins). */
    serviceCidrs?: string[];
    /** Scan test files and folders too (the `--include-tests` flag). */
    includeTests?: boolean;
  };
  shell?: {
    image?: string;
  };
}
