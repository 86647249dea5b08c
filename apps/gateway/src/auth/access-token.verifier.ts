import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type CryptoKey } from 'jose';
import { ACCESS_TOKEN, accessTokenClaimsSchema, DocatError } from '@docat/contracts';
import type { JwksCache } from './jwks.cache.js';
import type { AuthenticatedUser } from './principal.js';
import type { TokenDenyList } from './token-deny-list.js';

export type { AuthenticatedUser } from './principal.js';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies access tokens locally (no call per request). The algorithm is pinned to
 * EdDSA before any key is looked up, so `alg: none` and an HMAC signed with the public
 * key (algorithm confusion) never reach a verifier; issuer, audience, `typ` and expiry
 * are checked by jose, the claims shape by the contract schema. Last, the deny list
 * refuses tokens of a user issued before their account was disabled, their password
 * reset or their sign-out everywhere, and tokens of a session that was signed out.
 */
export class AccessTokenVerifier {
  constructor(
    private readonly jwks: JwksCache,
    private readonly denyList: TokenDenyList | null = null,
    private readonly clockToleranceSeconds = 5,
  ) {}

  async verify(token: string): Promise<AuthenticatedUser> {
    if (token.length > 4096 || !COMPACT_JWS.test(token)) throw invalid('The token is malformed');
    let kid: string;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== ACCESS_TOKEN.algorithm) throw invalid('The token algorithm is not accepted');
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
      if (this.denyList?.isDenied(claims.data.sub, claims.data.iat, claims.data.sid)) throw invalid('The token was revoked');
      const user: AuthenticatedUser = { id: claims.data.sub, role: claims.data.role, plan: claims.data.plan ?? 'free', via: 'access-token' };
      if (claims.data.sid) user.sessionId = claims.data.sid;
      if (claims.data.iat !== undefined) user.issuedAt = claims.data.iat;
      user.expiresAt = claims.data.exp;
      return user;
    } catch (error) {
      if (error instanceof DocatError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw invalid('The token has expired');
      throw invalid('The token is not valid');
    }
  }
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
