import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '@docat/config';
import { DocatError } from '@docat/contracts';
import {
  MemoryRateLimiter,
  Translator,
  engineChain,
  segmentBlocks,
  type EngineEnv,
} from '@docat/translate';
import { FakeDeepLServer, FakeGoogleServer, FakeOpenAiServer } from '@docat/translate/testing';
import { engineEnv } from './engine-env.js';
import { EnginesController } from './engines.controller.js';

/** A server that takes every connection and never sends a byte. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const segments = segmentBlocks([
  { id: 'b1', type: 'paragraph', text: 'Revenue rose 12% in 2024.' },
  { id: 'b2', type: 'paragraph', text: 'The report has four parts.' },
]);

async function translateWith(env: EngineEnv): Promise<unknown> {
  return new Translator({ limiter: new MemoryRateLimiter() }).translate({
    accountId: 'a',
    engines: engineChain('deepl', env),
    source: 'en',
    target: 'de',
    segments,
  });
}

describe('engine timeouts, as the configuration sets them', () => {
  test('an engine that accepts the connection and never answers fails with ENGINE_TIMEOUT by its deadline, naming its host', async () => {
    const silent = await silentServer();
    try {
      const env = engineEnv(
        loadConfig({
          NODE_ENV: 'test',
          DEEPL_AUTH_KEY: 'test-deepl-key:fx',
          DEEPL_SERVER_URL: silent.url,
          ENGINE_RESPONSE_TIMEOUT: '400ms',
          ENGINE_RESPONSE_TIME_PER_1000_CHARS: '100ms',
          ENGINE_DEADLINE: '1500ms',
        }).translation,
      );
      const started = Date.now();
      const failure = await translateWith(env).then(
        () => assert.fail('a server that never answers translated'),
        (err: unknown) => err,
      );
      const took = Date.now() - started;
      assert.ok(failure instanceof DocatError, String(failure));
      assert.equal(failure.code, 'ENGINE_TIMEOUT');
      const host = new URL(silent.url).host;
      assert.match(
        failure.message,
        new RegExp(`no answer from ${host.replace(/\./gu, '\\.')} in 0\\.\\d s`, 'u'),
      );
      assert.match(
        failure.message,
        /\(\d attempts? in \d(\.\d)? s; see ENGINE_RESPONSE_TIMEOUT and ENGINE_DEADLINE\)/u,
      );
      // Five attempts of 60 s before; now the deadline, and the request's own time at most.
      assert.ok(took < 3_000, `failed after ${took} ms`);
    } finally {
      await silent.close();
    }
  });

  test('an engine slower than the connect timeout but within the response timeout translates', async () => {
    const slow = new FakeDeepLServer({ latencyMs: 700 });
    await slow.start();
    try {
      const env = engineEnv(
        loadConfig({
          NODE_ENV: 'test',
          DEEPL_AUTH_KEY: 'test-deepl-key:fx',
          DEEPL_SERVER_URL: slow.url,
          ENGINE_CONNECT_TIMEOUT: '200ms',
          ENGINE_RESPONSE_TIMEOUT: '2s',
          ENGINE_DEADLINE: '3s',
        }).translation,
      );
      const out = (await translateWith(env)) as { texts: Map<string, string> };
      assert.equal(out.texts.get('b1:0'), '[de] Revenue rose 12% in 2024.');
      assert.equal(slow.translationRequests, 1, 'the slow answer was waited for, not retried');
    } finally {
      await slow.close();
    }
  });

  test('a wait that is not a duration is refused with the variable named', () => {
    assert.throws(
      () => engineChain('deepl', { DEEPL_AUTH_KEY: 'k', ENGINE_DEADLINE: '60' }),
      /ENGINE_DEADLINE: expected a positive duration/u,
    );
  });
});

describe('the credential check before extraction', () => {
  const deepl = new FakeDeepLServer();
  const openai = new FakeOpenAiServer();
  const google = new FakeGoogleServer();
  before(async () => {
    await Promise.all([deepl.start(), openai.start(), google.start()]);
  });
  after(async () => {
    await Promise.all([deepl.close(), openai.close(), google.close()]);
  });

  const resolve = (env: EngineEnv, engine: 'deepl' | 'openai' | 'google') =>
    new EnginesController(env).resolve({ engine, targetLanguage: 'de' });

  for (const [engine, wrong, right] of [
    [
      'deepl',
      () => ({ DEEPL_AUTH_KEY: 'wrong-key:fx', DEEPL_SERVER_URL: deepl.url }),
      () => ({ DEEPL_AUTH_KEY: 'test-deepl-key:fx', DEEPL_SERVER_URL: deepl.url }),
    ],
    [
      'openai',
      () => ({ OPENAI_API_KEY: 'wrong-key', OPENAI_BASE_URL: `${openai.url}/v1` }),
      () => ({ OPENAI_API_KEY: 'test-openai-key', OPENAI_BASE_URL: `${openai.url}/v1` }),
    ],
    [
      'google',
      () => ({ GOOGLE_API_KEY: 'wrong-key', GOOGLE_TRANSLATE_URL: google.baseUrl }),
      () => ({ GOOGLE_API_KEY: 'test-google-key', GOOGLE_TRANSLATE_URL: google.baseUrl }),
    ],
  ] as const) {
    test(`${engine}: a refused key makes the job ENGINE_AUTH before it exists; the right key passes`, async () => {
      const refused = await resolve(wrong(), engine).then(
        () => assert.fail('a refused key was accepted'),
        (err: unknown) => err,
      );
      assert.ok(refused instanceof DocatError, String(refused));
      assert.equal(refused.code, 'ENGINE_AUTH');
      assert.match(refused.message, new RegExp(`^${engine} refused its key \\(\\w+\\): `, 'u'));
      assert.ok(refused.message.length < 400, refused.message);
      const chosen = await resolve(right(), engine);
      assert.equal(chosen.engine, engine);
    });
  }

  test('a chain with an engine that accepts its key is not refused (the fallback translates)', async () => {
    const chosen = await resolve(
      {
        DEEPL_AUTH_KEY: 'wrong-key:fx',
        DEEPL_SERVER_URL: deepl.url,
        OPENAI_API_KEY: 'test-openai-key',
        OPENAI_BASE_URL: `${openai.url}/v1`,
        TRANSLATION_ENGINES: 'deepl,openai',
      },
      'deepl',
    );
    assert.equal(chosen.engine, 'deepl');
  });

  test('an engine that cannot be reached is not refused here: its own error comes with the job', async () => {
    const down = await silentServer();
    await down.close();
    const chosen = await resolve(
      { DEEPL_AUTH_KEY: 'test-deepl-key:fx', DEEPL_SERVER_URL: down.url },
      'deepl',
    );
    assert.equal(chosen.engine, 'deepl');
  });
});
