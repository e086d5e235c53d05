import { type Command, Option } from 'commander';
import { SEVERITIES, type Severity } from '../core/finding.js';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../errors.js';
import type { Flags, Format, GlobalOptions, SharedFlags } from './types.js';

// The shared flag groups (src/commands/types.ts `SharedFlags`) as commander options, and their parsing. cli.ts adds
// a group to a command only when the command opts in; the cluster group (and -A) are also accepted before the
// command's name, and a command that does not take them rejects them there too.

/** The cluster group's flags, by commander attribute name (for the before-the-command check). */
export const CLUSTER_FLAGS: Readonly<Record<string, string>> = {
  namespace: '-n/--namespace',
  context: '--context',
  kubeconfig: '--kubeconfig',
  requestTimeout: '--request-timeout',
  clusterDomain: '--cluster-domain',
};
export const ALL_NAMESPACES_FLAG: Readonly<Record<string, string>> = { allNamespaces: '-A/--all-namespaces' };

/** The cluster group's options; `withDefaults` false for the hidden copies on the root command. */
export function clusterOptions(withDefaults: boolean): Option[] {
  const timeout = new Option('--request-timeout <duration>', 'timeout of each API request, e.g. 10s, 1m; 0 means none');
  return [
    new Option('-n, --namespace <namespace>', "namespace (default: the context's namespace, else default)"),
    new Option('--context <name>', 'kubeconfig context to use'),
    new Option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)'),
    withDefaults ? timeout.default('30s') : timeout,
    new Option('--cluster-domain <domain>', 'the DNS domain of the cluster (default: cluster.local)'),
  ];
}

export function allNamespacesOption(): Option {
  return new Option('-A, --all-namespaces', 'all namespaces');
}

/** `--config`, `--no-color`, `--debug`: on the root command, and hidden on each command so they work after its name. */
export function globalOptions(hidden: boolean): Option[] {
  const opts = [
    new Option('--config <file>', 'kdiag config file (default: .kdiag.yaml in this folder or a parent)'),
    new Option('--no-color', 'never colour the output (NO_COLOR works too)'),
    new Option('--debug', 'log API requests and show stack traces on errors'),
  ];
  return hidden ? opts.map((o) => o.hideHelp()) : opts;
}

/** Adds the groups a command opted into, after its own flags. */
export function addSharedFlags(cmd: Command, groups: SharedFlags): void {
  if (groups.output) {
    cmd.addOption(new Option('-o, --output <format>', 'output format').choices([...groups.output]).default(groups.output[0]));
  }
  if (groups.failOn) {
    cmd.addOption(
      new Option('--fail-on <severity>', 'lowest severity that makes the exit status 1').choices([...SEVERITIES, 'none']).default('error'),
    );
  }
  if (groups.cluster) for (const o of clusterOptions(true)) cmd.addOption(o);
  if (groups.allNamespaces) cmd.addOption(allNamespacesOption());
  for (const o of globalOptions(true)) cmd.addOption(o);
}

const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `-n`: an RFC 1123 label. Pure. */
export function parseNamespace(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const ns = String(value);
  if (!RFC1123_LABEL.test(ns)) {
    throw new UsageError(`invalid namespace "${ns}"`, 'namespace names are lower-case letters, digits and "-" (RFC 1123)');
  }
  return ns;
}

/** `--cluster-domain`: a DNS name (RFC 1123 labels joined by dots, at most 253 characters). Pure. */
export function parseClusterDomain(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const domain = String(value);
  if (domain.length > 253 || !domain.split('.').every((l) => l.length <= 63 && RFC1123_LABEL.test(l))) {
    throw new UsageError(
      `invalid --cluster-domain "${domain}"`,
      'give the DNS domain of the cluster, e.g. cluster.local (lower-case letters, digits, "-" and ".")',
    );
  }
  return domain;
}

/** `--request-timeout`: a duration in milliseconds. Pure. */
export function parseRequestTimeout(value: unknown): number {
  const raw = String(value ?? '30s');
  const ms = parseDuration(raw);
  if (ms === undefined) {
    throw new UsageError(`invalid --request-timeout "${raw}"`, 'use a duration such as 30s, 2m or 500ms (0 means no timeout)');
  }
  return ms;
}

/** The shared flags of one invocation, parsed. */
export interface SharedOptions {
  globals: GlobalOptions;
  format: Format;
  failOn: Severity | 'none';
}

/** Parses the groups a command takes (the others keep their defaults); throws UsageError. Pure. */
export function parseShared(flags: Flags, groups: SharedFlags): SharedOptions {
  const globals: GlobalOptions = {
    requestTimeoutMs: groups.cluster ? parseRequestTimeout(flags.requestTimeout) : 30_000,
    debug: Boolean(flags.debug),
    noColor: flags.color === false,
  };
  if (typeof flags.config === 'string') globals.config = flags.config;
  if (groups.cluster) {
    const namespace = parseNamespace(flags.namespace);
    const clusterDomain = parseClusterDomain(flags.clusterDomain);
    if (namespace !== undefined) globals.namespace = namespace;
    if (typeof flags.context === 'string') globals.context = flags.context;
    if (typeof flags.kubeconfig === 'string') globals.kubeconfig = flags.kubeconfig;
    if (clusterDomain !== undefined) globals.clusterDomain = clusterDomain;
  }
  if (groups.allNamespaces) globals.allNamespaces = Boolean(flags.allNamespaces);
  return {
    globals,
    format: (groups.output ? flags.output : 'text') as Format,
    failOn: (groups.failOn ? flags.failOn : 'error') as Severity | 'none',
  };
}
