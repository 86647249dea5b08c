import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { BROWSER_SESSION, type DocatError, type TokenPair } from '@docat/contracts';
import { BrowserSessionCookies } from './browser-session.js';

describe('browser session cookies, with no cookie plugin on the server', () => {
  test('the routes write Set-Cookie headers and parse the Cookie header themselves', async () => {
    const app = Fastify({ logger: false });
    const cookies = new BrowserSessionCookies(3600);
    const pair = {
      accessToken: 'at',
      refreshToken: 'rt',
      expiresIn: 900,
      tokenType: 'Bearer',
    } as TokenPair;
    app.post('/issue', (_request, reply) => reply.send(cookies.issue(pair, reply)));
    app.post('/refresh', (request, reply) => {
      try {
        return reply.send({ refreshToken: cookies.refreshTokenOf(request) });
      } catch (err) {
        return reply.code(403).send({ code: (err as DocatError).code });
      }
    });
    app.post('/clear', (_request, reply) => {
      cookies.clear(reply);
      return reply.send({});
    });
    app.get('/plugin-way', (_request, reply) =>
      (reply as unknown as { setCookie: (n: string, v: string) => unknown }).setCookie('a', '1'),
    );
    await app.ready();
    try {
      const issued = await app.inject({ method: 'POST', url: '/issue' });
      assert.equal(issued.statusCode, 200);
      assert.deepEqual(issued.json(), { accessToken: 'at', expiresIn: 900, tokenType: 'Bearer' });
      const set = issued.headers['set-cookie'] as string[];
      assert.equal(set.length, 2);
      assert.equal(
        set[0],
        `${BROWSER_SESSION.refreshCookie}=rt; Max-Age=3600; Path=${BROWSER_SESSION.path}; HttpOnly; Secure; SameSite=Strict`,
      );
      assert.match(
        set[1]!,
        new RegExp(
          `^${BROWSER_SESSION.csrfCookie}=[\\w-]{43}; Max-Age=3600; Path=/; Secure; SameSite=Strict$`,
        ),
      );
      const csrf = set[1]!.split(';')[0]!.split('=')[1]!;

      const refreshed = await app.inject({
        method: 'POST',
        url: '/refresh',
        headers: {
          cookie: `x=1; ${BROWSER_SESSION.refreshCookie}=rt; ${BROWSER_SESSION.csrfCookie}=${csrf}`,
          [BROWSER_SESSION.csrfHeader]: csrf,
        },
      });
      assert.deepEqual(refreshed.json(), { refreshToken: 'rt' });
      const forged = await app.inject({
        method: 'POST',
        url: '/refresh',
        headers: {
          cookie: `${BROWSER_SESSION.refreshCookie}=rt`,
          [BROWSER_SESSION.csrfHeader]: csrf,
        },
      });
      assert.deepEqual(forged.json(), { code: 'CSRF_FAILED' });

      const cleared = await app.inject({ method: 'POST', url: '/clear' });
      assert.deepEqual(cleared.headers['set-cookie'], [
        `${BROWSER_SESSION.refreshCookie}=; Max-Age=0; Path=${BROWSER_SESSION.path}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict`,
        `${BROWSER_SESSION.csrfCookie}=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Strict`,
      ]);

      // No plugin, no reply.setCookie: a cookie cannot be set through it and silently lost.
      const refused = await app.inject({ method: 'GET', url: '/plugin-way' });
      assert.equal(refused.statusCode, 500);
      assert.equal(refused.headers['set-cookie'], undefined);
    } finally {
      await app.close();
    }
  });
});
