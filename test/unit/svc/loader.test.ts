import { join } from 'node:path';
import { FileClusterReader, parseObjects } from '../../../src/cluster/file-reader.js';
import { R } from '../../../src/cluster/reader.js';
import { LIMITS, listServiceChoices, loadServiceSnapshot } from '../../../src/cluster/svc-loader.js';
import { explainService } from '../../../src/core/svc/explain.js';
import { ClusterAccessError } from '../../../src/errors.js';
import { FIXTURES, ROOT } from './helpers.js';
import { RecordingReader, type Deny } from '../../helpers/recording-reader.js';

/** Wraps a reader, recording every call; `deny` makes chosen reads fail as RBAC would. */
async function recorder(file: string, deny?: Deny): Promise<RecordingReader> {
  const path = file.startsWith('examples/') ? join(ROOT, file) : join(FIXTURES, file);
  return new RecordingReader(await FileClusterReader.load(path, { cwd: ROOT }), deny);
}

describe('loadServiceSnapshot reads only what the question needs', () => {
  it('healthy Service: the Service, its slices, its pods and the NetworkPolicies, nothing else', async () => {
    const r = await recorder('traffic.yaml');
    const snap = await loadServiceSnapshot(r, { namespace: 'p', name: 'open' });
    expect(r.calls).toEqual([
      'get services p/open',
      'tryList endpointslices p -l kubernetes.io/service-name=open',
      'list pods p -l app=open',
      'tryList events p --field-selector involvedObject.kind=Service,involvedObject.name=open',
      'tryList networkpolicies p',
    ]);
    expect(explainService(snap).findings).toEqual([]);
  });

  it('selector typo: adds the near-miss search (metadata only), workloads, all namespaces and the 3 closest pods', async () => {
    const r = await recorder('examples/my-app.yaml');
    await loadServiceSnapshot(r, { namespace: 'my-app', name: 'web' });
    expect(r.calls).toEqual([
      'get services my-app/web',
      'tryList endpointslices my-app -l kubernetes.io/service-name=web',
      'list pods my-app -l app=web-server',
      'tryList events my-app --field-selector involvedObject.kind=Service,involvedObject.name=web',
      'tryList deployments my-app',
      'tryList statefulsets my-app',
      'tryList daemonsets my-app',
      'tryList replicasets my-app',
      'tryList pods my-app (metadata)',
      'tryList pods * -l app=web-server (metadata)',
      'tryList pods my-app --field-selector metadata.name=web-6d8f7b9c54-7xk2p',
      'tryList pods my-app --field-selector metadata.name=web-6d8f7b9c54-m4q9z',
      'tryList pods my-app --field-selector metadata.name=web-6d8f7b9c54-tr8wd',
    ]);
  });

  it('ExternalName: one read', async () => {
    const r = await recorder('external-name.yaml');
    const snap = await loadServiceSnapshot(r, { namespace: 't', name: 'billing' });
    expect(r.calls).toEqual(['get services t/billing']);
    expect(snap.pods).toEqual([]);
  });

  it("missing Service: the namespace, the namespace's Service names (metadata) and the same name elsewhere", async () => {
    const r = await recorder('examples/my-app.yaml');
    const snap = await loadServiceSnapshot(r, { namespace: 'my-app', name: 'wbe' });
    expect(r.calls).toEqual([
      'get services my-app/wbe',
      'get namespaces */my-app',
      'tryList services my-app (metadata)',
      'tryList services * --field-selector metadata.name=wbe (metadata)',
    ]);
    expect(snap).toMatchObject({ namespaceExists: true, serviceNamesInNamespace: ['web'], sameNameElsewhere: [] });
  });

  it('missing namespace: namespace names for suggestions, no Service listing', async () => {
    const r = await recorder('examples/my-app.yaml');
    const snap = await loadServiceSnapshot(r, { namespace: 'my-ap', name: 'web' });
    expect(r.calls).toEqual([
      'get services my-ap/web',
      'get namespaces */my-ap',
      'tryList namespaces * (metadata)',
      'tryList services * --field-selector metadata.name=web (metadata)',
    ]);
    expect(snap).toMatchObject({ namespaceExists: false, namespaceNames: ['my-app'] });
  });

  it('a 403 on the namespace get is not fatal', async () => {
    const r = await recorder('examples/my-app.yaml', (verb, res) => verb === 'get' && res === R.namespaces);
    const report = explainService(await loadServiceSnapshot(r, { namespace: 'my-app', name: 'wbe' }));
    expect(report.findings.map((f) => f.code)).toEqual(['service-not-found', 'rbac-partial']);
    expect(report.findings[1]!.message).toBe('Could not get namespaces at cluster scope: whether the namespace exists was not checked.');
    expect(report.findings[1]!.hint).toBe(
      'ask for permission to get namespaces at cluster scope; check with: kubectl auth can-i get namespaces',
    );
  });

  it('a 403 on a required read (the matching pods) is an error, exit 3', async () => {
    const r = await recorder('examples/my-app.yaml', (verb, res) => verb === 'list' && res === R.pods);
    await expect(loadServiceSnapshot(r, { namespace: 'my-app', name: 'web' })).rejects.toBeInstanceOf(ClusterAccessError);
  });

  it('denied optional reads become rbac-partial findings naming verb, resource and namespace', async () => {
    const r = await recorder('examples/my-app.yaml', (_v, res, o) => res === R.pods && o.namespace === undefined);
    const report = explainService(await loadServiceSnapshot(r, { namespace: 'my-app', name: 'web' }));
    expect(report.findings.map((f) => f.code)).toEqual(['selector-no-match', 'rbac-partial']);
    expect(report.findings[1]!.message).toBe(
      'Could not list pods across all namespaces: pods matching the selector in other namespaces were not looked for.',
    );
  });

  it('EndpointSlices denied: falls back to v1 Endpoints', async () => {
    const objs = parseObjects(
      [
        'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {ports: [{name: http, port: 80}]}\nstatus: {}',
        'apiVersion: v1\nkind: Endpoints\nmetadata: {name: s, namespace: a}\nsubsets: [{addresses: [{ip: 192.0.2.1}], ports: [{name: http, port: 80}]}]',
      ].join('\n---\n'),
      'e.yaml',
    );
    const r = new RecordingReader(new FileClusterReader(objs), (_v, res) => res === R.endpointslices);
    const snap = await loadServiceSnapshot(r, { namespace: 'a', name: 's' });
    expect(r.calls.slice(0, 4)).toEqual([
      'get services a/s',
      'tryList endpointslices a -l kubernetes.io/service-name=s',
      'tryList events a --field-selector involvedObject.kind=Service,involvedObject.name=s',
      'tryList endpoints a --field-selector metadata.name=s',
    ]);
    const report = explainService(snap);
    expect(report.endpoints.map((e) => [e.slice, e.ip])).toEqual([['endpoints/s', '192.0.2.1']]);
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([
      ['no-selector', 'info'],
      ['rbac-partial', 'info'],
    ]);
  });

  it('reads events for at most LIMITS.eventPods unready pods', async () => {
    const docs = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {selector: {app: x}, ports: [{port: 80}]}\nstatus: {}',
    ];
    for (let i = 0; i < 8; i++) {
      docs.push(
        `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: a, labels: {app: x}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {phase: Running, podIP: 10.0.0.${i}, containerStatuses: [{name: c, ready: false, state: {waiting: {reason: CrashLoopBackOff}}}]}`,
      );
    }
    const r = new RecordingReader(new FileClusterReader(parseObjects(docs.join('\n---\n'), 'p.yaml')));
    const report = explainService(await loadServiceSnapshot(r, { namespace: 'a', name: 's' }));
    // The Service's own events, then those of at most LIMITS.eventPods pods.
    expect(r.calls.filter((c) => c.startsWith('tryList events') && c.includes('kind=Pod'))).toHaveLength(LIMITS.eventPods);
    expect(r.calls.some((c) => c.includes('nodes'))).toBe(false);
    expect(report.findings[0]!.message).toMatch(/^All 8 matching pods are running, but none is Ready/);
  });
});

