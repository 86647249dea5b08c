import { TOKEN_PATTERN } from '../placeholders.js';

/**
 * Placeholder encoding for engines with tag handling: a token `⟦n⟧` travels as an empty
 * element they keep in place and do not translate, a style pair `⟦n⟧…⟦/n⟧` as an
 * element around the words it styles (the engine moves it with their translation), and
 * the text around them is escaped as markup.
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

/** Indexes that open a style pair in `text` (those with a closing token). */
function pairIndexes(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(TOKEN_PATTERN)) if (m[1]) out.add(m[2]!);
  return out;
}

/**
 * Closing elements back to closing tokens: each closes the innermost element still open,
 * as XML nests. A closing element with nothing open is dropped; the style check then
 * finds its pair incomplete.
 */
function closeByStack(text: string, open: RegExp, close: RegExp): string {
  const pattern = new RegExp(`${open.source}|${close.source}`, 'g');
  const stack: string[] = [];
  return text.replace(pattern, (...groups: unknown[]) => {
    const index = groups[1] as string | undefined;
    if (index !== undefined) {
      stack.push(index);
      return `⟦${index}⟧`;
    }
    const top = stack.pop();
    return top === undefined ? '' : `⟦/${top}⟧`;
  });
}

/**
 * DeepL (`tag_handling=xml`, `ignore_tags=x`, `non_splitting_tags=g`): `⟦3⟧` <-> `<x i="3"/>`,
 * `⟦4⟧bold⟦/4⟧` <-> `<g i="4">bold</g>`.
 */
export function toXmlTags(text: string): string {
  const pairs = pairIndexes(text);
  return escapeMarkup(text).replace(TOKEN_PATTERN, (_, slash: string, n: string) => {
    if (slash) return '</g>';
    return pairs.has(n) ? `<g i="${n}">` : `<x i="${n}"/>`;
  });
}

export function fromXmlTags(text: string): string {
  const atoms = text.replace(
    /<x\s+i="(\d+)"\s*\/>|<x\s+i="(\d+)"\s*><\/x>/g,
    (_, a?: string, b?: string) => `⟦${a ?? b}⟧`,
  );
  // An element emptied by the engine may come back self-closed.
  const selfClosed = atoms.replace(/<g\s+i="(\d+)"\s*\/>/g, (_, n: string) => `⟦${n}⟧⟦/${n}⟧`);
  return unescapeMarkup(closeByStack(selfClosed, /<g\s+i="(\d+)"\s*>/, /<\/g\s*>/));
}

/**
 * Google (`format=html`): `⟦3⟧` <-> `<span translate="no">⟦3⟧</span>` (kept untranslated),
 * `⟦4⟧bold⟦/4⟧` <-> `<span id="s4">bold</span>`.
 */
export function toHtmlSpans(text: string): string {
  const pairs = pairIndexes(text);
  return escapeMarkup(text).replace(TOKEN_PATTERN, (_, slash: string, n: string) => {
    if (slash) return '</span>';
    return pairs.has(n) ? `<span id="s${n}">` : `<span translate="no">⟦${n}⟧</span>`;
  });
}

export function fromHtmlSpans(text: string): string {
  // Untouchable tokens first: their closing `</span>` is not a style pair's.
  const atoms = text.replace(
    /<span translate="no">\s*⟦\s*(\d+)\s*⟧\s*<\/span>/g,
    (_, n: string) => `⟦${n}⟧`,
  );
  return unescapeMarkup(closeByStack(atoms, /<span\s+id=["']?s(\d+)["']?\s*>/, /<\/span\s*>/));
}
