import { explainDns } from '../../../src/core/dns/explain.js';
import { serviceDnsNames } from '../../../src/core/k8s/services.js';
import { headless, name, pod, slice, snapshot, svc } from './fixtures.js';

// `kdiag svc` lists the names that reach a Service (serviceDnsNames); `kdiag dns` answers what each name resolves
// to. The two must agree: every name svc prints resolves, from the Service's namespace, to that Service's records.
describe('the names kdiag svc lists all resolve in kdiag dns (the two in step)', () => {
  it.each(['cluster.local', 'corp.internal'])('a ClusterIP Service, cluster domain %s', (domain) => {
    const web = svc('web', 'my-app', { clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7'] });
    const s = snapshot({
      clientNamespace: 'my-app',
      clusterDomain: domain,
      services: [web],
      endpointSlices: [slice('web', 'my-app', [{ ip: '10.244.1.2' }])],
    });
    const names = serviceDnsNames(web, [], domain);
    expect(names).toHaveLength(4);
    for (const n of names) {
      const r = explainDns(s, name(n));
      expect({
        n,
        records: r.answer.records.map((x) => `${x.type} ${String(x.value)}`),
        errors: r.findings.filter((f) => f.severity === 'error'),
      }).toEqual({
        n,
        records: ['A 10.96.7.7'],
        errors: [],
      });
    }
  });

  it('a headless Service: its names answer the ready pods, and each per-pod name its own pod', () => {
    const db = headless('db', 'data', {}, [{ name: 'pg', port: 5432, targetPort: 5432, protocol: 'TCP' }]);
    const pods = [
      pod('db-0', 'data', { hostname: 'db-0', subdomain: 'db' }, { app: 'db' }, '10.244.1.5'),
      pod('db-1', 'data', { hostname: 'db-1', subdomain: 'db' }, { app: 'db' }, '10.244.2.6'),
    ];
    const s = snapshot({
      clientNamespace: 'data',
      services: [db],
      pods,
      endpointSlices: [
        slice(
          'db',
          'data',
          [
            { ip: '10.244.1.5', pod: 'db-0', hostname: 'db-0' },
            { ip: '10.244.2.6', pod: 'db-1', hostname: 'db-1' },
          ],
          [{ name: 'pg', port: 5432, protocol: 'TCP' }],
        ),
      ],
    });
    const names = serviceDnsNames(db, pods);
    expect(names).toContain('db-0.db.data.svc.cluster.local');
    for (const n of names) {
      const r = explainDns(s, name(n));
      const got = r.answer.records.map((x) => String(x.value)).sort();
      const want = n.startsWith('db-0.') ? ['10.244.1.5'] : n.startsWith('db-1.') ? ['10.244.2.6'] : ['10.244.1.5', '10.244.2.6'];
      expect({ n, got }).toEqual({ n, got: want });
    }
  });
});
