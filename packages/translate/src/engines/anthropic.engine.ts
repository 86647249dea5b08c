import Anthropic from '@anthropic-ai/sdk';
import { LANGUAGE_CODES, type LanguageCode } from '@docat/contracts';
import { fromSdkError, unhealthy } from './engine-error.js';
import { gatedFetch, withGate } from './gated-fetch.js';
import { KeyPool } from './key-pool.js';
import { hostOf } from './timeouts.js';
import {
  LLM_PROMPT_VERSION,
  LLM_REPLY_JSON_SCHEMA,
  llmSystemPrompt,
  llmUserMessage,
  runLlmBatch,
  type LlmConversation,
} from './llm-protocol.js';
import {
  type BatchSegment,
  type EngineHealth,
  type EngineLanguages,
  type TranslateBatchRequest,
  type TranslateBatchResult,
  type TranslationEngine,
} from '../types.js';

export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-5';
const TOOL_NAME = 'submit_translations';

export interface AnthropicEngineOptions {
  apiKeys: string[];
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  /** The languages this model is offered for (source and target); every language Docat knows when unset. */
  languages?: readonly LanguageCode[];
}

/**
 * Anthropic Messages API. The reply is forced through a tool call whose input schema
 * is the translations object, so the model's answer arrives as parsed JSON.
 */
export class AnthropicEngine implements TranslationEngine {
  readonly name = 'anthropic' as const;
  readonly model: string;
  readonly paid = true;
  readonly nativeGlossary = false;
  readonly promptVersion = LLM_PROMPT_VERSION;
  readonly host: string | undefined;
  private readonly clients: KeyPool<Anthropic>;
  private readonly offered: readonly LanguageCode[] | undefined;

  constructor(options: AnthropicEngineOptions) {
    this.offered =
      options.languages && options.languages.length > 0 ? options.languages : undefined;
    this.model = options.model ?? ANTHROPIC_DEFAULT_MODEL;
    this.host = hostOf(options.baseURL ?? 'https://api.anthropic.com');
    // SDK retries are off: the scheduler owns retries, backoff and Retry-After.
    this.clients = new KeyPool(
      options.apiKeys.map(
        (apiKey) =>
          new Anthropic({
            apiKey,
            baseURL: options.baseURL ?? null,
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
    const chars = segments.reduce((n, s) => n + s.text.length, 0);
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: llmUserMessage(req, segments) },
    ];
    let lastToolUse: Anthropic.ToolUseBlock | undefined;
    const send = async (): Promise<unknown> => {
      const client = this.clients.take();
      let message: Anthropic.Message;
      try {
        message = await withGate(req.gate, () =>
          client.messages.create(
            {
              model: this.model,
              max_tokens: Math.min(32_000, 1024 + chars * 2),
              system: llmSystemPrompt(req),
              messages,
              tools: [
                {
                  name: TOOL_NAME,
                  description: 'Return the translations of all segments.',
                  input_schema: LLM_REPLY_JSON_SCHEMA as unknown as Anthropic.Tool.InputSchema,
                },
              ],
              tool_choice: { type: 'tool', name: TOOL_NAME },
            },
            { signal: req.signal },
          ),
        );
      } catch (err) {
        throw fromSdkError(this.name, err);
      }
      messages.push({
        role: 'assistant',
        content: message.content as Anthropic.ContentBlockParam[],
      });
      lastToolUse = message.content.find(
        (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === TOOL_NAME,
      );
      return lastToolUse?.input;
    };
    return {
      ask: send,
      reask: (problem) => {
        const note = `Your reply was not usable: ${problem}. Call ${TOOL_NAME} again with one translation per requested id.`;
        messages.push({
          role: 'user',
          content: lastToolUse
            ? [{ type: 'tool_result', tool_use_id: lastToolUse.id, content: note, is_error: true }]
            : note,
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
