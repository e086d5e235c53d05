import type { AccessCheck, ExecOptions, ExecResult, ExecStatus, KubeConnection } from '../../../src/cluster/kube-api.js';
import { debugPodManifest, exitStatusOf, isMissingProgram, probeAccessChecks, withDebugPod } from '../../../src/cluster/dns-probe.js';
import type { Resource } from '../../../src/cluster/reader.js';
import { runDns } from '../../../src/commands/dns/run.js';
import { nodeSearchDomains } from '../../../src/commands/dns/probe.js';
import { toDnsOptions } from '../../../src/commands/dns/options.js';
import type { Context } from '../../../src/commands/types.js';
import { parseResolvConf } from '../../../src/core/dns/probe.js';
import type { Finding } from '../../../src/core/finding.js';
import type { Pod } from '../../../src/core/k8s/types.js';
import { missingPermissions } from '../../../src/context.js';
import { UsageError } from '../../../src/errors.js';
import { fileContext } from '../../helpers/context.js';

const SHOP = 'test/fixtures/dns/shop.yaml';

// What the pod prints, by argv: stdout, and the exec status the API server sends (KWOK style for failures).
type Canned = Record<string, { stdout?: string; stderr?: string; status?: ExecStatus }>;
const ok: ExecStatus = { status: 'Success', exitCode: 0 };
const exitWith = (n: number): ExecStatus => ({ status: 'Failure', message: `cmd wait: command failed: exit status ${n}` });
const notFound = (p: string): ExecStatus => ({ status: 'Failure', message: `exec: "${p}": executable file not found in $PATH` });

const RESOLV_CORP =
  'search tools.svc.corp.internal svc.corp.internal corp.internal ec2.internal\nnameserver 10.100.0.10\noptions ndots:5\n';

interface Fake extends KubeConnection {
  execs: { pod: string; command: string[] }[];
  created: string[];
  deleted: string[];
}

function fakeConnection(canned: Canned, pods: { phase: string; running: boolean }[] = []): Fake {
  const execs: Fake['execs'] = [];
  const created: string[] = [];
  const deleted: string[] = [];
  let polls = 0;
  const conn = {
    execs,
    created,
    deleted,
    reader: {
      list: async <T>(_r: Resource, o: { fieldSelector?: string }) => {
        const state = pods[Math.min(polls++, pods.length - 1)] ?? { phase: 'Running', running: true };
        const name = o.fieldSelector?.replace('metadata.name=', '') ?? 'x';
        return [
          {
            metadata: { name },
            status: {
              phase: state.phase,
              containerStatuses: [{ name: 'probe', state: state.running ? { running: {} } : { waiting: { reason: 'ContainerCreating' } } }],
            },
          },
        ] as unknown as T[];
      },
    },
    create: async <T>(_r: Resource, _ns: string | undefined, body: T) => {
      created.push((body as Pod).metadata.name);
      return body;
    },
    delete: async (_r: Resource, _ns: string | undefined, name: string) => {
      deleted.push(name);
      return true;
    },
    exec: async (o: ExecOptions): Promise<ExecResult> => {
      execs.push({ pod: o.pod, command: o.command });
      const c = canned[o.command.join(' ')] ?? { status: notFound(o.command[0]!) };
      if (c.stdout) o.stdout.write(c.stdout);
      if (c.stderr) o.stderr?.write(c.stderr);
      return { status: c.status ?? ok, protocol: 'v5.channel.k8s.io' };
    },
  };
  return conn as unknown as Fake;
}

async function probe(args: string[], conn: Fake, denied: AccessCheck[] = []) {
  const { ctx } = await fileContext('dns', SHOP, 'tools', false);
  const asked: AccessCheck[][] = [];
  const full: Context = {
    ...ctx,
    kube: async () => conn,
    canI: async (checks) => {
      asked.push([...checks]);
      const no = checks.filter((c) =>
        denied.some((d) => d.verb === c.verb && d.resource === c.resource && d.subresource === c.subresource),
      );
      if (no.length > 0) throw missingPermissions(no.map((c) => ({ ...c, allowed: false })));
    },
  };
  const opts = toDnsOptions([args[0]!], { namespace: 'tools', probe: true, ...parseFlags(args.slice(1)) });
  const outcome = await runDns(opts, full);
  const doc = outcome.document as {
    findings: Finding[];
    notes: string[];
    clusterDomain: string;
    clusterDomainSource: string;
    probe?: Record<string, unknown>;
  };
  return { doc, asked, codes: doc.findings.map((f) => f.code) };
}

