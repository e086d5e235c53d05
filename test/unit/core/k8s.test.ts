import { canICommand, deniedScope } from '../../../src/core/k8s/access.js';
import { evaluateIngress, ingressPoliciesSelecting, peersAllow, portsAllow } from '../../../src/core/k8s/netpol.js';
import { formatRef, refOf } from '../../../src/core/k8s/refs.js';
import { DEFAULT_CLUSTER_DOMAIN, isHeadless, selectorOf, serviceDnsName, serviceDnsNames } from '../../../src/core/k8s/services.js';
import type { NetworkPolicy, Pod, Service } from '../../../src/core/k8s/types.js';
import { isTemplatePod, templatePod, topWorkloads } from '../../../src/core/k8s/workloads.js';

// core/k8s: the Kubernetes knowledge every command shares.

const pod = (labels: Record<string, string>, ns = 'shop'): Pod => ({
  kind: 'Pod',
  metadata: { name: 'api-1', namespace: ns, labels },
  spec: {
    containers: [
      {
        name: 'app',
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
        ],
      },
    ],
  },
});

const policy = (name: string, spec: NetworkPolicy['spec'], ns = 'shop'): NetworkPolicy => ({
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});

describe('netpol: evaluateIngress', () => {
  const api = pod({ app: 'api' });

  test('a pod no policy selects accepts everything', () => {
    const v = evaluateIngress([policy('other', { podSelector: { matchLabels: { app: 'db' } }, ingress: [] })], { pod: api, port: 8080 });
    expect(v).toMatchObject({ allowed: true, selecting: [], allowedBy: [] });
    expect(v.reasons).toEqual(['no NetworkPolicy selects the pod for ingress: all ingress is allowed']);
  });

  test('a selecting policy without rules denies; egress-only and other-namespace policies do not select', () => {
    const deny = policy('deny', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(evaluateIngress([deny], { pod: api, port: 8080 })).toMatchObject({ allowed: false, selecting: [deny] });
    expect(ingressPoliciesSelecting([policy('eg', { podSelector: {}, policyTypes: ['Egress'] })], api)).toEqual([]);
    expect(ingressPoliciesSelecting([policy('elsewhere', { podSelector: {} }, 'other')], api)).toEqual([]);
  });

  test('ports: numbers, ranges, names resolved on the pod, protocols', () => {
    expect(portsAllow([{ port: 8000, endPort: 8100 }], api, 8080, 'TCP')).toBe(true);
    expect(portsAllow([{ port: 80 }], api, 8080, 'TCP')).toBe(false);
    expect(portsAllow([{ port: 'http' }], api, 8080, 'TCP')).toBe(true);
    expect(portsAllow([{ port: 'http' }], api, 9090, 'TCP')).toBe(false);
    expect(portsAllow([{ port: 53, protocol: 'UDP' }], api, 53, 'TCP')).toBe(false);
    expect(portsAllow([{ protocol: 'UDP' }], api, 53, 'UDP')).toBe(true);
    expect(portsAllow(undefined, api, 1, 'SCTP')).toBe(true);
  });

  test('peers: podSelector in the policy namespace, namespaceSelector, both, ipBlock with except', () => {
    const web = { namespace: 'shop', labels: { app: 'web' } };
    expect(peersAllow([{ podSelector: { matchLabels: { app: 'web' } } }], 'shop', web)).toBe(true);
    expect(peersAllow([{ podSelector: { matchLabels: { app: 'web' } } }], 'shop', { ...web, namespace: 'other' })).toBe(false);
    const byName = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } };
    expect(peersAllow([byName], 'shop', { ...web, namespace: 'other' })).toBe(true);
    expect(peersAllow([{ ...byName, podSelector: { matchLabels: { app: 'db' } } }], 'shop', { ...web, namespace: 'other' })).toBe(false);
    const block = [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }];
    expect(peersAllow(block, 'shop', { namespace: 'x', ip: '10.2.3.4' })).toBe(true);
    expect(peersAllow(block, 'shop', { namespace: 'x', ip: '10.1.3.4' })).toBe(false);
    expect(peersAllow(block, 'shop', { namespace: 'x' })).toBe(false);
    expect(peersAllow(block, 'shop', undefined)).toBe(true); // any peer: only ports count
  });

  test('a verdict names the rules that allow, and why', () => {
    const np = policy('api-in', {
      podSelector: { matchLabels: { app: 'api' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }, { ports: [{ port: 9090 }] }],
    });
    const fromWeb = evaluateIngress([np], { pod: api, port: 8080, from: { namespace: 'shop', labels: { app: 'web' } } });
    expect(fromWeb.allowed).toBe(true);
    expect(fromWeb.allowedBy.map((r) => r.rule)).toEqual([0]);
    expect(fromWeb.reasons).toEqual([
      'selected for ingress by NetworkPolicy api-in',
      'ingress rule 0 of NetworkPolicy api-in allows 8080/TCP from the peer',
    ]);
    const fromDb = evaluateIngress([np], { pod: api, port: 8080, from: { namespace: 'shop', labels: { app: 'db' } } });
    expect(fromDb.allowed).toBe(false);
    expect(fromDb.reasons.at(-1)).toBe('no ingress rule of these policies allows 8080/TCP from the peer');
  });
});

