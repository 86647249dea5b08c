import type { IncomingMessage } from 'node:http';
import type OpenAI from 'openai';
import {
  FakeProviderServer,
  FakeRequestError,
  parseJsonBody,
  requireHeader,
  type FakeFault,
  type FakeReply,
  type FakeServerOptions,
} from './fake-server.js';
import { batchCharacters, llmTranslations, parseLlmBatch } from './llm-fake-protocol.js';

interface CompletionBody {
  model?: unknown;
  messages?: { role: string; content: unknown }[];
  response_format?: { type?: string; json_schema?: { name?: string; schema?: unknown } };
}

/**
 * OpenAI-compatible chat completions (`POST /v1/chat/completions`), requiring structured
 * output. Serve it under any base path; the client's base URL is `url + '/v1'`.
 */
export class FakeOpenAiServer extends FakeProviderServer {
  constructor(options: FakeServerOptions = {}) {
    super({ key: 'test-openai-key', ...options });
  }

  get baseURL(): string {
    return `${this.url}/v1`;
  }

  protected isTranslation(method: string, path: string): boolean {
    return method === 'POST' && path === '/v1/chat/completions';
  }

  protected override errorBody(status: number, message = 'fake fault'): string {
    return JSON.stringify({
      error: {
        message,
        type: status === 429 ? 'rate_limit_exceeded' : 'server_error',
        param: null,
        code: null,
      },
    });
  }

  protected handle(
    req: IncomingMessage,
    url: URL,
    body: string,
    fault: FakeFault | undefined,
    count: (chars: number) => void,
  ): FakeReply {
    requireHeader(req, 'authorization', `Bearer ${this.options.key!}`);
    if (req.method === 'GET' && url.pathname.startsWith('/v1/models/')) {
      const model: OpenAI.Model = {
        id: decodeURIComponent(url.pathname.slice('/v1/models/'.length)),
        object: 'model',
        created: 1735689600,
        owned_by: 'fake',
      };
      return { body: JSON.stringify(model) };
    }
    if (!this.isTranslation(req.method ?? '', url.pathname))
      throw new FakeRequestError(404, `no route ${req.method} ${url.pathname}`);
    const b = parseJsonBody(body) as CompletionBody;
    if (typeof b.model !== 'string' || !Array.isArray(b.messages))
      throw new FakeRequestError(400, 'model and messages are required');
    if (b.response_format?.type !== 'json_schema' || !b.response_format.json_schema?.schema)
      throw new FakeRequestError(400, 'expected response_format json_schema');
    const first = b.messages.find((m) => m.role === 'user' && typeof m.content === 'string');
    if (!first) throw new FakeRequestError(400, 'no user message with the batch');
    const batch = parseLlmBatch(first.content as string);
    count(batchCharacters(batch));
    const content = JSON.stringify(
      llmTranslations(
        batch,
        (t, target) => this.translateText(t, target),
        fault?.kind === 'malformed',
      ),
    );
    const completion: OpenAI.ChatCompletion = {
      id: `chatcmpl-fake-${this.translationRequests}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: b.model,
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          logprobs: null,
          message: { role: 'assistant', content, refusal: null },
        },
      ],
      usage: {
        prompt_tokens: Math.ceil(body.length / 4),
        completion_tokens: Math.ceil(content.length / 4),
        total_tokens: Math.ceil((body.length + content.length) / 4),
      },
    };
    return { body: JSON.stringify(completion) };
  }
}