function parseFlags(rest: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) if (rest[i] === '--from-pod') out.fromPod = rest[i + 1]!;
  return out;
}

describe('kdiag dns --probe (fake connection, file snapshot)', () => {
  it('--from-pod: resolv.conf and getent ahosts agree with the snapshot: no finding; the pod sets domain and node search domains', async () => {
    const conn = fakeConnection({
      'cat /etc/resolv.conf': { stdout: RESOLV_CORP },
      'getent ahosts cart.shop': {
        stdout: '10.100.4.4      STREAM cart.shop.svc.corp.internal\n10.100.4.4      DGRAM\n10.100.4.4      RAW\n',
      },
    });
    const r = await probe(['cart.shop', '--from-pod', 'debug'], conn);
    expect(conn.execs.map((e) => e.command.join(' '))).toEqual(['cat /etc/resolv.conf', 'getent ahosts cart.shop']);
    expect(conn.execs.every((e) => e.pod === 'debug')).toBe(true);
    expect(r.codes).not.toContain('dns-probe-mismatch');
    expect(r.doc.clusterDomainSource).toBe('resolv.conf');
    expect(r.doc.probe).toMatchObject({
      pod: { namespace: 'tools', name: 'debug', debug: false },
      observed: { addresses: ['10.100.4.4'] },
    });
    expect(r.doc.notes.join('\n')).toContain('ec2.internal');
    // Only exec was asked for: no debug pod.
    expect(r.asked[0]!.map((c) => `${c.verb} ${c.resource}/${c.subresource ?? ''}`)).toEqual(['create pods/exec', 'get pods/exec']);
    expect(conn.created).toEqual([]);
  });

  it('a different address in the pod: dns-probe-mismatch naming both', async () => {
    const conn = fakeConnection({
      'cat /etc/resolv.conf': { stdout: RESOLV_CORP },
      'getent ahosts cart.shop': { stdout: '10.100.9.9      STREAM cart.shop.svc.corp.internal\n' },
    });
    const r = await probe(['cart.shop', '--from-pod', 'debug'], conn);
    const f = r.doc.findings.find((x) => x.code === 'dns-probe-mismatch');
    expect(f?.evidence.map((e) => e.value)).toEqual(['addresses: 10.100.4.4', 'getent ahosts cart.shop: 10.100.9.9']);
  });

  it('NXDOMAIN in the pod (KWOK-style "exit status 2"): a mismatch that says the lookup failed', async () => {
    const conn = fakeConnection({ 'cat /etc/resolv.conf': { stdout: RESOLV_CORP }, 'getent ahosts cart.shop': { status: exitWith(2) } });
    const r = await probe(['cart.shop', '--from-pod', 'debug'], conn);
    const f = r.doc.findings.find((x) => x.code === 'dns-probe-mismatch');
    expect(f?.message).toContain('failed (NXDOMAIN)');
  });

  it('musl getent without ahosts: falls back to getent hosts', async () => {
    const conn = fakeConnection({
      'cat /etc/resolv.conf': { stdout: RESOLV_CORP },
      'getent ahosts cart.shop': { status: exitWith(1), stderr: 'Unknown database: ahosts\n' },
      'getent hosts cart.shop': { stdout: '10.100.4.4        cart.shop.svc.corp.internal  cart.shop.svc.corp.internal\n' },
    });
    const r = await probe(['cart.shop', '--from-pod', 'debug'], conn);
    expect(conn.execs.map((e) => e.command.join(' '))).toContain('getent hosts cart.shop');
    expect(r.codes).not.toContain('dns-probe-mismatch');
  });

  it('no getent: nslookup answers, and the note says so', async () => {
    const conn = fakeConnection({
      'cat /etc/resolv.conf': { stdout: RESOLV_CORP },
      'nslookup cart.shop': {
        stdout: 'Server:\t\t10.100.0.10\nAddress:\t10.100.0.10:53\n\nName:\tcart.shop.svc.corp.internal\nAddress: 10.100.4.4\n',
      },
    });
    const r = await probe(['cart.shop', '--from-pod', 'debug'], conn);
    expect(r.codes).not.toContain('dns-probe-mismatch');
    expect(r.doc.notes.join('\n')).toContain('has no getent');
  });

  it('a distroless pod (no cat, getent, nslookup): reported in the notes, not guessed, no mismatch', async () => {
    const conn = fakeConnection({});
    const r = await probe(['cart.shop', '--from-pod', 'debug'], conn);
    expect(r.codes).not.toContain('dns-probe-mismatch');
    expect(r.doc.notes.join('\n')).toMatch(/neither getent nor nslookup/);
    expect(r.doc.probe).toMatchObject({ commands: expect.arrayContaining([{ command: 'getent ahosts cart.shop', missing: true }]) });
    expect(r.doc.probe).not.toHaveProperty('observed');
    expect(r.doc.clusterDomainSource).toBe('corefile');
  });

  it('SRV names run nslookup -type=SRV; port and target are compared', async () => {
    const conn = fakeConnection({
      'cat /etc/resolv.conf': { stdout: RESOLV_CORP },
      'nslookup -type=SRV _web._tcp.cart.shop.svc.corp.internal': {
        stdout:
          'Server:\t\t10.100.0.10\nAddress:\t10.100.0.10#53\n\n_web._tcp.cart.shop.svc.corp.internal\tservice = 0 100 8080 cart.shop.svc.corp.internal.\n',
      },
    });
    const r = await probe(['_web._tcp.cart.shop.svc.corp.internal', '--from-pod', 'debug'], conn);
    expect(conn.execs.map((e) => e.command.join(' '))).toContain('nslookup -type=SRV _web._tcp.cart.shop.svc.corp.internal');
    expect(r.codes).not.toContain('dns-probe-mismatch');
  });

  it('RBAC: a missing pods/exec permission fails (exit 3) before anything is read or run', async () => {
    const conn = fakeConnection({});
    const err = await probe(['cart.shop', '--from-pod', 'debug'], conn, [{ verb: 'create', resource: 'pods', subresource: 'exec' }]).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ exitCode: 3 });
    expect((err as Error).message).toBe('not allowed to create pods/exec in namespace tools');
    expect(conn.execs).toEqual([]);
  });

  it('without --from-pod: a debug pod is created, used, and deleted; its permissions are checked first', async () => {
    const conn = fakeConnection(
      {
        'cat /etc/resolv.conf': { stdout: RESOLV_CORP },
        'getent ahosts cart.shop': { stdout: '10.100.4.4 STREAM cart.shop.svc.corp.internal\n' },
      },
      [
        { phase: 'Pending', running: false },
        { phase: 'Running', running: true },
      ],
    );
    const r = await probe(['cart.shop'], conn);
    expect(r.asked[0]!.map((c) => `${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''}`)).toEqual([
      'create pods/exec',
      'get pods/exec',
      'create pods',
      'list pods',
      'delete pods',
    ]);
    expect(conn.created).toHaveLength(1);
    expect(conn.created[0]).toMatch(/^kdiag-dns-[a-z0-9]{5}$/);
    expect(conn.deleted).toEqual(conn.created);
    expect(conn.execs.every((e) => e.pod === conn.created[0])).toBe(true);
    expect(r.doc.probe).toMatchObject({ pod: { debug: true } });
  });

  it('an IP address is not probed: no permission asked, nothing run', async () => {
    const conn = fakeConnection({});
    const r = await probe(['10.100.4.4', '--from-pod', 'debug'], conn);
    expect(r.asked).toEqual([]);
    expect(conn.execs).toEqual([]);
    expect(r.doc.probe).toBeUndefined();
  });

  it('--probe with -f is a usage error', () => {
    expect(() => toDnsOptions(['cart.shop'], { probe: true, filename: SHOP })).toThrow(UsageError);
  });
});

