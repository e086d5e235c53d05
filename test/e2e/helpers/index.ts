/**
 * E2E helpers for the local test cluster (test/cluster/). Import from here:
 *
 *   import { useNamespace, applyYaml, waitForReadyPods, serviceEndpoints } from '../helpers/index.js';
 *
 * - cluster.ts: clusterInfo, run, kubectl, applyYaml, deleteYaml, getJson, getObject, waitFor, waitForCondition
 * - namespace.ts: useNamespace (one namespace per test file), createNamespace, deleteNamespace
 * - pods.ts: listPods, waitForReadyPods, setPodReady, createUnschedulablePod, deletePodAndWaitForReplacement,
 *   serviceEndpoints
 *
 * Shared with the unit project, in test/helpers/: manifests.ts (deployment, service, pod, unschedulablePod),
 * io.ts (createTestIo), paths.ts (ROOT).
 * - kwok.ts: routePortForward, routeExec, execInPod, addShimDnsAnswer, registerServiceDns, closeShimPort
 * - net.ts: startEchoServer, roundTrip, kubectlPortForward, clientNodePortForward
 * - scripts.ts: isolatedClusterEnv, runClusterScript (failure-path tests of the cluster scripts)
 * - lock.ts: withClusterLock, useSharedClusterLock, acquireClusterLock (locks shared by all e2e runs, e.g. kube-system/coredns)
 */
export * from './cluster.js';
export * from './namespace.js';
export * from './pods.js';
export * from './kwok.js';
export * from './net.js';
export * from './scripts.js';
export * from './lock.js';
