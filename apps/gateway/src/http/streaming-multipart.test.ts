import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerStreamingMultipart } from '../gateway.http.js';

/** A multipart body with one field and one file. */
function form(): { payload: Buffer; headers: Record<string, string> } {
  const boundary = 'docat-test-boundary';
  const payload = Buffer.from(
    [
      `--${boundary}`,
      'Content-Disposition: form-data; name="targetLang"',
      '',
      'fr',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="a.pdf"',
      'Content-Type: application/pdf',
      '',
      '%PDF-1.7 body',
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('registerStreamingMultipart', () => {
  test('multipart bodies stream as parts; no request hook is added; saving files to disk refuses', async () => {
    const app = Fastify({ logger: false });
    const hooks: string[] = [];
    const addHook = app.addHook.bind(app);
    // Hooks the plugin adds reach the instance through the proxy: count them.
    (app as unknown as { addHook: (n: string, h: unknown) => unknown }).addHook = (n, h) => {
      hooks.push(n);
      return (addHook as (n: string, h: unknown) => unknown)(n, h);
    };
    registerStreamingMultipart(app);
    app.post('/parts', async (request) => {
      const seen: string[] = [];
      for await (const part of request.parts()) {
        if (part.type === 'file') seen.push(`${part.fieldname}:${(await part.toBuffer()).length}`);
        else seen.push(`${part.fieldname}=${String(part.value)}`);
      }
      return { seen };
    });
    app.post('/saved', async (request) => {
      await request.saveRequestFiles();
      return { saved: true };
    });
    await app.ready();
    try {
      assert.deepEqual(
        hooks.filter((h) => h === 'onRequest' || h === 'onResponse'),
        [],
        'no hook on every request',
      );
      const streamed = await app.inject({ method: 'POST', url: '/parts', ...form() });
      assert.equal(streamed.statusCode, 200);
      assert.deepEqual(streamed.json(), { seen: ['targetLang=fr', 'file:13'] });
      const saved = await app.inject({ method: 'POST', url: '/saved', ...form() });
      assert.equal(saved.statusCode, 500);
      assert.match(saved.json<{ message: string }>().message, /streams uploads/);
    } finally {
      await app.close();
    }
  });
});
