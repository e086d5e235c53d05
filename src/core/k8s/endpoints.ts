import type { EndpointSlice, Endpoints, ServicePort } from './types.js';

/** One address of one endpoint, flattened from EndpointSlices (or legacy Endpoints): a row of `endpoints` in JSON. */
export interface EndpointRow {
  /** The EndpointSlice's name, or `endpoints/<name>` for a legacy Endpoints object. */
  slice: string;
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The pod it points to (targetRef), or null. */
  pod: string | null;
  /** The podʼs namespace when it differs from the Service's (rare; hand-written endpoints). */
  podNamespace?: string;
  nodeName: string | null;
  /** The slice's ports: a Service port gets traffic to this address only when its name is here. */
  ports: { name: string; port: number | null; protocol: string }[];
}

/** Flattens slices (and, when given, legacy Endpoints) into rows. Unset conditions mean ready, as the API says. */
export function endpointRows(slices: readonly EndpointSlice[], legacy?: Endpoints): EndpointRow[] {
  const rows: EndpointRow[] = [];
  for (const s of slices) {
    const ports = (s.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port ?? null, protocol: p.protocol ?? 'TCP' }));
    for (const ep of s.endpoints ?? []) {
      const ready = ep.conditions?.ready ?? true;
      for (const ip of ep.addresses) {
        rows.push({
          slice: s.metadata.name,
          ip,
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          pod: ep.targetRef?.kind === 'Pod' || (ep.targetRef && !ep.targetRef.kind) ? (ep.targetRef.name ?? null) : null,
          ...(ep.targetRef?.namespace && ep.targetRef.namespace !== s.metadata.namespace ? { podNamespace: ep.targetRef.namespace } : {}),
          nodeName: ep.nodeName ?? null,
          ports,
        });
      }
    }
  }
  if (legacy) {
    for (const sub of legacy.subsets ?? []) {
      const ports = (sub.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' }));
      for (const [list, ready] of [
        [sub.addresses ?? [], true],
        [sub.notReadyAddresses ?? [], false],
      ] as const) {
        for (const a of list) {
          rows.push({
            slice: `endpoints/${legacy.metadata.name}`,
            ip: a.ip,
            ready,
            serving: ready,
            terminating: false,
            pod: a.targetRef?.kind === 'Pod' ? (a.targetRef.name ?? null) : null,
            nodeName: null,
            ports,
          });
        }
      }
    }
  }
  return rows;
}

/** The name a Service port has in EndpointSlices: its name, or the empty string for a single unnamed port. */
export function slicePortName(sp: ServicePort): string {
  return sp.name ?? '';
}

/** Rows that carry traffic for one Service port: the slice lists that port's name. Counted per port, never per address. */
export function rowsForPort(rows: readonly EndpointRow[], sp: ServicePort): EndpointRow[] {
  const name = slicePortName(sp);
  return rows.filter((r) => r.ports.some((p) => p.name === name));
}

/** Ready addresses per Service port key. */
export function readyCountForPort(rows: readonly EndpointRow[], sp: ServicePort): number {
  return rowsForPort(rows, sp).filter((r) => r.ready).length;
}
