import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The invocations whose stdout and exit status are recorded in test/recorded/outputs/ (scripts/record-outputs.mjs)
// and compared byte for byte by test/unit/recorded.test.ts: svc, dns, lint and codes must print exactly this.
const svcCases = [
  ['examples/my-app.yaml', 'my-app', ['web']],
  ['examples/named-port.yaml', 'shop', ['api']],
  ['test/fixtures/svc/broken.yaml', undefined, ['web']],
  ['test/fixtures/svc/external-name.yaml', 't', ['billing', 'byip']],
  ['test/fixtures/svc/manifests.yaml', undefined, ['web', 'api']],
  ['test/fixtures/svc/no-pods-dump.yaml', 't', ['web']],
  ['test/fixtures/svc/no-selector.yaml', 't', ['db', 'ext', 'misnamed']],
  ['test/fixtures/svc/other-namespace.yaml', 'frontend', ['web']],
  ['test/fixtures/svc/pod-states.yaml', 't', ['pending', 'crash', 'probe', 'mixed', 'gone', 'ending', 'gated']],
  ['test/fixtures/svc/ports.yaml', 't', ['wrongnum', 'noports', 'dns', 'sidecar', 'partial']],
  ['test/fixtures/svc/spans.yaml', 't', ['shop']],
  ['test/fixtures/svc/traffic.yaml', 't', ['db', 'lb']],
  ['test/fixtures/svc/traffic.yaml', 'p', ['locked', 'open']],
  ['test/fixtures/svc/workloads.yaml', 't', ['web', 'api', 'jobs']],
];

