import { defineCatalogue, entryOf, publicEntry, severityFor, type CatalogueEntry, type CodeOf, type TypedEntry } from '../catalogue.js';
import type { Severity } from '../finding.js';

/** The codes `kdiag lint` reports. */
export const LINT_CODES = {
  pod: 'hardcoded-pod-ip',
  service: 'hardcoded-service-ip',
  private: 'hardcoded-private-ip',
  public: 'hardcoded-public-ip',
  suppressionWithoutReason: 'suppression-without-reason',
} as const;

/** Catalogue entries for `kdiag lint` (README catalogue, `kdiag docs`, SARIF rules). */
/** Lint findings are sorted by file position; the stage says what a finding is about: an address, or a comment. */
export const LINT_STAGES = ['address', 'suppression'] as const;
export type LintStage = (typeof LINT_STAGES)[number];

export const LINT_CATALOGUE = [
  {
    code: LINT_CODES.pod,
    area: 'lint',
    stage: 'address',
    severities: ['error', 'warning'],
    title: 'Hard-coded pod IP',
    meaning:
      'A file addresses a pod by its IP. Pod IPs change every time a pod is rescheduled or restarted, so this breaks on the next rollout.',
    detection:
      "An IPv4 or IPv6 literal (not in a comment, not a version, mask, range or other look-alike) lies in a pod range: from --pod-cidr, .kdiag.yaml lint.podCidrs, the live cluster with --cluster (node podCIDRs, else the ranges of live pod IPs), or declared in the scanned files (a kubeadm ClusterConfiguration or kind Cluster podSubnet, k3s cluster-cidr, kubespray kube_pods_subnet, Terraform pod_cidr or cluster_ipv4_cidr, Helm values podCIDR/podSubnet/clusterCIDR): an error. In a distribution's default pod range only (a guess), a warning that names the distribution and range. With --cluster, an address that is a current pod IP names the pod.",
    fix: 'Address the pod through a Service and use its DNS name (<service>.<namespace>.svc.cluster.local); for one specific pod of a StatefulSet, use its headless-Service name (<pod>.<service>.<namespace>.svc.cluster.local).',
  },
  {
    code: LINT_CODES.service,
    area: 'lint',
    stage: 'address',
    severities: ['error', 'warning'],
    title: 'Hard-coded Service IP',
    meaning:
      "A file addresses a Service by its ClusterIP. The IP changes when the Service is re-created (or the cluster is rebuilt), while the Service's DNS name does not.",
    detection:
      "An address literal lies in a Service range: from --service-cidr, .kdiag.yaml lint.serviceCidrs, the live cluster with --cluster (ServiceCIDR objects where served, else the range around the kubernetes Service IP), or declared in the scanned files (kubeadm or kind serviceSubnet, k3s service-cidr, kubespray kube_service_addresses, Terraform service_cidr, service_ipv4_cidr or services_ipv4_cidr_block, Helm values serviceCIDR/serviceSubnet): an error. In a distribution's default Service range only (a guess), a warning that names the distribution and range. With --cluster, an address that is a current ClusterIP names the Service.",
    fix: "Use the Service's DNS name, <service>.<namespace>.svc.cluster.local (or just <service> from the same namespace).",
  },
  {
    code: LINT_CODES.private,
    area: 'lint',
    stage: 'address',
    severities: ['warning'],
    title: 'Hard-coded private IP',
    meaning:
      'A file addresses a host by a private, link-local, shared (CGNAT) or unique-local address outside the pod and Service ranges: a node, a VM or a database whose address can change.',
    detection:
      'An address literal in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16, fc00::/7, fe80::/10 or another non-public range, outside the pod and Service ranges. With --strict, documentation ranges too.',
    fix: 'Use a DNS name: an ExternalName Service or a headless Service with an EndpointSlice for hosts outside the cluster, or make the address a setting. If the address is intended, allow its range in .kdiag.yaml lint.allow or add a kdiag-ignore comment with a reason.',
  },
  {
    code: LINT_CODES.public,
    area: 'lint',
    stage: 'address',
    severities: ['warning'],
    title: 'Hard-coded public IP',
    meaning: 'A file addresses a host by a public IP address, which its owner can change without notice.',
    detection: 'An address literal outside every private, reserved, loopback, multicast and documentation range.',
    fix: 'Use the DNS name of the host. If the address is intended (a fixed egress IP, a DNS resolver), add `kdiag-ignore hardcoded-public-ip: <reason>` or allow it in .kdiag.yaml lint.allow.',
  },
  {
    code: LINT_CODES.suppressionWithoutReason,
    area: 'lint',
    stage: 'suppression',
    severities: ['info'],
    title: 'Suppression without a reason',
    meaning: 'A kdiag-ignore comment gives no reason, so a reviewer cannot tell why the address is fine.',
    detection: 'A kdiag-ignore comment with nothing after the colon, or no colon at all.',
    fix: 'Write the reason after a colon: `# kdiag-ignore hardcoded-public-ip: Cloudflare resolver, fixed by contract`.',
  },
] as const satisfies readonly TypedEntry<string, LintStage>[];

export type LintCode = CodeOf<typeof LINT_CATALOGUE>;
export type LintEntry = (typeof LINT_CATALOGUE)[number];

export const LINT_INDEX: ReadonlyMap<string, LintEntry> = defineCatalogue(LINT_CATALOGUE);

/** The severity of a lint code, from the catalogue: its default, or `wanted` when the entry lists it. */
export function lintSeverity(code: LintCode, wanted?: Severity): Severity {
  const entry = entryOf(LINT_INDEX, code);
  return wanted === undefined ? entry.severities[0] : severityFor(entry, wanted);
}

/** The entries as `kdiag codes` and SARIF rules show them. */
export const LINT_ENTRIES: readonly CatalogueEntry[] = LINT_CATALOGUE.map(publicEntry);
