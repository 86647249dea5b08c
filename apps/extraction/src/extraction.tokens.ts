export const EXTRACTION_SETTINGS = Symbol('EXTRACTION_SETTINGS');

export interface ExtractionSettings {
  /** Steps one replica runs at once per queue. */
  concurrency: number;
  /** Queue lease of a running step: a killed replica's step is taken over after about this long. */
  lockMs: number;
  maxPages: number;
  /** Wall-clock limit of one chunk's extraction in the sandbox. */
  timeoutMs: number;
}
