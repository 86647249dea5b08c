import { hashSecretToken, newSecretToken, SECRET_TOKEN_SHAPE } from '../tokens/secret-token.js';

/**
 * Refresh tokens are 256-bit random strings; only their SHA-256 is stored. A slow hash
 * is unnecessary at this entropy, and the digest lets a token be found by equality.
 */
export function newRefreshToken(): string {
  return newSecretToken();
}

export function hashRefreshToken(token: string): Buffer {
  return hashSecretToken(token);
}

export const REFRESH_TOKEN_SHAPE = SECRET_TOKEN_SHAPE;
