/**
 * Who a request acts for, whichever credential it carried: an access token or an API
 * key yields the same principal, so routes, ownership checks, rate limits and plans do
 * not care how the caller signed in.
 */
export interface AuthenticatedUser {
  id: string;
  role: 'user' | 'admin';
  /** The plan when the credential was checked (an access token carries it from its issue). */
  plan: string;
  via: 'access-token' | 'api-key';
  /** The session an access token belongs to. */
  sessionId?: string;
  /** The API key used. */
  apiKeyId?: string;
  /** When the access token was issued and when it expires (epoch seconds); absent for API keys. */
  issuedAt?: number;
  expiresAt?: number;
}
