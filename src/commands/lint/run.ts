import { statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { LINT_ENTRIES } from '../../core/lint/catalogue.js';
import type { LintSettings } from '../../core/lint/engine.js';
import ipaddr from 'ipaddr.js';
import { LINT_CODES } from '../../core/lint/catalogue.js';
import { classifyLiteral } from '../../core/lint/classify.js';
import {
  defaultRanges,
  describeRange,
  isValidCidr,
  matchRanges,
  namedRanges,
  parseCidr,
  type NamedRange,
  type RangeKind,
} from '../../core/lint/ranges.js';
import type { Address, Literal } from '../../core/lint/scan.js';
import type { FileFinding } from '../../lint/scan-file.js';
import type { TreeDeclaration } from '../../lint/scan-tree.js';
import type { Finding } from '../../core/finding.js';
import { InterruptedError, UsageError } from '../../errors.js';
import { scanTree } from '../../lint/scan-tree.js';
import { VERSION } from '../../version.js';
import type { Context, Outcome } from '../types.js';
import { defaultJobs } from './jobs.js';
import type { LintOptions } from './options.js';

/** One finding of `kdiag lint -o json` (schemaVersion 1). */
export interface LintJsonFinding {
  file: string;
  line: number;
  column: number;
  /** Absent only for `suppression-without-reason`. */
  ip?: string;
  code: string;
  severity: Finding['severity'];
  message: string;
  hint: string;
  object?: Finding['object'];
  /** The finding shape every command shares: the line as evidence, and where it is. */
  evidence: Finding['evidence'];
  location: NonNullable<Finding['location']>;
}

export { defaultJobs, MAX_JOBS, parseJobs } from './jobs.js';
export type { LintOptions } from './options.js';

/**
 * The CIDR flags. Here rather than in options.ts: the range code is needed only once lint runs, and `kdiag lint`
 * then loads this module anyway (one bundle chunk: scripts/build.mjs), so validating costs no extra file.
 */
export function validateLintOptions(options: LintOptions): void {
  for (const [values, what] of [
    [options.podCidrs, '--pod-cidr'],
    [options.serviceCidrs, '--service-cidr'],
  ] as const) {
    for (const v of values) {
      if (!isValidCidr(v)) throw new UsageError(`invalid ${what} "${v}"`, 'give a CIDR such as 10.244.0.0/16 or fd00:10:244::/56');
    }
  }
}

export async function runLint(opts: LintOptions, ctx: Context): Promise<Outcome> {
  const jobs = opts.jobs ?? defaultJobs();
  const roots = opts.roots;
  for (const r of roots) {
    try {
      statSync(resolve(ctx.cwd, r));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        code === 'ENOENT' ? `path not found: ${r}` : `cannot read ${r}: ${code ?? String(e)}`,
        'kdiag lint takes files and folders that exist (default: the current folder)',
      );
    }
  }

  const config = await ctx.config();
  const lintConfig = config.lint ?? {};
  const where = config.path ? relative(ctx.cwd, config.path) || '.kdiag.yaml' : '.kdiag.yaml';
  // A typo in lint.disable would silently disable nothing: name it.
  const codes = LINT_ENTRIES.map((e) => e.code);
  for (const code of lintConfig.disable ?? []) {
    if (!codes.includes(code)) {
      const near = (await import('../../core/suggest.js')).closeNames(code, codes, 1)[0];
      throw new UsageError(
        `${where}: unknown finding code "${code}" in lint.disable`,
        `${near ? `did you mean "${near}"? ` : ''}(kdiag lint reports ${codes.join(', ')})`,
      );
    }
  }
  for (const [key, values] of [
    ['lint.allow', lintConfig.allow],
    ['lint.podCidrs', lintConfig.podCidrs],
    ['lint.serviceCidrs', lintConfig.serviceCidrs],
  ] as const) {
    for (const v of values ?? []) {
      if (!isValidCidr(v))
        throw new UsageError(`${where}: invalid CIDR "${v}" in ${key}`, 'give CIDRs such as 10.0.0.0/8, or single addresses');
    }
  }

  // Ranges: flags, then .kdiag.yaml, then the live cluster, then the defaults table; per kind (pod, Service).
  let pod: NamedRange[] = namedRanges(opts.podCidrs, 'pod', '--pod-cidr');
  let service: NamedRange[] = namedRanges(opts.serviceCidrs, 'service', '--service-cidr');
  if (pod.length === 0) pod = namedRanges(lintConfig.podCidrs ?? [], 'pod', where);
  if (service.length === 0) service = namedRanges(lintConfig.serviceCidrs ?? [], 'service', where);
  const extraFindings: Finding[] = [];
  let objects: LintSettings['objects'];
  if (opts.cluster) {
    const stop = ctx.progress('reading pod and Service ranges from the cluster');
    try {
      // Only --cluster needs this code (and the pod and selector helpers it imports).
      const { readClusterFacts } = await import('../../lint/cluster.js');
      // The general catalogue's builders suggest close names (fastest-levenshtein): only --cluster needs them.
      const { rbacPartial } = await import('../../core/general-catalogue.js');
      const facts = await readClusterFacts(await ctx.cluster(), opts.clusterDomain);
      objects = facts.objects;
      if (pod.length === 0) pod = namedRanges(facts.podCidrs, 'pod', facts.podSource);
      if (service.length === 0) service = namedRanges(facts.serviceCidrs, 'service', facts.serviceSource);
      extraFindings.push(
        ...rbacPartial(facts.denied, {
          means: () => 'addresses of these objects are not named',
          alternative: 'give the ranges with --pod-cidr / --service-cidr',
        }),
      );
    } finally {
      stop();
    }
  }
  const defaults = defaultRanges();
  if (pod.length === 0) pod = defaults.filter((r) => r.kind === 'pod');
  if (service.length === 0) service = defaults.filter((r) => r.kind === 'service');
  // With --cluster, one sentence says which ranges were used and where they came from, most of all when the
  // cluster's could not be read and the distributions' defaults stand in.
  const guessed = [...pod, ...service].some((r) => r.source === 'default');
  if (opts.cluster && guessed) ctx.warn(rangesSentence(pod, service));

  const settings: LintSettings & { ranges: NamedRange[] } = {
    ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
    strict: opts.strict,
    includeComments: opts.includeComments,
    ranges: [...pod, ...service],
    allow: (lintConfig.allow ?? []).map((c) => parseCidr(c)).filter((x): x is [Address, number] => x !== undefined),
    disabled: new Set(lintConfig.disable ?? []),
    ...(objects ? { objects } : {}),
  };

  const scanned = await (async () => {
    const stop = ctx.progress('scanning files');
    try {
      return await scanTree({
        walk: {
          cwd: ctx.cwd,
          roots,
          ignorePaths: lintConfig.ignorePaths ?? [],
          ignoreBase: config.path ? dirname(config.path) : ctx.cwd,
          includeTests: opts.includeTests || lintConfig.includeTests === true,
        },
        settings,
        jobs,
        warn: (m) => ctx.warn(m),
        signal: ctx.signal,
        interrupted: () => new InterruptedError(ctx.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'),
        ...(ctx.globals.debug ? { debug: (line: string) => void ctx.io.err.write(`debug: ${line}\n`) } : {}),
      });
    } finally {
      stop();
    }
  })();
  const { files, unreadable, testFiles } = scanned;
  // Ranges declared in the scanned tree stand in for the guessed defaults (never for flags, config or cluster).
  const declaredPod = pod.every((r) => r.source === 'default') ? declaredRanges(scanned.declared, 'pod') : [];
  const declaredService = service.every((r) => r.source === 'default') ? declaredRanges(scanned.declared, 'service') : [];
  let fileFindings = scanned.fileFindings;
  if (declaredPod.length > 0 || declaredService.length > 0) {
    if (declaredPod.length > 0) pod = declaredPod;
    if (declaredService.length > 0) service = declaredService;
    settings.ranges = [...pod, ...service];
    fileFindings = reclassify(fileFindings, settings);
  }

  // The findings as Finding objects (evidence, location) only for the formats that print them: -o json needs
  // none, and the exit status only the severities.
  let built: Finding[] | undefined;
  const findings = (): Finding[] =>
    (built ??= [
      ...extraFindings,
      ...fileFindings.map(({ file, f }) => {
        const finding: Finding = {
          code: f.code,
          severity: f.severity,
          message: f.message,
          evidence: evidenceOf(f, settings.ranges),
          hint: f.hint,
          location: { file, line: f.line, column: f.column, endColumn: f.endColumn },
        };
        if (f.object) finding.object = f.object;
        return finding;
      }),
    ]);
  const json: LintJsonFinding[] = fileFindings.map(({ file, f }) => {
    // Key order is the documented one: file, line, column, ip, code, severity, message, hint, object.
    // Two literals rather than a spread for `ip` (a spread is a runtime call per finding).
    const evidence = evidenceOf(f, settings.ranges);
    const location = { file, line: f.line, column: f.column, endColumn: f.endColumn };
    const j: LintJsonFinding =
      f.ip !== undefined
        ? {
            file,
            line: f.line,
            column: f.column,
            ip: f.ip,
            code: f.code,
            severity: f.severity,
            message: f.message,
            hint: f.hint,
            evidence,
            location,
          }
        : {
            file,
            line: f.line,
            column: f.column,
            code: f.code,
            severity: f.severity,
            message: f.message,
            hint: f.hint,
            evidence,
            location,
          };
    if (f.object) j.object = f.object;
    return j;
  });

  const summary = { files, unreadable, testFiles };
  return {
    // Object-less findings (rbac-partial) go in `findings` as in every command, first, as the text and SARIF show
    // them; `notes` keeps them too, as lint printed them before (schemaVersion 1 is additive).
    document:
      extraFindings.length > 0
        ? {
            findings: [...extraFindings, ...json],
            notes: extraFindings.map(({ code, severity, message, hint }) => ({ code, severity, message, hint })),
          }
        : { findings: json },
    get findings() {
      return findings();
    },
    severities: [...extraFindings.map((f) => f.severity), ...fileFindings.map(({ f }) => f.severity)],
    renderers: {
      // Imported when printed, so -o json loads neither the text report (nor chalk) nor the SARIF builder.
      text: async (env) => {
        const { lintStyles, renderText } = await import('./render.js');
        return renderText(findings(), summary, await lintStyles(env));
      },
      sarif: async () => {
        const { buildSarif } = await import('../../output/sarif.js');
        return `${JSON.stringify(buildSarif(findings(), { tool: { name: 'kdiag', version: VERSION }, catalogue: LINT_ENTRIES, srcRoot: ctx.cwd }), null, 2)}\n`;
      },
      github: () => renderGithub(findings()),
    },
  };
}

/** Escapes for GitHub workflow commands: data escapes %, CR, LF; properties also `:` and `,`. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow-command annotations: `::error file=..,line=..,col=..::message`. */
export function renderGithub(findings: readonly Finding[]): string {
  const lines = findings.map((f) => {
    const level = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const props: string[] = [];
    if (f.location) {
      props.push(`file=${escapeProperty(f.location.file)}`, `line=${f.location.line}`, `col=${f.location.column}`);
      if (f.location.endColumn !== undefined) props.push(`endColumn=${f.location.endColumn}`);
    }
    props.push(`title=${escapeProperty(f.code)}`);
    return `::${level} ${props.join(',')}::${escapeData(`${f.message}. ${f.hint}`)}`;
  });
  return lines.join('\n');
}

/** `lint --cluster used pod ranges 10.244.0.0/16 (the cluster's node podCIDRs) and Service ranges ... (guessed: ...)`. */
export function rangesSentence(pod: readonly NamedRange[], service: readonly NamedRange[]): string {
  const part = (rs: readonly NamedRange[], noun: string): string => {
    const cidrs = rs.map((r) => r.cidr).join(', ');
    if (rs.length === 0) return `no ${noun} range`;
    if (rs.every((r) => r.source === 'default')) {
      return `${noun} ranges ${cidrs} (guessed: the distributions' defaults, as the cluster's could not be read)`;
    }
    return `${noun} ranges ${cidrs} (from ${[...new Set(rs.map((r) => r.source))].join('; ')})`;
  };
  return `lint --cluster used ${part(pod, 'pod')} and ${part(service, 'Service')}; --pod-cidr and --service-cidr set them`;
}

/** The declared ranges of one kind as named ranges, one per CIDR, the source naming every file:line. */
function declaredRanges(declared: readonly TreeDeclaration[], kind: RangeKind): NamedRange[] {
  const where = new Map<string, string[]>();
  for (const d of declared) {
    if (d.kind !== kind || !isValidCidr(d.cidr)) continue;
    const list = where.get(d.cidr) ?? [];
    list.push(`${d.file}:${d.line}`);
    where.set(d.cidr, list);
  }
  const out: NamedRange[] = [];
  for (const [cidr, places] of where) {
    const more = places.length > 3 ? ` and ${places.length - 3} more` : '';
    out.push(...namedRanges([cidr], kind, `${places.slice(0, 3).join(', ')}${more}`));
  }
  return out;
}

/** The findings classified again against `settings.ranges` (after ranges declared in the tree were found). */
function reclassify(findings: readonly { file: string; f: FileFinding }[], settings: LintSettings): { file: string; f: FileFinding }[] {
  const out: { file: string; f: FileFinding }[] = [];
  for (const x of findings) {
    const f = x.f;
    if (f.ip === undefined || f.code === LINT_CODES.suppressionWithoutReason) {
      out.push(x);
      continue;
    }
    let addr: Address;
    try {
      addr = ipaddr.process(f.ip.split('%')[0]!);
    } catch {
      out.push(x);
      continue;
    }
    const lit: Literal = { text: f.ip, family: f.ip.includes(':') ? 6 : 4, start: 0, end: f.ip.length, addr };
    const c = classifyLiteral(lit, f.ip, settings);
    if (settings.disabled.has(c.code)) continue;
    out.push({ file: x.file, f: { ...f, code: c.code, severity: c.severity, message: c.message, hint: c.hint } });
  }
  return out;
}

/** Evidence of a finding: its line, and for a pod or Service IP, the range it is in and where that came from. */
function evidenceOf(f: FileFinding, ranges: readonly NamedRange[]): Finding['evidence'] {
  const line = { kind: 'line', value: f.excerpt };
  if (f.ip === undefined || (f.code !== LINT_CODES.pod && f.code !== LINT_CODES.service) || f.object !== undefined) return [line];
  let addr: Address;
  try {
    addr = ipaddr.process(f.ip.split('%')[0]!);
  } catch {
    return [line];
  }
  const kind: RangeKind = f.code === LINT_CODES.pod ? 'pod' : 'service';
  const matched = matchRanges(ranges, addr).filter((r) => r.kind === kind);
  const best = matched[0];
  if (best === undefined) return [line];
  const described = describeRange(best, matched);
  const value = best.source === 'default' ? `guessed: ${described} (no ${kind === 'pod' ? 'pod' : 'Service'} range is known)` : described;
  return [line, { kind: 'range', value }];
}
