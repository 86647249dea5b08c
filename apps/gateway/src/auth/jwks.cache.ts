import { importJWK, type CryptoKey } from 'jose';
import type { Jwks } from '@docat/contracts';

export interface JwksCacheOptions {
  /** Minimum time between two fetches, so unknown `kid`s cannot make the gateway hammer auth. */
  minRefetchIntervalMs?: number;
  /** Keys are refreshed in the background of a lookup after this long. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * The signing keys auth publishes, fetched over RPC and kept in memory. A token with
 * an unknown `kid` triggers one refetch (rotation), at most once per
 * `minRefetchIntervalMs`; concurrent lookups share one fetch.
 */
export class JwksCache {
  private keys = new Map<string, CryptoKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;
  private readonly minRefetchIntervalMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchJwks: () => Promise<Jwks>,
    options: JwksCacheOptions = {},
  ) {
    this.minRefetchIntervalMs = options.minRefetchIntervalMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The key for `kid`, or null if auth does not publish it. */
  async keyFor(kid: string): Promise<CryptoKey | null> {
    // A lookup during a fetch waits for it: `fetchedAt` is set when the fetch starts,
    // so without this it would skip the refetch and look in a cache not yet filled.
    if (this.inFlight) await this.inFlight.catch(() => undefined);
    const age = this.now() - this.fetchedAt;
    const known = this.keys.get(kid);
    if (known && age < this.maxAgeMs) return known;
    if (age >= this.minRefetchIntervalMs) {
      try {
        await this.refresh();
      } catch (error) {
        // A stale but known key keeps serving while auth is briefly unreachable.
        if (!known) throw error;
      }
    }
    return this.keys.get(kid) ?? null;
  }

  /**
   * Whether the last fetched key set still holds `kid`: a verdict reached with a key that
   * auth has since withdrawn is not reused.
   */
  publishes(kid: string): boolean {
    return this.keys.has(kid);
  }

  async refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    this.fetchedAt = this.now();
    const jwks = await this.fetchJwks();
    const next = new Map<string, CryptoKey>();
    for (const jwk of jwks.keys) {
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || jwk.alg !== 'EdDSA') continue;
      const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA');
      if (key instanceof Uint8Array) continue;
      next.set(jwk.kid, key);
    }
    this.keys = next;
  }
}
