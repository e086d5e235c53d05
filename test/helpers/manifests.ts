/**
 * Kubernetes manifest builders shared by the unit and e2e projects: plain objects, to apply to the test cluster
 * (e2e, `applyYaml`) or to write to a file for `kdiag svc -f` (unit). Images are never pulled: KWOK runs nothing.
 */

/** The image of every container (never pulled). */
export const TEST_IMAGE = 'registry.invalid/kdiag-e2e:1';

/** Container port declaration. */
export interface PortSpec {
  containerPort: number;
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** Options of {@link deployment}. */
export interface DeploymentSpec {
  name: string;
  replicas?: number;
  /** Labels on the Deployment object itself (metadata.labels). */
  labels?: Record<string, string>;
  /**
   * Pod template labels; the Deployment's selector is `e2e.kdiag.dev/deployment: <name>` only, so these may differ
   * and may change later (e.g. so that a Service stops matching).
   */
  templateLabels?: Record<string, string>;
  ports?: PortSpec[];
  requests?: Record<string, string>;
  serviceAccountName?: string;
  readinessProbe?: object;
}

/** A Deployment whose selector is `e2e.kdiag.dev/deployment=<name>`; default: 2 replicas, port http 8080. */
export function deployment(o: DeploymentSpec): object {
  const selector = { 'e2e.kdiag.dev/deployment': o.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...selector, ...(o.templateLabels ?? {}) } },
        spec: {
          ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'app',
              image: TEST_IMAGE,
              ports: o.ports ?? [{ containerPort: 8080, name: 'http' }],
              ...(o.requests ? { resources: { requests: o.requests } } : {}),
              ...(o.readinessProbe ? { readinessProbe: o.readinessProbe } : {}),
            },
          ],
        },
      },
    },
  };
}

/** Options of {@link service}. */
export interface ServiceSpec {
  name: string;
  selector?: Record<string, string>;
  ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
  spec?: Record<string, unknown>;
}

/** A Service (ClusterIP unless `spec` says otherwise); default port: http 80/TCP -> 8080. */
export function service(o: ServiceSpec): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name },
    spec: {
      ...(o.selector ? { selector: o.selector } : {}),
      ports: (o.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }]).map((p) => ({ protocol: 'TCP', ...p })),
      ...(o.spec ?? {}),
    },
  };
}

/** A bare Pod; `requests` are the container's resource requests, `status` is kept as given (for `kdiag svc -f`). */
export function pod(
  name: string,
  labels: Record<string, string>,
  extra: { ports?: PortSpec[]; finalizers?: string[]; nodeName?: string; requests?: Record<string, string>; status?: object } = {},
): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) },
    spec: {
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'app',
          image: TEST_IMAGE,
          ports: extra.ports ?? [{ containerPort: 8080, name: 'http' }],
          ...(extra.requests ? { resources: { requests: extra.requests } } : {}),
        },
      ],
    },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

/**
 * A Pod that the real scheduler cannot place: it asks for far more CPU than any KWOK node has (1k).
 */
export function unschedulablePod(name: string, labels: Record<string, string> = {}): object {
  return pod(name, labels, { requests: { cpu: '100k' } });
}
