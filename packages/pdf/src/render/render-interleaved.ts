import {
  RTL_LANGUAGES,
  type BBox,
  type Block,
  type LanguageCode,
  type LayoutDocument,
} from '@docat/contracts';
import { PDFDocument, PDFHexString, PDFName, type PDFRef } from 'pdf-lib';
import {
  appendContent,
  name,
  num,
  openPdf,
  pageContentBytes,
  type ContentOp,
  type PdfFile,
} from '../content/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { writeOutline, type OutlineItem } from './dual-navigation.js';
import type { PlacedLine } from './block-setter.js';
import { condensedScale, sourceStyle } from './block-style.js';
import { wrapText } from './line-breaker.js';
import { pageGeometry } from './page-geometry.js';
import { FontSet, paintLines } from './text-painter.js';
import { TextShaper } from './text-shaper.js';
import { textOf, type RenderText } from './render-translated.js';
import { renderCheckpoint } from './render-stop.js';

export interface RenderInterleavedOptions {
  targetLanguage: string;
  /** Language of the source text when the layout does not say (used to pick its fonts). */
  sourceLanguage?: string;
  fonts?: FontLibrary;
  password?: string;
  respectPermissions?: boolean;
  /** Stops the render between source pages; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Block types that do not read as sentences: shown as they are drawn in the source. */
const PICTURED = new Set<Block['type']>(['figure', 'formula']);
/** Running heads and page numbers mean nothing in a reflowed document. */
const LEFT_OUT = new Set<Block['type']>(['header', 'footer']);

const BODY_SIZE = 10;
const HEADING_SIZES = [16, 13.5, 12, 11, 10.5, 10];
const LINE_SPACING = 1.3;
const SOURCE_COLOUR: [number, number, number] = [0.1, 0.1, 0.1];
const TRANSLATION_COLOUR: [number, number, number] = [0.05, 0.25, 0.55];
const RULE_COLOUR: [number, number, number] = [0.55, 0.68, 0.85];
const MUTED: [number, number, number] = [0.5, 0.5, 0.5];
/** Indent of a translation under its source paragraph, with a rule in its margin. */
const TRANSLATION_INDENT = 10;

const r2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * The interleaved bilingual PDF: a new document, reflowed on pages of the source's first
 * page size, where each source paragraph (heading, list item, caption, table) is followed
 * by its translation, indented under a blue rule. Figures and formulas are shown as drawn
 * in the source (its page content clipped to their box), code as it is, running heads
 * left out; a grey marker starts each source page.
 */
export async function renderInterleavedPdf(
  sourceBytes: Uint8Array,
  layout: LayoutDocument,
  translations: ReadonlyMap<string, RenderText>,
  opts: RenderInterleavedOptions,
): Promise<Uint8Array> {
  const source = await openPdf(sourceBytes, {
    password: opts.password,
    respectPermissions: opts.respectPermissions,
  });
  const doc = await PDFDocument.create({ updateMetadata: false });
  const out: PdfFile = {
    doc,
    get pageCount() {
      return doc.getPageCount();
    },
    encryption: null,
    cache: new Map(),
  };
  const library = opts.fonts ?? new FontLibrary();
  const fonts = new FontSet(library, doc.context);
  const sourceLanguage = layout.language ?? opts.sourceLanguage ?? 'en';
  const first = layout.pages[0];
  const pageW = first?.width ?? 595;
  const pageH = first?.height ?? 842;
  const margin = Math.max(36, Math.round(pageW * 0.09));
  const width = pageW - 2 * margin;
  const shapers = new Map<string, TextShaper>();
  const shaperOf = (
    language: string,
    style: ReturnType<typeof sourceStyle>,
    bold: boolean,
    widthScale: number,
  ): TextShaper => {
    const key = `${language}|${style.design}|${bold}|${style.italic}|${widthScale}`;
    let s = shapers.get(key);
    const rtl = RTL_LANGUAGES.has(language as LanguageCode);
    if (!s)
      shapers.set(
        key,
        (s = new TextShaper(
          library,
          language,
          { design: style.design, bold, italic: style.italic },
          rtl ? 'rtl' : 'ltr',
          widthScale,
        )),
      );
    return s;
  };
  // A block set in a condensed face is set as narrow as in the translated PDF (see
  // `condensedScale`): its source text and its translation alike.
  const widthScales = new Map<Block, number>();
  const shaper = (language: string, block: Block, bold: boolean): TextShaper => {
    const style = sourceStyle(block);
    let widthScale = widthScales.get(block);
    if (widthScale === undefined) {
      const plain = shaperOf(opts.targetLanguage, style, style.bold, 1);
      widthScale = condensedScale(block.lines, (t) => plain.measure(t));
      widthScales.set(block, widthScale);
    }
    return shaperOf(language, style, bold || style.bold, widthScale);
  };

  // Each heading where it is set: the document's bookmarks, in the target language.
  const marks: OutlineMark[] = [];
  // Pages are written as they fill: the current one's operations and resources.
  let ops: ContentOp[] = [];
  let fontRes: Record<string, PDFRef> = {};
  let formRes: Record<string, PDFRef> = {};
  let y = margin;
  let started = false;
  const flush = (): void => {
    if (!started) return;
    const index = doc.getPageCount() - 1;
    appendContent(out, index, ops, { Font: fontRes, XObject: formRes });
    ops = [];
    fontRes = {};
    formRes = {};
  };
  const newPage = (): void => {
    flush();
    doc.addPage([pageW, pageH]);
    started = true;
    y = margin;
  };
  const room = (h: number): void => {
    if (!started || y + h > pageH - margin) newPage();
  };

  const setText = (
    text: string,
    s: TextShaper,
    size: number,
    colour: [number, number, number],
    indent: number,
    rule: boolean,
  ): void => {
    const w = width - indent;
    const lines = wrapText(text.replace(/\s+/gu, ' ').trim(), (w * 1.005) / size, (t) =>
      s.measure(t),
    );
    const placed: PlacedLine[] = [];
    const flushLines = (): void => {
      if (placed.length === 0) return;
      const painted = paintLines(placed, size, colour, fonts);
      ops.push(...painted.ops);
      for (const [resource, font] of painted.fonts) fontRes[resource] = font.ref;
      placed.length = 0;
    };
    for (const line of lines) {
      if (started && y + size * LINE_SPACING > pageH - margin) {
        flushLines();
        newPage();
      }
      room(size * LINE_SPACING);
      const shaped = s.shapeLine(line);
      const lineWidth = shaped.width * size;
      const x = s.baseDirection === 'rtl' ? margin + width - lineWidth : margin + indent;
      placed.push({
        shaped,
        x,
        baseline: pageH - (y + size * 0.85),
        extraPerSpace: 0,
        extraPerGlyph: 0,
      });
      if (rule) {
        const rx = s.baseDirection === 'rtl' ? margin + width + 4 : margin + indent - 6;
        ops.push(
          { op: 'q', operands: [] },
          { op: 'RG', operands: RULE_COLOUR.map(num) },
          { op: 'w', operands: [num(1.5)] },
        );
        ops.push(
          { op: 'm', operands: [num(r2(rx)), num(r2(pageH - y + 1))] },
          { op: 'l', operands: [num(r2(rx)), num(r2(pageH - y - size * LINE_SPACING + 1))] },
          { op: 'S', operands: [] },
          { op: 'Q', operands: [] },
        );
      }
      y += size * LINE_SPACING;
    }
    flushLines();
  };

  // One form per source page that has pictures: its content, drawn clipped to each picture.
  const pageForms = new Map<number, PDFRef>();
  const formOf = async (pageNumber: number): Promise<PDFRef> => {
    let ref = pageForms.get(pageNumber);
    if (ref) return ref;
    const index = pageNumber - 1;
    const [copied] = await doc.copyPages(source.doc, [index]);
    const resources = copied!.node.get(PDFName.of('Resources'));
    const page = source.doc.getPage(index);
    const media = page.getMediaBox();
    const form = doc.context.flateStream(pageContentBytes(source, index), {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [media.x, media.y, media.x + media.width, media.y + media.height],
      ...(resources ? { Resources: resources } : {}),
    });
    ref = doc.context.register(form);
    pageForms.set(pageNumber, ref);
    return ref;
  };
  const picture = async (pageNumber: number, box: BBox): Promise<void> => {
    if (pageNumber < 1 || pageNumber > source.pageCount) return;
    const geometry = pageGeometry(source.doc.getPage(pageNumber - 1));
    const bw = box[2] - box[0];
    const bh = box[3] - box[1];
    if (bw <= 1 || bh <= 1) return;
    const scale = Math.min(1, width / bw, (pageH - 2 * margin) / bh);
    room(bh * scale + 6);
    const form = await formOf(pageNumber);
    const resource = `DcP${pageNumber}`;
    formRes[resource] = form;
    // Displayed box -> its place here (drawing space, y up), through the page's user space.
    const x0 = margin + (width - bw * scale) / 2;
    const top = pageH - y;
    // User space -> displayed (top-left, y down) -> placed (drawing space, scaled).
    const d = geometry.toDisplay;
    const m = [
      d[0] * scale,
      -d[1] * scale,
      d[2] * scale,
      -d[3] * scale,
      (d[4] - box[0]) * scale + x0,
      top - (d[5] - box[1]) * scale,
    ];
    ops.push({ op: 'q', operands: [] });
    ops.push(
      { op: 're', operands: [x0, top - bh * scale, bw * scale, bh * scale].map((v) => num(r2(v))) },
      { op: 'W', operands: [] },
      { op: 'n', operands: [] },
    );
    ops.push({ op: 'cm', operands: m.map((v) => num(Math.round(v * 1e6) / 1e6)) });
    ops.push({ op: 'Do', operands: [name(resource)] });
    ops.push({ op: 'Q', operands: [] });
    y += bh * scale + 6;
  };

  for (const page of layout.pages) {
    await renderCheckpoint(opts.signal);
    const blocks = [...page.blocks]
      .filter((b) => !LEFT_OUT.has(b.type))
      .sort((a, b) => a.order - b.order);
    if (blocks.length === 0) continue;
    const marker = `— ${page.number} —`;
    room(BODY_SIZE * 3);
    const markerStyle = sourceStyle(blocks[0]!);
    setText(marker, shaperOf('en', markerStyle, markerStyle.bold, 1), 7, MUTED, 0, false);
    y += 4;
    for (const block of blocks) {
      if (PICTURED.has(block.type)) {
        await picture(page.number, block.bbox);
        y += 4;
        continue;
      }
      const heading = block.type === 'heading';
      const size = heading
        ? HEADING_SIZES[Math.min(5, (block.level ?? 2) - 1)]!
        : block.type === 'caption' || block.type === 'code'
          ? BODY_SIZE - 1
          : BODY_SIZE;
      const language = block.language ?? sourceLanguage;
      if (block.type === 'code') {
        for (const line of block.lines)
          setText(
            line.spans.map((s) => s.text).join(''),
            shaper(language, block, false),
            size,
            SOURCE_COLOUR,
            0,
            false,
          );
        y += size * 0.6;
        continue;
      }
      const { text, translation } = textsOf(block, translations);
      if (text.trim() === '') continue;
      room(size * LINE_SPACING * 2);
      if (heading)
        marks.push({
          level: block.level ?? 2,
          title: (translation ?? text).replace(/\s+/gu, ' ').trim(),
          page: doc.getPageCount() - 1,
          top: pageH - y,
        });
      setText(text, shaper(language, block, heading), size, SOURCE_COLOUR, 0, false);
      if (translation !== undefined) {
        y += size * 0.25;
        setText(
          translation,
          shaper(opts.targetLanguage, block, heading),
          size,
          TRANSLATION_COLOUR,
          TRANSLATION_INDENT,
          true,
        );
      }
      y += size * (heading ? 0.5 : 0.8);
    }
  }
  if (!started) newPage();
  flush();
  addOutline(doc, marks);
  await fonts.write();
  const title = source.doc.getTitle();
  if (title) doc.setTitle(title);
  await renderCheckpoint(opts.signal);
  return doc.save({ useObjectStreams: false });
}

/** A block's source text and its translation (a table translated cell by cell: row by row). */
interface OutlineMark {
  level: number;
  title: string;
  /** 0-based page index and the heading's top, in points from the page's foot. */
  page: number;
  top: number;
}

/** Bookmarks for the headings, nested by level, each opening its page at the heading. */
function addOutline(doc: PDFDocument, marks: readonly OutlineMark[]): void {
  const top: OutlineItem[] = [];
  const stack: { level: number; item: OutlineItem }[] = [];
  for (const mark of marks) {
    const item: OutlineItem = {
      ref: doc.context.nextRef(),
      dict: doc.context.obj({
        Title: PDFHexString.fromText(mark.title),
        Dest: [doc.getPage(mark.page).ref, PDFName.of('XYZ'), null, mark.top, null],
      }),
      children: [],
      open: true,
    };
    while (stack.length > 0 && stack[stack.length - 1]!.level >= mark.level) stack.pop();
    (stack.length > 0 ? stack[stack.length - 1]!.item.children : top).push(item);
    stack.push({ level: mark.level, item });
  }
  writeOutline(doc, top);
}

function textsOf(
  block: Block,
  translations: ReadonlyMap<string, RenderText>,
): { text: string; translation?: string } {
  const whole = plainOf(translations.get(block.id));
  if (whole !== undefined)
    return whole.trim() !== '' && whole.trim() !== block.text.trim()
      ? { text: block.text, translation: whole }
      : { text: block.text };
  if (block.type !== 'table' || !block.cells || block.cells.length === 0)
    return { text: block.text };
  const rows = new Map<number, { src: string[]; dst: string[] }>();
  let changed = false;
  block.cells.forEach((cell, i) => {
    const row = rows.get(cell.row) ?? { src: [], dst: [] };
    rows.set(cell.row, row);
    const t = plainOf(translations.get(`${block.id}#${i}`));
    if (t !== undefined && t.trim() !== '' && t !== cell.text) changed = true;
    row.src.push(cell.text);
    row.dst.push(t ?? cell.text);
  });
  const ordered = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  const text = ordered.map((r) => r.src.join(' · ')).join(' / ');
  return changed
    ? { text, translation: ordered.map((r) => r.dst.join(' · ')).join(' / ') }
    : { text };
}

function plainOf(t: RenderText | undefined): string | undefined {
  return t === undefined ? undefined : textOf(t);
}
