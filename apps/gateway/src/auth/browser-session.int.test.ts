import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER_SESSION, problemSchema } from '@docat/contracts';
import { startGatewayStack, type GatewayStack } from '../testing/gateway.stack.js';
import { WEB_APP_CSP } from '../http/security-headers.js';

const PASSWORD = 'a-long-password';

interface SetCookie {
  value: string;
  attributes: Map<string, string>;
}

/** The Set-Cookie headers of a response, by cookie name. */
function setCookies(response: Response): Map<string, SetCookie> {
  const cookies = new Map<string, SetCookie>();
  for (const line of response.headers.getSetCookie()) {
    const [pair = '', ...rest] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const attributes = new Map(
      rest.map((a) => [a.split('=')[0]!.toLowerCase(), a.split('=').slice(1).join('=')]),
    );
    cookies.set(pair.slice(0, eq), { value: pair.slice(eq + 1), attributes });
  }
  return cookies;
}

async function codeOf(response: Response): Promise<string> {
  const problem = problemSchema.parse(await response.json());
  return `${response.status} ${problem.code}`;
}

describe('browser sessions: the refresh token in an HttpOnly cookie, CSRF-checked refresh and sign-out', () => {
  let stack: GatewayStack;
  const url = (path: string) => `${stack.baseUrl}${path}`;

  /** A browser's view of its two cookies. */
  interface Jar {
    refresh: string;
    csrf: string;
  }

  function post(
    path: string,
    jar: Partial<Jar>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const cookie = [
      jar.refresh ? `${BROWSER_SESSION.refreshCookie}=${jar.refresh}` : '',
      jar.csrf ? `${BROWSER_SESSION.csrfCookie}=${jar.csrf}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return fetch(url(path), {
      method: 'POST',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });
  }

  const refresh = (jar: Partial<Jar>, headers: Record<string, string> = {}) =>
    post(`${BROWSER_SESSION.path}/refresh`, jar, headers);
  const csrfHeader = (jar: Jar) => ({
    [BROWSER_SESSION.csrfHeader]: jar.csrf,
    'sec-fetch-site': 'same-origin',
  });

  function jarOf(response: Response): Jar {
    const cookies = setCookies(response);
    return {
      refresh: cookies.get(BROWSER_SESSION.refreshCookie)!.value,
      csrf: cookies.get(BROWSER_SESSION.csrfCookie)!.value,
    };
  }

  async function signIn(email: string): Promise<{ jar: Jar; accessToken: string }> {
    const response = await fetch(url(`${BROWSER_SESSION.path}/login`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as Record<string, unknown>;
    return { jar: jarOf(response), accessToken: String(body.accessToken) };
  }

  before(async () => {
    stack = await startGatewayStack({ RATE_LIMIT_AUTH_LOGIN: '1000/minute' });
    for (const email of ['cookie@example.org', 'reuse@example.org', 'logout@example.org']) {
      const response = await fetch(url('/v1/auth/register'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      assert.equal(response.status, 202, `register answered ${response.status}`);
    }
  });

  after(async () => {
    await stack?.stop();
  });

  test('sign-in sets an HttpOnly, Secure, SameSite=Strict refresh cookie scoped to the browser routes, and answers only the access token', async () => {
    const response = await fetch(url(`${BROWSER_SESSION.path}/login`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cookie@example.org', password: PASSWORD }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(
      Object.keys(body).sort(),
      ['accessToken', 'expiresIn', 'tokenType'],
      'no refresh token in the body',
    );
    const cookies = setCookies(response);
    const refreshCookie = cookies.get(BROWSER_SESSION.refreshCookie)!;
    assert.ok(refreshCookie.value.length >= 40);
    assert.equal(refreshCookie.attributes.get('path'), BROWSER_SESSION.path);
    assert.ok(refreshCookie.attributes.has('httponly'));
    assert.ok(refreshCookie.attributes.has('secure'));
    assert.equal(refreshCookie.attributes.get('samesite'), 'Strict');
    assert.ok(Number(refreshCookie.attributes.get('max-age')) > 0);
    const csrfCookie = cookies.get(BROWSER_SESSION.csrfCookie)!;
    assert.equal(csrfCookie.attributes.get('path'), '/');
    assert.equal(csrfCookie.attributes.has('httponly'), false, 'the page must read the CSRF token');
    assert.equal(csrfCookie.attributes.get('samesite'), 'Strict');
    const me = await fetch(url('/v1/me'), {
      headers: { authorization: `Bearer ${String(body.accessToken)}` },
    });
    assert.equal(me.status, 200);
  });

  test('refresh requires the CSRF header to repeat the cookie and refuses cross-site requests', async () => {
    const { jar } = await signIn('cookie@example.org');
    assert.equal(await codeOf(await refresh(jar)), '403 CSRF_FAILED');
    assert.equal(
      await codeOf(await refresh(jar, { [BROWSER_SESSION.csrfHeader]: 'guessed' })),
      '403 CSRF_FAILED',
    );
    assert.equal(
      await codeOf(
        await refresh({ refresh: jar.refresh }, { [BROWSER_SESSION.csrfHeader]: jar.csrf }),
      ),
      '403 CSRF_FAILED',
      'a header without its cookie',
    );
    assert.equal(
      await codeOf(await refresh(jar, { ...csrfHeader(jar), 'sec-fetch-site': 'cross-site' })),
      '403 CSRF_FAILED',
    );
    assert.equal(
      await codeOf(await refresh(jar, { ...csrfHeader(jar), 'sec-fetch-site': 'same-site' })),
      '403 CSRF_FAILED',
    );
    assert.equal(
      await codeOf(await refresh({ csrf: jar.csrf }, csrfHeader(jar))),
      '401 UNAUTHENTICATED',
      'no session cookie',
    );

    const rotated = await refresh(jar, csrfHeader(jar));
    assert.equal(rotated.status, 200);
    const next = jarOf(rotated);
    assert.notEqual(next.refresh, jar.refresh, 'the refresh cookie rotates');
    assert.notEqual(next.csrf, jar.csrf, 'and so does the CSRF token');
    const { accessToken } = (await rotated.json()) as { accessToken: string };
    assert.equal(
      (await fetch(url('/v1/me'), { headers: { authorization: `Bearer ${accessToken}` } })).status,
      200,
    );
    // The JSON variant for API clients is unchanged.
    const json = await fetch(url('/v1/auth/refresh'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: next.refresh }),
    });
    assert.equal(json.status, 200);
  });

  test('a reused refresh cookie ends the session and clears the cookies', async () => {
    const { jar } = await signIn('reuse@example.org');
    const first = await refresh(jar, csrfHeader(jar));
    assert.equal(first.status, 200);
    const next = jarOf(first);
    const replay = await refresh(jar, csrfHeader(jar));
    assert.equal(await codeOf(replay.clone()), '401 TOKEN_INVALID');
    const cleared = setCookies(replay).get(BROWSER_SESSION.refreshCookie);
    assert.ok(
      cleared &&
        (cleared.value === '' ||
          cleared.attributes.get('max-age') === '0' ||
          cleared.attributes.has('expires')),
      'the refused cookie is cleared',
    );
    assert.equal(
      await codeOf(await refresh(next, csrfHeader(next))),
      '401 TOKEN_INVALID',
      'the whole family is revoked',
    );
  });

  test('sign-out is CSRF-checked, ends the session and clears both cookies', async () => {
    const { jar } = await signIn('logout@example.org');
    assert.equal(
      await codeOf(await post(`${BROWSER_SESSION.path}/logout`, jar)),
      '403 CSRF_FAILED',
    );
    const out = await post(`${BROWSER_SESSION.path}/logout`, jar, csrfHeader(jar));
    assert.equal(out.status, 204);
    const cookies = setCookies(out);
    assert.ok(
      cookies.has(BROWSER_SESSION.refreshCookie) && cookies.has(BROWSER_SESSION.csrfCookie),
    );
    assert.equal(await codeOf(await refresh(jar, csrfHeader(jar))), '401 TOKEN_INVALID');
  });

  test('the web app is served at / with its CSP; the API keeps its own', async () => {
    const shell = await fetch(url('/jobs/some-id'), { headers: { accept: 'text/html' } });
    assert.equal(shell.status, 200);
    assert.equal(shell.headers.get('content-security-policy'), WEB_APP_CSP);
    assert.equal(shell.headers.get('x-frame-options'), 'DENY');
    const api = await fetch(url('/v1/languages'));
    assert.equal(
      api.headers.get('content-security-policy'),
      "default-src 'none'; frame-ancestors 'none'",
    );
    const unknown = await fetch(url('/no/such/file.js'), { headers: { accept: 'text/html' } });
    assert.equal(await codeOf(unknown), '404 NOT_FOUND');
  });
});
