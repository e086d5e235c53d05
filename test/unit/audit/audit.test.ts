import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { AuditReader, limiter, readBulk } from '../../../src/cluster/audit-loader.js';
import { FileClusterReader, parseObjects } from '../../../src/cluster/file-reader.js';
import { R } from '../../../src/cluster/reader.js';
import { loadServiceSnapshot } from '../../../src/cluster/svc-loader.js';
import { runCli } from '../../../src/cli.js';
import { projectPod } from '../../../src/core/audit/project.js';
import { AUDIT_CATALOGUE, AUDIT_EMITTERS, policiesSelectingNoPods } from '../../../src/core/audit/catalogue.js';
import { CATALOGUE } from '../../../src/core/catalogues.js';
import { filterFindings, mostCausal, summarize, summaryLine, worstFirst, type AuditedService } from '../../../src/core/audit/summary.js';
import type { Finding } from '../../../src/core/finding.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import { explainService } from '../../../src/core/svc/explain.js';
import { renderAuditText } from '../../../src/commands/audit/render.js';
import { toAuditOptions } from '../../../src/commands/audit/options.js';
import { UsageError } from '../../../src/errors.js';
import { createTestIo } from '../../helpers/io.js';
import { FIXTURES, ROOT } from '../svc/helpers.js';

/** Every fixture of kdiag svc, and the bundled example: each holds Services of several kinds, broken and not. */
const FILES = [
  ...readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml') && f !== 'broken.yaml') // broken.yaml is for the YAML error tests
    .map((f) => join(FIXTURES, f)),
  join(ROOT, 'examples', 'my-app.yaml'),
];

function objectsOf(path: string): KubeObject[] {
  return parseObjects(readFileSync(path, 'utf8'), path);
}

function servicesOf(objs: readonly KubeObject[], defaultNs: string): { namespace: string; name: string }[] {
  return objs.filter((o) => o.kind === 'Service').map((o) => ({ namespace: o.metadata.namespace ?? defaultNs, name: o.metadata.name }));
}

