import {
  PDFDict,
  PDFHexString,
  PDFName,
  PDFRef,
  PDFString,
  type PDFDocument,
  type PDFObject,
} from 'pdf-lib';
import type { LayoutDocument } from '@docat/contracts';
import { destinationOf, explicitDestination } from './dual-navigation.js';
import type { RenderText } from './render-translated.js';

/** Outline items looked at most (a hostile file's outline is not walked for ever). */
const MAX_OUTLINE_ITEMS = 20_000;

/** A section number ahead of a title: `1`, `2.3.`, `IV.`, `A.1`. */
const NUMBER = /^(?:\d+(?:\.\d+)*\.?|[IVX]+\.?|[A-Z]\.(?:\d+\.?)*)\s+(?=\S)/u;

/** Text compared: case, spacing, dashes and quotes aside. */
function key(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2010-\u2015]/gu, '-')
    .replace(/[\u2018\u2019]/gu, "'")
    .replace(/[\u201c\u201d]/gu, '"')
    .replace(/\s+/gu, ' ')
    .trim();
}

interface Candidate {
  page: number;
  source: string;
  translation: string;
}

/**
 * Sets each bookmark's title to the translation of the heading (or any translated block) it
 * names: the block on the bookmark's page whose text is the title, with or without the
 * section number in front, else the only such block in the document. Titles that name no
 * translated block stay as they are. Returns how many titles were translated.
 */
export function translateOutlineTitles(
  doc: PDFDocument,
  layout: LayoutDocument,
  translations: ReadonlyMap<string, RenderText>,
): number {
  const root = doc.catalog.lookup(PDFName.of('Outlines'));
  if (!(root instanceof PDFDict)) return 0;
  const byKey = titleIndex(layout, translations);
  if (byKey.size === 0) return 0;
  const pageNumbers = new Map(doc.getPages().map((p, i) => [p.ref.toString(), i + 1]));
  const seen = new Set<PDFObject>();
  let visited = 0;
  let translated = 0;
  const stack: PDFObject[] = [root.get(PDFName.of('First'))].filter((v) => v !== undefined);
  while (stack.length > 0 && visited < MAX_OUTLINE_ITEMS) {
    const node = stack.pop()!;
    if (!(node instanceof PDFRef) || seen.has(node)) continue;
    seen.add(node);
    visited++;
    const item = doc.context.lookup(node);
    if (!(item instanceof PDFDict)) continue;
    const next = item.get(PDFName.of('Next'));
    const first = item.get(PDFName.of('First'));
    if (next) stack.push(next);
    if (first) stack.push(first);
    const title = item.lookup(PDFName.of('Title'));
    if (!(title instanceof PDFString || title instanceof PDFHexString)) continue;
    const text = title.decodeText().replace(/\s+/gu, ' ').trim();
    const dest = destinationOf(item);
    const explicit = dest === undefined ? undefined : explicitDestination(doc, dest);
    const target = explicit?.get(0);
    const page = target instanceof PDFRef ? pageNumbers.get(target.toString()) : undefined;
    const found = matchTitle(text, page, byKey);
    if (found === undefined) continue;
    item.set(PDFName.of('Title'), PDFHexString.fromText(found));
    translated++;
  }
  return translated;
}

/** Translated blocks by their text (and by their text without a section number). */
function titleIndex(
  layout: LayoutDocument,
  translations: ReadonlyMap<string, RenderText>,
): Map<string, Candidate[]> {
  const byKey = new Map<string, Candidate[]>();
  const add = (k: string, c: Candidate) => {
    if (k === '') return;
    const list = byKey.get(k);
    if (list) list.push(c);
    else byKey.set(k, [c]);
  };
  for (const page of layout.pages) {
    for (const block of page.blocks) {
      const t = translations.get(block.id);
      if (t === undefined) continue;
      const translation = (typeof t === 'string' ? t : t.text).replace(/\s+/gu, ' ').trim();
      const source = block.text.replace(/\s+/gu, ' ').trim();
      // Titles are short: a paragraph is never a bookmark's whole text.
      if (translation === '' || source.length > 300) continue;
      const candidate = { page: page.number, source, translation };
      add(key(source), candidate);
      const bare = source.replace(NUMBER, '');
      if (bare !== source) add(key(bare), candidate);
    }
  }
  return byKey;
}

/**
 * The document information's title, when it is the text of a translated block (the title
 * on the first page, mostly), set to that block's translation. Returns whether it was.
 */
export function translateDocumentTitle(
  doc: PDFDocument,
  layout: LayoutDocument,
  translations: ReadonlyMap<string, RenderText>,
): boolean {
  const title = doc.getTitle()?.replace(/\s+/gu, ' ').trim();
  if (!title) return false;
  const found = matchTitle(title, 1, titleIndex(layout, translations));
  if (found === undefined) return false;
  doc.setTitle(found);
  return true;
}

/** The translation a title stands for, or undefined when none or several could be meant. */
function matchTitle(
  title: string,
  page: number | undefined,
  byKey: ReadonlyMap<string, Candidate[]>,
): string | undefined {
  if (title === '') return undefined;
  const numbered = NUMBER.exec(title)?.[0];
  const candidates = byKey.get(key(title)) ?? byKey.get(key(title.replace(NUMBER, ''))) ?? [];
  const onPage = candidates.filter((c) => c.page === page);
  const pick = onPage.length > 0 ? onPage : candidates;
  const translations = [...new Set(pick.map((c) => c.translation))];
  if (translations.length !== 1) return undefined;
  const translation = translations[0]!;
  const sourceNumbered = NUMBER.exec(pick[0]!.source)?.[0];
  // The bookmark shows the number as its own title does: the heading's number is kept or
  // dropped to match, and a bare heading gets the bookmark's number.
  if (sourceNumbered && !numbered) return translation.replace(NUMBER, '');
  if (!sourceNumbered && numbered) return `${numbered}${translation}`;
  return translation;
}
