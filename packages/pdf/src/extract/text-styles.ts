import type { BBox, Span } from '@docat/contracts';
import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';
import { multiply, transformRect } from '../layout/geometry.js';
import type { PdfjsModule } from './pdfjs.js';

/**
 * Span styles pdf.js's text content does not carry: fill colour, whether the source
 * shows the text at all, and links. They are read from the operator list (the same
 * content, in the same order) and matched to the text items character by character.
 */

/** How a text-showing operator is painted. */
interface PaintState {
  color: string;
  /** Text render mode (3 and 7 paint nothing). */
  mode: number;
  /** Fill alpha from the graphics state (`ca`); 0 paints nothing. */
  alpha: number;
  /** Clip region in display coordinates, as a box around the clip paths; null: the page. */
  clip: BBox | null;
}

interface Fill {
  box: BBox;
  /** Fill colour; null for an image (its colour under the text is unknown). */
  color: string | null;
}

interface TextRun extends PaintState {
  /** Fills and images painted before this run (indexes below this into `fills`). */
  fillsBefore: number;
}

export interface TextPaint {
  /** Comparison keys of every shown character, in content order (no white space). */
  chars: string;
  /** Run index of each character of `chars`. */
  runOf: Uint32Array;
  runs: TextRun[];
  fills: Fill[];
}

interface GlyphLike {
  unicode?: unknown;
}

/** Characters compared between the operator list and the text content: compatibility-folded, no white space. */
function keyChars(text: string): string {
  if (text.length === 1) {
    // One ASCII character, most of any page: printable ones fold to themselves, white space to nothing.
    const c = text.charCodeAt(0);
    if (c > 0x20 && c < 0x7f) return text;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return '';
  }
  return text.normalize('NFKC').replace(/\s+/gu, '');
}

function intersect(a: BBox | null, b: BBox): BBox {
  if (!a) return b;
  return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
}

