import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { CatalogueEntry } from '../core/catalogue.js';
import type { Finding, ObjectRef, Severity } from '../core/finding.js';
import { REPOSITORY } from '../version.js';

/**
 * A generic SARIF 2.1.0 builder for findings that carry a file `location` (GitHub code scanning and other
 * SARIF consumers). Rules come from the catalogue, with the finding code as the stable `ruleId`; locations are
 * relative URIs under the `SRCROOT` base, and each result has a `partialFingerprints` entry that survives
 * unrelated edits above the line (it hashes the rule, file, the trimmed line text and the occurrence count).
 * With a repository, each catalogue rule's `helpUri` is its page, docs/codes/<code>.md, at the release's tag.
 */

export interface SarifTool {
  name: string;
  version: string;
  informationUri?: string;
}

export interface SarifOptions {
  tool: SarifTool;
  /** Catalogue entries for the rules; codes of findings missing from it still get a minimal rule. */
  catalogue: readonly CatalogueEntry[];
  /** Absolute folder the relative paths are relative to: becomes `originalUriBaseIds.SRCROOT`. */
  srcRoot?: string;
  /**
   * The source repository, as package.json's `repository` gives it: rules then get
   * `helpUri: <repository>/blob/v<tool.version>/docs/codes/<code>.md`. Default: the one the bundle was built with
   * (none from source, or when package.json has none: then there is no helpUri).
   */
  repository?: string;
  /**
   * For findings about a Kubernetes object (`object`, no file `location`): where the object's document is, relative
   * to `srcRoot` (offline input: GitHub shows only results with a physical location). Each such finding also gets
   * the object as a logical location.
   */
  objectLocation?: (object: ObjectRef) => { file: string; line: number } | undefined;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SRCROOT = 'SRCROOT';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * A repository URL as package.json may give it, as a browsable https URL without a trailing `.git`:
 * `git+https://host/o/r.git`, `git://host/o/r`, `git+ssh://git@host/o/r.git`, `git@host:o/r.git`, and npm's
 * GitHub shorthands `github:o/r` and `o/r`. Undefined for anything else (no helpUri rather than a broken one).
 */
export function repositoryWebUrl(raw: string | undefined): string | undefined {
  let url = (raw ?? '').trim().replace(/^git\+/, '');
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(url);
  if (shorthand) url = `https://github.com/${shorthand[1]}`;
  url = url
    .replace(/^git:\/\//, 'https://')
    .replace(/^ssh:\/\/git@([^/:]+)(?::\d+)?\//, 'https://$1/')
    .replace(/^git@([^:/]+):/, 'https://$1/')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  return /^https?:\/\/[^/\s]+\/\S+$/.test(url) ? url : undefined;
}

function rule(entry: CatalogueEntry, help: ((code: string) => string) | undefined): ReportingDescriptor {
  return {
    id: entry.code,
    name: entry.code
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: entry.title },
    fullDescription: { text: entry.meaning },
    help: {
      text: `${entry.meaning}\n\nDetection: ${entry.detection}\n\nFix: ${entry.fix}`,
      markdown: `${entry.meaning}\n\n**Detection:** ${entry.detection}\n\n**Fix:** ${entry.fix}`,
    },
    ...(help ? { helpUri: help(entry.code) } : {}),
    defaultConfiguration: { level: LEVEL[entry.severity] },
  };
}

function fingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** Builds one SARIF log with one run. Findings without a location are reported without one. */
export function buildSarif(findings: readonly Finding[], opts: SarifOptions): Log {
  const byCode = new Map(opts.catalogue.map((e) => [e.code, e]));
  const repository = repositoryWebUrl('repository' in opts ? opts.repository : REPOSITORY);
  const help = repository
    ? (code: string) => `${repository}/blob/v${encodeURIComponent(opts.tool.version)}/docs/codes/${code}.md`
    : undefined;
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const ruleFor = (code: string, severity: Severity): number => {
    let i = ruleIndex.get(code);
    if (i === undefined) {
      const entry = byCode.get(code);
      rules.push(entry ? rule(entry, help) : { id: code, defaultConfiguration: { level: LEVEL[severity] } });
      i = rules.length - 1;
      ruleIndex.set(code, i);
    }
    return i;
  };
  // Catalogue order first, so rule indices do not depend on which findings came up.
  for (const e of opts.catalogue) ruleFor(e.code, e.severity);

  const seen = new Map<string, number>();
  const results: Result[] = findings.map((f) => {
    const result: Result = {
      ruleId: f.code,
      ruleIndex: ruleFor(f.code, f.severity),
      level: LEVEL[f.severity],
      message: { text: f.hint ? `${f.message}${f.message.endsWith('.') ? '' : '.'} ${f.hint}` : f.message },
    };
    if (f.location) {
      const loc = f.location;
      const region: NonNullable<NonNullable<Result['locations']>[number]['physicalLocation']>['region'] = {
        startLine: loc.line,
        startColumn: loc.column,
      };
      if (loc.endColumn !== undefined) region.endColumn = loc.endColumn;
      const snippet = f.evidence.find((e) => e.kind === 'line')?.value;
      if (snippet !== undefined) region.snippet = { text: snippet };
      result.locations = [{ physicalLocation: { artifactLocation: { uri: encodeURI(loc.file), uriBaseId: SRCROOT }, region } }];
      const key = [f.code, loc.file, (snippet ?? '').trim()].join('\u0000');
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      result.partialFingerprints = { 'kdiagFindingHash/v1': `${fingerprint([f.code, loc.file, (snippet ?? '').trim()])}:${n}` };
    }
    if (f.object) {
      const o = f.object;
      const fqn = [o.kind, o.namespace, o.name].filter(Boolean).join('/');
      result.locations ??= [{}];
      result.locations[0]!.logicalLocations = [
        { kind: 'object', name: o.name, fullyQualifiedName: fqn, ...(o.namespace ? { decoratedName: `${o.namespace}/${o.name}` } : {}) },
      ];
      const at = f.location ? undefined : opts.objectLocation?.(o);
      if (at) {
        result.locations[0]!.physicalLocation = {
          artifactLocation: { uri: encodeURI(at.file), uriBaseId: SRCROOT },
          region: { startLine: at.line },
        };
        const key = [f.code, at.file, fqn].join('\u0000');
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        result.partialFingerprints = { 'kdiagFindingHash/v1': `${fingerprint([f.code, at.file, fqn])}:${n}` };
      }
    }
    return result;
  });

  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: opts.tool.name,
            version: opts.tool.version,
            semanticVersion: opts.tool.version,
            ...(opts.tool.informationUri ? { informationUri: opts.tool.informationUri } : {}),
            rules,
          },
        },
        columnKind: 'unicodeCodePoints',
        results,
      },
    ],
  };
  if (opts.srcRoot) {
    const uri = pathToFileURL(opts.srcRoot).href;
    log.runs[0]!.originalUriBaseIds = { [SRCROOT]: { uri: uri.endsWith('/') ? uri : `${uri}/` } };
  }
  return log;
}
