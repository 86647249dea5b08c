import { DocatError, ENGINE_NAMES, LANGUAGE_CODES, type LanguageCode } from '@docat/contracts';
import { AnthropicEngine } from './anthropic.engine.js';
import { DeepLEngine } from './deepl.engine.js';
import { GoogleEngine } from './google.engine.js';
import { splitKeys } from './key-pool.js';
import { LibreTranslateEngine } from './libretranslate.engine.js';
import { OPENAI_PRESETS, OpenAiEngine } from './openai.engine.js';
import { PseudoEngine } from './pseudo.engine.js';
import { engineTimeouts, responseTimeoutMs } from './timeouts.js';
import { DEFAULT_BATCH } from '../translator.js';
import type { EngineLanguages, EngineName, EngineTimeouts, TranslationEngine } from '../types.js';

export type EngineEnv = Readonly<Record<string, string | undefined>>;

/**
 * Environment variables read per engine (the names `@docat/config` documents). Keys may
 * be comma-separated pools.
 * - google: GOOGLE_API_KEY, GOOGLE_TRANSLATE_URL (REST base, optional)
 * - anthropic: ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_MODEL, ANTHROPIC_LANGUAGES
 * - openai: OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_LANGUAGES (a non-default
 *   OPENAI_BASE_URL alone configures it: local servers take no key)
 * - openrouter, gemini: <NAME>_API_KEY, <NAME>_BASE_URL, <NAME>_MODEL, <NAME>_LANGUAGES
 * - deepl: DEEPL_AUTH_KEY, DEEPL_SERVER_URL
 * - libretranslate: LIBRETRANSLATE_URL, LIBRETRANSLATE_API_KEY
 * - TRANSLATION_ENGINES: fallback chain, e.g. `deepl,openai`
 * - DEFAULT_ENGINE: the engine of a job that names none
 * - ENGINE_CONNECT_TIMEOUT, ENGINE_RESPONSE_TIMEOUT, ENGINE_RESPONSE_TIME_PER_1000_CHARS,
 *   ENGINE_DEADLINE: how long the scheduler waits for every engine (`timeouts.ts`)
 */
export function createEngine(
  name: EngineName,
  env: EngineEnv = process.env,
): TranslationEngine | undefined {
  const timeouts = engineTimeouts(name, env);
  const engine = buildEngine(name, env, backstopMs(timeouts));
  if (engine) engine.timeouts = timeouts;
  return engine;
}

/**
 * The SDK's own timeout, behind the scheduler's: a request of a full batch that outlived
 * its response timeout is dropped by then even where the scheduler cannot abort it
 * (deepl-node takes no signal), so it holds no socket, nor a finished CLI, for minutes.
 */
function backstopMs(timeouts: EngineTimeouts): number {
  return responseTimeoutMs(timeouts, DEFAULT_BATCH.maxChars) + 1_000;
}

