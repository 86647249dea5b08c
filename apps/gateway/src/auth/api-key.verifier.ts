import { createHash } from 'node:crypto';
import { API_KEY_SHAPE, DocatError, type ApiKeyPrincipal, type ErrorCode } from '@docat/contracts';
import type { AuthenticatedUser } from './principal.js';

export interface ApiKeyVerifierOptions {
  /** How long a verification is trusted; at most 5 s, the revocation promise. */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

type Entry = { expiresAt: number; userId?: string; keyId?: string } & (
  { user: AuthenticatedUser } | { code: ErrorCode }
);

/** The longest a verification may be reused: a revoked key must stop working within 5 s everywhere. */
export const API_KEY_CACHE_MAX_TTL_MS = 5_000;

/**
 * Verifies API keys through auth (`auth.verify-api-key`) with a short in-memory cache,
 * keyed by the key's SHA-256 so the process never keeps keys themselves. Answers
 * (refusals too, so a bad key cannot make the gateway hammer auth) live at most five
 * seconds; auth's revocation broadcasts drop entries at once, and a lookup that raced
 * a broadcast is not cached.
 */
export class ApiKeyVerifier {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<AuthenticatedUser>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Bumped by every drop: a lookup that started before one does not cache its answer. */
  private generation = 0;

  constructor(
    private readonly lookup: (key: string) => Promise<ApiKeyPrincipal>,
    options: ApiKeyVerifierOptions = {},
  ) {
    this.ttlMs = Math.min(options.ttlMs ?? API_KEY_CACHE_MAX_TTL_MS, API_KEY_CACHE_MAX_TTL_MS);
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async verify(key: string): Promise<AuthenticatedUser> {
    if (!API_KEY_SHAPE.test(key)) throw new DocatError('TOKEN_INVALID', 'The API key is malformed');
    const id = createHash('sha256').update(key).digest('base64url');
    const cached = this.entries.get(id);
    if (cached && cached.expiresAt > this.now()) {
      if ('user' in cached) return cached.user;
      throw new DocatError(
        cached.code,
        cached.code === 'TOKEN_INVALID' ? 'The API key is unknown, revoked or expired' : undefined,
      );
    }
    if (cached) this.entries.delete(id);
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.fetch(id, key).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  /** Forgets a key (revoked). */
  dropKey(keyId: string): void {
    this.generation++;
    for (const [id, entry] of this.entries) if (entry.keyId === keyId) this.entries.delete(id);
  }

  /** Forgets every key of a user (disabled). */
  dropUser(userId: string): void {
    this.generation++;
    for (const [id, entry] of this.entries) if (entry.userId === userId) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private async fetch(id: string, key: string): Promise<AuthenticatedUser> {
    const generation = this.generation;
    const store = (entry: Entry) => {
      if (generation !== this.generation) return;
      if (this.entries.size >= this.maxEntries) {
        // Oldest first: Map keeps insertion order.
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(id, entry);
    };
    try {
      const principal = await this.lookup(key);
      const user: AuthenticatedUser = {
        id: principal.userId,
        role: principal.role,
        plan: principal.plan,
        via: 'api-key',
        apiKeyId: principal.keyId,
      };
      store({
        expiresAt: this.now() + this.ttlMs,
        userId: principal.userId,
        keyId: principal.keyId,
        user,
      });
      return user;
    } catch (error) {
      // Only definite refusals are cached; an outage of auth is not remembered.
      if (
        error instanceof DocatError &&
        (error.code === 'TOKEN_INVALID' || error.code === 'ACCOUNT_DISABLED')
      ) {
        store({ expiresAt: this.now() + this.ttlMs, code: error.code });
      }
      throw error;
    }
  }
}
