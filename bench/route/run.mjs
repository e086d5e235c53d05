// Benchmark of `kdiag route URL -A` on a cluster with 1,000 Ingresses, 200 HTTPRoutes and 2,000 Services (issue 15):
// API requests, wall time and peak memory of kdiag, next to the summed wall time of what a user runs instead
// (`kubectl get ingress -A -o json` + `kubectl get svc -n NS` + `kubectl get endpointslices -n NS -l ...`), all in the
// same run. The routed-to Service has two pods that kwok runs.
//
// Usage: npm run build && node bench/route/run.mjs [--ingresses 1000] [--routes 200] [--services 2000] [--runs 5]
// The namespace (bench-route) is kept between runs and reused when it already holds the objects.
import { spawnSync } from 'node:child_process';
import { benchClusterEnv, clusterUp, kubectl } from '../lib/cluster.mjs';
import { medianRun, runKdiag } from '../lib/kdiag-run.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const INGRESSES = arg('ingresses', 1_000);
const ROUTES = arg('routes', 200);
const SERVICES = arg('services', 2_000);
const RUNS = arg('runs', 5);
const NS = 'bench-route';
const TARGET = 7; // ingress-7 -> svc-7, which has ready pods
const log = (s) => process.stderr.write(`bench: ${s}\n`);

const cluster = clusterUp();
populate();

const url = `http://host-${TARGET}.bench.example/api/v1`;
const kd = measure(() => kdiag(['route', url, '-A', '-o', 'json', '--debug']));
const kc = measure(() => {
  const t0 = process.hrtime.bigint();
  kubectl(cluster, ['get', 'ingress', '-A', '-o', 'json']);
  kubectl(cluster, ['get', 'svc', '-n', NS]);
  kubectl(cluster, ['get', 'endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=svc-${TARGET}`]);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 };
});
console.log(`kdiag route ${url} -A on ${INGRESSES} Ingresses / ${ROUTES} HTTPRoutes / ${SERVICES} Services (median of ${RUNS} runs)`);
console.log('requests  kdiag ms  kubectl sum ms  kdiag peak MB  exit');
console.log(
  `${String(kd.requests).padStart(8)}${kd.ms.toFixed(0).padStart(10)}${kc.ms.toFixed(0).padStart(16)}${(kd.maxRssKb / 1024).toFixed(0).padStart(15)}${String(kd.status).padStart(6)}`,
);
console.log('(kubectl sum: get ingress -A -o json + get svc -n NS + get endpointslices -n NS -l kubernetes.io/service-name=...)');

function measure(fn) {
  return medianRun(fn, RUNS);
}

function kdiag(args) {
  return runKdiag(args, cluster.kubeconfig);
}

function populate() {
  const marker = `${INGRESSES}-${ROUTES}-${SERVICES}`;
  const ns = spawnSync(
    `${cluster.bin}/kubectl`,
    ['--kubeconfig', cluster.kubeconfig, 'get', 'ns', NS, '-o', 'jsonpath={.metadata.labels.kdiag-bench}'],
    { encoding: 'utf8' },
  );
  if (ns.status === 0 && ns.stdout.trim() === marker) {
    log(`reusing namespace ${NS}`);
    return;
  }
  if (ns.status === 0) kubectl(cluster, ['delete', 'ns', NS, '--wait=true', '--timeout=300s']);
  kubectl(cluster, ['create', 'ns', NS]);
  const list = (items) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
  const services = [];
  for (let i = 0; i < SERVICES; i++)
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: NS },
      spec: { selector: { app: `app-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
  createInBatches(services, 500);
  kubectl(
    cluster,
    ['create', '-f', '-'],
    list([
      { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'bench' }, spec: { controller: 'example.com/bench' } },
      ...[0, 1].map((j) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `app-${TARGET}-${j}`, namespace: NS, labels: { app: `app-${TARGET}` } },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0', ports: [{ containerPort: 8080 }] }] },
      })),
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: NS },
        spec: { gatewayClassName: 'bench', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
      },
    ]),
  );
  const ingresses = [];
  for (let i = 0; i < INGRESSES; i++)
    ingresses.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `ingress-${i}`, namespace: NS },
      spec: {
        ingressClassName: 'bench',
        rules: [
          {
            host: `host-${i}.bench.example`,
            http: {
              paths: [
                { path: '/api', pathType: 'Prefix', backend: { service: { name: `svc-${i % SERVICES}`, port: { number: 80 } } } },
                { path: '/', pathType: 'Prefix', backend: { service: { name: `svc-${(i + 1) % SERVICES}`, port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
  createInBatches(ingresses, 250);
  const routes = [];
  for (let i = 0; i < ROUTES; i++)
    routes.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: `route-${i}`, namespace: NS },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: [`route-${i}.bench.example`],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: `svc-${i}`, port: 80 }] }],
      },
    });
  createInBatches(routes, 100);
  kubectl(cluster, ['wait', '--for=condition=Ready', 'pod', '-l', `app=app-${TARGET}`, '-n', NS, '--timeout=120s']);
  kubectl(cluster, ['label', 'ns', NS, `kdiag-bench=${marker}`, '--overwrite']);
}

function createInBatches(items, size) {
  for (let i = 0; i < items.length; i += size) {
    kubectl(cluster, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: items.slice(i, i + size) }));
    log(`created ${Math.min(i + size, items.length)}/${items.length} ${items[0].kind}s`);
  }
}
log(`the bench cluster keeps running; stop it with: KDIAG_CLUSTER_DIR=${benchClusterEnv.KDIAG_CLUSTER_DIR} bash test/cluster/down.sh`);
