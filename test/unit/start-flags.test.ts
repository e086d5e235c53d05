// The V8 flags kdiag sets before its bundle loads: TurboFan and Sparkplug off for a live kdiag audit only.
import { startFlags } from '../../src/start-flags.js';

describe('startFlags', () => {
  test('a live audit, wherever the cluster flags sit, runs without the optimizing and baseline compilers', () => {
    for (const argv of [
      ['audit', '-A'],
      ['-n', 'shop', 'audit'],
      ['audit', '-n', 'shop', '-o', 'json', '--context', 'prod'],
    ]) {
      expect(startFlags(argv)).toEqual(['--no-opt', '--no-sparkplug']);
    }
  });

  test('an offline audit (-f, --filename, -fdump.yaml) and every other command keep V8 as it is', () => {
    for (const argv of [
      ['audit', '-f', 'dump.yaml'],
      ['audit', '--filename', 'dump.yaml'],
      ['audit', '--filename=dump.yaml'],
      ['audit', '-fdump.yaml'],
      ['svc', 'web', '-n', 'shop'],
      ['lint', './deploy'],
      ['--help'],
      [],
    ]) {
      expect(startFlags(argv)).toEqual([]);
    }
  });
});
