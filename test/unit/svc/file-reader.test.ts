import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileClusterReader, parseObjects, readInput, MAX_INPUT_BYTES } from '../../../src/cluster/file-reader.js';
import { R } from '../../../src/cluster/reader.js';
import { UsageError } from '../../../src/errors.js';
import { ROOT } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kdiag-fr-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function usageError(p: Promise<unknown>): Promise<UsageError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseObjects', () => {
  it('reads multi-document YAML, skipping empty documents', () => {
    const objs = parseObjects(
      '---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n',
      'x.yaml',
    );
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/a', 'Pod/b']);
  });

  it('flattens kind: List and typed lists whose items lack a kind (raw API output)', () => {
    const json = JSON.stringify({
      apiVersion: 'v1',
      kind: 'PodList',
      metadata: {},
      items: [{ metadata: { name: 'p1' } }, { metadata: { name: 'p2' } }],
    });
    expect(parseObjects(json, 'pods.json').map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`)).toEqual(['v1 Pod/p1', 'v1 Pod/p2']);
    const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n';
    expect(parseObjects(list, 'l.yaml').map((o) => o.kind)).toEqual(['Service']);
  });

  it('gives events.k8s.io Events the core shape', () => {
    const [e] = parseObjects(
      'apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: e, namespace: a}\nregarding: {kind: Pod, name: p}\nnote: boom\nreason: Unhealthy\n',
      'e.yaml',
    );
    expect(e).toMatchObject({ involvedObject: { kind: 'Pod', name: 'p' }, message: 'boom' });
  });

  it.each([
    ['broken YAML with file:line:column', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [a\n', /^bad\.yaml:\d+:\d+: invalid YAML: /],
    ['a scalar document', 'just text\n', /^bad\.yaml:1: the document is not a Kubernetes object/],
    ['a mapping without kind', 'apiVersion: v1\nmetadata: {name: x}\n', /has no "kind"/],
    [
      'an object without metadata.name',
      'apiVersion: v1\nkind: Pod\nmetadata: {generateName: x-}\n',
      /kind Pod\) is not a Kubernetes object: it has no metadata.name/,
    ],
    [
      'the second document, with its line',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n- 1\n- 2\n',
      /^bad\.yaml:5: document 2 is not a Kubernetes object/,
    ],
  ])('rejects %s', (_t, text, msg) => {
    let err: unknown;
    try {
      parseObjects(text, 'bad.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).not.toContain('\n');
    expect((err as UsageError).exitCode).toBe(2);
  });
});

describe('readInput', () => {
  it('missing file: one line naming the path, with a hint', async () => {
    const e = await usageError(readInput('nope.yaml', { cwd: dir }));
    expect(e.message).toBe('nope.yaml: no such file');
    expect(e.hint).toMatch(/-f -/);
  });

  it('a directory', async () => {
    mkdirSync(join(dir, 'manifests'));
    const e = await usageError(readInput('manifests', { cwd: dir }));
    expect(e.message).toBe('manifests is a directory');
  });

  it('a binary file', async () => {
    write('img.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    expect((await usageError(readInput('img.png', { cwd: dir }))).message).toBe('img.png is a binary file, not YAML or JSON');
  });

  it('a file over the size limit is refused before it is read', async () => {
    const p = join(dir, 'huge.yaml');
    writeFileSync(p, '');
    const { truncateSync } = await import('node:fs');
    truncateSync(p, MAX_INPUT_BYTES + 1);
    expect((await usageError(readInput('huge.yaml', { cwd: dir }))).message).toBe('huge.yaml is 256 MiB, over the 256 MiB limit for -f');
  });

  it('stdin, with a BOM stripped', async () => {
    const src = await readInput('-', { cwd: dir, stdin: Readable.from([Buffer.from('\ufeffkind: Pod\n')]) });
    expect(src).toEqual({ name: '-', text: 'kind: Pod\n' });
  });

  it('stdin over the limit', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 0x20);
    const e = await usageError(readInput('-', { cwd: dir, stdin: Readable.from([big, big, big, big, big]) }));
    expect(e.message).toBe('standard input is larger than 256 MiB');
  });

  it('an empty file holds no objects', async () => {
    write('empty.yaml', '# nothing\n');
    expect((await usageError(FileClusterReader.load('empty.yaml', { cwd: dir }))).message).toBe('empty.yaml holds no Kubernetes objects');
  });
});

describe('FileClusterReader', () => {
  const objects = parseObjects(
    [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: web, tier: fe}}\nstatus: {podIP: 10.0.0.1}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: api}}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: y, labels: {app: web}}',
      'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k, namespace: x}',
      'apiVersion: v1\nkind: Event\nmetadata: {name: e, namespace: x}\ninvolvedObject: {kind: Pod, name: a}',
    ].join('\n---\n'),
    'f.yaml',
  );
  const r = new FileClusterReader(objects);

  it('filters by namespace, label selector and field selector, as the API server does', async () => {
    const names = async (o: Parameters<typeof r.list>[1]) => (await r.list(R.pods, o)).map((p) => p.metadata.name);
    expect(await names({ namespace: 'x' })).toEqual(['a', 'b']);
    expect(await names({})).toEqual(['a', 'b', 'c']);
    expect(await names({ labelSelector: 'app=web' })).toEqual(['a', 'c']);
    expect(await names({ namespace: 'x', labelSelector: 'app in (web,api),!tier' })).toEqual(['b']);
    expect(await names({ fieldSelector: 'metadata.name=c' })).toEqual(['c']);
    expect(await names({ fieldSelector: 'status.podIP=10.0.0.1' })).toEqual(['a']);
    expect(
      (await r.list(R.events, { namespace: 'x', fieldSelector: 'involvedObject.kind=Pod,involvedObject.name=a' })).map(
        (e) => e.metadata.name,
      ),
    ).toEqual(['e']);
  });

  it('metadataOnly lists carry metadata only', async () => {
    const [p] = await r.list(R.pods, { namespace: 'x', metadataOnly: true, fieldSelector: 'metadata.name=a' });
    expect(p).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: objects[0]!.metadata });
  });

  it("does not take another API group's kind for a core one", async () => {
    expect(await r.get(R.services, 'x', 'k')).toBeUndefined();
  });

  it('synthesises the namespaces its objects live in', async () => {
    expect(await r.get(R.namespaces, undefined, 'y')).toMatchObject({ kind: 'Namespace', metadata: { name: 'y' } });
    expect(await r.get(R.namespaces, undefined, 'z')).toBeUndefined();
    expect(r.includes(R.endpointslices)).toBe(false);
    expect(r.includes(R.pods)).toBe(true);
  });

  it('default namespace: -n wins, else the one shared namespace, else default; namespace-less objects go there', async () => {
    expect(r.defaultNamespace).toBe('default');
    const one = await FileClusterReader.load('examples/my-app.yaml', { cwd: ROOT });
    expect(one.defaultNamespace).toBe('my-app');
    const flagged = await FileClusterReader.load('examples/my-app.yaml', { cwd: ROOT, namespace: 'other' });
    expect(flagged.defaultNamespace).toBe('other');
    const bare = new FileClusterReader(parseObjects('apiVersion: v1\nkind: Service\nmetadata: {name: s}\n', 's.yaml'), {
      namespace: 'dev',
    });
    expect(await bare.get(R.services, 'dev', 's')).toMatchObject({ metadata: { name: 's', namespace: 'dev' } });
  });

  it('counts calls as requests', async () => {
    const fresh = new FileClusterReader(objects);
    await fresh.get(R.pods, 'x', 'a');
    await fresh.tryList(R.pods, {});
    expect(fresh.requestCount).toBe(2);
  });
});
