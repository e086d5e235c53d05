import { svcDocument } from '../../../src/commands/svc/run.js';
import { renderServiceText } from '../../../src/commands/svc/render.js';
import { explainFixture } from './helpers.js';

const PLAIN = { color: false, width: 100, wide: false };

describe('svc text renderer (colour off)', () => {
  it('the bundled example: Service, near-miss table, endpoints, findings', async () => {
    const r = await explainFixture('examples/my-app.yaml', 'web', 'my-app');
    expect(renderServiceText(r, PLAIN)).toBe(`Service my-app/web
  type      ClusterIP 10.96.112.40
  ports     http 80/TCP -> 8080
  selector  app=web-server
  dns       web, web.my-app, web.my-app.svc, web.my-app.svc.cluster.local

Pods: none matches the selector; the closest pods in namespace my-app:
  POD                    app=web-server   READY   PHASE     IP            NODE           PORT http
  web-6d8f7b9c54-7xk2p   no: web-sever    yes     Running   10.244.1.17   kind-worker    8080
  web-6d8f7b9c54-m4q9z   no: web-sever    yes     Running   10.244.2.23   kind-worker2   8080
  web-6d8f7b9c54-tr8wd   no: web-sever    yes     Running   10.244.1.18   kind-worker    8080

Endpoints: none (no EndpointSlice lists an address)

Findings (most causal first):

ERROR selector-no-match: No pod matches the selector app=web-server: the closest, 3 pods of deployment/web (web-6d8f7b9c54-7xk2p, web-6d8f7b9c54-m4q9z, web-6d8f7b9c54-tr8wd), carry app=web-sever instead of app=web-server (1 edit away: a typo?).
    - service/web spec.selector: app=web-server
    - pod/web-6d8f7b9c54-7xk2p metadata.labels.app: web-sever
    - pod/web-6d8f7b9c54-m4q9z metadata.labels.app: web-sever
    - pod/web-6d8f7b9c54-tr8wd metadata.labels.app: web-sever
    hint: make the Service selector match the pods: kubectl patch service web -n my-app --type merge -p '{"spec":{"selector":{"app":"web-sever"}}}'; or set app: web-server in spec.template.metadata.labels of deployment/web (deployment/web also selects its pods by this label in spec.selector, which is immutable: changing it means recreating the Deployment)

1 error, 0 warnings, 0 info
`);
  });

  it('the named-port example: matching pods with no resolved port, endpoints counted per Service port', async () => {
    const r = await explainFixture('examples/named-port.yaml', 'api', 'shop');
    expect(renderServiceText(r, PLAIN)).toBe(`Service shop/api
  type      ClusterIP 10.96.45.210
  ports     http 80/TCP -> http
  selector  app.kubernetes.io/name=api
  dns       api, api.shop, api.shop.svc, api.shop.svc.cluster.local

Pods matching the selector (2):
  POD                   app.kubernetes.io/name=api   READY   PHASE     IP            NODE           PORT http
  api-5c7f9d8b6-2lq7v   yes                          yes     Running   10.244.1.31   kind-worker    none
  api-5c7f9d8b6-9fzkc   yes                          yes     Running   10.244.2.40   kind-worker2   none

Endpoints (2 addresses, 2 ready; ready per Service port: http 0):
  SLICE       ADDRESS       READY   SERVING   TERMINATING   POD                   NODE           PORTS
  api-x7d2k   10.244.1.31   yes     yes       no            api-5c7f9d8b6-2lq7v   kind-worker    (none)
  api-x7d2k   10.244.2.40   yes     yes       no            api-5c7f9d8b6-9fzkc   kind-worker2   (none)

Findings (most causal first):

ERROR target-port-not-found: Service port http targets the container port named "http", but none of the 2 matching pods declares it for TCP: the endpoint controller leaves this port out of every endpoint, even for Ready pods.
    - service/api spec.ports[0].targetPort: "http" (TCP)
    - deployment/api: 2 pods (api-5c7f9d8b6-2lq7v, api-5c7f9d8b6-9fzkc): no container port is named "http"; declared: api:web 8080/TCP
    - endpointslice/api-x7d2k: lists api-5c7f9d8b6-2lq7v, api-5c7f9d8b6-9fzkc without port "http"
    - endpoints: ready endpoints for Service port http: 0
    hint: set spec.ports[0].targetPort to "web" or 8080 (the only TCP port the container declares), or name that container port "http" in deployment/api spec.template.spec.containers[].ports

1 error, 0 warnings, 0 info
`);
  });

  it('offline manifests say that only static checks ran', async () => {
    const text = renderServiceText(await explainFixture('manifests.yaml', 'api'), PLAIN);
    expect(text).toContain('Note: the input has no pod status (manifests, or a dump without pods): only static checks ran');
    expect(text).toContain('Endpoints: not known offline (the input has no status)');
  });

  it('service-not-found prints only the finding', async () => {
    const text = renderServiceText(await explainFixture('examples/my-app.yaml', 'wbe', 'my-app'), PLAIN);
    expect(text).toBe(`Findings (most causal first):

ERROR service-not-found: Service "wbe" does not exist in namespace "my-app".
    - services: close names in namespace my-app: web
    hint: did you mean "web"? kdiag svc web -n my-app

1 error, 0 warnings, 0 info
`);
  });

  it('a healthy Service says so', async () => {
    const text = renderServiceText(await explainFixture('traffic.yaml', 'open', 'p'), PLAIN);
    expect(text.trimEnd().split('\n').pop()).toBe('No problems found: the Service has ready endpoints on every port.');
  });

  it('colour only when asked, and wide adds the labels column', async () => {
    const r = await explainFixture('examples/my-app.yaml', 'web', 'my-app');

    const ansi = /\u001b\[/;
    expect(renderServiceText(r, PLAIN)).not.toMatch(ansi);
    expect(renderServiceText(r, { ...PLAIN, color: true })).toMatch(ansi);
    expect(renderServiceText(r, { ...PLAIN, wide: true })).toContain('LABELS');
    expect(renderServiceText(r, { ...PLAIN, wide: true })).toContain('app=web-sever,pod-template-hash=6d8f7b9c54');
  });
});

describe('svc JSON document', () => {
  it('has exactly the documented shape', async () => {
    const doc = JSON.parse(JSON.stringify(svcDocument(await explainFixture('examples/named-port.yaml', 'api', 'shop')))) as Record<
      string,
      unknown
    >;
    expect(Object.keys(doc)).toEqual(['service', 'findings', 'pods', 'endpoints', 'names']);
    expect(doc.service).toEqual({ namespace: 'shop', name: 'api' });
    expect(doc.names).toEqual(['api', 'api.shop', 'api.shop.svc', 'api.shop.svc.cluster.local']);
    const pods = doc.pods as Record<string, unknown>[];
    expect(pods[0]).toEqual({
      name: 'api-5c7f9d8b6-2lq7v',
      labels: { 'app.kubernetes.io/name': 'api', 'pod-template-hash': '5c7f9d8b6' },
      ready: true,
      phase: 'Running',
      ip: '10.244.1.31',
      node: 'kind-worker',
      selectorMatch: { 'app.kubernetes.io/name': 'matched' },
      targetPorts: { http: null },
    });
    expect((doc.endpoints as unknown[])[0]).toEqual({
      slice: 'api-x7d2k',
      ip: '10.244.1.31',
      ready: true,
      serving: true,
      terminating: false,
      pod: 'api-5c7f9d8b6-2lq7v',
      ports: [],
    });
    const f = (doc.findings as Record<string, unknown>[])[0]!;
    expect(Object.keys(f).sort()).toEqual(['code', 'evidence', 'hint', 'message', 'object', 'severity']);
    expect(f.code).toBe('target-port-not-found');
    for (const e of f.evidence as Record<string, unknown>[]) {
      expect(Object.keys(e).every((k) => ['kind', 'object', 'field', 'value'].includes(k))).toBe(true);
    }
  });

  it('service is null when the Service does not exist', async () => {
    const doc = svcDocument(await explainFixture('examples/my-app.yaml', 'nope', 'my-app'));
    expect(doc).toMatchObject({ service: null, pods: [], endpoints: [], names: [] });
  });
});
