import type { BlockType } from '@docat/contracts';

const BULLET_RE =
  /^\s*(?:[•◦▪▫●○■□‣⁃∙·*–—-]|\(?\d{1,3}[.)]|\(?[a-z][.)]|\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)[.)])\s+\S/u;
/**
 * Caption labels in the languages documents are most often written in. A label is
 * followed by a number (`3`, `3-5`, `3.5`, `IV`, `A.1`) and then by punctuation, or by a
 * capitalised title ("Figure 3-5 The network"); "Table 1 shows" is a sentence, not a caption.
 */
const CAPTION_WORDS = [
  'figure',
  'fig\\.',
  'table',
  'tab\\.',
  'listing',
  'chart',
  'exhibit',
  'plate',
  'diagram',
  'scheme',
  'algorithm',
  'abbildung',
  'abb\\.',
  'tabelle',
  'bild',
  'grafik',
  'figura',
  'fig\\.ª',
  'tabla',
  'cuadro',
  'gráfico',
  'tabela',
  'quadro',
  'tabella',
  'tableau',
  'graphique',
  'figuur',
  'afbeelding',
  'tabel',
  'figur',
  'tabell',
  'kuva',
  'taulukko',
  'rysunek',
  'rys\\.',
  'tabulka',
  'obrázek',
  'obr\\.',
  'şekil',
  'tablo',
  'ábra',
  'táblázat',
  'рисунок',
  'рис\\.',
  'таблица',
  'табл\\.',
  'схема',
  'εικόνα',
  'σχήμα',
  'πίνακας',
  'شکل',
  'جدول',
  'نمودار',
  'الشكل',
  'شكل',
  'الجدول',
  'איור',
  'טבלה',
  'चित्र',
  'तालिका',
];
const CAPTION_WORD_RE = new RegExp(`^\\s*[[<〈《【(]?\\s*(?:${CAPTION_WORDS.join('|')})\\s*`, 'iu');
const CAPTION_NUMBER_RE =
  /^(?:[A-Z]?[0-9٠-٩۰-۹]+|[IVX]+|[A-Z])(?:[.\-–][0-9٠-٩۰-۹]+)*[a-z]?(?:\s*[.:—–\-|\]>〉》】)]|\s+[\p{Lu}\p{Lo}])/u;
/** CJK labels need no space or punctuation: 图1 系统结构, 表 2, 図3, 그림 1, [표 1], <그림 2>. */
const CJK_CAPTION_RE =
  /^\s*[[<〈《【(]?\s*(?:图|圖|表|図|그림|표|도표)\s*[0-9０-９]+(?:[.\-–][0-9]+)*\s*[.:：．]?\s*\S/u;
/** Many words in a line (or many characters of a script written without spaces): running text. */
const SPACELESS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/gu;
const MATH_CHARS = /[=+−×÷∑∏∫√≤≥≠≈∈∉⊂⊆∪∩∀∃→←↦⇒⇔λαβγδεθσμπτφψωΓΔΘΛΣΦΨΩ∞∂∇^_]/gu;

export function startsLikeListItem(text: string): boolean {
  return BULLET_RE.test(text);
}

export function looksLikeCaption(text: string): boolean {
  const word = CAPTION_WORD_RE.exec(text);
  return (
    (word !== null && CAPTION_NUMBER_RE.test(text.slice(word[0].length))) ||
    CJK_CAPTION_RE.test(text)
  );
}

/**
 * Whether a line reads as running text rather than a label: five words or more with
 * at least 25 letters, or 15 characters of a script written without spaces. Figures hold
 * labels; a line of prose is never part of one.
 */
export function looksLikeProse(text: string): boolean {
  const words = text.match(/\p{L}[\p{L}\p{M}'’-]*/gu) ?? [];
  const letters = words.reduce((n, w) => n + w.length, 0);
  if (words.filter((w) => w.length >= 2).length >= 5 && letters >= 25) return true;
  return (text.match(SPACELESS)?.length ?? 0) >= 15;
}

export function looksLikeFormula(text: string): boolean {
  const math = text.match(MATH_CHARS)?.length ?? 0;
  if (math < 2) return false;
  const words = text.match(/\p{L}{4,}/gu)?.length ?? 0;
  return words <= 2 && text.length <= 200;
}

/**
 * Fonts that set mathematics: TeX's math italic, symbols and extensions (CMMI, CMSY, CMEX
 * and their bold forms), the AMS symbol fonts (MSAM, MSBM), Euler, RSFS, MathTime, and the
 * OpenType math fonts (Cambria Math, STIX Math, Latin Modern Math, Noto Sans Math).
 */
const MATH_FONT_RE =
  /^(?:[A-Z]{6}\+)?(?:cmmi|cmsy|cmex|cmbsy|cmmib|msam|msbm|eufm|eufb|eusm|eusb|euex|eurm|rsfs|mtmi|mtsy|mtex)\d|math/i;

export function isMathFont(font: string): boolean {
  return MATH_FONT_RE.test(font);
}

/** What a block's fonts say about mathematics in it. */
export interface MathFeatures {
  /** Characters set in a math font. */
  mathChars: number;
  /** Words of three letters or more set in a text font. */
  textWords: number;
}

export function mathFeatures(spans: Iterable<{ text: string; font: string }>): MathFeatures {
  let mathChars = 0;
  let textWords = 0;
  for (const s of spans) {
    if (isMathFont(s.font)) mathChars += s.text.replace(/\s+/gu, '').length;
    else textWords += s.text.match(/\p{L}{3,}/gu)?.length ?? 0;
  }
  return { mathChars, textWords };
}

export interface BlockFeatures {
  text: string;
  lineCount: number;
  size: number;
  bold: boolean;
  math?: MathFeatures;
}

/**
 * Page-level type of a text block. Heading levels are assigned later at document
 * level, where all heading sizes are known.
 */
export function classifyText(b: BlockFeatures, bodySize: number, bodyBold: boolean): BlockType {
  const text = b.text;
  if (looksLikeCaption(text)) return 'caption';
  const short = b.lineCount <= 3 && text.length <= 160 && /\p{L}/u.test(text);
  const bigger = bodySize > 0 && b.size >= bodySize * 1.15;
  const emphasised = b.bold && !bodyBold && !/[.,;]$/.test(text) && text.length <= 120;
  if (short && (bigger || emphasised) && !/^[\d\s.,%()–-]+$/.test(text)) return 'heading';
  // A display formula set in math fonts, however many lines (a matrix, aligned equations,
  // an enumerated list of equations): at most one word of text beside it.
  if (b.math && b.math.mathChars >= 2 && b.math.textWords <= (b.lineCount <= 3 ? 1 : 0))
    return 'formula';
  if (startsLikeListItem(text)) return 'list_item';
  // Counted by characters, a line of prose dense with inline mathematics ("Sei U := ⋂ U_i.
  // Da X kompakt ist, gibt es x_1, ..., x_n ∈ X mit ⋃ U_j = X") has as few long words as
  // a formula; where its fonts tell the mathematics from the words, three words or more in
  // a text face make it prose, to be translated around its formulas.
  const wordy = b.math !== undefined && b.math.mathChars >= 2 && b.math.textWords >= 3;
  if (b.lineCount <= 3 && !wordy && looksLikeFormula(text)) return 'formula';
  return 'paragraph';
}
