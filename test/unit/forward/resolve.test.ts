import { parseSelector } from '../../../src/core/k8s/selectors.js';
import { templatePod } from '../../../src/core/k8s/workloads.js';
import {
  allServiceForwards,
  containerPortOnPod,
  resolvePodPorts,
  resolveServicePorts,
  serviceRefusal,
  servicePortOnPod,
} from '../../../src/core/forward/resolve.js';
import { pod, service } from './fakes.js';

const MIXED = service('dns', [
  { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
  { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 'dns-tcp' },
  { name: 'metrics', port: 9153, targetPort: 9153 },
  { name: 'sctp', port: 7777, protocol: 'SCTP' },
]);

describe('resolveServicePorts', () => {
  it('REMOTE is a Service port, by number or by name; the local port is as written', () => {
    const svc = service('web', [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'admin', port: 9000, targetPort: 9001 },
    ]);
    const r = resolveServicePorts(svc, [
      { local: 8080, remote: 80, text: '8080:80' },
      { local: undefined, remote: 'admin', text: 'admin' },
      { local: undefined, remote: 'http', text: 'http' },
    ]);
    expect(r.ok && r.value.map((m) => [m.localPort, m.remotePort, m.servicePort!.name])).toEqual([
      [8080, 80, 'http'],
      [9000, 9000, 'admin'],
      [0, 80, 'http'],
    ]);
  });

  it('UDP ports are refused, explaining that UDP cannot go through the Kubernetes API', () => {
    for (const remote of [53, 'dns']) {
      const r = resolveServicePorts(service('dns', [{ name: 'dns', port: 53, protocol: 'UDP' }]), [{ local: 5353, remote }]);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.message).toBe(
          'Service dns port dns 53/UDP is UDP: port-forward carries TCP streams through the Kubernetes API (one stream per connection), so UDP and SCTP cannot go through it',
        );
        expect(r.error.hint).toMatch(/inside the cluster/);
      }
    }
    expect(resolveServicePorts(MIXED, [{ local: 0, remote: 'sctp' }])).toEqual({
      ok: false,
      error: expect.objectContaining({ message: expect.stringMatching(/^Service dns port sctp 7777\/SCTP is SCTP:/) }),
    });
  });

  it('a number shared by UDP and TCP ports picks the first declared; naming the TCP one works', () => {
    expect(resolveServicePorts(MIXED, [{ local: 5353, remote: 53 }]).ok).toBe(false);
    const r = resolveServicePorts(MIXED, [{ local: 5353, remote: 'dns-tcp' }]);
    expect(r.ok && r.value[0]!.servicePort!.protocol).toBe('TCP');
  });

  it('svc/NAME without ports forwards every TCP port: the same number, or a free one below 1024', () => {
    const r = resolveServicePorts(MIXED, []);
    expect(r.ok && r.value.map((m) => [m.localPort, m.remotePort, m.servicePort!.name])).toEqual([
      [0, 53, 'dns-tcp'],
      [9153, 9153, 'metrics'],
    ]);
  });

  it('a UDP-only Service without ports is refused; so is one without ports at all', () => {
    const udp = resolveServicePorts(service('dns', [{ name: 'dns', port: 53, protocol: 'UDP' }]), []);
    expect(udp).toEqual({
      ok: false,
      error: expect.objectContaining({
        message: expect.stringMatching(/^Service dns has no TCP port \(its ports: dns 53\/UDP\): port-forward/),
      }),
    });
    expect(resolveServicePorts(service('x', []), [])).toEqual({
      ok: false,
      error: expect.objectContaining({ message: 'Service x declares no ports' }),
    });
  });

  it('a port the Service does not have is explained with its ports', () => {
    const r = resolveServicePorts(service('web', [{ name: 'http', port: 80, targetPort: 8080 }]), [{ local: 8080, remote: 8080 }]);
    expect(r).toEqual({
      ok: false,
      error: {
        message: 'Service web has no port 8080',
        hint: "REMOTE is a Service port (number or name), not the pod's; its ports: http 80/TCP",
      },
    });
    expect(resolveServicePorts(service('web', [{ port: 80 }]), [{ local: 0, remote: 'web' }])).toEqual({
      ok: false,
      error: expect.objectContaining({ message: 'Service web has no port named "web"' }),
    });
  });

  it('ExternalName and selectorless Services cannot be forwarded, and say so', () => {
    const ext = service('db', [{ port: 5432 }], { type: 'ExternalName', selector: null });
    ext.spec!.externalName = 'db.example.com';
    expect(resolveServicePorts(ext, [])).toEqual({
      ok: false,
      error: {
        message: 'Service db is of type ExternalName (a DNS alias for db.example.com): it has no pods, so there is nothing to forward to',
        hint: 'connect to db.example.com directly, from where it is reachable',
      },
    });
    const manual = service('legacy', [{ port: 80 }], { selector: null });
    expect(serviceRefusal(manual)!.message).toBe(
      'Service legacy has no selector: its endpoints are not pods that kdiag can choose, so it cannot be forwarded',
    );
    expect(serviceRefusal(service('empty', [{ port: 80 }], { selector: {} }))).toBeDefined();
    expect(serviceRefusal(service('web', [{ port: 80 }]))).toBeUndefined();
  });
});