/** Walk the operator list for paint state per text run, and the fills and images below text. */
export function collectTextPaint(
  pdfjs: PdfjsModule,
  fnArray: number[],
  argsArray: unknown[],
  viewportTransform: number[],
): TextPaint {
  const OPS = pdfjs.OPS;
  const FILLS = new Set<number>([
    OPS.fill,
    OPS.eoFill,
    OPS.fillStroke,
    OPS.eoFillStroke,
    OPS.closeFillStroke,
    OPS.closeEOFillStroke,
  ]);
  let ctm = [1, 0, 0, 1, 0, 0];
  let paint: PaintState = { color: '#000000', mode: 0, alpha: 1, clip: null };
  const stack: { ctm: number[]; paint: PaintState }[] = [];
  let pendingClip = false;
  // Keys of the shown characters, joined as they come, and the run of each of their code units.
  let chars = '';
  const runOf: number[] = [];
  const runs: TextRun[] = [];
  const fills: Fill[] = [];
  const toDisplay = (): number[] => multiply(viewportTransform, ctm);
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args = argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        stack.push({ ctm, paint: { ...paint } });
        break;
      case OPS.restore: {
        const top = stack.pop();
        if (top) ({ ctm, paint } = top);
        break;
      }
      case OPS.transform:
        if (args && args.length === 6) ctm = multiply(ctm, args as number[]);
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push({ ctm, paint: { ...paint } });
        const matrix = args?.[0];
        if (Array.isArray(matrix) && matrix.length === 6) ctm = multiply(ctm, matrix as number[]);
        const bbox = args?.[1];
        if (Array.isArray(bbox) && bbox.length === 4) {
          const b = bbox as number[];
          paint.clip = intersect(
            paint.clip,
            transformRect(toDisplay(), b[0]!, b[1]!, b[2]!, b[3]!),
          );
        }
        break;
      }
      case OPS.paintFormXObjectEnd: {
        const top = stack.pop();
        if (top) ({ ctm, paint } = top);
        break;
      }
      case OPS.setFillRGBColor:
        if (typeof args?.[0] === 'string') paint.color = args[0].toLowerCase();
        break;
      case OPS.setTextRenderingMode:
        if (typeof args?.[0] === 'number') paint.mode = args[0];
        break;
      case OPS.setGState: {
        const entries = args?.[0];
        if (Array.isArray(entries)) {
          for (const entry of entries as unknown[]) {
            if (Array.isArray(entry) && entry[0] === 'ca' && typeof entry[1] === 'number')
              paint.alpha = entry[1];
          }
        }
        break;
      }
      case OPS.clip:
      case OPS.eoClip:
        pendingClip = true;
        break;
      case OPS.constructPath: {
        const minMax = args?.[2] as ArrayLike<number> | null | undefined;
        const box =
          minMax && minMax.length >= 4 && Number.isFinite(minMax[0]) && minMax[0]! <= minMax[2]!
            ? transformRect(toDisplay(), minMax[0]!, minMax[1]!, minMax[2]!, minMax[3]!)
            : null;
        if (pendingClip) {
          paint.clip = box ? intersect(paint.clip, box) : paint.clip;
          pendingClip = false;
        }
        const op = args?.[0];
        if (
          box &&
          typeof op === 'number' &&
          FILLS.has(op) &&
          paint.alpha > 0.5 &&
          box[2] - box[0] > 1 &&
          box[3] - box[1] > 1
        ) {
          fills.push({ box, color: paint.color });
        }
        break;
      }
      case OPS.paintImageXObject:
      case OPS.paintImageXObjectRepeat:
      case OPS.paintInlineImageXObject:
      case OPS.paintImageMaskXObject:
        fills.push({ box: transformRect(toDisplay(), 0, 0, 1, 1), color: null });
        break;
      case OPS.showText: {
        const glyphs = args?.[0];
        if (!Array.isArray(glyphs)) break;
        let run = -1;
        for (const g of glyphs as unknown[]) {
          if (typeof g !== 'object' || g === null) continue;
          const unicode = (g as GlyphLike).unicode;
          if (typeof unicode !== 'string') continue;
          const key = keyChars(unicode);
          if (key === '') continue;
          if (run < 0) {
            run = runs.length;
            runs.push({ ...paint, fillsBefore: fills.length });
          }
          chars += key;
          for (let k = 0; k < key.length; k++) runOf.push(run);
        }
        break;
      }
      default:
        break;
    }
  }
  // Indexed by code unit: a character outside the BMP takes two, both of its run.
  return { chars, runOf: Uint32Array.from(runOf), runs, fills };
}

function area(b: BBox): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function sameColour(a: string, b: string): boolean {
  const x = rgb(a);
  const y = rgb(b);
  return Math.max(Math.abs(x[0] - y[0]), Math.abs(x[1] - y[1]), Math.abs(x[2] - y[2])) <= 10;
}

/** How many fills back to look for the one under a span: pages of vector art hold thousands. */
const FILL_LOOKBACK = 4000;

/**
 * The colour painted under `box` before `before` (the page is white), or null when an
 * image lies there. Only a fill around the whole box counts: a shape's box is larger than
 * the shape, and text beside a filled arrow of its colour is not on it.
 */
function backgroundOf(box: BBox, fills: Fill[], before: number): string | null {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  for (let i = before - 1; i >= Math.max(0, before - FILL_LOOKBACK); i--) {
    const f = fills[i]!;
    if (cx < f.box[0] || cx > f.box[2] || cy < f.box[1] || cy > f.box[3]) continue;
    if (f.color === null) return null;
    const around =
      box[0] >= f.box[0] - 1 &&
      box[2] <= f.box[2] + 1 &&
      box[1] >= f.box[1] - 1 &&
      box[3] <= f.box[3] + 1;
    // Partly on a shape: what shows through is not known, so the text counts as shown.
    return around ? f.color : null;
  }
  return '#ffffff';
}

