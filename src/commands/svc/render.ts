import type { RenderEnv } from '../types.js';
import { readyCountForPort } from '../../core/k8s/endpoints.js';
import type { ServiceReport } from '../../core/svc/explain.js';
import { severitySummary } from '../../output/summary.js';
import { table } from '../../output/table.js';
import { paint, renderFinding } from '../../output/text.js';

const MAX_ROWS = 20;

function yesNo(v: boolean | null): string {
  return v === null ? '-' : v ? 'yes' : 'no';
}

/** The `kdiag svc` text report: the Service, the selector-to-pod table, the endpoints, then the findings. */
export function renderServiceText(r: ServiceReport, env: RenderEnv): string {
  const c = paint(env);
  const out: string[] = [];
  const s = r.summary;
  if (s) {
    const ip =
      s.type === 'ExternalName' ? `-> ${s.externalName ?? ''}` : s.clusterIP === 'None' ? 'headless (clusterIP None)' : (s.clusterIP ?? '');
    const field = (k: string, v: string) => `  ${k.padEnd(10)}${v}`;
    out.push(`${c.bold('Service')} ${s.namespace}/${s.name}`);
    out.push(
      field('type', `${s.type}${ip ? ` ${ip}` : ''}${s.loadBalancer.length ? ` (load balancer ${s.loadBalancer.join(', ')})` : ''}`),
    );
    if (s.type !== 'ExternalName') {
      out.push(
        field(
          'ports',
          s.ports.length
            ? s.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol} -> ${p.targetPort}`).join(', ')
            : '(none)',
        ),
      );
      out.push(
        field(
          'selector',
          s.selector
            ? Object.keys(s.selector)
                .sort()
                .map((k) => `${k}=${s.selector![k]}`)
                .join(',')
            : '(none: endpoints are managed by hand or by an operator)',
        ),
      );
    }
    if (r.names.length)
      out.push(field('dns', r.names.slice(0, 4).join(', ') + (r.names.length > 4 ? ` (+${r.names.length - 4} per-pod names)` : '')));
    if (r.staticOnly && s.type !== 'ExternalName') {
      out.push('');
      out.push(
        c.yellow(
          'Note: the input has no pod status (manifests, or a dump without pods): only static checks ran (selector against pod templates, ports, NetworkPolicies); readiness and endpoints were not checked.',
        ),
      );
    }
    if (s.type !== 'ExternalName') {
      out.push('', ...podSection(r, env), '', ...endpointSection(r, env));
    }
    if (r.routes && r.routes.length > 0) out.push('', ...routeSection(r.routes, env));
    out.push('');
  }
  out.push(...findingSection(r, env));
  return `${out.join('\n')}\n`;
}

function podSection(r: ServiceReport, env: RenderEnv): string[] {
  const c = paint(env);
  const s = r.summary!;
  if (!s.selector) return [`${c.bold('Pods')}: not selected (the Service has no selector)`];
  const keys = Object.keys(s.selector).sort();
  const portKeys = s.ports.map((p) => p.name || String(p.port));
  const noun = r.staticOnly ? 'pods and pod templates' : 'pods';
  if (r.pods.length === 0) {
    return [
      `${c.bold('Pods')}: no ${r.staticOnly ? 'pod or pod template' : 'pod'} in namespace ${s.namespace} matches the selector, and none comes close`,
    ];
  }
  const title = r.podsAreNearMisses
    ? `${c.bold('Pods')}: none matches the selector; the closest ${noun} in namespace ${s.namespace}:`
    : `${c.bold('Pods')} matching the selector (${r.pods.length}):`;
  const head = [
    r.staticOnly ? 'POD/TEMPLATE' : 'POD',
    ...keys.map((k) => `${k}=${s.selector![k]}`),
    'READY',
    'PHASE',
    'IP',
    'NODE',
    ...portKeys.map((k) => `PORT ${k}`),
  ];
  if (env.wide) head.push('LABELS');
  const rows = (env.wide ? r.pods : r.pods.slice(0, MAX_ROWS)).map((p) => {
    const cells = [
      p.name,
      ...keys.map((k) => {
        const m = p.selectorMatch[k];
        if (m === 'matched') return c.green('yes');
        if (m === 'differs') return c.red(`no: ${p.labels[k]}`);
        return c.red('no: (missing)');
      }),
      r.staticOnly ? '-' : p.ready === null ? '-' : p.ready ? c.green('yes') : c.red('no'),
      p.phase ?? '-',
      p.ip ?? '-',
      p.node ?? '-',
      ...portKeys.map((k) =>
        p.targetPorts[k] === undefined || p.targetPorts[k] === null
          ? r.podsAreNearMisses
            ? '-'
            : c.red('none')
          : String(p.targetPorts[k]),
      ),
    ];
    if (env.wide)
      cells.push(
        Object.keys(p.labels)
          .sort()
          .map((k) => `${k}=${p.labels[k]}`)
          .join(','),
      );
    return cells;
  });
  const lines = [title, indent(table(head, rows))];
  if (!env.wide && r.pods.length > MAX_ROWS) lines.push(`  ... and ${r.pods.length - MAX_ROWS} more (-o wide shows all)`);
  return lines;
}

function endpointSection(r: ServiceReport, env: RenderEnv): string[] {
  const c = paint(env);
  if (r.staticOnly && r.endpoints.length === 0) return [`${c.bold('Endpoints')}: not known offline (the input has no status)`];
  if (!r.endpointsKnown) {
    const why = r.source === 'live' ? 'its EndpointSlices could not be read' : 'the input holds no EndpointSlices';
    return [`${c.bold('Endpoints')}: not known (${why})`];
  }
  if (r.endpoints.length === 0) return [`${c.bold('Endpoints')}: none (no EndpointSlice lists an address)`];
  const ready = r.endpoints.filter((e) => e.ready).length;
  const head = ['SLICE', 'ADDRESS', 'READY', 'SERVING', 'TERMINATING', 'POD', 'NODE', 'PORTS'];
  const rows = (env.wide ? r.endpoints : r.endpoints.slice(0, MAX_ROWS)).map((e) => [
    e.slice,
    e.ip,
    e.ready ? c.green('yes') : c.red('no'),
    yesNo(e.serving),
    yesNo(e.terminating),
    e.pod ?? '-',
    e.nodeName ?? '-',
    e.ports.length ? e.ports.map((p) => `${p.name || '(unnamed)'}=${p.port ?? '?'}/${p.protocol}`).join(' ') : c.red('(none)'),
  ]);
  const perPort = r.summary!.ports.map((p) => {
    const n = readyCountForPort(r.endpoints, { name: p.name, port: p.port });
    return `${p.name || p.port} ${n === 0 ? c.red('0') : n}`;
  });
  const lines = [
    `${c.bold('Endpoints')} (${r.endpoints.length} address${r.endpoints.length === 1 ? '' : 'es'}, ${ready} ready; ready per Service port: ${perPort.join(', ')}):`,
    indent(table(head, rows)),
  ];
  if (!env.wide && r.endpoints.length > MAX_ROWS) lines.push(`  ... and ${r.endpoints.length - MAX_ROWS} more (-o wide shows all)`);
  return lines;
}

/** The Ingress paths and HTTPRoute rules that send to the Service, one line each (only when there are some). */
function routeSection(routes: NonNullable<ServiceReport['routes']>, env: RenderEnv): string[] {
  const c = paint(env);
  const shown = env.wide ? routes : routes.slice(0, MAX_ROWS);
  const lines = [`${c.bold('Routes')} to the Service (${routes.length}):`];
  for (const r of shown) lines.push(`  ${r.ok ? c.green('ok    ') : c.red('broken')} ${r.kind} ${r.namespace}/${r.name} ${r.rule}`);
  if (!env.wide && routes.length > MAX_ROWS) lines.push(`  ... and ${routes.length - MAX_ROWS} more (-o wide shows all)`);
  return lines;
}

function findingSection(r: ServiceReport, env: RenderEnv): string[] {
  const c = paint(env);
  if (r.findings.length === 0) {
    const ports = r.summary?.ports ?? [];
    const allPortsReady = ports.length > 0 && ports.every((p) => readyCountForPort(r.endpoints, { name: p.name, port: p.port }) > 0);
    return [c.green(allPortsReady ? 'No problems found: the Service has ready endpoints on every port.' : 'No problems found.')];
  }
  return [
    `${c.bold('Findings')} (most causal first):`,
    '',
    r.findings.map((f) => renderFinding(f, env)).join('\n\n'),
    '',
    severitySummary(r.findings.map((f) => f.severity)),
  ];
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
