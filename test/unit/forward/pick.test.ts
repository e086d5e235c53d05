import { backoffDelay, isRetryableStatus } from '../../../src/core/forward/backoff.js';
import { applyChange, candidatesFor, Picker, podStanding, type TargetView } from '../../../src/core/forward/pick.js';
import type { Pod } from '../../../src/core/k8s/types.js';
import { pod } from './fakes.js';

describe('applyChange', () => {
  it('sync replaces, added/modified set, deleted removes, errors change nothing', () => {
    const store = new Map<string, Pod>();
    expect(applyChange(store, { type: 'sync', objects: [pod('a'), pod('b')] })).toBe(true);
    expect(applyChange(store, { type: 'modified', object: pod('a', { ready: false }) })).toBe(true);
    expect(applyChange(store, { type: 'deleted', object: pod('b') })).toBe(true);
    expect(applyChange(store, { type: 'deleted', object: pod('zz') })).toBe(false);
    expect(applyChange(store, { type: 'error', message: 'x', retryInMs: 10 })).toBe(false);
    expect([...store.keys()]).toEqual(['a']);
    applyChange(store, { type: 'sync', objects: [pod('c')] });
    expect([...store.keys()]).toEqual(['c']);
  });
});

describe('Picker', () => {
  const c = (...names: string[]) => names.map((pod) => ({ pod, port: 80 }));
  it('round-robins in name order and stays fair when pods come and go', () => {
    const p = new Picker();
    const picks = [1, 2, 3, 4].map(
      () =>
        p.pick(
          c('b', 'a', 'c').sort((x, y) => (x.pod < y.pod ? -1 : 1)),
          { kind: 'Service', affinity: false },
        )!.candidate.pod,
    );
    expect(picks).toEqual(['a', 'b', 'c', 'a']);
    // 'a' was last; 'b' went away: the next after 'a' is 'c'.
    expect(p.pick(c('a', 'c'), { kind: 'Service', affinity: false })!.candidate.pod).toBe('c');
    expect(p.pick(c('a', 'c'), { kind: 'Service', affinity: false })!.candidate.pod).toBe('a');
    expect(p.pick([], { kind: 'Service', affinity: false })).toBeUndefined();
  });
  it('affinity pins to one pod while it is a candidate', () => {
    const p = new Picker();
    const first = p.pick(c('a', 'b'), { kind: 'Service', affinity: true })!;
    expect(first).toEqual({ candidate: { pod: 'a', port: 80 }, reason: 'session-affinity' });
    expect(p.pick(c('a', 'b'), { kind: 'Service', affinity: true })!.candidate.pod).toBe('a');
    expect(p.pick(c('b', 'c'), { kind: 'Service', affinity: true })!.candidate.pod).toBe('b');
    expect(p.pick(c('a', 'b', 'c'), { kind: 'Service', affinity: true })!.candidate.pod).toBe('b');
    expect(p.pinnedPod).toBe('b');
  });
});

describe('candidates and standing for workloads', () => {
  const view = (pods: Pod[], extra: Partial<TargetView> = {}): TargetView => ({
    kind: 'StatefulSet',
    name: 'db',
    slices: new Map(),
    pods: new Map(pods.map((p) => [p.metadata.name, p])),
    podsListed: true,
    ...extra,
  });
  const m = { localPort: 5432, remotePort: 'pg', containerPort: 'pg' };
  it('ready, running pods that declare the named port', () => {
    const pods = [
      pod('db-0', { ports: [{ name: 'pg', containerPort: 5432 }] }),
      pod('db-1', { ports: [{ name: 'pg', containerPort: 5433 }] }),
      pod('db-2', { ports: [{ name: 'pg', containerPort: 5432 }], ready: false }),
      pod('db-3', { ports: [{ name: 'other', containerPort: 5432 }] }),
      pod('db-4', { ports: [{ name: 'pg', containerPort: 5432 }], deleting: true }),
    ];
    expect(candidatesFor(view(pods), m)).toEqual([
      { pod: 'db-0', uid: 'uid-db-0', port: 5432 },
      { pod: 'db-1', uid: 'uid-db-1', port: 5433 },
    ]);
    expect(podStanding(view(pods), m, { name: 'db-2' })).toEqual({ standing: 'not-ready', why: 'pod db-2 is no longer ready' });
    expect(podStanding(view(pods), m, { name: 'db-4' })).toEqual({ standing: 'gone', why: 'pod db-4 is terminating' });
    expect(podStanding(view(pods), m, { name: 'db-9' })).toEqual({ standing: 'gone', why: 'pod db-9 was deleted' });
    expect(podStanding(view(pods), m, { name: 'db-0', uid: 'old' }).standing).toBe('gone');
    expect(podStanding(view(pods), m, { name: 'db-0', uid: 'uid-db-0' }).standing).toBe('serving');
  });
  it('a pod relabelled out of the selector is gone', () => {
    const w = { kind: 'StatefulSet', metadata: { name: 'db' }, spec: { selector: { matchLabels: { app: 'db' } } } };
    const v = view([pod('db-0', { labels: { app: 'debug' } })], { workload: w });
    expect(candidatesFor(v, { localPort: 1, remotePort: 8080, containerPort: 8080 })).toEqual([]);
    expect(podStanding(v, m, { name: 'db-0' })).toEqual({
      standing: 'gone',
      why: 'pod db-0 no longer matches the selector of sts/db',
    });
  });
});

describe('backoff', () => {
  it('grows by the factor, is capped, takes jitter off, and honours Retry-After as a floor', () => {
    const none = () => 0;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, none))).toEqual([500, 1000, 2000, 4000, 30_000]);
    expect(backoffDelay(1, () => 0.5)).toBe(900);
    expect(backoffDelay(0, none, { initialMs: 100, factor: 3, maxMs: 250 })).toBe(100);
    expect(backoffDelay(2, none, { initialMs: 100, factor: 3, maxMs: 250 })).toBe(250);
    expect(backoffDelay(0, none, {}, 5000)).toBe(5000);
  });
  it('retries throttling, timeouts, server errors and network errors only', () => {
    expect([undefined, 408, 429, 500, 503, 400, 403, 404, 409].map(isRetryableStatus)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});
