import type { KubeObject } from '../k8s/types.js';

/** The request followed: from a URL, with `-X` and `-H`. */
export interface RouteRequest {
  url: string;
  scheme: 'http' | 'https';
  host: string;
  path: string;
  port: number;
  /** `-X`; undefined when not given (a method match is then conditional). */
  method?: string;
  /** `-H 'Name: value'`, names lower-cased. */
  headers: Record<string, string>;
  /** The URL's query parameters (first value of each). */
  query: Record<string, string>;
}

export interface IngressServiceBackend {
  name: string;
  port?: { number?: number; name?: string };
}
export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: { apiGroup?: string; kind: string; name: string };
}
export interface HTTPIngressPath {
  path?: string;
  pathType?: string;
  backend: IngressBackend;
}
export interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}
export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: IngressRule[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}
export interface IngressClass extends KubeObject {
  spec?: { controller?: string };
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}
export interface ParentRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}
export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}
export interface HTTPRouteMatch {
  path?: { type?: string; value?: string };
  headers?: { type?: string; name: string; value: string }[];
  queryParams?: { type?: string; name: string; value: string }[];
  method?: string;
}
export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  backendRefs?: BackendRef[];
}
export interface HTTPRoute extends KubeObject {
  spec?: { parentRefs?: ParentRef[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
  status?: { parents?: { parentRef: ParentRef; controllerName?: string; conditions?: Condition[] }[] };
}
export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: { mode?: string; certificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[] };
  allowedRoutes?: {
    namespaces?: { from?: 'Same' | 'All' | 'Selector' | string; selector?: unknown };
    kinds?: { group?: string; kind: string }[];
  };
}
export interface Gateway extends KubeObject {
  spec?: { gatewayClassName: string; listeners?: Listener[] };
  status?: { addresses?: { value: string }[]; conditions?: Condition[]; listeners?: { name: string; conditions?: Condition[] }[] };
}
export interface GatewayClass extends KubeObject {
  spec?: { controllerName?: string };
  status?: { conditions?: Condition[] };
}
export interface ReferenceGrant extends KubeObject {
  spec?: {
    from?: { group: string; kind: string; namespace: string }[];
    to?: { group: string; kind: string; name?: string }[];
  };
}
export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** What a TLS secret holds, once parsed: never the key, never the certificate itself. */
export interface CertificateFacts {
  /** DNS names of the subjectAltName extension (the CN only when there are none). */
  sans: string[];
  notBefore: string;
  notAfter: string;
}

/** A secret as the loader hands it over: its name, type, and the parsed certificate (or why there is none). */
export interface SecretFacts {
  namespace: string;
  name: string;
  /** False when the secret does not exist; null when it could not be read (RBAC). */
  exists: boolean | null;
  type?: string;
  certificate?: CertificateFacts;
  /** Why there is no certificate: no tls.crt, or it does not parse. */
  problem?: string;
}
