import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEngineConformance } from '../testing/engine-conformance.js';
import { FakeLibreTranslateServer } from '../testing/fake-libretranslate.js';
import { EngineError } from './engine-error.js';
import { LibreTranslateEngine } from './libretranslate.engine.js';

describeEngineConformance({
  label: 'libretranslate',
  server: (options) => new FakeLibreTranslateServer({ key: 'test-libre-key', ...options }),
  engine: (server) => new LibreTranslateEngine({ url: server.url, apiKey: 'test-libre-key' }),
  protocol: 'mt',
  seesRetryAfter: true,
});

describe('libretranslate: a request held past the client timeout', () => {
  test('the client gives up at its timeout with a retryable error, and the fake counts the request as abandoned', async () => {
    const server = await new FakeLibreTranslateServer({
      faults: (n) => (n === 1 ? { kind: 'hang', ms: 5_000 } : undefined),
    }).start();
    try {
      const engine = new LibreTranslateEngine({ url: server.url, timeoutMs: 300 });
      const request = { target: 'de', segments: [{ id: 's1', text: 'Hello' }] };
      const started = performance.now();
      const err = await engine.translateBatch(request).then(
        () => assert.fail('a held request must not be answered in time'),
        (e: unknown) => e,
      );
      const waited = performance.now() - started;
      assert.ok(err instanceof EngineError, String(err));
      assert.equal(err.kind, 'unavailable');
      assert.ok(err.retryable, 'a timeout is retried');
      assert.ok(waited >= 250 && waited < 4_000, `gave up after ${Math.round(waited)} ms`);
      // The fake notices the closed connection when it would answer.
      const deadline = Date.now() + 2_000;
      while (server.abandoned === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(server.hung, 1);
      assert.equal(server.abandoned, 1);
      const next = await engine.translateBatch(request);
      assert.deepEqual(next.translations, [{ id: 's1', text: '[de] Hello' }]);
    } finally {
      await server.close();
    }
  });
});
