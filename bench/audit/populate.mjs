// Populates the audit benchmark's cluster: NAMESPACES namespaces, each with SERVICES/NAMESPACES Services and
// PODS/NAMESPACES pods created bound to the KWOK nodes (spec.nodeName set, no controllers, no scheduler), and
// PLANTED broken Services spread over the namespaces. Kept between runs: a label on each namespace records what it
// holds, and a complete namespace is skipped. Run through bench/audit/run.mjs (which starts the cluster).
import { spawn, spawnSync } from 'node:child_process';
import { kubectl } from '../lib/cluster.mjs';

/** The planted problems: kind, how many, what each peer would have to name. */
export const PLANTED_KINDS = [
  'selector-no-match',
  'target-port-not-found',
  'pods-not-running',
  'network-policy-denies-all',
  'target-port-not-declared',
];

export function plan({ namespaces, services, pods, planted }) {
  const perNs = services / namespaces;
  const podsPerNs = pods / namespaces;
  const broken = [];
  for (let i = 0; i < planted; i++) {
    const kind = PLANTED_KINDS[i % PLANTED_KINDS.length];
    // Spread over the namespaces: the i-th planted Service is in namespace (i * 2) % namespaces.
    broken.push({ kind, namespace: `audit-${String((i * 2) % namespaces).padStart(3, '0')}`, name: `broken-${i}-${kind}` });
  }
  return { perNs, podsPerNs, broken };
}

const log = (s) => process.stderr.write(`bench: ${s}\n`);

function objectsOf(nsName, nsIndex, p, nodes) {
  const items = [];
  for (let s = 0; s < p.perNs; s++) {
    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${s}`, namespace: nsName },
      spec: { selector: { app: `app-${s}` }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
  }
  const pods = [];
  for (let j = 0; j < p.podsPerNs; j++) {
    pods.push(pod(nsName, `pod-${j}`, { app: `app-${j % p.perNs}`, tier: 'web' }, `kwok-node-${(nsIndex * p.podsPerNs + j) % nodes}`));
  }
  const extra = [];
  for (const b of p.broken.filter((x) => x.namespace === nsName)) {
    const app = `${b.name}-app`;
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: b.name, namespace: nsName },
      spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    };
    const node = `kwok-node-${nsIndex % nodes}`;
    if (b.kind === 'selector-no-match') {
      svc.spec.selector = { app: `${app}x` };
      extra.push(pod(nsName, `${b.name}-0`, { app }, node));
    } else if (b.kind === 'target-port-not-found') {
      svc.spec.ports[0].targetPort = 'web';
      extra.push(pod(nsName, `${b.name}-0`, { app }, node));
    } else if (b.kind === 'target-port-not-declared') {
      svc.spec.ports[0].targetPort = 9090;
      extra.push(pod(nsName, `${b.name}-0`, { app }, node));
    } else if (b.kind === 'pods-not-running') {
      // Bound to a node that does not exist: it stays Pending without an IP.
      extra.push(pod(nsName, `${b.name}-0`, { app }, `gone-node-${b.name}`));
    } else if (b.kind === 'network-policy-denies-all') {
      extra.push(pod(nsName, `${b.name}-0`, { app }, node));
      extra.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `${b.name}-deny`, namespace: nsName },
        spec: { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'] },
      });
    }
    items.push(svc);
  }
  return [...items, ...extra, ...pods];
}

function pod(namespace, name, labels, nodeName) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      nodeName,
      containers: [
        {
          name: 'web',
          image: 'registry.example/web:1.0',
          ports: [{ name: 'http', containerPort: 8080 }],
          resources: { requests: { cpu: '1m', memory: '1Mi' } },
        },
      ],
    },
  };
}

function create(cluster, items) {
  return new Promise((resolve, reject) => {
    const c = spawn(`${cluster.bin}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => {
      // A re-run after an interrupted one: objects that exist already are fine, any other error is not.
      const errors = err.split('\n').filter((l) => l.startsWith('Error'));
      if (code === 0 || (errors.length > 0 && errors.every((l) => /AlreadyExists|already exists/.test(l)))) resolve();
      else reject(new Error(err));
    });
    c.stdin.end(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  });
}

/** Creates what is missing; returns the seconds it took (0 when everything was there). */
export async function populate(cluster, p, { namespaces, nodes, parallel = 6 }) {
  const marker = `${p.perNs}-${p.podsPerNs}-${p.broken.length}`;
  const have = new Map(
    kubectl(cluster, [
      'get',
      'ns',
      '-l',
      'kdiag-bench-audit',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.kdiag-bench-audit}{"\\n"}{end}',
    ])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=')),
  );
  const t0 = Date.now();
  const todo = [];
  for (let i = 0; i < namespaces; i++) {
    const name = `audit-${String(i).padStart(3, '0')}`;
    if (have.get(name) === marker) continue;
    todo.push({ name, i });
  }
  if (todo.length === 0) return 0;
  log(`creating ${todo.length} namespaces of ${p.perNs} Services and ${p.podsPerNs} pods (bound to ${nodes} KWOK nodes, no controllers)`);
  // Batches of 250 objects, `parallel` kubectl processes at a time.
  const batches = [];
  for (const t of todo) {
    spawnSync(`${cluster.bin}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'create', 'ns', t.name], { encoding: 'utf8' });
    const objs = objectsOf(t.name, t.i, p, nodes);
    for (let k = 0; k < objs.length; k += 250) batches.push({ ns: t.name, items: objs.slice(k, k + 250), last: k + 250 >= objs.length });
  }
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < batches.length) {
      const b = batches[next++];
      await create(cluster, b.items);
      done++;
      if (done % 20 === 0) log(`${done}/${batches.length} batches created (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  for (const t of todo) kubectl(cluster, ['label', 'ns', t.name, `kdiag-bench-audit=${marker}`, '--overwrite']);
  return (Date.now() - t0) / 1000;
}
