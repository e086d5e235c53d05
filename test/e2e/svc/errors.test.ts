// `kdiag svc` bad-input paths against the real API server (and local stand-ins on 127.0.0.1): each is one
// `kdiag: ...` line and one `hint: ...` line on stderr, no stack trace, nothing on stdout, and the documented exit
// status (3 for cluster access, 1 for an unknown namespace, which is a finding with full JSON).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ensureBundle } from '../../helpers/bundle.js';
import { clusterInfo, repoRoot, run, useNamespace } from '../helpers/index.js';
import { evidenceText, findingOf, kdiag, kdiagSvc, type KdiagRun } from './helpers.js';

const ns = useNamespace('svc-errors');
let tmp = '';
beforeAll(() => {
  ensureBundle(); // a spawned `node dist/kdiag.js` below
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kdiag-e2e-svc-errors-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A copy of the admin kubeconfig whose cluster server is `server` (credentials and CA unchanged). */
function kubeconfigFor(server: string, file: string): string {
  const doc = parse(readFileSync(clusterInfo().kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  for (const c of doc.clusters) c.cluster.server = server;
  const out = path.join(tmp, file);
  writeFileSync(out, stringify(doc), { mode: 0o600 });
  return out;
}

/** Only KUBECONFIG differs from this process's environment. */
function envWith(kubeconfig: string): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: kubeconfig };
}

/** The error contract: nothing on stdout, exactly `kdiag: ...` and `hint: ...` on stderr, no stack frames. */
function expectOneLineError(r: { code: number; stdout: string; stderr: string }, code: number): { message: string; hint: string } {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: '' });
  const lines = r.stderr.split('\n');
  expect(lines).toHaveLength(3); // two lines and the final newline
  expect(lines[0]).toMatch(/^kdiag: \S/);
  expect(lines[1]).toMatch(/^hint: \S/);
  expect(lines[2]).toBe('');
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return { message: lines[0]!.slice('kdiag: '.length), hint: lines[1]!.slice('hint: '.length) };
}

