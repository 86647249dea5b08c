import type { BlockType } from '@docat/contracts';

const BULLET_RE = /^\s*(?:[•◦▪▫●○■□‣⁃∙·*–—-]|\(?\d{1,3}[.)]|\(?[a-z][.)]|\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)[.)])\s+\S/u;
const CAPTION_RE = /^\s*(?:figure|fig\.|table|tab\.|listing|chart|exhibit)\s*[0-9IVX]+[a-z]?\s*[.:—–-]/iu;
const MATH_CHARS = /[=+−×÷∑∏∫√≤≥≠≈∈∉⊂⊆∪∩∀∃→←↦⇒⇔λαβγδεθσμπτφψωΓΔΘΛΣΦΨΩ∞∂∇^_]/gu;

export function startsLikeListItem(text: string): boolean {
  return BULLET_RE.test(text);
}

export function looksLikeCaption(text: string): boolean {
  return CAPTION_RE.test(text);
}

export function looksLikeFormula(text: string): boolean {
  const math = text.match(MATH_CHARS)?.length ?? 0;
  if (math < 2) return false;
  const words = text.match(/\p{L}{4,}/gu)?.length ?? 0;
  return words <= 2 && text.length <= 200;
}

export interface BlockFeatures {
  text: string;
  lineCount: number;
  size: number;
  bold: boolean;
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
  if (startsLikeListItem(text)) return 'list_item';
  if (b.lineCount <= 3 && looksLikeFormula(text)) return 'formula';
  return 'paragraph';
}