function buildEngine(
  name: EngineName,
  env: EngineEnv,
  timeoutMs: number,
): TranslationEngine | undefined {
  const opt = (k: string): string | undefined =>
    env[k] && env[k]!.trim() !== '' ? env[k]!.trim() : undefined;
  switch (name) {
    case 'pseudo':
      return new PseudoEngine();
    case 'google': {
      const apiKeys = splitKeys(env.GOOGLE_API_KEY);
      return apiKeys.length > 0
        ? new GoogleEngine({
            apiKeys,
            ...(opt('GOOGLE_TRANSLATE_URL') ? { baseUrl: opt('GOOGLE_TRANSLATE_URL') } : {}),
          })
        : undefined;
    }
    case 'anthropic': {
      const apiKeys = splitKeys(env.ANTHROPIC_API_KEY);
      return apiKeys.length > 0
        ? new AnthropicEngine({
            apiKeys,
            baseURL: opt('ANTHROPIC_BASE_URL'),
            model: opt('ANTHROPIC_MODEL'),
            timeoutMs,
            languages: languagesOf(env.ANTHROPIC_LANGUAGES),
          })
        : undefined;
    }
    case 'openai':
    case 'openrouter':
    case 'gemini': {
      const prefix = name.toUpperCase();
      const baseURL = opt(`${prefix}_BASE_URL`);
      let apiKeys = splitKeys(env[`${prefix}_API_KEY`]);
      // A self-hosted OpenAI-compatible server (llama.cpp, vLLM, Ollama...) often takes no key:
      // naming its URL is configuration enough. The hosted presets always need one.
      if (
        apiKeys.length === 0 &&
        name === 'openai' &&
        baseURL &&
        baseURL.replace(/\/+$/, '') !== OPENAI_PRESETS.openai.baseURL
      )
        apiKeys = ['no-key'];
      return apiKeys.length > 0
        ? new OpenAiEngine({
            preset: name,
            apiKeys,
            baseURL,
            model: opt(`${prefix}_MODEL`),
            timeoutMs,
            languages: languagesOf(env[`${prefix}_LANGUAGES`]),
          })
        : undefined;
    }
    case 'deepl': {
      const authKeys = splitKeys(env.DEEPL_AUTH_KEY);
      return authKeys.length > 0
        ? new DeepLEngine({ authKeys, serverUrl: opt('DEEPL_SERVER_URL'), timeoutMs })
        : undefined;
    }
    case 'libretranslate': {
      const url = opt('LIBRETRANSLATE_URL');
      return url
        ? new LibreTranslateEngine({ url, apiKey: opt('LIBRETRANSLATE_API_KEY'), timeoutMs })
        : undefined;
    }
  }
}

/** What configures each engine, named in the error when a job asks for one that is not. */
const CONFIGURED_BY: Record<EngineName, string> = {
  pseudo: '',
  google: 'GOOGLE_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY, or OPENAI_BASE_URL for a self-hosted server',
  openrouter: 'OPENROUTER_API_KEY',
  gemini: 'GEMINI_API_KEY',
  deepl: 'DEEPL_AUTH_KEY',
  libretranslate: 'LIBRETRANSLATE_URL',
};

/**
 * The variables that authenticate each engine and point it at its provider: what a user
 * checks when the provider refuses the key or cannot be reached.
 */
export const ENGINE_VARIABLES: Record<EngineName, { key?: string; url?: string }> = {
  pseudo: {},
  google: { key: 'GOOGLE_API_KEY', url: 'GOOGLE_TRANSLATE_URL' },
  anthropic: { key: 'ANTHROPIC_API_KEY', url: 'ANTHROPIC_BASE_URL' },
  openai: { key: 'OPENAI_API_KEY', url: 'OPENAI_BASE_URL' },
  openrouter: { key: 'OPENROUTER_API_KEY', url: 'OPENROUTER_BASE_URL' },
  gemini: { key: 'GEMINI_API_KEY', url: 'GEMINI_BASE_URL' },
  deepl: { key: 'DEEPL_AUTH_KEY', url: 'DEEPL_SERVER_URL' },
  libretranslate: { key: 'LIBRETRANSLATE_API_KEY', url: 'LIBRETRANSLATE_URL' },
};

function notConfigured(name: EngineName): DocatError {
  return new DocatError(
    'ENGINE_UNAVAILABLE',
    `engine ${name} is not configured (it needs ${CONFIGURED_BY[name]})`,
  );
}

function languagesOf(value: string | undefined): LanguageCode[] | undefined {
  const codes = splitKeys(value);
  const unknown = codes.filter((c) => !(LANGUAGE_CODES as readonly string[]).includes(c));
  if (unknown.length > 0)
    throw new DocatError(
      'VALIDATION_FAILED',
      `unknown language codes in an engine's language list: ${unknown.join(', ')}`,
    );
  return codes.length > 0 ? (codes as LanguageCode[]) : undefined;
}

