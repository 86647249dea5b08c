// The language list without the schema library (see core.ts).

/**
 * BCP 47 tags Docat accepts for source and target languages. The list is what the
 * renderer has fonts for and the pseudo engine can write; engines narrow it further.
 */
export const LANGUAGES = {
  en: 'English',
  de: 'German',
  fr: 'French',
  es: 'Spanish',
  it: 'Italian',
  pt: 'Portuguese',
  nl: 'Dutch',
  pl: 'Polish',
  sv: 'Swedish',
  da: 'Danish',
  fi: 'Finnish',
  nb: 'Norwegian Bokmål',
  cs: 'Czech',
  sk: 'Slovak',
  sl: 'Slovenian',
  hu: 'Hungarian',
  ro: 'Romanian',
  tr: 'Turkish',
  et: 'Estonian',
  lv: 'Latvian',
  lt: 'Lithuanian',
  id: 'Indonesian',
  vi: 'Vietnamese',
  ru: 'Russian',
  uk: 'Ukrainian',
  bg: 'Bulgarian',
  el: 'Greek',
  ja: 'Japanese',
  zh: 'Chinese (Simplified)',
  'zh-Hant': 'Chinese (Traditional)',
  ko: 'Korean',
  ar: 'Arabic',
  he: 'Hebrew',
  fa: 'Persian',
  hi: 'Hindi',
  th: 'Thai',
} as const;

export type LanguageCode = keyof typeof LANGUAGES;
export const LANGUAGE_CODES = Object.keys(LANGUAGES) as LanguageCode[];

/** Whether a string is one of LANGUAGES' codes (what `languageSchema` accepts). */
export function isLanguageCode(value: string): value is LanguageCode {
  return Object.hasOwn(LANGUAGES, value);
}
