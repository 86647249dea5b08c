// Without the schema library (see core.ts).

/** The source design's MAX_FILE_SIZE: 50,000,000 bytes. */
export const MAX_UPLOAD_BYTES = 50_000_000;

/** `GET /v1/limits`: what this deployment accepts per upload (MAX_UPLOAD_BYTES, MAX_PAGES). */
export interface UploadLimits {
  maxUploadBytes: number;
  maxPages: number;
}

export const OUTPUT_FORMATS = ['pdf', 'dual', 'md', 'txt', 'json'] as const;
