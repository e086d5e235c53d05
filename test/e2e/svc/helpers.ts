/**
 * Local helpers of the `kdiag svc` e2e tests (test/e2e/svc/*.test.ts): run kdiag in-process against the live test
 * cluster, read its JSON document, declare one live case per finding code, read EndpointSlices. The manifests the
 * cases apply come from test/helpers/manifests.ts; the cluster harness itself is test/e2e/helpers.
 */
import { randomBytes } from 'node:crypto';
import { runCli } from '../../../src/cli.js';
import { severityOf } from '../../../src/core/svc/catalogue.js';
import type { EndpointRow } from '../../../src/core/k8s/endpoints.js';
import type { PodRow } from '../../../src/core/svc/explain.js';
import { createTestIo } from '../../helpers/io.js';
import { getJson, kubectl, repoRoot, waitFor } from '../helpers/index.js';

/** A finding as `-o json` prints it. */
export interface JsonFinding {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  evidence: { kind: string; object?: { kind: string; namespace?: string; name: string }; field?: string; value: string }[];
  hint: string;
  object?: { kind: string; namespace?: string; name: string };
}

/** The `kdiag svc -o json` document. */
export interface SvcDocument {
  schemaVersion: number;
  service: { namespace: string; name: string } | null;
  findings: JsonFinding[];
  pods: PodRow[];
  endpoints: EndpointRow[];
  names: string[];
  routes?: { kind: string; namespace: string; name: string; rule: string; ok: boolean }[];
}

/** One in-process run of kdiag. */
export interface KdiagRun {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed JSON document when the run printed one (`-o json`). */
  doc: SvcDocument | undefined;
}

/**
 * Runs kdiag in-process (src/cli.ts `runCli`) with a captured, non-TTY io; never throws on exit codes. `signal` is
 * a test's watchdog: a run that should end by itself but hangs is interrupted, so the test fails and cleans up
 * instead of leaving jest waiting on its servers.
 */
export async function kdiag(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; signal?: AbortSignal } = {}): Promise<KdiagRun> {
  const io = createTestIo();
  const code = await runCli(argv, {
    io,
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? repoRoot,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const stdout = io.stdout();
  let doc: SvcDocument | undefined;
  if (argv.includes('json') && stdout.trim().startsWith('{')) doc = JSON.parse(stdout) as SvcDocument;
  return { argv, code, stdout, stderr: io.stderr(), doc };
}

/** `kdiag svc NAME -n NS -o json [...extra]` in-process. */
export function kdiagSvc(
  name: string,
  namespace: string,
  extra: string[] = [],
  opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<KdiagRun> {
  return kdiag(['svc', name, '-n', namespace, '-o', 'json', ...extra], opts);
}

/** A readable summary of a run, for failure messages. */
export function describeRun(r: KdiagRun): string {
  const findings = r.doc?.findings.map((f) => `  ${f.severity} ${f.code}: ${f.message}`).join('\n') ?? '(no JSON)';
  return `kdiag ${r.argv.join(' ')} -> exit ${r.code}\nfindings:\n${findings}\nstderr:\n${r.stderr}`;
}

/** The run's finding of that code; fails the test (with the whole run in the message) when it is absent. */
export function findingOf(r: KdiagRun, code: string): JsonFinding {
  const f = r.doc?.findings.find((x) => x.code === code);
  if (!f) throw new Error(`expected finding ${code}\n${describeRun(r)}`);
  return f;
}

/** Codes of the run's findings, in output order. */
export function codesOf(r: KdiagRun): string[] {
  return r.doc?.findings.map((f) => f.code) ?? [];
}

/**
 * The run's findings without endpoint-sync-recovered. On the shared e2e cluster, with every suite at work, the
 * EndpointSlice controller now and then fails an update (a conflict with its own stale cache, a timeout) and retries;
 * kdiag reports that, rightly, as info. Tests about something else set it aside; its own live case asserts it.
 */
export function settledFindings<F extends { code: string }>(findings: readonly F[] | undefined): F[] {
  return (findings ?? []).filter((f) => f.code !== 'endpoint-sync-recovered');
}

/** All evidence values of a finding, joined (for `toContain`/`toMatch` on the key facts). */
export function evidenceText(f: JsonFinding): string {
  return f.evidence
    .map((e) => `${e.object ? `${e.object.kind}/${e.object.name} ` : ''}${e.field ? `${e.field}: ` : ''}${e.value}`)
    .join('\n');
}

/**
 * Declares the live reproduction of one finding code: a test named `<code>: <title>` whose body returns the kdiag
 * run; the wrapper asserts the run reported that code with the catalogue severity (or `severity` when the check
 * chooses another), on top of the body's own assertions. A unit test (test/unit/svc/live-cases.test.ts) scans the
 * test files of this folder for `liveCase('<code>'` to check that every catalogue code has one.
 */
export function liveCase(
  code: string,
  title: string,
  body: () => Promise<KdiagRun>,
  opts: { severity?: JsonFinding['severity']; timeoutMs?: number } = {},
): void {
  test(
    `${code}: ${title}`,
    async () => {
      const r = await body();
      const f = findingOf(r, code);
      expect({ code: f.code, severity: f.severity }).toEqual({ code, severity: opts.severity ?? severityOf(code) });
      expect(r.doc?.schemaVersion).toBe(1);
    },
    opts.timeoutMs ?? 120_000,
  );
}

/** A short random suffix: label values unique to one test file, so `-A` lookups never see another file's pods. */
export function suffix(): string {
  return randomBytes(3).toString('hex');
}

/** Raw EndpointSlices of a Service, as the real controller wrote them. */
export async function endpointSlices(namespace: string, svc: string): Promise<any[]> {
  return (await getJson<{ items: any[] }>(['endpointslices.discovery.k8s.io', '-l', `kubernetes.io/service-name=${svc}`], { namespace }))
    .items;
}

/** Waits until the EndpointSlice controller lists exactly `count` addresses for the Service (whatever their state). */
export async function waitForSliceAddresses(
  namespace: string,
  svc: string,
  count: number,
  pred: (ep: any) => boolean = () => true,
): Promise<any[]> {
  return waitFor(
    async () => {
      const slices = await endpointSlices(namespace, svc);
      const eps = slices.flatMap((s) => (s.endpoints ?? []).map((e: any) => ({ ...e, slice: s })));
      return eps.length === count && eps.every(pred) ? slices : undefined;
    },
    { timeoutMs: 60_000, what: `${count} addresses in the EndpointSlices of ${namespace}/${svc}` },
  );
}

/** Waits until a Service has its (possibly empty) EndpointSlice, i.e. the controller has synced it once. */
export async function waitForSlice(namespace: string, svc: string): Promise<any[]> {
  return waitFor(
    async () => {
      const s = await endpointSlices(namespace, svc);
      return s.length > 0 ? s : undefined;
    },
    { what: `an EndpointSlice for ${namespace}/${svc}` },
  );
}

/** `kubectl` that removes every finalizer from a pod (cleanup of pods-terminating cases); missing pods are fine. */
export async function dropFinalizers(namespace: string, podName: string): Promise<void> {
  await kubectl(['patch', 'pod', podName, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'], { namespace, check: false });
}
