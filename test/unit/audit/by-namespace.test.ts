// kdiag audit reads the scope namespace by namespace: three paged lists side by side, a namespace handed over once
// every list has moved past it. These tests page the svc fixtures through a reader with `listPages` (as the live
// reader does) and check that the audit says exactly what it says on the whole scope at once, that namespaces are
// handed over while the pods are still being read, and that a list out of the API server's order changes nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readByNamespace, storageOrder, type NamespaceBatch } from '../../../src/cluster/audit-loader.js';
import { FileClusterReader, parseObjects } from '../../../src/cluster/file-reader.js';
import { storageKey, type ClusterReader, type ListOptions, type Optional, type Resource } from '../../../src/cluster/reader.js';
import { runAudit } from '../../../src/commands/audit/run.js';
import type { KubeObject } from '../../../src/core/k8s/types.js';
import { readerContext } from '../../helpers/context.js';
import { FIXTURES, ROOT } from '../svc/helpers.js';

/**
 * Every svc fixture's objects in one input (the first of two objects with the same kind, namespace and name wins),
 * in the order the API server lists them (the engine quotes pods in the order it reads them).
 */
function allFixtureObjects(): KubeObject[] {
  const seen = new Set<string>();
  const out: KubeObject[] = [];
  const files = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml') && f !== 'broken.yaml')
    .map((f) => join(FIXTURES, f));
  for (const file of [...files, join(ROOT, 'examples', 'my-app.yaml')]) {
    for (const o of parseObjects(readFileSync(file, 'utf8'), file)) {
      const k = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(o);
    }
  }
  return out.sort((a, b) => (storageKey(a) < storageKey(b) ? -1 : storageKey(a) > storageKey(b) ? 1 : 0));
}

type Order = 'storage' | 'reversed' | 'interleaved';

/** A file reader that also lists page by page, in storage order or not, logging each page it yields. */
class PagedReader implements ClusterReader {
  readonly source = 'file' as const;
  readonly log: string[] = [];
  constructor(
    private readonly under: FileClusterReader,
    /** Objects per page, or per resource (plural) with a default. */
    private readonly pageSize: number | { [plural: string]: number; default: number },
    private readonly order: Order,
  ) {}
  get defaultNamespace(): string {
    return this.under.defaultNamespace;
  }
  get requestCount(): number {
    return this.under.requestCount;
  }
  includes(r: Resource): boolean {
    return this.under.includes(r);
  }
  get<T extends KubeObject>(r: Resource, ns: string | undefined, name: string): Promise<T | undefined> {
    return this.under.get<T>(r, ns, name);
  }
  list<T extends KubeObject>(r: Resource, o?: ListOptions): Promise<T[]> {
    return this.under.list<T>(r, o);
  }
  tryList<T extends KubeObject>(r: Resource, o?: ListOptions): Promise<Optional<T>> {
    return this.under.tryList<T>(r, o);
  }
  async *listPages<T extends KubeObject>(r: Resource, o: ListOptions = {}): AsyncIterable<T[]> {
    const items = (await this.under.list<T>(r, o)).sort((a, b) =>
      storageKey(a) < storageKey(b) ? -1 : storageKey(a) > storageKey(b) ? 1 : 0,
    );
    if (this.order === 'reversed') items.reverse();
    if (this.order === 'interleaved') {
      // Odd positions first, then even ones: every namespace of more than one object is split across the list.
      const odd = items.filter((_x, i) => i % 2 === 1);
      items.splice(0, items.length, ...odd, ...items.filter((_x, i) => i % 2 === 0));
    }
    const size = typeof this.pageSize === 'number' ? this.pageSize : (this.pageSize[r.plural] ?? this.pageSize.default);
    for (let i = 0; i < items.length; i += size) {
      const page = items.slice(i, i + size);
      // Logged when the page is asked for (the generator runs on next()), with the namespace of its last object.
      this.log.push(`page ${r.plural} ${i / size + 1} ${page[page.length - 1]!.metadata.namespace ?? ''}`);
      yield page;
    }
  }
}

async function auditDocument(reader: ClusterReader): Promise<unknown> {
  const outcome = await runAudit({ allNamespaces: true, skip: [] }, readerContext('audit', reader).ctx);
  return { document: outcome.document, findings: outcome.findings };
}

