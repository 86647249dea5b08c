import type { BBox, Span } from '@docat/contracts';
import type { PDFPageProxy, TextContent } from 'pdfjs-dist/types/src/display/api.js';
import { multiply, transformRect } from '../layout/geometry.js';
import { measureText, normalizeText, type TextQuality } from '../layout/text-normalize.js';
import type { PdfjsModule } from './pdfjs.js';
import { applyTextStyles, collectTextPaint, readLinks, type TextPaint } from './text-styles.js';

export interface ImageRegion {
  bbox: BBox;
  /** Pixel size of the image, used to pick a rendering resolution for OCR. */
  pixelWidth: number;
  pixelHeight: number;
}

export interface FieldValue {
  name: string;
  value: string;
  bbox: BBox;
}

/** A painted vector path, as layout needs it to tell drawings from boxes and rules. */
export interface PathShape {
  /** Page-space box, clipped to the clip area in force when it was painted. */
  bbox: BBox;
  filled: boolean;
  stroked: boolean;
  /** Only straight horizontal and vertical segments: boxes, rules, grids. */
  rectilinear: boolean;
  /** Fill colour (sRGB hex) of a filled path painted in a plain colour (not a pattern). */
  color?: string;
}

/** Everything read from one page before any layout analysis. */
export interface PageContent {
  number: number;
  width: number;
  height: number;
  rotation: 0 | 90 | 180 | 270;
  spans: Span[];
  images: ImageRegion[];
  /**
   * Bounding boxes of painted paths (rules, table borders, vector art). Clip-only paths and
   * paths painted in white (paper colour) are left out; boxes are clipped to what shows.
   */
  paths: BBox[];
  /** The same paths with how they were painted; absent where the operators were not read. */
  shapes?: PathShape[];
  fields: FieldValue[];
  quality: TextQuality;
  /**
   * Font names (as in `Span.font`) measured to be fixed-pitch: every glyph run of the font
   * on the page advances the same width per character (see `fixedPitchFonts`).
   */
  monospaceFonts?: ReadonlySet<string>;
  /** Read without the operator walk, the text used a font whose name no walk had found yet. */
  unnamedFonts?: boolean;
  /** The text layer as pdf.js gave it (read without the walk): a walk after it reuses it. */
  textContent?: TextContent;
}

interface TextItemLike {
  str: string;
  transform: number[];
  width: number;
  height: number;
  fontName: string;
}

interface TextStyleLike {
  ascent: number;
  descent: number;
  vertical: boolean;
  fontFamily: string;
}

const BOLD_RE = /bold|black|heavy|semibold|demi|-medi|\bmedi$|-bd\b|bd$|-sb$|_bd/i;
const ITALIC_RE = /italic|oblique|-it$|-ita|-ital|-obl|slanted|-ti$|-bi$|-mi$/i;

/**
 * TeX's fonts say their style in a short code: Computer Modern's CMBX10 (bold extended),
 * CMTI10 (text italic), CMSL10 (slanted), and the CM-Super/EC fonts' SFBX1095, SFTI1000,
 * SFBI (bold italic), SFSX (sans bold). Math italic (CMMI) is not a text style.
 */
const TEX_BOLD_RE = /^(?:cmbx|cmssbx|cmb\d|sfbx|sfbi|sfbl|sfsx|ecbx|ecbi|ecsx|ecbl)/i;
const TEX_ITALIC_RE =
  /^(?:cmti|cmbxti|cmsl|cmbxsl|cmssi|cmitt|sfti|sfsl|sfbi|sfsi|sfso|sfit|ecti|ecbi|ecsl|ecsi|ecit)/i;

export function fontStyle(name: string): { bold: boolean; italic: boolean } {
  const base = name.includes('+') ? name.slice(name.indexOf('+') + 1) : name;
  return {
    bold: BOLD_RE.test(base) || TEX_BOLD_RE.test(base),
    italic: ITALIC_RE.test(base) || TEX_ITALIC_RE.test(base),
  };
}

function cleanFontName(name: string): string {
  return name.includes('+') ? name.slice(name.indexOf('+') + 1) : name;
}

export interface ReadPageOptions {
  /** Walk the operator list: images, paths, real font names. */
  operators: boolean;
  /**
   * Font names found by walks on earlier pages of the same open document (pdf.js font id to
   * name): a walk adds what it finds; a page read without one takes its names from here.
   */
  fontNames?: Map<string, string>;
  /** Read form field values (false when the document has no form: saves the annotations). */
  fields?: boolean;
  /** The page's text layer from an earlier read without the walk, so it is not read twice. */
  textContent?: TextContent;
}

