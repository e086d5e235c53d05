import type { ObjectRef } from '../finding.js';
import type { KubeObject } from './types.js';

/** `{kind: 'Pod', namespace, name}` and friends. */
export function refOf(obj: KubeObject, kind = obj.kind ?? 'Object'): ObjectRef {
  return obj.metadata.namespace ? { kind, namespace: obj.metadata.namespace, name: obj.metadata.name } : { kind, name: obj.metadata.name };
}

/** A grouping key for an object reference (its namespace aside). */
export function refKey(r: ObjectRef | undefined): string {
  return r ? `${r.kind}/${r.name}` : '(no owner)';
}

/** An object as kubectl names it on a command line: `deployment/web`. */
export function formatRef(r: Pick<ObjectRef, 'kind' | 'name'>): string {
  return `${r.kind.toLowerCase()}/${r.name}`;
}