function parseChain(value: string | undefined): EngineName[] {
  const names = splitKeys(value);
  const unknown = names.filter((n) => !(ENGINE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new DocatError(
      'VALIDATION_FAILED',
      `TRANSLATION_ENGINES names unknown engines: ${unknown.join(', ')}`,
    );
  return names as EngineName[];
}

/** Every engine with configuration present, plus pseudo (always available). */
export function configuredEngines(env: EngineEnv = process.env): TranslationEngine[] {
  return ENGINE_NAMES.map((n) => createEngine(n, env)).filter(
    (e): e is TranslationEngine => e !== undefined,
  );
}

/** Why a job runs on its engine; the job view and the CLI say it when it is `pseudo-fallback`. */
export type EngineChoiceReason =
  'requested' | 'default' | 'chain' | 'configured' | 'pseudo-fallback';

export interface EngineChoice {
  engine: TranslationEngine;
  reason: EngineChoiceReason;
}

/**
 * THE rule for which engine a job uses, decided once when the job is created (the
 * services store the name on the job; the CLI calls this before any work):
 * the engine the request names; else DEFAULT_ENGINE; else the first configured engine
 * of TRANSLATION_ENGINES; else the first configured engine; else pseudo. A named engine
 * (requested or DEFAULT_ENGINE) that is not configured is ENGINE_UNAVAILABLE, never a
 * quiet pseudo run.
 */
export function resolveEngine(
  requested: EngineName | undefined,
  env: EngineEnv = process.env,
): EngineChoice {
  const named = (name: EngineName, reason: EngineChoiceReason): EngineChoice => {
    const engine = createEngine(name, env);
    if (!engine) throw notConfigured(name);
    return { engine, reason };
  };
  if (requested) return named(requested, 'requested');
  const defaultEngine = parseChain(env.DEFAULT_ENGINE)[0];
  if (defaultEngine) return named(defaultEngine, 'default');
  for (const name of parseChain(env.TRANSLATION_ENGINES)) {
    const engine = createEngine(name, env);
    if (engine) return { engine, reason: 'chain' };
  }
  for (const name of ENGINE_NAMES) {
    if (name === 'pseudo') continue;
    const engine = createEngine(name, env);
    if (engine) return { engine, reason: 'configured' };
  }
  return { engine: new PseudoEngine(), reason: 'pseudo-fallback' };
}

/**
 * The chain a job runs on: its engine (as `resolveEngine` chose it and the job stored
 * it), then the other configured engines of TRANSLATION_ENGINES in order, as fallbacks.
 * An engine that is not configured (any more) is ENGINE_UNAVAILABLE.
 */
export function engineChain(engine: EngineName, env: EngineEnv = process.env): TranslationEngine[] {
  const first = createEngine(engine, env);
  if (!first) throw notConfigured(engine);
  const chain: TranslationEngine[] = [first];
  for (const name of parseChain(env.TRANSLATION_ENGINES)) {
    if (name === engine) continue;
    const fallback = createEngine(name, env);
    if (fallback) chain.push(fallback);
  }
  return chain;
}

/**
 * Refuses, with UNSUPPORTED_LANGUAGE, a target (or given source) language the engine
 * does not list. An engine whose list cannot be read (an unreachable provider) is not
 * refused here: its requests fail with the engine's own error.
 */
export async function assertEngineLanguages(
  engine: TranslationEngine,
  languages: { source?: string; target: string },
  list: Promise<EngineLanguages> = engine.languages(),
): Promise<void> {
  const listed = await list.catch(() => null);
  if (!listed) return;
  if (listed.target.length > 0 && !listed.target.includes(languages.target))
    throw new DocatError(
      'UNSUPPORTED_LANGUAGE',
      `engine ${engine.name} cannot translate into '${languages.target}'`,
    );
  if (languages.source && listed.source.length > 0 && !listed.source.includes(languages.source))
    throw new DocatError(
      'UNSUPPORTED_LANGUAGE',
      `engine ${engine.name} cannot translate from '${languages.source}'`,
    );
}
