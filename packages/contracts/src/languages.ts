import { z } from 'zod';
import { LANGUAGE_CODES, type LanguageCode } from './language-codes.js';

export * from './language-codes.js';

export const languageSchema = z.enum(LANGUAGE_CODES as [LanguageCode, ...LanguageCode[]]);

/** One entry of `GET /v1/languages`. */
export interface LanguageEntry {
  code: LanguageCode;
  name: string;
  rtl: boolean;
}

export const RTL_LANGUAGES: ReadonlySet<LanguageCode> = new Set(['ar', 'he', 'fa']);
