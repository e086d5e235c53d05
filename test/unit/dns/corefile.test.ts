import {
  clusterDomainOf,
  corefileFacts,
  expandCustomImports,
  importsCustom,
  parseCorefile,
  zoneOfKey,
} from '../../../src/core/dns/corefile.js';

// Written for these tests in the shape kubeadm and managed clusters ship.
const KUBEADM = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

describe('parseCorefile', () => {
  it('reads the kubeadm Corefile: zones, pods mode, no ignore', () => {
    const c = parseCorefile(KUBEADM);
    expect(c).toMatchObject({
      hasKubernetes: true,
      zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
      ignoreEmptyService: false,
      pods: 'insecure',
    });
    expect(c.serverBlocks).toHaveLength(1);
    expect(c.serverBlocks[0]!.zones).toEqual(['']);
    expect(c.serverBlocks[0]!.plugins).toEqual([
      'errors',
      'health',
      'ready',
      'kubernetes',
      'prometheus',
      'forward',
      'cache',
      'loop',
      'reload',
      'loadbalance',
    ]);
    expect(clusterDomainOf(c)).toBe('cluster.local');
    expect(corefileFacts(c)).toEqual({ zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], ignoreEmptyService: false, pods: 'insecure' });
  });

  it('comments, several server blocks, several zones, ignore empty_service, imports and snippets', () => {
    const text = `# custom DNS for the corp cluster
(common) {
    errors
    kubernetes snippet.zone   # a snippet is not a server block
}
import /etc/coredns/custom/*.override
corp.internal:53 cluster.local:53 {
    import common
    kubernetes corp.internal cluster.local {   # both served
        ignore empty_service
        pods verified
    }
}

example.com {
    forward . 1.1.1.1
}
`;
    const c = parseCorefile(text);
    expect(c.hasKubernetes).toBe(true);
    expect(c.zones).toEqual(['corp.internal', 'cluster.local']);
    expect(c.ignoreEmptyService).toBe(true);
    expect(c.pods).toBe('verified');
    expect(c.imports).toEqual(['/etc/coredns/custom/*.override', 'common']);
    expect(c.serverBlocks.map((b) => b.zones)).toEqual([['corp.internal', 'cluster.local'], ['example.com']]);
    expect(clusterDomainOf(c)).toBe('corp.internal');
  });

  it('a kubernetes line without zones serves the server block zones', () => {
    const c = parseCorefile('k8s.example:53 {\n  kubernetes\n  forward . 8.8.8.8\n}\n');
    expect(c.zones).toEqual(['k8s.example']);
    expect(corefileFacts(c).pods).toBe('disabled');
  });

  it('no kubernetes block at all', () => {
    const c = parseCorefile('.:53 {\n  forward . 8.8.8.8\n  cache 30\n}\n');
    expect(c).toMatchObject({ hasKubernetes: false, zones: [], ignoreEmptyService: false });
    expect(clusterDomainOf(c)).toBeUndefined();
  });

  it('tolerates {$ENV} placeholders, quotes, a brace on the next line and garbage', () => {
    const c = parseCorefile('.:{$PORT} {\n  kubernetes "cluster.local"\n  {\n  }\n}\n}}} junk {');
    expect(c.zones).toEqual(['cluster.local']);
    expect(parseCorefile('')).toMatchObject({ hasKubernetes: false, serverBlocks: [] });
  });

  it('zoneOfKey strips scheme, port and trailing dot', () => {
    expect(zoneOfKey('dns://Cluster.Local.:53')).toBe('cluster.local');
    expect(zoneOfKey('.:53')).toBe('');
    expect(zoneOfKey('10.in-addr.arpa')).toBe('10.in-addr.arpa');
  });
});

describe('expandCustomImports (AKS coredns-custom)', () => {
  const corefile = '.:53 {\n    kubernetes cluster.local\n    import custom/*.override\n}\nimport custom/*.server\n';

  it('puts each matching entry where its import line was, in key order, and says which it used', () => {
    const got = expandCustomImports(corefile, {
      'b.server': 'b.test:53 {\n    forward . 192.0.2.53\n}\n',
      'a.server': 'a.test:53 {\n    kubernetes a.test\n}\n',
      'x.override': '    log\n',
      'notes.txt': 'ignored',
    });
    expect(got.used).toEqual(['x.override', 'a.server', 'b.server']);
    expect(got.text).toBe(
      '.:53 {\n    kubernetes cluster.local\n    log\n}\na.test:53 {\n    kubernetes a.test\n}\nb.test:53 {\n    forward . 192.0.2.53\n}\n',
    );
    expect(parseCorefile(got.text).zones).toEqual(['cluster.local', 'a.test']);
  });

  it('imports nothing from the ConfigMap when the Corefile does not import custom/', () => {
    expect(importsCustom(parseCorefile('.:53 {\n    kubernetes cluster.local\n}\n'))).toBe(false);
    expect(importsCustom(parseCorefile(corefile))).toBe(true);
    expect(expandCustomImports('.:53 {\n}\n', { 'a.server': 'x' })).toEqual({ text: '.:53 {\n}\n', used: [] });
  });
});