/**
 * Whether a page read without the walk would use a font whose name no walk has found yet
 * (`PageContent.unnamedFonts`), told from its text layer alone: such a page is walked, so
 * its spans need not be built twice. The same items count as in `readPage`.
 */
export function usesUnnamedFont(
  page: PDFPageProxy,
  content: TextContent,
  fontNames: ReadonlyMap<string, string>,
): boolean {
  const vt = page.getViewport({ scale: 1 }).transform;
  for (const raw of content.items) {
    if (!('str' in raw)) continue;
    const item = raw as TextItemLike;
    if (item.str.length === 0 || item.str.trim().length === 0) continue;
    if (fontNames.has(item.fontName)) continue;
    const m = multiply(vt, item.transform);
    const size = Math.hypot(m[2]!, m[3]!);
    if (size > 0 && Number.isFinite(size)) return true;
  }
  return false;
}

export async function readPage(
  pdfjs: PdfjsModule,
  page: PDFPageProxy,
  opts: ReadPageOptions,
): Promise<PageContent> {
  const viewport = page.getViewport({ scale: 1 });
  const vt = viewport.transform;
  const rotation = (((page.rotate % 360) + 360) % 360) as 0 | 90 | 180 | 270;
  const images: ImageRegion[] = [];
  const shapes: PathShape[] = [];
  const fontNames = new Map<string, string>();
  let paint: TextPaint | undefined;

  if (opts.operators) {
    const ops = await page.getOperatorList();
    walkOperators(
      pdfjs,
      ops.fnArray,
      ops.argsArray,
      vt,
      [0, 0, viewport.width, viewport.height],
      images,
      shapes,
      fontNames,
    );
    paint = collectTextPaint(pdfjs, ops.fnArray, ops.argsArray, vt);
    for (const id of fontNames.keys()) {
      if (page.commonObjs.has(id)) {
        const font: unknown = page.commonObjs.get(id);
        const name =
          typeof font === 'object' && font !== null && 'name' in font
            ? (font as { name: unknown }).name
            : undefined;
        if (typeof name === 'string' && name) fontNames.set(id, cleanFontName(name));
      }
    }
    for (const [id, name] of fontNames) if (name !== id) opts.fontNames?.set(id, name);
  }
  let unnamedFonts = false;

  const content = opts.textContent ?? (await page.getTextContent({ includeMarkedContent: false }));
  const styles = content.styles as Record<string, TextStyleLike>;
  let spans: Span[] = [];
  const pitch = new Map<string, PitchSample[]>();
  const quality: TextQuality = { chars: 0, garbage: 0 };
  for (const raw of content.items) {
    if (!('str' in raw)) continue;
    const item = raw as TextItemLike;
    if (item.str.length === 0 || item.str.trim().length === 0) continue;
    measureText(item.str, quality);
    const style = styles[item.fontName];
    const m = multiply(vt, item.transform);
    const size = Math.hypot(m[2]!, m[3]!);
    if (!(size > 0) || !Number.isFinite(size)) continue;
    const ascent = style && style.ascent > 0 ? style.ascent : 0.8;
    const descent = style && style.descent < 0 ? -style.descent : 0.2;
    const vertical = style?.vertical === true;
    // Item metrics are in text space scaled by the font matrix; dividing the
    // transform out gives unit vectors along and across the baseline.
    const advance = vertical ? item.height : item.width;
    // (A zero component is a real direction: text turned by 90 degrees has m[0] = 0.)
    const along = Math.hypot(m[0]!, m[1]!);
    const ux = along > 0 ? m[0]! / along : 1;
    const uy = along > 0 ? m[1]! / along : 0;
    const bbox: BBox = vertical
      ? boxFromCorners(m[4]! - size / 2, m[5]!, m[4]! + size / 2, m[5]! + advance)
      : orientedBox(m[4]!, m[5]!, ux, uy, advance, size * ascent, size * descent);
    const known = fontNames.get(item.fontName) ?? opts.fontNames?.get(item.fontName);
    if (known === undefined && !opts.operators) unnamedFonts = true;
    const fontName = known ?? style?.fontFamily ?? 'unknown';
    const samples = pitch.get(fontName) ?? [];
    samples.push({ text: item.str, advance: advance / size });
    pitch.set(fontName, samples);
    const { bold, italic } = fontStyle(fontName);
    const span: Span = {
      text: normalizeText(item.str),
      bbox,
      font: fontName,
      size: Math.round(size * 100) / 100,
    };
    if (bold) span.bold = true;
    if (italic) span.italic = true;
    if (!vertical) {
      // Counter-clockwise as displayed (y grows downwards); whole-degree noise is not an angle.
      const angle = Math.round(((Math.atan2(-uy, ux) * 180) / Math.PI) * 10) / 10;
      if (Math.abs(angle) >= 1) span.angle = angle;
    }
    spans.push(span);
  }
  if (paint) spans = applyTextStyles(spans, paint, await readLinks(page, vt));

  const fields = opts.fields === false ? [] : await readFields(page, vt);
  return {
    number: page.pageNumber,
    width: viewport.width,
    height: viewport.height,
    rotation,
    spans,
    images,
    paths: shapes.map((p) => p.bbox),
    shapes,
    fields,
    quality,
    monospaceFonts: fixedPitchFonts(pitch),
    ...(unnamedFonts ? { unnamedFonts } : {}),
    ...(opts.operators ? {} : { textContent: content }),
  };
}

