import { detectAll } from 'tinyld';
import { LANGUAGE_CODES, type LanguageCode } from '@docat/contracts';

const SUPPORTED: ReadonlySet<string> = new Set(LANGUAGE_CODES);

/** tinyld's codes for languages Docat spells differently. */
const ALIASES: Record<string, LanguageCode> = { no: 'nb', zh: 'zh' };

export interface DetectedLanguage {
  language: LanguageCode;
  confidence: number;
}

/** Characters of text sampled: enough for a stable answer, bounded in cost. */
const SAMPLE_CHARS = 20_000;

/**
 * Detect the language of a document offline from its text. Returns undefined when the
 * text is too short or the best guess is not a language Docat supports.
 */
export function detectLanguage(texts: string | readonly string[]): DetectedLanguage | undefined {
  const joined = (typeof texts === 'string' ? texts : texts.join('\n')).slice(0, SAMPLE_CHARS);
  const letters = joined
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  if (letters.length < 12) return undefined;
  for (const candidate of detectAll(letters)) {
    const code = ALIASES[candidate.lang] ?? candidate.lang;
    if (SUPPORTED.has(code)) {
      const language = code as LanguageCode;
      if (language === 'zh' && /[們這個說對時國為與來]/u.test(joined))
        return { language: 'zh-Hant', confidence: candidate.accuracy };
      return { language, confidence: candidate.accuracy };
    }
  }
  return undefined;
}
