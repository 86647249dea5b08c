import { API_KEY_PREFIX, API_KEY_SHAPE } from '@docat/contracts';
import { hashSecretToken, newSecretToken } from '../tokens/secret-token.js';

/**
 * An API key is `dk_` and 256 random bits in base64url. Only the SHA-256 of the whole
 * key is stored. argon2 would protect a low-entropy secret (a password) against
 * guessing after a database leak; a 256-bit random key cannot be guessed either way,
 * and a fast digest lets auth find the key by an index lookup on every (cache-missed)
 * request instead of spending ~50 ms of CPU and 19 MiB per check.
 */
export function newApiKey(): { key: string; prefix: string; hash: Buffer } {
  const key = `${API_KEY_PREFIX}${newSecretToken()}`;
  return { key, prefix: displayPrefix(key), hash: hashSecretToken(key) };
}

export function displayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 8);
}

export function hashApiKey(key: string): Buffer | null {
  return API_KEY_SHAPE.test(key) ? hashSecretToken(key) : null;
}
