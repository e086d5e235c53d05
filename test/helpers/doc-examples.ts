import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Example commands in the docs, found by their markers: an HTML comment
 * `<!-- kdiag-example: offline | live | skip: reason [exit=N] -->` right before a fenced block. A block holding a
 * kdiag command without a marker is itself an error, so no example escapes the tests.
 */
export interface DocExample {
  /** `README.md:95`: where the command is. */
  where: string;
  mode: 'offline' | 'live' | 'skip';
  reason?: string;
  /** The exit status the example must end with; undefined: 0 or 1 (a diagnosis, with or without findings). */
  exit?: number;
  /** argv after the program name. */
  args: string[];
  /** Written as `kubectl kdiag ...` (the plugin form). */
  plugin?: boolean;
  /** Output lines the run must print, in this order (`...` lines skipped). */
  expected: string[];
}

export interface DocScan {
  examples: DocExample[];
  /** Blocks with a kdiag command and no marker. */
  unmarked: string[];
}

const MARKER = /^<!--\s*kdiag-example:\s*(offline|live|skip)(?::\s*([^>]*?))?(?:\s+exit=(\d+))?\s*-->\s*$/;
const COMMAND = /^(?:\$ )?(?:\.\/bin\/kdiag|kubectl kdiag|kdiag)(?:\s|$)/;

/** The Markdown files to scan: README.md and everything under docs/. */
export function docFiles(root: string): string[] {
  const out = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(p);
    }
  };
  try {
    walk(join(root, 'docs'));
  } catch {
    // no docs/ folder
  }
  return out;
}

/** Splits a command line as a POSIX shell would for words and quotes; throws on pipes, redirections and `$(...)`. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '#' && !has && cur === '') {
      break; // a comment to the end of the line
    } else if (/\s/.test(ch)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else if ('|<>;&`'.includes(ch) || (ch === '$' && line[i + 1] === '(')) {
      throw new Error(`shell syntax "${ch}" in an example: mark it skip, or write it without`);
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) throw new Error('unclosed quote');
  if (has) words.push(cur);
  return words;
}

/** Finds the marked examples and the unmarked command blocks of one Markdown text. */
export function scanMarkdown(text: string, file: string): DocScan {
  const lines = text.split('\n');
  const examples: DocExample[] = [];
  const unmarked: string[] = [];
  let marker: RegExpExecArray | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = MARKER.exec(line.trim());
    if (m) {
      marker = m;
      continue;
    }
    if (!line.trimStart().startsWith('```')) {
      if (line.trim() !== '') marker = undefined;
      continue;
    }
    // A fenced block from line i to its closing fence.
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith('```')) end++;
    const body = lines.slice(i + 1, end);
    const commands = body.map((l, k) => ({ l, k })).filter(({ l }) => COMMAND.test(l));
    if (commands.length > 0 && !marker) unmarked.push(`${file}:${i + 1}`);
    if (commands.length > 0 && marker) {
      const [, mode, reason, exit] = marker;
      const prompt = body.some((l) => l.startsWith('$ '));
      commands.forEach(({ l, k }) => {
        // Output follows a `$ ` command in a console block, up to the next `$ ` line; `$ echo $?` then a number
        // states the exit status.
        let next = k + 1;
        while (next < body.length && !body[next]!.startsWith('$ ')) next++;
        const expected = prompt
          ? body
              .slice(k + 1, next)
              .map((o) => o.trimEnd())
              .filter((o) => o !== '' && o.trim() !== '...')
          : [];
        const echoed = body[next] === '$ echo $?' && /^\d+$/.test(body[next + 1] ?? '') ? Number(body[next + 1]) : undefined;
        const status = exit !== undefined ? Number(exit) : echoed;
        const words = mode === 'skip' ? [] : splitCommand(l.replace(/^\$ /, ''));
        const args = words[0] === 'kubectl' ? words.slice(2) : words.slice(1);
        examples.push({
          where: `${file}:${i + 2 + k}`,
          mode: mode as DocExample['mode'],
          ...(reason ? { reason: reason.trim() } : {}),
          ...(status !== undefined ? { exit: status } : {}),
          args,
          ...(words[0] === 'kubectl' ? { plugin: true } : {}),
          expected,
        });
      });
    }
    marker = undefined;
    i = end;
  }
  return { examples, unmarked };
}

/** Scans README.md and docs/ under `root`. */
export function scanDocs(root: string): DocScan {
  const all: DocScan = { examples: [], unmarked: [] };
  for (const f of docFiles(root)) {
    const s = scanMarkdown(readFileSync(f, 'utf8'), relative(root, f));
    all.examples.push(...s.examples);
    all.unmarked.push(...s.unmarked);
  }
  return all;
}

/** The example lines under "Examples:" in a command's `--help` text, as argv after the program name. */
export function helpExamples(help: string): { line: string; args: string[] | undefined }[] {
  const at = help.indexOf('\nExamples:\n');
  if (at < 0) return [];
  const out: { line: string; args: string[] | undefined }[] = [];
  for (const raw of help.slice(at + '\nExamples:\n'.length).split('\n')) {
    if (!raw.startsWith('  ')) break;
    const line = raw.trim();
    let args: string[] | undefined;
    try {
      const words = splitCommand(line);
      const k = words.indexOf('kdiag');
      args = k >= 0 ? words.slice(k + 1) : undefined;
    } catch {
      args = undefined; // a pipeline: run by no test, which the caller reports
    }
    out.push({ line, args });
  }
  return out;
}

/** True when every expected line appears in `output`, in order. */
export function containsInOrder(output: string, expected: readonly string[]): { ok: boolean; missing?: string } {
  const lines = output.split('\n').map((l) => l.trimEnd());
  let at = 0;
  for (const want of expected) {
    const found = lines.findIndex((l, i) => i >= at && l === want);
    if (found < 0) return { ok: false, missing: want };
    at = found + 1;
  }
  return { ok: true };
}

/** A run of an example: the exit status it must have, its output in order, and never a stack trace. */
export function expectExampleRun(
  e: Pick<DocExample, 'where' | 'exit' | 'expected'>,
  r: { status: number | null; stdout: string; stderr: string },
): void {
  const output = `${r.stdout}${r.stderr}`;
  const context = `${e.where}\n${output}`;
  if (e.exit !== undefined) expect({ context, status: r.status }).toEqual({ context, status: e.exit });
  else expect({ context, status: [0, 1].includes(r.status ?? -1) }).toEqual({ context, status: true });
  expect({ context, stack: /^\s+at /m.test(r.stderr) }).toEqual({ context, stack: false });
  expect({ context, ...containsInOrder(output, e.expected) }).toEqual({ context, ok: true });
}
