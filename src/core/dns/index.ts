/** The pure core of `kdiag dns`: what the command imports. */
export { DNS_CATALOGUE, dnsEntry, type DnsCode } from './catalogue.js';
export { clusterDomainOf, corefileFacts, parseCorefile, type ParsedCorefile, type ServerBlock } from './corefile.js';
export { explainDns, nameFrom, sortDnsFindings } from './explain.js';
export { parseDnsName, type NameError } from './name.js';
export { clusterDomainFromResolvConf, parseGetent, parseNslookup, parseResolvConf, type NslookupAnswer } from './probe.js';
export { candidateNames, clusterSearchList, effectivePolicy, effectiveResolver } from './resolver.js';
export type * from './types.js';
