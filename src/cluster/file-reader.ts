import { open, stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { LineCounter, parseAllDocuments } from 'yaml';
import { matchesRequirements, parseSelector, SelectorSyntaxError } from '../core/k8s/selectors.js';
import type { KubeObject } from '../core/k8s/types.js';
import { describeYamlError } from '../core/yaml-error.js';
import { UsageError } from '../errors.js';
import type { ClusterReader, ListOptions, Optional, Resource } from './reader.js';

/**
 * The largest `-f` input kdiag reads: 256 MiB. A `kubectl get -o yaml` dump of 10,000 pods is about 100 MiB;
 * anything larger is almost certainly the wrong file, and parsing it would take minutes and gigabytes.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Kinds that are cluster-scoped (everything else is taken to be namespaced). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'CustomResourceDefinition',
  'IngressClass',
  'GatewayClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'ServiceCIDR',
  'IPAddress',
  'RuntimeClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
]);

/** Where a reader's objects came from, for messages: a relative path or `-` (stdin). */
export interface FileSource {
  /** As the user typed it (`-` for stdin). */
  name: string;
  text: string;
}

function groupOf(apiVersion: string | undefined): string {
  if (!apiVersion || !apiVersion.includes('/')) return '';
  return apiVersion.split('/')[0]!;
}

/** A 1-based line for a character offset. */
function lineAt(counter: LineCounter, offset: number): number {
  return counter.linePos(offset).line;
}

/**
 * Parses `-f` input: multi-document YAML or JSON, `kind: List` and `*List` kinds (items without a kind get it from
 * the list), plain manifests, and `kubectl get -o yaml|json` output. Throws UsageError (exit 2) on broken YAML
 * (with file:line) and on documents that are not Kubernetes objects. Empty documents are skipped.
 */
/** Where an object's document starts in the input: `kind/namespace/name` (namespace '' when unset) to file and line. */
export type ObjectPositions = Map<string, { file: string; line: number }>;

export function positionKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

export function parseObjects(text: string, file: string, positions?: ObjectPositions): KubeObject[] {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: KubeObject[] = [];
  list.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err) {
      throw new UsageError(
        describeYamlError(file, err, err.pos ? counter.linePos(err.pos[0]) : undefined),
        'fix the YAML syntax (kubectl get -o yaml output and manifests are accepted)',
      );
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return;
    const line = doc.contents?.range ? lineAt(counter, doc.contents.range[0]) : 1;
    const where = `${file}:${line}`;
    const label = list.length > 1 ? `document ${index + 1}` : 'the document';
    const before = out.length;
    collect(value, where, label, out, undefined, undefined);
    if (positions) {
      // Each object's own line: a List's items each start where their node does.
      const isList = out.length !== before + 1 || (value as { items?: unknown }).items !== undefined;
      out.slice(before).forEach((o, i) => {
        let at = line;
        if (isList) {
          const node = doc.getIn(['items', i], true) as { range?: [number, number, number] } | undefined;
          if (node?.range) at = lineAt(counter, node.range[0]);
        }
        const key = positionKey(o.kind ?? '', o.metadata.namespace, o.metadata.name);
        if (!positions.has(key)) positions.set(key, { file, line: at });
      });
    }
  });
  return out;
}

function collect(
  value: unknown,
  where: string,
  label: string,
  out: KubeObject[],
  listKind: string | undefined,
  listApiVersion: string | undefined,
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      `${where}: ${label} is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata)`,
      'pass manifests or kubectl get -o yaml|json output',
    );
  }
  const obj = value as Record<string, unknown>;
  let kind = typeof obj.kind === 'string' ? obj.kind : undefined;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : listApiVersion;
  if (!kind && listKind) kind = listKind;
  if (kind && (kind === 'List' || kind.endsWith('List')) && Array.isArray(obj.items)) {
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    (obj.items as unknown[]).forEach((item, i) =>
      collect(item, where, `${label}, item ${i + 1}`, out, itemKind, itemKind ? apiVersion : undefined),
    );
    return;
  }
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (!kind)
    throw new UsageError(
      `${where}: ${label} is not a Kubernetes object: it has no "kind"`,
      'every object needs apiVersion, kind and metadata.name',
    );
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || meta.name === '') {
    throw new UsageError(
      `${where}: ${label} (kind ${kind}) is not a Kubernetes object: it has no metadata.name`,
      'every object needs apiVersion, kind and metadata.name (generateName alone cannot be diagnosed)',
    );
  }
  const o = { ...obj, kind, ...(apiVersion ? { apiVersion } : {}) } as KubeObject;
  out.push(normalizeEvent(o));
}

