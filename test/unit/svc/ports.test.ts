import { declaredPorts, findPort, targetPortOf } from '../../../src/core/k8s/ports.js';
import type { PodSpec, ServicePort } from '../../../src/core/k8s/types.js';

const spec: PodSpec = {
  containers: [
    {
      name: 'app',
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
      ],
    },
    { name: 'metrics', ports: [{ name: 'metrics', containerPort: 9090 }] },
  ],
  initContainers: [
    { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001 }] },
    { name: 'setup', ports: [{ name: 'setup', containerPort: 7000 }] },
  ],
};

describe('findPort (the EndpointSlice controller)', () => {
  it.each<[string, ServicePort, number | string]>([
    ['numeric targetPort as is, even if undeclared', { port: 80, targetPort: 1234 }, 1234],
    ['omitted targetPort is port', { port: 8080 }, 8080],
    ['targetPort 0 is port', { port: 81, targetPort: 0 }, 81],
    ['named, TCP by default', { port: 80, targetPort: 'http' }, 8080],
    ['named on a second container', { port: 80, targetPort: 'metrics' }, 9090],
    ['named with matching protocol', { port: 53, targetPort: 'dns', protocol: 'UDP' }, 53],
    ['named on a sidecar init container', { port: 80, targetPort: 'proxy' }, 15001],
  ])('%s', (_title, sp, want) => {
    const r = findPort(spec, sp);
    expect(r).toMatchObject({ ok: true, port: want });
  });

  it.each<[string, ServicePort, RegExp]>([
    ['name with another protocol', { port: 53, targetPort: 'dns' }, /declares port "dns" as UDP, the Service port is TCP/],
    ['name only on a plain init container', { port: 80, targetPort: 'setup' }, /not a sidecar/],
    ['typo of a declared name', { port: 80, targetPort: 'htpp' }, /close: app:http 8080\/TCP/],
    ['unrelated name', { port: 80, targetPort: 'grpc' }, /declared: app:http 8080\/TCP/],
  ])('fails: %s', (_title, sp, reason) => {
    const r = findPort(spec, sp);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('fails when no container declares ports', () => {
    expect(findPort({ containers: [{ name: 'a' }] }, { port: 80, targetPort: 'http' })).toMatchObject({
      ok: false,
      reason: 'no container declares any port',
    });
  });

  it('declaredPorts skips non-sidecar init containers and applies the TCP default', () => {
    expect(declaredPorts(spec).map((d) => `${d.container}:${d.port.containerPort}/${d.protocol}`)).toEqual([
      'app:8080/TCP',
      'app:53/UDP',
      'metrics:9090/TCP',
      'proxy:15001/TCP',
    ]);
    expect(targetPortOf({ port: 80, targetPort: '' })).toBe(80);
  });
});
