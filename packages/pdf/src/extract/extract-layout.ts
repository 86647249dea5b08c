import { DocatError, LAYOUT_SCHEMA_VERSION, selectedPageNumbers } from '@docat/contracts/core';
import type { JobWarning, LayoutDocument, Page, PageInterval } from '@docat/contracts';
import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';
import { finalizeDocument } from '../layout/document-level.js';
import { addInlineMarks } from '../layout/inline-marks.js';
import { layoutPage } from '../layout/page-layout.js';
import { layoutAngled } from '../layout/rotated-text.js';
import { dominantScript, measureText, stripGarbage } from '../layout/text-normalize.js';
import {
  lineBands,
  looksTurned,
  tidyLines,
  wordsToSpans,
  type OcrAdapter,
  type Orientation,
} from '../ocr/ocr-adapter.js';
import { LazyOcrAdapter, type OcrEngineChoice } from '../ocr/ocr-adapter-choice.js';
import { languageForScript, tesseractCode } from '../ocr/ocr-languages.js';
import { levelSpans, pointFromLevel, skewOf, tiltPage } from '../ocr/ocr-skew.js';
import type { RenderedPage } from '../ocr/render-page.js';
import {
  LARGE_IMAGE_PIXELS,
  LargeImageSource,
  placementBox,
  type LargeImagePlacement,
} from './large-images.js';
import { readPage, usesUnnamedFont, type PageContent } from './page-reader.js';
import { isInvisibleLayerScan } from './text-styles.js';
import { judgeTextLayer } from './text-layer-check.js';
import { fromUpright, pointFromUpright, uprightBox, type Turn } from './upright-frame.js';
import {
  closeDocument,
  loadPdfjs,
  mapPdfjsError,
  openDocument,
  type PDFDocumentProxy,
} from './pdfjs.js';

export interface ExtractOptions {
  password?: string;
  /** See `OpenOptions.respectPermissions`; default true. */
  respectPermissions?: boolean;
  /** Pages to extract (1-based, inclusive); all pages when absent. */
  pages?: PageInterval[];
  /** Language of the document (ISO 639-1), used to pick OCR data. */
  sourceLanguage?: string;
  /** `auto`: OCR pages without a usable text layer; `force`: OCR every page. */
  ocr?: 'auto' | 'off' | 'force';
  /**
   * `full` walks each page's operator list (figures, font names, bold/italic, colours);
   * `text` walks it only where the text layer is not enough: a page with little text (a
   * possible scan) or whose fonts no earlier page named. About half the work on a book;
   * figures and colours are then not read. For plain text output.
   */
  detail?: 'full' | 'text';
  /**
   * Run the document-level pass (headers/footers, heading levels, continuations).
   * Chunks extracted for `mergeChunks` set this to false.
   */
  documentLevel?: boolean;
  /** OCR resolution for pages rendered from vector text; scans use their own (150-300). */
  ocrDpi?: number;
  /** Share an OCR adapter between calls; otherwise one is made (per `ocrEngine`) and closed per call. */
  ocrAdapter?: OcrAdapter;
  /** Which OCR engine to make when no adapter is given; `auto` by default. */
  ocrEngine?: OcrEngineChoice;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
  /**
   * Receive each page as soon as it is laid out instead of collecting it; the
   * returned document then has no pages and no document-level pass is run.
   */
  onPage?(page: Page): void;
}

export interface ExtractResult {
  document: LayoutDocument;
  warnings: JobWarning[];
}

/** Pages with fewer characters than this count as having no text layer. */
const MIN_TEXT_CHARS = 20;
const MAX_GARBAGE_SHARE = 0.3;

export function selectedPages(
  numPages: number,
  intervals: readonly PageInterval[] | undefined,
): number[] {
  for (const { from, to } of intervals ?? []) {
    if (from < 1 || to < from) throw new DocatError('INVALID_PAGE_RANGE', `${from}-${to}`);
  }
  const out = selectedPageNumbers(intervals, numPages);
  if (out.length === 0)
    throw new DocatError('INVALID_PAGE_RANGE', 'No selected page exists in the document');
  return out;
}

export type PageVerdict = 'text' | 'scanned' | 'garbage' | 'foreign';

