import { defineCatalogue, entryOf, makeFinding, type CodeOf, type FindingParts, type TypedEntry } from '../catalogue.js';
import type { Finding, Severity } from '../finding.js';
import { GENERAL_CODES } from '../general-catalogue.js';

/**
 * The causal order of `kdiag route`: which rule claims the request → the class or Gateway that serves it → TLS →
 * the backend Service and port. The backend Service's own findings (the `kdiag svc` engine) follow, then access.
 */
export const ROUTE_STAGES = ['lookup', 'match', 'class', 'gateway', 'tls', 'backend', 'access'] as const;
export type RouteStage = (typeof ROUTE_STAGES)[number];

const e = <const C extends string>(
  code: C,
  stage: RouteStage,
  severities: readonly [Severity, ...Severity[]],
  title: string,
  meaning: string,
  detection: string,
  fix: string,
) => ({ code, area: 'route' as const, stage, severities, title, meaning, detection, fix }) satisfies TypedEntry<C, RouteStage>;

/** Every finding only `kdiag route` reports, in causal order (severities: the default first). */
export const ROUTE_CATALOGUE = [
  e(
    'route-no-rule-matches',
    'match',
    ['error'],
    'No rule claims the host and path',
    "No Ingress rule or HTTPRoute match claims the request's host and path, so the controller answers with its default backend (usually 404).",
    'Every Ingress path and HTTPRoute match in scope is matched as the specifications say (single-label Ingress wildcards, Gateway suffix wildcards, Prefix by path element, Exact, case-sensitive paths); the closest misses are listed with why each missed (pathType, wildcard depth, trailing slash, case, another host).',
    'Change the rule (host, path or pathType) or the URL; a Prefix rule of /api matches /api/v1, an Exact one only /api.',
  ),
  e(
    'route-rules-conflict',
    'match',
    ['warning'],
    'Two objects claim the same host and path',
    'Two Ingresses of the same class (or two HTTPRoutes) claim the same host and path. For Ingress the controller decides which wins (ingress-nginx: the oldest, or its admission webhook rejects the second); for HTTPRoute the specification decides (oldest route, then namespace/name).',
    'Among the matching rules, another object with the same host, path and pathType (Ingress: same class) as the winner.',
    'Remove or change one of the rules so one object owns the host and path.',
  ),
  e(
    'route-implementation-specific',
    'match',
    ['info'],
    'The match depends on the controller',
    'The winning rule uses pathType ImplementationSpecific (Ingress) or a RegularExpression (HTTPRoute): how it matches is up to the controller, so kdiag matched it as a prefix (or a JavaScript regular expression).',
    'The winning path has pathType ImplementationSpecific (or no pathType), or type RegularExpression.',
    'Use pathType Prefix or Exact (PathPrefix or Exact for HTTPRoute) when a portable match is meant.',
  ),
  e(
    'route-match-conditional',
    'match',
    ['info'],
    'The match needs input the request did not give',
    'The winning HTTPRoute match also needs a method or a header the command line did not give, so the request matches only if the client sends them.',
    'A method match without -X, or a header match without -H.',
    'Repeat with -X METHOD and -H "Name: value" to see the route a given request takes.',
  ),
  e(
    'ingress-class-not-found',
    'class',
    ['error'],
    'IngressClass does not exist',
    'spec.ingressClassName names an IngressClass that does not exist, so no controller serves the Ingress.',
    'A get of the IngressClass named by spec.ingressClassName returns 404; close class names are suggested.',
    'Set spec.ingressClassName to an existing class (kubectl get ingressclass), or install the controller that brings it.',
  ),
  e(
    'ingress-class-annotation',
    'class',
    ['info'],
    'Legacy ingress class annotation',
    'The Ingress picks its controller with the deprecated kubernetes.io/ingress.class annotation; controllers may ignore it.',
    'The annotation is set and spec.ingressClassName is not.',
    'Replace the annotation with spec.ingressClassName.',
  ),
  e(
    'ingress-no-class',
    'class',
    ['warning'],
    'Ingress has no class',
    'The Ingress names no class (neither spec.ingressClassName nor the annotation). No default IngressClass existed when it was created, and a default added later does not apply to it, so controllers that require a class ignore it.',
    'Neither spec.ingressClassName nor the kubernetes.io/ingress.class annotation is set.',
    'Set spec.ingressClassName (kubectl get ingressclass lists them).',
  ),
  e(
    'ingress-not-admitted',
    'class',
    ['warning'],
    'No controller has given the Ingress an address',
    'status.loadBalancer.ingress is empty: no controller has picked the Ingress up yet (or the controller writes no status, as some do). The class hop is shown as unknown, not failed.',
    'status.loadBalancer.ingress of the Ingress is empty.',
    "Check that the class's controller runs and look at its logs for this Ingress.",
  ),
  e(
    'gateway-class-not-accepted',
    'gateway',
    ['error'],
    'GatewayClass missing or not accepted',
    'The GatewayClass named by the Gateway does not exist, or its controller did not accept it (condition Accepted False), so nothing programs the Gateway.',
    "A get of the Gateway's spec.gatewayClassName; its status condition Accepted.",
    'Install the Gateway implementation for that class, or use an accepted class (kubectl get gatewayclass).',
  ),
  e(
    'gateway-not-programmed',
    'gateway',
    ['error'],
    'Gateway not programmed',
    'The Gateway reports condition Programmed False: its data plane is not configured, so it does not serve traffic.',
    "The Gateway's status condition Programmed is False (its reason and message are quoted).",
    "Read the Gateway's status and its controller's logs (kubectl describe gateway).",
  ),
  e(
    'gateway-route-not-accepted',
    'gateway',
    ['error'],
    'Gateway did not accept the HTTPRoute',
    "A parent Gateway's controller did not accept the HTTPRoute (condition Accepted False in status.parents).",
    'status.parents[] of the HTTPRoute for the Gateway: condition Accepted False, with its reason and message.',
    'Fix what the reason names (NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent, ...).',
  ),
  e(
    'gateway-listener-mismatch',
    'gateway',
    ['error'],
    'No listener of the Gateway takes the route',
    'No listener of the parent Gateway matches the route: sectionName or port, protocol, allowedRoutes (namespaces default to Same), hostnames that do not intersect, or the request host and port.',
    "Each listener of each parent Gateway is checked against the route's parentRef and hostnames and the request.",
    'Point parentRefs at a listener that accepts the route, widen allowedRoutes.namespaces, or fix the hostnames.',
  ),
  e(
    'tls-secret-not-found',
    'tls',
    ['error'],
    'TLS secret does not exist',
    'A TLS secret named by the Ingress (spec.tls[].secretName) or Gateway listener (certificateRefs) does not exist, so the controller serves its default certificate or refuses the listener.',
    'The secret is read by name (get, never list); 404.',
    'Create the kubernetes.io/tls secret in the namespace of the Ingress or Gateway, or fix the name.',
  ),
  e(
    'tls-secret-invalid',
    'tls',
    ['warning', 'error'],
    'TLS secret is not a usable certificate',
    'The secret exists but is not of type kubernetes.io/tls, or has no parsable tls.crt. Warning for an Ingress (controllers vary); error for a Gateway listener (the specification requires a kubernetes.io/tls secret).',
    "The secret's type and its tls.crt (parsed as X.509; nothing else of the secret is read or printed).",
    'Recreate it: kubectl create secret tls NAME --cert=FILE --key=FILE.',
  ),
  e(
    'tls-host-not-listed',
    'tls',
    ['warning'],
    'Host is in no tls entry',
    'The request is HTTPS but the host is in no spec.tls[].hosts of the Ingress, so the controller serves its default certificate (clients see a certificate error).',
    'The host is matched against every spec.tls[].hosts of the winning Ingress.',
    'Add the host to a spec.tls entry with a secret whose certificate covers it.',
  ),
  e(
    'tls-host-not-covered',
    'tls',
    ['error'],
    'Certificate does not cover the host',
    "The certificate's subject alternative names do not cover the host (RFC 6125: *. stands for exactly one label; the CN counts only without SANs).",
    "tls.crt is parsed with node's X509Certificate; only its SANs and dates are shown.",
    'Issue a certificate for the host (or a wildcard one level up), or use the secret that has one.',
  ),
  e(
    'tls-certificate-expired',
    'tls',
    ['error'],
    'Certificate expired or not yet valid',
    'The certificate is outside its validity dates, so clients refuse it.',
    'notBefore and notAfter of tls.crt against the current time.',
    'Renew the certificate (check cert-manager or whatever issues it).',
  ),
  e(
    'tls-certificate-expiring',
    'tls',
    ['warning'],
    'Certificate expires soon',
    'The certificate expires within 14 days.',
    'notAfter of tls.crt against the current time.',
    'Renew it before it expires; check that automatic renewal works.',
  ),
  e(
    'ingress-backend-service-not-found',
    'backend',
    ['error'],
    'Backend Service does not exist',
    "The Service an Ingress path sends to does not exist in the Ingress's namespace, so the controller answers 503.",
    "A get of the Service in the Ingress's namespace; close Service names are suggested.",
    'Fix backend.service.name, or create the Service.',
  ),
  e(
    'ingress-backend-port-not-found',
    'backend',
    ['error'],
    'Backend port is no port of the Service',
    'The backend port (number or name) is not a port of the Service; an Ingress names the Service port, not the container port.',
    "backend.service.port.number or .name against the Service's spec.ports.",
    "Use one of the Service's ports (number or name).",
  ),
  e(
    'gateway-backend-not-resolved',
    'backend',
    ['error'],
    'HTTPRoute backend not resolved',
    'A backendRef names a missing Service or port, or the Gateway reports ResolvedRefs False: requests to it get 500.',
    'status.parents[].conditions ResolvedRefs, and each backendRef against the Services read by name.',
    'Fix the backendRef name or port, or create the Service.',
  ),
  e(
    'gateway-reference-grant-missing',
    'backend',
    ['error'],
    'Cross-namespace reference without a ReferenceGrant',
    "A backendRef (or a listener's certificateRef) points into another namespace, and no ReferenceGrant in that namespace allows it.",
    "ReferenceGrants of the target's namespace: from the route's (or Gateway's) kind and namespace, to Service (or Secret), optionally by name.",
    "Create a ReferenceGrant in the target's namespace, or move the object.",
  ),
] as const;

export type RouteCode = CodeOf<typeof ROUTE_CATALOGUE>;
export type RouteEntry = (typeof ROUTE_CATALOGUE)[number];

export const ROUTE_CODES: ReadonlyMap<string, RouteEntry> = defineCatalogue(ROUTE_CATALOGUE);

/** A finding of a `kdiag route` code, its severity checked against the catalogue. */
export function routeFinding(code: RouteCode, p: FindingParts): Finding {
  return makeFinding(entryOf(ROUTE_CODES, code), p);
}

/** Where a route code sits in the causal order. */
export function routeStageIndex(code: string): number {
  const entry = ROUTE_CODES.get(code);
  if (entry) return ROUTE_STAGES.indexOf(entry.stage);
  // The shared traffic codes (load-balancer-pending, external-traffic-policy-local) come after the backend.
  if (GENERAL_CODES.get(code)?.stage === 'traffic') return ROUTE_STAGES.indexOf('backend');
  return code === 'rbac-partial' ? ROUTE_STAGES.length : 0;
}