describe('withDebugPod: cleanup on every way out', () => {
  const sleep = async (_ms: number, signal?: AbortSignal) => !signal?.aborted;

  it('deletes the pod when the work throws', async () => {
    const conn = fakeConnection({});
    await expect(
      withDebugPod(conn, { namespace: 'n', image: 'img', signal: new AbortController().signal, sleep }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(conn.deleted).toEqual(conn.created);
    expect(conn.created).toHaveLength(1);
  });

  it('deletes the pod when interrupted while it starts (exit 130)', async () => {
    const conn = fakeConnection({}, [{ phase: 'Pending', running: false }]);
    const ac = new AbortController();
    const slow = async (_ms: number, signal?: AbortSignal) => {
      ac.abort('SIGINT');
      return !signal?.aborted;
    };
    const err = await withDebugPod(conn, { namespace: 'n', image: 'img', signal: ac.signal, sleep: slow }, async () => 1).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ exitCode: 130 });
    expect(conn.deleted).toEqual(conn.created);
  });

  it('a pod that never runs: exit 3 naming its state, and deleted', async () => {
    const conn = fakeConnection({}, [{ phase: 'Pending', running: false }]);
    const err = await withDebugPod(
      conn,
      { namespace: 'n', image: 'img', startTimeoutMs: 0, signal: new AbortController().signal, sleep },
      async () => 1,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3 });
    expect((err as Error).message).toMatch(/did not start \(ContainerCreating\)/);
    expect(conn.deleted).toEqual(conn.created);
  });

  it('the manifest: labelled managed-by kdiag, programs by name, a deadline as backstop', () => {
    const pod = debugPodManifest('n', 'kdiag-dns-abcde', 'img') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { containers: { command: string[] }[]; activeDeadlineSeconds: number };
    };
    expect(pod.metadata.labels['app.kubernetes.io/managed-by']).toBe('kdiag');
    expect(pod.spec.containers[0]!.command[0]).toBe('sleep');
    expect(pod.spec.activeDeadlineSeconds).toBeGreaterThan(0);
  });
});

