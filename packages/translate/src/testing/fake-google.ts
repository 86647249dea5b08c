import type { IncomingMessage } from 'node:http';
import {
  FakeProviderServer,
  FakeRequestError,
  parseJsonBody,
  type FakeFault,
  type FakeReply,
  type FakeServerOptions,
} from './fake-server.js';

/** Cloud Translation Basic (v2) REST reply, as documented: `data.translations[]`. */
export interface GoogleV2TranslateResponse {
  data: {
    translations: { translatedText: string; detectedSourceLanguage?: string; model?: string }[];
  };
}
export interface GoogleV2LanguagesResponse {
  data: { languages: { language: string; name?: string }[] };
}

const PATH = '/language/translate/v2';

/** Google Cloud Translation v2 REST (`POST /language/translate/v2?key=`). The client's base URL is `baseUrl`. */
export class FakeGoogleServer extends FakeProviderServer {
  constructor(options: FakeServerOptions = {}) {
    super({ key: 'test-google-key', ...options });
  }

  get baseUrl(): string {
    return this.url + PATH;
  }

  protected isTranslation(method: string, path: string): boolean {
    // With an API key the client posts to the base; through an auth client, to `base/`.
    return method === 'POST' && (path === PATH || path === `${PATH}/`);
  }

  protected handle(
    req: IncomingMessage,
    url: URL,
    body: string,
    fault: FakeFault | undefined,
    count: (chars: number) => void,
  ): FakeReply {
    const key = url.searchParams.get('key');
    const bearer = req.headers.authorization;
    if (key !== this.options.key && bearer !== `Bearer ${this.options.key!}`)
      throw new FakeRequestError(403, 'API key not valid');
    if (req.method === 'GET' && url.pathname === `${PATH}/languages`) {
      const reply: GoogleV2LanguagesResponse = {
        data: {
          languages: ['en', 'de', 'fr', 'ja', 'zh-CN', 'zh-TW'].map((language) => ({ language })),
        },
      };
      return { body: JSON.stringify(reply) };
    }
    if (!this.isTranslation(req.method ?? '', url.pathname))
      throw new FakeRequestError(404, `no route ${req.method} ${url.pathname}`);
    const b = parseJsonBody(body) as {
      q?: unknown;
      target?: unknown;
      source?: unknown;
      format?: unknown;
    };
    if (
      !Array.isArray(b.q) ||
      !b.q.every((q) => typeof q === 'string') ||
      typeof b.target !== 'string'
    )
      throw new FakeRequestError(400, 'q[] and target are required');
    if (b.format !== 'html' && b.format !== 'text')
      throw new FakeRequestError(400, 'format must be html or text');
    const texts = b.q as string[];
    count(texts.reduce((n, t) => n + t.length, 0));
    if (fault?.kind === 'malformed') return { body: '{"data": {"translations": [' };
    const reply: GoogleV2TranslateResponse = {
      data: {
        translations: texts.map((t) => ({
          translatedText:
            fault?.kind === 'lose-placeholder'
              ? t.replace(/<span translate="no">[^<]*<\/span>/u, '')
              : this.translateText(t, b.target as string),
          ...(typeof b.source === 'string' ? {} : { detectedSourceLanguage: 'en' }),
          model: 'nmt',
        })),
      },
    };
    return { body: JSON.stringify(reply) };
  }
}
