/**
 * What Graph adds to a notification of a subscription with `includeResourceData`
 * (PROTOCOLS.md 2.7, Graph "change notifications with resource data"):
 *
 * - `encryptedContent`: the resource JSON encrypted with a fresh random 32-byte key per item:
 *   AES-256-CBC with PKCS#7 padding, IV = the key's first 16 bytes (`data`, base64);
 *   `dataSignature` = base64 HMAC-SHA256(key, the encrypted bytes); `dataKey` = the key encrypted
 *   with RSA-OAEP (SHA-1) to the subscriber's `encryptionCertificate` (base64); the subscriber's
 *   `encryptionCertificateId`, and the certificate's SHA-1 thumbprint (upper-case hex).
 * - `validationTokens`: one JWT per application the notification POST carries items for, signed
 *   by the sandbox's Entra key (published at `/{tenant}/discovery/v2.0/keys` and
 *   `/common/discovery/v2.0/keys`), with `aud` = the app's client id, `iss`
 *   `https://sts.windows.net/{tenant}/`, `appid` = Graph's change-notification publisher
 *   `0bf30f3b-4a52-48df-9a82-234910c4a086`, and an `exp` one hour out.
 */
import {
  constants, createCipheriv, createHash, createHmac, publicEncrypt, randomBytes, randomUUID, X509Certificate,
} from 'node:crypto';
import { GraphHttpError } from './graphErrors';

/** The application id Graph's change-notification service signs `validationTokens` as. */
export const NOTIFICATION_PUBLISHER_APP_ID = '0bf30f3b-4a52-48df-9a82-234910c4a086';
/** Lifetime of a validation token. */
const VALIDATION_TOKEN_SECONDS = 3600;

export interface EncryptedContent {
  data: string;
  dataSignature: string;
  dataKey: string;
  encryptionCertificateId: string;
  encryptionCertificateThumbprint: string;
}

/**
 * Parse a subscription's `encryptionCertificate`: base64 DER as Graph documents it (PEM accepted
 * too); it must carry an RSA public key. A 400 GraphHttpError otherwise.
 */
export function parseEncryptionCertificate(value: unknown): X509Certificate {
  const bad = new GraphHttpError(400, 'InvalidRequest', 'encryptionCertificate must be a base64-encoded X.509 certificate with an RSA public key.');
  if (typeof value !== 'string' || value.length === 0 || value.length > 16_384) throw bad;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(value.includes('-----BEGIN') ? value : Buffer.from(value.replace(/\s+/g, ''), 'base64'));
  } catch {
    throw bad;
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') throw bad;
  return cert;
}

/** The certificate's SHA-1 thumbprint as Graph writes it (upper-case hex). */
export function certificateThumbprintHex(cert: X509Certificate): string {
  return createHash('sha1').update(cert.raw).digest('hex').toUpperCase();
}

/** Encrypt `resource` (serialised as JSON) for the holder of `cert`'s private key. */
export function encryptResourceData(resource: unknown, cert: X509Certificate, certificateId: string): EncryptedContent {
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(JSON.stringify(resource), 'utf8'), cipher.final()]);
  return {
    data: data.toString('base64'),
    dataSignature: createHmac('sha256', key).update(data).digest('base64'),
    dataKey: publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64'),
    encryptionCertificateId: certificateId,
    encryptionCertificateThumbprint: certificateThumbprintHex(cert),
  };
}

/** The claims of a validation token for `audience` (the subscribing app's client id). */
export function validationTokenClaims(tenantId: string, audience: string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const issuer = `https://sts.windows.net/${tenantId}/`;
  return {
    aud: audience, iss: issuer, iat: nowSeconds, nbf: nowSeconds, exp: nowSeconds + VALIDATION_TOKEN_SECONDS,
    aio: randomBytes(24).toString('base64'), appid: NOTIFICATION_PUBLISHER_APP_ID, appidacr: '2', idp: issuer, tid: tenantId,
    uti: randomUUID().replace(/-/g, '').slice(0, 22), ver: '1.0',
  };
}