describe('kdiag audit namespace by namespace', () => {
  const objects = allFixtureObjects();

  test('the fixtures span several namespaces with broken Services (else these tests prove little)', async () => {
    const doc = (await auditDocument(new FileClusterReader(objects))) as { document: { summary: { services: number; errors: number } } };
    const namespaces = new Set(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.namespace ?? 'default'));
    expect(namespaces.size).toBeGreaterThanOrEqual(4);
    expect(doc.document.summary.errors).toBeGreaterThanOrEqual(5);
  });

  test.each([
    [1, 'storage'],
    [2, 'storage'],
    [7, 'storage'],
    [2, 'reversed'],
    [3, 'interleaved'],
  ] as const)('pages of %d in %s order: the same report as the whole scope at once', async (pageSize, order) => {
    const whole = await auditDocument(new FileClusterReader(objects));
    const paged = new PagedReader(new FileClusterReader(objects), pageSize, order);
    expect(await auditDocument(paged)).toEqual(whole);
    expect(paged.log.some((l) => l.startsWith('page pods'))).toBe(true);
  });

  test('namespaces are handed over in storage order while the pods are still being read, each whole', async () => {
    const paged = new PagedReader(new FileClusterReader(objects), 2, 'storage');
    const batches: NamespaceBatch[] = [];
    await readByNamespace(paged, { allNamespaces: true }, async (b) => {
      paged.log.push(`batch ${b.namespace}`);
      batches.push(b);
    });
    const names = batches.map((b) => b.namespace);
    expect(names).toEqual([...names].sort(storageOrder));
    expect(new Set(names).size).toBe(names.length);
    // Streaming: the first namespace went before the last page of pods was read.
    const firstBatch = paged.log.findIndex((l) => l.startsWith('batch '));
    const lastPodPage = paged.log.map((l) => l.startsWith('page pods')).lastIndexOf(true);
    expect(firstBatch).toBeGreaterThan(-1);
    expect(firstBatch).toBeLessThan(lastPodPage);
    // Each batch holds all of its namespace's Services, EndpointSlices and pods.
    for (const b of batches) {
      const of = (kind: string) => objects.filter((o) => o.kind === kind && (o.metadata.namespace ?? 'default') === b.namespace).length;
      expect([b.services.length, b.slices.length, b.pods.length]).toEqual([of('Service'), of('EndpointSlice'), of('Pod')]);
      expect(b.again).toBeUndefined();
    }
  });

  test('a list whose page spans namespaces is not read ahead of the others: its next page waits until they catch up', async () => {
    // Pods one per page, EndpointSlices and Services many per page (as 500 of them span ten namespaces live).
    const paged = new PagedReader(new FileClusterReader(objects), { default: 1, endpointslices: 6, services: 6 }, 'storage');
    await readByNamespace(paged, { allNamespaces: true }, async () => undefined);
    const pages = paged.log.map((l) => l.split(' ')).filter((w) => w[0] === 'page');
    const lastNs = new Map<string, string>();
    let checked = 0;
    for (const [i, [, plural, n, ns]] of pages.entries()) {
      if (plural !== 'pods' && Number(n) > 1) {
        // The pods asked for before this page had reached the namespace where this list's previous page ended.
        const podsBefore = pages.slice(0, i).filter((w) => w[1] === 'pods');
        const podsAt = podsBefore[podsBefore.length - 1]?.[3];
        expect([plural, n, podsAt !== undefined && storageOrder(podsAt, lastNs.get(plural!)!) >= 0]).toEqual([plural, n, true]);
        checked++;
      }
      lastNs.set(plural!, ns!);
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  test('a list out of storage order: namespaces handed over too early are read again, whole, and marked so', async () => {
    const paged = new PagedReader(new FileClusterReader(objects), 2, 'interleaved');
    const batches: NamespaceBatch[] = [];
    await readByNamespace(paged, { allNamespaces: true }, async (b) => void batches.push(b));
    const again = batches.filter((b) => b.again);
    for (const b of again) {
      const first = batches.find((x) => x.namespace === b.namespace && !x.again);
      expect(first).toBeDefined();
      const pods = objects.filter((o) => o.kind === 'Pod' && (o.metadata.namespace ?? 'default') === b.namespace).length;
      expect(b.pods.length).toBe(pods);
    }
  });

  test('with no Service in the scope, nothing but the Services is read', async () => {
    const noServices = new FileClusterReader(objects.filter((o) => o.kind !== 'Service'));
    const calls: string[] = [];
    const r = await readByNamespace(noServices, { allNamespaces: true }, async (b) => void calls.push(b.namespace));
    expect({ services: r.services, requests: noServices.requestCount, calls }).toEqual({ services: 0, requests: 1, calls: [] });
  });

  test('a failure while checking one namespace stops the read and is what the audit throws', async () => {
    const paged = new PagedReader(new FileClusterReader(objects), 1, 'storage');
    let calls = 0;
    await expect(
      readByNamespace(paged, { allNamespaces: true }, async () => {
        calls++;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(4);
  });
});
