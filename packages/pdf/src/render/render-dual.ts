import { degrees, PDFDocument, PDFName, type PDFPage } from 'pdf-lib';
import { openPdf } from '../content/index.js';
import { pageGeometry } from './page-geometry.js';

export type DualMode = 'side' | 'alternate';

export interface RenderDualOptions {
  /** `side`: original left, translation right on one wide page (default); `alternate`: original and translated pages interleaved. */
  mode?: DualMode;
  /** Password of an encrypted source. */
  password?: string;
  respectPermissions?: boolean;
}

/**
 * Draws every widget's normal appearance into its page and drops the form, so a page
 * embedded as a picture (side by side) still shows the field values.
 */
function flattenForm(doc: PDFDocument): void {
  const form = doc.getForm();
  if (form.getFields().length === 0) return;
  try {
    form.flatten({ updateFieldAppearances: false });
  } catch {
    // A field pdf-lib cannot flatten keeps its widgets; the page still embeds.
  }
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
export async function renderDualPdf(sourceBytes: Uint8Array, translatedBytes: Uint8Array, opts: RenderDualOptions = {}): Promise<Uint8Array> {
  const mode = opts.mode ?? 'side';
  const source = (await openPdf(sourceBytes, { password: opts.password, respectPermissions: opts.respectPermissions })).doc;
  const translated = (await openPdf(translatedBytes)).doc;
  flattenForm(source);
  flattenForm(translated);
  const out = await PDFDocument.create({ updateMetadata: false });
  const count = Math.min(source.getPageCount(), translated.getPageCount());
  if (mode === 'alternate') {
    const indices = Array.from({ length: count }, (_, i) => i);
    const left = await out.copyPages(source, indices);
    const right = await out.copyPages(translated, indices);
    for (let i = 0; i < count; i++) {
      out.addPage(left[i]!);
      out.addPage(right[i]!);
    }
  } else {
    for (let i = 0; i < count; i++) {
      const a = source.getPage(i);
      const b = translated.getPage(i);
      const ga = pageGeometry(a);
      const gb = pageGeometry(b);
      const [ea] = await out.embedPages([a], [visibleBox(a)]);
      const [eb] = await out.embedPages([b], [visibleBox(b)]);
      const page = out.addPage([ga.width + gb.width, Math.max(ga.height, gb.height)]);
      const pa = placement(a, 0);
      const pb = placement(b, ga.width);
      page.drawPage(ea!, { x: pa.x, y: pa.y + Math.max(0, gb.height - ga.height), rotate: degrees(pa.rotate) });
      page.drawPage(eb!, { x: pb.x, y: pb.y + Math.max(0, ga.height - gb.height), rotate: degrees(pb.rotate) });
    }
  }
  const title = source.getTitle();
  if (title) out.setTitle(title);
  out.catalog.delete(PDFName.of('AcroForm'));
  return out.save({ useObjectStreams: false });
}
