import { z } from 'zod';

/**
 * Where the extraction service publishes which OCR engine reads scanned pages (the shared
 * cache: Redis in cluster mode, memory in standalone). The gateway's `GET /health` reads it.
 * The key is frozen once released.
 */
export const OCR_STATUS_CACHE_KEY = 'extraction:ocr-engine';
/** The extraction service publishes this often... */
export const OCR_STATUS_REFRESH_MS = 30_000;
/** ...and an entry lives this long: three missed refreshes and the engine is unknown. */
export const OCR_STATUS_TTL_MS = 90_000;

export const ocrStatusSchema = z.object({
  /** The engine in use; null when the configured one cannot run (OCR of a scan then fails). */
  engine: z.enum(['native', 'tesseract-js']).nullable(),
  /** The `OCR_ENGINE` setting the choice came from. */
  choice: z.enum(['auto', 'native', 'tesseract-js']),
  /** Pages one extraction recognises at once. */
  concurrency: z.number().int().positive(),
  publishedAt: z.string(),
});
export type OcrStatus = z.infer<typeof ocrStatusSchema>;
