/**
 * One row of the exit-status table: a status, what it means, and the commands that can exit with it (by name).
 * The same status may have several rows when it means different things to different commands.
 */
export interface ExitStatusRow {
  status: number;
  meaning: string;
  commands: readonly string[];
}

const CLUSTER_FAILED = 'cluster access failed (no kubeconfig, unknown context, unreachable, TLS, 401, 403 on a required read)';

/**
 * Every exit status of every command: the one table each command's `--help` and the docs are generated from.
 * A command's exit rules (the report's findings, an EventStream's `exitStatus`) must not return a status that has
 * no row for it here.
 */
export const EXIT_STATUSES: readonly ExitStatusRow[] = [
  { status: 0, meaning: 'no finding at or above --fail-on (default: error)', commands: ['svc', 'audit', 'dns', 'route', 'lint'] },
  { status: 0, meaning: 'done', commands: ['codes'] },
  { status: 0, meaning: 'stopped by SIGINT or SIGTERM (the normal end of a forward), after a stopped event', commands: ['forward'] },
  {
    status: 1,
    meaning: 'a finding at or above --fail-on (JSON output is still complete)',
    commands: ['svc', 'audit', 'dns', 'route', 'lint'],
  },
  {
    status: 1,
    meaning:
      'the target cannot serve (not found, no ready pod, ExternalName) and --wait is not given: why on stderr, nothing left listening',
    commands: ['forward'],
  },
  { status: 2, meaning: 'usage or input error (unknown flag, missing argument, unreadable -f file)', commands: ['svc'] },
  {
    status: 2,
    meaning: 'usage or input error (unknown flag, unknown finding code in --only/--skip, bad -l, unreadable -f file)',
    commands: ['audit'],
  },
  {
    status: 2,
    meaning:
      'usage or input error (unknown flag, a NAME that is no DNS name, missing NAME, --from-pod not found, unreadable -f file, --probe with -f)',
    commands: ['dns'],
  },
  {
    status: 2,
    meaning: 'usage or input error (unknown flag, a target that is no URL nor TYPE/NAME, a bad -H, unreadable -f file)',
    commands: ['route'],
  },
  { status: 2, meaning: 'usage or input error (unknown flag, a path that does not exist, a bad .kdiag.yaml)', commands: ['lint'] },
  { status: 2, meaning: 'usage error (unknown flag, unknown finding code)', commands: ['codes'] },
  {
    status: 2,
    meaning: 'usage or input error (bad port spec, a port the target does not have, a local port taken or below 1024 without root)',
    commands: ['forward'],
  },
  { status: 3, meaning: CLUSTER_FAILED, commands: ['svc', 'dns', 'route'] },
  {
    status: 3,
    meaning:
      'with --probe: a permission the probe needs is missing (checked before anything is read or run: create and get on pods/exec; without --from-pod also create, list and delete on pods), or the debug pod did not start',
    commands: ['dns'],
  },
  {
    status: 3,
    meaning: `${CLUSTER_FAILED}; with -A, list on services, endpointslices and pods across namespaces is required`,
    commands: ['audit'],
  },
  {
    status: 3,
    meaning: `${CLUSTER_FAILED}, or a permission the forward needs is missing (checked before listening)`,
    commands: ['forward'],
  },
  { status: 3, meaning: `with --cluster: ${CLUSTER_FAILED}`, commands: ['lint'] },
  {
    status: 0,
    meaning:
      "the command's (or the interactive shell's) own exit status, 0 or any other (128+N when it died of signal N); the debug pod is deleted on every way out",
    commands: ['shell'],
  },
  { status: 0, meaning: 'with --gc: done (the table lists what was removed)', commands: ['shell'] },
  {
    status: 1,
    meaning: 'the command failed without an exit code (KWOK reports every failure so), or the connection to it was lost',
    commands: ['shell'],
  },
  {
    status: 2,
    meaning: 'usage error (unknown flag, bad duration, no terminal for an interactive shell, --ephemeral without --yes and no terminal)',
    commands: ['shell'],
  },
  { status: 3, meaning: `with --gc: ${CLUSTER_FAILED}, or pods list/delete is not allowed`, commands: ['shell'] },
  {
    status: 125,
    meaning:
      'kdiag failed before the command started: cluster access, a missing permission (checked before creating anything), the pod rejected (Pod Security, quota, policy) or not started within --start-timeout (why on stderr)',
    commands: ['shell'],
  },
  { status: 126, meaning: 'the command was found but cannot run', commands: ['shell'] },
  { status: 127, meaning: 'the command was not found in the image', commands: ['shell'] },
  { status: 129, meaning: 'kdiag got SIGHUP (the terminal closed), after deleting the pod', commands: ['shell'] },
  { status: 130, meaning: 'interrupted (SIGINT), after cleanup', commands: ['svc', 'audit', 'dns', 'route', 'lint', 'shell'] },
  { status: 143, meaning: 'terminated (SIGTERM), after cleanup', commands: ['svc', 'audit', 'dns', 'route', 'lint', 'shell'] },
];

/** The rows of one command, in status order. */
export function exitStatusesOf(command: string, table: readonly ExitStatusRow[] = EXIT_STATUSES): ExitStatusRow[] {
  return table.filter((r) => r.commands.includes(command)).sort((a, b) => a.status - b.status);
}

/**
 * The "Exit status:" help section: one command's rows, or (no command) every row with the commands it applies to.
 * Empty when the command has no rows.
 */
export function exitStatusHelp(command?: string, table: readonly ExitStatusRow[] = EXIT_STATUSES): string {
  const rows =
    command === undefined
      ? [...table].sort((a, b) => a.status - b.status).map((r) => ({ ...r, meaning: `${r.meaning} [${r.commands.join(', ')}]` }))
      : exitStatusesOf(command, table);
  if (rows.length === 0) return '';
  return `\nExit status:\n${rows.map((r) => `  ${String(r.status).padEnd(5)}${r.meaning}`).join('\n')}`;
}

/** The table as Markdown for docs/output.md: one row per status and meaning, with the commands it applies to. */
export function exitStatusMarkdown(table: readonly ExitStatusRow[] = EXIT_STATUSES): string {
  const rows = [...table].sort((a, b) => a.status - b.status);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| status | meaning | commands |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.status} | ${esc(r.meaning)} | ${r.commands.join(', ')} |`),
  ].join('\n');
}
