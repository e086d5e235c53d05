import { X509Certificate } from 'node:crypto';
import type { CertificateFacts, Secret, SecretFacts } from './types.js';
import { sanCovers } from './match.js';

/**
 * Reads a TLS secret down to what kdiag may show: its name, type, and the certificate's SANs and validity dates.
 * Only `tls.crt` is decoded (the first certificate of the chain); nothing else of the secret is kept.
 */
export function secretFacts(namespace: string, name: string, secret: Secret | undefined): SecretFacts {
  if (!secret) return { namespace, name, exists: false };
  const facts: SecretFacts = { namespace, name, exists: true, ...(secret.type ? { type: secret.type } : {}) };
  const crt = secret.data?.['tls.crt'];
  if (!crt) return { ...facts, problem: 'it has no tls.crt' };
  const cert = parseCertificate(Buffer.from(crt, 'base64').toString('utf8'));
  if (!cert) return { ...facts, problem: 'its tls.crt is not a PEM certificate' };
  return { ...facts, certificate: cert };
}

/** The first certificate of a PEM bundle: DNS SANs (the CN only when there are no SANs, per RFC 6125) and dates. */
export function parseCertificate(pem: string): CertificateFacts | undefined {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!first) return undefined;
  let x: X509Certificate;
  try {
    x = new X509Certificate(first);
  } catch {
    return undefined;
  }
  const sans = (x.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  if (sans.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1];
    if (cn) sans.push(cn.toLowerCase());
  }
  return { sans, notBefore: new Date(x.validFrom).toISOString(), notAfter: new Date(x.validTo).toISOString() };
}

/** Whether the certificate's names cover `host`. */
export function certificateCovers(c: CertificateFacts, host: string): boolean {
  return c.sans.some((s) => sanCovers(s, host));
}

/** Days a certificate has left at `now` (negative once expired). */
export function daysLeft(c: CertificateFacts, now: Date): number {
  return (Date.parse(c.notAfter) - now.getTime()) / 86_400_000;
}

/** A warning threshold: a certificate expiring within this many days is reported. */
export const EXPIRY_WARNING_DAYS = 14;