/** events.k8s.io Events carry `regarding`/`note`; give them the core shape so one code path reads both. */
function normalizeEvent(o: KubeObject): KubeObject {
  if (o.kind !== 'Event' || groupOf(o.apiVersion) !== 'events.k8s.io') return o;
  const r = o as KubeObject & { regarding?: unknown; note?: string; deprecatedLastTimestamp?: string };
  return {
    ...r,
    involvedObject: r.regarding,
    message: r.note,
    lastTimestamp: r.deprecatedLastTimestamp ?? (r.eventTime as string | undefined),
  };
}

/** Reads a path (or `-` for stdin) with the size and binary checks; errors are UsageErrors naming the input. */
export async function readInput(path: string, opts: { cwd: string; stdin?: Readable }): Promise<FileSource> {
  if (path === '-') {
    if (!opts.stdin) throw new UsageError('cannot read standard input', 'pass a file with -f FILE');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of opts.stdin) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += b.length;
      if (size > MAX_INPUT_BYTES)
        throw new UsageError(
          `standard input is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`,
          'pass only the objects of the namespace you ask about',
        );
      chunks.push(b);
    }
    return { name: '-', text: decode(Buffer.concat(chunks), 'standard input') };
  }
  const abs = resolve(opts.cwd, path);
  const shown = displayPath(abs, opts.cwd);
  let info;
  try {
    info = await stat(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new UsageError(`${shown}: no such file`, 'check the path given to -f (use -f - to read standard input)');
    if (code === 'EACCES') throw new UsageError(`${shown}: permission denied`, "check the file's permissions");
    throw new UsageError(`${shown}: cannot read: ${code ?? String(e)}`, 'check the path given to -f');
  }
  if (info.isDirectory())
    throw new UsageError(`${shown} is a directory`, `-f takes one file; to combine several: cat ${shown}/*.yaml | kdiag svc NAME -f -`);
  if (info.size > MAX_INPUT_BYTES) {
    throw new UsageError(
      `${shown} is ${(info.size / 1024 / 1024).toFixed(0)} MiB, over the ${MAX_INPUT_BYTES / 1024 / 1024} MiB limit for -f`,
      'dump only the namespace you ask about: kubectl get svc,deploy,pods,endpointslices -n NS -o yaml',
    );
  }
  let buf: Buffer;
  try {
    const fh = await open(abs, 'r');
    try {
      buf = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new UsageError(`${shown}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'check the path given to -f');
  }
  return { name: shown, text: decode(buf, shown) };
}

function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return (rel && !rel.startsWith('..') ? rel : abs).split(sep).join('/');
}

function decode(buf: Buffer, shown: string): string {
  if (buf.subarray(0, 8192).includes(0)) {
    throw new UsageError(`${shown} is a binary file, not YAML or JSON`, 'pass manifests or the output of kubectl get -o yaml|json');
  }
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * A ClusterReader over objects from `-f FILE` or `-f -`. Lists and gets honour the namespace, label and field
 * selectors as the API server would; `metadataOnly` lists return metadata only, as live ones do.
 *
 * Namespaces: an object without `metadata.namespace` belongs to the default namespace, which is `-n` when given
 * (as `kubectl apply -f` does), else the one namespace all namespaced objects that name one share, else `default`.
 * A namespace exists if the input holds a Namespace object for it or any object in it (a dump rarely holds the
 * Namespace itself).
 */
export class FileClusterReader implements ClusterReader {
  readonly source = 'file' as const;
  readonly defaultNamespace: string;
  private calls = 0;
  private readonly objects: KubeObject[];

  constructor(objects: readonly KubeObject[], opts: { namespace?: string } = {}) {
    const named = new Set(
      objects.filter((o) => !CLUSTER_SCOPED.has(o.kind ?? '') && o.metadata.namespace).map((o) => o.metadata.namespace!),
    );
    this.defaultNamespace = opts.namespace ?? (named.size === 1 ? [...named][0]! : 'default');
    this.objects = objects.map((o) =>
      CLUSTER_SCOPED.has(o.kind ?? '') || o.metadata.namespace
        ? o
        : { ...o, metadata: { ...o.metadata, namespace: this.defaultNamespace } },
    );
  }

  /** Reads and parses `-f PATH` (or `-`). */
  static async load(path: string, opts: { cwd: string; stdin?: Readable; namespace?: string }): Promise<FileClusterReader> {
    const src = await readInput(path, opts);
    const positions: ObjectPositions = new Map();
    const objects = parseObjects(src.text, src.name === '-' ? '<stdin>' : src.name, positions);
    if (objects.length === 0) {
      throw new UsageError(
        `${src.name === '-' ? 'standard input' : src.name} holds no Kubernetes objects`,
        'pass manifests or the output of kubectl get -o yaml|json',
      );
    }
    const reader = new FileClusterReader(objects, opts.namespace === undefined ? {} : { namespace: opts.namespace });
    reader.positions = positions;
    return reader;
  }

  /** Object positions in the input (filled by `load`). */
  positions: ObjectPositions = new Map();

  /** Where the object's document starts in the input (its file as given to -f, 1-based line); undefined when unknown. */
  position(kind: string, namespace: string | undefined, name: string): { file: string; line: number } | undefined {
    return (
      this.positions.get(positionKey(kind, namespace, name)) ??
      (namespace === this.defaultNamespace ? this.positions.get(positionKey(kind, undefined, name)) : undefined)
    );
  }

  /** Calls made so far (a file reader makes no API requests; this counts reads, for tests). */
  get requestCount(): number {
    return this.calls;
  }

  includes(resource: Resource): boolean {
    if (resource.kind === 'Namespace') return true;
    return this.objects.some((o) => this.is(o, resource));
  }

  private is(o: KubeObject, r: Resource): boolean {
    if (o.kind !== r.kind) return false;
    const g = groupOf(o.apiVersion);
    // events.k8s.io Events were normalised to the core shape; extensions/v1beta1 and friends are old spellings.
    return o.apiVersion === undefined || g === r.group || r.kind === 'Event' || (g === 'extensions' && r.group !== '');
  }

  private namespaces(): KubeObject[] {
    const out = new Map<string, KubeObject>();
    for (const o of this.objects) if (o.kind === 'Namespace') out.set(o.metadata.name, o);
    for (const o of this.objects) {
      const ns = o.metadata.namespace;
      if (ns && !CLUSTER_SCOPED.has(o.kind ?? '') && !out.has(ns))
        out.set(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    return [...out.values()];
  }

  private select(resource: Resource, opts: ListOptions): KubeObject[] {
    let items = resource.kind === 'Namespace' ? this.namespaces() : this.objects.filter((o) => this.is(o, resource));
    if (resource.namespaced && opts.namespace !== undefined) items = items.filter((o) => o.metadata.namespace === opts.namespace);
    if (opts.labelSelector) {
      let reqs;
      try {
        reqs = parseSelector(opts.labelSelector);
      } catch (e) {
        if (e instanceof SelectorSyntaxError) throw new UsageError(e.message);
        throw e;
      }
      items = items.filter((o) => matchesRequirements(reqs, o.metadata.labels));
    }
    if (opts.fieldSelector) {
      const terms = parseFieldSelector(opts.fieldSelector);
      items = items.filter((o) => terms.every((t) => (fieldValue(o, t.path) === t.value) === t.equal));
    }
    if (opts.metadataOnly) return items.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata }));
    return opts.project ? items.map(opts.project) : items;
  }

  async get<T extends KubeObject>(resource: Resource, namespace: string | undefined, name: string): Promise<T | undefined> {
    this.calls++;
    const items = this.select(resource, resource.namespaced ? { namespace: namespace ?? this.defaultNamespace } : {});
    return items.find((o) => o.metadata.name === name) as T | undefined;
  }

  async list<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<T[]> {
    this.calls++;
    return this.select(resource, opts) as T[];
  }

  async tryList<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<Optional<T>> {
    return { ok: true, items: await this.list<T>(resource, opts) };
  }
}

/** `a=b,c!=d,e==f` → terms. Only equality, as the API server supports for most fields. */
export function parseFieldSelector(text: string): { path: string; value: string; equal: boolean }[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const m = /^([A-Za-z0-9_.-]+)\s*(==|!=|=)\s*(.*)$/.exec(t);
      if (!m) throw new UsageError(`invalid field selector "${text}"`, 'use field=value, field==value or field!=value');
      return { path: m[1]!, value: m[3]!, equal: m[2] !== '!=' };
    });
}

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}
