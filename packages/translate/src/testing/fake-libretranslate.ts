import type { IncomingMessage } from 'node:http';
import {
  FakeProviderServer,
  FakeRequestError,
  parseJsonBody,
  type FakeFault,
  type FakeReply,
} from './fake-server.js';

/** LibreTranslate `/translate` reply for an array `q`. */
export interface LibreTranslateResponse {
  translatedText: string[];
  detectedLanguage?: { confidence: number; language: string }[];
}

/** LibreTranslate (`POST /translate`, `GET /languages`); checks `api_key` when a key is set. */
export class FakeLibreTranslateServer extends FakeProviderServer {
  protected isTranslation(method: string, path: string): boolean {
    return method === 'POST' && path === '/translate';
  }

  protected override errorBody(_status: number, message = 'fake fault'): string {
    return JSON.stringify({ error: message });
  }

  protected handle(
    req: IncomingMessage,
    url: URL,
    body: string,
    fault: FakeFault | undefined,
    count: (chars: number) => void,
  ): FakeReply {
    if (req.method === 'GET' && url.pathname === '/languages') {
      return {
        body: JSON.stringify(
          ['en', 'de', 'fr', 'es', 'zt', 'zh'].map((code) => ({
            code,
            name: code,
            targets: ['en', 'de', 'fr', 'es', 'zt', 'zh'],
          })),
        ),
      };
    }
    if (!this.isTranslation(req.method ?? '', url.pathname))
      throw new FakeRequestError(404, `no route ${req.method} ${url.pathname}`);
    const b = parseJsonBody(body) as {
      q?: unknown;
      source?: unknown;
      target?: unknown;
      format?: unknown;
      api_key?: unknown;
    };
    if (this.options.key && b.api_key !== this.options.key)
      throw new FakeRequestError(403, 'Invalid API key');
    if (
      !Array.isArray(b.q) ||
      !b.q.every((q) => typeof q === 'string') ||
      typeof b.source !== 'string' ||
      typeof b.target !== 'string'
    ) {
      throw new FakeRequestError(400, 'q[], source and target are required');
    }
    const texts = b.q as string[];
    count(texts.reduce((n, t) => n + t.length, 0));
    if (fault?.kind === 'malformed') return { body: '{"translatedText": ' };
    const reply: LibreTranslateResponse = {
      translatedText: texts.map((t) =>
        fault?.kind === 'lose-placeholder'
          ? t.replace(/⟦\d+⟧/u, '')
          : this.translateText(t, b.target as string),
      ),
      ...(b.source === 'auto'
        ? { detectedLanguage: texts.map(() => ({ confidence: 90, language: 'en' })) }
        : {}),
    };
    return { body: JSON.stringify(reply) };
  }
}