/**
 * Whether a page's text layer can be used, judged from what was read: `garbage` when its
 * characters are control codes or private-use glyph ids, `foreign` when its words do not
 * read as the document's language (see `judgeTextLayer`), `scanned` when a page-sized
 * image holds no text layer.
 */
export function judgePage(content: PageContent, language?: string): PageVerdict {
  const pageArea = content.width * content.height;
  if (
    content.quality.chars >= MIN_TEXT_CHARS &&
    content.quality.garbage / content.quality.chars > MAX_GARBAGE_SHARE
  ) {
    return 'garbage';
  }
  if (content.quality.chars < MIN_TEXT_CHARS) {
    const imageArea = content.images.reduce(
      (a, i) => a + Math.max(0, i.bbox[2] - i.bbox[0]) * Math.max(0, i.bbox[3] - i.bbox[1]),
      0,
    );
    if (imageArea >= pageArea * 0.5) return 'scanned';
  }
  if (
    content.quality.chars >= MIN_TEXT_CHARS &&
    !judgeTextLayer(pageText(content), language).readable
  )
    return 'foreign';
  return 'text';
}

function pageText(content: PageContent): string {
  return content.spans.map((s) => s.text).join(' ');
}

/**
 * Text of a page read without OCR although its text layer is partly garbage. A font
 * whose text is mostly garbage has no Unicode map: its printable characters are wrong
 * too (a glyph id that happens to be a letter's code). Its spans keep their box with no
 * text, and layout drops every line they are part of: a line read only in part cannot be
 * translated, so it stays untouched on the page. Other fonts lose their garbage characters.
 */
function dropUnreadableText(content: PageContent): void {
  const perFont = new Map<string, { chars: number; garbage: number; codes: Map<string, number> }>();
  for (const s of content.spans) {
    const q = perFont.get(s.font) ?? { chars: 0, garbage: 0, codes: new Map<string, number>() };
    measureText(s.text, q);
    for (const c of s.text) if (stripGarbage(c) !== c) q.codes.set(c, (q.codes.get(c) ?? 0) + 1);
    perFont.set(s.font, q);
  }
  const unreadableFonts = new Set<string>();
  for (const [font, q] of perFont) {
    // The most frequent garbage code is often just the space glyph leaking out: words
    // between such codes are readable.
    const space = Math.max(0, ...q.codes.values());
    const chars = q.chars - space;
    if (chars > 0 && (q.garbage - space) / chars > MAX_GARBAGE_SHARE) unreadableFonts.add(font);
  }
  content.spans = content.spans.flatMap((s) => {
    if (unreadableFonts.has(s.font)) return [{ ...s, text: '' }];
    const text = stripGarbage(s.text);
    return text.trim() === '' ? [] : [{ ...s, text }];
  });
}

/**
 * The most pixels a page is drawn with for OCR: 64 MB of canvas, which the recogniser copies
 * again. A letter or A4 page at 300 dpi is 8.4-8.7 million; only a page larger than about
 * 13 by 13 inches (a poster, a drawing, a map) is drawn at less.
 */
export const MAX_OCR_PIXELS = 16_000_000;

/**
 * Resolution for OCR: a scan's own resolution within `minDpi`-300 dpi, else `fallback`;
 * lowered, below `minDpi` if need be, so that the page is at most `MAX_OCR_PIXELS` pixels.
 * Before, a 30-inch page scanned at 300 dpi was drawn on a 9,000 x 9,000 canvas and the
 * extraction was refused at its memory limit.
 */
export function ocrDpi(
  content: Pick<PageContent, 'images' | 'width' | 'height'>,
  fallback: number,
  minDpi: number,
): number {
  let best = 0;
  for (const img of content.images) {
    const w = img.bbox[2] - img.bbox[0];
    if (w > content.width * 0.5 && img.pixelWidth > 0)
      best = Math.max(best, (img.pixelWidth / w) * 72);
  }
  const dpi = best > 0 ? Math.min(300, Math.max(minDpi, Math.round(best))) : fallback;
  const area = content.width * content.height;
  const cap = area > 0 ? Math.floor(72 * Math.sqrt(MAX_OCR_PIXELS / area)) : dpi;
  return Math.max(1, Math.min(dpi, cap));
}

