// `kdiag svc` findings about the selected pods' state, reproduced live: the real scheduler, the real EndpointSlice
// controller, KWOK pods whose readiness is changed with status patches. Codes: pods-not-running, pods-not-ready,
// some-pods-not-ready, pods-terminating, publish-not-ready-addresses, endpoints-not-reconciled, and the EndpointSlice
// controller's own failures under a ResourceQuota: service-warning-events, endpoint-sync-recovered.
import {
  applyYaml,
  getJson,
  getObject,
  kubectl,
  listPods,
  setPodReady,
  useNamespace,
  waitFor,
  waitForReadyPods,
  waitForUnschedulable,
} from '../helpers/index.js';
import {
  codesOf,
  dropFinalizers,
  endpointSlices,
  evidenceText,
  findingOf,
  kdiagSvc,
  liveCase,
  suffix,
  waitForSliceAddresses,
} from './helpers.js';
import { deployment, pod, service } from '../../helpers/manifests.js';

const ns = useNamespace('svc-pods');
const sfx = suffix();
/** Pods given a finalizer by a test: their finalizers are removed after the file, so the namespace can go. */
const held: string[] = [];

afterAll(async () => {
  for (const p of held) await dropFinalizers(ns.name, p);
}, 60_000);

const endpointOf = (slices: any[], podName: string): any =>
  slices.flatMap((s) => s.endpoints ?? []).find((e: any) => e.targetRef?.name === podName);

