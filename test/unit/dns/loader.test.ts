import { join } from 'node:path';
import { loadDnsSnapshot, landingServices } from '../../../src/cluster/dns-loader.js';
import { FileClusterReader } from '../../../src/cluster/file-reader.js';
import type { ListOptions, Resource } from '../../../src/cluster/reader.js';
import { parseDnsName } from '../../../src/core/dns/name.js';
import type { ParsedName } from '../../../src/core/dns/types.js';
import type { Service } from '../../../src/core/k8s/types.js';
import { UsageError } from '../../../src/errors.js';
import { ROOT } from '../../helpers/paths.js';
import { RecordingReader } from '../../helpers/recording-reader.js';

const SHOP = join(ROOT, 'test', 'fixtures', 'dns', 'shop.yaml');

function name(s: string): ParsedName {
  const p = parseDnsName(s);
  if (!p.ok) throw new Error(p.message);
  return p.name;
}

async function reader(deny?: (r: Resource, o: ListOptions) => boolean): Promise<RecordingReader> {
  return new RecordingReader(await FileClusterReader.load(SHOP, { cwd: ROOT }), deny && ((verb, r, o) => verb === 'list' && deny(r, o)));
}

const COREFILE = 'tryList configmaps kube-system --field-selector metadata.name=coredns';

describe('loadDnsSnapshot: which reads happen', () => {
  it('a Service name: the Corefile, Service names everywhere, the Services of the name\u2019s namespace, the landing Service\u2019s EndpointSlices', async () => {
    const log = await reader();
    const { snapshot, denied } = await loadDnsSnapshot(log, { name: name('cart.shop'), clientNamespace: 'tools' });
    // The client namespace (tools) holds no Service: nothing to read in full there.
    expect(log.calls).toEqual([
      COREFILE,
      'tryList services * (metadata)',
      'tryList services shop',
      'tryList endpointslices shop -l kubernetes.io/service-name=cart',
    ]);
    expect(snapshot.services.find((s) => s.metadata.name === 'cart')?.spec?.clusterIP).toBe('10.100.4.4');
    expect(denied).toEqual([]);
    expect(snapshot.clusterDomain).toBe('corp.internal');
    expect(snapshot.clusterDomainSource).toBe('corefile');
    expect(snapshot.corefile?.zones).toContain('corp.internal');
    expect(snapshot.endpointSlices.map((s) => s.metadata.name)).toEqual(['cart-1']);
    expect(snapshot.pods).toEqual([]);
    expect(snapshot.namespaces).toBeUndefined();
  });

  it('a short name used elsewhere: the slices of the same-named Service in other namespaces', async () => {
    const log = await reader();
    await loadDnsSnapshot(log, { name: name('cart'), clientNamespace: 'tools' });
    expect(log.calls).toEqual([
      COREFILE,
      'tryList services * (metadata)',
      'tryList namespaces * (metadata)',
      'tryList endpointslices shop -l kubernetes.io/service-name=cart',
    ]);
  });

  it('a pod record of a headless Service: the namespace\u2019s pods too', async () => {
    const log = await reader();
    const { snapshot } = await loadDnsSnapshot(log, { name: name('queue-0.queue.shop'), clientNamespace: 'tools' });
    expect(log.calls).toEqual([
      COREFILE,
      'tryList services * (metadata)',
      'tryList services shop',
      'tryList endpointslices shop -l kubernetes.io/service-name=queue',
      'tryList pods shop',
    ]);
    expect(snapshot.endpointSlices.map((s) => s.metadata.name)).toEqual(['queue-1']);
  });

  it('a pod record by address: pods by IP, server-side', async () => {
    const log = await reader();
    await loadDnsSnapshot(log, { name: name('10-200-0-9.shop.pod'), clientNamespace: 'tools' });
    expect(log.calls).toContain('tryList pods shop --field-selector status.podIP=10.200.0.9');
  });

  it('--from-pod: the pod by name first (required; missing is a usage error)', async () => {
    const log = await reader();
    const { snapshot } = await loadDnsSnapshot(log, { name: name('cart.shop'), clientNamespace: 'tools', fromPod: 'runner' });
    expect(log.calls[0]).toBe('list pods tools --field-selector metadata.name=runner');
    expect(snapshot.clientPod?.metadata.name).toBe('runner');
    await expect(loadDnsSnapshot(await reader(), { name: name('cart.shop'), clientNamespace: 'tools', fromPod: 'nope' })).rejects.toThrow(
      UsageError,
    );
  });

  it('--cluster-domain wins over the Corefile', async () => {
    const { snapshot } = await loadDnsSnapshot(await reader(), {
      name: name('cart.shop'),
      clientNamespace: 'tools',
      clusterDomain: 'x.test',
    });
    expect([snapshot.clusterDomain, snapshot.clusterDomainSource]).toEqual(['x.test', 'flag']);
  });

  it('Services denied across namespaces: the client\u2019s and the name\u2019s namespaces instead, the denial recorded', async () => {
    const log = await reader((r, o) => r.plural === 'services' && o.namespace === undefined);
    const { snapshot, denied } = await loadDnsSnapshot(log, { name: name('cart.shop'), clientNamespace: 'tools' });
    expect(log.calls).toEqual([
      COREFILE,
      'tryList services * (metadata)',
      'list services shop',
      'tryList services tools',
      'tryList endpointslices shop -l kubernetes.io/service-name=cart',
    ]);
    expect(denied).toEqual([{ verb: 'list', resource: 'services', message: 'services is forbidden' }]);
    expect(snapshot.services.map((s) => s.metadata.name)).toContain('cart');
  });

  it('the Corefile and EndpointSlices denied: recorded, the domain assumed', async () => {
    const log = await reader((r) => r.plural === 'configmaps' || r.plural === 'endpointslices');
    const { snapshot, denied } = await loadDnsSnapshot(log, { name: name('cart.shop'), clientNamespace: 'tools' });
    expect(denied.map((d) => d.resource)).toEqual(['configmaps', 'endpointslices']);
    expect(snapshot.clusterDomainSource).toBe('assumed');
    expect(snapshot.corefile).toBeUndefined();
  });

  it('no CoreDNS ConfigMap in the input: a note, the domain assumed', async () => {
    const file = await FileClusterReader.load(join(ROOT, 'test', 'fixtures', 'dns', 'no-coredns.yaml'), { cwd: ROOT });
    const { snapshot, notes } = await loadDnsSnapshot(file, { name: name('api.backend'), clientNamespace: 'x' });
    expect(snapshot.clusterDomain).toBe('cluster.local');
    expect(snapshot.clusterDomainSource).toBe('assumed');
    expect(notes.join(' ')).toContain('no ConfigMap kube-system/coredns');
  });
});

