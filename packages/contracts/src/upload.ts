import { z } from 'zod';
import { languageSchema } from './languages.js';
import { parsePageRange } from './page-range.js';
import { OUTPUT_FORMATS } from './upload-limits.js';

export * from './upload-limits.js';

export const outputFormatSchema = z.enum(OUTPUT_FORMATS);
export type OutputFormat = z.infer<typeof outputFormatSchema>;

/** The Content-Type of each output, wherever it is stored or served. */
export const OUTPUT_CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  pdf: 'application/pdf',
  dual: 'application/pdf',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
};

export const ENGINE_NAMES = [
  'pseudo',
  'google',
  'anthropic',
  'openai',
  'openrouter',
  'gemini',
  'deepl',
  'libretranslate',
] as const;
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

export {
  PAGE_RANGE,
  parsePageRange,
  selectedPageNumbers,
  type PageInterval,
} from './page-range.js';

/**
 * What a job translates besides body text. Running heads and feet, the reference list
 * (a "References" or "Bibliography" heading and the entries after it), table cells,
 * and the labels inside figures. Code, formulas and form values are never translated.
 */
export const translationScopeSchema = z.object({
  headersFooters: z.boolean(),
  references: z.boolean(),
  tables: z.boolean(),
  figureText: z.boolean(),
});
export type TranslationScope = z.infer<typeof translationScopeSchema>;

/** The documented defaults: everything but figure labels is translated. */
export const TRANSLATION_SCOPE_DEFAULTS: Readonly<TranslationScope> = {
  headersFooters: true,
  references: true,
  tables: true,
  figureText: false,
};

/** The scope of a job's options; a job stored before the scope options existed has the defaults. */
export function scopeOfOptions(o: {
  translateHeadersFooters?: boolean | undefined;
  translateReferences?: boolean | undefined;
  translateTables?: boolean | undefined;
  translateFigureText?: boolean | undefined;
}): TranslationScope {
  return {
    headersFooters: o.translateHeadersFooters ?? TRANSLATION_SCOPE_DEFAULTS.headersFooters,
    references: o.translateReferences ?? TRANSLATION_SCOPE_DEFAULTS.references,
    tables: o.translateTables ?? TRANSLATION_SCOPE_DEFAULTS.tables,
    figureText: o.translateFigureText ?? TRANSLATION_SCOPE_DEFAULTS.figureText,
  };
}

const booleanish = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

const outputsField = z.union([z.string(), z.array(outputFormatSchema)]).transform((value, ctx) => {
  const list = Array.isArray(value)
    ? value
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
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
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  password: z.string().max(1024).optional(),
  noCache: booleanish.default(false),
  useMemory: booleanish.default(true),
  // What is translated (the scope); code, formulas and form values never are.
  translateHeadersFooters: booleanish.default(TRANSLATION_SCOPE_DEFAULTS.headersFooters).meta({
    description:
      'Translate running headers and footers (page numbers, running titles). Default true.',
  }),
  translateReferences: booleanish.default(TRANSLATION_SCOPE_DEFAULTS.references).meta({
    description:
      'Translate the reference list: the entries after a References or Bibliography heading. Default true.',
  }),
  translateTables: booleanish
    .default(TRANSLATION_SCOPE_DEFAULTS.tables)
    .meta({ description: 'Translate table cells. Default true.' }),
  translateFigureText: booleanish.default(TRANSLATION_SCOPE_DEFAULTS.figureText).meta({
    description:
      'Translate the labels inside figures where they are clear text. Default false. Code and formulas are never translated.',
  }),
});
export type UploadOptionsInput = z.input<typeof uploadOptionsSchema>;
export type UploadOptions = z.infer<typeof uploadOptionsSchema>;

/** The scope fields of the upload options. */
export type ScopeOptionName =
  'translateHeadersFooters' | 'translateReferences' | 'translateTables' | 'translateFigureText';

/** Upload options as kept with a job: the scope fields are absent from jobs stored before they existed. */
export type KeptUploadOptions = Omit<UploadOptions, ScopeOptionName> &
  Partial<Pick<UploadOptions, ScopeOptionName>>;

/** Options that change the produced output, and so belong in the result-cache key. */
export function outputAffectingOptions(o: KeptUploadOptions): Record<string, unknown> {
  return {
    targetLanguage: o.targetLanguage,
    sourceLanguage: o.sourceLanguage ?? null,
    engine: o.engine ?? null,
    outputs: [...o.outputs].sort(),
    pages: o.pages ?? null,
    dualMode: o.dualMode,
    glossaryId: o.glossaryId ?? null,
    useMemory: o.useMemory,
    scope: scopeOfOptions(o),
  };
}
