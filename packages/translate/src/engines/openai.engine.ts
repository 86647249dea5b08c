import OpenAI from 'openai';
import { LANGUAGE_CODES, type LanguageCode } from '@docat/contracts';
import { fromSdkError, unhealthy } from './engine-error.js';
import { gatedFetch, withGate } from './gated-fetch.js';
import { hostOf } from './timeouts.js';
import { KeyPool } from './key-pool.js';
import {
  LLM_PROMPT_VERSION,
  LLM_REPLY_JSON_SCHEMA,
  llmSystemPrompt,
  llmUserMessage,
  parseJsonText,
  runLlmBatch,
  type LlmConversation,
} from './llm-protocol.js';
import {
  type BatchSegment,
  type EngineHealth,
  type EngineLanguages,
  type EngineName,
  type TranslateBatchRequest,
  type TranslateBatchResult,
  type TranslationEngine,
} from '../types.js';

/** OpenAI-compatible providers: base URL, default model and the environment variable holding keys. */
export const OPENAI_PRESETS = {
  openai: { baseURL: 'https://api.openai.com/v1', model: 'gpt-4.1-mini', keyEnv: 'OPENAI_API_KEY' },
  openrouter: {
    baseURL: 'https://openrouter.ai/api/v1',
    model: 'openai/gpt-4.1-mini',
    keyEnv: 'OPENROUTER_API_KEY',
  },
  gemini: {
    baseURL: 'https://generativelanguage.googleapis.com/v1beta/openai/',
    model: 'gemini-2.5-flash',
    keyEnv: 'GEMINI_API_KEY',
  },
} as const satisfies Record<string, { baseURL: string; model: string; keyEnv: string }>;
export type OpenAiPreset = keyof typeof OPENAI_PRESETS;

export interface OpenAiEngineOptions {
  preset?: OpenAiPreset;
  apiKeys: string[];
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  /** The languages this model is offered for (source and target); every language Docat knows when unset. */
  languages?: readonly LanguageCode[];
}

/**
 * Any OpenAI-compatible chat completions API. The reply is requested as structured
 * output (`response_format: json_schema`, strict), and still validated on receipt.
 */
export class OpenAiEngine implements TranslationEngine {
  readonly name: EngineName;
  readonly model: string;
  readonly paid = true;
  readonly nativeGlossary = false;
  readonly promptVersion = LLM_PROMPT_VERSION;
  readonly host: string | undefined;
  private readonly clients: KeyPool<OpenAI>;
  private readonly offered: readonly LanguageCode[] | undefined;

  constructor(options: OpenAiEngineOptions) {
    this.offered =
      options.languages && options.languages.length > 0 ? options.languages : undefined;
    const preset = OPENAI_PRESETS[options.preset ?? 'openai'];
    this.name = options.preset ?? 'openai';
    this.model = options.model ?? preset.model;
    const baseURL = options.baseURL ?? preset.baseURL;
    this.host = hostOf(baseURL);
    // SDK retries are off: the scheduler owns retries, backoff and Retry-After.
    this.clients = new KeyPool(
      options.apiKeys.map(
        (apiKey) =>
          new OpenAI({
            apiKey,
            baseURL,
            maxRetries: 0,
            timeout: options.timeoutMs ?? 120_000,
            fetch: gatedFetch,
          }),
      ),
    );
  }

  async translateBatch(req: TranslateBatchRequest): Promise<TranslateBatchResult> {
    return runLlmBatch(this.name, req, (segments) => this.conversation(req, segments));
  }

  private conversation(req: TranslateBatchRequest, segments: BatchSegment[]): LlmConversation {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: llmSystemPrompt(req) },
      { role: 'user', content: llmUserMessage(req, segments) },
    ];
    const send = async (): Promise<unknown> => {
      const client = this.clients.take();
      let completion: OpenAI.ChatCompletion;
      try {
        completion = await withGate(req.gate, () =>
          client.chat.completions.create(
            {
              model: this.model,
              messages,
              temperature: 0,
              response_format: {
                type: 'json_schema',
                json_schema: { name: 'translations', strict: true, schema: LLM_REPLY_JSON_SCHEMA },
              },
            },
            { signal: req.signal },
          ),
        );
      } catch (err) {
        throw fromSdkError(this.name, err);
      }
      const content = completion.choices[0]?.message.content ?? '';
      messages.push({ role: 'assistant', content });
      return parseJsonText(content);
    };
    return {
      ask: send,
      reask: (problem) => {
        messages.push({
          role: 'user',
          content: `Your reply was not usable: ${problem}. Reply again with the JSON object for every requested id.`,
        });
        return send();
      },
    };
  }

  async languages(): Promise<EngineLanguages> {
    const offered = this.offered ?? LANGUAGE_CODES;
    return { source: [...offered], target: [...offered] };
  }

  async health(): Promise<EngineHealth> {
    try {
      await this.clients.take().models.retrieve(this.model);
      return { ok: true };
    } catch (err) {
      return unhealthy(fromSdkError(this.name, err));
    }
  }
}