describe('kdiag svc, live: the state of the matching pods', () => {
  liveCase('pods-not-running', 'the real scheduler cannot place the pods (impossible CPU request)', async () => {
    await applyYaml(
      [
        deployment({ name: 'big', replicas: 2, templateLabels: { app: `big-${sfx}` }, requests: { cpu: '100k' } }),
        service({ name: 'big', selector: { app: `big-${sfx}` } }),
      ],
      { namespace: ns.name },
    );
    const pods = await waitFor(
      async () => {
        const p = await listPods(ns.name, `app=big-${sfx}`);
        return p.length === 2 ? p : undefined;
      },
      { what: '2 pods of deployment big' },
    );
    const messages = await Promise.all(pods.map((p) => waitForUnschedulable(ns.name, p.metadata.name)));
    expect(messages[0]).toMatch(/Insufficient cpu/);
    // The scheduler's FailedScheduling events, which kdiag quotes.
    await waitFor(
      async () =>
        (
          await getJson<{ items: any[] }>(
            ['events', '--field-selector', `involvedObject.name=${pods[0]!.metadata.name},reason=FailedScheduling`],
            { namespace: ns.name },
          )
        ).items.length > 0,
      { what: 'a FailedScheduling event' },
    );

    const r = await kdiagSvc('big', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'pods-not-running');
    expect(f.message).toMatch(
      /^All 2 matching pods are not running with an IP, and no matching pod is Ready: big-\S+ \(\+1\): not scheduled: Unschedulable \(.*Insufficient cpu.*\)\.$/,
    );
    expect(f.evidence).toContainEqual(
      expect.objectContaining({
        kind: 'condition',
        field: 'status.conditions[PodScheduled]',
        value: expect.stringMatching(/^False Unschedulable: .*Insufficient cpu/),
      }),
    );
    expect(f.evidence).toContainEqual(
      expect.objectContaining({ kind: 'event', value: expect.stringMatching(/^FailedScheduling.*: .*Insufficient cpu/) }),
    );
    expect(evidenceText(f)).toContain('same cause on 1 more');
    // The hint follows the scheduler's reason: the resource that no node has enough of.
    expect(f.hint).toMatch(/^no node has enough free cpu for the pod's requests: lower the requests or add capacity/);
    expect(r.doc!.pods.map((p) => ({ phase: p.phase, ip: p.ip, node: p.node, ready: p.ready }))).toEqual([
      { phase: 'Pending', ip: null, node: null, ready: false },
      { phase: 'Pending', ip: null, node: null, ready: false },
    ]);
    expect(r.doc?.findings.map((x) => x.code)).not.toContain('pods-not-ready');
    return r;
  });

  test('pods-not-running: an unmatched nodeSelector: the hint names the label and says that no node carries it', async () => {
    const unplaced = { ...(pod(`unplaced-${sfx}`, { app: `unplaced-${sfx}` }) as any) };
    unplaced.spec.nodeSelector = { disktype: 'ssd' };
    await applyYaml([unplaced, service({ name: 'unplaced', selector: { app: `unplaced-${sfx}` } })], { namespace: ns.name });
    expect(await waitForUnschedulable(ns.name, `unplaced-${sfx}`)).toMatch(/didn't match Pod's node affinity\/selector/);
    const r = await kdiagSvc('unplaced', ns.name);
    expect(r.code).toBe(1);
    expect(findingOf(r, 'pods-not-running').hint).toMatch(
      /^the pod's nodeSelector disktype=ssd \(no node carries it\) matches no schedulable node: label a node/,
    );
  });

  liveCase('pods-not-ready', 'the pods run but their readiness is False (status patch), with the readiness probe named', async () => {
    await applyYaml(
      [
        deployment({
          name: 'api',
          replicas: 2,
          templateLabels: { app: `api-${sfx}` },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        }),
        service({ name: 'api', selector: { app: `api-${sfx}` } }),
      ],
      { namespace: ns.name },
    );
    const pods = await waitForReadyPods(ns.name, `app=api-${sfx}`, 2);
    for (const p of pods) await setPodReady(ns.name, p.metadata.name, false);
    const slices = await waitForSliceAddresses(ns.name, 'api', 2, (e) => e.conditions?.ready === false);
    expect(slices.flatMap((s) => s.endpoints).every((e: any) => e.conditions.serving === false)).toBe(true);

    const r = await kdiagSvc('api', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'pods-not-ready');
    expect(f.message).toMatch(
      /^All 2 matching pods are running, but none is Ready, so the Service has no ready endpoint: api-\S+ \(\+1\): container "app" fails its readiness probe\.$/,
    );
    expect(f.evidence).toContainEqual(
      expect.objectContaining({
        kind: 'probe',
        field: 'spec.containers[app].readinessProbe',
        value: 'httpGet HTTP :8080/healthz (period 5s, timeout 1s, failureThreshold 3)',
      }),
    );
    expect(f.hint).toMatch(/^check that the probe's path and port answer inside the pod/);
    expect(r.doc!.endpoints.map((e) => e.ready)).toEqual([false, false]);
    expect(r.doc!.endpoints.map((e) => e.pod).sort()).toEqual(pods.map((p) => p.metadata.name).sort());
    expect(r.doc?.findings.map((x) => x.code)).not.toContain('pods-not-running');
    return r;
  });

  test('pods-not-ready: a CrashLoopBackOff container gives the waiting reason, last exit code and restarts', async () => {
    await applyYaml([pod('crash-0', { app: `crash-${sfx}` }), service({ name: 'crash', selector: { app: `crash-${sfx}` } })], {
      namespace: ns.name,
    });
    await waitForReadyPods(ns.name, `app=crash-${sfx}`, 1);
    const current = await getObject('pod', 'crash-0', ns.name);
    const cs = current.status.containerStatuses[0];
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      conditions: ['Ready', 'ContainersReady'].map((type) => ({
        type,
        status: 'False',
        reason: 'ContainersNotReady',
        lastTransitionTime: now,
      })),
      containerStatuses: [
        {
          ...cs,
          ready: false,
          started: false,
          restartCount: 7,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
        },
      ],
    };
    await kubectl(['patch', 'pod', 'crash-0', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], {
      namespace: ns.name,
    });
    await waitForSliceAddresses(ns.name, 'crash', 1, (e) => e.conditions?.ready === false);

    const r = await kdiagSvc('crash', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'pods-not-ready');
    expect(f.message).toBe(
      'The matching pod runs but is not Ready, so the Service has no ready endpoint: crash-0: container "app" is waiting: CrashLoopBackOff (back-off 5m0s restarting failed container=app); last run ended Error exit code 1, 7 restarts.',
    );
    expect(f.hint).toBe(`read why the container exits: kubectl logs crash-0 -n ${ns.name} --previous`);
  });

  liveCase('some-pods-not-ready', 'one of three pods is made not ready; the other two still serve (exit 0, warning)', async () => {
    await applyYaml(
      [
        deployment({ name: 'cart', replicas: 3, templateLabels: { app: `cart-${sfx}` } }),
        service({ name: 'cart', selector: { app: `cart-${sfx}` } }),
      ],
      {
        namespace: ns.name,
      },
    );
    const pods = await waitForReadyPods(ns.name, `app=cart-${sfx}`, 3);
    const sick = pods[1]!.metadata.name;
    await setPodReady(ns.name, sick, false);
    const slices = await waitForSliceAddresses(ns.name, 'cart', 3, (e) => (e.targetRef?.name === sick) !== (e.conditions?.ready === true));
    expect(endpointOf(slices, sick).conditions.ready).toBe(false);

    const r = await kdiagSvc('cart', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'some-pods-not-ready');
    expect(f.message).toBe(`2 of 3 matching pods are Ready; 1 is not: ${sick}: container "app" is not ready.`);
    expect(f.evidence).toContainEqual(
      expect.objectContaining({
        kind: 'container',
        object: { kind: 'Pod', namespace: ns.name, name: sick },
        field: 'status.containerStatuses[app].ready',
        value: 'false',
      }),
    );
    expect(r.doc!.endpoints.filter((e) => e.ready)).toHaveLength(2);
    expect(r.doc!.pods.find((p) => p.name === sick)?.ready).toBe(false);
    return r;
  });

  liveCase('pods-terminating', 'the only pod is deleted but held by a finalizer: its endpoint is terminating', async () => {
    await applyYaml(
      [
        pod('legacy-0', { app: `legacy-${sfx}` }, { finalizers: ['e2e.kdiag.dev/hold'] }),
        service({ name: 'legacy', selector: { app: `legacy-${sfx}` } }),
      ],
      {
        namespace: ns.name,
      },
    );
    held.push('legacy-0');
    await waitForReadyPods(ns.name, `app=legacy-${sfx}`, 1);
    await waitForSliceAddresses(ns.name, 'legacy', 1, (e) => e.conditions?.ready === true);
    await kubectl(['delete', 'pod', 'legacy-0', '--wait=false'], { namespace: ns.name });
    const slices = await waitForSliceAddresses(ns.name, 'legacy', 1, (e) => e.conditions?.terminating === true);
    expect(endpointOf(slices, 'legacy-0').conditions).toMatchObject({ ready: false, terminating: true });
    const deletedAt = (await getObject('pod', 'legacy-0', ns.name))?.metadata?.deletionTimestamp;
    expect(deletedAt).toBeTruthy();

    const r = await kdiagSvc('legacy', ns.name);
    expect(r.code).toBe(0);
    const f = findingOf(r, 'pods-terminating');
    expect(f.message).toBe(
      'The matching pod is terminating: its endpoint drains and takes no new connections, and nothing replaces it yet.',
    );
    expect(f.evidence).toEqual([
      {
        kind: 'field',
        object: { kind: 'Pod', namespace: ns.name, name: 'legacy-0' },
        field: 'metadata.deletionTimestamp',
        value: deletedAt,
      },
    ]);
    expect(f.hint).toContain(`kubectl get pod legacy-0 -n ${ns.name} -o yaml`);
    expect(r.doc!.endpoints).toEqual([expect.objectContaining({ pod: 'legacy-0', ready: false, terminating: true })]);
    // A terminating pod is not also reported as not ready.
    expect(r.doc?.findings.map((x) => x.code)).toEqual(['pods-terminating']);
    return r;
  });

  liveCase(
    'publish-not-ready-addresses',
    'publishNotReadyAddresses: the controller keeps an unready pod ready in the slice, and kdiag names it',
    async () => {
      await applyYaml(
        [
          deployment({ name: 'peers', replicas: 2, templateLabels: { app: `peers-${sfx}` } }),
          service({ name: 'peers', selector: { app: `peers-${sfx}` }, spec: { publishNotReadyAddresses: true } }),
        ],
        { namespace: ns.name },
      );
      const pods = await waitForReadyPods(ns.name, `app=peers-${sfx}`, 2);
      const sick = pods[0]!.metadata.name;
      await setPodReady(ns.name, sick, false);
      await waitFor(
        async () =>
          ((await getObject('pod', sick, ns.name))?.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'False'),
        { what: `pod ${sick} not ready` },
      );
      // The real controller publishes the unready pod as ready (that is what the field does).
      const slices = await waitForSliceAddresses(ns.name, 'peers', 2, (e) => e.conditions?.ready === true);
      expect(endpointOf(slices, sick)).toBeDefined();

      const r = await kdiagSvc('peers', ns.name);
      expect(r.code).toBe(0);
      const f = findingOf(r, 'publish-not-ready-addresses');
      expect(f.message).toBe(
        'Service "peers" publishes not-ready addresses: endpoints and DNS include pods that are not ready (1 pod now).',
      );
      expect(f.evidence).toContainEqual({ kind: 'pods', value: `unready pods that still receive traffic: ${sick}` });
      expect(findingOf(r, 'some-pods-not-ready').message).toContain(sick);
      return r;
    },
  );

  liveCase('endpoints-not-reconciled', 'a Ready pod bound to a Node that does not exist: the real controller skips it', async () => {
    // The pod was Ready before its node went away: bound to a missing Node (KWOK never sees it), its status patched
    // to Running/Ready with an IP. The Service comes after, so the controller's last change is not older than Ready.
    const ghostIp = '10.244.254.77';
    await applyYaml(pod('orphan-0', { app: `orphan-${sfx}` }, { nodeName: 'kwok-node-gone' }), { namespace: ns.name });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      phase: 'Running',
      podIP: ghostIp,
      podIPs: [{ ip: ghostIp }],
      conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: now,
      })),
    };
    await kubectl(['patch', 'pod', 'orphan-0', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], {
      namespace: ns.name,
    });
    await applyYaml(service({ name: 'orphan', selector: { app: `orphan-${sfx}` } }), { namespace: ns.name });
    // The controller's own word that it left the pod out (PodGC deletes such a pod only after ~40 s).
    const event = await waitFor(
      async () =>
        (
          await getJson<{ items: any[] }>(
            ['events', '--field-selector', 'involvedObject.kind=Service,involvedObject.name=orphan,reason=FailedToUpdateEndpointSlices'],
            { namespace: ns.name },
          )
        ).items[0],
      { what: 'the FailedToUpdateEndpointSlices event of service orphan' },
    );
    expect(event.message).toContain('skipping Pod orphan-0');
    expect(event.message).toContain('Node kwok-node-gone Not Found');

    const r = await kdiagSvc('orphan', ns.name);
    expect(r.code).toBe(1);
    const f = findingOf(r, 'endpoints-not-reconciled');
    expect(f.message).toBe('1 Ready matching pod is missing from every EndpointSlice: its node is gone (kwok-node-gone).');
    expect(f.evidence).toContainEqual({
      kind: 'pod',
      object: { kind: 'Pod', namespace: ns.name, name: 'orphan-0' },
      field: 'status.podIP',
      value: `${ghostIp} is Ready but in no EndpointSlice`,
    });
    expect(f.evidence).toContainEqual({ kind: 'node', object: { kind: 'Node', name: 'kwok-node-gone' }, value: 'does not exist' });
    expect(f.hint).toBe(`delete the pods so their workload recreates them on a live node: kubectl delete pod orphan-0 -n ${ns.name}`);
    expect(r.doc!.endpoints).toEqual([]);
    return r;
  });

  // A regression test: kdiag once skipped, forever, a Ready pod whose Ready time was newer than the slices' last
  // change ("may just not be processed yet"), though a controller that skips the pod never changes the slice again.
  test('endpoints-not-reconciled: reported although the pod turned Ready after the slice last changed', async () => {
    const ghostIp = '10.244.254.78';
    await applyYaml(service({ name: 'late', selector: { app: `late-${sfx}` } }), { namespace: ns.name });
    const [slice] = await waitFor(
      async () => {
        const s = await endpointSlices(ns.name, 'late');
        return s.length > 0 ? s : undefined;
      },
      { what: 'the EndpointSlice of service late' },
    );
    const trigger: string = slice.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'] ?? '';
    const isoNow = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await waitFor(() => isoNow() > trigger, { what: 'the clock to pass the slice trigger time' });
    await applyYaml(pod('late-0', { app: `late-${sfx}` }, { nodeName: 'kwok-node-gone' }), { namespace: ns.name });
    const now = isoNow();
    const status = {
      phase: 'Running',
      podIP: ghostIp,
      podIPs: [{ ip: ghostIp }],
      conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: now,
      })),
    };
    await kubectl(['patch', 'pod', 'late-0', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], {
      namespace: ns.name,
    });
    await waitFor(
      async () =>
        (
          await getJson<{ items: any[] }>(
            ['events', '--field-selector', 'involvedObject.kind=Service,involvedObject.name=late,reason=FailedToUpdateEndpointSlices'],
            { namespace: ns.name },
          )
        ).items.find((e: any) => /skipping Pod late-0/.test(e.message)),
      { what: 'the controller to skip pod late-0' },
    );
    const r = await kdiagSvc('late', ns.name);
    expect(r.doc!.endpoints).toEqual([]);
    const f = findingOf(r, 'endpoints-not-reconciled');
    expect(f.evidence).toContainEqual({ kind: 'node', object: { kind: 'Node', name: 'kwok-node-gone' }, value: 'does not exist' });
    expect(r.code).toBe(1);
  });
});

