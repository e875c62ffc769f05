import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultTlsDir, ensureTlsCertificate } from '../../../subgraphs/teams/sandbox/tlsCertificate';

describe('sandbox TLS certificate', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-tls-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('creates a certificate for localhost, 127.0.0.1 and ::1 on first use and reuses it afterwards', async () => {
    const first = await ensureTlsCertificate(dir);
    const x509 = new X509Certificate(first.cert);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
    expect(fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8')).toBe(first.cert);
    const second = await ensureTlsCertificate(dir);
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
  });

  it('replaces a certificate whose key does not match', async () => {
    const first = await ensureTlsCertificate(dir);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-tls-'));
    fs.copyFileSync(path.join((await ensureTlsCertificate(other)).keyPath), path.join(dir, 'key.pem'));
    fs.rmSync(other, { recursive: true, force: true });
    const fixed = await ensureTlsCertificate(dir);
    expect(fixed.cert).not.toBe(first.cert);
    expect(new X509Certificate(fixed.cert).checkPrivateKey(createPrivateKey(fixed.key))).toBe(true);
  });

  it('defaults to GRAPH_SANDBOX_TLS_DIR, else var/sandbox/teams-tls in the repository', () => {
    expect(defaultTlsDir({ GRAPH_SANDBOX_TLS_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(defaultTlsDir({})).toBe(path.resolve(__dirname, '../../../var/sandbox/teams-tls'));
  });

  it('runs as a CLI that prints the certificate path', () => {
    const out = execFileSync(path.resolve(__dirname, '../../../node_modules/.bin/tsx'),
      [path.resolve(__dirname, '../../../subgraphs/teams/sandbox/tlsCertificate.ts'), dir], { encoding: 'utf8' });
    expect(out.trim()).toBe(path.join(dir, 'cert.pem'));
    expect(fs.existsSync(path.join(dir, 'key.pem'))).toBe(true);
  });
});
