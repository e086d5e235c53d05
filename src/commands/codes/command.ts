import type { CommandModule, Outcome } from '../types.js';
import type { CodesOptions } from './run.js';

/** `kdiag codes [CODE]`: the finding catalogue, as `kubectl explain` is for fields. */
export const codesCommand: CommandModule<CodesOptions, Outcome> = {
  name: 'codes',
  summary: 'List the finding codes, or explain one: what it means, how it is detected, how to fix it',
  examples: ['kdiag codes', 'kdiag codes selector-no-match', 'kdiag codes -o json                 # the catalogue for tools'],
  // Offline: no --fail-on (nothing to fail on) and no cluster flags.
  shared: { output: ['text', 'json', 'yaml', 'markdown'] },
  configure(cmd) {
    cmd.argument('[code]', 'a finding code, e.g. selector-no-match');
  },
  toOptions: (args) => (args[0] !== undefined ? { code: args[0] } : {}),
  validate: async (options) => (await import('./run.js')).validateCodes(options),
  run: async (options) => (await import('./run.js')).runCodes(options),
};
