import * as deepl from 'deepl-node';
import { EngineError, isAbortError, unhealthy } from './engine-error.js';
import { KeyPool } from './key-pool.js';
import { hostOf } from './timeouts.js';
import { fromXmlTags, toXmlTags } from './xml-tags.js';
import {
  ungated,
  type EngineHealth,
  type EngineLanguages,
  type GlossaryEntry,
  type TranslateBatchRequest,
  type TranslateBatchResult,
  type TranslationEngine,
} from '../types.js';
import { glossaryVersion } from '../glossary.js';

export interface DeepLEngineOptions {
  authKeys: string[];
  serverUrl?: string;
  /** deepl-node's own timeout of one request (it takes no abort signal). */
  timeoutMs?: number;
}

/** DeepL needs a regional variant for some targets; Docat's `zh` is Simplified. */
const TARGET_CODES: Record<string, deepl.TargetLanguageCode> = {
  en: 'en-US',
  pt: 'pt-PT',
  zh: 'zh-HANS',
  'zh-Hant': 'zh-HANT',
};

function targetCode(target: string): deepl.TargetLanguageCode {
  return TARGET_CODES[target] ?? (target.toLowerCase() as deepl.TargetLanguageCode);
}

function sourceCode(source: string): deepl.SourceLanguageCode {
  return source.split('-')[0]!.toLowerCase() as deepl.SourceLanguageCode;
}

function fromDeepL(code: string): string {
  const lower = code.toLowerCase();
  if (lower === 'zh-hant') return 'zh-Hant';
  return lower.split('-')[0]!;
}

/**
 * DeepL via deepl-node: native glossaries (created once per glossary version and
 * language pair, then reused), formality, XML tag handling for placeholders.
 * deepl-node does not expose Retry-After, so a 429 here waits by backoff alone.
 */
export class DeepLEngine implements TranslationEngine {
  readonly name = 'deepl' as const;
  readonly model = 'deepl-v2';
  readonly paid = true;
  readonly nativeGlossary = true;
  readonly host: string | undefined;
  private readonly clients: KeyPool<{ key: string; translator: deepl.Translator }>;
  /** Glossary ids per (auth key, pair, version): glossaries belong to a DeepL account. */
  private readonly glossaries = new Map<string, Promise<string>>();

  constructor(options: DeepLEngineOptions) {
    // deepl-node's own choice: a key ending in `:fx` is a free account's.
    this.host = hostOf(
      options.serverUrl ??
        (options.authKeys[0]?.endsWith(':fx')
          ? 'https://api-free.deepl.com'
          : 'https://api.deepl.com'),
    );
    this.clients = new KeyPool(
      options.authKeys.map((key) => ({
        key,
        translator: new deepl.Translator(key, {
          ...(options.serverUrl ? { serverUrl: options.serverUrl } : {}),
          maxRetries: 0,
          minTimeout: options.timeoutMs ?? 60_000,
          sendPlatformInfo: false,
        }),
      })),
    );
  }

  async translateBatch(req: TranslateBatchRequest): Promise<TranslateBatchResult> {
    const gate = req.gate ?? ungated;
    const client = this.clients.take();
    try {
      const glossaryId =
        req.glossary && req.glossary.length > 0 && req.source
          ? await this.glossaryFor(client, req.source, req.target, req.glossary, req)
          : undefined;
      const options: deepl.TranslateTextOptions = {
        tagHandling: 'xml',
        // `x` is an untouchable token; `g` wraps styled words, which are translated in place.
        ignoreTags: ['x'],
        nonSplittingTags: ['g'],
        ...(req.formality
          ? { formality: req.formality === 'more' ? 'prefer_more' : 'prefer_less' }
          : {}),
        ...(glossaryId ? { glossary: glossaryId } : {}),
        ...(req.context?.title || req.context?.neighbours
          ? {
              context: [req.context.title, ...(req.context.neighbours ?? [])]
                .filter(Boolean)
                .join('\n'),
            }
          : {}),
      };
      const results = await gate(() =>
        client.translator.translateText(
          req.segments.map((s) => toXmlTags(s.text)),
          req.source ? sourceCode(req.source) : null,
          targetCode(req.target),
          options,
        ),
      );
      req.signal?.throwIfAborted();
      return {
        translations: req.segments.map((s, i) => ({
          id: s.id,
          text: fromXmlTags(results[i]?.text ?? ''),
        })),
        billedCharacters: results.reduce((n, r) => n + (r.billedCharacters ?? 0), 0),
        ...(results[0]?.detectedSourceLang
          ? { detectedSource: fromDeepL(results[0].detectedSourceLang) }
          : {}),
      };
    } catch (err) {
      if (err instanceof deepl.GlossaryNotFoundError) this.glossaries.clear();
      throw this.mapError(err);
    }
  }

