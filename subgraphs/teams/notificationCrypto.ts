/**
 * The key pair of rich change notifications (`includeResourceData`) and the decryption of their
 * `encryptedContent` (PROTOCOLS.md 2.7):
 *
 * 1. The item must be encrypted to our certificate (its SHA-1 thumbprint, when given, must match).
 * 2. `dataKey` → RSA-OAEP (SHA-1) with our private key → a 32-byte symmetric key.
 * 3. `dataSignature` must equal base64 HMAC-SHA256(key, base64-decoded `data`), compared in
 *    constant time. (It proves integrity only: anyone holding our public certificate can make one.
 *    Origin comes from the validation tokens, checked before this.)
 * 4. `data` → AES-256-CBC, PKCS#7, IV = the key's first 16 bytes → the resource's JSON.
 *
 * `loadNotificationKeys` reads the configured PEM pair, or generates a self-signed one (the
 * existing `selfsigned` dependency) when none is configured.
 */
import {
  constants, createDecipheriv, createHash, createHmac, createPrivateKey, privateDecrypt, X509Certificate, type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generate } from 'selfsigned';
import { constantTimeEqual } from '../kit/constantTimeEqual';
import type { EncryptedContent } from './changeNotification';

export interface NotificationKeys {
  /** The certificate as Graph wants `encryptionCertificate`: base64 DER. */
  certificate: string;
  certificateId: string;
  /** SHA-1 thumbprint, upper-case hex (Graph's `encryptionCertificateThumbprint`). */
  thumbprint: string;
  privateKey: KeyObject;
}

export interface NotificationKeyOptions {
  certificateFile?: string | undefined;
  keyFile?: string | undefined;
  certificateId: string;
}

export type Decrypted = { ok: true; resource: Record<string, unknown> } | { ok: false; reason: string };

function keysOf(certPem: string, keyPem: string, certificateId: string): NotificationKeys {
  const cert = new X509Certificate(certPem);
  const privateKey = createPrivateKey(keyPem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('the notification key must be an RSA key');
  if (!cert.checkPrivateKey(privateKey)) throw new Error('the notification certificate does not match its private key');
  return {
    certificate: cert.raw.toString('base64'),
    certificateId,
    thumbprint: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
    privateKey,
  };
}

/** The configured key pair (both files), else a new self-signed one valid for two years. */
export async function loadNotificationKeys(opts: NotificationKeyOptions): Promise<NotificationKeys> {
  if (opts.certificateFile && opts.keyFile) {
    let pems: [string, string];
    try {
      pems = [readFileSync(opts.certificateFile, 'utf8'), readFileSync(opts.keyFile, 'utf8')];
    } catch (err) {
      throw new Error(`TEAMS_NOTIFICATION_CERT_FILE / TEAMS_NOTIFICATION_KEY_FILE cannot be read: ${(err as Error).message}`);
    }
    try {
      return keysOf(pems[0], pems[1], opts.certificateId);
    } catch (err) {
      throw new Error(`TEAMS_NOTIFICATION_CERT_FILE / TEAMS_NOTIFICATION_KEY_FILE must be a PEM certificate and its RSA private key: ${(err as Error).message}`);
    }
  }
  const pems = await generate([{ name: 'commonName', value: 'Lumina Teams change notifications' }], {
    keySize: 2048, algorithm: 'sha256', notAfterDate: new Date(Date.now() + 730 * 86_400_000),
  });
  return keysOf(pems.cert, pems.private, opts.certificateId);
}

/** Decrypt and verify one item's `encryptedContent`; never throws. */
export function decryptResourceData(content: EncryptedContent, keys: NotificationKeys): Decrypted {
  if (content.encryptionCertificateThumbprint !== null && content.encryptionCertificateThumbprint.toUpperCase() !== keys.thumbprint) {
    return { ok: false, reason: 'encrypted for another certificate' };
  }
  let key: Buffer;
  try {
    key = privateDecrypt({ key: keys.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(content.dataKey, 'base64'));
  } catch {
    return { ok: false, reason: 'dataKey does not decrypt with our key' };
  }
  if (key.length !== 32) return { ok: false, reason: 'dataKey is not a 256-bit key' };
  const data = Buffer.from(content.data, 'base64');
  const expected = createHmac('sha256', key).update(data).digest('base64');
  if (!constantTimeEqual(expected, content.dataSignature)) return { ok: false, reason: 'dataSignature does not match' };
  let text: string;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    text = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    return { ok: false, reason: 'data does not decrypt' };
  }
  try {
    const resource: unknown = JSON.parse(text);
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) return { ok: false, reason: 'the resource is not a JSON object' };
    return { ok: true, resource: resource as Record<string, unknown> };
  } catch {
    return { ok: false, reason: 'the resource is not JSON' };
  }
}
