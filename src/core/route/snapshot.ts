import type { Denied } from '../k8s/access.js';
import type { Service, ServicePort } from '../k8s/types.js';
import type { ServiceReport } from '../svc/explain.js';
import type { Gateway, GatewayClass, HTTPRoute, Ingress, IngressClass, ReferenceGrant, RouteRequest, SecretFacts } from './types.js';

/** What `kdiag route` follows. */
export type RouteTarget =
  | { kind: 'url'; request: RouteRequest }
  | { kind: 'ingress'; namespace: string; name: string }
  | { kind: 'httproute'; namespace: string; name: string }
  | { kind: 'svc'; namespace: string; name: string };

/** The routing objects, read first (lists); what `planRoute` decides from. */
export interface RouteObjects {
  source: 'live' | 'file';
  target: RouteTarget;
  /** The namespace the lists were narrowed to; undefined when they span all namespaces. */
  namespace?: string;
  ingresses: Ingress[];
  /** Undefined when not read (denied). */
  ingressClasses?: IngressClass[];
  httpRoutes: HTTPRoute[];
  gateways: Gateway[];
  gatewayClasses?: GatewayClass[];
  referenceGrants?: ReferenceGrant[];
  /** Labels of namespaces, when read (allowedRoutes Selector). */
  namespaceLabels?: Record<string, Record<string, string>>;
  /**
   * A URL whose host is an address: the Services claiming it (a LoadBalancer's status.loadBalancer.ingress with a
   * port equal to the URL's, or a node's address with a NodePort equal to it). Never dialled.
   */
  addressClaims?: AddressClaim[];
  /** The object named by `ingress/NAME` / `httproute/NAME` does not exist. */
  targetMissing?: boolean;
  denied: Denied[];
}

/** A backend Service read by name, with the `kdiag svc` report of it. */
export interface BackendFacts {
  namespace: string;
  name: string;
  /** Undefined when it does not exist (or could not be read). */
  service?: Service;
  /** The namespace's Service names, read when it does not exist (suggestions). */
  namesInNamespace?: string[];
  /** The `kdiag svc` engine's report, when the Service exists. */
  report?: ServiceReport;
}

/** Everything `explainRoute` looks at. */
export interface RouteSnapshot extends RouteObjects {
  /** TLS secrets read by name (get): only their name, type, SANs and dates. */
  secrets: SecretFacts[];
  backends: BackendFacts[];
  /** Node names, read (list, optional) for `svc/NAME` with externalTrafficPolicy Local: who drops its traffic. */
  nodeNames?: string[];
}

/** A Service that claims a URL's host and port. */
export interface AddressClaim {
  via: 'load-balancer' | 'node-port';
  service: Service;
  port: ServicePort;
  /** The node whose address the host is (node-port). */
  node?: string;
}
