import { createHash, randomBytes } from 'node:crypto';

/**
 * 256-bit random tokens (refresh tokens, mail tokens, invitation codes, the body of API
 * keys). Only their SHA-256 is stored: at this entropy a guess is hopeless, so a slow
 * hash (argon2) would add nothing but cost on every request, and a plain digest lets
 * the token be found by equality on a unique index.
 */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecretToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export const SECRET_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
