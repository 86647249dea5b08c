import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocatError } from '@docat/contracts';
import { assertEngineLanguages, engineChain, resolveEngine, type EngineEnv } from './registry.js';

const code = (expected: string) => (err: unknown) =>
  err instanceof DocatError && err.code === expected;
const chosen = (requested: Parameters<typeof resolveEngine>[0], env: EngineEnv) => {
  const { engine, reason } = resolveEngine(requested, env);
  return `${engine.name}:${reason}`;
};

describe('the engine a job uses', () => {
  test('the engine the request names, when it is configured', () => {
    assert.equal(
      chosen('deepl', { DEEPL_AUTH_KEY: 'k', OPENAI_API_KEY: 'k', DEFAULT_ENGINE: 'openai' }),
      'deepl:requested',
    );
    assert.equal(chosen('pseudo', { OPENAI_API_KEY: 'k' }), 'pseudo:requested');
    assert.throws(
      () => resolveEngine('anthropic', { OPENAI_API_KEY: 'k' }),
      code('ENGINE_UNAVAILABLE'),
    );
  });

  test('else DEFAULT_ENGINE, which must be configured', () => {
    const env = {
      DEEPL_AUTH_KEY: 'k',
      OPENAI_API_KEY: 'k',
      TRANSLATION_ENGINES: 'deepl,openai',
      DEFAULT_ENGINE: 'openai',
    };
    assert.equal(chosen(undefined, env), 'openai:default');
    assert.throws(
      () => resolveEngine(undefined, { DEFAULT_ENGINE: 'deepl' }),
      code('ENGINE_UNAVAILABLE'),
    );
  });

  test('else the first configured engine of TRANSLATION_ENGINES', () => {
    assert.equal(
      chosen(undefined, { OPENAI_API_KEY: 'k', TRANSLATION_ENGINES: 'deepl,openai' }),
      'openai:chain',
    );
  });

  test('else the first configured engine: a key alone is enough, pseudo never wins over it', () => {
    assert.equal(chosen(undefined, { OPENAI_API_KEY: 'k' }), 'openai:configured');
    assert.equal(
      chosen(undefined, { LIBRETRANSLATE_URL: 'http://127.0.0.1:5000' }),
      'libretranslate:configured',
    );
    // A self-hosted OpenAI-compatible server needs no key; the hosted default URL does.
    assert.equal(
      chosen(undefined, { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }),
      'openai:configured',
    );
    assert.equal(
      chosen(undefined, { OPENAI_BASE_URL: 'https://api.openai.com/v1' }),
      'pseudo:pseudo-fallback',
    );
  });

  test('else pseudo, saying it is the fallback', () => {
    assert.equal(chosen(undefined, {}), 'pseudo:pseudo-fallback');
  });

  test('the chain is the job engine, then the other configured engines of TRANSLATION_ENGINES', () => {
    const env = {
      DEEPL_AUTH_KEY: 'k',
      OPENAI_API_KEY: 'k',
      TRANSLATION_ENGINES: 'deepl,anthropic,openai',
    };
    assert.deepEqual(
      engineChain('openai', env).map((e) => e.name),
      ['openai', 'deepl'],
    );
    assert.throws(() => engineChain('anthropic', env), code('ENGINE_UNAVAILABLE'));
  });

  test('languages an engine does not list are UNSUPPORTED_LANGUAGE; an unreadable list refuses nothing', async () => {
    const { engine } = resolveEngine(undefined, { OPENAI_API_KEY: 'k', OPENAI_LANGUAGES: 'en,de' });
    await assertEngineLanguages(engine, { source: 'en', target: 'de' });
    await assert.rejects(
      assertEngineLanguages(engine, { target: 'ja' }),
      code('UNSUPPORTED_LANGUAGE'),
    );
    await assert.rejects(
      assertEngineLanguages(engine, { source: 'fr', target: 'de' }),
      code('UNSUPPORTED_LANGUAGE'),
    );
    await assertEngineLanguages(
      engine,
      { target: 'ja' },
      Promise.reject(new Error('provider down')),
    );
    assert.throws(
      () => resolveEngine(undefined, { OPENAI_API_KEY: 'k', OPENAI_LANGUAGES: 'en,xx' }),
      code('VALIDATION_FAILED'),
    );
  });
});
