// Populates the audit benchmark's cluster: NAMESPACES namespaces, each with SERVICES/NAMESPACES Services and
// PODS/NAMESPACES pods created bound to the KWOK nodes (spec.nodeName set, no controllers, no scheduler), and
// PLANTED broken Services spread over the namespaces. Kept between runs: a label on each namespace records what it
// holds, and a complete namespace is skipped. Run through bench/audit/run.mjs (which starts the cluster).
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
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
      extra.push(plantedPendingPod(nsName, b));
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

/**
 * The planted pods-not-running pod: not bound, with a nodeSelector no node matches, so the scheduler leaves it
 * Pending (Unschedulable) for as long as the cluster lives. (Bound to a node that does not exist, as before, the
 * controller manager's pod garbage collector deleted it within minutes, and the Service then had no pods at all.)
 */
function plantedPendingPod(namespace, b) {
  return pod(namespace, `${b.name}-pending`, { app: `${b.name}-app` }, undefined, { 'kdiag.dev/bench-no-such-node': 'true' });
}

function pod(namespace, name, labels, nodeName, nodeSelector) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      ...(nodeSelector ? { nodeSelector } : {}),
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

/**
 * Creates objects by POSTing them straight to the API server (keep-alive, `parallel` requests in flight): the same
 * objects as `kubectl create -f`, without a kubectl process and its discovery per batch. An object that exists
 * already (a re-run after an interrupted one) is fine; throttling and server errors are retried.
 */
function apiClient(cluster) {
  const kubeconfig = readFileSync(cluster.kubeconfig, 'utf8');
  const b64 = (k) => Buffer.from(new RegExp(`${k}: (\\S+)`).exec(kubeconfig)[1], 'base64');
  const server = new URL(/server: (\S+)/.exec(kubeconfig)[1]);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 64,
    ca: b64('certificate-authority-data'),
    cert: b64('client-certificate-data'),
    key: b64('client-key-data'),
  });
  const post = (path, body) =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = httpsRequest(
        {
          host: server.hostname,
          port: server.port,
          path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode, text }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  return {
    agent,
    async create(obj) {
      const ns = obj.metadata.namespace;
      const path =
        obj.kind === 'Namespace'
          ? '/api/v1/namespaces'
          : obj.kind === 'NetworkPolicy'
            ? `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`
            : `/api/v1/namespaces/${ns}/${obj.kind.toLowerCase()}s`;
      for (let attempt = 0; ; attempt++) {
        let r;
        try {
          r = await post(path, obj);
        } catch (e) {
          if (attempt < 5) continue;
          throw e;
        }
        if (r.status < 300 || r.status === 409) return;
        if ((r.status === 429 || r.status >= 500) && attempt < 10) {
          await new Promise((res) => setTimeout(res, 200 * (attempt + 1)));
          continue;
        }
        throw new Error(`POST ${path} ${obj.metadata.name}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      }
    },
  };
}

/** Creates what is missing; returns the seconds it took (0 when everything was there). */
export async function populate(cluster, p, { namespaces, nodes, parallel = 16 }) {
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
  if (todo.length === 0) {
    // A cluster populated before the planted Pending pods were unbound lost them to the pod garbage collector:
    // create them (an existing one is left alone).
    const api = apiClient(cluster);
    for (const b of p.broken.filter((x) => x.kind === 'pods-not-running')) await api.create(plantedPendingPod(b.namespace, b));
    api.agent.destroy();
    return 0;
  }
  log(`creating ${todo.length} namespaces of ${p.perNs} Services and ${p.podsPerNs} pods (bound to ${nodes} KWOK nodes, no controllers)`);
  // Namespaces first, then every object, `parallel` POSTs in flight over keep-alive connections.
  const api = apiClient(cluster);
  for (const t of todo) await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.name } });
  const objs = todo.flatMap((t) => objectsOf(t.name, t.i, p, nodes));
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < objs.length) {
      await api.create(objs[next++]);
      if (++done % 5000 === 0) log(`${done}/${objs.length} objects created (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  api.agent.destroy();
  for (const t of todo) kubectl(cluster, ['label', 'ns', t.name, `kdiag-bench-audit=${marker}`, '--overwrite']);
  return (Date.now() - t0) / 1000;
}
