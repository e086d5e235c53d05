import type { CommandModule } from './types.js';
import { codesCommand } from './codes/command.js';
import { svcCommand } from './svc/command.js';
import { auditCommand } from './audit/command.js';
import { dnsCommand } from './dns/command.js';
import { lintCommand } from './lint/command.js';
import { forwardCommand } from './forward/command.js';
import { shellCommand } from './shell/command.js';
import { routeCommand } from './route/command.js';

/** The command registry: one line per command, in the order `kdiag --help` lists them. */
export const COMMANDS: readonly CommandModule[] = [
  svcCommand,
  auditCommand,
  dnsCommand,
  routeCommand,
  forwardCommand,
  shellCommand,
  lintCommand,
  codesCommand,
];
