import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { decodeKey } from './parsers.js';

/**
 * Authenticated encryption (AES-256-GCM) of secrets Docat must read back: signing keys,
 * webhook secrets, stored PDF passwords. A blob reads
 *
 *   enc:v1:<key id>:<nonce>:<ciphertext + tag>       (base64url parts)
 *
 * The key id lets a keyring of current and previous keys decrypt values written before a
 * rotation. The header and an optional context string (say `webhook:<id>`) are bound as
 * additional authenticated data, so a blob cannot be moved to another record or
 * relabelled without failing to decrypt.
 */

const VERSION = 'v1';
const PREFIX = `enc:${VERSION}:`;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  /** Derived from the key itself, so configuration never has to name keys. */
  id: string;
  key: Buffer;
}

export interface Keyring {
  current: EncryptionKey;
  previous: readonly EncryptionKey[];
}

export type DecryptionFailure = 'malformed' | 'unknown-key' | 'tampered';

export class SecretDecryptionError extends Error {
  readonly reason: DecryptionFailure;

  constructor(reason: DecryptionFailure, message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
    this.reason = reason;
  }
}

export function keyId(key: Buffer): string {
  return createHash('sha256')
    .update('docat-encryption-key-id\0')
    .update(key)
    .digest('base64url')
    .slice(0, 8);
}

export function encryptionKey(material: string | Buffer): EncryptionKey {
  const key = typeof material === 'string' ? decodeKey(material) : material;
  if (!key || key.length !== 32)
    throw new Error('an encryption key must be 32 bytes (base64 when given as text)');
  return { id: keyId(key), key: Buffer.from(key) };
}

export function createKeyring(
  current: string | Buffer,
  previous: readonly (string | Buffer)[] = [],
): Keyring {
  const currentKey = encryptionKey(current);
  const seen = new Set([currentKey.id]);
  const older: EncryptionKey[] = [];
  for (const material of previous) {
    const key = encryptionKey(material);
    if (seen.has(key.id)) continue;
    seen.add(key.id);
    older.push(key);
  }
  return { current: currentKey, previous: older };
}

export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

function aad(id: string, context: string | undefined): Buffer {
  return Buffer.from(`${PREFIX}${id}\0${context ?? ''}`, 'utf8');
}

export function encryptSecret(
  key: EncryptionKey | Keyring,
  plaintext: string,
  context?: string,
): string {
  const { id, key: material } = 'current' in key ? key.current : key;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(id, context));
  const body = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `${PREFIX}${id}:${nonce.toString('base64url')}:${body.toString('base64url')}`;
}

interface ParsedBlob {
  id: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const BLOB = /^enc:v1:([A-Za-z0-9_-]{8}):([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/;

function parseBlob(blob: string): ParsedBlob {
  const match = BLOB.exec(blob);
  if (!match)
    throw new SecretDecryptionError('malformed', 'not an encrypted secret in the enc:v1 format');
  const nonce = Buffer.from(match[2]!, 'base64url');
  const body = Buffer.from(match[3]!, 'base64url');
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES)
    throw new SecretDecryptionError('malformed', 'encrypted secret has a wrong nonce or length');
  return {
    id: match[1]!,
    nonce,
    ciphertext: body.subarray(0, body.length - TAG_BYTES),
    tag: body.subarray(body.length - TAG_BYTES),
  };
}

/** The key id a blob was encrypted with. */
export function blobKeyId(blob: string): string {
  return parseBlob(blob).id;
}

export function decryptSecret(keyring: Keyring, blob: string, context?: string): string {
  const parsed = parseBlob(blob);
  const key = [keyring.current, ...keyring.previous].find((k) => k.id === parsed.id);
  if (!key)
    throw new SecretDecryptionError(
      'unknown-key',
      `encrypted with key ${parsed.id}, which is neither DOCAT_ENCRYPTION_KEY nor in DOCAT_ENCRYPTION_KEYS_PREVIOUS`,
    );
  const decipher = createDecipheriv('aes-256-gcm', key.key, parsed.nonce, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aad(parsed.id, context));
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(
      'tampered',
      'encrypted secret failed authentication (altered, or wrong context)',
    );
  }
}

export function needsReencryption(keyring: Keyring, blob: string): boolean {
  return blobKeyId(blob) !== keyring.current.id;
}

/**
 * Rewrites a blob under the current key; returns it unchanged when it already is, so a
 * rotation sweep can skip writing rows that need nothing.
 */
export function reencrypt(keyring: Keyring, blob: string, context?: string): string {
  if (!needsReencryption(keyring, blob)) return blob;
  return encryptSecret(keyring, decryptSecret(keyring, blob, context), context);
}