  private glossaryFor(
    client: { key: string; translator: deepl.Translator },
    source: string,
    target: string,
    entries: GlossaryEntry[],
    req: TranslateBatchRequest,
  ): Promise<string> {
    const version = glossaryVersion({ source, target }, entries);
    const cacheKey = `${client.key}\u0000${source}\u0000${target}\u0000${version}`;
    let id = this.glossaries.get(cacheKey);
    if (!id) {
      const gate = req.gate ?? ungated;
      id = gate(() =>
        client.translator.createGlossary(
          `docat-${version}`,
          sourceCode(source) as deepl.LanguageCode,
          sourceCode(target) as deepl.LanguageCode,
          new deepl.GlossaryEntries({
            entries: Object.fromEntries(entries.map((e) => [e.term, e.translation])),
          }),
        ),
      ).then((info) => info.glossaryId);
      id.catch(() => this.glossaries.delete(cacheKey));
      this.glossaries.set(cacheKey, id);
    }
    return id;
  }

  private mapError(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    if (isAbortError(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof deepl.TooManyRequestsError)
      return new EngineError(this.name, 'rate_limited', message, { status: 429 });
    // A connection that fails (refused, no route, no name, timed out) is the provider out of
    // reach, as with every other engine: unavailable, whatever deepl-node's own retry says.
    if (err instanceof deepl.ConnectionError)
      return new EngineError(this.name, 'unavailable', message);
    if (err instanceof deepl.GlossaryNotFoundError)
      return new EngineError(this.name, 'unavailable', message, { status: 404 });
    // DeepL answers a wrong key 403: the status makes the job's error ENGINE_AUTH.
    if (err instanceof deepl.AuthorizationError)
      return new EngineError(this.name, 'rejected', message, { status: 403 });
    if (err instanceof deepl.QuotaExceededError)
      return new EngineError(this.name, 'rejected', message);
    const status = /Service unavailable/u.test(message)
      ? 503
      : Number(/status code: (\d{3})/u.exec(message)?.[1] ?? NaN);
    if (status >= 500) return new EngineError(this.name, 'unavailable', message, { status });
    if (/Error parsing response JSON/u.test(message))
      return new EngineError(this.name, 'unavailable', message);
    return new EngineError(this.name, 'rejected', message, Number.isNaN(status) ? {} : { status });
  }

  async languages(): Promise<EngineLanguages> {
    const { translator } = this.clients.take();
    const [source, target] = await Promise.all([
      translator.getSourceLanguages(),
      translator.getTargetLanguages(),
    ]);
    return {
      source: source.map((l) => fromDeepL(l.code)),
      target: [...new Set(target.map((l) => fromDeepL(l.code)))],
    };
  }

  async health(): Promise<EngineHealth> {
    try {
      const usage = await this.clients.take().translator.getUsage();
      return {
        ok: !usage.anyLimitReached(),
        ...(usage.character
          ? { detail: `${usage.character.count}/${usage.character.limit} characters used` }
          : {}),
      };
    } catch (err) {
      if (isAbortError(err)) return { ok: false, detail: String(err) };
      return unhealthy(this.mapError(err));
    }
  }
}
