import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  FakeProviderServer,
  FakeRequestError,
  requireHeader,
  type FakeFault,
  type FakeReply,
  type FakeServerOptions,
} from './fake-server.js';

/**
 * DeepL API v2 wire replies. deepl-node parses these privately and exports only its
 * camelCase results, so the raw shapes are declared here from the API reference.
 */
export interface DeepLTranslateResponse {
  translations: { detected_source_language: string; text: string; billed_characters: number }[];
}
export interface DeepLGlossaryResponse {
  glossary_id: string;
  name: string;
  ready: boolean;
  source_lang: string;
  target_lang: string;
  creation_time: string;
  entry_count: number;
}

interface FakeGlossary extends DeepLGlossaryResponse {
  entries: [string, string][];
}

/** DeepL API (`/v2/translate`, `/v2/glossaries`, `/v2/languages`, `/v2/usage`), form-encoded like the real one. */
export class FakeDeepLServer extends FakeProviderServer {
  readonly glossaries = new Map<string, FakeGlossary>();
  /** Form parameters of every translation request, for assertions. */
  readonly translateParams: URLSearchParams[] = [];

  constructor(options: FakeServerOptions = {}) {
    super({ key: 'test-deepl-key:fx', ...options });
  }

  protected isTranslation(method: string, path: string): boolean {
    return method === 'POST' && path === '/v2/translate';
  }

  protected override errorBody(status: number, message = 'fake fault'): string {
    return JSON.stringify({ message });
  }

  protected handle(
    req: IncomingMessage,
    url: URL,
    body: string,
    fault: FakeFault | undefined,
    count: (chars: number) => void,
  ): FakeReply {
    requireHeader(req, 'authorization', `DeepL-Auth-Key ${this.options.key!}`);
    const method = req.method ?? 'GET';
    const form = new URLSearchParams(method === 'GET' || method === 'DELETE' ? url.search : body);
    if (method === 'GET' && url.pathname === '/v2/usage')
      return {
        body: JSON.stringify({ character_count: this.characters, character_limit: 500_000 }),
      };
    if (method === 'GET' && url.pathname === '/v2/languages') {
      const target = form.get('type') === 'target';
      const langs = target
        ? ['DE', 'EN-US', 'EN-GB', 'FR', 'JA', 'ZH-HANS', 'ZH-HANT']
        : ['DE', 'EN', 'FR', 'JA', 'ZH'];
      return {
        body: JSON.stringify(
          langs.map((language) => ({
            language,
            name: language,
            ...(target ? { supports_formality: language === 'DE' || language === 'FR' } : {}),
          })),
        ),
      };
    }
    if (method === 'POST' && url.pathname === '/v2/glossaries') return this.createGlossary(form);
    const glossaryPath = /^\/v2\/glossaries\/([^/]+)$/u.exec(url.pathname);
    if (glossaryPath) {
      const glossary = this.glossaries.get(glossaryPath[1]!);
      if (!glossary) throw new FakeRequestError(404, 'glossary not found');
      if (method === 'DELETE') {
        this.glossaries.delete(glossary.glossary_id);
        return { status: 204, body: '' };
      }
      const { entries: _entries, ...info } = glossary;
      return { body: JSON.stringify(info) };
    }
    if (!this.isTranslation(method, url.pathname))
      throw new FakeRequestError(404, `no route ${method} ${url.pathname}`);
    this.translateParams.push(form);
    const texts = form.getAll('text');
    const target = form.get('target_lang');
    if (texts.length === 0 || !target)
      throw new FakeRequestError(400, 'text and target_lang are required');
    if (
      form.get('tag_handling') !== null &&
      form.get('tag_handling') !== 'xml' &&
      form.get('tag_handling') !== 'html'
    )
      throw new FakeRequestError(400, 'bad tag_handling');
    const glossaryId = form.get('glossary_id');
    const glossary = glossaryId ? this.glossaries.get(glossaryId) : undefined;
    if (glossaryId && !glossary) throw new FakeRequestError(404, 'glossary not found');
    if (glossary && !form.get('source_lang'))
      throw new FakeRequestError(400, 'glossary needs source_lang');
    const formality = form.get('formality');
    if (formality && !['default', 'more', 'less', 'prefer_more', 'prefer_less'].includes(formality))
      throw new FakeRequestError(400, 'bad formality');
    count(texts.reduce((n, t) => n + t.length, 0));
    if (fault?.kind === 'malformed') return { body: '{"translations": [{"text": ' };
    const reply: DeepLTranslateResponse = {
      translations: texts.map((t) => {
        let text =
          fault?.kind === 'lose-placeholder'
            ? t.replace(/<x i="\d+"\/>/u, '')
            : this.translateText(t, target.toLowerCase());
        if (glossary)
          for (const [term, translation] of glossary.entries)
            text = replaceOutsideTags(text, term, translation);
        if (formality === 'more' || formality === 'prefer_more')
          text = text.replace(/\byou\b/gu, 'Sie');
        return {
          detected_source_language: (form.get('source_lang') ?? 'EN').toUpperCase(),
          text,
          billed_characters: t.length,
        };
      }),
    };
    return { body: JSON.stringify(reply) };
  }

  private createGlossary(form: URLSearchParams): FakeReply {
    const name = form.get('name');
    const source = form.get('source_lang');
    const target = form.get('target_lang');
    const entries = form.get('entries');
    if (!name || !source || !target || entries === null || form.get('entries_format') !== 'tsv')
      throw new FakeRequestError(400, 'name, source_lang, target_lang, entries (tsv) are required');
    const pairs = entries
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('\t') as [string, string]);
    if (pairs.some((p) => p.length !== 2))
      throw new FakeRequestError(400, 'entries must be TSV pairs');
    const glossary: FakeGlossary = {
      glossary_id: randomUUID(),
      name,
      ready: true,
      source_lang: source.toLowerCase(),
      target_lang: target.toLowerCase(),
      creation_time: new Date().toISOString(),
      entry_count: pairs.length,
      entries: pairs,
    };
    this.glossaries.set(glossary.glossary_id, glossary);
    const { entries: _entries, ...info } = glossary;
    return { status: 201, body: JSON.stringify(info satisfies DeepLGlossaryResponse) };
  }
}

function replaceOutsideTags(text: string, term: string, translation: string): string {
  return text
    .split(/(<[^>]+>)/u)
    .map((part) => (part.startsWith('<') ? part : part.split(term).join(translation)))
    .join('');
}
