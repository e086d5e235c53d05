/** A read the server refused: named so that a finding or an error can say what could not be checked. */
export interface Denied {
  verb: 'get' | 'list' | 'watch' | 'create' | 'delete' | 'patch';
  resource: string; // e.g. `pods`, `endpointslices.discovery.k8s.io`
  namespace?: string;
  message: string;
}

/** Where a denied read applied, in words: `in namespace shop`, `at cluster scope`, `across all namespaces`. */
export function deniedScope(d: Denied): string {
  if (d.namespace) return `in namespace ${d.namespace}`;
  return isClusterScoped(d.resource) ? 'at cluster scope' : 'across all namespaces';
}

/** The `kubectl auth can-i` command that checks a denied read. */
export function canICommand(d: Denied): string {
  const scope = d.namespace ? ` -n ${d.namespace}` : isClusterScoped(d.resource) ? '' : ' -A';
  return `kubectl auth can-i ${d.verb} ${d.resource}${scope}`;
}

function isClusterScoped(resource: string): boolean {
  return resource === 'namespaces' || resource === 'nodes';
}
