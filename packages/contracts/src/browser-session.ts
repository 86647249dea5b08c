/**
 * Names of the browser sign-in (`/v1/auth/browser/*`), shared by the gateway and the web
 * app. This module imports nothing, so the web app bundles it alone
 * (`@docat/contracts/browser-session`) without zod or Node built-ins.
 *
 * The refresh token travels only in an `HttpOnly` cookie whose path is the browser
 * routes, so scripts never see it and no other route receives it. Those routes also
 * require the CSRF header to repeat the CSRF cookie (double submit; a page of another
 * origin can neither read the cookie nor send a custom header without CORS allowing it).
 */
export const BROWSER_SESSION = {
  /** Path of the browser routes and of the refresh cookie. */
  path: '/v1/auth/browser',
  refreshCookie: 'docat_refresh',
  csrfCookie: 'docat_csrf',
  csrfHeader: 'x-csrf-token',
} as const;

/** What the browser routes answer: the access token only (the refresh token is in the cookie). */
export interface BrowserAccessToken {
  accessToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}