/**
 * Extract the layout model of a PDF (or of some of its pages). Pages are read one at
 * a time and released, so memory does not grow with the page count.
 */
export async function extractLayout(
  bytes: Uint8Array,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  const doc = await openDocument(bytes, {
    password: opts.password,
    respectPermissions: opts.respectPermissions,
    maxImageSize: LARGE_IMAGE_PIXELS,
  });
  const ownAdapter = opts.ocrAdapter ? undefined : new LazyOcrAdapter(opts.ocrEngine);
  const adapter = opts.ocrAdapter ?? ownAdapter!;
  try {
    const result = await extractFromDocument(
      doc,
      opts,
      adapter,
      undefined,
      new LargeImageSource(bytes, opts.password),
    );
    if (!hasEndMarker(bytes)) {
      result.warnings.unshift({
        kind: 'recovered_damage',
        message: 'The file is truncated or damaged; the pages that survive were extracted',
      });
    }
    return result;
  } finally {
    await ownAdapter?.close();
    await closeDocument(doc);
  }
}

/** A complete PDF ends with `%%EOF` (allowing trailing whitespace or junk of a few bytes). */
export function hasEndMarker(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).subarray(
    Math.max(0, bytes.byteLength - 1024),
  );
  return tail.includes('%%EOF');
}

/**
 * pdf.js keeps every object it parsed and every font it loaded for the document's life;
 * reopening the document after this many pages drops them, so memory stays flat however
 * long the document is (the cost: fonts used on later pages are parsed again).
 */
const PAGES_PER_OPEN = 128;

/**
 * Pages handed out while an extraction runs: the sandbox's children take the selected pages
 * in batches as they go, so none waits while another still has a long slice to read.
 */
export interface PageFeed {
  /** The next page to read (1-based), or undefined when none is left. */
  next(): Promise<number | undefined>;
  /** About how many pages this reader will still read, the one just taken included. */
  remaining(): number;
}

/** The selected pages, in order, as a feed. */
function listFeed(numbers: readonly number[]): PageFeed {
  let at = 0;
  return {
    next: () => Promise.resolve(numbers[at++]),
    remaining: () => numbers.length - at + 1,
  };
}

/**
 * Lay out the selected pages of an open document (or those `feed` hands out, in its order).
 * With `reopen`, the document is closed and opened again every PAGES_PER_OPEN pages (unless
 * at most half that many are left); `doc` is then closed here too.
 */