describe('exec status helpers', () => {
  it('exit status from the status, or from KWOK\u2019s message', () => {
    expect(exitStatusOf({ status: 'Success' })).toBe(0);
    expect(exitStatusOf({ status: 'Failure', exitCode: 2 })).toBe(2);
    expect(exitStatusOf(exitWith(2))).toBe(2);
    expect(exitStatusOf({ status: 'Failure', message: 'something else' })).toBeUndefined();
  });

  it('a missing program: Go LookPath, runc, a shell\u2019s 127', () => {
    expect(isMissingProgram(notFound('getent'), '')).toBe(true);
    expect(
      isMissingProgram(
        {
          status: 'Failure',
          message:
            'OCI runtime exec failed: exec failed: unable to start container process: exec: "getent": executable file not found in $PATH: unknown',
        },
        '',
      ),
    ).toBe(true);
    expect(isMissingProgram({ status: 'Failure', exitCode: 127 }, 'sh: getent: not found\n')).toBe(true);
    expect(isMissingProgram(exitWith(2), '')).toBe(false);
  });

  it('probeAccessChecks: exec create and get; the debug pod adds create, list and delete on pods', () => {
    expect(probeAccessChecks('n', false)).toHaveLength(2);
    expect(probeAccessChecks('n', true).map((c) => c.verb)).toEqual(['create', 'get', 'create', 'list', 'delete']);
  });

  it('node search domains: what the resolv.conf searches beyond ClusterFirst', () => {
    expect(nodeSearchDomains(parseResolvConf(RESOLV_CORP), 'corp.internal')).toEqual(['ec2.internal']);
    expect(nodeSearchDomains(parseResolvConf('search a.svc.x svc.x x\n'), 'x')).toEqual([]);
  });
});
