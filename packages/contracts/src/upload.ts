import { z } from 'zod';
import { languageSchema } from './languages.js';
import { parsePageRange } from './page-range.js';

/** The source design's MAX_FILE_SIZE: 50,000,000 bytes. */
export const MAX_UPLOAD_BYTES = 50_000_000;

export const OUTPUT_FORMATS = ['pdf', 'dual', 'md', 'txt', 'json'] as const;
export const outputFormatSchema = z.enum(OUTPUT_FORMATS);
export type OutputFormat = z.infer<typeof outputFormatSchema>;

export const ENGINE_NAMES = ['pseudo', 'google', 'anthropic', 'openai', 'openrouter', 'gemini', 'deepl', 'libretranslate'] as const;
export const engineNameSchema = z.enum(ENGINE_NAMES);
export type EngineName = z.infer<typeof engineNameSchema>;

/**
 * Bilingual PDF layouts: `side` (original and translated page side by side), `alternate`
 * (original page, then its translation), `interleaved` (a new, reflowed document: each
 * source paragraph followed by its translation).
 */
export const DUAL_MODES = ['side', 'alternate', 'interleaved'] as const;
export const dualModeSchema = z.enum(DUAL_MODES);
export type DualMode = z.infer<typeof dualModeSchema>;

export { PAGE_RANGE, parsePageRange, type PageInterval } from './page-range.js';

const booleanish = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

const outputsField = z
  .union([z.string(), z.array(outputFormatSchema)])
  .transform((value, ctx) => {
    const list = Array.isArray(value) ? value : value.split(',').map((s) => s.trim()).filter(Boolean);
    const out: OutputFormat[] = [];
    for (const item of list) {
      const parsed = outputFormatSchema.safeParse(item);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `unknown output format '${item}'` });
        return z.NEVER;
      }
      if (!out.includes(parsed.data)) out.push(parsed.data);
    }
    if (out.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'at least one output format is required' });
      return z.NEVER;
    }
    return out;
  });

/**
 * The fields of `POST /v1/documents` besides `file` (multipart form fields, all
 * strings on the wire). The file itself is streamed and checked separately.
 */
export const uploadOptionsSchema = z.object({
  targetLanguage: languageSchema,
  sourceLanguage: languageSchema.optional(),
  engine: engineNameSchema.optional(),
  outputs: outputsField.default(['pdf', 'dual', 'md', 'txt', 'json']),
  pages: z
    .string()
    .max(200)
    .refine((s) => parsePageRange(s) !== null, 'pages must look like 1-5,8')
    .optional(),
  dualMode: dualModeSchema.default('side'),
  glossaryId: z.string().max(64).optional(),
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  password: z.string().max(1024).optional(),
  noCache: booleanish.default(false),
  useMemory: booleanish.default(true),
  /** Translate the text labels inside figures (clear text runs); absent or false keeps them as they are. */
  translateFigureText: booleanish.optional(),
});
export type UploadOptionsInput = z.input<typeof uploadOptionsSchema>;
export type UploadOptions = z.infer<typeof uploadOptionsSchema>;

/** Options that change the produced output, and so belong in the result-cache key. */
export function outputAffectingOptions(o: UploadOptions): Record<string, unknown> {
  return {
    targetLanguage: o.targetLanguage,
    sourceLanguage: o.sourceLanguage ?? null,
    engine: o.engine ?? null,
    outputs: [...o.outputs].sort(),
    pages: o.pages ?? null,
    dualMode: o.dualMode,
    glossaryId: o.glossaryId ?? null,
    useMemory: o.useMemory,
    ...(o.translateFigureText ? { translateFigureText: true } : {}),
  };
}