export async function extractFromDocument(
  doc: PDFDocumentProxy,
  opts: ExtractOptions,
  ocr: OcrAdapter,
  reopen?: () => Promise<PDFDocumentProxy>,
  /**
   * Where the file's images too large for pdf.js (opened with `maxImageSize`) are: they
   * count as the page's images and are drawn, reduced, for OCR.
   */
  large?: LargeImageSource,
  feed?: PageFeed,
  /**
   * Opens the same file with glyph outlines, for pages drawn for OCR, when `doc` and the
   * documents `reopen` gives were opened without them (see `useTextOnlyFonts`).
   */
  openForDrawing?: () => Promise<PDFDocumentProxy>,
): Promise<ExtractResult> {
  const pdfjs = await loadPdfjs();
  if (doc.numPages === 0) throw new DocatError('PDF_NO_PAGES');
  if (doc.numPages === 1) {
    // pdf.js invents one empty page when the page tree is missing; it has no object.
    const only = await doc.getPage(1).catch((err: unknown) => {
      throw mapPdfjsError(err, opts.password);
    });
    if (only.ref === null) throw new DocatError('PDF_NO_PAGES', 'The document has no page tree');
  }
  const numbers = selectedPages(doc.numPages, opts.pages);
  const pagesToRead = feed ?? listFeed(numbers);
  const warnings: JobWarning[] = [];
  const pages: Page[] = [];
  const ocrMode = opts.ocr ?? 'auto';
  const detail = opts.detail ?? 'full';
  let done = 0;
  // Pages leave in order. An OCR'd page is recognised while the next pages are read: the
  // next page is read as soon as fewer than `concurrency` recognitions run (this thread's
  // reading or drawing takes the core left), whichever page's recognition ended, and at most
  // HELD_PAGES finished pages wait behind one still being recognised.
  const inFlight: PageInFlight[] = [];
  let recognising = 0;
  const deliver = (p: Page) => {
    if (opts.onPage) opts.onPage(p);
    else pages.push(p);
    done++;
    opts.onProgress?.(done, numbers.length);
  };
  const emit = async (running: number, held: number) => {
    for (;;) {
      while (inFlight[0]?.page) deliver(inFlight.shift()!.page!);
      if (inFlight[0]?.failed) throw inFlight[0].failed.error;
      if (recognising <= running && inFlight.length <= held) return;
      await Promise.race(inFlight.filter((f) => !f.page && !f.failed).map((f) => f.settled));
    }
  };
  const recognise = (p: Promise<Page>) => {
    recognising++;
    const f: PageInFlight = { settled: Promise.resolve() };
    f.settled = p.then(
      (page) => {
        f.page = page;
        recognising--;
      },
      (error: unknown) => {
        f.failed = { error };
        recognising--;
      },
    );
    inFlight.push(f);
  };
  let current = doc;
  let readSinceOpen = 0;
  // pdf.js names fonts per open document: what walks found holds until the next reopen.
  let fontNames = new Map<string, string>();
  let fields = await hasFormFields(current);
  const drawing = openForDrawing ? new DrawingDocument(openForDrawing) : undefined;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const n = await pagesToRead.next();
      if (n === undefined) break;
      // The last pages of a slice stay on the open document when they are few: reopening
      // would parse the fonts again for little memory saved.
      if (
        reopen &&
        readSinceOpen === PAGES_PER_OPEN &&
        pagesToRead.remaining() > PAGES_PER_OPEN / 2
      ) {
        await closeDocument(current);
        await drawing?.close();
        current = await reopen();
        readSinceOpen = 0;
        fontNames = new Map();
        fields = await hasFormFields(current);
      }
      readSinceOpen++;
      let page: PDFPageProxy;
      try {
        page = await current.getPage(n);
      } catch (err) {
        throw mapPdfjsError(err, opts.password);
      }
      try {
        const read = { fontNames, fields };
        // The walk after a read without it takes the text layer already read.
        const walkAgain = (first: PageContent) =>
          readPage(pdfjs, page, {
            operators: true,
            ...read,
            ...(first.textContent ? { textContent: first.textContent } : {}),
          });
        let content: PageContent;
        // A page whose text uses a font no walk has named is walked at once (on its text
        // layer), instead of being read without the walk first and then again with it.
        let walked = detail === 'full';
        if (detail === 'text') {
          const textContent = await page.getTextContent({ includeMarkedContent: false });
          walked = usesUnnamedFont(page, textContent, fontNames);
          content = await readPage(pdfjs, page, { operators: walked, ...read, textContent });
        } else {
          content = await readPage(pdfjs, page, { operators: true, ...read });
        }
        let verdict = judgePage(content, opts.sourceLanguage);
        // The layout computed to look for a drawing's labels, kept for the page when no walk
        // follows (layout is pure: the same content lays out the same).
        let laidOut: { content: PageContent; page: Page } | undefined;
        if (
          !walked &&
          ((verdict === 'text' && content.quality.chars < MIN_TEXT_CHARS) || content.unnamedFonts)
        ) {
          // Sparse text: look at the images before deciding the page is not a scan. A font
          // no walk has named yet: its name tells bold, italic and code.
          content = await walkAgain(content);
          verdict = judgePage(content, opts.sourceLanguage);
        } else if (
          !walked &&
          verdict === 'text' &&
          mayHoldFigure((laidOut = { content, page: layoutPage(content) }).page)
        ) {
          // Labels scattered like a drawing's: walk, so they are read as one figure.
          content = await walkAgain(content);
        }
        // Images pdf.js left out for their size: where a page might be a scan, or figures count.
        let placements: LargeImagePlacement[] = [];
        if (
          large?.present &&
          (detail === 'full' || ocrMode === 'force' || content.quality.chars < MIN_TEXT_CHARS)
        ) {
          placements = await large.onPage(n);
          if (placements.length) {
            laidOut = undefined;
            const vt = page.getViewport({ scale: 1 }).transform;
            for (const p of placements)
              content.images.push({
                bbox: placementBox(p, vt),
                pixelWidth: p.width,
                pixelHeight: p.height,
              });
            verdict = judgePage(content, opts.sourceLanguage);
          }
        }
        const wantOcr = ocrMode === 'force' || (ocrMode === 'auto' && verdict !== 'text');
        if (wantOcr) {
          if (verdict === 'foreign') {
            warnings.push({
              kind: 'text_layer_replaced',
              page: n,
              message: `The text layer does not read as the document's language (${judgeTextLayer(pageText(content), opts.sourceLanguage).reason}); the page was read with OCR`,
            });
          }
          // A page that is only its scan is read from the pixels its reading decoded, at its
          // own resolution: nothing to draw, so no canvas and no second handle. Any other page
          // is drawn from the handle with glyph outlines when the reading document has none;
          // opening it fails as a reopen does (a file changed since it was checked).
          let rendered: RenderedPage | Error | undefined = placements.length
            ? undefined
            : await scanForOcr(page, content, opts, ocr);
          if (!rendered) {
            const drawn = drawing
              ? await drawing.page(n).catch((err: unknown) => {
                  throw mapPdfjsError(err, opts.password);
                })
              : page;
            try {
              rendered = await renderForOcr(drawn, content, opts, ocr, placements, large);
            } finally {
              if (drawn !== page) drawn.cleanup();
            }
          }
          recognise(ocrPage(rendered, content, verdict, opts, ocr, warnings));
        } else {
          if (verdict === 'garbage') dropUnreadableText(content);
          const known = laidOut?.content === content ? laidOut.page : undefined;
          const laid = addInlineMarks(
            layoutAngled(content, (c) => (known && c === content ? known : layoutPage(c))),
          );
          if (verdict !== 'text') laid.scanned = verdict === 'scanned';
          // A scan with an invisible text layer (an earlier OCR): its words are pixels.
          else if (isInvisibleLayerScan(content)) laid.scanned = true;
          inFlight.push({ page: laid, settled: Promise.resolve() });
        }
      } finally {
        page.cleanup();
      }
      await emit(Math.max(0, ocr.concurrency - 1), HELD_PAGES);
    }
    await emit(0, 0);
  } finally {
    // An abort or a failure leaves no recognition running unobserved.
    await Promise.all(inFlight.map((f) => f.settled));
    await drawing?.close();
  }
  let title: string | undefined;
  try {
    const meta = await current.getMetadata();
    const info = meta.info as { Title?: unknown } | undefined;
    if (typeof info?.Title === 'string' && info.Title.trim())
      title = info.Title.trim().normalize('NFC');
  } catch {
    // Metadata is optional; a damaged Info dictionary must not fail extraction.
  } finally {
    if (current !== doc) await closeDocument(current);
  }
  const document: LayoutDocument = {
    schemaVersion: LAYOUT_SCHEMA_VERSION,
    pageCount: doc.numPages,
    ...(title ? { title } : {}),
    pages,
  };
  const raw = opts.documentLevel === false || opts.onPage !== undefined;
  // Warnings of pages recognised out of order are sorted back into page order.
  warnings.sort((a, b) => (a.page ?? 0) - (b.page ?? 0));
  return { document: raw ? document : finalizeDocument(document), warnings };
}

