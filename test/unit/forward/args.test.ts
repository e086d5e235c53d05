import {
  duplicateLocalPort,
  isPrivilegedPort,
  localPortFor,
  parseAddresses,
  parseForwardArgs,
  parseForwardsFile,
  parsePortSpec,
  privilegedPortProblem,
} from '../../../src/core/forward/args.js';

describe('parsePortSpec: kubectl [LOCAL:]REMOTE forms', () => {
  it.each([
    ['8080', 8080, 8080],
    ['9000:80', 9000, 80],
    [':80', 0, 80],
    ['0:80', 0, 80],
    ['http', undefined, 'http'],
    ['9000:http', 9000, 'http'],
    [':metrics', 0, 'metrics'],
    ['65535:1', 65535, 1],
  ])('%s listens on %s and forwards to %s', (text, local, remote) => {
    expect(parsePortSpec(text)).toEqual({ ok: true, value: { local, remote, text } });
  });

  it.each([
    ['', /empty port/],
    ['1:2:3', /more than one ":"/],
    ['8080:', /remote port is missing/],
    ['0', /remote port 0 is not between 1 and 65535/],
    ['70000', /remote port 70000 is not between 1 and 65535/],
    ['70000:80', /local port "70000"/],
    ['abc:80', /local port "abc"/],
    ['-1:80', /local port "-1"/],
    ['Http', /neither a port number nor a port name/],
    ['my--port', /neither a port number nor a port name/],
    ['averyveryverylongname', /neither a port number nor a port name/],
    ['80-90', /neither a port number nor a port name/],
  ])('%j is refused: %s', (text, re) => {
    const r = parsePortSpec(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(re);
      expect(r.error.hint.length).toBeGreaterThan(0);
    }
  });
});

describe('privileged local ports', () => {
  it('1-1023 need root; 0 (free) and 1024+ do not', () => {
    expect([0, 1, 80, 1023, 1024, 8080].map(isPrivilegedPort)).toEqual([false, true, true, true, false, false]);
  });
  it('the problem suggests an unprivileged port and the free-port form', () => {
    const p = privilegedPortProblem(80, 80);
    expect(p.message).toBe('local port 80 is below 1024, which only root may listen on');
    expect(p.hint).toContain('8080:80');
    expect(p.hint).toContain(':80');
  });
  it('a bare name or default port takes the same number, or a free one below 1024', () => {
    expect(localPortFor({ local: undefined, remote: 'http' }, 8080)).toBe(8080);
    expect(localPortFor({ local: undefined, remote: 'http' }, 80)).toBe(0);
    expect(localPortFor({ local: 80, remote: 80 }, 80)).toBe(80);
  });
});

describe('parseForwardArgs: targets and ports', () => {
  it('a bare first NAME is a pod; later tokens are its ports', () => {
    expect(parseForwardArgs(['web-0', '8080', '9000:80'])).toEqual({
      ok: true,
      value: [
        {
          kind: 'Pod',
          name: 'web-0',
          ports: [
            { local: 8080, remote: 8080, text: '8080' },
            { local: 9000, remote: 80, text: '9000:80' },
          ],
        },
      ],
    });
  });

  it('a token with / starts a new target; a Service may come without ports', () => {
    const r = parseForwardArgs(['svc/web', 'deploy/api', ':8080', 'http', 'sts/db', '5432']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((s) => [s.kind, s.name, s.ports.map((p) => p.remote)])).toEqual([
      ['Service', 'web', []],
      ['Deployment', 'api', [8080, 'http']],
      ['StatefulSet', 'db', [5432]],
    ]);
  });

  it('a bare name after the first is a port name, not a pod', () => {
    const r = parseForwardArgs(['svc/web', 'http']);
    expect(r.ok && r.value[0]!.ports).toEqual([{ local: undefined, remote: 'http', text: 'http' }]);
  });

  it('a non-port bare word after the first hints at TYPE/NAME', () => {
    const r = parseForwardArgs(['svc/web', 'other.name']);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ hint: expect.stringContaining('pod/other.name') }) });
  });

  it('a pod or workload without ports is an error; so are no arguments', () => {
    expect(parseForwardArgs(['pod/web-0'])).toEqual({
      ok: false,
      error: expect.objectContaining({ message: 'no ports given for pod/web-0' }),
    });
    expect(parseForwardArgs(['deploy/api', 'svc/web'])).toEqual({
      ok: false,
      error: expect.objectContaining({ message: 'no ports given for deploy/api' }),
    });
    expect(parseForwardArgs([])).toEqual({ ok: false, error: expect.objectContaining({ message: 'missing TARGET' }) });
    expect(parseForwardArgs([':80'])).toEqual({
      ok: false,
      error: { message: 'missing TARGET: ":80" is a port', hint: 'name the target first, e.g. kdiag forward svc/web :80' },
    });
  });

  it('bad target types are explained by the shared TYPE/NAME parser', () => {
    const r = parseForwardArgs(['svcs/web', '80']);
    expect(r).toEqual({ ok: false, error: { message: 'unknown resource type "svcs" in "svcs/web"', hint: 'did you mean svc/web?' } });
    expect(parseForwardArgs(['ds/agent', '80']).ok).toBe(false);
  });

  it('a local port used twice is refused, across targets too; free ports never clash', () => {
    expect(parseForwardArgs(['svc/web', '8080:80', '8080:81'])).toEqual({
      ok: false,
      error: expect.objectContaining({ message: 'local port 8080 is used twice: by svc/web 8080:80 and by svc/web 8080:81' }),
    });
    expect(parseForwardArgs(['svc/web', '8080:80', 'pod/x', '8080']).ok).toBe(false);
    expect(parseForwardArgs(['svc/web', ':80', ':80', '0:81']).ok).toBe(true);
  });

  it('duplicate checks honour addresses', () => {
    const a = { kind: 'Service' as const, name: 'a', ports: [{ local: 8080, remote: 80 }], addresses: ['127.0.0.1'] };
    const b = { kind: 'Service' as const, name: 'b', ports: [{ local: 8080, remote: 80 }], addresses: ['::1'] };
    expect(duplicateLocalPort([a, b], ['127.0.0.1'])).toBeUndefined();
    expect(duplicateLocalPort([a, { ...b, addresses: undefined }], ['127.0.0.1'])).toBeDefined();
  });
});