export interface PitchSample {
  text: string;
  /** Advance of the run along its baseline, in ems of its font size. */
  advance: number;
}

const LETTER_RE = /\p{L}/u;

/**
 * Fonts whose glyph runs all advance the same width per character: fixed-pitch faces,
 * told from what the page shows rather than from the font's name or its FixedPitch flag
 * (which pdf.js also sets for any font whose width table is empty or uniform, such as a
 * Type 1 font without widths, or a subset holding digits only). A font needs at least
 * three runs of four or more characters with different letters to be judged; runs of
 * one repeated pattern (digits, leaders) do not tell a proportional face from a fixed one.
 */
export function fixedPitchFonts(samples: ReadonlyMap<string, readonly PitchSample[]>): Set<string> {
  const out = new Set<string>();
  for (const [font, runs] of samples) {
    const perChar: number[] = [];
    const letters = new Set<string>();
    for (const r of runs) {
      if (r.text.length < 4 || !(r.advance > 0)) continue;
      let chars = 0;
      for (const _ of r.text) chars++;
      if (chars < 4) continue;
      perChar.push(r.advance / chars);
      // Only whether eight letters occur matters: past that, no more are looked at.
      if (letters.size < 8)
        for (const c of r.text) if (LETTER_RE.test(c)) letters.add(c.toLowerCase());
    }
    // Narrow and wide letters must both occur for widths to disagree in a proportional face.
    if (perChar.length < 3 || letters.size < 8) continue;
    perChar.sort((a, b) => a - b);
    const mid = perChar[perChar.length >> 1]!;
    // Trim the extremes: a run may hold a stretched space or a kerned pair.
    const lo = perChar[Math.floor(perChar.length * 0.1)]!;
    const hi = perChar[Math.ceil(perChar.length * 0.9) - 1]!;
    if (mid > 0 && (hi - lo) / mid < 0.03) out.add(font);
  }
  return out;
}

