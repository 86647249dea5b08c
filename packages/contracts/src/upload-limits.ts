// Without the schema library (see core.ts).

/** The source design's MAX_FILE_SIZE: 50,000,000 bytes. */
export const MAX_UPLOAD_BYTES = 50_000_000;

export const OUTPUT_FORMATS = ['pdf', 'dual', 'md', 'txt', 'json'] as const;
