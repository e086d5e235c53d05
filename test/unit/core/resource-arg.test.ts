import { parseTargetArg } from '../../../src/core/resource-arg.js';
import { closeNames } from '../../../src/core/suggest.js';

describe('parseTargetArg: kubectl TYPE/NAME spellings', () => {
  it.each([
    ['web', 'Service', 'web'],
    ['svc/web', 'Service', 'web'],
    ['service/web', 'Service', 'web'],
    ['services/web', 'Service', 'web'],
    ['SVC/web', 'Service', 'web'],
  ])('kdiag svc %s is the Service', (arg, kind, name) => {
    expect(parseTargetArg(arg, 'Service')).toEqual({ ok: true, target: expect.objectContaining({ kind, name }) });
  });

  it.each([
    ['web-0', 'Pod'],
    ['po/web-0', 'Pod'],
    ['pods/web-0', 'Pod'],
    ['deploy/api', 'Deployment'],
    ['deployments/api', 'Deployment'],
    ['sts/db', 'StatefulSet'],
    ['statefulset/db', 'StatefulSet'],
    ['rs/api-7d9', 'ReplicaSet'],
    ['svc/web', 'Service'],
  ])('a forward-like command (bare NAME is a pod): %s is a %s', (arg, kind) => {
    const r = parseTargetArg(arg, 'Pod', ['Pod', 'Service', 'Deployment', 'StatefulSet', 'ReplicaSet']);
    expect(r.ok && r.target.kind).toBe(kind);
  });

  it('a kind the command does not take is refused, naming the kinds it does', () => {
    expect(parseTargetArg('deploy/api', 'Service')).toEqual({
      ok: false,
      message: '"deploy/api" names a Deployment, which this command does not take',
      hint: 'use one of: service',
    });
  });

  it('a misspelt type gets a suggestion when a suggester is given, else the spellings', () => {
    expect(parseTargetArg('sv/web', 'Service', ['Service'], closeNames)).toMatchObject({
      ok: false,
      message: 'unknown resource type "sv" in "sv/web"',
      hint: 'did you mean svc/web?',
    });
    expect(parseTargetArg('sv/web', 'Service')).toMatchObject({ ok: false, hint: 'use one of: service, services, svc' });
  });

  it('names are validated per kind: a Service needs an RFC 1035 label, a pod may hold dots', () => {
    expect(parseTargetArg('svc/Web', 'Service')).toMatchObject({ ok: false, message: 'invalid Service name "Web"' });
    expect(parseTargetArg('svc/1web', 'Service')).toMatchObject({ ok: false });
    expect(parseTargetArg('svc/', 'Service')).toMatchObject({ ok: false, message: 'missing the name after the type' });
    expect(parseTargetArg('pod/a.b-0', 'Pod')).toMatchObject({ ok: true, target: { kind: 'Pod', name: 'a.b-0' } });
  });
});
