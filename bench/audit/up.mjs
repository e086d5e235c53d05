// Starts (or reuses) the audit benchmark's cluster and populates it; prints the creation time.
import { clusterUp } from '../lib/cluster.mjs';
import { plan, populate } from './populate.mjs';
export const SIZE = { namespaces: 100, services: 5000, pods: 50000, planted: 50, nodes: Number(process.env.KDIAG_CLUSTER_NODES ?? 200) };
if (import.meta.url === `file://${process.argv[1]}`) {
  const cluster = clusterUp();
  const s = await populate(cluster, plan(SIZE), SIZE);
  console.log(`created in ${s.toFixed(0)} s`);
}