describe('servicePortOnPod: as svc resolves it', () => {
  const sp = { name: 'http', port: 80, targetPort: 'http' };
  it('a named targetPort is looked up on each pod by name and protocol', () => {
    expect(servicePortOnPod(sp, pod('a', { ports: [{ name: 'http', containerPort: 8080 }] }), undefined)).toBe(8080);
    expect(servicePortOnPod(sp, pod('b', { ports: [{ name: 'http', containerPort: 9090 }] }), undefined)).toBe(9090);
    expect(servicePortOnPod(sp, pod('c', { ports: [{ name: 'http', containerPort: 9090, protocol: 'UDP' }] }), undefined)).toBeUndefined();
    expect(servicePortOnPod({ port: 80, targetPort: 3000 }, pod('d'), undefined)).toBe(3000);
    expect(servicePortOnPod({ port: 80 }, pod('d'), undefined)).toBe(80);
  });
  it("without the pod, the EndpointSlice's port for the Service port's name", () => {
    const row = {
      slice: 's',
      ip: '1',
      ready: true,
      serving: true,
      terminating: false,
      pod: 'a',
      nodeName: null,
      ports: [{ name: 'http', port: 7070, protocol: 'TCP' }],
    };
    expect(servicePortOnPod(sp, undefined, row)).toBe(7070);
    expect(servicePortOnPod({ name: 'other', port: 81 }, undefined, row)).toBeUndefined();
  });
});

describe('pod and workload ports', () => {
  const p = pod('web-0', {
    ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
    ],
  });
  it('a number is used as it is; a name is looked up among the TCP container ports', () => {
    expect(containerPortOnPod(p, 9999)).toEqual({ ok: true, port: 9999 });
    expect(containerPortOnPod(p, 'http')).toEqual({ ok: true, port: 8080 });
  });
  it('UDP container ports are refused, by name or number', () => {
    for (const remote of ['dns', 53]) {
      const r = containerPortOnPod(p, remote);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problem.message).toMatch(/as UDP.*UDP and SCTP cannot go through it/);
    }
  });
  it('an unknown name lists the declared ports', () => {
    expect(containerPortOnPod(p, 'htp')).toEqual({
      ok: false,
      problem: {
        message: 'pod web-0 declares no container port named "htp"',
        hint: 'its ports: http 8080/TCP, dns 53/UDP; or give the number',
      },
    });
  });
  it('resolvePodPorts resolves against a workload template; a bare name listens on its number', () => {
    const tpl = templatePod({
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                ports: [
                  { name: 'http', containerPort: 8080 },
                  { name: 'web', containerPort: 80 },
                ],
              },
            ],
          },
        },
      },
    });
    const r = resolvePodPorts(tpl, [
      { local: undefined, remote: 'http', text: 'http' },
      { local: undefined, remote: 'web', text: 'web' },
      { local: 9000, remote: 8080, text: '9000:8080' },
    ]);
    expect(r.ok && r.value).toEqual([
      { localPort: 8080, remotePort: 8080, containerPort: 'http', text: 'http' },
      { localPort: 0, remotePort: 80, containerPort: 'web', text: 'web' },
      { localPort: 9000, remotePort: 8080, containerPort: 8080, text: '9000:8080' },
    ]);
    expect(resolvePodPorts(tpl, [{ local: 1, remote: 'nope' }]).ok).toBe(false);
  });
});

describe('--all: every selector-backed Service', () => {
  it('forwards every TCP port; clashing local ports become free ones; skips the others with the reason; -l filters', () => {
    const web = service('web', [{ name: 'http', port: 8080 }]);
    web.metadata.labels = { tier: 'front' };
    const api = service('api', [
      { name: 'http', port: 8080 },
      { name: 'https', port: 443 },
    ]);
    api.metadata.labels = { tier: 'back' };
    const ext = service('ext', [{ port: 80 }], { type: 'ExternalName', selector: null });
    const dns = service('dns', [{ port: 53, protocol: 'UDP' }]);
    const r = allServiceForwards([web, api, ext, dns]);
    expect(r.specs.map((s) => [s.name, s.ports.map((p) => [p.local, p.remote])])).toEqual([
      [
        'api',
        [
          [8080, 8080],
          [0, 443],
        ],
      ],
      ['web', [[0, 8080]]],
    ]);
    expect(r.skipped.map((s) => s.name)).toEqual(['dns', 'ext']);
    expect(r.skipped[0]!.reason).toMatch(/no TCP port/);
    expect(allServiceForwards([web, api], parseSelector('tier=front')).specs.map((s) => s.name)).toEqual(['web']);
  });
});
