/** The parts of a `yaml` parse error that say what and where (the library's YAMLError, structurally). */
export interface YamlErrorLike {
  message: string;
  linePos?: readonly { line: number; col: number }[] | undefined;
}

/**
 * `FILE:LINE:COL: invalid YAML: MESSAGE`, as compilers print positions (1-based), with only the message's first
 * line: the library's own text can append a code frame, which does not fit a one-line error.
 */
export function describeYamlError(file: string, err: YamlErrorLike, fallback?: { line: number; col: number }): string {
  const pos = err.linePos?.[0] ?? fallback;
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return `${where}: invalid YAML: ${message}`;
}
