import { runCli } from '../../../src/cli.js';
import { toSvcOptions } from '../../../src/commands/svc/run.js';
import { UsageError } from '../../../src/errors.js';
import { createTestIo } from '../../helpers/io.js';
import { ROOT } from './helpers.js';

async function run(argv: string[], io = createTestIo()) {
  const code = await runCli(argv, { io, env: {}, cwd: ROOT });
  return { code, out: io.stdout(), err: io.stderr() };
}

const ANSI = /\u001b\[/;

describe('kdiag svc (CLI)', () => {
  it('the README main job: names the mislabelled pods and the differing value, exit 1', async () => {
    const r = await run(['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toContain('ERROR selector-no-match');
    for (const pod of ['web-6d8f7b9c54-7xk2p', 'web-6d8f7b9c54-m4q9z', 'web-6d8f7b9c54-tr8wd']) expect(r.out).toContain(pod);
    expect(r.out).toContain('app=web-sever instead of app=web-server');
    expect(r.out).not.toMatch(ANSI);
  });

  it('-o json parses, has schemaVersion 1 first and the findings', async () => {
    const r = await run(['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'command', 'service', 'findings', 'pods', 'endpoints', 'names', 'routes']);
    expect(doc.command).toBe('svc');
    expect(doc.schemaVersion).toBe(1);
    expect((doc.findings as { code: string }[]).map((f) => f.code)).toEqual(['selector-no-match']);
  });

  it('-o yaml carries the same data', async () => {
    const r = await run(['svc', 'api', '-f', 'examples/named-port.yaml', '-o', 'yaml']);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('schemaVersion: 1');
    expect(r.out).toContain('code: target-port-not-found');
  });

  it('the namespace defaults to the one the file holds', async () => {
    const r = await run(['svc', 'api', '-f', 'examples/named-port.yaml']);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('Service shop/api');
  });

  it('--fail-on none exits 0 with the same report; --fail-on info fails on info findings', async () => {
    expect((await run(['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '--fail-on', 'none'])).code).toBe(0);
    expect((await run(['svc', 'billing', '-f', 'test/fixtures/svc/external-name.yaml'])).code).toBe(0);
    expect((await run(['svc', 'billing', '-f', 'test/fixtures/svc/external-name.yaml', '--fail-on', 'info'])).code).toBe(1);
  });

  it('unknown Service is a finding with full output, exit 1', async () => {
    const r = await run(['svc', 'wbe', '-n', 'my-app', '-f', 'examples/my-app.yaml', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ service: null, findings: [{ code: 'service-not-found' }] });
  });

  it.each([
    ['a missing file', ['svc', 'web', '-f', 'nope.yaml'], 'kdiag: nope.yaml: no such file'],
    ['a directory', ['svc', 'web', '-f', 'examples'], 'kdiag: examples is a directory'],
    [
      'broken YAML',
      ['svc', 'web', '-f', 'test/fixtures/svc/broken.yaml'],
      'kdiag: test/fixtures/svc/broken.yaml:6:1: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
    [
      'a JSON file that is not a Kubernetes object',
      ['svc', 'web', '-f', 'package.json'],
      'kdiag: package.json:1: the document is not a Kubernetes object: it has no "kind"',
    ],
  ])('%s: exit 2, one error line and one hint line on stderr, no stack', async (_t, argv, first) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toBe(first);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^hint: /);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('no NAME without a terminal: usage error naming the argument, exit 2', async () => {
    const r = await run(['svc', '-f', 'examples/my-app.yaml']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('kdiag: missing the Service NAME argument');
  });

  it('rejects an invalid Service name before reading anything', () => {
    expect(() => toSvcOptions(['Web_1'], {})).toThrow(UsageError);
    expect(toSvcOptions(['web'], { filename: '-' })).toEqual({ name: 'web', file: '-' });
    expect(toSvcOptions([], {})).toEqual({});
  });

  it('no escape sequence reaches a pipe in any format', async () => {
    for (const o of ['text', 'wide', 'json', 'yaml']) {
      const r = await run(['svc', 'api', '-f', 'examples/named-port.yaml', '-o', o]);
      expect(r.out).not.toMatch(ANSI);
      expect(r.err).not.toMatch(ANSI);
    }
  });
});

describe('kdiag svc without NAME and without a terminal', () => {
  it('is a usage error (exit 2) before any cluster access, even with no kubeconfig', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCli } = await import('../../../src/cli.js');
    const { createTestIo } = await import('../../helpers/io.js');
    const io = createTestIo();
    const home = mkdtempSync(join(tmpdir(), 'kdiag-nohome-'));
    const code = await runCli(['svc', '-n', 'shop'], { io, env: { HOME: home }, cwd: home });
    expect(code).toBe(2);
    expect(io.stderr()).toBe(
      'kdiag: missing the Service NAME argument\nhint: kdiag svc NAME -n shop (list them: kubectl get services -n shop)\n',
    );
  });
});