/** A free port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('kdiag svc: cluster access errors', () => {
  test('unreachable API server (a closed port on 127.0.0.1): exit 3, one line and a hint', async () => {
    const port = await closedPort();
    const kc = kubeconfigFor(`https://127.0.0.1:${port}`, 'closed.kubeconfig');
    const r = await kdiagSvc('web', ns.name, [], { env: envWith(kc) });
    const { message, hint } = expectOneLineError(r, 3);
    expect(message).toBe(`cannot reach the API server at https://127.0.0.1:${port} (context "kdiag-e2e"): connection refused`);
    expect(hint).toContain('is the cluster running');

    // The built CLI behaves the same in its own process (main.ts): no stack, no unhandled rejection.
    const env = envWith(kc);
    delete env.NODE_OPTIONS;
    const spawned = await run(process.execPath, [path.join(repoRoot, 'dist/kdiag.js'), 'svc', 'web', '-n', ns.name], {
      env,
      cwd: repoRoot,
    });
    expect(expectOneLineError(spawned, 3).message).toBe(message);
  });

  test('a kubeconfig that is not valid YAML: exit 3', async () => {
    const bad = path.join(tmp, 'broken.kubeconfig');
    writeFileSync(bad, 'apiVersion: v1\nclusters: [\n  - name: broken\n    cluster: {server: "https://127.0.0.1:1"\n');
    const r = await kdiagSvc('web', ns.name, [], { env: envWith(bad) });
    const { message, hint } = expectOneLineError(r, 3);
    // FILE:LINE:COL and the message alone: no dangling 'at line N, column M:' and no code frame.
    expect(message).toMatch(new RegExp(`^kubeconfig ${bad.replace(/[.]/g, '\\.')}:\\d+:\\d+: invalid YAML: \\S.*[^:]$`));
    expect(hint).toBe('fix the file, or point --kubeconfig at another');
  });

  test('an unknown --context: exit 3 with the close name suggested', async () => {
    const r = await kdiagSvc('web', ns.name, ['--context', 'kdiag-e2f']);
    const { message, hint } = expectOneLineError(r, 3);
    expect(message).toBe(`context "kdiag-e2f" not found in ${clusterInfo().kubeconfig}`);
    expect(hint).toMatch(/^did you mean "kdiag-e2e"\? available contexts: /);
    expect(hint).toContain('limited');
  });

  test('a forbidden required read (limited user, outside its namespace): exit 3 naming verb, resource and namespace', async () => {
    const r = await kdiagSvc('web', ns.name, [], { env: envWith(clusterInfo().limitedKubeconfig) });
    const { message, hint } = expectOneLineError(r, 3);
    expect(message).toMatch(
      new RegExp(`^forbidden: cannot get services in namespace "${ns.name}" \\(.*User "kdiag-limited" cannot get resource "services"`),
    );
    expect(hint).toBe(
      `ask for RBAC permission to get services in namespace "${ns.name}"; check with: kubectl auth can-i get services -n ${ns.name}`,
    );
  });

  test('--request-timeout is honoured: a server that accepts and never answers, 1s → exit 3 within seconds', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const kc = kubeconfigFor(`https://127.0.0.1:${port}`, 'silent.kubeconfig');
      const started = Date.now();
      // Watchdog: were the timeout lost again (it once was, to a garbage collection), the run is interrupted here and
      // the test fails on the exit status, instead of hanging until jest gives up with this server still open.
      const watchdog = new AbortController();
      const timer = setTimeout(() => watchdog.abort('SIGINT'), 15_000);
      const r = await kdiagSvc('web', ns.name, ['--request-timeout', '1s'], { env: envWith(kc), signal: watchdog.signal }).finally(() =>
        clearTimeout(timer),
      );
      const elapsed = Date.now() - started;
      const { message, hint } = expectOneLineError(r, 3);
      expect(message).toBe(
        `GET /api/v1/namespaces/${ns.name}/services/web to the API server at https://127.0.0.1:${port} (context "kdiag-e2e") timed out after 1s`,
      );
      expect(hint).toContain('--request-timeout');
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('kdiag svc: a server that is not the Kubernetes API', () => {
  test('a 200 answer that is not JSON (a proxy page): exit 3 naming the server, not an internal error', async () => {
    const page = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Sign in</body></html>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = page.address() as net.AddressInfo;
      const kc = kubeconfigFor(`http://127.0.0.1:${port}`, 'html.kubeconfig');
      const r = await kdiagSvc('web', ns.name, [], { env: envWith(kc) });
      const { message, hint } = expectOneLineError(r, 3);
      expect(message).toBe(
        `get services: the server at http://127.0.0.1:${port} did not answer with JSON (200, starts with "<html><body>Sign in</body></html>")`,
      );
      expect(hint).toContain('server URL');
    } finally {
      await new Promise<void>((resolve) => page.close(() => resolve()));
    }
  });
});

describe('kdiag svc: interrupted while waiting for the API server', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %d, one line, no stack', async (signal, status) => {
    const sockets = new Set<net.Socket>();
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      connected();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const kc = kubeconfigFor(`https://127.0.0.1:${port}`, `silent-${signal}.kubeconfig`);
      // The built CLI as a user runs it, with no request timeout: only the signal can end it.
      const child = spawn(
        process.execPath,
        [path.join(repoRoot, 'dist', 'kdiag.js'), 'svc', 'web', '-n', ns.name, '--request-timeout', '0'],
        {
          env: { ...envWith(kc), NODE_OPTIONS: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await reached;
      child.kill(signal);
      expect(await exited).toBe(status);
      expect(stdout).toBe('');
      expect(stderr).toBe(`kdiag: interrupted by ${signal}\n`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('kdiag svc: an unknown namespace is a finding, not an error', () => {
  test('exit 1, full JSON, namespace-not-found with the close names', async () => {
    const typo = `${ns.name.slice(0, -2)}${ns.name.slice(-1)}`; // one character dropped in the middle of the suffix
    const r: KdiagRun = await kdiagSvc('web', typo);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.doc).toMatchObject({ schemaVersion: 1, service: null, pods: [], endpoints: [], names: [] });
    const f = findingOf(r, 'namespace-not-found');
    expect(f.severity).toBe('error');
    expect(evidenceText(f)).toMatch(new RegExp(`close namespace names: ${ns.name}(,|$)`, 'm'));

    // Text output says the same, on stdout, with the hint.
    const text = await kdiag(['svc', 'web', '-n', typo]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`Namespace "${typo}" does not exist.`);
    expect(text.stdout).toContain(`did you mean -n ${ns.name}?`);
  });
});
