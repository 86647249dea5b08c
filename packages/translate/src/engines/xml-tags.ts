import { PLACEHOLDER_PATTERN } from '../placeholders.js';

/**
 * Placeholder encoding for engines with tag handling: `⟦n⟧` travels as an element they
 * keep in place and do not translate, and the text around it is escaped as markup.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function unescapeMarkup(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

/** DeepL (`tag_handling=xml`, `ignore_tags=x`): `⟦3⟧` <-> `<x i="3"/>`. */
export function toXmlTags(text: string): string {
  return escapeMarkup(text).replace(PLACEHOLDER_PATTERN, (_, n: string) => `<x i="${n}"/>`);
}

export function fromXmlTags(text: string): string {
  return unescapeMarkup(text.replace(/<x\s+i="(\d+)"\s*\/>|<x\s+i="(\d+)"\s*><\/x>/g, (_, a?: string, b?: string) => `⟦${a ?? b}⟧`));
}

/** Google (`format=html`): `⟦3⟧` <-> `<span translate="no">⟦3⟧</span>`; the span keeps the token untranslated. */
export function toHtmlSpans(text: string): string {
  return escapeMarkup(text).replace(PLACEHOLDER_PATTERN, (_, n: string) => `<span translate="no">⟦${n}⟧</span>`);
}

export function fromHtmlSpans(text: string): string {
  return unescapeMarkup(text.replace(/<span translate="no">\s*(⟦\s*\d+\s*⟧)\s*<\/span>/g, '$1'));
}
