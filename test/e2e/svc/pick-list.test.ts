// The Service pick list (kdiag svc without NAME, in a terminal) on the live cluster: ready endpoints are counted per
// Service port, as the diagnosis counts them, so a Service whose only port resolves on no pod shows 0 ready and
// sorts first, even though its pods are Ready and listed in the EndpointSlice.
import { createKubeConnection } from '../../../src/cluster/kube-connection.js';
import { listServiceChoices } from '../../../src/cluster/svc-loader.js';
import { deployment, service } from '../../helpers/manifests.js';
import { applyYaml, clusterInfo, useNamespace, waitForReadyPods } from '../helpers/index.js';
import { kdiagSvc, settledFindings, suffix, waitForSlice } from './helpers.js';

const ns = useNamespace('svc-pick-list');
const sfx = suffix();

beforeAll(async () => {
  // api: the pods declare only "web"; the Service targets the name "http", which no container declares.
  await applyYaml(deployment({ name: 'api', templateLabels: { app: `api-${sfx}` }, ports: [{ containerPort: 8080, name: 'web' }] }), {
    namespace: ns.name,
  });
  await applyYaml(service({ name: 'api', selector: { app: `api-${sfx}` }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }), {
    namespace: ns.name,
  });
  // shop: healthy.
  await applyYaml(deployment({ name: 'shop', templateLabels: { app: `shop-${sfx}` } }), { namespace: ns.name });
  await applyYaml(service({ name: 'shop', selector: { app: `shop-${sfx}` } }), { namespace: ns.name });
  await waitForReadyPods(ns.name, `app=api-${sfx}`, 2);
  await waitForReadyPods(ns.name, `app=shop-${sfx}`, 2);
  await waitForSlice(ns.name, 'api');
  await waitForSlice(ns.name, 'shop');
});

test('a Service with Ready pods but no endpoint on its port counts 0 ready and comes first', async () => {
  const diagnosis = await kdiagSvc('api', ns.name);
  expect(settledFindings(diagnosis.doc?.findings).map((f) => f.code)).toEqual(['target-port-not-found']);
  const conn = await createKubeConnection({ kubeconfig: clusterInfo().kubeconfig, requestTimeoutMs: 30_000, env: process.env });
  const choices = await listServiceChoices(conn.reader, ns.name);
  expect(choices).toEqual([
    { name: 'api', type: 'ClusterIP', readyEndpoints: 0, selector: true },
    { name: 'shop', type: 'ClusterIP', readyEndpoints: 2, selector: true },
  ]);
});
