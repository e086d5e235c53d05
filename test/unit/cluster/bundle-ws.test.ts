// `ws` bundles with esbuild like the rest of kdiag (scripts/build.mjs: ESM, code splitting, bufferutil and
// utf-8-validate external) and the bundled connection runs an exec from a folder with no node_modules at all, so
// neither native add-on is needed. The Context does not import kube-connection.ts yet, so dist/ does not hold it:
// this bundles it on its own with the same settings.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { WebSocketServer } from 'ws';
import { ROOT } from '../../helpers/bundle.js';

test('the bundled KubeConnection runs exec over ws without bufferutil or utf-8-validate', async () => {
  const out = mkdtempSync(join(tmpdir(), 'kdiag-ws-bundle-'));
  const result = await build({
    entryPoints: { 'kube-connection': join(ROOT, 'src/cluster/kube-connection.ts') },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // client-node (exec plugins only) is bundled as its own chunk by the real build; here it would only cost time.
    external: ['bufferutil', 'utf-8-validate', '@kubernetes/client-node'],
    banner: {
      js: "import { createRequire as __kdiagCreateRequire } from 'node:module'; const require = __kdiagCreateRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  expect(result.errors).toEqual([]);
  const code = readdirSync(out)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(out, f), 'utf8'));
  // ws is reached only through import(): the connection's own chunk does not contain it.
  expect(readFileSync(join(out, 'kube-connection.js'), 'utf8')).not.toContain('Sec-WebSocket-Key');
  expect(code.some((c) => c.includes('Sec-WebSocket-Key'))).toBe(true);

  const server = http.createServer((_req, res) => res.end('{}'));
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('bundled ok\n')]));
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from('{"metadata":{},"status":"Success"}')]));
      ws.close(1000);
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    writeFileSync(
      join(out, 'config'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    writeFileSync(
      join(out, 'run.mjs'),
      `const { createKubeConnection } = await import('./kube-connection.js');
const c = createKubeConnection({ kubeconfig: './config', requestTimeoutMs: 5000, env: {} });
const r = await c.exec({ namespace: 'a', pod: 'p', command: ['echo'], stdout: process.stdout });
process.stdout.write(JSON.stringify(r) + '\\n');
`,
    );
    const child = spawn(process.execPath, ['run.mjs'], {
      cwd: out,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const status = await new Promise<number | null>((r) => child.on('close', r));
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout).toBe('bundled ok\n{"status":{"status":"Success","exitCode":0},"protocol":"v5.channel.k8s.io"}\n');
  } finally {
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
