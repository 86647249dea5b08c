import { v2 } from '@google-cloud/translate';
import {
  errorFromStatus,
  EngineError,
  headerValue,
  isAbortError,
  unhealthy,
} from './engine-error.js';
import { KeyPool } from './key-pool.js';
import { hostOf } from './timeouts.js';
import { fromHtmlSpans, toHtmlSpans } from './xml-tags.js';
import {
  ungated,
  type EngineHealth,
  type EngineLanguages,
  type TranslateBatchRequest,
  type TranslateBatchResult,
  type TranslationEngine,
} from '../types.js';

export interface GoogleEngineOptions {
  /** API keys (round-robin). Either keys or an auth client. */
  apiKeys?: string[];
  /** An injected OAuth client (service account, workload identity, or a test double of the token step). */
  authClient?: v2.TranslateConfig['authClient'];
  /** Full REST base, e.g. `https://translation.googleapis.com/language/translate/v2`. */
  baseUrl?: string;
  /** `nmt` (default) or `base`. */
  model?: string;
}

const LANGUAGE_TO_GOOGLE: Record<string, string> = {
  zh: 'zh-CN',
  'zh-Hant': 'zh-TW',
  nb: 'no',
  he: 'iw',
};
const LANGUAGE_FROM_GOOGLE: Record<string, string> = {
  'zh-CN': 'zh',
  zh: 'zh',
  'zh-TW': 'zh-Hant',
  no: 'nb',
  iw: 'he',
};

interface GoogleApiError {
  code?: unknown;
  message?: unknown;
  response?: { headers?: unknown; statusCode?: unknown };
}

/**
 * Google Cloud Translation (Basic, v2 REST) through @google-cloud/translate. The v2
 * surface is used because it works with an API key and plain JSON; v3's native
 * glossaries need Cloud Storage and long-running operations, so glossary terms reach
 * Google as placeholders. Placeholders travel as `<span translate="no">` in HTML mode.
 */
export class GoogleEngine implements TranslationEngine {
  readonly name = 'google' as const;
  readonly model: string;
  readonly paid = true;
  readonly nativeGlossary = false;
  readonly host: string | undefined;
  private readonly clients: KeyPool<v2.Translate>;

  constructor(options: GoogleEngineOptions) {
    this.model = options.model ?? 'nmt';
    this.host = hostOf(options.baseUrl ?? 'https://translation.googleapis.com');
    const make = (config: v2.TranslateConfig): v2.Translate => {
      const client = new v2.Translate({ ...config, autoRetry: false, maxRetries: 0 });
      if (options.baseUrl) client.baseUrl = options.baseUrl.replace(/\/+$/u, '');
      return client;
    };
    const clients =
      options.apiKeys && options.apiKeys.length > 0
        ? options.apiKeys.map((key) => make({ key }))
        : [make(options.authClient ? { authClient: options.authClient } : {})];
    this.clients = new KeyPool(clients);
  }

  async translateBatch(req: TranslateBatchRequest): Promise<TranslateBatchResult> {
    const gate = req.gate ?? ungated;
    const client = this.clients.take();
    try {
      const [texts, response] = await gate(() =>
        client.translate(
          req.segments.map((s) => toHtmlSpans(s.text)),
          {
            to: LANGUAGE_TO_GOOGLE[req.target] ?? req.target,
            format: 'html',
            model: this.model,
            ...(req.source ? { from: LANGUAGE_TO_GOOGLE[req.source] ?? req.source } : {}),
          },
        ),
      );
      if (!Array.isArray(texts) || texts.length !== req.segments.length) {
        throw new EngineError(
          this.name,
          'bad_reply',
          `expected ${req.segments.length} translations`,
        );
      }
      const detected = detectedLanguage(response);
      return {
        translations: req.segments.map((s, i) => ({
          id: s.id,
          text: fromHtmlSpans(texts[i] ?? ''),
        })),
        billedCharacters: req.segments.reduce((n, s) => n + toHtmlSpans(s.text).length, 0),
        ...(detected ? { detectedSource: LANGUAGE_FROM_GOOGLE[detected] ?? detected } : {}),
      };
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private mapError(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    if (isAbortError(err)) throw err;
    const e = (err ?? {}) as GoogleApiError;
    const status =
      typeof e.code === 'number'
        ? e.code
        : typeof e.response?.statusCode === 'number'
          ? e.response.statusCode
          : undefined;
    const message = typeof e.message === 'string' ? e.message : String(err);
    if (err instanceof SyntaxError) return new EngineError(this.name, 'unavailable', message);
    return errorFromStatus(
      this.name,
      status,
      message,
      headerValue(e.response?.headers, 'retry-after'),
    );
  }

  async languages(): Promise<EngineLanguages> {
    const [list] = await this.clients.take().getLanguages();
    const codes = list.map((l) => LANGUAGE_FROM_GOOGLE[l.code] ?? l.code);
    return { source: codes, target: codes };
  }

  async health(): Promise<EngineHealth> {
    try {
      await this.clients.take().getLanguages();
      return { ok: true };
    } catch (err) {
      if (isAbortError(err)) return { ok: false, detail: String(err) };
      return unhealthy(this.mapError(err));
    }
  }
}

function detectedLanguage(response: unknown): string | undefined {
  const data = (
    response as { data?: { translations?: { detectedSourceLanguage?: unknown }[] } } | undefined
  )?.data;
  const code = data?.translations?.[0]?.detectedSourceLanguage;
  return typeof code === 'string' ? code : undefined;
}
