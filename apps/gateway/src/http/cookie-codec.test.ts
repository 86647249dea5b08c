import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerCookieCodec } from '../gateway.http.js';

describe('registerCookieCodec', () => {
  test('cookies parse and serialise on demand; no hook runs on every answer; setCookie refuses', async () => {
    const app = Fastify({ logger: false });
    const hooks: string[] = [];
    const addHook = app.addHook.bind(app);
    // Hooks the plugin adds reach the instance through the proxy: count them.
    (app as unknown as { addHook: (n: string, h: unknown) => unknown }).addHook = (n, h) => {
      hooks.push(n);
      return (addHook as (n: string, h: unknown) => unknown)(n, h);
    };
    await registerCookieCodec(app);
    app.get('/read', (request, reply) => {
      void reply
        .header(
          'set-cookie',
          app.serializeCookie('a', '1', { httpOnly: true, path: '/x', sameSite: 'strict' }),
        )
        .header('set-cookie', app.serializeCookie('b', '', { maxAge: 0, path: '/' }))
        .send({ cookies: app.parseCookie(request.headers.cookie ?? '') });
    });
    app.get('/plugin-way', (_request, reply) => reply.setCookie('a', '1').send({ set: true }));
    await app.ready();
    try {
      assert.deepEqual(hooks, [], 'no hook: nothing runs on answers that set no cookie');
      const read = await app.inject({
        method: 'GET',
        url: '/read',
        headers: { cookie: 'x=1; y=two' },
      });
      assert.equal(read.statusCode, 200);
      assert.deepEqual(read.json(), { cookies: { x: '1', y: 'two' } });
      assert.deepEqual(read.headers['set-cookie'], [
        'a=1; Path=/x; HttpOnly; SameSite=Strict',
        'b=; Max-Age=0; Path=/',
      ]);
      const refused = await app.inject({ method: 'GET', url: '/plugin-way' });
      assert.equal(refused.statusCode, 500);
      assert.equal(refused.headers['set-cookie'], undefined);
      assert.match(refused.json<{ message: string }>().message, /Set-Cookie header/);
    } finally {
      await app.close();
    }
  });
});