/** Blocks this short, several on a page, are a drawing's labels rather than paragraphs. */
const LABEL_CHARS = 8;
const MIN_LABELS = 4;

/**
 * Whether a page laid out without its graphics seems to hold a figure: several blocks of a
 * few characters (numbers in boxes, axis ticks, node names). A page number or a lone short
 * heading is not enough.
 */
export function mayHoldFigure(page: Page): boolean {
  let labels = 0;
  for (const b of page.blocks) {
    if (b.type !== 'form_field' && b.text.trim().length <= LABEL_CHARS && ++labels >= MIN_LABELS)
      return true;
  }
  return false;
}

/** Whether the document has an interactive form (else no page is asked for its annotations). */
async function hasFormFields(doc: PDFDocumentProxy): Promise<boolean> {
  try {
    return (await doc.getFieldObjects()) !== null;
  } catch {
    // A damaged form dictionary: read each page's widgets as before.
    return true;
  }
}

/** A page read or being recognised, not yet handed on (pages leave in order). */
interface PageInFlight {
  /** The page, once laid out. */
  page?: Page;
  failed?: { error: unknown };
  /** Settles (never rejects) when the page is laid out or has failed. */
  settled: Promise<void>;
}

/**
 * Finished pages that may wait behind a page still being recognised before reading stops:
 * the text pages of a mixed document go on while a scan page is read, within a bound.
 */
