import type { BBox, Span } from '@docat/contracts';
import type { PDFPageProxy, TextContent } from 'pdfjs-dist/types/src/display/api.js';
import { multiply, transformRect } from '../layout/geometry.js';
import { measureText, normalizeText, type TextQuality } from '../layout/text-normalize.js';
import type { PdfjsModule } from './pdfjs.js';

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

/** Everything read from one page before any layout analysis. */
export interface PageContent {
  number: number;
  width: number;
  height: number;
  rotation: 0 | 90 | 180 | 270;
  spans: Span[];
  images: ImageRegion[];
  /** Bounding boxes of drawn paths (rules, table borders, vector art). */
  paths: BBox[];
  fields: FieldValue[];
  quality: TextQuality;
  /** Font names (as in `Span.font`) pdf.js found to be fixed-pitch. */
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

export function fontStyle(name: string): { bold: boolean; italic: boolean } {
  const base = name.includes('+') ? name.slice(name.indexOf('+') + 1) : name;
  return { bold: BOLD_RE.test(base), italic: ITALIC_RE.test(base) };
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

export async function readPage(
  pdfjs: PdfjsModule,
  page: PDFPageProxy,
  opts: ReadPageOptions,
): Promise<PageContent> {
  const viewport = page.getViewport({ scale: 1 });
  const vt = viewport.transform;
  const rotation = (((page.rotate % 360) + 360) % 360) as 0 | 90 | 180 | 270;
  const images: ImageRegion[] = [];
  const paths: BBox[] = [];
  const fontNames = new Map<string, string>();

  if (opts.operators) {
    const ops = await page.getOperatorList();
    walkOperators(pdfjs, ops.fnArray, ops.argsArray, vt, images, paths, fontNames);
    for (const id of fontNames.keys()) {
      if (page.commonObjs.has(id)) {
        const font: unknown = page.commonObjs.get(id);
        const name = typeof font === 'object' && font !== null && 'name' in font ? (font as { name: unknown }).name : undefined;
        if (typeof name === 'string' && name) fontNames.set(id, cleanFontName(name));
      }
    }
    for (const [id, name] of fontNames) if (name !== id) opts.fontNames?.set(id, name);
  }
  let unnamedFonts = false;

  const content = opts.textContent ?? (await page.getTextContent({ includeMarkedContent: false }));
  const styles = content.styles as Record<string, TextStyleLike>;
  const spans: Span[] = [];
  const monospaceFonts = new Set<string>();
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
    const ux = m[0]! / Math.hypot(m[0]!, m[1]!) || 1;
    const uy = m[1]! / Math.hypot(m[0]!, m[1]!) || 0;
    const bbox: BBox = vertical
      ? boxFromCorners(m[4]! - size / 2, m[5]!, m[4]! + size / 2, m[5]! + advance)
      : orientedBox(m[4]!, m[5]!, ux, uy, advance, size * ascent, size * descent);
    const known = fontNames.get(item.fontName) ?? opts.fontNames?.get(item.fontName);
    if (known === undefined && !opts.operators) unnamedFonts = true;
    const fontName = known ?? style?.fontFamily ?? 'unknown';
    if (style?.fontFamily === 'monospace') monospaceFonts.add(fontName);
    const { bold, italic } = fontStyle(fontName);
    const span: Span = { text: normalizeText(item.str), bbox, font: fontName, size: Math.round(size * 100) / 100 };
    if (bold) span.bold = true;
    if (italic) span.italic = true;
    spans.push(span);
  }

  const fields = opts.fields === false ? [] : await readFields(page, vt);
  return {
    number: page.pageNumber,
    width: viewport.width,
    height: viewport.height,
    rotation,
    spans,
    images,
    paths,
    fields,
    quality,
    monospaceFonts,
    ...(unnamedFonts ? { unnamedFonts } : {}),
    ...(opts.operators ? {} : { textContent: content }),
  };
}

function boxFromCorners(x0: number, y0: number, x1: number, y1: number): BBox {
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

/** Box of a glyph run from its baseline origin, direction and extents (y grows downwards). */
function orientedBox(ox: number, oy: number, ux: number, uy: number, len: number, up: number, down: number): BBox {
  // Perpendicular pointing up on the displayed page (y down): (uy, -ux).
  const px = uy;
  const py = -ux;
  const xs = [ox + px * up, ox - px * down, ox + ux * len + px * up, ox + ux * len - px * down];
  const ys = [oy + py * up, oy - py * down, oy + uy * len + py * up, oy + uy * len - py * down];
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function walkOperators(
  pdfjs: PdfjsModule,
  fnArray: number[],
  argsArray: unknown[],
  viewportTransform: number[],
  images: ImageRegion[],
  paths: BBox[],
  fontNames: Map<string, string>,
): void {
  const OPS = pdfjs.OPS;
  let ctm = [1, 0, 0, 1, 0, 0];
  const stack: number[][] = [];
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args = argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        stack.push(ctm);
        break;
      case OPS.restore:
        ctm = stack.pop() ?? ctm;
        break;
      case OPS.transform:
        if (args && args.length === 6) ctm = multiply(ctm, args as number[]);
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push(ctm);
        const matrix = args?.[0];
        if (Array.isArray(matrix) && matrix.length === 6) ctm = multiply(ctm, matrix as number[]);
        break;
      }
      case OPS.paintFormXObjectEnd:
        ctm = stack.pop() ?? ctm;
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
        const bbox = transformRect(multiply(viewportTransform, ctm), 0, 0, 1, 1);
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
        const minMax = args?.[2];
        if (minMax && typeof minMax === 'object') {
          const mm = minMax as ArrayLike<number>;
          if (mm.length >= 4 && Number.isFinite(mm[0]) && mm[0]! <= mm[2]!) {
            paths.push(transformRect(multiply(viewportTransform, ctm), mm[0]!, mm[1]!, mm[2]!, mm[3]!));
          }
        }
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
    if (a.subtype !== 'Widget' || typeof a.fieldName !== 'string' || a.hidden === true || a.pushButton === true) continue;
    if (typeof a.fieldType === 'string' && !['Tx', 'Btn', 'Ch', 'Sig'].includes(a.fieldType)) continue;
    const value = fieldText(a) ?? '';
    const rect = Array.isArray(a.rect) && a.rect.length === 4 ? (a.rect as number[]) : undefined;
    if (!rect) continue;
    out.push({ name: a.fieldName, value: normalizeText(value), bbox: transformRect(vt, rect[0]!, rect[1]!, rect[2]!, rect[3]!) });
  }
  return out;
}

function fieldText(a: WidgetLike): string | undefined {
  const v = a.fieldValue;
  if (a.checkBox === true || a.radioButton === true) {
    // A checked box holds its export name (or `Yes`); `Off` means unchecked.
    if (typeof v !== 'string' || v === '' || v === 'Off') return undefined;
    if (a.radioButton === true && a.buttonValue !== undefined && a.buttonValue !== v) return undefined;
    return v;
  }
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (Array.isArray(v)) {
    const joined = v.filter((x): x is string => typeof x === 'string').join(', ');
    return joined === '' ? undefined : joined;
  }
  return undefined;
}