describe('parseAddresses', () => {
  it('localhost is 127.0.0.1 and ::1; IPs pass; duplicates drop', () => {
    expect(parseAddresses('localhost')).toEqual({ ok: true, value: ['127.0.0.1', '::1'] });
    expect(parseAddresses('127.0.0.1,::1,localhost, 10.0.0.2')).toEqual({ ok: true, value: ['127.0.0.1', '::1', '10.0.0.2'] });
    expect(parseAddresses(['0.0.0.0', 'fe80::1'])).toEqual({ ok: true, value: ['0.0.0.0', 'fe80::1'] });
  });
  it.each(['example.com', '256.1.1.1', '1.2.3', ':::1', '1:2:3:4:5:6:7:8:9', ''])('%j is refused', (a) => {
    expect(parseAddresses(a).ok).toBe(false);
  });
});

describe('parseForwardsFile', () => {
  it('reads targets, ports (numbers or strings), namespace, context and address', () => {
    const r = parseForwardsFile({
      forwards: [
        { target: 'svc/web', namespace: 'shop', context: 'dev', ports: ['8080:80', 9090], address: '127.0.0.1' },
        { target: 'svc/db' },
        { target: 'api-0', ports: [':http'], address: ['::1'] },
      ],
    });
    expect(r).toEqual({
      ok: true,
      value: [
        {
          kind: 'Service',
          name: 'web',
          namespace: 'shop',
          context: 'dev',
          ports: [
            { local: 8080, remote: 80, text: '8080:80' },
            { local: 9090, remote: 9090, text: '9090' },
          ],
          addresses: ['127.0.0.1'],
        },
        { kind: 'Service', name: 'db', ports: [] },
        { kind: 'Pod', name: 'api-0', ports: [{ local: 0, remote: 'http', text: ':http' }], addresses: ['::1'] },
      ],
    });
  });

  it.each([
    [{ forward: [] }, 'f.yaml: unknown key "forward"', /did you mean "forwards"/],
    [{ forwards: [{ target: 'svc/web', port: [80] }] }, 'f.yaml: forwards[0]: unknown key "port"', /did you mean "ports"/],
    [{ forwards: [{ target: 'svc/web', extra: 1 }] }, 'f.yaml: forwards[0]: unknown key "extra"', /known keys: target, namespace/],
    [[], 'f.yaml: expected a mapping with a "forwards" list', /forwards:/],
    [{ forwards: [] }, 'f.yaml: "forwards" must be a non-empty list', /forwards:/],
    [{ forwards: ['svc/web'] }, 'f.yaml: forwards[0] must be a mapping', /forwards:/],
    [{ forwards: [{ ports: [80] }] }, 'f.yaml: forwards[0].target must be a TYPE/NAME string', /svc\/web/],
    [{ forwards: [{ target: 'svc/web', ports: '80' }] }, 'f.yaml: forwards[0].ports must be a list', /ports:/],
    [
      { forwards: [{ target: 'svc/web', ports: [80.5] }] },
      'f.yaml: forwards[0].ports[0] must be a port number or a "[LOCAL:]REMOTE" string',
      /ports:/,
    ],
    [
      { forwards: [{ target: 'svc/web', ports: ['1:2:3'] }] },
      'f.yaml: forwards[0].ports[0]: invalid port "1:2:3": more than one ":"',
      /LOCAL/,
    ],
    [{ forwards: [{ target: 'pod/x' }] }, 'f.yaml: forwards[0]: no ports given for pod/x', /ports/],
    [{ forwards: [{ target: 'svc/web', namespace: 3 }] }, 'f.yaml: forwards[0].namespace must be a non-empty string', /namespace/],
    [
      { forwards: [{ target: 'svc/web', address: 'nowhere' }] },
      'f.yaml: forwards[0].address: invalid --address "nowhere": not an IP address',
      /localhost/,
    ],
    [
      {
        forwards: [
          { target: 'svc/a', ports: [8080] },
          { target: 'svc/b', ports: ['8080:80'] },
        ],
      },
      'f.yaml: local port 8080 is used twice: by svc/a 8080 and by svc/b 8080:80',
      /another local port/,
    ],
  ])('%j: %s', (value, message, hint) => {
    const r = parseForwardsFile(value, 'f.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toBe(message);
      expect(r.error.hint).toMatch(hint);
    }
  });
});