/** Whether a run painted like `run` shows the text in `box`. */
function shown(run: TextRun, box: BBox, fills: Fill[]): boolean {
  if (run.mode === 3 || run.mode === 7 || run.alpha === 0) return false;
  if (run.clip) {
    const inside = area(intersect(run.clip, box));
    const whole = area(box);
    // A clip that leaves less than a fifth of the run visible hides it.
    if (whole > 0 && inside < whole * 0.2) return false;
    if (run.clip[2] <= run.clip[0] || run.clip[3] <= run.clip[1]) return false;
  }
  // Fill modes only: a stroked outline (1, 2, 5, 6) shows in its stroke colour.
  if (run.mode === 0 || run.mode === 4) {
    const under = backgroundOf(box, fills, run.fillsBefore);
    if (under !== null && sameColour(under, run.color)) return false;
  }
  return true;
}

interface CharMap {
  /** Comparison keys of the span's text. */
  key: string;
  /** Index in the span's text of each code unit of `key`. */
  source: number[];
}

function charMap(text: string): CharMap {
  let key = '';
  const source: number[] = [];
  let at = 0;
  for (const ch of text) {
    const k = keyChars(ch);
    key += k;
    for (let i = 0; i < k.length; i++) source.push(at);
    at += ch.length;
  }
  return { key, source };
}

/** How far ahead in the content a text item may start, in characters, before it is taken as unmatched. */
const SEARCH_WINDOW = 4000;

interface LinkArea {
  box: BBox;
  url: string;
}

interface LinkAnnotationLike {
  subtype?: unknown;
  url?: unknown;
  unsafeUrl?: unknown;
  rect?: unknown;
}

/** External link annotations of a page, in display coordinates. */
export async function readLinks(
  page: PDFPageProxy,
  viewportTransform: number[],
): Promise<LinkArea[]> {
  const annotations = (await page.getAnnotations({ intent: 'display' })) as LinkAnnotationLike[];
  const out: LinkArea[] = [];
  for (const a of annotations) {
    if (a.subtype !== 'Link') continue;
    const url = typeof a.url === 'string' ? a.url : undefined;
    const rect = Array.isArray(a.rect) && a.rect.length === 4 ? (a.rect as number[]) : undefined;
    if (!url || !rect || !/^(?:https?|mailto|ftp):/iu.test(url)) continue;
    out.push({
      box: transformRect(viewportTransform, rect[0]!, rect[1]!, rect[2]!, rect[3]!),
      url,
    });
  }
  return out;
}

function linkAt(box: BBox, links: readonly LinkArea[]): string | undefined {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  return links.find(
    (l) => cx >= l.box[0] - 1 && cx <= l.box[2] + 1 && cy >= l.box[1] - 1 && cy <= l.box[3] + 1,
  )?.url;
}

/** Style of one stretch of a span. */
interface Stretch {
  from: number;
  color: string;
  hidden: boolean;
}

function spanBoxShare(span: Span, from: number, to: number): BBox {
  const [x0, y0, x1, y1] = span.bbox;
  const n = Math.max(1, span.text.length);
  return [x0 + ((x1 - x0) * from) / n, y0, x0 + ((x1 - x0) * to) / n, y1];
}

/**
 * Give each span its colour, mark what the source does not show, and attach links.
 * A span whose characters change colour (or visibility) part way is cut there, its box
 * shared out by character count; spans set at an angle take the style of their first
 * character instead. Spans no run matches keep their text as it is, in no set colour.
 */
