import { dominantScript } from '../layout/text-normalize.js';

/** Script each source language is written in, for the languages OCR data exists for. */
const LANGUAGE_SCRIPT: Record<string, string> = {
  ru: 'Cyrillic',
  uk: 'Cyrillic',
  bg: 'Cyrillic',
  sr: 'Cyrillic',
  be: 'Cyrillic',
  mk: 'Cyrillic',
  kk: 'Cyrillic',
  el: 'Greek',
  ar: 'Arabic',
  fa: 'Arabic',
  ur: 'Arabic',
  he: 'Hebrew',
  hi: 'Devanagari',
  mr: 'Devanagari',
  ne: 'Devanagari',
  th: 'Thai',
  ja: 'Hiragana',
  ko: 'Hangul',
  zh: 'Han',
  'zh-hans': 'Han',
  'zh-hant': 'Han',
  'zh-cn': 'Han',
  'zh-tw': 'Han',
};

/** Pages with fewer word tokens than this are not judged: too little text to tell. */
const MIN_WORDS = 20;
const SAMPLE_CHARS = 3000;
/** Share of implausible words above which a page does not read as a language. */
const MAX_IMPLAUSIBLE_SHARE = 0.3;

export interface TextLayerJudgement {
  readable: boolean;
  /** Why the text layer does not read as its language. */
  reason?: string;
}

/** Expected script of a language tag (ISO 639-1, maybe with a region), Latin by default. */
export function scriptOfLanguage(language: string): string {
  const key = language.toLowerCase();
  return LANGUAGE_SCRIPT[key] ?? LANGUAGE_SCRIPT[key.split('-')[0]!] ?? 'Latin';
}

/**
 * A word that no language writes: letters and digits mixed inside it (`o6pa3oBaHnn`, an
 * old OCR's look-alikes), a capital between small letters (`npaBa`; program identifiers
 * such as `getPage` look the same, but prose pages hold too few of them to pass the
 * page's share), or a word mostly of accented letters (`ìáöç`, a Unicode map that is off
 * by an encoding).
 */
function implausible(word: string): boolean {
  // ASCII letters, small but for the first (most words of most pages): none of the shapes below.
  if (/^[A-Za-z][a-z]*$/.test(word)) return false;
  if (/\p{L}\p{N}+\p{L}/u.test(word) || /^\p{N}\p{L}{2,}\p{N}/u.test(word)) return true;
  if (/\p{Ll}\p{Lu}\p{Ll}/u.test(word)) return true;
  const letters = word.match(/\p{L}/gu) ?? [];
  if (letters.length >= 3) {
    const accented = letters.filter((c) => /[\u00C0-\u024F]/u.test(c)).length;
    if (accented >= 2 && accented / letters.length >= 0.5) return true;
  }
  return false;
}

/**
 * Whether a page's text layer reads as the document's language. `language` is the
 * declared source language; without it only the shape of the words is judged. A text
 * layer in another script than the language's (Latin look-alikes of a Cyrillic scan),
 * or one whose words mostly have shapes no language writes, does not read.
 */
export function judgeTextLayer(text: string, language: string | undefined): TextLayerJudgement {
  // A few hundred words decide as well as a whole page, at a bounded cost per page.
  const words = text
    .slice(0, SAMPLE_CHARS)
    .split(/[\s.,;:!?()[\]{}"'«»“”‘’/\\|]+/u)
    .filter((w) => /\p{L}/u.test(w));
  if (words.length < MIN_WORDS) return { readable: true };
  if (language) {
    const expected = scriptOfLanguage(language);
    const found = dominantScript(text);
    // Japanese pages mix kanji with kana; either counts.
    const same = found === expected || (expected === 'Hiragana' && found === 'Han');
    if (found && !same)
      return {
        readable: false,
        reason: `the text layer is in ${found} script, not the ${expected} of '${language}'`,
      };
  }
  const bad = words.filter(implausible).length;
  if (bad / words.length > MAX_IMPLAUSIBLE_SHARE) {
    return {
      readable: false,
      reason: `${Math.round((bad / words.length) * 100)}% of its words are not words of any language`,
    };
  }
  return { readable: true };
}
