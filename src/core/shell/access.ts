/**
 * The permissions `kdiag shell` checks (SelfSubjectAccessReviews) before creating anything, so that a denial names
 * everything missing at once. Structurally the cluster layer's AccessCheck.
 */
export interface ShellAccessCheck {
  verb: 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete';
  resource: 'pods';
  subresource?: 'exec' | 'ephemeralcontainers';
  group: '';
  namespace?: string;
}

export type ShellMode = { kind: 'pod' } | { kind: 'ephemeral' } | { kind: 'gc'; allNamespaces: boolean };

export function shellAccessNeeds(mode: ShellMode, namespace: string): ShellAccessCheck[] {
  const c = (verb: ShellAccessCheck['verb'], subresource?: ShellAccessCheck['subresource'], ns: string | null = namespace) => ({
    verb,
    resource: 'pods' as const,
    group: '' as const,
    ...(subresource ? { subresource } : {}),
    ...(ns !== null ? { namespace: ns } : {}),
  });
  switch (mode.kind) {
    case 'pod':
      // create; get and watch (waiting for it); patch (the heartbeat); delete; exec: get (the WebSocket) and create.
      return [c('create'), c('get'), c('watch'), c('patch'), c('delete'), c('get', 'exec'), c('create', 'exec')];
    case 'ephemeral':
      return [c('get'), c('watch'), c('patch', 'ephemeralcontainers'), c('get', 'exec'), c('create', 'exec')];
    case 'gc': {
      // -A: cluster-wide (no namespace in the review).
      const ns = mode.allNamespaces ? null : namespace;
      return [c('list', undefined, ns), c('delete', undefined, ns)];
    }
  }
}
