/**
 * KWOK routing: where port-forwards and execs to (fake) pods really go. Pods, their IPs and ClusterIPs are virtual;
 * the only real traffic is client -> kube-apiserver -> kwok (Hostname `localhost`) -> a process on 127.0.0.1.
 *
 * - Port-forward: a ClusterPortForward per test namespace maps a pod port to a local TCP port. Create it BEFORE the
 *   pods (replacement pods get new names; a namespace-wide rule still covers them).
 * - Exec: the cluster-wide ClusterExec `kdiag-shims` (made by up.sh) runs the argv on this host with PATH holding
 *   only test/cluster/shims/ (canned sh, nslookup, dig, getent, curl, nc, ...). An unknown program fails. A
 *   namespaced Exec made by {@link routeExec} overrides it for one pod (e.g. to set the shim's namespace).
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clusterInfo, getObject, kubectl, repoRoot, run, type RunResult } from './cluster.js';
import { NAMESPACE_LABEL } from './namespace.js';

/** A pod port and the local port on 127.0.0.1 that kwok dials for it. */
export interface PortRoute {
  /** Port asked for by the client (the pod's port); omit to route every port. */
  podPort?: number;
  /** Local TCP port on 127.0.0.1 (e.g. from {@link startEchoServer}). */
  localPort: number;
}

/**
 * Routes port-forwards to every pod of `namespace` (present and future) to local TCP ports, with a
 * ClusterPortForward named `kdiag-e2e-<namespace>[-<suffix>]` that {@link deleteNamespace} removes. Give each call
 * for the same namespace a distinct `suffix` and distinct pod ports. Resolves with a function that deletes the rule.
 */
export async function routePortForward(
  namespace: string,
  routes: PortRoute[],
  opts: { suffix?: string; pods?: string[] } = {},
): Promise<() => Promise<void>> {
  const name = `kdiag-e2e-${namespace}${opts.suffix ? `-${opts.suffix}` : ''}`;
  const obj = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterPortForward',
    metadata: { name, labels: { [NAMESPACE_LABEL]: namespace } },
    spec: {
      selector: { matchNamespaces: [namespace], ...(opts.pods ? { matchNames: opts.pods } : {}) },
      forwards: routes.map((r) => ({
        ...(r.podPort !== undefined ? { ports: [r.podPort] } : {}),
        target: { address: '127.0.0.1', port: r.localPort },
      })),
    },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
  return async () => {
    await kubectl(['delete', 'clusterportforwards.kwok.x-k8s.io', name, '--ignore-not-found'], { check: false });
  };
}

/**
 * Overrides the exec environment for one pod with a namespaced KWOK Exec (same name as the pod). It still runs
 * only the shims; `env` adds variables such as KDIAG_SHIM_NAMESPACE (the shims' DNS search namespace) or
 * KDIAG_SHIM_HOSTNAME. Deleted with the namespace.
 */
export async function routeExec(namespace: string, pod: string, env: Record<string, string> = {}): Promise<void> {
  const info = clusterInfo();
  const envs = {
    PATH: path.join(repoRoot, 'test/cluster/shims'),
    HOME: path.join(info.runDir, 'exec-root'),
    KDIAG_SHIM_DATA: info.shimDataDir,
    KDIAG_SHIM_NAMESPACE: namespace,
    KDIAG_SHIM_HOSTNAME: pod,
    ...env,
  };
  if (envs.PATH !== path.join(repoRoot, 'test/cluster/shims')) throw new Error('routeExec: PATH must stay the shims folder');
  const obj = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Exec',
    metadata: { name: pod, namespace },
    spec: { execs: [{ local: { workDir: envs.HOME, envs: Object.entries(envs).map(([name, value]) => ({ name, value })) } }] },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
}

/**
 * `kubectl exec` through the apiserver and kwok (built kubectl, execFile). Resolves with the exit code and output;
 * it does not throw on a non-zero exit.
 *
 * Exit codes: KWOK v0.8.0 reports a failed command as an error without its exit code, so kubectl exits 1 for any
 * non-zero exit; compare `code` with 0 only.
 *
 * `stdin`: KWOK v0.8.0 never closes the command's stdin when the client's ends, so a program that reads stdin to
 * EOF (e.g. `cat`) never exits and the call ends at `timeoutMs`. The `sh` shim runs stdin line by line and stops at
 * an `exit` line: `execInPod(ns, pod, ['sh'], { stdin: 'nslookup web\nexit\n' })`.
 */
export async function execInPod(
  namespace: string,
  pod: string,
  argv: readonly string[],
  opts: { container?: string; stdin?: string | Buffer; timeoutMs?: number } = {},
): Promise<RunResult> {
  const args = ['exec', pod];
  if (opts.container) args.push('-c', opts.container);
  if (opts.stdin !== undefined) args.push('-i');
  args.push('--', ...argv);
  return kubectl(args, { namespace, input: opts.stdin, check: false, timeoutMs: opts.timeoutMs ?? 30_000 });
}

/** Adds a canned DNS answer for the exec shims (nslookup, dig, host, getent, curl, nc): `name` resolves to `ip`. */
export async function addShimDnsAnswer(name: string, ip: string): Promise<void> {
  await appendFile(path.join(clusterInfo().shimDataDir, 'dns.txt'), `${name.replace(/\.$/, '')} ${ip}\n`);
}

/**
 * Adds a canned SRV record for the exec shims (`nslookup -type=SRV name`): `name` answers
 * `priority weight port target` (one line per record; call once per record).
 */
export async function addShimSrvAnswer(
  name: string,
  srv: { priority?: number; weight?: number; port: number; target: string },
): Promise<void> {
  const line = `${name.replace(/\.$/, '')} SRV ${srv.priority ?? 0} ${srv.weight ?? 100} ${srv.port} ${srv.target}\n`;
  await appendFile(path.join(clusterInfo().shimDataDir, 'dns.txt'), line);
}

/** Makes `<service>.<namespace>.svc.cluster.local` resolve (in the shims) to the Service's real ClusterIP. */
export async function registerServiceDns(namespace: string, service: string): Promise<string> {
  const svc = await getObject<{ spec: { clusterIP?: string } }>('service', service, namespace);
  const ip = svc?.spec.clusterIP;
  if (!ip || ip === 'None') throw new Error(`registerServiceDns: service ${namespace}/${service} has no ClusterIP`);
  await addShimDnsAnswer(`${service}.${namespace}.svc.cluster.local`, ip);
  return ip;
}

/** Makes curl/wget/nc in the shims report "connection refused" for host:port (until {@link openShimPort}). */
export async function closeShimPort(host: string, port: number): Promise<void> {
  await appendFile(path.join(clusterInfo().shimDataDir, 'closed.txt'), `${host}:${port}\n`);
}

/** Undoes {@link closeShimPort}. */
export async function openShimPort(host: string, port: number): Promise<void> {
  const file = path.join(clusterInfo().shimDataDir, 'closed.txt');
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l && l !== `${host}:${port}`);
  await writeFile(file, lines.map((l) => `${l}\n`).join(''));
}

/** Runs a shim directly on this host (no cluster involved), e.g. to compare with an exec through kwok. */
export async function runShim(name: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const shims = path.join(repoRoot, 'test/cluster/shims');
  return run(path.join(shims, name), args, { env: { PATH: shims, KDIAG_SHIM_DATA: clusterInfo().shimDataDir, ...env } });
}