describe('services: selector, headless, DNS names for a cluster domain', () => {
  const svc: Service = { kind: 'Service', metadata: { name: 'db', namespace: 't' }, spec: { clusterIP: 'None', selector: { app: 'db' } } };
  const member = (name: string): Pod => ({
    kind: 'Pod',
    metadata: { name, namespace: 't' },
    spec: { hostname: name, subdomain: 'db', containers: [] },
  });

  test('one FQDN function, cluster.local by default', () => {
    expect(DEFAULT_CLUSTER_DOMAIN).toBe('cluster.local');
    expect(serviceDnsName({ name: 'db', namespace: 't' })).toBe('db.t.svc.cluster.local');
    expect(serviceDnsName({ name: 'db' }, 'corp.example')).toBe('db.default.svc.corp.example');
  });

  test("a headless Service's names include its pods' names, in the given domain", () => {
    expect(serviceDnsNames(svc, [member('db-0')], 'corp.example')).toEqual([
      'db',
      'db.t',
      'db.t.svc',
      'db.t.svc.corp.example',
      'db-0.db.t.svc.corp.example',
    ]);
    expect(serviceDnsNames({ ...svc, spec: { selector: {} } }, [member('db-0')])).toEqual([
      'db',
      'db.t',
      'db.t.svc',
      'db.t.svc.cluster.local',
    ]);
  });

  test('selectorOf and isHeadless', () => {
    expect(selectorOf(svc)).toEqual({ app: 'db' });
    expect(selectorOf({ ...svc, spec: { selector: {} } })).toBeUndefined();
    expect(isHeadless(svc)).toBe(true);
  });
});

describe('refs, workloads, access', () => {
  test('formatRef is kubectl’s kind/name', () => {
    expect(formatRef({ kind: 'Deployment', name: 'web' })).toBe('deployment/web');
    expect(refOf({ kind: 'Node', metadata: { name: 'n1' } })).toEqual({ kind: 'Node', name: 'n1' });
  });

  test('template pods stand in for pods, ReplicaSets of a Deployment are not top workloads', () => {
    const d = {
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 't' },
      spec: { template: { metadata: { labels: { app: 'web' } } } },
    };
    const p = templatePod(d);
    expect(p.metadata).toMatchObject({ name: 'deployment/web', namespace: 't', labels: { app: 'web' } });
    expect(isTemplatePod(p)).toBe(true);
    const rs = {
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }] },
    };
    expect(topWorkloads([d, rs]).map((w) => w.metadata.name)).toEqual(['web']);
  });

  test('a denied read names its scope and the kubectl auth can-i command', () => {
    expect(deniedScope({ verb: 'list', resource: 'pods', message: '' })).toBe('across all namespaces');
    expect(canICommand({ verb: 'list', resource: 'pods', message: '' })).toBe('kubectl auth can-i list pods -A');
    expect(canICommand({ verb: 'list', resource: 'nodes', message: '' })).toBe('kubectl auth can-i list nodes');
    expect(canICommand({ verb: 'get', resource: 'events', namespace: 'shop', message: '' })).toBe('kubectl auth can-i get events -n shop');
  });
});
