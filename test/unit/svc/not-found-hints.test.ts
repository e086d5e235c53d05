import { namespaceNotFound } from '../../../src/core/general-catalogue.js';

// A "did you mean -n X" hint never offers a command that cannot work: the Service's name goes with a namespace only
// when the Service is known to be there (or nothing is known).
const inv = { program: 'kdiag', command: 'svc' };

describe('namespace-not-found hints', () => {
  it('prefers the close namespace that holds the Service', () => {
    const f = namespaceNotFound(
      { namespace: 'shp', name: 'web', namespaceNames: ['shop', 'ship'], sameNameElsewhere: [{ namespace: 'ship', name: 'web' }] },
      inv,
    );
    expect(f.hint).toBe('did you mean -n ship? kdiag svc web -n ship');
  });

  it('says so when the close namespace holds no Service of that name either', () => {
    const f = namespaceNotFound({ namespace: 'my-ap', name: 'wbe', namespaceNames: ['my-app'], sameNameElsewhere: [] }, inv);
    expect(f.hint).toBe('did you mean -n my-app? It holds no Service named "wbe" either: kdiag svc NAME -n my-app');
  });

  it('a close namespace without the Service is still suggested first, then where a Service of that name lives', () => {
    const f = namespaceNotFound(
      { namespace: 'shp', name: 'web', namespaceNames: ['shop', 'other'], sameNameElsewhere: [{ namespace: 'other', name: 'web' }] },
      inv,
    );
    expect(f.hint).toBe(
      'did you mean -n shop? It holds no Service named "web" either: kdiag svc NAME -n shop; a Service of that name is in namespace other: kdiag svc web -n other',
    );
  });

  it('keeps the name when where the Service lives could not be read', () => {
    const f = namespaceNotFound({ namespace: 'my-ap', name: 'web', namespaceNames: ['my-app'] }, inv);
    expect(f.hint).toBe('did you mean -n my-app? kdiag svc web -n my-app');
  });

  it('points at the namespace holding the Service when no namespace name is close', () => {
    const f = namespaceNotFound(
      { namespace: 'prod', name: 'web', namespaceNames: ['staging', 'my-app'], sameNameElsewhere: [{ namespace: 'my-app', name: 'web' }] },
      { ...inv, program: 'kubectl kdiag', file: 'dump.yaml' },
    );
    expect(f.hint).toBe('the Service is in namespace my-app: kubectl kdiag svc web -n my-app -f dump.yaml');
  });
});
