import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CA_CONFIG = `[ca]
default_ca = d
[d]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
`;

/** openssl's date form, YYYYMMDDHHMMSSZ. */
function asn1(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/**
 * A self-signed certificate made by openssl at test time (never committed), valid from `notBefore` to `notAfter`
 * (default: from an hour ago for one day). Uses `openssl ca -selfsign`, which takes explicit dates on OpenSSL 3.0.
 * The key is returned for a kubernetes.io/tls secret and lives only in memory.
 */
export function makeCertificate(opts: { cn: string; sans: string[]; notBefore?: Date; notAfter?: Date }): { crt: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kdiag-cert-'));
  const now = Date.now();
  const from = opts.notBefore ?? new Date(now - 3_600_000);
  const to = opts.notAfter ?? new Date(now + 86_400_000);
  try {
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    const req = [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'tls.key',
      '-out',
      'r.csr',
      '-subj',
      `/CN=${opts.cn}`,
    ];
    if (opts.sans.length) req.push('-addext', `subjectAltName=${opts.sans.map((s) => `DNS:${s}`).join(',')}`);
    execFileSync('openssl', req, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync(
      'openssl',
      [
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-selfsign',
        '-keyfile',
        'tls.key',
        '-in',
        'r.csr',
        '-out',
        'tls.crt',
        '-startdate',
        asn1(from),
        '-enddate',
        asn1(to),
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const crt = readFileSync(join(dir, 'tls.crt'), 'utf8');
    return { crt: crt.slice(crt.indexOf('-----BEGIN CERTIFICATE-----')), key: readFileSync(join(dir, 'tls.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A kubernetes.io/tls secret object holding a certificate (base64, as the API serves it). */
export function tlsSecret(namespace: string, name: string, cert: { crt: string; key: string } | undefined, type = 'kubernetes.io/tls') {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type,
    data: cert
      ? { 'tls.crt': Buffer.from(cert.crt).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') }
      : { other: 'eA==' },
  };
}