function boxFromCorners(x0: number, y0: number, x1: number, y1: number): BBox {
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

/** Box of a glyph run from its baseline origin, direction and extents (y grows downwards). */
function orientedBox(
  ox: number,
  oy: number,
  ux: number,
  uy: number,
  len: number,
  up: number,
  down: number,
): BBox {
  // Perpendicular pointing up on the displayed page (y down): (uy, -ux).
  const px = uy;
  const py = -ux;
  const xs = [ox + px * up, ox - px * down, ox + ux * len + px * up, ox + ux * len - px * down];
  const ys = [oy + py * up, oy - py * down, oy + uy * len + py * up, oy + uy * len - py * down];
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Graphics state the walk keeps: transform, clip box (page space), paint colours. */
interface WalkState {
  ctm: number[];
  clip: BBox | undefined;
  fill: string;
  stroke: string;
  /** The fill is a pattern or a colour pdf.js did not turn into RGB. */
  fillPattern?: boolean;
}

/** pdf.js's path drawing codes in a constructPath buffer (`DrawOPS`). */
const DRAW_MOVE = 0;
const DRAW_LINE = 1;
const DRAW_CURVE = 2;
const DRAW_QUAD = 3;
const DRAW_CLOSE = 4;

const WHITE = /^#f[a-f0-9]f[a-f0-9]f[a-f0-9]$/iu;

function clipTo(b: BBox, clip: BBox | undefined): BBox | undefined {
  if (!clip) return b;
  const out: BBox = [
    Math.max(b[0], clip[0]),
    Math.max(b[1], clip[1]),
    Math.min(b[2], clip[2]),
    Math.min(b[3], clip[3]),
  ];
  return out[0] <= out[2] && out[1] <= out[3] ? out : undefined;
}

/** Whether a path buffer holds only horizontal and vertical straight segments. */
function isRectilinear(data: unknown): boolean {
  if (!data || typeof data !== 'object' || !('length' in data)) return false;
  const d = data as ArrayLike<number>;
  let x = Number.NaN;
  let y = Number.NaN;
  for (let k = 0; k < d.length;) {
    const op = d[k++];
    if (op === DRAW_MOVE || op === DRAW_LINE) {
      const nx = d[k]!;
      const ny = d[k + 1]!;
      k += 2;
      if (op === DRAW_LINE && Math.abs(nx - x) > 0.5 && Math.abs(ny - y) > 0.5) return false;
      x = nx;
      y = ny;
    } else if (op === DRAW_CLOSE) {
      continue;
    } else if (op === DRAW_CURVE || op === DRAW_QUAD) {
      return false;
    } else {
      return false;
    }
  }
  return true;
}

/** A plain or typed array of `n` finite numbers, as a plain array. */
function numbersOf(v: unknown, n: number): number[] | undefined {
  if (!v || typeof v !== 'object' || !('length' in v)) return undefined;
  const a = Array.from(v as ArrayLike<unknown>);
  return a.length === n && a.every((x) => typeof x === 'number' && Number.isFinite(x))
    ? (a as number[])
    : undefined;
}

function walkOperators(
  pdfjs: PdfjsModule,
  fnArray: number[],
  argsArray: unknown[],
  viewportTransform: number[],
  /** Nothing outside the page shows. */
  pageBox: BBox,
  images: ImageRegion[],
  shapes: PathShape[],
  fontNames: Map<string, string>,
): void {
  const OPS = pdfjs.OPS;
  let state: WalkState = {
    ctm: [1, 0, 0, 1, 0, 0],
    clip: pageBox,
    fill: '#000000',
    stroke: '#000000',
  };
  const stack: WalkState[] = [];
  let pendingClip = false;
  const fills = new Set<number>([OPS.fill, OPS.eoFill]);
  const strokes = new Set<number>([OPS.stroke, OPS.closeStroke]);
  const both = new Set<number>([
    OPS.fillStroke,
    OPS.eoFillStroke,
    OPS.closeFillStroke,
    OPS.closeEOFillStroke,
  ]);
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args = argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        stack.push({ ...state });
        break;
      case OPS.restore:
        state = stack.pop() ?? state;
        break;
      case OPS.transform:
        {
          const m = numbersOf(args, 6);
          if (m) state.ctm = multiply(state.ctm, m);
        }
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push({ ...state });
        // pdf.js hands the form's /Matrix over as a Float32Array (a plain array in older
        // versions): a form drawn through its matrix (a chart scaled into place) left
        // unscaled put every path of it off the page.
        const matrix = numbersOf(args?.[0], 6);
        if (matrix) state.ctm = multiply(state.ctm, matrix);
        // A form draws nothing outside its BBox.
        const box = args?.[1];
        if (
          box &&
          typeof box === 'object' &&
          'length' in box &&
          (box as ArrayLike<number>).length === 4
        ) {
          const b = box as ArrayLike<number>;
          const page = transformRect(
            multiply(viewportTransform, state.ctm),
            b[0]!,
            b[1]!,
            b[2]!,
            b[3]!,
          );
          state.clip = clipTo(page, state.clip) ?? [0, 0, 0, 0];
        }
        break;
      }
      case OPS.paintFormXObjectEnd:
        state = stack.pop() ?? state;
        break;
      case OPS.setFillRGBColor:
        state.fill = typeof args?.[0] === 'string' ? args[0] : '#000000';
        state.fillPattern = false;
        break;
      case OPS.setStrokeRGBColor:
        state.stroke = typeof args?.[0] === 'string' ? args[0] : '#000000';
        break;
      case OPS.setFillColorN:
        // A pattern or a colour pdf.js did not turn into RGB: count it as ink.
        state.fill = '#000000';
        state.fillPattern = true;
        break;
      case OPS.setStrokeColorN:
        state.stroke = '#000000';
        break;
      case OPS.clip:
      case OPS.eoClip:
        pendingClip = true;
        break;
      case OPS.setFont: {
        const id = args?.[0];
        if (typeof id === 'string') fontNames.set(id, id);
        break;
      }
      case OPS.paintImageXObject:
      case OPS.paintImageXObjectRepeat:
      case OPS.paintInlineImageXObject:
      case OPS.paintImageMaskXObject: {
        const bbox = clipTo(
          transformRect(multiply(viewportTransform, state.ctm), 0, 0, 1, 1),
          state.clip,
        );
        if (!bbox) break;
        let pw = 0;
        let ph = 0;
        if (fn === OPS.paintImageXObject && args) {
          pw = Number(args[1]) || 0;
          ph = Number(args[2]) || 0;
        } else if (args && typeof args[0] === 'object' && args[0] !== null) {
          const img = args[0] as { width?: unknown; height?: unknown };
          pw = Number(img.width) || 0;
          ph = Number(img.height) || 0;
        }
        images.push({ bbox, pixelWidth: pw, pixelHeight: ph });
        break;
      }
      case OPS.constructPath: {
        const op = Number(args?.[0]);
        const data = (args?.[1] as unknown[] | undefined)?.[0];
        const minMax = args?.[2];
        if (!minMax || typeof minMax !== 'object') break;
        const mm = minMax as ArrayLike<number>;
        if (mm.length < 4 || !Number.isFinite(mm[0]) || mm[0]! > mm[2]!) break;
        const raw = transformRect(
          multiply(viewportTransform, state.ctm),
          mm[0]!,
          mm[1]!,
          mm[2]!,
          mm[3]!,
        );
        const shown = clipTo(raw, state.clip);
        if (pendingClip) {
          // The path also becomes the clip for what follows (before or after painting it).
          state.clip = clipTo(raw, state.clip) ?? [0, 0, 0, 0];
          pendingClip = false;
        }
        if (!shown) break;
        const filled = (fills.has(op) || both.has(op)) && !WHITE.test(state.fill);
        const stroked = (strokes.has(op) || both.has(op)) && !WHITE.test(state.stroke);
        // Clip-only paths and paths in the paper's colour leave no ink.
        if (!filled && !stroked) break;
        shapes.push({
          bbox: shown,
          filled,
          stroked,
          rectilinear: isRectilinear(data),
          ...(filled && !state.fillPattern ? { color: state.fill } : {}),
        });
        break;
      }
      default:
        break;
    }
  }
}

