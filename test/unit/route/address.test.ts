import { FileClusterReader } from '../../../src/cluster/file-reader.js';
import { loadRouteSnapshot } from '../../../src/cluster/route-loader.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import { explainRoute } from '../../../src/core/route/explain.js';
import { parseRequestUrl } from '../../../src/core/route/plan.js';

// URLs whose host is an address: a LoadBalancer's status address (ip or hostname) with the URL's port, or a node's
// address with a NodePort. Nothing is dialled: the objects say who claims the address.

const NS = 'shop';
const svc = (name: string, type: string, ports: Record<string, unknown>[], lb?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { type, selector: { app: name }, ports },
  ...(lb ? { status: { loadBalancer: { ingress: [lb] } } } : {}),
});
const node = (name: string, address: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address }] },
});

async function follow(objects: KubeObject[], url: string) {
  const reader = new FileClusterReader(objects, { namespace: NS });
  const snap = await loadRouteSnapshot(reader, { target: { kind: 'url', request: parseRequestUrl(url) }, fallbackNamespace: NS });
  return explainRoute(snap, { now: new Date() });
}
const claimHop = (r: Awaited<ReturnType<typeof follow>>) => r.hops.find((h) => h.kind === 'address' && h.object?.kind === 'Service');

describe('a URL to an address', () => {
  test("a LoadBalancer's IP and a port of the Service: the chain names the Service that claims it and follows it", async () => {
    const r = await follow(
      [svc('api', 'LoadBalancer', [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }], { ip: '203.0.113.7' })],
      'http://203.0.113.7/',
    );
    expect(claimHop(r)).toMatchObject({ ok: true, object: { kind: 'Service', namespace: NS, name: 'api' } });
    expect(claimHop(r)!.detail).toMatch(/203\.0\.113\.7:80 is the load-balancer address .* of Service shop\/api \(port http 80\)/);
    expect(r.findings.map((f) => f.code)).not.toContain('route-no-rule-matches');
    expect(r.hops.find((h) => h.kind === 'service')).toMatchObject({ ok: true, object: { name: 'api' } });
  });

  test("a LoadBalancer's hostname, with the URL's port", async () => {
    const lb = svc('api', 'LoadBalancer', [{ port: 8443, targetPort: 8443, nodePort: 30443 }], { hostname: 'a1b2.elb.example.com' });
    const r = await follow([lb], 'https://a1b2.elb.example.com:8443/');
    expect(claimHop(r)!.object).toMatchObject({ name: 'api' });
    // Another port of the same address is claimed by nobody: no rule, no Service.
    const miss = await follow([lb], 'https://a1b2.elb.example.com/');
    expect(claimHop(miss)).toBeUndefined();
    expect(miss.findings.map((f) => f.code)).toContain('route-no-rule-matches');
  });

  test("a node's address and a NodePort: the Service with that NodePort, the node named", async () => {
    const r = await follow(
      [svc('api', 'NodePort', [{ name: 'http', port: 80, nodePort: 30080 }]), node('n1', '10.240.0.5')],
      'http://10.240.0.5:30080/x',
    );
    expect(claimHop(r)!.detail).toMatch(/address of node n1, NodePort 30080 of Service shop\/api/);
    expect(r.hops.find((h) => h.kind === 'service')).toMatchObject({ ok: true });
  });

  test("the ingress controller's LoadBalancer address: the Ingress rules apply with Host = the address (rules without host match)", async () => {
    const controller = svc('ingress-nginx', 'LoadBalancer', [{ name: 'http', port: 80, nodePort: 30081 }], { ip: '198.51.100.9' });
    const ing: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: NS },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }],
      },
    };
    const r = await follow([controller, ing, svc('api', 'ClusterIP', [{ port: 80 }])], 'http://198.51.100.9/');
    expect(claimHop(r)!.object).toMatchObject({ name: 'ingress-nginx' });
    expect(r.hops.find((h) => h.kind === 'ingress-rule')).toMatchObject({ ok: true, object: { name: 'web' } });
    expect(r.backends.map((x) => x.name)).toEqual(['api']);
  });
});
