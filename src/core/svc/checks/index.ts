import type { Finding } from '../../finding.js';
import type { Analysis } from './analysis.js';
import { runCheck, type Check } from './check.js';
import { endpointsNotReconciled, serviceWarningEvents } from './endpoints.js';
import { podsNotReady, podsNotRunning, podsTerminating, publishNotReadyAddresses, somePodsNotReady } from './pods.js';
import { headlessPortRemap, probePortNotFound, protocolMismatch, targetPortNotDeclared, targetPortNotFound } from './ports.js';
import { podsInOtherNamespace, selectorNoMatch, selectorSpansWorkloads } from './selector.js';
import { endpointPodIpHardcoded, externalName, noSelector } from './service.js';
import {
  externalTrafficPolicyLocal,
  internalTrafficPolicyLocal,
  loadBalancerPending,
  networkPolicyIsolated,
  sessionAffinity,
} from './traffic.js';
import { workloadPodsNotCreated, workloadScaledToZero, workloadTemplateMismatch } from './workloads.js';

export { analyse, type Analysis } from './analysis.js';
export { svcRbacPartial } from './access.js';
export { defineCheck, runCheck, type Check } from './check.js';
export { groupNearMisses, nearMisses } from './selector.js';

/**
 * The checks of a Service with a selector (or without one), section by section. Findings are sorted by the
 * stage their catalogue entry gives; this order only breaks ties within a stage and severity.
 */
export const CHECKS: readonly Check[] = [
  noSelector,
  endpointPodIpHardcoded,
  selectorNoMatch,
  podsInOtherNamespace,
  selectorSpansWorkloads,
  workloadTemplateMismatch,
  workloadScaledToZero,
  workloadPodsNotCreated,
  podsNotRunning,
  podsNotReady,
  somePodsNotReady,
  podsTerminating,
  publishNotReadyAddresses,
  targetPortNotFound,
  probePortNotFound,
  protocolMismatch,
  targetPortNotDeclared,
  headlessPortRemap,
  endpointsNotReconciled,
  serviceWarningEvents,
  networkPolicyIsolated,
  loadBalancerPending,
  externalTrafficPolicyLocal,
  internalTrafficPolicyLocal,
  sessionAffinity,
];

/** The checks of an ExternalName Service: it is a CNAME, nothing else applies. */
export const EXTERNAL_NAME_CHECKS: readonly Check[] = [externalName];

/** Runs checks in order, each guarded against emitting a code it did not declare. */
export function runChecks(checks: readonly Check[], a: Analysis): Finding[] {
  return checks.flatMap((c) => runCheck(c, a));
}
