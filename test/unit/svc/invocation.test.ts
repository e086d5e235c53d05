import { namespaceNotFound, rbacPartial, serviceNotFound } from '../../../src/core/general-catalogue.js';
import { commandLine, DEFAULT_INVOCATION } from '../../../src/core/invocation.js';
import { explainService } from '../../../src/core/svc/explain.js';
import { snapshotOf } from './helpers.js';

// Hints that suggest a command say it the way the user ran kdiag; names use the cluster domain asked for.

describe('invocation in hints', () => {
  test('the default invocation keeps the hints kdiag svc always printed', async () => {
    const r = explainService(await snapshotOf('examples/my-app.yaml', 'wbe', 'my-app'));
    expect(r.findings[0]!.hint).toBe('did you mean "web"? kdiag svc web -n my-app');
  });

  test('a kubectl plugin run offline says kubectl kdiag and keeps -f FILE', async () => {
    const s = await snapshotOf('examples/my-app.yaml', 'wbe', 'my-app');
    const invocation = { program: 'kubectl kdiag', command: 'svc', file: 'examples/my-app.yaml' };
    expect(explainService(s, { invocation }).findings[0]!.hint).toBe(
      'did you mean "web"? kubectl kdiag svc web -n my-app -f examples/my-app.yaml',
    );
    const ns = explainService(await snapshotOf('examples/my-app.yaml', 'web', 'my-ap'), { invocation });
    expect(ns.findings[0]!.hint).toBe('did you mean -n my-app? kubectl kdiag svc web -n my-app -f examples/my-app.yaml');
  });

  test('builders take any command; file names with spaces are quoted', () => {
    const inv = { program: 'kdiag', command: 'trace', file: 'my dump.yaml' };
    expect(commandLine(inv, 'web', '-n', 'shop')).toBe("kdiag trace web -n shop -f 'my dump.yaml'");
    expect(serviceNotFound({ namespace: 'shop', name: 'api', sameNameElsewhere: [{ namespace: 'prod', name: 'api' }] }, inv).hint).toBe(
      "the Service is in another namespace: kdiag trace api -n prod -f 'my dump.yaml'",
    );
    expect(namespaceNotFound({ namespace: 'shp', name: 'api', namespaceNames: ['shop'] }).hint).toBe(
      `did you mean -n shop? ${commandLine(DEFAULT_INVOCATION, 'api', '-n', 'shop')}`,
    );
  });

  test('rbac-partial: one builder, info, deduplicated, with the command’s wording', () => {
    const d = { verb: 'list' as const, resource: 'nodes', message: 'forbidden' };
    const out = rbacPartial([d, d], { means: () => 'node addresses are not named', alternative: 'give --pod-cidr' });
    expect(out).toEqual([
      {
        code: 'rbac-partial',
        severity: 'info',
        message: 'Could not list nodes at cluster scope: node addresses are not named.',
        evidence: [{ kind: 'rbac', value: 'list nodes at cluster scope: forbidden' }],
        hint: 'ask for permission to list nodes at cluster scope; check with: kubectl auth can-i list nodes; or give --pod-cidr',
      },
    ]);
  });

  test('rbac-partial: the same denials print in the same order whichever read was answered first', () => {
    const denials = [
      { verb: 'list' as const, resource: 'referencegrants.gateway.networking.k8s.io', namespace: 'shop', message: 'forbidden' },
      { verb: 'list' as const, resource: 'httproutes.gateway.networking.k8s.io', namespace: 'shop', message: 'forbidden' },
      { verb: 'list' as const, resource: 'nodes', message: 'forbidden' },
    ];
    const wording = { means: () => 'not checked' };
    const messages = (ds: typeof denials) => rbacPartial(ds, wording).map((f) => f.message);
    const expected = [
      'Could not list nodes at cluster scope: not checked.',
      'Could not list httproutes.gateway.networking.k8s.io in namespace shop: not checked.',
      'Could not list referencegrants.gateway.networking.k8s.io in namespace shop: not checked.',
    ];
    expect(messages(denials)).toEqual(expected);
    expect(messages([...denials].reverse())).toEqual(expected);
  });
});

describe('cluster domain', () => {
  test("explainService's clusterDomain option names the Service in that domain; without it, the snapshot's", async () => {
    const s = await snapshotOf('examples/my-app.yaml', 'web', 'my-app');
    expect(explainService(s).names.at(-1)).toBe('web.my-app.svc.cluster.local');
    expect(explainService(s, { clusterDomain: 'corp.example' }).names.at(-1)).toBe('web.my-app.svc.corp.example');
  });
});
