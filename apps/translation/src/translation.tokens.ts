export const TRANSLATION_SETTINGS = Symbol('TRANSLATION_SETTINGS');

export interface TranslationSettings {
  concurrency: number;
  lockMs: number;
}
