import { DocatError, ENGINE_NAMES } from '@docat/contracts';
import { AnthropicEngine } from './anthropic.engine.js';
import { DeepLEngine } from './deepl.engine.js';
import { GoogleEngine } from './google.engine.js';
import { splitKeys } from './key-pool.js';
import { LibreTranslateEngine } from './libretranslate.engine.js';
import { OpenAiEngine } from './openai.engine.js';
import { PseudoEngine } from './pseudo.engine.js';
import type { EngineName, TranslationEngine } from '../types.js';

export type EngineEnv = Readonly<Record<string, string | undefined>>;

/**
 * Environment variables read per engine (the names `@docat/config` documents). Keys may
 * be comma-separated pools.
 * - google: GOOGLE_API_KEY, GOOGLE_TRANSLATE_URL (REST base, optional)
 * - anthropic: ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_MODEL
 * - openai: OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL
 * - openrouter: OPENROUTER_API_KEY, OPENROUTER_BASE_URL, OPENROUTER_MODEL
 * - gemini: GEMINI_API_KEY, GEMINI_BASE_URL, GEMINI_MODEL
 * - deepl: DEEPL_AUTH_KEY, DEEPL_SERVER_URL
 * - libretranslate: LIBRETRANSLATE_URL, LIBRETRANSLATE_API_KEY
 * - TRANSLATION_ENGINES: fallback chain, e.g. `deepl,openai`
 */
export function createEngine(name: EngineName, env: EngineEnv = process.env): TranslationEngine | undefined {
  const opt = (k: string): string | undefined => (env[k] && env[k]!.trim() !== '' ? env[k]!.trim() : undefined);
  switch (name) {
    case 'pseudo':
      return new PseudoEngine();
    case 'google': {
      const apiKeys = splitKeys(env.GOOGLE_API_KEY);
      return apiKeys.length > 0 ? new GoogleEngine({ apiKeys, ...(opt('GOOGLE_TRANSLATE_URL') ? { baseUrl: opt('GOOGLE_TRANSLATE_URL') } : {}) }) : undefined;
    }
    case 'anthropic': {
      const apiKeys = splitKeys(env.ANTHROPIC_API_KEY);
      return apiKeys.length > 0 ? new AnthropicEngine({ apiKeys, baseURL: opt('ANTHROPIC_BASE_URL'), model: opt('ANTHROPIC_MODEL') }) : undefined;
    }
    case 'openai':
    case 'openrouter':
    case 'gemini': {
      const prefix = name.toUpperCase();
      const apiKeys = splitKeys(env[`${prefix}_API_KEY`]);
      return apiKeys.length > 0 ? new OpenAiEngine({ preset: name, apiKeys, baseURL: opt(`${prefix}_BASE_URL`), model: opt(`${prefix}_MODEL`) }) : undefined;
    }
    case 'deepl': {
      const authKeys = splitKeys(env.DEEPL_AUTH_KEY);
      return authKeys.length > 0 ? new DeepLEngine({ authKeys, serverUrl: opt('DEEPL_SERVER_URL') }) : undefined;
    }
    case 'libretranslate': {
      const url = opt('LIBRETRANSLATE_URL');
      return url ? new LibreTranslateEngine({ url, apiKey: opt('LIBRETRANSLATE_API_KEY') }) : undefined;
    }
  }
}

function parseChain(value: string | undefined): EngineName[] {
  const names = splitKeys(value);
  const unknown = names.filter((n) => !(ENGINE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new DocatError('VALIDATION_FAILED', `TRANSLATION_ENGINES names unknown engines: ${unknown.join(', ')}`);
  return names as EngineName[];
}

/** Every engine with configuration present, plus pseudo (always available). */
export function configuredEngines(env: EngineEnv = process.env): TranslationEngine[] {
  return ENGINE_NAMES.map((n) => createEngine(n, env)).filter((e): e is TranslationEngine => e !== undefined);
}

/**
 * The chain a job runs on: the engine it asked for, then TRANSLATION_ENGINES in order.
 * Without a request, TRANSLATION_ENGINES decides, and pseudo only when nothing is configured.
 * A requested engine that is not configured is ENGINE_UNAVAILABLE, never a quiet pseudo run.
 */
export function engineChain(requested: EngineName | undefined, env: EngineEnv = process.env): TranslationEngine[] {
  const configured = parseChain(env.TRANSLATION_ENGINES);
  const names = requested ? [requested, ...configured.filter((n) => n !== requested)] : configured.length > 0 ? configured : ['pseudo' as const];
  const chain: TranslationEngine[] = [];
  for (const name of names) {
    const engine = createEngine(name, env);
    if (engine) chain.push(engine);
    else if (name === names[0]) throw new DocatError('ENGINE_UNAVAILABLE', `engine ${name} is not configured`);
  }
  return chain;
}
