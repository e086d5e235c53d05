import type { ForwardEvent } from './events.js';
import { formatMs, targetText, type TargetRef } from './types.js';

/** The state of one listening address. */
export type RowState = 'listening' | 'serving' | 'waiting' | 'stopped';

/** One row of the live status table: one bound local address of one target. */
export interface StatusRow {
  /** `svc/web:80` (with `-n`-style namespace and context when they vary: see `rowTarget`). */
  target: string;
  /** `127.0.0.1:54021`, `[::1]:54021`. */
  local: string;
  /** The pod that took the latest connection, or null. */
  pod: string | null;
  state: RowState;
  /** Connections open now. */
  open: number;
  /** Connections accepted in all. */
  total: number;
  bytesIn: number;
  bytesOut: number;
}

/** The status table: rows in the order their addresses were bound. */
export interface StatusModel {
  rows: StatusRow[];
  /** Per row (same index): the target it belongs to, and the connections open on it. */
  keys: { target: string; remote: string; open: number[] }[];
}

export function emptyStatus(): StatusModel {
  return { rows: [], keys: [] };
}

function targetKey(t: TargetRef): string {
  return `${t.context ?? ''}|${t.namespace}|${t.kind}|${t.name}`;
}

/** `127.0.0.1:54021`, `[::1]:54021`. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The next status table after one event (the model is not mutated). `listening` adds a row; connection events update
 * the row of their local address; `waiting` marks the target's rows until a pod is selected again; `stopped` ends them.
 */
export function applyEvent(model: StatusModel, e: ForwardEvent): StatusModel {
  const key = targetKey(e.target);
  const rows = model.rows.map((r) => ({ ...r }));
  const keys = model.keys.map((k) => ({ ...k, open: [...k.open] }));
  const ofTarget = rows.map((r, i) => ({ r, k: keys[i]! })).filter((x) => x.k.target === key);
  const at = (address: string, port: number) => ofTarget.find((x) => x.r.local === hostPort(address, port));
  switch (e.event) {
    case 'listening': {
      if (at(e.localAddress, e.localPort)) break;
      rows.push({
        target: `${targetText(e.target)}:${e.remotePort}`,
        local: hostPort(e.localAddress, e.localPort),
        pod: null,
        state: ofTarget.some((x) => x.r.state === 'waiting' && x.k.remote === String(e.remotePort)) ? 'waiting' : 'listening',
        open: 0,
        total: 0,
        bytesIn: 0,
        bytesOut: 0,
      });
      keys.push({ target: key, remote: String(e.remotePort), open: [] });
      break;
    }
    case 'pod-selected': {
      for (const { r, k } of ofTarget) {
        if (r.state === 'waiting' && k.remote === String(e.remotePort)) r.state = r.open > 0 ? 'serving' : 'listening';
      }
      const x = at(e.localAddress, e.localPort);
      if (x) x.r.pod = e.pod;
      break;
    }
    case 'connection-opened': {
      const x = at(e.localAddress, e.localPort);
      if (!x) break;
      x.k.open.push(e.connection);
      x.r.open = x.k.open.length;
      x.r.total++;
      x.r.pod = e.pod;
      x.r.state = 'serving';
      break;
    }
    case 'connection-closed': {
      const x = at(e.localAddress, e.localPort);
      if (!x) break;
      const i = x.k.open.indexOf(e.connection);
      // A connection closed before its tunnel opened (it waited, or its tunnel failed) is counted here.
      if (i >= 0) x.k.open.splice(i, 1);
      else x.r.total++;
      x.r.open = x.k.open.length;
      x.r.bytesIn += e.bytesIn;
      x.r.bytesOut += e.bytesOut;
      if (x.r.state === 'serving' && x.r.open === 0) x.r.state = 'listening';
      break;
    }
    case 'waiting':
      for (const { r, k } of ofTarget) if (r.state !== 'stopped' && k.remote === String(e.remotePort)) r.state = 'waiting';
      break;
    case 'stopped':
      for (const { r, k } of ofTarget) {
        r.state = 'stopped';
        r.open = 0;
        k.open = [];
      }
      break;
  }
  return { rows, keys };
}

/** The table as aligned text lines, header first (for a TTY redraw; the UI layer may style it). */
export function statusLines(model: StatusModel): string[] {
  const header = ['TARGET', 'LOCAL', 'POD', 'STATE', 'CONNS', 'IN', 'OUT'];
  const cells = model.rows.map((r) => [
    r.target,
    r.local,
    r.pod ?? '-',
    r.state,
    `${r.open}/${r.total}`,
    formatBytes(r.bytesIn),
    formatBytes(r.bytesOut),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [header, ...cells].map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  '));
}

/** `0 B`, `512 B`, `1.5 kB`, `12.0 MB` (decimal units). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** A line for non-TTY text output: `listening` goes to stdout as kubectl prints it; notices go to stderr. */
export interface TextLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Reasons that are the ordinary end of a connection: not worth a notice. */
const QUIET = new Set(['client-closed', 'remote-closed', 'stopped']);

/**
 * The text lines for one event when output is not a TTY (or `-o text`): `Forwarding from 127.0.0.1:54021 ->
 * svc/web:80` on stdout, as kubectl prints; `Handling connection for 54021` and the notices (a connection closed for a
 * reason worth knowing, waiting for a pod, stopped) on stderr.
 */
export function eventLines(e: ForwardEvent): TextLine[] {
  const t = targetText(e.target);
  switch (e.event) {
    case 'listening':
      return [{ stream: 'stdout', text: `Forwarding from ${hostPort(e.localAddress, e.localPort)} -> ${t}:${e.remotePort}` }];
    case 'pod-selected':
      return [];
    case 'connection-opened':
      return [{ stream: 'stderr', text: `Handling connection for ${e.localPort} (pod ${e.pod}, port ${e.podPort})` }];
    case 'connection-closed': {
      if (QUIET.has(e.reason)) return [];
      const known = ['pod-gone', 'pod-not-ready', 'no-ready-pod', 'tunnel-lost', 'tunnel-failed'].includes(e.reason);
      const what = known ? `${e.reason}${e.message ? `: ${e.message}` : ''}` : e.reason;
      const lines: TextLine[] = [
        { stream: 'stderr', text: `connection ${e.connection} on ${hostPort(e.localAddress, e.localPort)} closed: ${what}` },
      ];
      if (e.hint) lines.push({ stream: 'stderr', text: `  hint: ${e.hint}` });
      return lines;
    }
    case 'waiting': {
      const limit = e.timeoutMs > 0 ? ` (connections wait up to ${formatMs(e.timeoutMs)})` : '';
      const lines: TextLine[] = [{ stream: 'stderr', text: `waiting for a ready pod of ${t}${limit}: ${e.message} [${e.code}]` }];
      if (e.hint) lines.push({ stream: 'stderr', text: `  hint: ${e.hint}` });
      return lines;
    }
    case 'stopped':
      return [
        {
          stream: 'stderr',
          text: `stopped ${t}${e.reason ? ` (${e.reason})` : ''}: ${e.connections} connection${e.connections === 1 ? '' : 's'}, ${formatBytes(e.bytesIn)} in, ${formatBytes(e.bytesOut)} out`,
        },
      ];
  }
}
