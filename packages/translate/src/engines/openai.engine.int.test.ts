import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEngineConformance } from '../testing/engine-conformance.js';
import { FakeOpenAiServer } from '../testing/fake-openai.js';
import { OpenAiEngine } from './openai.engine.js';
import { createEngine } from './registry.js';
import { createGlossary } from '../glossary.js';
import { MemoryRateLimiter } from '@docat/request-limiter';
import { segmentBlocks } from '../segment.js';
import { Translator } from '../translator.js';

describeEngineConformance({
  label: 'openai',
  server: (options) => new FakeOpenAiServer(options),
  engine: (server) =>
    new OpenAiEngine({ apiKeys: ['test-openai-key'], baseURL: server.baseURL, model: 'gpt-test' }),
  protocol: 'llm',
  seesRetryAfter: true,
});

test('API keys from a pool are used round-robin', async () => {
  const seen: string[] = [];
  const server = await new FakeOpenAiServer({ key: 'k1' }).start();
  try {
    const engine = createEngine('openai', {
      OPENAI_API_KEY: 'k1,k2',
      OPENAI_BASE_URL: server.baseURL,
    })!;
    for (let i = 0; i < 4; i++) {
      await engine.translateBatch({ target: 'de', segments: [{ id: 's', text: 'Hello' }] }).then(
        () => seen.push('ok'),
        () => seen.push('rejected'),
      );
    }
    assert.deepEqual(
      seen,
      ['ok', 'rejected', 'ok', 'rejected'],
      'k2 is wrong for this fake: every second request carries it',
    );
  } finally {
    await server.close();
  }
});

test('openrouter and gemini presets are OpenAI-compatible engines with their own names', () => {
  const router = createEngine('openrouter', { OPENROUTER_API_KEY: 'x' })!;
  const gemini = createEngine('gemini', { GEMINI_API_KEY: 'x', GEMINI_MODEL: 'gemini-test' })!;
  assert.equal(router.name, 'openrouter');
  assert.equal(gemini.name, 'gemini');
  assert.equal(gemini.model, 'gemini-test');
  assert.equal(createEngine('openai', {}), undefined);
});

test('the prompt carries the batch as JSON, the title, neighbouring text and glossary terms', async () => {
  const server = await new FakeOpenAiServer().start();
  try {
    const engine = new OpenAiEngine({ apiKeys: ['test-openai-key'], baseURL: server.baseURL });
    const segments = segmentBlocks([
      { id: 'a', type: 'paragraph', text: 'Before this one.' },
      { id: 'b', type: 'paragraph', text: 'The engine runs.' },
      { id: 'c', type: 'paragraph', text: 'After that one.' },
    ]);
    const translator = new Translator(
      { limiter: new MemoryRateLimiter() },
      { batch: { maxSegments: 1 } },
    );
    const glossary = createGlossary({ source: 'en', target: 'de' }, [
      { term: 'engine', translation: 'Motor' },
    ]);
    const out = await translator.translate({
      accountId: 'a',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
      glossary,
      context: { title: 'Annual Report' },
    });
    assert.equal(out.texts.get('b:0'), '[de] The Motor runs.');
    const body = JSON.parse(server.bodies[1]!) as { messages: { role: string; content: string }[] };
    const system = body.messages.find((m) => m.role === 'system')!.content;
    assert.match(system, /Document title: Annual Report/u);
    assert.match(system, /> Before this one\./u);
    assert.match(system, /> After that one\./u);
    assert.match(system, /- engine => Motor/u);
    const user = JSON.parse(body.messages.find((m) => m.role === 'user')!.content) as unknown;
    assert.deepEqual(user, {
      source: 'en',
      target: 'de',
      segments: [{ id: 'u1', text: 'The ⟦0⟧ runs.' }],
    });
  } finally {
    await server.close();
  }
});