describe('least privilege: get services and list pods are enough', () => {
  it('a selector typo is explained with only those rights; what else was denied becomes rbac-partial', async () => {
    // Everything but `get services` and `list pods` is denied, as for the README's minimal Role.
    const r = await recorder(
      'examples/my-app.yaml',
      (verb, res) => !((verb === 'get' && res === R.services) || (verb === 'list' && res === R.pods)),
    );
    const report = explainService(await loadServiceSnapshot(r, { namespace: 'my-app', name: 'web' }));
    expect(r.calls.some((c) => c.startsWith('get pods'))).toBe(false);
    expect(report.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['selector-no-match', 'rbac-partial']));
    expect(report.findings[0]!.code).toBe('selector-no-match');
  });
});

describe('listServiceChoices', () => {
  it('counts ready endpoints per Service port, as the diagnosis does: none on its port is none', async () => {
    // shop/api: 2 Ready addresses in its slice, but none on the port the Service's named targetPort resolves to.
    const report = explainService(
      await loadServiceSnapshot(await recorder('examples/named-port.yaml'), { namespace: 'shop', name: 'api' }),
    );
    expect(report.findings.map((f) => f.code)).toEqual(['target-port-not-found']);
    expect(report.endpoints.filter((e) => e.ready)).toHaveLength(2);
    const choices = await listServiceChoices(await recorder('examples/named-port.yaml'), 'shop');
    expect(choices.find((c) => c.name === 'api')).toMatchObject({ readyEndpoints: 0 });
  });

  it('puts Services without ready endpoints first', async () => {
    const r = await recorder('pod-states.yaml');
    const choices = await listServiceChoices(r, 't');
    expect(choices.slice(-1)).toEqual([{ name: 'mixed', type: 'ClusterIP', readyEndpoints: 1, selector: true }]);
    expect(choices.slice(0, -1).every((c) => c.readyEndpoints === 0)).toBe(true);
  });
});
