import { SetMetadata } from '@nestjs/common';

/**
 * The named limits of the source design. `api_general` applies to every `/v1` route by
 * itself; a route names the others it is subject to with `@RateLimit(...)`.
 */
export const RATE_LIMIT_POLICIES = [
  'pdf_upload',
  'api_general',
  'auth_login',
  'password_reset',
] as const;
export type RateLimitPolicyName = (typeof RATE_LIMIT_POLICIES)[number];

export const RATE_LIMIT_METADATA = 'docat:rate-limit';

/**
 * Subjects a route to named limits on top of `api_general`. `auth_login` and
 * `password_reset` count per client address and per account (the `email` of the body);
 * `auth_login` also locks an account after repeated failed logins (LOGIN_LOCKOUT).
 */
export const RateLimit = (...policies: RateLimitPolicyName[]): MethodDecorator & ClassDecorator =>
  SetMetadata(RATE_LIMIT_METADATA, policies);
