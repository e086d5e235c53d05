import type { KubeObject } from './k8s/types.js';

/** Words shared by findings' messages and hints. */

export const MAX_LISTED = 5;

export function q(s: string): string {
  return JSON.stringify(s);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function names(objs: readonly KubeObject[], max = MAX_LISTED): string {
  const shown = objs.slice(0, max).map((o) => o.metadata.name);
  return objs.length > max ? `${shown.join(', ')} and ${objs.length - max} more` : shown.join(', ');
}
