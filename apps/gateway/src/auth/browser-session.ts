import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie, type SetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  BROWSER_SESSION,
  DocatError,
  type BrowserAccessToken,
  type TokenPair,
} from '@docat/contracts';

/** Fetch Metadata values a browser sends for requests this origin's own pages make (absent: not a browser). */
const SAME_ORIGIN_FETCH = new Set(['same-origin', undefined]);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request's cookies, parsed on demand. These routes are the only readers and writers of
 * cookies, so the server registers no cookie plugin, whose hooks would run on every request
 * and answer (status polls included): they parse and write them with the `cookie` library.
 */
function cookiesOf(request: FastifyRequest): Record<string, string | undefined> {
  const raw = request.headers.cookie;
  return raw ? parseCookie(raw) : {};
}

/** Adds one `Set-Cookie` header. */
function setCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: Omit<SetCookie, 'name' | 'value'>,
) {
  void reply.header('set-cookie', stringifySetCookie({ name, value, ...options }));
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The browser variant of sign-in, refresh and sign-out (`/v1/auth/browser/*`). The
 * refresh token goes into an HttpOnly, Secure, SameSite=Strict cookie scoped to these
 * routes, so no script can read it and no other route receives it; the access token is
 * answered in the body and kept in the page's memory. A second, readable cookie holds a
 * random CSRF token that these routes require back in a header (double submit): a page
 * of another site can neither read the cookie nor add the header to a request here.
 * Browsers that send Fetch Metadata must also say the request came from this origin.
 */
export class BrowserSessionCookies {
  constructor(private readonly refreshTtlSeconds: number) {}

  /** Sets both cookies from a fresh token pair and answers the access token alone. */
  issue(pair: TokenPair, reply: FastifyReply): BrowserAccessToken {
    const common = { secure: true, sameSite: 'strict', maxAge: this.refreshTtlSeconds } as const;
    setCookie(reply, BROWSER_SESSION.refreshCookie, pair.refreshToken, {
      ...common,
      httpOnly: true,
      path: BROWSER_SESSION.path,
    });
    setCookie(reply, BROWSER_SESSION.csrfCookie, randomBytes(32).toString('base64url'), {
      ...common,
      httpOnly: false,
      path: '/',
    });
    void reply.header('cache-control', 'no-store');
    return { accessToken: pair.accessToken, expiresIn: pair.expiresIn, tokenType: pair.tokenType };
  }

  /** The refresh token of a request that passed the CSRF checks; null when it carries no session cookie. */
  refreshTokenOf(request: FastifyRequest): string | null {
    if (!SAME_ORIGIN_FETCH.has(header(request, 'sec-fetch-site'))) {
      throw new DocatError('CSRF_FAILED', 'Browser sessions answer only requests from this site');
    }
    const cookies = cookiesOf(request);
    const cookie = cookies[BROWSER_SESSION.csrfCookie];
    const sent = header(request, BROWSER_SESSION.csrfHeader);
    if (!cookie || !sent || !sameSecret(cookie, sent)) {
      throw new DocatError(
        'CSRF_FAILED',
        `Send the ${BROWSER_SESSION.csrfCookie} cookie's value in the ${BROWSER_SESSION.csrfHeader} header`,
      );
    }
    return cookies[BROWSER_SESSION.refreshCookie] ?? null;
  }

  clear(reply: FastifyReply): void {
    // An empty value that expired long ago (what a cookie library's clearCookie sends).
    const common = { secure: true, sameSite: 'strict', expires: new Date(0), maxAge: 0 } as const;
    setCookie(reply, BROWSER_SESSION.refreshCookie, '', {
      ...common,
      httpOnly: true,
      path: BROWSER_SESSION.path,
    });
    setCookie(reply, BROWSER_SESSION.csrfCookie, '', { ...common, path: '/' });
  }
}
