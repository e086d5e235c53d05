import type { CommandModule } from './types.js';

/** The command registry: one line per command, in the order `kdiag --help` lists them. */
export const COMMANDS: readonly CommandModule[] = [];
