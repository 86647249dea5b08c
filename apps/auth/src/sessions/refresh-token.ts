import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh tokens are 256-bit random strings; only their SHA-256 is stored. A slow hash
 * is unnecessary at this entropy, and the digest lets a token be found by equality.
 */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