export function applyTextStyles(
  spans: Span[],
  paint: TextPaint,
  links: readonly LinkArea[],
): Span[] {
  const out: Span[] = [];
  let cursor = 0;
  for (const span of spans) {
    const map = charMap(span.text);
    const match = map.key.length > 0 ? locate(paint, map.key, cursor) : undefined;
    if (!match) {
      const href = linkAt(span.bbox, links);
      out.push(href ? { ...span, href } : span);
      continue;
    }
    const { at, reversed, near } = match;
    cursor = at + map.key.length;
    const stretches: Stretch[] = [];
    const visible = new Map<number, boolean>();
    for (let k = 0; k < map.key.length; k++) {
      const index = paint.runOf[reversed ? at + map.key.length - 1 - k : at + k]!;
      const run = paint.runs[index]!;
      const from = map.source[k]!;
      const color = run.color;
      // Visibility is judged on the span's box: a clip or a background covers a run, not a
      // glyph. A match found only after skipping content may be another occurrence of the
      // words, drawn elsewhere: its clip and background say nothing about this span.
      let seen = visible.get(index);
      if (seen === undefined)
        visible.set(index, (seen = !near || shown(run, span.bbox, paint.fills)));
      const hidden = !seen;
      const last = stretches[stretches.length - 1];
      if (last && last.color === color && last.hidden === hidden) continue;
      stretches.push({ from: last ? from : 0, color, hidden });
    }
    // Words drawn twice in a row (a fill, then an outline or a shadow) show if either does.
    if (stretches.some((s) => s.hidden) && !reversed && paint.chars.startsWith(map.key, cursor)) {
      const again = paint.runs[paint.runOf[cursor]!]!;
      if (shown(again, span.bbox, paint.fills)) {
        for (const s of stretches) s.hidden = false;
        cursor += map.key.length;
      }
    }
    const upright = (span.angle ?? 0) === 0 && !reversed;
    const parts = upright ? stretches : stretches.slice(0, 1);
    parts.forEach((s, i) => {
      const to = i + 1 < parts.length ? parts[i + 1]!.from : span.text.length;
      const text = span.text.slice(s.from, to);
      if (text.trim() === '') return;
      const bbox = parts.length === 1 ? span.bbox : spanBoxShare(span, s.from, to);
      const piece: Span = { ...span, text, bbox, color: s.color };
      if (s.hidden) piece.hidden = true;
      const href = linkAt(bbox, links);
      if (href) piece.href = href;
      out.push(piece);
    });
  }
  return out;
}

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u;

/** Content skipped before a match that still counts as this span's own drawing. */
const NEAR = 64;

/**
 * Where a text item's characters are in the content: at the cursor, else the nearest
 * occurrence ahead (short words only close by: they recur). Right-to-left items come in
 * display order, so their reversed characters are tried too.
 */
function locate(
  paint: TextPaint,
  key: string,
  cursor: number,
): { at: number; reversed: boolean; near: boolean } | undefined {
  const window = key.length < 6 ? NEAR : SEARCH_WINDOW;
  const candidates: { at: number; reversed: boolean }[] = [];
  const forward = paint.chars.indexOf(key, cursor);
  if (forward >= 0 && forward - cursor <= window) candidates.push({ at: forward, reversed: false });
  if (RTL.test(key)) {
    const back = [...key].reverse().join('');
    const found = paint.chars.indexOf(back, cursor);
    if (found >= 0 && found - cursor <= window) candidates.push({ at: found, reversed: true });
  }
  if (candidates.length === 0) return undefined;
  const best = candidates.reduce((a, b) => (b.at < a.at ? b : a));
  return { ...best, near: best.at - cursor <= NEAR };
}

/**
 * A page drawn as one large image with its text laid over it unshown: a scan OCR'd
 * before it reached us. Its translation must cover the image's words, as on any scan.
 */
export function isInvisibleLayerScan(content: {
  width: number;
  height: number;
  spans: readonly Span[];
  images: readonly { bbox: BBox }[];
}): boolean {
  let all = 0;
  let hidden = 0;
  for (const s of content.spans) {
    const n = s.text.trim().length;
    all += n;
    if (s.hidden) hidden += n;
  }
  if (all === 0 || hidden < all * 0.8) return false;
  const page = content.width * content.height;
  return content.images.some((i) => area(i.bbox) >= page * 0.5);
}
