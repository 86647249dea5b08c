import {
  concatTransformationMatrix,
  drawObject,
  popGraphicsState,
  pushGraphicsState,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFStream,
  type PDFContext,
  type PDFObject,
  type PDFPage,
  PDFRef,
} from 'pdf-lib';
import {
  appendContent,
  name,
  num,
  openPdf,
  pageContentBytes,
  type ContentOp,
  type Matrix,
  type PdfFile,
} from '../content/index.js';
import { IDENTITY, multiply, transformBox } from '../content/matrix.js';
import type { LayoutDocument } from '@docat/contracts';
import type { FontLibrary } from '../fonts/font-library.js';
import { pageGeometry } from './page-geometry.js';
import { renderInterleavedPdf } from './render-interleaved.js';
import { removeActiveContent } from './active-content.js';
import { carryLinks, carryOutline, detachLinks, type PagePlacement } from './dual-navigation.js';
import { type RenderText } from './render-translated.js';
import { renderCheckpoint } from './render-stop.js';

export type DualMode = 'side' | 'alternate' | 'interleaved';

export interface RenderDualOptions {
  /**
   * `side`: original left, translation right on one wide page (default); `alternate`:
   * original and translated pages in turn; `interleaved`: a reflowed document, each source
   * paragraph followed by its translation (needs `plan`).
   */
  mode?: DualMode;
  /** What the translation was rendered from: the `interleaved` mode sets its text anew. */
  plan?: {
    layout: LayoutDocument;
    translations: ReadonlyMap<string, RenderText>;
    targetLanguage: string;
    fonts?: FontLibrary;
  };
  /** Password of an encrypted source. */
  password?: string;
  respectPermissions?: boolean;
  /**
   * The source pages (1-based) the translated document's pages are, in order, when it
   * holds only some of them; the bilingual PDF then holds just those pages.
   */
  sourcePages?: readonly number[];
  /** Keep the original's scripts, actions and embedded files (as `RenderTranslatedOptions.keepActiveContent`). */
  keepActiveContent?: boolean;
  /** Stops the render between its steps (and pages, interleaved); it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Draws every visible widget's normal appearance (and with `annotations`, every other
 * visible annotation's but links' and pop-ups') into its page's content and drops them and
 * the form, so a page embedded as a picture (side by side) still shows the field values.
 * Done by hand: pdf-lib's flatten stops at the first widget without an appearance, and
 * real forms have many.
 */
function flattenForm(file: PdfFile, annotations = false): void {
  const doc = file.doc;
  const context = doc.context;
  doc.getPages().forEach((page, pageIndex) => {
    const annots = page.node.lookup(PDFName.of('Annots'));
    if (!(annots instanceof PDFArray)) return;
    const kept: PDFObject[] = [];
    const ops: ContentOp[] = [];
    const xobjects: Record<string, PDFObject> = {};
    for (const item of annots.asArray()) {
      const annot = context.lookup(item);
      const subtype = annot instanceof PDFDict ? annot.get(PDFName.of('Subtype')) : undefined;
      const drawn =
        subtype === PDFName.of('Widget') ||
        (annotations &&
          subtype instanceof PDFName &&
          subtype !== PDFName.of('Link') &&
          subtype !== PDFName.of('Popup'));
      if (!(annot instanceof PDFDict) || !drawn) {
        kept.push(item);
        continue;
      }
      const flags = numberOf(annot.lookup(PDFName.of('F'))) ?? 0;
      const appearance = normalAppearance(context, annot);
      const rect = annot.lookup(PDFName.of('Rect'));
      // Hidden (2) and NoView (32) annotations are not shown on screen.
      if ((flags & 34) !== 0 || !appearance || !(rect instanceof PDFArray)) continue;
      const [rx0, ry0, rx1, ry1] = normalised(
        rect.asArray().map((v) => numberOf(context.lookup(v)) ?? 0),
      );
      const bboxArray = appearance.stream.dict.lookup(PDFName.of('BBox'));
      const matrixArray = appearance.stream.dict.lookup(PDFName.of('Matrix'));
      if (!(bboxArray instanceof PDFArray)) continue;
      const [bx0, by0, bx1, by1] = bboxArray
        .asArray()
        .map((v) => numberOf(context.lookup(v)) ?? 0) as [number, number, number, number];
      const m = (
        matrixArray instanceof PDFArray
          ? matrixArray.asArray().map((v) => numberOf(context.lookup(v)) ?? 0)
          : [1, 0, 0, 1, 0, 0]
      ) as Matrix;
      // PDF 2.0, 12.5.5: the transformed BBox is fitted to Rect.
      const [tx0, ty0, tx1, ty1] = transformBox(m, bx0, by0, bx1, by1);
      if (tx1 - tx0 <= 0 || ty1 - ty0 <= 0) continue;
      const sx = (rx1 - rx0) / (tx1 - tx0);
      const sy = (ry1 - ry0) / (ty1 - ty0);
      const resource = `DcW${Object.keys(xobjects).length}`;
      xobjects[resource] = appearance.ref;
      ops.push({ op: 'q', operands: [] });
      ops.push({
        op: 'cm',
        operands: [sx, 0, 0, sy, rx0 - tx0 * sx, ry0 - ty0 * sy].map((v) =>
          num(Math.round(v * 1e6) / 1e6),
        ),
      });
      ops.push({ op: 'Do', operands: [name(resource)] });
      ops.push({ op: 'Q', operands: [] });
    }
    if (ops.length > 0) {
      appendContent(file, pageIndex, ops, { XObject: xobjects });
    }
    page.node.set(PDFName.of('Annots'), context.obj(kept));
  });
  doc.catalog.delete(PDFName.of('AcroForm'));
}

function numberOf(v: PDFObject | undefined): number | undefined {
  return v instanceof PDFNumber ? v.asNumber() : undefined;
}

function normalised(r: number[]): [number, number, number, number] {
  return [
    Math.min(r[0]!, r[2]!),
    Math.min(r[1]!, r[3]!),
    Math.max(r[0]!, r[2]!),
    Math.max(r[1]!, r[3]!),
  ];
}

/** The widget's normal appearance stream (by its appearance state when there are several). */
function normalAppearance(
  context: PDFContext,
  annot: PDFDict,
): { ref: PDFObject; stream: PDFStream } | undefined {
  const ap = annot.lookup(PDFName.of('AP'));
  if (!(ap instanceof PDFDict)) return undefined;
  let n = ap.get(PDFName.of('N'));
  const resolved = n ? context.lookup(n) : undefined;
  if (resolved instanceof PDFDict && !(resolved instanceof PDFStream)) {
    const state = annot.lookup(PDFName.of('AS'));
    n = state instanceof PDFName ? resolved.get(state) : undefined;
  }
  if (!n) return undefined;
  const stream = context.lookup(n);
  return stream instanceof PDFStream ? { ref: n, stream } : undefined;
}

/**
 * Each page of `file` as a form XObject of `out` (its content, its visible box as BBox,
 * its resources copied once for the whole document).
 */
async function pagesAsForms(out: PDFDocument, file: PdfFile, indices: number[]): Promise<PDFRef[]> {
  const copied = await out.copyPages(file.doc, indices);
  return indices.map((index, i) => {
    const box = visibleBox(file.doc.getPage(index));
    const resources = copied[i]!.node.get(PDFName.of('Resources'));
    const form = out.context.flateStream(pageContentBytes(file, index), {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [box.left, box.bottom, box.right, box.top],
      Matrix: [1, 0, 0, 1, -box.left, -box.bottom],
      ...(resources ? { Resources: resources } : {}),
    });
    // The copied page itself is not used: only its resources are. Its content streams
    // and its dictionary would otherwise be written out unreferenced.
    const contents = copied[i]!.node.get(PDFName.of('Contents'));
    const streams = contents instanceof PDFArray ? contents.asArray() : contents ? [contents] : [];
    for (const ref of streams) if (ref instanceof PDFRef) out.context.delete(ref);
    out.context.delete(copied[i]!.ref);
    return out.context.register(form);
  });
}

/**
 * Draws the form of `source` (made by `pagesAsForms`) on `page`; returns the map from the
 * source page's user space to `page`'s.
 */
function drawForm(
  page: PDFPage,
  form: PDFRef,
  source: PDFPage,
  at: { x: number; y: number; rotate: number },
  lift: number,
): Matrix {
  const resource = page.node.newXObject('DcPage', form);
  const r = (at.rotate * Math.PI) / 180;
  const [cos, sin] = [Math.cos(r), Math.sin(r)].map((v) => Math.round(v * 1e9) / 1e9) as [
    number,
    number,
  ];
  page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(cos, sin, -sin, cos, at.x, at.y + lift),
    drawObject(resource),
    popGraphicsState(),
  );
  const box = visibleBox(source);
  return multiply([1, 0, 0, 1, -box.left, -box.bottom], [cos, sin, -sin, cos, at.x, at.y + lift]);
}

