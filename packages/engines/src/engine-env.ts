import type { DocatConfig } from '@docat/config';
import type { EngineEnv } from '@docat/translate';

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