describe('the pod projection', () => {
  it.each(FILES.map((f) => [f.slice(ROOT.length + 1), f]))(
    'kdiag svc gives the same report on projected pods as on full ones: %s',
    async (_n, path) => {
      const objs = objectsOf(path);
      const full = new FileClusterReader(objs);
      const projected = new FileClusterReader(objs.map((o) => (o.kind === 'Pod' ? projectPod(o) : o)));
      const services = servicesOf(objs, full.defaultNamespace);
      expect(services.length).toBeGreaterThan(0);
      for (const s of services) {
        const a = explainService(await loadServiceSnapshot(full, s));
        const b = explainService(await loadServiceSnapshot(projected, s));
        expect(b).toEqual(a);
      }
    },
  );

  it('drops what the engine never reads', () => {
    const pod = {
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', labels: { a: 'b' }, annotations: { big: 'x'.repeat(1000) }, managedFields: [{}] },
      spec: {
        nodeName: 'n1',
        containers: [{ name: 'c', image: 'i', env: [{ name: 'E', value: 'v' }], ports: [{ containerPort: 80 }], resources: {} }],
        volumes: [{ name: 'v' }],
        tolerations: [{}],
      },
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        hostIP: '10.1.0.1',
        qosClass: 'BestEffort',
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    } as unknown as KubeObject;
    expect(projectPod(pod)).toEqual({
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', labels: { a: 'b' } },
      spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });
});

describe('the audit reader', () => {
  it.each(FILES.map((f) => [f.slice(ROOT.length + 1), f]))(
    "each Service's report through the bulk reads equals kdiag svc's: %s",
    async (_n, path) => {
      const objs = objectsOf(path);
      const direct = new FileClusterReader(objs);
      const under = new FileClusterReader(objs);
      const scope = { allNamespaces: true };
      const cached = new AuditReader(under, await readBulk(under, scope), scope);
      for (const s of servicesOf(objs, direct.defaultNamespace)) {
        expect(explainService(await loadServiceSnapshot(cached, s))).toEqual(explainService(await loadServiceSnapshot(direct, s)));
      }
    },
  );

  it('answers the per-Service reads from the bulk data, and other reads once each', async () => {
    const objs = objectsOf(join(ROOT, 'examples', 'my-app.yaml'));
    const under = new FileClusterReader(objs);
    const scope = { namespace: 'my-app', allNamespaces: false };
    const bulk = await readBulk(under, scope);
    const afterBulk = under.requestCount;
    expect(afterBulk).toBe(5); // services, endpointslices, pods, Service events, NetworkPolicies
    const cached = new AuditReader(under, bulk, scope);
    await cached.list(R.pods, { namespace: 'my-app', labelSelector: 'app=web-server' });
    await cached.tryList(R.endpointslices, { namespace: 'my-app', labelSelector: 'kubernetes.io/service-name=web' });
    expect(under.requestCount).toBe(afterBulk);
    await cached.tryList(R.deployments, { namespace: 'my-app' });
    await cached.tryList(R.deployments, { namespace: 'my-app' });
    expect(under.requestCount).toBe(afterBulk + 1);
    // Outside the scope: delegated.
    await cached.tryList(R.pods, { labelSelector: 'app=web', metadataOnly: true });
    expect(under.requestCount).toBe(afterBulk + 2);
  });

  it("reads the unready pods' Warning events once per namespace, and answers each pod's event read from them", async () => {
    const objs = objectsOf(join(FIXTURES, 'pod-states.yaml'));
    // A Normal event about an unready pod: kdiag svc reads it too, and the engine quotes no Normal event.
    const normal = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'probe-1.normal', namespace: 't' },
      involvedObject: { kind: 'Pod', name: 'probe-1', namespace: 't' },
      reason: 'Pulled',
      type: 'Normal',
      message: 'Successfully pulled image',
      lastTimestamp: '2026-11-26T10:06:00Z',
    } as KubeObject;
    const all = [...objs, normal];
    const reads: string[] = [];
    const under = new FileClusterReader(all);
    const logged = new Proxy(under, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (prop !== 'list' && prop !== 'tryList') return typeof v === 'function' ? v.bind(target) : v;
        return (r: { plural: string }, o: { namespace?: string; fieldSelector?: string } = {}) => {
          if (r.plural === 'events') reads.push(`${o.namespace ?? '*'} ${o.fieldSelector ?? ''}`);
          return v.call(target, r, o);
        };
      },
    });
    const scope = { allNamespaces: true };
    const bulk = await readBulk(logged, scope);
    expect(reads).toEqual(['* involvedObject.kind=Service', 't type=Warning']);
    expect(bulk.podWarnings!.events.every((e) => (e as { type?: string }).type === 'Warning')).toBe(true);
    expect(bulk.podWarnings!.events.length).toBeGreaterThan(0);
    const cached = new AuditReader(logged, bulk, scope);
    const direct = new FileClusterReader(all);
    for (const s of servicesOf(objs, direct.defaultNamespace)) {
      expect(explainService(await loadServiceSnapshot(cached, s))).toEqual(explainService(await loadServiceSnapshot(direct, s)));
    }
    // No per-pod read went to the cluster: the bulk list answered them all.
    expect(reads.filter((r) => r.includes('involvedObject.kind=Pod'))).toEqual([]);
  });

  it('limiter keeps at most n running', async () => {
    const limit = limiter(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 7 }, () =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});

const f = (code: string, severity: Finding['severity']): Finding => ({
  code,
  severity,
  message: `${code} message.`,
  evidence: [],
  hint: 'fix it',
});
const svc = (name: string, findings: Finding[]): AuditedService => ({
  service: { namespace: 'ns', name },
  type: 'ClusterIP',
  ready: 'http 1',
  findings,
});

describe('the summary', () => {
  const all = [
    svc('a', []),
    svc('b', [f('session-affinity', 'info')]),
    svc('c', [f('network-policy-isolated', 'warning'), f('session-affinity', 'info')]),
    svc('d', [f('selector-no-match', 'error'), f('network-policy-isolated', 'warning')]),
    svc('e', [f('pods-not-ready', 'error'), f('probe-port-not-found', 'error')]),
  ];

  it('counts each Service once, at its worst severity', () => {
    expect(summarize(all)).toEqual({ services: 5, healthy: 1, errors: 2, warnings: 1, infos: 1 });
    expect(summaryLine(summarize(all))).toBe('5 Services: 1 healthy, 2 with errors, 1 with warnings, 1 with info only');
    expect(summaryLine({ services: 412, healthy: 398, errors: 9, warnings: 5, infos: 0 })).toBe(
      '412 Services: 398 healthy, 9 with errors, 5 with warnings',
    );
  });

  it('orders worst first and leaves out healthy Services', () => {
    expect(worstFirst(all).map((a) => a.service.name)).toEqual(['e', 'd', 'c', 'b']);
    expect(mostCausal(all[3]!.findings)!.code).toBe('selector-no-match');
  });

  it('--only and --skip', () => {
    const fs = all[3]!.findings;
    expect(filterFindings(fs, ['network-policy-isolated'], []).map((x) => x.code)).toEqual(['network-policy-isolated']);
    expect(filterFindings(fs, undefined, ['selector-no-match']).map((x) => x.code)).toEqual(['network-policy-isolated']);
  });

  it('renders the table worst first, then the summary line; wide adds every finding', () => {
    const env = { color: false, width: 200, wide: false };
    const text = renderAuditText(worstFirst(all), summarize(all), [], env);
    expect(text).toBe(
      [
        'NAMESPACE   SERVICE   TYPE        READY    FINDING                                MESSAGE',
        'ns          e         ClusterIP   http 1   ERROR pods-not-ready (+1)              pods-not-ready message.',
        'ns          d         ClusterIP   http 1   ERROR selector-no-match (+1)           selector-no-match message.',
        'ns          c         ClusterIP   http 1   WARNING network-policy-isolated (+1)   network-policy-isolated message.',
        'ns          b         ClusterIP   http 1   INFO session-affinity                  session-affinity message.',
        '',
        '5 Services: 1 healthy, 2 with errors, 1 with warnings, 1 with info only',
        '',
      ].join('\n'),
    );
    const wide = renderAuditText(worstFirst(all), summarize(all), [], { ...env, wide: true });
    expect(wide).toContain(
      'Service ns/d\nERROR selector-no-match: selector-no-match message.\n    hint: fix it\nWARNING network-policy-isolated',
    );
  });
});

