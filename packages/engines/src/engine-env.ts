import type { DocatConfig } from '@docat/config';
import {
  ENGINE_CHECK_MS,
  checkEngine,
  configuredEngines,
  resolveEngine,
  type EngineChoiceReason,
  type EngineEnv,
} from '@docat/translate';

/** The engine registry's input, built once from the configuration. */
export const ENGINE_ENV = Symbol('ENGINE_ENV');

/**
 * The engine registry's variables, rebuilt from the typed configuration: the config
 * package is the only reader of the environment, and the registry keeps one input shape
 * for the service, the CLI and the tests.
 */
export function engineEnv(translation: DocatConfig['translation']): EngineEnv {
  const t = translation;
  return {
    TRANSLATION_ENGINES: t.engines.join(','),
    DEFAULT_ENGINE: t.defaultEngine,
    ENGINE_CONNECT_TIMEOUT: `${t.timeouts.connectMs}ms`,
    ENGINE_RESPONSE_TIMEOUT: `${t.timeouts.responseMs}ms`,
    ENGINE_RESPONSE_TIME_PER_1000_CHARS:
      t.timeouts.perThousandCharsMs === undefined
        ? undefined
        : `${t.timeouts.perThousandCharsMs}ms`,
    ENGINE_DEADLINE: `${t.timeouts.deadlineMs}ms`,
    OPENAI_API_KEY: t.openai.apiKey,
    OPENAI_BASE_URL: t.openai.baseUrl,
    OPENAI_MODEL: t.openai.model,
    OPENAI_LANGUAGES: t.openai.languages?.join(','),
    OPENROUTER_API_KEY: t.openrouter.apiKey,
    OPENROUTER_BASE_URL: t.openrouter.baseUrl,
    OPENROUTER_MODEL: t.openrouter.model,
    OPENROUTER_LANGUAGES: t.openrouter.languages?.join(','),
    GEMINI_API_KEY: t.gemini.apiKey,
    GEMINI_BASE_URL: t.gemini.baseUrl,
    GEMINI_MODEL: t.gemini.model,
    GEMINI_LANGUAGES: t.gemini.languages?.join(','),
    ANTHROPIC_API_KEY: t.anthropic.apiKey,
    ANTHROPIC_BASE_URL: t.anthropic.baseUrl,
    ANTHROPIC_MODEL: t.anthropic.model,
    ANTHROPIC_LANGUAGES: t.anthropic.languages?.join(','),
    DEEPL_AUTH_KEY: t.deepl.authKey,
    DEEPL_SERVER_URL: t.deepl.serverUrl,
    GOOGLE_API_KEY: t.google.apiKey,
    GOOGLE_TRANSLATE_URL: t.google.baseUrl,
    LIBRETRANSLATE_URL: t.libretranslate.url,
    LIBRETRANSLATE_API_KEY: t.libretranslate.apiKey,
  };
}

const CHOSEN_BY: Record<Exclude<EngineChoiceReason, 'requested'>, string> = {
  default: 'DEFAULT_ENGINE',
  chain: 'TRANSLATION_ENGINES (its first engine with a key set)',
  configured: 'its configuration (its key or server is set)',
  'pseudo-fallback': 'default',
};

/**
 * The engine of a job that names none, and why, in one line for a server's start-up:
 * the first thing to check when translations come back pseudo-localised, or from the
 * wrong provider. Never throws: a DEFAULT_ENGINE without its key is said, not raised.
 */
export function defaultEngineLine(env: EngineEnv): string {
  let choice;
  try {
    choice = resolveEngine(undefined, env);
  } catch (err) {
    return `translation engine: none: ${err instanceof Error ? err.message : String(err)}; uploads that name no engine fail with ENGINE_UNAVAILABLE`;
  }
  const { engine, reason } = choice;
  if (reason === 'pseudo-fallback')
    return 'translation engine: pseudo, because no engine key is set (offline pseudo-localisation, not a real translation; set one such as DEEPL_AUTH_KEY or OPENAI_API_KEY, see docs/translation.md)';
  const others = configuredEngines(env)
    .map((e) => e.name)
    .filter((name) => name !== engine.name);
  return (
    `translation engine: ${engine.name} (${engine.model}), chosen by ${reason === 'requested' ? 'request' : CHOSEN_BY[reason]}` +
    (others.length > 0 ? `; an upload may name another: ${others.join(', ')}` : '')
  );
}

/**
 * A warning line when the engine of a job that names none fails its health check at
 * start-up (a wrong key, an unreachable server): said once, before the first job fails.
 * Nothing when it answers, or is pseudo; the check gives up after `timeoutMs`.
 */
export async function defaultEngineWarning(
  env: EngineEnv,
  timeoutMs = ENGINE_CHECK_MS,
): Promise<string | undefined> {
  let engine;
  try {
    engine = resolveEngine(undefined, env).engine;
  } catch {
    return undefined; // defaultEngineLine has said it
  }
  const health = await checkEngine(engine, timeoutMs);
  if (health.ok) return undefined;
  const why = health.refused ? 'it refused its key: ' : '';
  return `warning: the ${engine.name} engine failed its check (${why}${health.detail ?? 'no detail'}); jobs on it will fail until its key and address are right`;
}
