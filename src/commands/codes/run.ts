import { closeNames } from '../../core/suggest.js';
import { ALL_ENTRIES, CATALOGUE } from '../../core/catalogues.js';
import type { CatalogueEntry } from '../../core/catalogue.js';
import { UsageError } from '../../errors.js';
import type { Outcome } from '../types.js';
import type { ChalkInstance } from 'chalk';

/** Options of `kdiag codes`. */
export interface CodesOptions {
  /** The code to explain; all codes when unset. */
  code?: string;
}

async function listText(entries: readonly CatalogueEntry[]): Promise<string> {
  const { table } = await import('../../output/table.js');
  return table(
    ['CODE', 'SEVERITY', 'COMMAND', 'TITLE'],
    entries.map((e) => [e.code, e.severity, e.area, e.title]),
  );
}

function explainText(e: CatalogueEntry, c: ChalkInstance): string {
  return [
    `${c.bold(e.code)} (${e.severity}, kdiag ${e.area}): ${e.title}`,
    '',
    `${c.bold('Meaning:')} ${e.meaning}`,
    `${c.bold('Detection:')} ${e.detection}`,
    `${c.bold('Fix:')} ${e.fix}`,
  ].join('\n');
}

/** The catalogue as Markdown: one table row per code (the README section between the catalogue markers). */
export function catalogueMarkdown(entries: readonly CatalogueEntry[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = entries.map(
    (e) => `| \`${e.code}\` | ${e.area} | ${e.severity} | ${esc(e.meaning)} | ${esc(e.detection)} | ${esc(e.fix)} |`,
  );
  return [
    '| code | command | severity | what it means | how kdiag detects it | how to fix it |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** An unknown code is a usage error, with the closest known one. */
export function validateCodes(options: CodesOptions): void {
  const code = options.code;
  if (code === undefined || CATALOGUE.has(code)) return;
  const near = closeNames(
    code,
    ALL_ENTRIES.map((e) => e.code),
    1,
  )[0];
  throw new UsageError(
    `unknown finding code "${code}"`,
    near ? `did you mean "${near}"? (kdiag codes lists them all)` : 'kdiag codes lists them all',
  );
}

/** Lists the catalogue, or explains one code. */
export async function runCodes(options: CodesOptions): Promise<Outcome> {
  validateCodes(options);
  const code = options.code;
  const entries: readonly CatalogueEntry[] = code === undefined ? ALL_ENTRIES : [CATALOGUE.get(code)!];
  return {
    // `command` names the command that reports the code, as the text's COMMAND column does; `area` stays (a contract).
    document: { codes: entries.map((e) => ({ ...e, command: e.area })) },
    findings: [],
    renderers: {
      // chalk and cli-table3 are imported only for the text output.
      text: async (env) => {
        if (code === undefined) return listText(entries);
        const c = (await import('../../output/text.js')).paint(env);
        return entries.map((e) => explainText(e, c)).join('\n');
      },
      markdown: () => catalogueMarkdown(entries),
    },
  };
}
