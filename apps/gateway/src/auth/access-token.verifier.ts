import { hash } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type CryptoKey } from 'jose';
import { ACCESS_TOKEN, accessTokenClaimsSchema, DocatError } from '@docat/contracts';
import type { JwksCache } from './jwks.cache.js';
import type { AuthenticatedUser } from './principal.js';
import type { TokenDenyList } from './token-deny-list.js';

export type { AuthenticatedUser } from './principal.js';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered; the oldest is forgotten first. Default 10,000 (a few MB). */
  maxEntries?: number;
  /** Longest a verdict is reused before the signature is checked again. Default 60 s. */
  maxAgeMs?: number;
  now?: () => number;
}

interface Verified {
  user: AuthenticatedUser;
  kid: string;
  iat: number | undefined;
  /** Epoch ms after which the verdict is not reused: the earlier of the token's expiry and maxAge. */
  until: number;
}

/**
 * Verifies access tokens locally (no call per request). The algorithm is pinned to
 * EdDSA before any key is looked up, so `alg: none` and an HMAC signed with the public
 * key (algorithm confusion) never reach a verifier; issuer, audience, `typ` and expiry
 * are checked by jose, the claims shape by the contract schema. Last, the deny list
 * refuses tokens of a user issued before their account was disabled, their password
 * reset or their sign-out everywhere, and tokens of a session that was signed out.
 */
export class AccessTokenVerifier {
  /**
   * Verdicts of valid tokens, keyed by the token's SHA-256 (no token is kept in memory).
   * An EdDSA verification costs about a hundred times a hash, and a client polling a job
   * sends the same token many times a second. A reused verdict still checks, on every
   * request, that the token has not expired, that its signing key is still published,
   * and the deny list, so revocations take effect as fast as without the cache.
   */
  private readonly verified = new Map<string, Verified>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly jwks: JwksCache,
    private readonly denyList: TokenDenyList | null = null,
    private readonly clockToleranceSeconds = 5,
    cache: VerifiedTokenCacheOptions = {},
  ) {
    this.maxEntries = cache.maxEntries ?? 10_000;
    this.maxAgeMs = cache.maxAgeMs ?? 60_000;
    this.now = cache.now ?? Date.now;
  }

  /** Tokens whose verdict is remembered. */
  get cachedTokens(): number {
    return this.verified.size;
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    const known = this.cached(token);
    if (known) return known;
    if (!COMPACT_JWS.test(token)) throw invalid('The token is malformed');
    const { user, kid, iat, exp } = await this.verifyFully(token);
    this.remember(tokenDigest(token), {
      user,
      kid,
      iat,
      until: Math.min(exp * 1000, this.now() + this.maxAgeMs),
    });
    return { ...user };
  }

  /**
   * The principal of a token verified before, without waiting: undefined when its
   * verdict is not remembered (or no longer valid), so the caller must `verify` it. A
   * remembered token that was revoked since throws, as `verify` would. Only tokens that
   * passed every check are remembered, so a malformed token is never found here.
   */
  cached(token: string): AuthenticatedUser | undefined {
    if (token.length > 4096) throw invalid('The token is malformed');
    const digest = tokenDigest(token);
    const known = this.verified.get(digest);
    if (!known) return undefined;
    if (this.now() < known.until && this.jwks.publishes(known.kid)) {
      if (this.denyList?.isDenied(known.user.id, known.iat, known.user.sessionId))
        throw invalid('The token was revoked');
      return { ...known.user };
    }
    this.verified.delete(digest);
    return undefined;
  }

  private remember(digest: string, entry: Verified): void {
    if (this.verified.size >= this.maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest verdict.
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(digest, entry);
  }

  private async verifyFully(
    token: string,
  ): Promise<{ user: AuthenticatedUser; kid: string; iat: number | undefined; exp: number }> {
    let kid: string;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== ACCESS_TOKEN.algorithm)
        throw invalid('The token algorithm is not accepted');
      if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) {
        throw invalid('The token has no key id');
      }
      kid = header.kid;
    } catch (error) {
      if (error instanceof DocatError) throw error;
      throw invalid('The token is malformed');
    }
    const key = await this.jwks.keyFor(kid);
    if (!key) throw invalid('The token was signed by an unknown key');
    try {
      const { payload } = await jwtVerify(token, async (): Promise<CryptoKey> => key, {
        algorithms: [ACCESS_TOKEN.algorithm],
        issuer: ACCESS_TOKEN.issuer,
        audience: ACCESS_TOKEN.audience,
        typ: ACCESS_TOKEN.type,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: this.clockToleranceSeconds,
      });
      const claims = accessTokenClaimsSchema.safeParse(payload);
      if (!claims.success) throw invalid('The token claims are not valid');
      if (this.denyList?.isDenied(claims.data.sub, claims.data.iat, claims.data.sid))
        throw invalid('The token was revoked');
      const user: AuthenticatedUser = {
        id: claims.data.sub,
        role: claims.data.role,
        plan: claims.data.plan ?? 'free',
        via: 'access-token',
      };
      if (claims.data.sid) user.sessionId = claims.data.sid;
      if (claims.data.iat !== undefined) user.issuedAt = claims.data.iat;
      user.expiresAt = claims.data.exp;
      return { user, kid, iat: claims.data.iat, exp: claims.data.exp };
    } catch (error) {
      if (error instanceof DocatError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw invalid('The token has expired');
      throw invalid('The token is not valid');
    }
  }
}

/** The cache key of a token: its SHA-256 (one-shot, no hash object per request), so no token is kept. */
function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64url');
}

function invalid(detail: string): DocatError {
  return new DocatError('TOKEN_INVALID', detail);
}

/** The token from an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
