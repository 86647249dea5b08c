const LIGATURES: Record<string, string> = {
  '\uFB00': 'ff',
  '\uFB01': 'fi',
  '\uFB02': 'fl',
  '\uFB03': 'ffi',
  '\uFB04': 'ffl',
  '\uFB05': 'st',
  '\uFB06': 'st',
};
const LIGATURE_RE = /[\uFB00-\uFB06]/g;
/**
 * List bullets of the Symbol and Wingdings fonts, which word processors map into the
 * private use area (U+F000 plus the font's code): the characters they draw.
 */
const SYMBOL_BULLETS: Record<string, string> = {
  '\uF0B7': '•',
  '\uF0A7': '▪',
};
const SYMBOL_BULLET_RE = /[\uF0B7\uF0A7]/g;

/**
 * Expand Latin ligatures, read the Symbol font's bullets, and compose to NFC. NFKC is
 * avoided: it would also fold superscripts, full-width forms and compatibility ideographs
 * that carry meaning.
 */
export function normalizeText(text: string): string {
  return text
    .replace(LIGATURE_RE, (c) => LIGATURES[c] ?? c)
    .replace(SYMBOL_BULLET_RE, (c) => SYMBOL_BULLETS[c] ?? c)
    .normalize('NFC');
}

/**
 * Characters that mark a text layer as unusable: C0/C1 controls (glyph ids leaked as
 * codes when a font has no Unicode mapping), private-use code points and U+FFFD.
 */
export function isGarbageChar(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
    (code >= 0x7f && code < 0xa0) ||
    (code >= 0xe000 && code <= 0xf8ff) ||
    code >= 0xf0000 ||
    code === 0xfffd
  );
}

export interface TextQuality {
  chars: number;
  garbage: number;
}

export function measureText(text: string, into: TextQuality): void {
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d) continue;
    into.chars++;
    if (isGarbageChar(code)) into.garbage++;
  }
}

/**
 * Drop garbage characters from text that is kept (e.g. when OCR is off). They become
 * spaces: fonts without a Unicode map often leak their space glyph as a control code.
 */
export function stripGarbage(text: string): string {
  let out = '';
  for (const ch of text) out += isGarbageChar(ch.codePointAt(0)!) ? ' ' : ch;
  return out.replace(/ {2,}/g, ' ');
}

const SCRIPT_TESTS: [string, RegExp][] = [
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Latin', /\p{Script=Latin}/u],
];

/** The dominant script of a text, by letter count; undefined when there are no letters. */
export function dominantScript(text: string): string | undefined {
  const counts = new Map<string, number>();
  for (const ch of text) {
    for (const [name, re] of SCRIPT_TESTS) {
      if (re.test(ch)) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        break;
      }
    }
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [name, n] of counts) if (n > bestCount) [best, bestCount] = [name, n];
  // Japanese text mixes kana and kanji; any kana means Japanese rather than Chinese.
  if (best === 'Han' && (counts.get('Hiragana') ?? 0) > 0) return 'Hiragana';
  return best;
}
