import { dashIp, parseDnsName, undashIp } from '../../../src/core/dns/name.js';

describe('parseDnsName: every form of NAME', () => {
  it.each([
    ['web', { kind: 'service', service: 'web', host: 'web', absolute: false, queryType: 'address' }],
    ['web.my-app', { kind: 'service', service: 'web', namespace: 'my-app', host: 'web.my-app' }],
    ['web.my-app.svc', { kind: 'service', service: 'web', namespace: 'my-app', host: 'web.my-app.svc' }],
    ['web.my-app.svc.cluster.local', { kind: 'service', service: 'web', namespace: 'my-app', domain: 'cluster.local', absolute: false }],
    ['web.my-app.svc.cluster.local.', { kind: 'service', host: 'web.my-app.svc.cluster.local', absolute: true }],
    ['Web.My-App', { kind: 'service', host: 'web.my-app', input: 'Web.My-App' }],
    ['http://web:8080/api', { kind: 'service', host: 'web', port: 8080, scheme: 'http' }],
    ['http://web.my-app/api', { host: 'web.my-app', port: 80, scheme: 'http' }],
    ['https://web.my-app.svc.cluster.local', { host: 'web.my-app.svc.cluster.local', port: 443, scheme: 'https' }],
    ['postgres://db.data:5432/orders', { host: 'db.data', port: 5432, scheme: 'postgres' }],
    ['web:8080', { kind: 'service', host: 'web', port: 8080 }],
    ['web.my-app:8080', { host: 'web.my-app', port: 8080 }],
    [
      '_http._tcp.web.my-app.svc.cluster.local',
      {
        kind: 'srv',
        queryType: 'SRV',
        srv: { port: 'http', protocol: 'tcp' },
        service: 'web',
        namespace: 'my-app',
        domain: 'cluster.local',
      },
    ],
    ['_http._tcp.web', { kind: 'srv', queryType: 'SRV', service: 'web', srv: { port: 'http', protocol: 'tcp' } }],
    ['_grpc._tcp.api.my-app', { kind: 'srv', service: 'api', namespace: 'my-app' }],
    ['db-0.db.data.svc.cluster.local', { kind: 'endpoint', endpoint: 'db-0', service: 'db', namespace: 'data', domain: 'cluster.local' }],
    ['10-244-1-5.web.ns.svc.cluster.local', { kind: 'endpoint', endpoint: '10-244-1-5', service: 'web', namespace: 'ns' }],
    ['10-244-1-5.ns.pod.cluster.local', { kind: 'pod', endpoint: '10-244-1-5', namespace: 'ns', domain: 'cluster.local' }],
    ['example.com', { kind: 'service', service: 'example', namespace: 'com' }],
    ['db-0.db.data', { kind: 'endpoint', endpoint: 'db-0', service: 'db', namespace: 'data' }],
    ['api.example.co.uk', { kind: 'other' }],
    ['10.96.0.10', { kind: 'ip' }],
    ['[fd00::10]:443', { kind: 'ip', host: 'fd00::10', port: 443 }],
  ])('%s', (input, expected) => {
    const r = parseDnsName(input);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.name).toMatchObject(expected);
  });

  it('the port is absent when neither the NAME nor its scheme gives one', () => {
    const r = parseDnsName('web.my-app');
    expect(r.ok && 'port' in r.name).toBe(false);
  });

  it.each([
    ['', 'NAME is empty'],
    ['web..my-app', 'has an empty label'],
    ['web.-bad', 'is not a valid DNS label'],
    ['http://', 'is not a valid URL'],
    ['web:99999', 'out of range'],
    ['web my-app', 'is not a host name'],
    ['web/api', 'is not a host name'],
  ])('%j is refused: %s', (input, message) => {
    const r = parseDnsName(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(message);
      expect(r.hint).not.toBe('');
    }
  });

  it('dashed IPs go both ways', () => {
    expect(undashIp('10-244-1-5')).toBe('10.244.1.5');
    expect(undashIp('fd00--1')).toBe('fd00::1');
    expect(undashIp('db-0')).toBeUndefined();
    expect(dashIp('10.244.1.5')).toBe('10-244-1-5');
    expect(dashIp('fd00::1')).toBe('fd00--1');
  });
});
