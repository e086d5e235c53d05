import { entryOf, makeFinding } from '../../catalogue.js';
import type { Evidence, Finding, ObjectRef, Severity } from '../../finding.js';
import { REPORTED_INDEX, type SvcCheckCode, type SvcStage } from '../catalogue.js';
import type { Analysis } from './analysis.js';

/**
 * One small check per cause: pure, named, and tied to the codes it emits. `run` returns [] when it has nothing
 * to say. The codes' catalogue stage must be the check's (`defineCheck` throws otherwise), and `runCheck`
 * refuses a finding whose code the check did not declare.
 */
export interface Check<C extends SvcCheckCode = SvcCheckCode> {
  readonly name: string;
  readonly codes: readonly C[];
  readonly stage: SvcStage;
  run(a: Analysis): Finding[];
}

/** Declares a check, verifying against the catalogue that its codes exist and sit at its stage. */
export function defineCheck<const C extends SvcCheckCode>(check: Check<C>): Check<C> {
  if (check.codes.length === 0) throw new Error(`check ${check.name} declares no code`);
  for (const code of check.codes) {
    const entry = entryOf(REPORTED_INDEX, code);
    if (entry.stage !== check.stage) {
      throw new Error(`check ${check.name} is at stage ${check.stage} but ${code} is catalogued at ${entry.stage}`);
    }
  }
  return check;
}

/** Runs one check; a finding with a code the check did not declare is a bug, and throws. */
export function runCheck(check: Check, a: Analysis): Finding[] {
  const findings = check.run(a);
  for (const f of findings) {
    if (!(check.codes as readonly string[]).includes(f.code)) {
      throw new Error(`check ${check.name} emitted ${f.code}, which it does not declare (it declares ${check.codes.join(', ')})`);
    }
  }
  return findings;
}

/** A finding of a `kdiag svc` code; `severity` must be one the catalogue allows for it. */
export function finding(
  code: SvcCheckCode,
  message: string,
  evidence: Evidence[],
  hint: string,
  object?: ObjectRef,
  severity?: Severity,
): Finding {
  return makeFinding(entryOf(REPORTED_INDEX, code), {
    message,
    evidence,
    hint,
    ...(object ? { object } : {}),
    ...(severity ? { severity } : {}),
  });
}
