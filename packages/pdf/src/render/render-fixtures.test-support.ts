import type { Block, LayoutDocument } from '@docat/contracts';
import { pseudoTranslate, reassemble, restorePlaceholders, segmentBlocks } from '@docat/translate';
import { FontLibrary } from '../fonts/font-library.js';
import { applyTranslations } from '../layout/apply-translations.js';
import { renderTranslatedPdf } from './render-translated.js';
import { renderTranslationsOf } from './render-translations.js';

/** The target languages every render check runs for. */
export const TARGETS = ['de', 'ja', 'zh-Hant', 'ko', 'ru', 'el', 'ar', 'he', 'hi'] as const;

/** One real sentence per script, written for these tests. */
export const REAL_SENTENCES: Record<(typeof TARGETS)[number], string> = {
  de: 'Die Übersetzung bewahrt das Layout des Originaldokuments, einschließlich Abbildungen und Tabellen.',
  ja: 'この翻訳は、図や表を含む元の文書のレイアウトを保持します。',
  'zh-Hant': '這份翻譯保留了原始文件的版面配置，包括圖表與表格。',
  ko: '이 번역은 그림과 표를 포함한 원본 문서의 레이아웃을 유지합니다.',
  ru: 'Перевод сохраняет макет исходного документа, включая рисунки и таблицы.',
  el: 'Η μετάφραση διατηρεί τη διάταξη του αρχικού εγγράφου, συμπεριλαμβανομένων των εικόνων και των πινάκων.',
  ar: 'تحافظ الترجمة على تخطيط المستند الأصلي، بما في ذلك الأشكال والجداول.',
  he: 'התרגום שומר על הפריסה של המסמך המקורי, כולל איורים וטבלאות.',
  hi: 'अनुवाद मूल दस्तावेज़ के लेआउट को सुरक्षित रखता है, जिसमें चित्र और तालिकाएँ शामिल हैं।',
};

/** Blocks a translation pipeline leaves alone: no letters (numbers, symbols), formulas, code, figures, form values. */
export function translatable(block: Block): boolean {
  if (
    block.type === 'formula' ||
    block.type === 'figure' ||
    block.type === 'form_field' ||
    block.type === 'code'
  )
    return false;
  return /\p{L}{2,}/u.test(block.text);
}

/** Translations of every translatable block of the given pages. */
export function translateBlocks(
  layout: LayoutDocument,
  pages: number[],
  translate: (text: string) => string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const page of layout.pages) {
    if (!pages.includes(page.number)) continue;
    for (const block of page.blocks)
      if (translatable(block)) out.set(block.id, translate(block.text));
  }
  return out;
}

/**
 * Real text of about the length of the source: the sentence repeated for long blocks,
 * its first words for short ones (a label gets a few words, not a whole sentence it
 * could never fit). Scripts written without spaces take half as many characters, each
 * being about twice as wide.
 */
export function sentenceFor(source: string, sentence: string): string {
  if (source.length >= sentence.length) {
    const times = Math.min(6, Math.floor(source.length / sentence.length));
    return Array.from({ length: times }, () => sentence).join(' ');
  }
  if (!sentence.includes(' '))
    return [...sentence].slice(0, Math.max(2, Math.ceil(source.length / 2))).join('');
  const words = sentence.split(' ');
  let out = words[0]!;
  for (const word of words.slice(1)) {
    if (out.length >= source.length) break;
    out += ` ${word}`;
  }
  return out;
}

/**
 * The translated PDF of `source` as the pipeline makes it with the pseudo engine: segments
 * with their style pairs, pseudo-translated, put back into the layout, rendered.
 */
export async function pseudoTranslatedPdf(
  source: Uint8Array,
  layout: LayoutDocument,
  target = 'de',
): Promise<
  Awaited<ReturnType<typeof renderTranslatedPdf>> & {
    translations: ReturnType<typeof renderTranslationsOf>;
  }
> {
  const segments = segmentBlocks(layout.pages.flatMap((p) => p.blocks));
  // As the translator does: a segment with nothing to translate (a list's bullet, a
  // footnote mark) is sent to no engine and comes back as it was.
  const texts = new Map(
    segments.map((s) => [
      s.id,
      restorePlaceholders(s.untranslatable ? s.text : pseudoTranslate(s.text, target), s.protected),
    ]),
  );
  const translated = applyTranslations(layout, reassemble(segments, texts));
  const translations = renderTranslationsOf(layout, translated);
  const rendered = await renderTranslatedPdf(source, layout, translations, {
    targetLanguage: target,
    fonts: new FontLibrary(),
  });
  return { ...rendered, translations };
}
