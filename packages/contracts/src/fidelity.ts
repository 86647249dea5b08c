import { z } from 'zod';
import { bboxSchema, blockTypeSchema } from './layout.js';

/**
 * The fidelity report of a job (`GET /v1/jobs/:id/report`, `docat translate --report`):
 * made after rendering by reading the translated PDF back and comparing it with the plan
 * (the source layout and the translations). Boxes are layout boxes: points, top-left
 * origin of the page as displayed. Field names are frozen once released; new fields are
 * added as optional.
 */
export const FIDELITY_REPORT_VERSION = 1;

/** Below this share of its source font size a translated block counts as shrunk. */
export const FIDELITY_SHRINK_THRESHOLD = 0.8;

/**
 * Why a block (or table cell) is still in the source language:
 * - `code`, `formula`: never translated, by policy;
 * - `figure_text`: labels inside a figure, kept unless figure text is translated;
 * - `form_field`: a form field's value stays as the user filled it in;
 * - `header_footer`: a running head or foot left as it is (by default, or by the scope option);
 * - `not_translated`: no translation came back different from the source (the engine
 *   returned it unchanged, or a scope option left it out);
 * - `not_set`: a translation exists, but the renderer did not set it on the page;
 * - `still_visible`: the translation was set, yet the source words are still drawn
 *   (the source text could not be removed from the page content).
 */
export const UNTRANSLATED_REASONS = [
  'code',
  'formula',
  'figure_text',
  'form_field',
  'header_footer',
  'not_translated',
  'not_set',
  'still_visible',
] as const;
export const untranslatedReasonSchema = z.enum(UNTRANSLATED_REASONS);
export type UntranslatedReason = z.infer<typeof untranslatedReasonSchema>;

/**
 * Reasons that are the product's policy, not a fault. Code, formulas, form fields and
 * untranslated running heads are left out of the coverage; figure text is counted in it (labels are kept by default,
 * but prose wrongly taken into a figure must show as left).
 */
export const EXPECTED_UNTRANSLATED: ReadonlySet<UntranslatedReason> = new Set([
  'code',
  'formula',
  'figure_text',
  'form_field',
  'header_footer',
]);

const blockRef = {
  /** 1-based page of the source document. */
  page: z.number().int().positive(),
  /** Position of the block in its page's reading order. */
  block: z.number().int().nonnegative(),
  blockId: z.string(),
  /** Table cell index, for a cell of a table translated cell by cell. */
  cell: z.number().int().nonnegative().optional(),
  box: bboxSchema,
};

export const untranslatedSegmentSchema = z.object({
  ...blockRef,
  type: blockTypeSchema,
  reason: untranslatedReasonSchema,
  /** True for reasons that are policy (code, formulas, figure labels, form fields). */
  expected: z.boolean(),
  /** Prose words of the segment. */
  words: z.number().int().nonnegative(),
  /** The start of its source text. */
  excerpt: z.string(),
});
export type UntranslatedSegment = z.infer<typeof untranslatedSegmentSchema>;

/** A translated block set below FIDELITY_SHRINK_THRESHOLD of its source size, or running past its box. */
export const blockFitSchema = z.object({
  ...blockRef,
  /** Font size of the source text (the block's dominant size), points. */
  sourceSize: z.number().nonnegative(),
  /** Size the translation was set at, points. */
  size: z.number().nonnegative(),
  /** size / sourceSize. */
  scale: z.number().nonnegative(),
  shrunk: z.boolean(),
  /** The text did not fit its box at the smallest allowed size and runs on below it. */
  overflow: z.boolean(),
});
export type BlockFit = z.infer<typeof blockFitSchema>;

/**
 * What newly set text is drawn over: `text` the page kept (left in place), a `figure`
 * (beyond the block's own box), or the `translation` of another block.
 */
export const OVERLAP_KINDS = ['text', 'figure', 'translation'] as const;

export const overlapSchema = z.object({
  ...blockRef,
  with: z.enum(OVERLAP_KINDS),
  /** The overlapping area, points. */
  region: bboxSchema,
  /** Its area in square points. */
  area: z.number().nonnegative(),
});
export type Overlap = z.infer<typeof overlapSchema>;

export const missingGlyphsSchema = z.object({
  ...blockRef,
  /** Characters no font could draw (left out of the output). */
  chars: z.string(),
});

export const fontUseSchema = z.object({
  /** Font of the source text (its PDF name, subset tag removed). */
  source: z.string(),
  /** Fonts the translation was set in instead. */
  output: z.array(z.string()),
  blocks: z.number().int().nonnegative(),
});
export type FontUse = z.infer<typeof fontUseSchema>;

export const pageFidelitySchema = z.object({
  page: z.number().int().positive(),
  /** Prose words of the page's text (code, formulas, form fields and untranslated running heads left out; figure text counted). */
  words: z.number().int().nonnegative(),
  /** Of those, words still found on the page of the output. */
  left: z.number().int().nonnegative(),
  /** 1 - left / words (1 for a page without prose). */
  coverage: z.number().min(0).max(1),
  untranslated: z.number().int().nonnegative(),
  shrunk: z.number().int().nonnegative(),
  overflowing: z.number().int().nonnegative(),
  overlaps: z.number().int().nonnegative(),
});
export type PageFidelity = z.infer<typeof pageFidelitySchema>;

/** The numbers of a report, also shown in the job view (`GET /v1/jobs/:id`). */
export const fidelitySummarySchema = z.object({
  /** Share of the document's prose words that are translated in the output, 0..1. */
  coverage: z.number().min(0).max(1),
  words: z.number().int().nonnegative(),
  wordsLeft: z.number().int().nonnegative(),
  /** The page with the lowest coverage, when any page has prose. */
  worstPage: z
    .object({ page: z.number().int().positive(), coverage: z.number().min(0).max(1) })
    .optional(),
  /** Segments left in the source language for a reason that is not policy. */
  untranslated: z.number().int().nonnegative(),
  /** Segments not translated by policy (code, formulas, figure labels, form fields, running heads). */
  excluded: z.number().int().nonnegative(),
  shrunk: z.number().int().nonnegative(),
  overflowing: z.number().int().nonnegative(),
  overlaps: z.number().int().nonnegative(),
  missingGlyphs: z.number().int().nonnegative(),
  /** `.notdef` glyphs (glyph 0) of the set text found when the output was read back. */
  notdef: z.number().int().nonnegative(),
  substitutedFonts: z.number().int().nonnegative(),
});
export type FidelitySummary = z.infer<typeof fidelitySummarySchema>;

/** Most entries kept in each list of a report; `truncated` says when more were found. */
export const FIDELITY_LIST_LIMIT = 2000;

export const fidelityReportSchema = z.object({
  version: z.literal(FIDELITY_REPORT_VERSION),
  targetLanguage: z.string(),
  /** `pdf`: the translated PDF was read back; `text`: no PDF was rendered, the translated text was compared. */
  measuredOn: z.enum(['pdf', 'text']),
  summary: fidelitySummarySchema,
  pages: z.array(pageFidelitySchema),
  untranslated: z.array(untranslatedSegmentSchema),
  fit: z.array(blockFitSchema),
  overlaps: z.array(overlapSchema),
  missingGlyphs: z.array(missingGlyphsSchema),
  fonts: z.array(fontUseSchema),
  /** Lists cut at FIDELITY_LIST_LIMIT entries. */
  truncated: z.array(z.enum(['untranslated', 'fit', 'overlaps', 'missingGlyphs'])).optional(),
});
export type FidelityReport = z.infer<typeof fidelityReportSchema>;