/** The crop box clipped to the media box: what a viewer shows of the page. */
function visibleBox(page: PDFPage): { left: number; bottom: number; right: number; top: number } {
  const c = page.getCropBox();
  const m = page.getMediaBox();
  return {
    left: Math.max(c.x, m.x),
    bottom: Math.max(c.y, m.y),
    right: Math.min(c.x + c.width, m.x + m.width),
    top: Math.min(c.y + c.height, m.y + m.height),
  };
}

/** Degrees and offsets that draw an embedded page upright, as it is displayed. */
function placement(page: PDFPage, x: number): { x: number; y: number; rotate: number } {
  const g = pageGeometry(page);
  switch (g.rotation) {
    case 90:
      return { x, y: g.height, rotate: -90 };
    case 180:
      return { x: x + g.width, y: g.height, rotate: 180 };
    case 270:
      return { x: x + g.width, y: 0, rotate: 90 };
    default:
      return { x, y: 0, rotate: 0 };
  }
}

/**
 * The bilingual PDF. `side`: each original page and its translation share one page,
 * the untouched original on the left; `alternate`: original page, then its translation.
 * Form fields are flattened to their appearance first so both sides show them.
 */
export async function renderDualPdf(
  sourceBytes: Uint8Array,
  translatedBytes: Uint8Array,
  opts: RenderDualOptions = {},
): Promise<Uint8Array> {
  const mode = opts.mode ?? 'side';
  if (mode === 'interleaved') {
    if (!opts.plan)
      throw new Error(
        'the interleaved bilingual PDF needs the layout and translations it is made from',
      );
    const { layout, translations, targetLanguage, fonts } = opts.plan;
    // A page-range job's layout holds only its pages: the reflowed document follows it.
    return renderInterleavedPdf(sourceBytes, layout, translations, {
      targetLanguage,
      ...(fonts ? { fonts } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.respectPermissions !== undefined
        ? { respectPermissions: opts.respectPermissions }
        : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }
  await renderCheckpoint(opts.signal);
  const sourceFile = await openPdf(sourceBytes, {
    password: opts.password,
    respectPermissions: opts.respectPermissions,
  });
  const translatedFile = await openPdf(translatedBytes);
  await renderCheckpoint(opts.signal);
  // Side by side, each page is drawn as a picture of itself, which shows no annotations:
  // notes, highlights and stamps are drawn into it as they appear. Alternating pages keep
  // them as annotations (a note still opens).
  flattenForm(sourceFile, mode === 'side');
  flattenForm(translatedFile, mode === 'side');
  const source = sourceFile.doc;
  const translated = translatedFile.doc;
  const out = await PDFDocument.create({ updateMetadata: false });
  const sourceIndices = (
    opts.sourcePages ?? Array.from({ length: source.getPageCount() }, (_, i) => i + 1)
  )
    .map((p) => p - 1)
    .filter((i) => i >= 0 && i < source.getPageCount());
  const count = Math.min(sourceIndices.length, translated.getPageCount());
  sourceIndices.length = count;
  const indices = Array.from({ length: count }, (_, i) => i);
  // Links are taken off the pages before they are copied (their targets point into the
  // inputs) and put back where each page lands; the outline is rebuilt the same way.
  const sourceLinks = sourceIndices.map((i) => detachLinks(source, source.getPage(i)));
  const translatedLinks = indices.map((i) => detachLinks(translated, translated.getPage(i)));
  const sourcePlaced = new Map<string, PagePlacement>();
  const translatedPlaced = new Map<string, PagePlacement>();
  const outlinePlaced = new Map<string, PagePlacement>();
  if (mode === 'alternate') {
    const left = await out.copyPages(source, sourceIndices);
    await renderCheckpoint(opts.signal);
    const right = await out.copyPages(translated, indices);
    for (let i = 0; i < count; i++) {
      out.addPage(left[i]!);
      out.addPage(right[i]!);
      const a = source.getPage(sourceIndices[i]!).ref.toString();
      const b = translated.getPage(i).ref.toString();
      sourcePlaced.set(a, { page: left[i]!, toOut: IDENTITY });
      translatedPlaced.set(b, { page: right[i]!, toOut: IDENTITY });
      // A bookmark opens the original page, which its translation follows.
      outlinePlaced.set(b, { page: left[i]!, toOut: IDENTITY });
    }
  } else {
    // One copy per document: pages of one file share their fonts and images, which
    // embedding each page on its own would duplicate.
    const left = await pagesAsForms(out, sourceFile, sourceIndices);
    await renderCheckpoint(opts.signal);
    const right = await pagesAsForms(out, translatedFile, indices);
    for (let i = 0; i < count; i++) {
      const a = source.getPage(sourceIndices[i]!);
      const b = translated.getPage(i);
      const ga = pageGeometry(a);
      const gb = pageGeometry(b);
      const page = out.addPage([ga.width + gb.width, Math.max(ga.height, gb.height)]);
      const toLeft = drawForm(
        page,
        left[i]!,
        a,
        placement(a, 0),
        Math.max(0, gb.height - ga.height),
      );
      const toRight = drawForm(
        page,
        right[i]!,
        b,
        placement(b, ga.width),
        Math.max(0, ga.height - gb.height),
      );
      sourcePlaced.set(a.ref.toString(), { page, toOut: toLeft });
      translatedPlaced.set(b.ref.toString(), { page, toOut: toRight });
      // A bookmark opens the wide page at its place in the original (same coordinates).
      outlinePlaced.set(b.ref.toString(), { page, toOut: toLeft });
    }
  }
  for (let i = 0; i < count; i++) {
    const sourcePage = sourcePlaced.get(source.getPage(sourceIndices[i]!).ref.toString())!;
    const translatedPage = translatedPlaced.get(translated.getPage(i).ref.toString())!;
    carryLinks(source, sourceLinks[i]!, sourcePage, sourcePlaced, out);
    carryLinks(translated, translatedLinks[i]!, translatedPage, translatedPlaced, out);
  }
  // The translated PDF keeps the original's outline (dropped with a page range).
  carryOutline(translated, outlinePlaced, out);
  const title = source.getTitle();
  if (title) out.setTitle(title);
  out.catalog.delete(PDFName.of('AcroForm'));
  if (!opts.keepActiveContent) removeActiveContent(out);
  await renderCheckpoint(opts.signal);
  return out.save({ useObjectStreams: false });
}
