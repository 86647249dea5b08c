import { z } from 'zod';
import { EngineError, errorFromStatus, isAbortError, networkReason } from './engine-error.js';
import { hostOf } from './timeouts.js';
import {
  ungated,
  type EngineHealth,
  type EngineLanguages,
  type TranslateBatchRequest,
  type TranslateBatchResult,
  type TranslationEngine,
} from '../types.js';

export interface LibreTranslateEngineOptions {
  url: string;
  apiKey?: string;
  timeoutMs?: number;
}

const translateReplySchema = z.object({
  translatedText: z.union([z.string(), z.array(z.string())]),
  detectedLanguage: z
    .union([z.object({ language: z.string() }), z.array(z.object({ language: z.string() }))])
    .optional(),
});
const languagesReplySchema = z.array(
  z.object({ code: z.string(), targets: z.array(z.string()).optional() }),
);

const TO_LIBRE: Record<string, string> = { 'zh-Hant': 'zt', nb: 'nb' };
const FROM_LIBRE: Record<string, string> = { zt: 'zh-Hant', 'zh-Hans': 'zh' };

/** LibreTranslate over plain HTTP (`POST /translate` with `q` as an array). Placeholders go as plain text. */
export class LibreTranslateEngine implements TranslationEngine {
  readonly name = 'libretranslate' as const;
  readonly model = 'argos';
  readonly paid = false;
  readonly nativeGlossary = false;
  readonly host: string | undefined;
  private readonly base: string;

  constructor(private readonly options: LibreTranslateEngineOptions) {
    this.base = options.url.replace(/\/+$/u, '');
    this.host = hostOf(this.base);
  }

  private async request(
    path: string,
    init: { method: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal },
  ): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method: init.method,
        headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal
          ? AbortSignal.any([init.signal, AbortSignal.timeout(this.options.timeoutMs ?? 60_000)])
          : AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      if (isAbortError(err) && init.signal?.aborted) throw err;
      throw new EngineError(
        this.name,
        'unavailable',
        (err instanceof Error ? err.message : String(err)) + networkReason(err),
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw errorFromStatus(
        this.name,
        response.status,
        `HTTP ${response.status}: ${text.slice(0, 200)}`,
        response.headers.get('retry-after'),
      );
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new EngineError(this.name, 'unavailable', `reply is not JSON (${String(err)})`);
    }
  }

  async translateBatch(req: TranslateBatchRequest): Promise<TranslateBatchResult> {
    const gate = req.gate ?? ungated;
    const body = {
      q: req.segments.map((s) => s.text),
      source: req.source ? (TO_LIBRE[req.source] ?? req.source) : 'auto',
      target: TO_LIBRE[req.target] ?? req.target,
      format: 'text',
      ...(this.options.apiKey ? { api_key: this.options.apiKey } : {}),
    };
    const raw = await gate(() =>
      this.request('/translate', { method: 'POST', body, signal: req.signal }),
    );
    const parsed = translateReplySchema.safeParse(raw);
    if (!parsed.success)
      throw new EngineError(this.name, 'bad_reply', 'reply is not {translatedText}');
    const texts = Array.isArray(parsed.data.translatedText)
      ? parsed.data.translatedText
      : [parsed.data.translatedText];
    if (texts.length !== req.segments.length)
      throw new EngineError(
        this.name,
        'bad_reply',
        `expected ${req.segments.length} translations, got ${texts.length}`,
      );
    const detected = parsed.data.detectedLanguage;
    const detectedCode = Array.isArray(detected) ? detected[0]?.language : detected?.language;
    return {
      translations: req.segments.map((s, i) => ({ id: s.id, text: texts[i]! })),
      billedCharacters: req.segments.reduce((n, s) => n + s.text.length, 0),
      ...(detectedCode ? { detectedSource: FROM_LIBRE[detectedCode] ?? detectedCode } : {}),
    };
  }

  async languages(): Promise<EngineLanguages> {
    const parsed = languagesReplySchema.parse(await this.request('/languages', { method: 'GET' }));
    const codes = parsed.map((l) => FROM_LIBRE[l.code] ?? l.code);
    return { source: codes, target: codes };
  }

  async health(): Promise<EngineHealth> {
    try {
      await this.languages();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }
}
