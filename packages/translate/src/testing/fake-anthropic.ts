import type { IncomingMessage } from 'node:http';
import type Anthropic from '@anthropic-ai/sdk';
import {
  FakeProviderServer,
  FakeRequestError,
  parseJsonBody,
  type FakeFault,
  type FakeReply,
  type FakeServerOptions,
} from './fake-server.js';
import { batchCharacters, llmTranslations, parseLlmBatch } from './llm-fake-protocol.js';

interface MessagesBody {
  model?: unknown;
  max_tokens?: unknown;
  messages?: { role: string; content: unknown }[];
  tools?: { name: string; input_schema?: unknown }[];
  tool_choice?: { type: string; name?: string };
}

/** Anthropic Messages API (`POST /v1/messages`), answering with a forced tool call. */
export class FakeAnthropicServer extends FakeProviderServer {
  constructor(options: FakeServerOptions = {}) {
    super({ key: 'test-anthropic-key', ...options });
  }

  protected isTranslation(method: string, path: string): boolean {
    return method === 'POST' && path === '/v1/messages';
  }

  protected override errorBody(status: number, message = 'fake fault'): string {
    const type =
      status === 429
        ? 'rate_limit_error'
        : status === 529
          ? 'overloaded_error'
          : status >= 500
            ? 'api_error'
            : 'invalid_request_error';
    return JSON.stringify({ type: 'error', error: { type, message } });
  }

  protected handle(
    req: IncomingMessage,
    url: URL,
    body: string,
    fault: FakeFault | undefined,
    count: (chars: number) => void,
  ): FakeReply {
    // The API takes the key as `x-api-key`; SDK 1.x sends it as a bearer token.
    if (
      req.headers['x-api-key'] !== this.options.key &&
      req.headers.authorization !== `Bearer ${this.options.key!}`
    ) {
      throw new FakeRequestError(401, 'invalid x-api-key');
    }
    if (!req.headers['anthropic-version'])
      throw new FakeRequestError(400, 'anthropic-version header missing');
    if (req.method === 'GET' && url.pathname.startsWith('/v1/models/')) {
      const model = {
        id: decodeURIComponent(url.pathname.slice('/v1/models/'.length)),
        type: 'model',
        display_name: 'Fake',
        created_at: '2025-01-01T00:00:00Z',
      };
      return { body: JSON.stringify(model) };
    }
    if (!this.isTranslation(req.method ?? '', url.pathname))
      throw new FakeRequestError(404, `no route ${req.method} ${url.pathname}`);
    const b = parseJsonBody(body) as MessagesBody;
    if (
      typeof b.model !== 'string' ||
      typeof b.max_tokens !== 'number' ||
      !Array.isArray(b.messages)
    )
      throw new FakeRequestError(400, 'model, max_tokens and messages are required');
    const tool = b.tools?.[0];
    if (
      !tool ||
      b.tool_choice?.type !== 'tool' ||
      b.tool_choice.name !== tool.name ||
      !tool.input_schema
    )
      throw new FakeRequestError(400, 'expected a forced tool call');
    const first = b.messages.find((m) => m.role === 'user' && typeof m.content === 'string');
    if (!first) throw new FakeRequestError(400, 'no user message with the batch');
    const batch = parseLlmBatch(first.content as string);
    count(batchCharacters(batch));
    const input = llmTranslations(
      batch,
      (t, target) => this.translateText(t, target),
      fault?.kind === 'malformed',
    );
    const message: Anthropic.Message = {
      id: `msg_fake_${this.translationRequests}`,
      type: 'message',
      role: 'assistant',
      model: b.model,
      container: null,
      content: [
        {
          type: 'tool_use',
          id: `toolu_fake_${this.translationRequests}`,
          name: tool.name,
          input,
          caller: { type: 'direct' },
        },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      stop_details: null,
      diagnostics: null,
      usage: {
        input_tokens: Math.ceil(body.length / 4),
        output_tokens: Math.ceil(JSON.stringify(input).length / 4),
        cache_creation: null,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        inference_geo: null,
        output_tokens_details: null,
        server_tool_use: null,
        service_tier: 'standard',
        speed: null,
      },
    };
    return { body: JSON.stringify(message) };
  }
}
