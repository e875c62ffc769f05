/**
 * The rich-notification key pair and decryption: configured PEM files are checked at start, and
 * content the sandbox encrypts (the same code path Graph's format is built from) decrypts back.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { decryptResourceData, loadNotificationKeys } from '../../../subgraphs/teams/notificationCrypto';
import { encryptResourceData } from '../../../subgraphs/teams/sandbox/richNotification';

describe('notification keys and decryption', () => {
  const dir = mkdtempSync(join(tmpdir(), 'teams-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a configured PEM pair and decrypts content encrypted to its certificate', async () => {
    const pems = await generate([{ name: 'commonName', value: 'configured' }], { keySize: 2048 });
    writeFileSync(join(dir, 'cert.pem'), pems.cert);
    writeFileSync(join(dir, 'key.pem'), pems.private);
    const keys = await loadNotificationKeys({ certificateFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), certificateId: 'c-1' });
    const cert = new X509Certificate(pems.cert);
    expect(keys.certificate).toBe(cert.raw.toString('base64'));
    const content = encryptResourceData({ id: '1', body: { content: 'ünïcødé ✓' } }, cert, 'c-1');
    expect(content.encryptionCertificateThumbprint).toBe(keys.thumbprint);
    expect(decryptResourceData({ ...content }, keys)).toEqual({ ok: true, resource: { id: '1', body: { content: 'ünïcødé ✓' } } });
  });

  it('refuses a certificate that does not match its key, naming the keys', async () => {
    const [a, b] = await Promise.all([generate(undefined, { keySize: 2048 }), generate(undefined, { keySize: 2048 })]);
    writeFileSync(join(dir, 'a.pem'), a.cert);
    writeFileSync(join(dir, 'b.key'), b.private);
    await expect(loadNotificationKeys({ certificateFile: join(dir, 'a.pem'), keyFile: join(dir, 'b.key'), certificateId: 'c' }))
      .rejects.toThrow(/^TEAMS_NOTIFICATION_CERT_FILE \/ TEAMS_NOTIFICATION_KEY_FILE must be a PEM certificate and its RSA private key/);
    await expect(loadNotificationKeys({ certificateFile: join(dir, 'missing.pem'), keyFile: join(dir, 'b.key'), certificateId: 'c' }))
      .rejects.toThrow(/cannot be read/);
  });

  it('reports why content does not decrypt, without throwing', async () => {
    const keys = await loadNotificationKeys({ certificateId: 'c' });
    const cert = new X509Certificate(Buffer.from(keys.certificate, 'base64'));
    const good = encryptResourceData({ id: '2' }, cert, 'c');
    const content = { ...good };
    expect(decryptResourceData({ ...content, encryptionCertificateThumbprint: 'AB'.repeat(20) }, keys)).toEqual({ ok: false, reason: 'encrypted for another certificate' });
    expect(decryptResourceData({ ...content, dataKey: Buffer.alloc(256).toString('base64') }, keys)).toEqual({ ok: false, reason: 'dataKey does not decrypt with our key' });
    expect(decryptResourceData({ ...content, dataSignature: Buffer.alloc(32).toString('base64') }, keys)).toEqual({ ok: false, reason: 'dataSignature does not match' });
    expect(decryptResourceData({ ...content, encryptionCertificateThumbprint: null }, keys)).toEqual({ ok: true, resource: { id: '2' } });
  });
});
