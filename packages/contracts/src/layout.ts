import { z } from 'zod';
import { LAYOUT_SCHEMA_VERSION } from './layout-version.js';

/**
 * The layout model extraction produces and every later stage reads. Coordinates are
 * PDF points in page space with the origin at the top-left of the page as displayed
 * (rotation applied), y growing downwards: [x0, y0, x1, y1].
 */
export { LAYOUT_SCHEMA_VERSION };

export const bboxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);
export type BBox = z.infer<typeof bboxSchema>;

export const spanSchema = z.object({
  text: z.string(),
  bbox: bboxSchema,
  font: z.string(),
  size: z.number(),
  bold: z.boolean().optional(),
  italic: z.boolean().optional(),
  /** sRGB hex, e.g. `#000000`. */
  color: z.string().optional(),
  /** Glyph-run address in the content engine (`page:opIndex`), when known. */
  ref: z.string().optional(),
  /**
   * The source does not show this text: drawn in text render mode 3 or 7, clipped away,
   * or filled in the colour of what lies under it. A translation of it stays unshown.
   */
  hidden: z.boolean().optional(),
  /** Target of a link annotation covering the span. */
  href: z.string().optional(),
  /**
   * Direction of the baseline in degrees, counter-clockwise on the page as displayed
   * (0 or absent: left to right). `bbox` stays the axis-aligned box around the run.
   */
  angle: z.number().optional(),
  /**
   * A fill drawn behind this run alone and not its whole line (a highlight, shaded inline
   * code, a key chip): its colour (sRGB hex) and its box as drawn.
   */
  background: z.object({ color: z.string(), bbox: bboxSchema }).optional(),
});
export type Span = z.infer<typeof spanSchema>;

/**
 * A run of a block's text set in another style than the block's own (its dominant
 * style): a bold run-in heading, an italic word, a link, a coloured phrase. Offsets are
 * UTF-16 code units into the block's (or cell's) `text`, `end` exclusive; only the
 * properties that differ from the block's style are present.
 */
export const inlineMarkSchema = z.object({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  bold: z.boolean().optional(),
  italic: z.boolean().optional(),
  /** sRGB hex, e.g. `#1f4e9a`. */
  color: z.string().optional(),
  href: z.string().optional(),
  /**
   * The run is mathematics set in math fonts (inline `σ ∈ SL₂(ℝ)`): it is kept as it is,
   * never sent to an engine as words.
   */
  math: z.boolean().optional(),
  /**
   * The run is a raised or lowered script in prose, set smaller than the words around it
   * and off their baseline (a footnote mark, a citation number, an ordinal suffix, the
   * `2` of H₂O, a trademark sign): kept as it is, never sent to an engine as words, and
   * set again as `parts` say.
   */
  script: z.boolean().optional(),
  /**
   * How a math or script run is set, piece by piece in reading order: each piece covers `length`
   * non-white-space code units of the run, at `scale` times the line's size, its
   * baseline `rise` times the line's size above the line's (negative: below; a
   * subscript), in math italic when `italic`. Absent: the run is set as plain text.
   */
  parts: z
    .array(
      z.object({
        length: z.number().int().positive(),
        scale: z.number().positive(),
        rise: z.number(),
        italic: z.boolean().optional(),
      }),
    )
    .optional(),
  /**
   * Colour (sRGB hex) of a fill behind the run alone (a highlight, shaded inline code):
   * drawn behind the translated words wherever they are set.
   */
  background: z.string().optional(),
});
export type InlineMark = z.infer<typeof inlineMarkSchema>;
/** One piece of an inline math run as it is set (see `InlineMark.parts`). */
export type MathPart = NonNullable<InlineMark['parts']>[number];

export const lineSchema = z.object({
  bbox: bboxSchema,
  spans: z.array(spanSchema),
});
export type Line = z.infer<typeof lineSchema>;

export const BLOCK_TYPES = [
  'paragraph',
  'heading',
  'list_item',
  'table',
  'figure',
  'formula',
  'header',
  'footer',
  'caption',
  'form_field',
  // A program listing in a fixed-pitch font: kept as it is, never translated.
  'code',
] as const;
export const blockTypeSchema = z.enum(BLOCK_TYPES);
export type BlockType = z.infer<typeof blockTypeSchema>;

export const tableCellSchema = z.object({
  row: z.number().int().nonnegative(),
  col: z.number().int().nonnegative(),
  rowSpan: z.number().int().positive().optional(),
  colSpan: z.number().int().positive().optional(),
  bbox: bboxSchema,
  text: z.string(),
  marks: z.array(inlineMarkSchema).optional(),
});
export type TableCell = z.infer<typeof tableCellSchema>;

export const blockSchema = z.object({
  id: z.string(),
  type: blockTypeSchema,
  /** Position in the page's reading order, 0-based. */
  order: z.number().int().nonnegative(),
  bbox: bboxSchema,
  lines: z.array(lineSchema),
  /** Text of the block in reading order, hyphenation joined. */
  text: z.string(),
  /** Runs of `text` in another style than the block's own (see `inlineMarkSchema`). */
  marks: z.array(inlineMarkSchema).optional(),
  /**
   * Direction of the block's lines in degrees, counter-clockwise on the page as
   * displayed, for text set at an angle; `frame` is then the block's box in the frame
   * turned by that angle about the page origin (where its lines run left to right).
   */
  angle: z.number().optional(),
  frame: bboxSchema.optional(),
  level: z.number().int().min(1).max(6).optional(),
  /**
   * A table's cells; for a figure, its labels that are clear text runs (one per line, in
   * column 0), translated in place only when a job sets `translateFigureText`.
   */
  cells: z.array(tableCellSchema).optional(),
  /** Form field name and value for `form_field` blocks. */
  field: z.object({ name: z.string(), value: z.string() }).optional(),
  /** Detected language of the block, when confident. */
  language: z.string().optional(),
  /** Set when the block continues on the next page (joined at document level). */
  continues: z.boolean().optional(),
});
export type Block = z.infer<typeof blockSchema>;

export const pageSchema = z.object({
  number: z.number().int().positive(),
  width: z.number().positive(),
  height: z.number().positive(),
  rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]),
  scanned: z.boolean(),
  /**
   * Clockwise turn (degrees) that made the page's scan read upright for OCR. Boxes stay in
   * the page as displayed, so text on such a page runs across them at this angle.
   */
  uprightRotation: z.union([z.literal(90), z.literal(180), z.literal(270)]).optional(),
  blocks: z.array(blockSchema),
});
export type Page = z.infer<typeof pageSchema>;

export const layoutDocumentSchema = z.object({
  schemaVersion: z.literal(LAYOUT_SCHEMA_VERSION),
  pageCount: z.number().int().nonnegative(),
  language: z.string().optional(),
  title: z.string().optional(),
  pages: z.array(pageSchema),
});
export type LayoutDocument = z.infer<typeof layoutDocumentSchema>;