const HELD_PAGES = 16;

/**
 * A second handle on the file being read, opened with glyph outlines when the first page is
 * drawn for OCR and kept until the reading document is reopened or done: the reading
 * document has no outlines, and its text would be drawn in the canvas's fallback face.
 */
class DrawingDocument {
  #doc: Promise<PDFDocumentProxy> | undefined;

  constructor(private readonly open: () => Promise<PDFDocumentProxy>) {}

  async page(n: number): Promise<PDFPageProxy> {
    this.#doc ??= this.open();
    return (await this.#doc).getPage(n);
  }

  async close(): Promise<void> {
    const doc = this.#doc;
    this.#doc = undefined;
    // A handle that failed to open has nothing to close (the extraction failed with it).
    await doc?.then(closeDocument, () => undefined);
  }
}

/**
 * The page's scan in grey as the engine reads it, when the page is nothing but one upright
 * image covering it at the resolution OCR reads it at (see `scanImageOf`); else undefined
 * (the page is then drawn, and a page that cannot be read fails there).
 */
async function scanForOcr(
  page: PDFPageProxy,
  content: PageContent,
  opts: ExtractOptions,
  ocr: OcrAdapter,
): Promise<RenderedPage | undefined> {
  try {
    ocr.willDraw?.();
    // The canvas library comes with the first page for OCR whichever way it is made (the next
    // page may need drawing).
    await import('../ocr/render-page.js');
    const { scanImageOf } = await import('../ocr/scan-image.js');
    return await scanImageOf(
      await loadPdfjs(),
      page,
      ocrDpi(content, opts.ocrDpi ?? 300, ocr.minDpi),
    );
  } catch {
    return undefined;
  }
}

/** The page drawn for OCR, or the reason it could not be. */
async function renderForOcr(
  page: PDFPageProxy,
  content: PageContent,
  opts: ExtractOptions,
  ocr: OcrAdapter,
  placements: readonly LargeImagePlacement[] = [],
  large?: LargeImageSource,
): Promise<RenderedPage | Error> {
  try {
    ocr.willDraw?.();
    // The canvas library is loaded only when a page is drawn for OCR.
    const { renderPage, drawReducedImage } = await import('../ocr/render-page.js');
    const vt = page.getViewport({ scale: 1 }).transform;
    const over =
      placements.length && large
        ? async (context: Parameters<typeof drawReducedImage>[0], scale: number) => {
            for (const p of placements) {
              // Decoded at about the size it is drawn at: the resolution OCR reads.
              const w = Math.hypot(p.ctm[0], p.ctm[1]) * scale;
              const h = Math.hypot(p.ctm[2], p.ctm[3]) * scale;
              const image = await large.decode(p, Math.ceil(w), Math.ceil(h));
              drawReducedImage(context, image, p.ctm, vt, scale);
            }
          }
        : undefined;
    return await renderPage(page, ocrDpi(content, opts.ocrDpi ?? 300, ocr.minDpi), over);
  } catch (err) {
    return err instanceof Error ? err : new Error('The page could not be drawn');
  }
}

const SCRIPT_OF_OSD: Record<string, string> = {
  Latin: 'Latin',
  Cyrillic: 'Cyrillic',
  Greek: 'Greek',
  Arabic: 'Arabic',
  Hebrew: 'Hebrew',
  Han: 'Han',
  Hangul: 'Hangul',
  Japanese: 'Hiragana',
  Katakana: 'Hiragana',
  Devanagari: 'Devanagari',
  Thai: 'Thai',
};

async function ocrPage(
  rendered: RenderedPage | Error,
  content: PageContent,
  verdict: PageVerdict,
  opts: ExtractOptions,
  ocr: OcrAdapter,
  warnings: JobWarning[],
): Promise<Page> {
  const empty: Page = { ...layoutPage({ ...content, spans: [], fields: [] }), scanned: true };
  const fail = (code: 'OCR_FAILED' | 'OCR_LANGUAGE_UNAVAILABLE', message: string): Page => {
    warnings.push({ kind: 'ocr_failed', page: content.number, code, message });
    return empty;
  };
  if (rendered instanceof Error) return fail('OCR_FAILED', rendered.message.slice(0, 200));
  try {
    // Look-alike characters do not tell the page's script: OSD does (when no language is declared).
    let orientation: Orientation | undefined;
    if (verdict === 'foreign' && !opts.sourceLanguage)
      orientation = await ocr.orientation(rendered.image);
    const layerScript =
      verdict === 'foreign'
        ? undefined
        : dominantScript(content.spans.map((s) => stripGarbage(s.text)).join(''));
    const script =
      (orientation?.script ? SCRIPT_OF_OSD[orientation.script] : undefined) ?? layerScript;
    const code = opts.sourceLanguage
      ? tesseractCode(opts.sourceLanguage)
      : languageForScript(script);
    if (!code || !ocr.hasLanguage(code)) {
      return fail(
        'OCR_LANGUAGE_UNAVAILABLE',
        `No OCR data is installed for ${opts.sourceLanguage ?? code ?? 'the page language'}`,
      );
    }
    let read = rendered.image;
    let lines = await ocr.recognize(read, code);
    let turn: Turn | 0 = 0;
    // A scan lying sideways or upside down reads as vertical words or with low confidence;
    // only then is OSD asked how to turn it, so upright pages pay nothing for the check.
    if (verdict !== 'text' && looksTurned(lines)) {
      orientation ??= await ocr.orientation(rendered.image);
      if (orientation && orientation.degrees !== 0) {
        turn = orientation.degrees;
        const { readPgm, rotateGrey, toPgm } = await import('../ocr/grey-image.js');
        read = toPgm(rotateGrey(readPgm(rendered.image), turn));
        lines = await ocr.recognize(read, code);
      }
    }
    lines = tidyLines(lines);
    const { markBoldLines } = await import('../ocr/ocr-ink.js');
    await markBoldLines(lines, read);
    const upright = turn
      ? uprightBox(content.width, content.height, turn)
      : { width: content.width, height: content.height };
    // A scan lying a little off level is laid out levelled, where its lines run across, and
    // its blocks are then set back at the scan's angle. (Not a page with form fields: their
    // boxes are the page's own.)
    const skew = turn || content.fields.length === 0 ? skewOf(lines) : 0;
    let spans = wordsToSpans(lines, rendered.scale);
    if (skew) spans = levelSpans(spans, skew, upright.width, upright.height);
    spans = lineBands(
      spans,
      lines.map((l) => l.words.length),
    );
    // Lay the page out as it reads (upright), then put every box back on the page as displayed.
    const laid = layoutPage({
      ...content,
      width: upright.width,
      height: upright.height,
      spans,
      images: [],
      paths: [],
      ...(turn ? { fields: [] } : {}),
    });
    const toPage = (x: number, y: number): [number, number] => {
      const [ux, uy] = pointFromLevel(x, y, skew, upright.width, upright.height);
      return turn ? pointFromUpright(ux, uy, content.width, content.height, turn) : [ux, uy];
    };
    const placed = skew
      ? { ...tiltPage(laid, skew, toPage), width: content.width, height: content.height }
      : turn
        ? fromUpright(laid, content.width, content.height, turn)
        : laid;
    if (!turn) return { ...placed, scanned: true };
    warnings.push({
      kind: 'page_rotated',
      page: content.number,
      message: `The scanned page lies turned; it was read turned ${turn} degrees clockwise`,
    });
    return { ...placed, scanned: true, uprightRotation: turn };
  } catch (err) {
    return fail(
      'OCR_FAILED',
      err instanceof Error ? err.message.slice(0, 200) : 'Text recognition failed',
    );
  }
}