/** A namespace of its own: its ResourceQuota on EndpointSlices must not touch the other cases' Services. */
const quotaNs = useNamespace('svc-quota');

describe('kdiag svc, live: the EndpointSlice controller cannot write, then can', () => {
  const syncFailures = async (): Promise<any[]> =>
    (
      await getJson<{ items: any[] }>(
        ['events', '--field-selector', 'involvedObject.kind=Service,involvedObject.name=capped,reason=FailedToUpdateEndpointSlices'],
        { namespace: quotaNs.name },
      )
    ).items;

  liveCase(
    'service-warning-events',
    "a ResourceQuota of 0 EndpointSlices: the real controller's FailedToUpdateEndpointSlices events, and the pods it cannot publish",
    async () => {
      await applyYaml(
        [
          {
            apiVersion: 'v1',
            kind: 'ResourceQuota',
            metadata: { name: 'slices' },
            spec: { hard: { 'count/endpointslices.discovery.k8s.io': '0' } },
          },
          deployment({ name: 'capped', replicas: 2, templateLabels: { app: `capped-${sfx}` } }),
          service({ name: 'capped', selector: { app: `capped-${sfx}` } }),
        ],
        { namespace: quotaNs.name },
      );
      await waitForReadyPods(quotaNs.name, `app=capped-${sfx}`, 2);
      const events = await waitFor(async () => ((await syncFailures()).length > 0 ? syncFailures() : undefined), {
        what: 'a FailedToUpdateEndpointSlices event of service capped',
      });
      expect(events[0].message).toContain('exceeded quota: slices');
      // Ready pods and a controller that fails since they turned Ready: missing endpoints at once (no grace period),
      // or after the grace period when the last failure came before the pods were Ready.
      const r = await waitFor(
        async () => {
          const run = await kdiagSvc('capped', quotaNs.name);
          return run.doc?.findings.some((f) => f.code === 'endpoints-not-reconciled') ? run : undefined;
        },
        { what: 'endpoints-not-reconciled on service capped' },
      );
      expect(r.code).toBe(1);
      const missing = findingOf(r, 'endpoints-not-reconciled');
      expect(missing.message).toBe(
        '2 Ready matching pods are missing from every EndpointSlice: the ResourceQuota "slices" stops the EndpointSlice controller from creating EndpointSlices.',
      );
      expect(missing.hint).toBe(
        `raise or remove the quota on count/endpointslices.discovery.k8s.io (kubectl describe resourcequota slices -n ${quotaNs.name}); ` +
          'the controller retries and publishes the pods',
      );
      const warned = findingOf(r, 'service-warning-events');
      expect(warned.message).toMatch(
        new RegExp(
          `^Service "capped" has 1 Warning event: FailedToUpdateEndpointSlices( \\(x\\d+\\))?: Error updating Endpoint Slices for Service ` +
            `${quotaNs.name}/capped: failed to create EndpointSlice for Service ${quotaNs.name}/capped: .* is forbidden: exceeded quota: slices`,
        ),
      );
      expect(codesOf(r)).not.toContain('endpoint-sync-recovered');
      return r;
    },
  );

  liveCase(
    'endpoint-sync-recovered',
    'the quota raised: the real controller retries and publishes the pods, and its earlier failures are reported as over',
    async () => {
      await kubectl(
        ['patch', 'resourcequota', 'slices', '--type=merge', '-p', '{"spec":{"hard":{"count/endpointslices.discovery.k8s.io":"10"}}}'],
        {
          namespace: quotaNs.name,
        },
      );
      // The controller retries with a growing back-off (up to minutes); a change to the Service queues it at once.
      await kubectl(['annotate', 'service', 'capped', `e2e.kdiag.dev/nudge=${Date.now()}`, '--overwrite'], { namespace: quotaNs.name });
      await waitForSliceAddresses(quotaNs.name, 'capped', 2, (e) => e.conditions?.ready === true);
      expect((await syncFailures()).length).toBeGreaterThan(0); // the events are still there
      const r = await kdiagSvc('capped', quotaNs.name);
      expect(r.code).toBe(0);
      expect(codesOf(r)).toEqual(['endpoint-sync-recovered']);
      const f = findingOf(r, 'endpoint-sync-recovered');
      expect(f.message).toMatch(
        /^The EndpointSlice controller failed to update the EndpointSlices of Service "capped" \(FailedToUpdateEndpointSlices( \(x\d+\))?: .*exceeded quota: slices.*\), but has synced them since: they list all 2 Ready matching pods\.$/,
      );
      expect(f.evidence).toContainEqual({ kind: 'endpointslices', value: '1 EndpointSlice lists 2 addresses' });
      return r;
    },
  );
});
