import {
  clusterDomainOf,
  corefileFacts,
  CUSTOM_COREFILE_CONFIGMAP,
  expandCustomImports,
  importsCustom,
  parseCorefile,
} from '../core/dns/corefile.js';
import { undashIp } from '../core/dns/name.js';
import type { DnsSnapshot, ParsedName } from '../core/dns/types.js';
import type { EndpointSlice, KubeObject, Pod, Service } from '../core/k8s/types.js';
import { DEFAULT_CLUSTER_DOMAIN } from '../core/k8s/services.js';
import { UsageError } from '../errors.js';
import { R, type ClusterReader, type Denied, type ListOptions, type Resource } from './reader.js';

/** What to look up, and from where. */
export interface LoadDnsOptions {
  name: ParsedName;
  /** The namespace of the client (the pod making the lookup). */
  clientNamespace: string;
  /** `--from-pod`: the client pod, in the client namespace (required: a missing pod is a usage error). */
  fromPod?: string;
  /** `--cluster-domain`: wins over the Corefile's domain. */
  clusterDomain?: string;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** The snapshot, and sentences about what the loader could not read (the command adds them to the notes). */
export interface LoadedDns {
  snapshot: DnsSnapshot;
  notes: string[];
  /** The reads the server refused (also in `snapshot.denied`, in the core's looser type). */
  denied: Denied[];
}

/** The most Services whose EndpointSlices are read (the name's own, and the ones the search list may land on). */
export const MAX_SLICE_SERVICES = 4;

/**
 * Loads what `explainDns` needs through any ClusterReader (live or file), reading as little as the name needs:
 * - `--from-pod`: that pod (list by name in the client namespace; required, missing is a usage error);
 * - the CoreDNS ConfigMap `kube-system/coredns`, key `Corefile` (optional); when it is absent, the one the pods of
 *   Service kube-system/kube-dns mount, else RKE2's name (findMountedCorefile, best effort);
 * - Service names of every namespace (metadata only, optional), and in full those of the name's and the client's
 *   namespaces (when they hold any); denied across namespaces: the name's namespace (required), the client's (optional);
 * - namespaces (metadata only, optional), only when the name's namespace holds no Service read;
 * - EndpointSlices by label `kubernetes.io/service-name` for the Services the name can land on (optional);
 * - pods, only for pod-record names: the namespace's pods for `host.svc.ns`, by IP for `a-b-c-d.ns.pod` (optional).
 * Denied optional reads are recorded in `denied` (rbac-partial findings in the command).
 */
export async function loadDnsSnapshot(reader: ClusterReader, opts: LoadDnsOptions): Promise<LoadedDns> {
  const { name: p, clientNamespace: clientNs } = opts;
  const denied: Denied[] = [];
  const notes: string[] = [];
  const optional = async <T extends KubeObject>(r: Resource, o: ListOptions): Promise<T[] | undefined> => {
    const res = await reader.tryList<T>(r, o);
    if (res.ok) return res.items;
    denied.push(res.denied);
    return undefined;
  };

  let clientPod: Pod | undefined;
  if (opts.fromPod !== undefined) {
    // `list` by name, not `get`: one verb on pods (list) covers every pod read of kdiag.
    const found = await reader.list<Pod>(R.pods, { namespace: clientNs, fieldSelector: `metadata.name=${opts.fromPod}` });
    clientPod = found[0];
    if (!clientPod) {
      throw new UsageError(
        `pod ${opts.fromPod} not found in namespace ${clientNs}`,
        `--from-pod takes a pod of the client namespace (-n); list them: kubectl get pods -n ${clientNs}`,
      );
    }
  }

  const cms = await optional<ConfigMap>(R.configmaps, { namespace: 'kube-system', fieldSelector: 'metadata.name=coredns' });
  let text = cms?.[0]?.data?.Corefile;
  if (cms && text === undefined) {
    // Not kubeadm's name: the ConfigMap the pods behind kube-system/kube-dns mount (RKE2's, a Helm release's).
    const found = await findMountedCorefile(reader);
    if (found) {
      text = found.text;
      notes.push(
        `The Corefile comes from ConfigMap kube-system/${found.name}${found.mounted ? ' (mounted by the pods of Service kube-system/kube-dns)' : ''}.`,
      );
    }
  }
  let parsed = text !== undefined ? parseCorefile(text) : undefined;
  if (text !== undefined && parsed && importsCustom(parsed)) {
    // AKS: the Corefile imports custom/*.server and custom/*.override from ConfigMap kube-system/coredns-custom.
    const custom = await optional<ConfigMap>(R.configmaps, {
      namespace: 'kube-system',
      fieldSelector: `metadata.name=${CUSTOM_COREFILE_CONFIGMAP}`,
    });
    const data = custom?.[0]?.data;
    if (data) {
      const expanded = expandCustomImports(text, data);
      if (expanded.used.length > 0) {
        parsed = parseCorefile(expanded.text);
        notes.push(
          `The Corefile imports ConfigMap kube-system/${CUSTOM_COREFILE_CONFIGMAP} (AKS's customisation): ${expanded.used.join(', ')} included.`,
        );
      }
    }
  }
  if (cms && !parsed) {
    notes.push(
      reader.source === 'live'
        ? 'There is no ConfigMap kube-system/coredns with a Corefile: the cluster runs another DNS server (or none); kdiag answers as CoreDNS would.'
        : 'The input holds no ConfigMap kube-system/coredns with a Corefile: kdiag answers as a default CoreDNS would.',
    );
  }
  const fromCorefile = parsed ? clusterDomainOf(parsed) : undefined;
  const clusterDomain = opts.clusterDomain ?? fromCorefile ?? DEFAULT_CLUSTER_DOMAIN;
  const clusterDomainSource = opts.clusterDomain !== undefined ? 'flag' : fromCorefile !== undefined ? 'corefile' : 'assumed';

  const targetNs = p.namespace ?? clientNs;
  // The resolver's questions land only in the client's namespace and the one the name points at: the Services there
  // are read in full; elsewhere names suffice (suggestions, a short name used across namespaces), so metadata only.
  const home = [...new Set([targetNs, clientNs])];
  let services: Service[];
  const names = await optional<Service>(R.services, { metadataOnly: true });
  if (names) {
    services = names.filter((s) => !home.includes(s.metadata.namespace ?? 'default'));
    for (const ns of home) {
      const here = names.filter((s) => (s.metadata.namespace ?? 'default') === ns);
      if (here.length > 0) services.push(...((await optional<Service>(R.services, { namespace: ns })) ?? here));
    }
  } else {
    // Not allowed across namespaces: the namespace the name points at (required: without it there is no answer to
    // explain), and the client's own (optional: a short name tried there first).
    services = await reader.list<Service>(R.services, { namespace: targetNs });
    if (clientNs !== targetNs) services.push(...((await optional<Service>(R.services, { namespace: clientNs })) ?? []));
  }

  let namespaces: string[] | undefined;
  if (!services.some((s) => (s.metadata.namespace ?? 'default') === targetNs)) {
    const all = await optional<KubeObject>(R.namespaces, { metadataOnly: true });
    if (all) namespaces = all.map((n) => n.metadata.name);
  }

  const slices: EndpointSlice[] = [];
  for (const s of landingServices(p, clientNs, services)) {
    const got = await optional<EndpointSlice>(R.endpointslices, {
      namespace: s.namespace,
      labelSelector: `kubernetes.io/service-name=${s.name}`,
    });
    if (got) slices.push(...got);
  }

  let pods: Pod[] = [];
  if (p.kind === 'endpoint') {
    pods = (await optional<Pod>(R.pods, { namespace: targetNs })) ?? [];
  } else if (p.kind === 'pod' && p.endpoint !== undefined) {
    const ip = undashIp(p.endpoint);
    if (ip) pods = (await optional<Pod>(R.pods, { namespace: targetNs, fieldSelector: `status.podIP=${ip}` })) ?? [];
  }

  const snapshot: DnsSnapshot = {
    clientNamespace: clientNs,
    clusterDomain,
    clusterDomainSource,
    services,
    endpointSlices: slices,
    pods,
    ...(namespaces ? { namespaces } : {}),
    ...(parsed ? { corefile: corefileFacts(parsed) } : {}),
    ...(clientPod ? { clientPod } : {}),
    ...(denied.length > 0 ? { denied } : {}),
  };
  return { snapshot, notes, denied };
}

/** ConfigMap names other distributions give CoreDNS's Corefile, tried when kube-dns's pods cannot be read. */
export const OTHER_COREFILE_CONFIGMAPS = ['rke2-coredns-rke2-coredns'];

/**
 * The Corefile of a cluster whose CoreDNS ConfigMap is not `coredns`: the configMap volumes of the pods selected by
 * Service kube-system/kube-dns (every distribution keeps that Service name), else the known names of other
 * distributions. Best effort: reads it may not make are skipped (the denied `coredns` read is what rbac-partial says).
 */
export async function findMountedCorefile(reader: ClusterReader): Promise<{ name: string; text: string; mounted: boolean } | undefined> {
  const mounted: string[] = [];
  const svcs = await reader.tryList<Service>(R.services, { namespace: 'kube-system', fieldSelector: 'metadata.name=kube-dns' });
  const selector = svcs.ok ? svcs.items[0]?.spec?.selector : undefined;
  if (selector && Object.keys(selector).length > 0) {
    const labelSelector = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = await reader.tryList<Pod>(R.pods, { namespace: 'kube-system', labelSelector });
    if (pods.ok) {
      for (const pod of pods.items) {
        const volumes = (pod.spec as { volumes?: { configMap?: { name?: string } }[] } | undefined)?.volumes ?? [];
        for (const v of volumes) {
          const n = v.configMap?.name;
          if (n && n !== 'coredns' && !mounted.includes(n)) mounted.push(n);
        }
      }
    }
  }
  const candidates = [...mounted, ...OTHER_COREFILE_CONFIGMAPS.filter((n) => !mounted.includes(n))];
  for (const name of candidates) {
    const got = await reader.tryList<ConfigMap>(R.configmaps, { namespace: 'kube-system', fieldSelector: `metadata.name=${name}` });
    const text = got.ok ? got.items[0]?.data?.Corefile : undefined;
    if (text !== undefined) return { name, text, mounted: mounted.includes(name) };
  }
  return undefined;
}

/**
 * The Services a lookup of `p` from `clientNs` can land on, among those read: the one the name points at, and for
 * a name the search list expands (`web` -> `web.<client-ns>`, `web.ns` -> `web.ns`), the ones it expands to.
 */
export function landingServices(p: ParsedName, clientNs: string, services: readonly Service[]): { namespace: string; name: string }[] {
  const out: { namespace: string; name: string }[] = [];
  const add = (namespace: string, name: string) => {
    if (out.length >= MAX_SLICE_SERVICES || out.some((o) => o.namespace === namespace && o.name === name)) return;
    if (services.some((s) => (s.metadata.namespace ?? 'default') === namespace && s.metadata.name === name)) out.push({ namespace, name });
  };
  if (p.service !== undefined) {
    add(p.namespace ?? clientNs, p.service);
    // A short name that is not at home: the same name elsewhere (what the cross-namespace finding points at).
    if (p.namespace === undefined)
      for (const s of services) if (s.metadata.name === p.service) add(s.metadata.namespace ?? 'default', p.service);
  }
  // `web.my-app` from namespace x is first tried as `web.my-app.x.svc...`: the endpoint `web` of Service my-app in x.
  if (p.kind === 'service' && p.namespace !== undefined && p.domain === undefined) add(clientNs, p.namespace);
  return out;
}
