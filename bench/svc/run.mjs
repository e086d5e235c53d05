// Benchmark of `kdiag svc` on a namespace with 10,000 pods and 2,000 Services in the local test cluster, in two
// scenarios: a healthy Service, and a selector typo that needs the near-miss search. For each: API requests,
// wall time and peak memory of kdiag, next to the summed wall time of the kubectl commands a user would run
// instead (get svc, get endpointslices -l, get pods -l), all in the same run.
//
// Usage: npm run build && node bench/svc/run.mjs [--pods 10000] [--services 2000] [--runs 5]
// The namespace (bench-svc) is kept between runs and reused when it already holds the objects.
import { spawnSync } from 'node:child_process';
import { benchClusterEnv, clusterUp, kubectl } from '../lib/cluster.mjs';
import { medianRun, runKdiag } from '../lib/kdiag-run.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const PODS = arg('pods', 10_000);
const SERVICES = arg('services', 2_000);
const RUNS = arg('runs', 5);
const NS = 'bench-svc';
const BENCH_NODES = 3; // each with a /20 pod range: 3 x 4094 addresses for kwok to hand out
const log = (s) => process.stderr.write(`bench: ${s}\n`);

const cluster = clusterUp();
populate();

const scenarios = [
  { name: 'healthy Service', svc: 'svc-7', selector: 'app=app-7' },
  { name: 'selector typo (near-miss search)', svc: 'typo', selector: 'app=app-7x' },
];
const rows = [];
for (const s of scenarios) {
  const kd = measure(() => kdiag(['svc', s.svc, '-n', NS, '-o', 'json', '--debug']));
  const kc = measure(() => {
    const t0 = process.hrtime.bigint();
    kubectl(cluster, ['get', 'svc', s.svc, '-n', NS]);
    kubectl(cluster, ['get', 'endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=${s.svc}`]);
    kubectl(cluster, ['get', 'pods', '-n', NS, '-l', s.selector]);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  });
  // What a user needs on top to find a near miss by eye: every pod's labels (the same pages kdiag reads).
  const labels =
    s.svc === 'typo'
      ? measure(() => {
          const t0 = process.hrtime.bigint();
          kubectl(cluster, ['get', 'pods', '-n', NS, '--show-labels']);
          return { ms: Number(process.hrtime.bigint() - t0) / 1e6 };
        })
      : undefined;
  rows.push({ scenario: s.name, ...kd, kubectlMs: kc.ms, labelsMs: labels?.ms });
}
console.log(
  `kdiag svc on ${PODS} pods / ${SERVICES} Services (median of ${RUNS} runs; kubectl = get svc + get endpointslices -l + get pods -l)`,
);
console.log('scenario                            requests  kdiag ms  kubectl ms  +show-labels ms  kdiag peak MB  exit');
for (const r of rows) {
  const withLabels = r.labelsMs === undefined ? '-' : (r.kubectlMs + r.labelsMs).toFixed(0);
  console.log(
    `${r.scenario.padEnd(36)}${String(r.requests).padStart(8)}${r.ms.toFixed(0).padStart(10)}${r.kubectlMs.toFixed(0).padStart(12)}${withLabels.padStart(17)}${(r.maxRssKb / 1024).toFixed(0).padStart(15)}${String(r.status).padStart(6)}`,
  );
}
console.log(
  '(+show-labels: the three kubectl commands plus `kubectl get pods -n NS --show-labels`, which a user needs to spot a near miss)',
);

function measure(fn) {
  return medianRun(fn, RUNS);
}

function kdiag(args) {
  return runKdiag(args, cluster.kubeconfig);
}

function populate() {
  const marker = `${PODS}-${SERVICES}`;
  const ns = spawnSync(
    `${cluster.bin}/kubectl`,
    ['--kubeconfig', cluster.kubeconfig, 'get', 'ns', NS, '-o', 'jsonpath={.metadata.labels.kdiag-bench}'],
    { encoding: 'utf8' },
  );
  if (ns.status === 0 && ns.stdout.trim() === marker && readyEndpointsOf('svc-7') > 0) {
    log(`reusing namespace ${NS} (${PODS} pods, ${SERVICES} Services)`);
    return;
  }
  if (ns.status === 0) {
    log(`deleting the old ${NS}`);
    kubectl(cluster, ['delete', 'ns', NS, '--wait=true', '--timeout=300s']);
  }
  log(`creating ${BENCH_NODES} bench nodes, ${SERVICES} Services and ${PODS} pods bound to them (no controllers)`);
  const nodes = [];
  for (let i = 0; i < BENCH_NODES; i++) {
    nodes.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `kdiag-bench-${i}`, labels: { type: 'kwok', 'kdiag-bench': 'true' } },
      // The taint keeps the scheduler from putting other test pods here; the bench binds its pods itself.
      spec: {
        podCIDR: `10.244.${128 + i * 16}.0/20`,
        podCIDRs: [`10.244.${128 + i * 16}.0/20`],
        taints: [{ key: 'kdiag-bench', value: 'true', effect: 'NoSchedule' }],
      },
    });
  }
  kubectl(cluster, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes }));
  kubectl(cluster, ['wait', '--for=condition=Ready', 'node', '-l', 'kdiag-bench=true', '--timeout=120s']);
  kubectl(cluster, ['create', 'ns', NS]);
  const services = [];
  for (let i = 0; i < SERVICES; i++) {
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: NS },
      spec: { selector: { app: `app-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
  }
  services.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'typo', namespace: NS },
    spec: { selector: { app: 'app-7x' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  createInBatches(services, 500);
  const pods = [];
  for (let j = 0; j < PODS; j++) {
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `pod-${j}`, namespace: NS, labels: { app: `app-${j % SERVICES}`, tier: 'web' } },
      spec: {
        nodeName: `kdiag-bench-${j % BENCH_NODES}`,
        containers: [{ name: 'web', image: 'registry.example/web:1.0', ports: [{ name: 'http', containerPort: 8080 }] }],
      },
    });
  }
  createInBatches(pods, 500);
  log('waiting for kwok to run the pods and for the EndpointSlice controller to catch up');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const running = kubectl(cluster, ['get', 'pods', '-n', NS, '--field-selector=status.phase=Running', '-o', 'name', '--chunk-size=1000'])
      .split('\n')
      .filter(Boolean).length;
    const last = readyEndpointsOf(`svc-${SERVICES - 1}`);
    log(`${running}/${PODS} pods running; svc-${SERVICES - 1} has ${last} ready endpoints`);
    if (running === PODS && last > 0) break;
    if (Date.now() > deadline) throw new Error('the cluster did not settle within 15 minutes');
    spawnSync('sleep', ['5']);
  }
  kubectl(cluster, ['label', 'ns', NS, `kdiag-bench=${marker}`, '--overwrite']);
}

function readyEndpointsOf(svc) {
  const r = spawnSync(
    `${cluster.bin}/kubectl`,
    ['--kubeconfig', cluster.kubeconfig, 'get', 'endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return 0;
  const list = JSON.parse(r.stdout);
  return list.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
}

function createInBatches(items, size) {
  for (let i = 0; i < items.length; i += size) {
    kubectl(cluster, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: items.slice(i, i + size) }));
    log(`created ${Math.min(i + size, items.length)}/${items.length} ${items[0].kind}s`);
  }
}
log(
  `the bench cluster keeps running for the next run; stop it with: KDIAG_CLUSTER_DIR=${benchClusterEnv.KDIAG_CLUSTER_DIR} bash test/cluster/down.sh`,
);
