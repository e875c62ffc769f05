/**
 * The Graph sandbox's self-signed TLS certificate. The Graph SDK attaches tokens only to `https://`
 * URLs, so the sandbox must serve TLS; clients trust this certificate through
 * `NODE_EXTRA_CA_CERTS=<dir>/cert.pem` (read by Node once, at process start).
 *
 * The certificate is created on first use (SAN `localhost`, `127.0.0.1`, `::1`) and reused
 * afterwards, so a trust setting made once keeps working. Run directly
 * (`tsx subgraphs/teams/sandbox/tlsCertificate.ts`) it ensures the certificate and prints the
 * path of `cert.pem`.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface TlsCertificate {
  key: string;
  cert: string;
  /** Absolute path of the PEM certificate (what `NODE_EXTRA_CA_CERTS` points at). */
  certPath: string;
  keyPath: string;
}

/** Where the certificate lives unless told otherwise: `GRAPH_SANDBOX_TLS_DIR`, else `var/sandbox/teams-tls` in the repository. */
export function defaultTlsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.GRAPH_SANDBOX_TLS_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(__dirname, '..', '..', '..', 'var', 'sandbox', 'teams-tls');
}

const SUBJECT_NAMES = ['localhost'];
const SUBJECT_IPS = ['127.0.0.1', '::1'];
/** Renew a stored certificate that expires within this many days. */
const RENEW_DAYS = 30;

function usable(key: string, cert: string): boolean {
  try {
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - Date.now() < RENEW_DAYS * 86_400_000) return false;
    if (!x509.checkHost('localhost') || !x509.checkIP('127.0.0.1')) return false;
    return x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

/**
 * Make sure `dir` holds `key.pem` and `cert.pem` for the sandbox and return them. Creates the
 * directory and a new ten-year certificate when missing, unreadable, mismatched or near expiry.
 */
export async function ensureTlsCertificate(dir: string = defaultTlsDir()): Promise<TlsCertificate> {
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  if (fs.existsSync(keyPath) && fs.existsSync(certPath)) {
    const key = fs.readFileSync(keyPath, 'utf8');
    const cert = fs.readFileSync(certPath, 'utf8');
    if (usable(key, cert)) return { key, cert, certPath, keyPath };
  }
  const notBeforeDate = new Date(Date.now() - 86_400_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 3650 * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }, { name: 'organizationName', value: 'Lumina Graph Sandbox' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      // A self-signed certificate that is its own trust anchor: mark it a CA so every TLS stack accepts it.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...SUBJECT_NAMES.map((value) => ({ type: 2 as const, value })), ...SUBJECT_IPS.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  fs.mkdirSync(dir, { recursive: true });
  // Write to temporary names first so a concurrent starter never reads half a file.
  const tmp = `.${process.pid}.${Date.now()}`;
  fs.writeFileSync(keyPath + tmp, pems.private, { mode: 0o600 });
  fs.writeFileSync(certPath + tmp, pems.cert);
  fs.renameSync(keyPath + tmp, keyPath);
  fs.renameSync(certPath + tmp, certPath);
  return { key: pems.private, cert: pems.cert, certPath, keyPath };
}

if (require.main === module) {
  ensureTlsCertificate(process.argv[2] ? path.resolve(process.argv[2]) : defaultTlsDir())
    .then((tls) => { process.stdout.write(`${tls.certPath}\n`); })
    .catch((err: unknown) => {
      process.stderr.write(`could not create the Graph sandbox TLS certificate: ${String(err)}\n`);
      process.exitCode = 1;
    });
}
