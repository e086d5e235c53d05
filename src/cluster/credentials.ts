import { readFileSync } from 'node:fs';
import type * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterAccessError } from '../errors.js';
import type { ResolvedKubeconfig } from './kubeconfig.js';

/**
 * TLS material and headers for the kubeconfigs most people have (certificates, tokens, basic auth), read without
 * @kubernetes/client-node: loading it costs about a third of a second and a few dozen MB, which a one-shot
 * diagnostic should not pay when it needs none of it. Returns undefined when the user entry needs client-node's
 * machinery (exec credential plugins, auth providers such as OIDC, proxies); the caller then loads it.
 */
export function simpleHttpsOptions(cfg: ResolvedKubeconfig): https.RequestOptions | undefined {
  const { cluster, user } = cfg;
  const handledUser = new Set([
    'client-certificate',
    'client-certificate-data',
    'client-key',
    'client-key-data',
    'token',
    'tokenFile',
    'username',
    'password',
  ]);
  if (Object.keys(user).some((k) => !handledUser.has(k) && user[k] !== undefined && user[k] !== null)) return undefined;
  if (cluster['proxy-url']) return undefined;

  const opts: https.RequestOptions = { headers: {} };
  const headers = opts.headers as Record<string, string>;
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate-authority', cfg);
  if (ca) opts.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) opts.rejectUnauthorized = false;
  if (typeof cluster['tls-server-name'] === 'string' && cluster['tls-server-name']) opts.servername = cluster['tls-server-name'];
  const cert = material(user['client-certificate-data'], user['client-certificate'], 'client-certificate', cfg);
  const key = material(user['client-key-data'], user['client-key'], 'client-key', cfg);
  if (cert) opts.cert = cert;
  if (key) opts.key = key;
  const token =
    typeof user.token === 'string' && user.token
      ? user.token
      : user.tokenFile
        ? readText(String(user.tokenFile), 'tokenFile', cfg).trim()
        : undefined;
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (typeof user.username === 'string' && typeof user.password === 'string') {
    headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  }
  return opts;
}

function material(data: unknown, file: unknown, what: string, cfg: ResolvedKubeconfig): Buffer | undefined {
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file !== '') return Buffer.from(readText(file, what, cfg));
  return undefined;
}

function readText(path: string, what: string, cfg: ResolvedKubeconfig): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ClusterAccessError(
      'bad-kubeconfig',
      `cannot read the ${what} file ${path} of context "${cfg.contextName}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'fix the path in the kubeconfig (relative paths are relative to the kubeconfig file)',
    );
  }
}

/**
 * TLS material and headers from client-node's machinery (exec credential plugins, auth providers, proxies): the
 * only place kdiag loads @kubernetes/client-node, and only when {@link simpleHttpsOptions} cannot do the job.
 */
export async function clientNodeHttpsOptions(cfg: ResolvedKubeconfig): Promise<https.RequestOptions> {
  const o: https.RequestOptions = { headers: {} };
  await (await clientNodeConfig(cfg)).applyToHTTPSOptions(o);
  return o;
}

/** The client-node configuration of the resolved context (loads client-node). */
export async function clientNodeConfig(cfg: ResolvedKubeconfig): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  return toClientNodeConfig(cfg, new KubeConfig());
}

/** Fills a client-node KubeConfig with exactly the one resolved context. */
export function toClientNodeConfig(cfg: ResolvedKubeconfig, kc: KubeConfig): KubeConfig {
  const user: Record<string, unknown> = { ...cfg.user };
  if (typeof user.tokenFile === 'string') {
    user['token-file'] = user.tokenFile;
    delete user.tokenFile;
  }
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: cfg.clusterName, cluster: cfg.cluster }],
      users: [{ name: cfg.userName || 'user', user }],
      contexts: [{ name: cfg.contextName, context: { cluster: cfg.clusterName, user: cfg.userName || 'user', namespace: cfg.namespace } }],
      'current-context': cfg.contextName,
    }),
  );
  return kc;
}