/** @type {{name: string, args: string[]}[]} */
export const CASES = [];
for (const [file, ns, names] of svcCases) {
  const base = file
    .split('/')
    .pop()
    .replace(/\.yaml$/, '');
  for (const name of names) {
    const nsArgs = ns ? ['-n', ns] : [];
    CASES.push({ name: `svc-${base}-${name}`, args: ['svc', name, ...nsArgs, '-f', file] });
    CASES.push({ name: `svc-${base}-${name}.json`, args: ['svc', name, ...nsArgs, '-f', file, '-o', 'json'] });
  }
}
CASES.push(
  { name: 'svc-my-app-web.wide', args: ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '-o', 'wide'] },
  { name: 'svc-my-app-web.yaml', args: ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '-o', 'yaml'] },
  { name: 'svc-unknown-service', args: ['svc', 'wbe', '-n', 'my-app', '-f', 'examples/my-app.yaml'] },
  { name: 'svc-unknown-service.json', args: ['svc', 'wbe', '-n', 'my-app', '-f', 'examples/my-app.yaml', '-o', 'json'] },
  { name: 'svc-unknown-namespace', args: ['svc', 'web', '-n', 'my-ap', '-f', 'examples/my-app.yaml'] },
  { name: 'svc-fail-on-none', args: ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '--fail-on', 'none'] },
  ...[
    ['web', 'web.my-app'],
    ['short', 'web'],
    ['url-port', 'http://web.my-app:8080/'],
    ['headless', 'db.my-app'],
    ['pod-record', 'db-0.db.my-app'],
    ['no-ready-pods', 'cache.my-app'],
    ['no-endpoints', 'api.my-app'],
    ['external-name-ip', 'legacy.my-app'],
  ].flatMap(([name, arg]) => [
    { name: `dns-${name}`, args: ['dns', arg, '-n', 'other', '-f', 'examples/dns.yaml'] },
    { name: `dns-${name}.json`, args: ['dns', arg, '-n', 'other', '-f', 'examples/dns.yaml', '-o', 'json'] },
  ]),
  { name: 'dns-web.yaml', args: ['dns', 'web.my-app', '-n', 'other', '-f', 'examples/dns.yaml', '-o', 'yaml'] },
  { name: 'dns-from-pod', args: ['dns', 'web.my-app', '-n', 'other', '--from-pod', 'tools', '-f', 'examples/dns.yaml'] },
  { name: 'dns-bad-name', args: ['dns', 'web..my-app', '-n', 'other', '-f', 'examples/dns.yaml'] },
  { name: 'lint-types', args: ['lint', 'test/fixtures/lint/types'] },
  { name: 'lint-types.json', args: ['lint', 'test/fixtures/lint/types', '-o', 'json'] },
  { name: 'lint-types.yaml', args: ['lint', 'test/fixtures/lint/types', '-o', 'yaml'] },
  { name: 'lint-types.sarif', args: ['lint', 'test/fixtures/lint/types', '-o', 'sarif'] },
  { name: 'lint-types.github', args: ['lint', 'test/fixtures/lint/types', '-o', 'github'] },
  { name: 'lint-types-warning', args: ['lint', 'test/fixtures/lint/types', '--fail-on', 'warning'] },
  { name: 'lint-types-cidrs', args: ['lint', 'test/fixtures/lint/types', '--pod-cidr', '10.244.0.0/16', '--service-cidr', '10.96.0.0/12'] },
  { name: 'lint-examples', args: ['lint', 'examples'] },
  {
    name: 'svc-my-app-web-cluster-domain',
    args: ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '--cluster-domain', 'corp.internal'],
  },
  { name: 'svc-my-app-web-type-name', args: ['svc', 'svc/web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '-o', 'json'] },
  { name: 'lint-examples-cluster-domain', args: ['lint', 'examples/lint', '--cluster-domain', 'corp.internal'] },
  { name: 'codes', args: ['codes'] },
  { name: 'codes.json', args: ['codes', '-o', 'json'] },
  { name: 'codes.markdown', args: ['codes', '-o', 'markdown'] },
  { name: 'codes-one', args: ['codes', 'selector-no-match'] },
  { name: 'codes-unknown', args: ['codes', 'selector-no-matc'] },
  { name: 'route-api', args: ['route', 'https://shop.example.com/api/v1', '-f', 'test/fixtures/route/shop.yaml'] },
  { name: 'route-api.json', args: ['route', 'https://shop.example.com/api/v1', '-f', 'test/fixtures/route/shop.yaml', '-o', 'json'] },
  { name: 'route-no-match', args: ['route', 'http://admin.shop.example.com/login/', '-f', 'test/fixtures/route/shop.yaml'] },
  { name: 'route-ingress', args: ['route', 'ingress/shop', '-n', 'shop', '-f', 'test/fixtures/route/shop.yaml'] },
);

/** Runs the built CLI as a script would: piped, no colour, no terminal. */
export function runCase(root, args) {
  const env = { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '' };
  delete env.FORCE_COLOR;
  return spawnSync(process.execPath, [join(root, 'dist', 'kdiag.js'), ...args], { cwd: root, env, encoding: 'utf8', input: '' });
}

/**
 * What is recorded of a run: stdout, stderr and the exit status, each marked. The checkout's own path (SARIF's
 * file URIs carry it) reads `<root>`, so a recording holds wherever the repository is cloned.
 */
export function formatResult(r, root) {
  const text = `${r.stdout}--- stderr\n${r.stderr}--- exit ${r.status}\n`;
  return text.split(root).join('<root>');
}

// kdiag audit (issue 16), and the svc checks it brought.
for (const [file, ns, names] of [['test/fixtures/svc/engine-gaps.yaml', 'g', ['restricted', 'probe', 'warned', 'unplaced']]]) {
  for (const name of names) CASES.push({ name: `svc-engine-gaps-${name}`, args: ['svc', name, '-n', ns, '-f', file] });
}
CASES.push(
  { name: 'svc-offline-policy-api', args: ['svc', 'api', '-f', 'test/fixtures/svc/offline-policy.yaml'] },
  { name: 'svc-my-app-web.sarif', args: ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml', '-o', 'sarif'] },
  { name: 'audit-engine-gaps', args: ['audit', '-n', 'g', '-f', 'test/fixtures/svc/engine-gaps.yaml'] },
  { name: 'audit-engine-gaps.wide', args: ['audit', '-n', 'g', '-f', 'test/fixtures/svc/engine-gaps.yaml', '-o', 'wide'] },
  { name: 'audit-engine-gaps.json', args: ['audit', '-n', 'g', '-f', 'test/fixtures/svc/engine-gaps.yaml', '-o', 'json'] },
  { name: 'audit-traffic-all.json', args: ['audit', '-A', '-f', 'test/fixtures/svc/traffic.yaml', '-o', 'json'] },
  { name: 'audit-engine-gaps.sarif', args: ['audit', '-n', 'g', '-f', 'test/fixtures/svc/engine-gaps.yaml', '-o', 'sarif'] },
);
