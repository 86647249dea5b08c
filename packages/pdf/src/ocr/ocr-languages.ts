import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** ISO 639-1 (and a few regional tags) to tesseract language codes. */
const TESSERACT_CODES: Record<string, string> = {
  en: 'eng',
  fr: 'fra',
  de: 'deu',
  es: 'spa',
  it: 'ita',
  pt: 'por',
  nl: 'nld',
  sv: 'swe',
  da: 'dan',
  no: 'nor',
  nb: 'nor',
  fi: 'fin',
  pl: 'pol',
  cs: 'ces',
  sk: 'slk',
  hu: 'hun',
  ro: 'ron',
  tr: 'tur',
  el: 'ell',
  ru: 'rus',
  uk: 'ukr',
  bg: 'bul',
  sr: 'srp',
  hr: 'hrv',
  sl: 'slv',
  ar: 'ara',
  he: 'heb',
  fa: 'fas',
  hi: 'hin',
  bn: 'ben',
  th: 'tha',
  vi: 'vie',
  id: 'ind',
  ms: 'msa',
  ja: 'jpn',
  ko: 'kor',
  zh: 'chi_sim',
  'zh-cn': 'chi_sim',
  'zh-hans': 'chi_sim',
  'zh-tw': 'chi_tra',
  'zh-hant': 'chi_tra',
  ca: 'cat',
  et: 'est',
  lv: 'lav',
  lt: 'lit',
};

/** Script (as detected from a page's text) to the language whose data reads it. */
const SCRIPT_LANGUAGE: Record<string, string> = {
  Latin: 'eng',
  Han: 'chi_sim',
  Hiragana: 'jpn',
  Hangul: 'kor',
  Cyrillic: 'rus',
  Greek: 'ell',
  Arabic: 'ara',
  Hebrew: 'heb',
  Devanagari: 'hin',
  Thai: 'tha',
};

export function tesseractCode(language: string): string | undefined {
  const key = language.toLowerCase();
  return (
    TESSERACT_CODES[key] ??
    TESSERACT_CODES[key.split('-')[0]!] ??
    (/^[a-z]{3}(_[a-z]+)?$/.test(key) ? key : undefined)
  );
}

export function languageForScript(script: string | undefined): string {
  return SCRIPT_LANGUAGE[script ?? 'Latin'] ?? 'eng';
}

export interface LanguageData {
  code: string;
  /** Folder holding `<code>.traineddata` or `<code>.traineddata.gz`. */
  langPath: string;
  gzip: boolean;
}

const require = createRequire(import.meta.url);

/**
 * Find local data for a tesseract language: the `@tesseract.js-data/<code>` npm
 * package first (the LSTM "best_int" models), then `TESSDATA_PREFIX` (the folder
 * tesseract itself reads, e.g. Debian's tesseract-ocr-* packages). Never a URL.
 */
export function findLanguageData(
  code: string,
  env: NodeJS.ProcessEnv = process.env,
): LanguageData | undefined {
  try {
    const pkg = dirname(require.resolve(`@tesseract.js-data/${code}/package.json`));
    for (const sub of ['4.0.0_best_int', '4.0.0']) {
      const dir = join(pkg, sub);
      if (existsSync(join(dir, `${code}.traineddata.gz`)))
        return { code, langPath: dir, gzip: true };
    }
  } catch {
    // Not installed from npm; fall through to the tessdata folder.
  }
  const prefix = env.TESSDATA_PREFIX;
  if (prefix) {
    for (const dir of [prefix, join(prefix, 'tessdata')]) {
      if (existsSync(join(dir, `${code}.traineddata`))) return { code, langPath: dir, gzip: false };
      if (existsSync(join(dir, `${code}.traineddata.gz`)))
        return { code, langPath: dir, gzip: true };
    }
  }
  return undefined;
}
