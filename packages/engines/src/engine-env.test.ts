import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '@docat/config';
import { DocatError } from '@docat/contracts';
import { configuredEngines, engineChain, resolveEngine } from '@docat/translate';
import { defaultEngineLine, engineEnv } from './engine-env.js';

test('the typed configuration gives the registry the engines and the fallback chain it names', () => {
  const config = loadConfig({
    NODE_ENV: 'test',
    OPENAI_API_KEY: 'k1,k2',
    DEEPL_AUTH_KEY: 'd',
    TRANSLATION_ENGINES: 'deepl,openai',
  });
  const env = engineEnv(config.translation);
  assert.deepEqual(
    configuredEngines(env)
      .map((e) => e.name)
      .sort(),
    ['deepl', 'openai', 'pseudo'],
  );
  assert.deepEqual(
    engineChain('openai', env).map((e) => e.name),
    ['openai', 'deepl'],
  );
  assert.equal(resolveEngine(undefined, env).engine.name, 'deepl');
});

test('DEFAULT_ENGINE and the LLM language lists reach the registry', async () => {
  const env = engineEnv(
    loadConfig({
      NODE_ENV: 'test',
      OPENAI_API_KEY: 'k',
      DEEPL_AUTH_KEY: 'd',
      DEFAULT_ENGINE: 'openai',
      OPENAI_LANGUAGES: 'en,de',
    }).translation,
  );
  const { engine, reason } = resolveEngine(undefined, env);
  assert.equal(`${engine.name}:${reason}`, 'openai:default');
  assert.deepEqual((await engine.languages()).target, ['en', 'de']);
});

test('a job asking for an engine without configuration is ENGINE_UNAVAILABLE, never pseudo', () => {
  const env = engineEnv(loadConfig({ NODE_ENV: 'test' }).translation);
  assert.throws(
    () => engineChain('anthropic', env),
    (err: unknown) => err instanceof DocatError && err.code === 'ENGINE_UNAVAILABLE',
  );
  assert.deepEqual(
    engineChain('pseudo', env).map((e) => e.name),
    ['pseudo'],
  );
});

test('the start-up line names the engine of a job that names none, and why', () => {
  assert.match(
    defaultEngineLine(engineEnv(loadConfig({ NODE_ENV: 'test' }).translation)),
    /^translation engine: pseudo, because no engine key is set .*DEEPL_AUTH_KEY/u,
  );
  assert.equal(
    defaultEngineLine(
      engineEnv(loadConfig({ NODE_ENV: 'test', DEEPL_AUTH_KEY: 'd:fx' }).translation),
    ),
    'translation engine: deepl (deepl-v2), chosen by its configuration (its key or server is set); an upload may name another: pseudo',
  );
  assert.match(
    defaultEngineLine(
      engineEnv(
        loadConfig({
          NODE_ENV: 'test',
          DEEPL_AUTH_KEY: 'd:fx',
          OPENAI_API_KEY: 'k',
          DEFAULT_ENGINE: 'openai',
        }).translation,
      ),
    ),
    /^translation engine: openai \(.+\), chosen by DEFAULT_ENGINE; an upload may name another: pseudo, deepl$/u,
  );
  // A DEFAULT_ENGINE without its key is said, not thrown: the server still starts.
  assert.match(
    defaultEngineLine({ DEFAULT_ENGINE: 'anthropic' }),
    /^translation engine: none: engine anthropic is not configured \(it needs ANTHROPIC_API_KEY\); uploads that name no engine fail with ENGINE_UNAVAILABLE$/u,
  );
});
