import type { CommandModule } from '../types.js';

/** `kdiag codes [CODE]`: the finding catalogue, as `kubectl explain` is for fields. */
export const codesCommand: CommandModule = {
  name: 'codes',
  summary: 'List the finding codes, or explain one: what it means, how it is detected, how to fix it',
  examples: ['kdiag codes', 'kdiag codes selector-no-match', 'kdiag codes -o markdown > docs/findings.md'],
  formats: ['text', 'json', 'yaml', 'markdown'],
  configure(cmd) {
    cmd.argument('[code]', 'a finding code, e.g. selector-no-match');
  },
  run: async (args) => (await import('./run.js')).runCodes(args),
};
