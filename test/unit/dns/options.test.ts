import { toDnsOptions } from '../../../src/commands/dns/options.js';
import { UsageError } from '../../../src/errors.js';

describe('toDnsOptions', () => {
  it('reads NAME with parseDnsName, and the flags', () => {
    const o = toDnsOptions(['http://Web.my-app:8080/api'], {
      namespace: 'other',
      filename: 'x.yaml',
      fromPod: 'pod/client',
      clusterDomain: 'corp.internal',
    });
    expect(o.name).toMatchObject({ host: 'web.my-app', port: 8080, kind: 'service', service: 'web', namespace: 'my-app' });
    expect(o).toMatchObject({ namespace: 'other', file: 'x.yaml', fromPod: 'client', clusterDomain: 'corp.internal' });
  });

  it('no NAME leaves it unset (a pick list in a terminal)', () => {
    expect(toDnsOptions([], {})).toEqual({});
  });

  it.each([
    [['a..b'], {}],
    [['http://'], {}],
    [['web:99999'], {}],
    [['web'], { filename: '' }],
    [['web'], { fromPod: '' }],
    [['web'], { fromPod: 'deploy/web' }],
  ])('rejects %j %j as a usage error', (args, flags) => {
    expect(() => toDnsOptions(args, flags)).toThrow(UsageError);
  });
});