describe('loadDnsSnapshot: a Corefile under another name', () => {
  it('the ConfigMap the pods behind kube-system/kube-dns mount, said in a note', async () => {
    const log = new RecordingReader(
      await FileClusterReader.load(join(ROOT, 'test', 'fixtures', 'dns', 'mounted-corefile.yaml'), { cwd: ROOT }),
    );
    const { snapshot, notes } = await loadDnsSnapshot(log, { name: name('api.backend'), clientNamespace: 'x' });
    expect(snapshot.clusterDomain).toBe('k8s.example');
    expect(snapshot.clusterDomainSource).toBe('corefile');
    expect(notes.join(' ')).toContain('ConfigMap kube-system/cluster-dns-config (mounted by the pods of Service kube-system/kube-dns)');
    expect(log.calls.slice(0, 4)).toEqual([
      COREFILE,
      'tryList services kube-system --field-selector metadata.name=kube-dns',
      'tryList pods kube-system -l k8s-app=cluster-dns',
      'tryList configmaps kube-system --field-selector metadata.name=cluster-dns-config',
    ]);
  });

  it('AKS: the entries of kube-system/coredns-custom the Corefile imports, and only when it imports them', async () => {
    const log = new RecordingReader(
      await FileClusterReader.load(join(ROOT, 'test', 'fixtures', 'dns', 'aks-custom-corefile.yaml'), { cwd: ROOT }),
    );
    const { snapshot, notes } = await loadDnsSnapshot(log, { name: name('api.backend'), clientNamespace: 'x' });
    expect(notes.join(' ')).toContain('ConfigMap kube-system/coredns-custom (AKS');
    expect(snapshot.corefile?.zones).toContain('cluster.local');
    expect(notes.join(' ')).toContain('ignore.override, internal.server included');
    expect(log.calls).toContain('tryList configmaps kube-system --field-selector metadata.name=coredns-custom');
    const plain = new RecordingReader(
      await FileClusterReader.load(join(ROOT, 'test', 'fixtures', 'dns', 'rke2-corefile.yaml'), { cwd: ROOT }),
    );
    await loadDnsSnapshot(plain, { name: name('api.backend'), clientNamespace: 'x' });
    expect(plain.calls).not.toContain('tryList configmaps kube-system --field-selector metadata.name=coredns-custom');
  });

  it('RKE2\u2019s name when kube-dns\u2019s pods say nothing', async () => {
    const file = await FileClusterReader.load(join(ROOT, 'test', 'fixtures', 'dns', 'rke2-corefile.yaml'), { cwd: ROOT });
    const { snapshot, notes } = await loadDnsSnapshot(file, { name: name('api.backend'), clientNamespace: 'x' });
    expect(snapshot.clusterDomain).toBe('rke.internal');
    expect(notes.join(' ')).toContain('ConfigMap kube-system/rke2-coredns-rke2-coredns.');
  });
});

describe('landingServices', () => {
  const svc = (ns: string, n: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: n } });
  const all = [svc('shop', 'cart'), svc('tools', 'shop'), svc('a', 'cart'), svc('b', 'cart'), svc('c', 'cart'), svc('d', 'cart')];

  it('the Service the name points at, and what the search list may reach first', () => {
    expect(landingServices(name('cart.shop'), 'tools', all)).toEqual([
      { namespace: 'shop', name: 'cart' },
      { namespace: 'tools', name: 'shop' },
    ]);
  });

  it('a short name: same-named Services elsewhere, at most 4', () => {
    const got = landingServices(name('cart'), 'tools', all);
    expect(got).toHaveLength(4);
    expect(got[0]).toEqual({ namespace: 'shop', name: 'cart' });
  });

  it('only Services that were read', () => {
    expect(landingServices(name('nope.shop'), 'tools', all)).toEqual([{ namespace: 'tools', name: 'shop' }]);
  });
});