interface WidgetLike {
  subtype?: unknown;
  fieldType?: unknown;
  pushButton?: unknown;
  fieldName?: unknown;
  fieldValue?: unknown;
  exportValue?: unknown;
  checkBox?: unknown;
  radioButton?: unknown;
  buttonValue?: unknown;
  rect?: unknown;
  hidden?: unknown;
}

/**
 * Every visible form field widget (text, check box, radio button, choice, signature) as
 * a page-space box with its value; an empty or unchecked field has the value ''. Push
 * buttons hold no value and are left out.
 */
async function readFields(page: PDFPageProxy, vt: number[]): Promise<FieldValue[]> {
  const annotations = (await page.getAnnotations({ intent: 'display' })) as WidgetLike[];
  const out: FieldValue[] = [];
  for (const a of annotations) {
    if (
      a.subtype !== 'Widget' ||
      typeof a.fieldName !== 'string' ||
      a.hidden === true ||
      a.pushButton === true
    )
      continue;
    if (typeof a.fieldType === 'string' && !['Tx', 'Btn', 'Ch', 'Sig'].includes(a.fieldType))
      continue;
    const value = fieldText(a) ?? '';
    const rect = Array.isArray(a.rect) && a.rect.length === 4 ? (a.rect as number[]) : undefined;
    if (!rect) continue;
    out.push({
      name: a.fieldName,
      value: normalizeText(value),
      bbox: transformRect(vt, rect[0]!, rect[1]!, rect[2]!, rect[3]!),
    });
  }
  return out;
}

function fieldText(a: WidgetLike): string | undefined {
  const v = a.fieldValue;
  if (a.checkBox === true || a.radioButton === true) {
    // A checked box holds its export name (or `Yes`); `Off` means unchecked.
    if (typeof v !== 'string' || v === '' || v === 'Off') return undefined;
    if (a.radioButton === true && a.buttonValue !== undefined && a.buttonValue !== v)
      return undefined;
    return v;
  }
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (Array.isArray(v)) {
    const joined = v.filter((x): x is string => typeof x === 'string').join(', ');
    return joined === '' ? undefined : joined;
  }
  return undefined;
}