describe('kdiag audit (CLI, offline)', () => {
  async function run(argv: string[]) {
    const io = createTestIo();
    const code = await runCli(argv, { io, env: {}, cwd: ROOT });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const GAPS = 'test/fixtures/svc/engine-gaps.yaml';

  it('-o json: the documented shape, each broken Service with its findings, exit 1', async () => {
    const r = await run(['audit', '-n', 'g', '-f', GAPS, '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'command', 'scope', 'summary', 'services', 'findings']);
    expect(doc.command).toBe('audit');
    expect(doc.scope).toEqual({ namespaces: ['g'] });
    expect(doc.summary).toEqual({ services: 4, healthy: 0, errors: 2, warnings: 2, infos: 0 });
    expect(doc.services.map((s: any) => [s.service.name, s.findings.map((x: any) => x.code)])).toEqual([
      ['probe', ['pods-not-ready', 'probe-port-not-found']],
      ['unplaced', ['pods-not-running']],
      ['restricted', ['network-policy-isolated']],
      ['warned', ['service-warning-events']],
    ]);
  });

  it('--only, --fail-on, -l', async () => {
    const only = await run(['audit', '-n', 'g', '-f', GAPS, '--only', 'network-policy-isolated', '-o', 'json']);
    expect(only.code).toBe(0);
    expect(JSON.parse(only.out).services.map((s: any) => s.service.name)).toEqual(['restricted']);
    expect((await run(['audit', '-n', 'g', '-f', GAPS, '--only', 'network-policy-isolated', '--fail-on', 'warning'])).code).toBe(1);
    const none = await run(['audit', '-n', 'g', '-f', GAPS, '-l', 'app=nothing']);
    expect(none.out).toBe('0 Services: 0 healthy, 0 with errors, 0 with warnings\n');
  });

  it('an unknown code in --only is a usage error (exit 2) with a suggestion', async () => {
    const r = await run(['audit', '-n', 'g', '-f', GAPS, '--only', 'selector-no-mach']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown finding code "selector-no-mach"[\s\S]*selector-no-match/);
    expect(() => toAuditOptions(['web'], {})).toThrow(UsageError);
  });

  it('-o sarif: valid SARIF 2.1.0, the object as logical location and, with -f, its document as physical location', async () => {
    const r = await run(['audit', '-n', 'g', '-f', GAPS, '-o', 'sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out);
    const require = createRequire(import.meta.url);
    const raw = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
    const { $schema: _d, id, ...rest } = raw;
    const validate = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false }).compile({
      $id: id,
      ...rest,
    });
    expect(validate(log)).toBe(true);
    const result = log.runs[0].results.find((x: any) => x.ruleId === 'service-warning-events');
    expect(result.locations[0].logicalLocations[0].fullyQualifiedName).toBe('Service/g/warned');
    const lines = readFileSync(join(ROOT, GAPS), 'utf8').split('\n');
    const line = result.locations[0].physicalLocation.region.startLine;
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(GAPS);
    // The line where the Service's item starts (`- apiVersion: v1`), followed by its kind and name.
    expect(lines.slice(line - 1, line + 2).join('\n')).toMatch(/apiVersion: v1\n\s+kind: Service\n\s+metadata: \{name: warned/);
  });

  it('kdiag svc -o sarif gives the same result for a Service as kdiag audit', async () => {
    const one = JSON.parse((await run(['svc', 'warned', '-n', 'g', '-f', GAPS, '-o', 'sarif'])).out);
    const all = JSON.parse((await run(['audit', '-n', 'g', '-f', GAPS, '-o', 'sarif'])).out);
    const pick = (log: any) => log.runs[0].results.filter((x: any) => x.locations[0].logicalLocations[0].name === 'warned');
    expect(pick(one)).toEqual(pick(all));
  });
});

describe('network-policy-selects-no-pods', () => {
  const pod = (ns: string, name: string, labels: Record<string, string>) =>
    ({ kind: 'Pod', metadata: { name, namespace: ns, labels } }) as unknown as Parameters<typeof policiesSelectingNoPods>[1][number];
  const np = (ns: string, name: string, podSelector: Record<string, unknown>) =>
    ({ kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector } }) as unknown as Parameters<
      typeof policiesSelectingNoPods
    >[0][number];

  it('names each policy whose non-empty podSelector matches no pod of its namespace, with the selector', () => {
    const pods = [pod('a', 'web-1', { app: 'web' }), pod('b', 'api-1', { app: 'api' })];
    const found = policiesSelectingNoPods(
      [
        np('a', 'web-only', { matchLabels: { app: 'web' } }), // selects web-1
        np('a', 'typo', { matchLabels: { app: 'wbe' } }), // selects nothing
        np('a', 'default-deny', {}), // every pod, by design
        np('b', 'web-in-b', { matchLabels: { app: 'web' } }), // web pods are in a, not b
        np('b', 'expr', { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'x'] }] }), // selects api-1
        np('c', 'empty-ns', { matchLabels: { app: 'x' } }), // namespace without pods
      ],
      pods,
      'default',
    );
    expect(found.map((f) => [f.code, f.severity, f.object])).toEqual([
      ['network-policy-selects-no-pods', 'warning', { kind: 'NetworkPolicy', namespace: 'a', name: 'typo' }],
      ['network-policy-selects-no-pods', 'warning', { kind: 'NetworkPolicy', namespace: 'b', name: 'web-in-b' }],
      ['network-policy-selects-no-pods', 'warning', { kind: 'NetworkPolicy', namespace: 'c', name: 'empty-ns' }],
    ]);
    expect(found[0]!.message).toBe('NetworkPolicy "typo" in namespace "a" selects no pods (podSelector app=wbe): it protects nothing.');
    expect(found[0]!.evidence).toContainEqual({
      kind: 'field',
      object: { kind: 'NetworkPolicy', namespace: 'a', name: 'typo' },
      field: 'spec.podSelector',
      value: 'app=wbe',
    });
    expect(found[2]!.evidence).toContainEqual({ kind: 'pods', value: 'namespace c has no pods' });
  });

  it('has one catalogue entry with every text, listed by kdiag codes under audit', () => {
    expect(AUDIT_EMITTERS.flatMap((e) => e.codes)).toEqual(AUDIT_CATALOGUE.map((e) => e.code));
    const e = CATALOGUE.get('network-policy-selects-no-pods')!;
    expect(e.area).toBe('audit');
    expect(e.title && e.meaning && e.detection && e.fix).toBeTruthy();
  });

  it('kdiag audit reports it as a top-level finding (no Service row), and --skip drops it', async () => {
    const objs = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: p}\nspec: {selector: {app: web}, ports: [{port: 80}]}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: p, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\nstatus: {phase: Running, podIP: 10.0.0.1, conditions: [{type: Ready, status: "True"}]}',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: stale, namespace: p}\nspec: {podSelector: {matchLabels: {app: gone}}, policyTypes: [Ingress]}',
    ].join('\n---\n');
    const io = createTestIo({ stdin: objs });
    const code = await runCli(['audit', '-n', 'p', '-f', '-', '-o', 'json'], { io, env: {}, cwd: ROOT });
    const doc = JSON.parse(io.stdout());
    expect(doc.findings.map((f: Finding) => [f.code, f.object])).toEqual([
      ['network-policy-selects-no-pods', { kind: 'NetworkPolicy', namespace: 'p', name: 'stale' }],
    ]);
    expect(doc.services).toEqual([]);
    expect(code).toBe(0); // a warning; --fail-on error by default
    const io2 = createTestIo({ stdin: objs });
    await runCli(['audit', '-n', 'p', '-f', '-', '-o', 'json', '--skip', 'network-policy-selects-no-pods'], {
      io: io2,
      env: {},
      cwd: ROOT,
    });
    expect(JSON.parse(io2.stdout()).findings).toEqual([]);
  });
});
