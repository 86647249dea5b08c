import {
  RTL_LANGUAGES,
  type BBox,
  type Block,
  type InlineMark,
  type JobWarning,
  type LanguageCode,
  type LayoutDocument,
  type Line,
} from '@docat/contracts';
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFString,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import {
  appendContent,
  decorationsIn,
  interpretPage,
  num,
  openPdf,
  removeDecorations,
  removeFills,
  removeText,
  savePdf,
  type ContentOp,
  type GlyphRun,
} from '../content/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { withoutSubsetTag } from '../fonts/font-name.js';
import {
  blockHeight,
  LINE_BOX,
  lineCount,
  setBlock,
  type BlockSetting,
  type PlacedLine,
  type SetOptions,
  type StyledStretch,
} from './block-setter.js';
import { mathStretches } from './inline-math.js';
import {
  footClear,
  FreeSpace,
  InkMaps,
  leaderDots,
  rowsOf,
  shrinkToCentre,
  type InkMap,
} from './free-space.js';
import { keepPages } from './page-subset.js';
import { translateDocumentTitle, translateOutlineTitles } from './outline-titles.js';
import {
  columnRuns,
  crosses,
  holdsObstacle,
  largestFittingScale,
  type FlowCandidate,
} from './column-flow.js';
import { removeActiveContent } from './active-content.js';
import {
  columnAlignment,
  condensedScale,
  ocrCheckedSize,
  parseColor,
  resized,
  sourceStyle,
  type SourceStyle,
} from './block-style.js';
import { sampleBackgrounds } from './page-background.js';
import { invert } from '../content/matrix.js';
import { mapBox, pageGeometry, type PageGeometry } from './page-geometry.js';
import { backgroundOps, FontSet, paintLines } from './text-painter.js';
import { frameBoxToPage, pageBoxToFrame } from '../layout/rotated-text.js';
import { TextShaper } from './text-shaper.js';
import { renderCheckpoint } from './render-stop.js';
import { edgeSymbols, edgeText, isSymbolGlyph, withoutSymbols } from './edge-symbols.js';
import {
  decorationOps,
  itemDecorations,
  type Redraw,
  type SetStretch,
} from './text-decorations.js';

export interface RenderTranslatedOptions {
  /** BCP 47 tag of the translation (`ja`, `zh-Hant`, `ar`...). */
  targetLanguage: string;
  /** Password of an encrypted source. The output is never encrypted. */
  password?: string;
  respectPermissions?: boolean;
  /** Smallest font size as a share of the source size before a block overflows. Default 0.6. */
  minScale?: number;
  /** Share loaded fonts between calls (they are large); one is made per call otherwise. */
  fonts?: FontLibrary;
  /** Pages (1-based) the output holds, in document order; every page when absent. */
  pages?: readonly number[];
  /** Told as each page of the layout is done, and once at the end. */
  onPage?: (done: number, total: number) => void;
  /**
   * Keep the source's scripts, OpenAction, additional actions, launch actions and
   * embedded files. Off by default: they are removed (see `removeActiveContent`).
   */
  keepActiveContent?: boolean;
  /** Stops the render between pages; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RenderStats {
  pages: number;
  /** Blocks whose text was replaced. */
  translatedBlocks: number;
  overflowBlocks: number;
  /** Characters no font could draw (left out). */
  missingChars: number;
  glyphs: number;
  /** Embedded subset fonts and how many glyphs each carries. */
  fonts: { name: string; glyphs: number }[];
}

export interface RenderTranslatedResult {
  bytes: Uint8Array;
  warnings: JobWarning[];
  stats: RenderStats;
  /** Where and how each translated block (or table cell) was set: what the fidelity report checks. */
  placements: BlockPlacement[];
}

/** One block (or table cell) whose translation was set, as the fidelity report reads it. */
export interface BlockPlacement {
  page: number;
  blockId: string;
  order: number;
  cell?: number;
  /** The source box (layout coordinates). */
  box: BBox;
  /** The box of the lines as set (layout coordinates); past `box` when they overflow or widen. */
  lines: BBox[];
  sourceSize: number;
  size: number;
  overflow: boolean;
  /** Characters no font could draw. */
  missing: string;
  /** The source text's font, and the embedded fonts the translation is set in. */
  sourceFont: string;
  fonts: string[];
  /**
   * For text set at an angle: the lines in its frame, where they run left to right (the
   * page's `lines` are their upright bounds, larger than the tilted lines themselves).
   * Blocks turned by the same angle share the frame, so their lines compare there.
   */
  frame?: { angle: number; lines: BBox[] };
}

/** Block types whose content is not running text: it stays exactly where it was. */
const NEVER_SET = new Set<Block['type']>(['figure', 'form_field', 'formula', 'code']);

/** Key of a table cell's translation in the translations map. */
export function cellKey(blockId: string, cellIndex: number): string {
  return `${blockId}#${cellIndex}`;
}

/** A translation, with the inline styles (bold, italic, links, colour) of its text when it has any. */
export type RenderText = string | { text: string; marks?: readonly InlineMark[] };

/** The plain text of a translation given to the renderer (its inline marks dropped). */
export function textOf(t: RenderText): string {
  return typeof t === 'string' ? t : t.text;
}

function marksOf(t: RenderText): readonly InlineMark[] {
  return typeof t === 'string' ? [] : (t.marks ?? []);
}

interface Item {
  block: Block;
  cell?: number;
  box: BBox;
  lines: Line[];
  text: string;
  translation: string;
  marks: readonly InlineMark[];
  style: SourceStyle;
  /** Most of the source text is not shown (render mode 3, clipped, or in its background's colour). */
  hidden: boolean;
}

/** Whether most of the characters of these lines are text the source does not show. */
function mostlyHidden(lines: readonly Line[]): boolean {
  let hidden = 0;
  let all = 0;
  for (const line of lines) {
    for (const span of line.spans) {
      const n = span.text.trim().length;
      all += n;
      if (span.hidden) hidden += n;
    }
  }
  return all > 0 && hidden * 2 > all;
}

function itemsOf(
  block: Block,
  translations: ReadonlyMap<string, RenderText>,
  pageWidth: number,
): Item[] {
  // A figure's translated labels (its cells) are set; the figure itself never is.
  if (NEVER_SET.has(block.type) && !(block.type === 'figure' && block.cells)) return [];
  const entry = block.type === 'figure' ? undefined : translations.get(block.id);
  if (entry !== undefined) {
    const whole = textOf(entry);
    if (whole.trim() === block.text.trim() || whole.trim() === '') return [];
    return [
      {
        block,
        box: block.bbox,
        lines: block.lines,
        text: block.text,
        translation: whole,
        marks: marksOf(entry),
        style: sourceStyle(block, pageWidth),
        hidden: mostlyHidden(block.lines),
      },
    ];
  }
  if ((block.type !== 'table' && block.type !== 'figure') || !block.cells) return [];
  const items: Item[] = [];
  // Each column's alignment, worked out once for all its cells.
  const columns = new Map<number, ReturnType<typeof columnAlignment>>();
  const alignmentOf = (col: number) => {
    if (!columns.has(col)) columns.set(col, columnAlignment(block.cells!, col));
    return columns.get(col);
  };
  block.cells.forEach((cell, i) => {
    const e = translations.get(cellKey(block.id, i));
    if (e === undefined) return;
    const t = textOf(e);
    if (t.trim() === cell.text.trim() || t.trim() === '') return;
    const inside = block.lines.filter((l) => centreInside(l.bbox, cell.bbox));
    const sub: Block = { ...block, bbox: cell.bbox, lines: inside, text: cell.text };
    const style = sourceStyle(sub);
    // A cell of one line takes its column's alignment: a translation longer than a figure
    // set flush right grows to the left, where its column leaves room.
    const column = block.type === 'table' ? alignmentOf(cell.col) : undefined;
    if (column && rowsOf(inside) <= 1) style.align = column;
    items.push({
      block,
      cell: i,
      box: cell.bbox,
      lines: inside.length > 0 ? inside : [{ bbox: cell.bbox, spans: [] }],
      text: cell.text,
      translation: t,
      marks: marksOf(e),
      style,
      hidden: mostlyHidden(inside),
    });
  });
  return items;
}

/**
 * The boxes of the fills behind some of an item's words (`Span.background`), when they
 * can move with the translation: the item is set upright and shown, and its translation
 * kept every background mark the source had (a lost mark would lose its fill).
 */
function movableFills(item: Item, scanned: boolean): BBox[] {
  if (scanned || item.hidden || frameOf(item)) return [];
  const source = item.cell === undefined ? item.block.marks : item.block.cells?.[item.cell]?.marks;
  const had = (source ?? []).filter((m) => m.background).length;
  const kept = item.marks.filter((m) => m.background).length;
  if (had === 0 || kept < had) return [];
  const boxes: BBox[] = [];
  for (const line of item.lines)
    for (const span of line.spans) {
      const b = span.background?.bbox;
      if (b && !boxes.some((x) => x.every((v, i) => v === b[i]))) boxes.push(b);
    }
  return boxes;
}

function centreInside(b: BBox, r: BBox): boolean {
  const cx = (b[0] + b[2]) / 2;
  const cy = (b[1] + b[3]) / 2;
  return cx >= r[0] && cx <= r[2] && cy >= r[1] && cy <= r[3];
}

function grow(b: BBox, d: number): BBox {
  return [b[0] - d, b[1] - d, b[2] + d, b[3] + d];
}

/**
 * The translated PDF: the original file with the source text of each translated block
 * removed from the content streams and the translation set into the block's box in
 * embedded subset fonts. Images, vector art, links, annotations and form fields stay
 * as they were; blocks without a translation (or with their own text as translation)
 * are not touched. On scanned pages, whose text is pixels, each block is first covered
 * with the background colour sampled around it.
 */
export async function renderTranslatedPdf(
  sourceBytes: Uint8Array,
  layout: LayoutDocument,
  translations: ReadonlyMap<string, RenderText>,
  opts: RenderTranslatedOptions,
): Promise<RenderTranslatedResult> {
  await renderCheckpoint(opts.signal);
  const file = await openPdf(sourceBytes, {
    password: opts.password,
    respectPermissions: opts.respectPermissions,
  });
  const library = opts.fonts ?? new FontLibrary();
  const fonts = new FontSet(library, file.doc.context);
  const rtl = RTL_LANGUAGES.has(opts.targetLanguage as LanguageCode);
  const minScale = opts.minScale ?? 0.6;
  const warnings: JobWarning[] = [];
  const placements: BlockPlacement[] = [];
  const stats: RenderStats = {
    pages: 0,
    translatedBlocks: 0,
    overflowBlocks: 0,
    missingChars: 0,
    glyphs: 0,
    fonts: [],
  };
  const inkMaps = new InkMaps(sourceBytes, opts.password);
  const shapers = new Map<string, TextShaper>();
  const shaperFor = (style: SourceStyle): TextShaper => {
    const widthScale = style.widthScale ?? 1;
    const key = `${style.design}|${style.bold}|${style.italic}|${widthScale}`;
    let s = shapers.get(key);
    if (!s)
      shapers.set(
        key,
        (s = new TextShaper(library, opts.targetLanguage, style, rtl ? 'rtl' : 'ltr', widthScale)),
      );
    return s;
  };

  let pagesDone = 0;
  for (const page of layout.pages) {
    await renderCheckpoint(opts.signal);
    opts.onPage?.(pagesDone++, layout.pages.length);
    const pageIndex = page.number - 1;
    if (pageIndex < 0 || pageIndex >= file.pageCount) continue;
    const items = page.blocks.flatMap((b) => itemsOf(b, translations, page.width));
    if (items.length === 0) continue;
    stats.pages++;
    for (const item of items) {
      // A source set in a condensed face: its translation is set as narrow (`Tz`).
      const widthScale = condensedScale(item.lines, (t) =>
        shaperFor({ ...item.style, widthScale: 1 }).measure(t),
      );
      if (widthScale !== 1) item.style = { ...item.style, widthScale };
      // A size OCR misread (a label inside a drawing, its row as high as the box around it)
      // is checked against the width its words had on the scan.
      const size = ocrCheckedSize(item.lines, item.style.size, (t) =>
        shaperFor(item.style).measure(t),
      );
      if (size < item.style.size) item.style = resized(item.style, item.lines, size);
    }
    const geometry: PageGeometry = pageGeometry(file.doc.getPage(pageIndex));
    const toUser = geometry.drawingToUser;
    // Layout boxes are displayed-page coordinates; the rewriter selects in user space.
    const displayToUser = mapper(geometry);
    const ops: ContentOp[] = [
      { op: 'cm', operands: toUser.map((v) => num(Math.round(v * 1e6) / 1e6)) },
    ];
    if (page.scanned) {
      const colours = await sampleBackgrounds(
        sourceBytes,
        page.number,
        items.map((i) => i.box),
      );
      items.forEach((item, i) => {
        const framed = frameOf(item);
        const [x0, y0, x1, y1] = grow(framed ? framed.box : item.box, 1);
        const height = framed ? FRAME_HEIGHT : geometry.height;
        if (framed) ops.push({ op: 'q', operands: [] }, frameMatrix(framed, geometry.height));
        ops.push({ op: 'rg', operands: colours[i]!.map((c) => num(Math.round(c * 1000) / 1000)) });
        ops.push({
          op: 're',
          operands: [x0, height - y1, x1 - x0, y1 - y0].map((v) => num(Math.round(v * 100) / 100)),
        });
        ops.push({ op: 'f', operands: [] });
        if (framed) ops.push({ op: 'Q', operands: [] });
      });
    }
    // Icons and flags at the ends of a table cell stay where they are, in their own font.
    const keep = page.scanned ? [] : keepEdgeSymbols(file, pageIndex, items, geometry);
    // A scan OCR'd before it came here has its words in an invisible layer: that goes too.
    const layered =
      page.scanned && page.blocks.some((b) => b.lines.some((l) => l.spans.some((sp) => sp.hidden)));
    // Each line's band across the whole box: glyphs a font maps to no text are left out of
    // the layout's line boxes, yet are part of the line. Text at an angle is taken in small
    // squares along its frame, so that nothing beside it is. (Displayed-page boxes.)
    const cleared = items.flatMap((item) => {
      const framed = frameOf(item);
      if (framed) return frameTiles(framed.angle, framed.frame, item.style.size);
      if (page.scanned && !layered) return [grow(item.box, 1)];
      return item.lines.map((l) =>
        grow(
          [
            Math.min(l.bbox[0], item.box[0]),
            l.bbox[1],
            Math.max(l.bbox[2], item.box[2]),
            l.bbox[3],
          ],
          0.5,
        ),
      );
    });
    // Fills behind some words (highlights, shaded inline code) move with the words: taken
    // from the page, block by block, and drawn again behind the translation's words.
    const fillGroups = items.map((item) => movableFills(item, page.scanned));
    const fillsMoved = new Map<Item, boolean>();
    if (fillGroups.some((g) => g.length > 0)) {
      const moved = removeFills(
        file,
        pageIndex,
        fillGroups.map((g) => g.map(displayToUser)),
      );
      items.forEach((item, i) => fillsMoved.set(item, moved[i]!));
    }
    // Underlines and strike-throughs of the words go with them (see `text-decorations.ts`).
    const decorated = page.scanned
      ? new Map<Item, Decorated[]>()
      : takeDecorations(file, pageIndex, items, geometry);
    if (!page.scanned || layered) {
      // Invisible source text in a translated block is replaced like any other.
      removeText(file, pageIndex, {
        regions: cleared.map(displayToUser),
        includeInvisible: true,
        keep: keep.map(displayToUser),
      });
    }
    // What is still drawn once the source text is gone: text the layout could not read
    // (a font without a Unicode map) is there all the same, and a line must not grow over it.
    const drawn = page.scanned
      ? []
      : interpretPage(file, pageIndex)
          .runs.filter((r) => r.renderMode !== 3 && r.renderMode !== 7)
          // A space left over at a line's end draws nothing.
          .flatMap((r) => r.glyphs.filter((g) => g.unicode === '' || g.unicode.trim() !== ''))
          .map((g) => ({ box: mapBox(geometry.toDisplay, g.bbox), text: g.unicode }));
    // The dots of a leader are filler: a translation longer than its label may take their place.
    const leaders = leaderDots(
      drawn,
      page.blocks.filter(isLeaderBlock).map((b) => b.bbox),
    );
    const room = new RoomFinder(
      page.blocks,
      drawn.filter((g) => !leaders.has(g)).map((g) => g.box),
      [...cleared, ...[...leaders].map((g) => grow(g.box, 0.5))],
      () => inkMaps.page(page.number),
    );
    const fontResources: Record<string, PDFRef> = {};
    const drawnLinks: DrawnLink[] = [];
    // Each item's box, its foot clear of the text below it (see `footClear`).
    const textLines = page.blocks
      .filter((b) => !isLeaderBlock(b))
      .flatMap((b) => b.lines.map((l) => ({ box: l.bbox, block: b, line: l })));
    const setBoxes = new Map<Item, BBox>();
    for (const item of items) {
      if (frameOf(item)) continue;
      const own = new Set<Line>(item.lines);
      const others = textLines
        .filter((t) => !own.has(t.line) && (item.cell !== undefined || t.block !== item.block))
        .map((t) => t.box);
      const box = footClear(
        item.box,
        item.lines.map((l) => l.bbox),
        item.style.size,
        others,
      );
      if (box !== item.box) setBoxes.set(item, box);
    }
    const setBoxOf = (item: Item): BBox => setBoxes.get(item) ?? item.box;
    const optionsOf = (item: Item): SetOptions => {
      const framed = frameOf(item);
      return {
        stretches: stretchesOf(item, (style) => shaperFor(style)),
        // Text at an angle is set in its own frame, where its lines run left to right.
        box: framed ? framed.box : setBoxOf(item),
        pageWidth: framed ? framed.box[2] + FRAME_HEIGHT : geometry.width,
        pageHeight: framed ? FRAME_HEIGHT : geometry.height,
        size: item.style.size,
        lineSpacing: item.style.lineSpacing,
        align: rtl ? mirror(item.style.align) : item.style.align,
        minScale,
        firstIndent: framed
          ? framed.firstIndent
          : (item.lines[0]?.bbox[0] ?? item.box[0]) - item.box[0],
        restIndent: framed ? 0 : hangOf(item),
      };
    };
    // Each item set in its own box at first: worked out once, by the runs or below.
    const alone = new Map<Item, BlockSetting>();
    const setAlone = (item: Item): BlockSetting => {
      let setting = alone.get(item);
      if (!setting) {
        setting = setBlock(item.translation, shaperFor(item.style), optionsOf(item));
        alone.set(item, setting);
      }
      return setting;
    };
    // Paragraphs down a column that do not all fit their boxes are set as one run.
    const flowed = page.scanned
      ? new Map<Item, FlowedSetting>()
      : await setColumnRuns(
          items,
          page.blocks,
          drawn,
          room,
          optionsOf,
          (item) => shaperFor(item.style),
          setAlone,
          (item, setting) => placementOf(page.number, item, setting, geometry.height, []).lines,
        );
    // What the runs hold is taken before any other block grows into the room around it.
    for (const { lines } of flowed.values()) room.taken(lines);
    const bodyScaleOf = bodyScales(flowed);
    for (const item of items) {
      const shaper = shaperFor(item.style);
      const framed = frameOf(item);
      const inRun = flowed.get(item)?.setting;
      // A caption or a footnote beside body text that was shrunk is not set larger than
      // the body in proportion: it starts at the body's scale.
      const cap = inRun || framed ? 1 : bodyScaleOf(item);
      const setOptions =
        cap < 1 ? { ...optionsOf(item), size: item.style.size * cap } : optionsOf(item);
      let setting =
        inRun ?? (cap < 1 ? setBlock(item.translation, shaper, setOptions) : setAlone(item));
      // A box shorter than one line at the source size (a label OCR read with a size its box
      // does not have) does not grow: the size, not the room, is what is wrong there.
      const lineHigh = item.box[3] - item.box[1] >= item.style.size * 0.9 - 1;
      if (
        !inRun &&
        !framed &&
        lineHigh &&
        (setting.overflow || setting.size < setOptions.size - 1e-6)
      ) {
        // Right-to-left text keeps a left-aligned line's growth to the right, the side the
        // layout knows is free: its left holds what the layout may not list (an image).
        const grown = await room.around(item, item.style.align, true, setBoxOf(item));
        if (grown) setting = setBlock(item.translation, shaper, { ...setOptions, room: grown });
        if (setting.overflow) {
          // Last, before running on below its box over what follows: the room the layout
          // alone leaves (a word in a narrow ruled cell may reach across the cell's rule).
          const loose = await room.around(item, item.style.align, false, setBoxOf(item));
          const wider = loose
            ? setBlock(item.translation, shaper, { ...setOptions, room: loose })
            : undefined;
          if (wider && !wider.overflow) setting = wider;
        }
      }
      // On a scan the text is in the image: the translation covers it and must be seen.
      const painted = paintLines(setting.lines, setting.size, item.style.color, fonts, {
        invisible: item.hidden && !page.scanned,
      });
      if (fillsMoved.get(item)) ops.push(...backgroundOps(painted.backgrounds));
      const decorations = framed ? [] : (decorated.get(item) ?? []);
      // Drawn after the words, as pages draw underlines over descenders.
      const decorationDrawing: ContentOp[] = [];
      for (const { redraw, color } of decorations) {
        const stretches: SetStretch[] = redraw.whole
          ? setting.lines.map((l) => ({
              x0: l.x,
              x1: l.x + drawnWidth(l, setting.size),
              baseline: l.baseline,
              size: setting.size,
            }))
          : painted.links
              .filter((l) => l.href === redraw.href)
              .map((l) => ({
                x0: l.box[0],
                x1: l.box[2],
                // The link's box reaches a quarter of the size below the baseline.
                baseline: l.box[1] + setting.size * 0.25,
                size: setting.size,
              }));
        decorationDrawing.push(...decorationOps(redraw, color, stretches));
      }
      if (framed)
        ops.push({ op: 'q', operands: [] }, frameMatrix(framed, geometry.height), ...painted.ops, {
          op: 'Q',
          operands: [],
        });
      else {
        ops.push(...painted.ops, ...decorationDrawing);
        for (const link of painted.links) drawnLinks.push({ ...link, area: item.box });
      }
      for (const [resource, font] of painted.fonts) fontResources[resource] = font.ref;
      const placement = placementOf(
        page.number,
        item,
        setting,
        framed ? FRAME_HEIGHT : geometry.height,
        [...painted.fonts.values()].map((f) => f.baseFont),
      );
      // Lines set in a frame are reported where they are on the page.
      if (framed) {
        const [ox, oy] = framed.origin;
        const inFrame = placement.lines.map((l): BBox => [
          l[0] + ox,
          l[1] + oy,
          l[2] + ox,
          l[3] + oy,
        ]);
        placement.lines = inFrame.map((l) => frameBoxToPage(framed.angle, l));
        placement.frame = { angle: framed.angle, lines: inFrame };
      }
      placements.push(placement);
      if (!framed) room.taken(placement.lines);
      stats.translatedBlocks++;
      stats.glyphs += painted.glyphCount;
      if (setting.overflow) {
        stats.overflowBlocks++;
        warnings.push({
          kind: 'overflow',
          page: page.number,
          block: item.block.order,
          message: `Block ${item.block.id}: the translation does not fit its box at ${Math.round(minScale * 100)}% of the source size`,
        });
      }
      if (setting.missing.length > 0) {
        const chars = [...new Set(setting.missing.join(''))].join('');
        stats.missingChars += [...setting.missing.join('')].length;
        warnings.push({
          kind: 'font_fallback',
          page: page.number,
          block: item.block.order,
          message: `Block ${item.block.id}: no font has glyphs for ${JSON.stringify(chars)}`,
        });
      }
    }
    // Leader dots a longer translation now covers go; the rest of each leader stays.
    const covered = [...leaders].filter((g) =>
      placements.some((p) => p.page === page.number && p.lines.some((l) => centreInside(g.box, l))),
    );
    if (covered.length > 0)
      removeText(file, pageIndex, {
        regions: covered.map((g) => displayToUser(shrinkToCentre(g.box))),
      });
    appendContent(file, pageIndex, ops, { Font: fontResources });
    if (drawnLinks.length > 0) moveLinks(file.doc.getPage(pageIndex), geometry, drawnLinks);
    inkMaps.release(page.number);
  }
  await inkMaps.close();
  await renderCheckpoint(opts.signal);
  opts.onPage?.(layout.pages.length, layout.pages.length);
  await fonts.write();
  // Bookmarks and the document's title that name a translated heading read in the target
  // language too, and the document says which language it is in (screen readers, search).
  if (!opts.pages) translateOutlineTitles(file.doc, layout, translations);
  translateDocumentTitle(file.doc, layout, translations);
  file.doc.catalog.set(PDFName.of('Lang'), PDFString.of(opts.targetLanguage));
  if (opts.pages) keepPages(file, opts.pages);
  if (!opts.keepActiveContent) removeActiveContent(file.doc);
  stats.fonts = fonts.all().map((f) => ({ name: f.baseFont, glyphs: f.glyphCount }));
  await renderCheckpoint(opts.signal);
  const bytes = await savePdf(file);
  return { bytes, warnings, stats, placements };
}

/**
 * Icons and flags at the start or end of a table cell's words (see `edgeSymbols`) stay on
 * the page: the cell's translation is set beside them, without its copy of them. Returns
 * the boxes of the glyphs kept (displayed page).
 */
function keepEdgeSymbols(
  file: Awaited<ReturnType<typeof openPdf>>,
  pageIndex: number,
  items: readonly Item[],
  geometry: PageGeometry,
): BBox[] {
  const cells = items.filter((i) => i.cell !== undefined && !i.hidden && !frameOf(i));
  if (cells.length === 0) return [];
  const runs = interpretPage(file, pageIndex)
    .runs.filter((r) => r.bbox && r.renderMode !== 3 && r.renderMode !== 7 && !r.vertical)
    .map((r) => ({ run: r, box: mapBox(geometry.toDisplay, r.bbox!) }));
  const keep: BBox[] = [];
  for (const item of cells) {
    const b = item.box;
    const near = runs.filter(
      (r) => r.box[0] < b[2] && r.box[2] > b[0] && r.box[1] < b[3] && r.box[3] > b[1],
    );
    if (!near.some((r) => r.run.glyphs.some((g) => isSymbolGlyph(g.unicode, r.run.baseFont))))
      continue;
    const glyphs = near.flatMap(({ run }) =>
      run.glyphs.map((g) => ({
        box: mapBox(geometry.toDisplay, g.bbox),
        unicode: g.unicode,
        symbol: isSymbolGlyph(g.unicode, run.baseFont),
      })),
    );
    // Each line's band across the cell: a glyph with no text is in no line's box.
    const lines = item.lines.map((l) =>
      glyphs.filter((g) => centreInside(g.box, [b[0], l.bbox[1] - 0.5, b[2], l.bbox[3] + 0.5])),
    );
    const found = edgeSymbols(b, lines, item.style.size);
    if (!found) continue;
    const rest = withoutSymbols(
      item.translation,
      item.marks,
      found.text,
      edgeText(item.text, found.lead, found.trail),
    );
    if (rest.text.trim() === '') continue;
    keep.push(...found.keep);
    item.translation = rest.text;
    item.marks = rest.marks;
    // The words start on the icons' line, as in the source (not at the top of the cell).
    const top = item.lines[0]?.bbox[1];
    item.box =
      top !== undefined && top > found.box[1] && top < found.box[3] - item.style.size
        ? [found.box[0], top, found.box[2], found.box[3]]
        : found.box;
    const last = item.lines.length - 1;
    item.lines = item.lines.map((l, k) => ({
      ...l,
      bbox: [
        k === 0 ? Math.max(l.bbox[0], found.box[0]) : l.bbox[0],
        l.bbox[1],
        k === last ? Math.min(l.bbox[2], found.box[2]) : l.bbox[2],
        l.bbox[3],
      ],
    }));
  }
  return keep;
}

/** A decoration taken from the page, to draw again with an item's translation. */
interface Decorated {
  redraw: Redraw;
  /** Its colour, as fill-colour operators. */
  color: ContentOp[];
}

/**
 * Takes from the page the underlines and strike-throughs of the items' words (see
 * `itemDecorations`) and tells, per item, which to draw again with its translation. Items
 * set at an angle or not shown keep theirs.
 */
function takeDecorations(
  file: Awaited<ReturnType<typeof openPdf>>,
  pageIndex: number,
  items: readonly Item[],
  geometry: PageGeometry,
): Map<Item, Decorated[]> {
  const out = new Map<Item, Decorated[]>();
  const content = interpretPage(file, pageIndex);
  const own = content.scopes.find((s) => s.path.length === 0);
  const found = own ? decorationsIn(own.ops) : [];
  if (found.length === 0) return out;
  const shown = found.map((d) => ({
    box: mapBox(geometry.toDisplay, d.box),
    thickness: d.thickness,
  }));
  const runs = content.runs
    .filter((r) => !r.vertical && r.bbox && r.origin && r.renderMode !== 3 && r.renderMode !== 7)
    .map((r) => ({ box: mapBox(geometry.toDisplay, r.bbox!), baseline: baselineOf(r, geometry) }));
  const used = new Set<number>();
  for (const item of items) {
    if (item.hidden || frameOf(item)) continue;
    const baselines = item.lines.map((l) => {
      const on = runs
        .filter((r) => centreInside(r.box, grow(l.bbox, 1)))
        .map((r) => r.baseline)
        .sort((a, b) => a - b);
      return on.length > 0 ? on[Math.floor(on.length / 2)] : undefined;
    });
    const { taken, redraw } = itemDecorations(item.lines, item.style.size, baselines, shown, used);
    for (const i of taken) used.add(i);
    if (redraw.length > 0)
      out.set(
        item,
        redraw.map((r) => ({ redraw: r, color: found[r.source]!.color })),
      );
  }
  removeDecorations(
    file,
    pageIndex,
    [...used].map((i) => found[i]!),
  );
  return out;
}

/** The displayed-page height (y down) of a run's baseline. */
function baselineOf(run: GlyphRun, geometry: PageGeometry): number {
  const [x, y] = run.origin!;
  return mapBox(geometry.toDisplay, [x, y, x, y])[1];
}

/** How wide a set line is drawn: its shaped width and what justifying adds. */
function drawnWidth(line: PlacedLine, size: number): number {
  let extra = 0;
  for (const run of line.shaped.runs)
    for (const g of run.glyphs) extra += (g.space ? line.extraPerSpace : 0) + line.extraPerGlyph;
  // The last glyph's extra is not drawn past it.
  return line.shaped.width * size + Math.max(0, extra - line.extraPerGlyph);
}

function placementOf(
  page: number,
  item: Item,
  setting: BlockSetting,
  pageHeight: number,
  fonts: string[],
): BlockPlacement {
  // Drawing space (y up, baseline) back to layout boxes (y down), ascender to descender.
  const lines = setting.lines.map((l): BBox => {
    const top = pageHeight - l.baseline - setting.size * 0.8;
    return [l.x, top, l.x + l.shaped.width * setting.size, top + setting.size];
  });
  const span = item.lines.flatMap((l) => l.spans).find((s) => s.text.trim() !== '');
  return {
    page,
    blockId: item.block.id,
    order: item.block.order,
    ...(item.cell !== undefined ? { cell: item.cell } : {}),
    box: item.box,
    lines,
    sourceSize: item.style.size,
    size: setting.size,
    overflow: setting.overflow,
    missing: [...new Set(setting.missing.join(''))].join(''),
    sourceFont: withoutSubsetTag(span?.font ?? ''),
    fonts: [...new Set(fonts.map(withoutSubsetTag))],
  };
}

interface DrawnLink {
  href: string;
  /** Where the linked words were drawn, in drawing space (y up). */
  box: [number, number, number, number];
  /** The translated block's box (displayed page, y down). */
  area: BBox;
}

function uriOf(annotation: PDFDict): string | undefined {
  const action = annotation.lookup(PDFName.of('A'));
  if (!(action instanceof PDFDict)) return undefined;
  const uri = action.lookup(PDFName.of('URI'));
  return uri instanceof PDFString || uri instanceof PDFHexString ? uri.decodeText() : undefined;
}

/**
 * A link annotation over translated words moves with them. The annotations of one target
 * over one translated block, in reading order, take the places where its linked words
 * were drawn, in drawing order, one line part each (a link the source wrapped over two
 * lines has two annotations; the translation's two parts go to them). An annotation
 * left over keeps the last part.
 */
function moveLinks(page: PDFPage, geometry: PageGeometry, drawn: DrawnLink[]): void {
  const annots = page.node.lookup(PDFName.of('Annots'));
  if (!(annots instanceof PDFArray)) return;
  const found: { annotation: PDFDict; href: string; at: BBox }[] = [];
  for (let i = 0; i < annots.size(); i++) {
    const annotation = annots.lookup(i);
    if (
      !(annotation instanceof PDFDict) ||
      annotation.lookup(PDFName.of('Subtype')) !== PDFName.of('Link')
    )
      continue;
    const href = uriOf(annotation);
    const rect = annotation.lookup(PDFName.of('Rect'));
    if (!href || !(rect instanceof PDFArray) || rect.size() !== 4) continue;
    const values = rect.asArray().map((v) => (v instanceof PDFNumber ? v.asNumber() : NaN));
    if (values.some((v) => !Number.isFinite(v))) continue;
    found.push({ annotation, href, at: mapBox(geometry.toDisplay, values as BBox) });
  }
  found.sort((a, b) => a.at[1] - b.at[1] || a.at[0] - b.at[0]);
  const areas = new Map<BBox, DrawnLink[]>();
  for (const d of drawn) areas.set(d.area, [...(areas.get(d.area) ?? []), d]);
  for (const [area, parts] of areas) {
    for (const href of new Set(parts.map((p) => p.href))) {
      const places = parts.filter((p) => p.href === href);
      const inside = found.filter((f) => {
        const cx = (f.at[0] + f.at[2]) / 2;
        const cy = (f.at[1] + f.at[3]) / 2;
        return (
          f.href === href &&
          cx >= area[0] - 2 &&
          cx <= area[2] + 2 &&
          cy >= area[1] - 2 &&
          cy <= area[3] + 2
        );
      });
      const rectOf = (place: DrawnLink): PDFArray =>
        page.doc.context.obj(
          mapBox(geometry.drawingToUser, place.box).map((v) => Math.round(v * 100) / 100),
        );
      inside.forEach((f, i) => {
        f.annotation.set(PDFName.of('Rect'), rectOf(places[Math.min(i, places.length - 1)]!));
        // Quad points of the old position would point the link back there in some viewers.
        f.annotation.delete(PDFName.of('QuadPoints'));
      });
      // Parts beyond the source's annotations (the translation wraps the link over more
      // lines, or a right-to-left line sets it in two places) get copies of the last one.
      const last = inside[inside.length - 1];
      for (const place of last ? places.slice(inside.length) : []) {
        const copy = last!.annotation.clone(page.doc.context);
        copy.set(PDFName.of('Rect'), rectOf(place));
        annots.push(page.doc.context.register(copy));
      }
    }
  }
}

/**
 * A list item's hanging indent, from the left of its box: where all its lines after the
 * first start, right of the first; or for an item of one line, where its text starts after a
 * bullet set at a tab stop (further off than a word space). None for other blocks, for an
 * item whose second line alone is indented (a numbered heading run into its paragraph), and
 * for a label that only starts with a number ("(2) Dependent's").
 */
function hangOf(item: Item): number {
  if (item.block.type !== 'list_item' || item.cell !== undefined) return 0;
  const [first, second, ...more] = item.lines;
  if (!first) return 0;
  const size = item.style.size;
  if (second) {
    const hung =
      second.bbox[0] - first.bbox[0] > size * 0.5 &&
      more.every((l) => Math.abs(l.bbox[0] - second.bbox[0]) < size * 0.3);
    return hung ? second.bbox[0] - item.box[0] : 0;
  }
  const [marker, after] = first.spans;
  if (!marker || !after || marker.text.trim().length > 3) return 0;
  return after.bbox[0] - marker.bbox[2] > size * 0.5 ? after.bbox[0] - item.box[0] : 0;
}

/**
 * Height of the drawing space text at an angle is set in: its frame, turned about the
 * page origin, may lie anywhere, and below its box there must be room to overflow.
 */
const FRAME_HEIGHT = 100_000;

interface Framed {
  angle: number;
  /** The block's frame box (`Block.frame`). */
  frame: BBox;
  /** The same box moved by `origin` to positive coordinates, where it is set. */
  box: BBox;
  origin: [number, number];
  /** The first line's indent along the frame. */
  firstIndent: number;
}

/**
 * The frame of an item set at an angle: a whole block, or a cell of a table turned by a
 * right angle (a landscape table on a portrait page), which is set along its table's lines.
 * The cells of a table at another angle are set upright.
 */
function frameOf(item: Item): Framed | undefined {
  const { angle } = item.block;
  if (angle === undefined || angle === 0 || !item.block.frame) return undefined;
  const frame =
    item.cell === undefined
      ? item.box === item.block.bbox
        ? item.block.frame
        : undefined
      : pageBoxToFrame(angle, item.box);
  if (!frame) return undefined;
  const origin: [number, number] = [frame[0] - 10, frame[1] - 10];
  const first = item.lines[0] ? pageBoxToFrame(angle, item.lines[0].bbox) : undefined;
  return {
    angle,
    frame,
    box: [10, 10, frame[2] - origin[0], frame[3] - origin[1]],
    origin,
    firstIndent: first ? first[0] - frame[0] : 0,
  };
}

/**
 * `cm` from the drawing space of a frame (points, y up, FRAME_HEIGHT high, its box
 * moved by `origin`) to the page's drawing space (`pageHeight` high): the frame's
 * left-to-right runs along the angle.
 */
function frameMatrix(framed: Framed, pageHeight: number): ContentOp {
  const t = (framed.angle * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const [ox, oy] = framed.origin;
  const m = [
    c,
    s,
    -s,
    c,
    c * ox + s * (FRAME_HEIGHT + oy),
    pageHeight + s * ox - c * (FRAME_HEIGHT + oy),
  ];
  return { op: 'cm', operands: m.map((v) => num(Math.round(v * 1e6) / 1e6)) };
}

/** Small page boxes covering a frame box (squares of about a line's height, mapped to the page). */
function frameTiles(angle: number, box: BBox, size: number): BBox[] {
  const step = Math.max(2, size * 0.8);
  const out: BBox[] = [];
  for (let y = box[1]; y < box[3]; y += step) {
    for (let x = box[0]; x < box[2]; x += step) {
      out.push(
        frameBoxToPage(angle, [x, y, Math.min(x + step, box[2]), Math.min(y + step, box[3])]),
      );
    }
  }
  return out;
}

/**
 * The stretches of a translation set in another style than its block: each mark's bold
 * and italic pick the face (of the block's design), its colour the fill; a link with no
 * colour of its own keeps the block's.
 */
function stretchesOf(item: Item, shaperFor: (style: SourceStyle) => TextShaper): StyledStretch[] {
  const out: StyledStretch[] = [];
  let last = 0;
  for (const m of [...item.marks].sort((a, b) => a.start - b.start)) {
    const start = Math.max(m.start, last);
    const end = Math.min(m.end, item.translation.length);
    if (end <= start) continue;
    const style: SourceStyle = {
      ...item.style,
      bold: m.bold ?? item.style.bold,
      italic: m.italic ?? item.style.italic,
    };
    const common = {
      ...(m.color ? { color: parseColor(m.color) } : {}),
      ...(m.href ? { href: m.href, link: out.length } : {}),
      ...(m.background ? { background: parseColor(m.background) } : {}),
    };
    if ((m.math || m.script) && m.parts) {
      const shaperOf = (italic: boolean | undefined): TextShaper =>
        shaperFor(m.math ? { ...item.style, italic: italic ?? item.style.italic } : style);
      out.push(
        ...mathStretches({ ...m, start, end }, item.translation, shaperOf, m.math ? {} : common),
      );
      last = end;
      continue;
    }
    out.push({ start, end, shaper: shaperFor(style), ...common });
    last = end;
  }
  return out;
}

/** A block the layout read as nothing but dots: a leader's filler, which text may cover. */
function isLeaderBlock(b: Block): boolean {
  return (
    /^[\s.\u00b7\u2024\u2026\u2027\u2219\u22c5]*$/u.test(b.text) &&
    b.type !== 'figure' &&
    b.type !== 'form_field'
  );
}

function mirror(align: SourceStyle['align']): SourceStyle['align'] {
  if (align === 'left') return 'right';
  if (align === 'right') return 'left';
  return align;
}

function mapper(geometry: PageGeometry): (b: BBox) => BBox {
  const inv = invert(geometry.toDisplay);
  return (b) => mapBox(inv, b);
}

/**
 * The runs of paragraphs, headings and list items set one after another down a column
 * (see `columnRuns`), for the runs whose blocks do not all fit their own boxes at their
 * source size. Such a run is set as one: each block at the same scale of its source size,
 * the largest at which the whole run fits between the top of its first block and the
 * foot of the room below its last, each block starting where the one before it ends plus
 * the gap the source had between them. A block that fits alone may so move down or
 * shrink a little so that its neighbour need not shrink much, and body text keeps one
 * size down the column. A block with anything else inside its box (kept glyphs, another
 * block's text, ink such as a rule or an inline image) takes no part, and neither does a
 * gap with ink in it: the run ends there.
 */
async function setColumnRuns(
  items: readonly Item[],
  blocks: readonly Block[],
  drawn: readonly { box: BBox }[],
  room: RoomFinder,
  optionsOf: (item: Item) => SetOptions,
  shaperOf: (item: Item) => TextShaper,
  setAlone: (item: Item) => BlockSetting,
  linesOf: (item: Item, setting: BlockSetting) => BBox[],
): Promise<Map<Item, FlowedSetting>> {
  const out = new Map<Item, FlowedSetting>();
  // Each block's box and line boxes, listed once (not a list of all the others per item):
  // an item holds an obstacle when another block's boxes or a kept glyph cover it enough.
  const boxesOf = blocks.map((b) => ({ block: b, boxes: [b.bbox, ...b.lines.map((l) => l.bbox)] }));
  const drawnBoxes = drawn.map((g) => g.box);
  const holdsOther = (item: Item): boolean =>
    boxesOf.some(({ block, boxes }) => block !== item.block && holdsObstacle(item.box, boxes)) ||
    holdsObstacle(item.box, drawnBoxes);
  const lineObstacles = blocks.flatMap((b) => b.lines.map((l) => ({ box: l.bbox, block: b })));
  const members = items.map((item): FlowCandidate | null => {
    if (item.cell !== undefined || item.hidden || frameOf(item)) return null;
    if (holdsOther(item)) return null;
    return { box: item.box, size: item.style.size, type: item.block.type };
  });
  // The gap between two blocks is checked against every other block's lines and the kept glyphs.
  const gapObstacles = [...lineObstacles.map((o) => o.box), ...drawn.map((g) => g.box)];
  const fitsAlone = (item: Item): boolean => {
    const set = setAlone(item);
    return !set.overflow && set.size >= item.style.size - 1e-6;
  };
  const runs: Item[][] = [];
  for (const run of columnRuns(members, gapObstacles)) {
    const all = run.map((i) => items[i]!);
    if (all.every((m) => fitsAlone(m))) continue;
    // Ink the layout does not list (a rule, an image) inside a block or between two ends the
    // run there; a block with ink inside is left out.
    const inkedBox: boolean[] = [];
    const inkedGap: boolean[] = [];
    for (const [k, m] of all.entries()) {
      inkedBox.push(await room.inked(m.box));
      const prev = all[k - 1];
      const band: BBox | undefined = prev && [
        Math.max(m.box[0], prev.box[0]),
        prev.box[3],
        Math.min(m.box[2], prev.box[2]),
        m.box[1],
      ];
      inkedGap.push(
        !inkedBox[k] &&
          band !== undefined &&
          !inkedBox[k - 1] &&
          band[3] - band[1] > 1 &&
          (await room.inked(band)),
      );
    }
    runs.push(
      ...cutRun(
        all,
        (k) => inkedBox[k]! || inkedGap[k]!,
        (k) => inkedBox[k]!,
      ),
    );
  }
  for (const run0 of runs) {
    // Runs are for running text: one-line labels and headings alone grow sideways instead.
    if (
      run0.length < 2 ||
      !run0.some((m) => rowsOf(m.lines) > 1) ||
      run0.every((m) => fitsAlone(m))
    )
      continue;
    const options = run0.map(optionsOf);
    const gaps = run0.slice(1).map((m, k) => Math.max(0, m.box[1] - run0[k]!.box[3]));
    // A block narrower than its column (a heading) may take the column's width where nothing
    // is beside it: a translation longer than the heading wraps only at the column's edge.
    // The column's right edge is where most of its paragraphs end: one line running into
    // the gutter (a long word) does not widen the others.
    const ends = run0
      .filter((m) => rowsOf(m.lines) > 1)
      .map((m) => m.box[2])
      .sort((a, b) => a - b);
    const right = ends.length > 0 ? ends[Math.floor(ends.length / 2)]! : run0[0]!.box[2];
    // A one-line block that cannot take that width and does not fit its own box is set on
    // its own (it may grow sideways there): the run is cut at it.
    const cut = new Set<number>();
    for (const [k, m] of run0.entries()) {
      const o = options[k]!;
      if (m.box[2] >= right - 1) continue;
      // The band of the block's text, not the edges of its box a line above or below may touch.
      const h = m.box[3] - m.box[1];
      const beside: BBox = [m.box[2], m.box[1] + h * 0.2, right, m.box[3] - h * 0.2];
      const free =
        o.align !== 'center' &&
        o.align !== 'right' &&
        !gapObstacles.some((g) => crosses(g, beside)) &&
        !(await room.inked(beside));
      if (free) options[k] = { ...o, box: [o.box[0], o.box[1], right, o.box[3]] };
      else if (rowsOf(m.lines) <= 1 && !fitsAlone(m)) cut.add(k);
    }
    if (cut.size > 0) {
      runs.push(
        ...cutRun(
          run0,
          (k) => cut.has(k),
          (k) => cut.has(k),
        ),
      );
      continue;
    }
    const last = run0[run0.length - 1]!;
    const below = await room.around(last, last.style.align, true);
    const top = run0[0]!.box[1];
    // The run's foot stays above the first thing below it in its column (another block's
    // line, a kept glyph), even one whose box touches the last block's.
    const x0 = Math.min(...options.map((o) => o.box[0]));
    const x1 = Math.max(...options.map((o) => o.box[2]));
    const inRun = new Set(run0.map((m) => m.block));
    // What the run must leave alone: other blocks' lines and the glyphs kept on the page.
    const kept = [
      ...lineObstacles.filter((o) => !inRun.has(o.block)).map((o) => o.box),
      ...drawn.map((g) => g.box),
    ];
    const mid = (last.box[1] + last.box[3]) / 2;
    const next = Math.min(
      Infinity,
      ...kept.filter((g) => g[0] < x1 - 0.5 && g[2] > x0 + 0.5 && g[1] > mid).map((g) => g[1]),
    );
    const bottom = Math.min(Math.max(last.box[3], below?.[3] ?? last.box[3]), next - 1);
    const heightAt = (k: number, scale: number): number => {
      const o = options[k]!;
      const size = o.size * scale;
      return blockHeight(
        lineCount(run0[k]!.translation, shaperOf(run0[k]!), o, size),
        size,
        o.lineSpacing,
      );
    };
    const gapSum = gaps.reduce((a, g) => a + g, 0);
    // A set line's box reaches a tenth of its size below the height counted (its descender).
    const foot = 1 - LINE_BOX;
    const scale = largestFittingScale(
      (s) => run0.reduce((a, _, k) => a + heightAt(k, s), gapSum + foot * options.at(-1)!.size * s),
      bottom - top - 1,
      options[0]!.minScale,
    );
    if (scale === undefined) continue;
    let y = top;
    const settings = run0.map((item, k) => {
      const o = options[k]!;
      const h = heightAt(k, scale);
      const setting = setBlock(item.translation, shaperOf(item), {
        ...o,
        box: [o.box[0], y, o.box[2], y + h + 0.5],
        size: o.size * scale,
        minScale: 1,
      });
      y += h + (gaps[k] ?? 0);
      return setting;
    });
    // Last check: no line of the run, where it is now set, covers anything kept on the page
    // (text beside the column that the gaps and boxes did not meet). Else each block is set
    // on its own.
    const lines = run0.map((item, k) => linesOf(item, settings[k]!));
    if (lines.some((ls) => ls.some((l) => holdsObstacle(l, kept)))) continue;
    run0.forEach((item, k) => out.set(item, { setting: settings[k]!, lines: lines[k]! }));
  }
  return out;
}

/**
 * For a block outside the column runs, the largest scale of its source size it may be set
 * at so that it does not look larger than the body text the runs shrank: 1 for blocks the
 * rule leaves alone. It holds for captions, and for paragraphs and list items set smaller
 * than the body in the source (footnotes, side notes): in the source they are no larger
 * than the body, so they keep that order. The scale is that of the runs over the block's
 * own columns (any run when none is above or below it), the smallest if several.
 */
function bodyScales(flowed: ReadonlyMap<Item, FlowedSetting>): (item: Item) => number {
  const body = [...flowed.entries()]
    .filter(([item]) => item.block.type === 'paragraph' || item.block.type === 'list_item')
    .map(([item, { setting }]) => ({
      x0: item.box[0],
      x1: item.box[2],
      size: item.style.size,
      scale: setting.size / item.style.size,
    }));
  if (body.length === 0) return () => 1;
  return (item) => {
    const type = item.block.type;
    if (type !== 'caption' && type !== 'paragraph' && type !== 'list_item') return 1;
    const over = body.filter((b) => b.x0 < item.box[2] - 1 && b.x1 > item.box[0] + 1);
    const near = over.length > 0 ? over : body;
    const sizes = near.map((b) => b.size).sort((a, b) => a - b);
    const bodySize = sizes[Math.floor(sizes.length / 2)]!;
    if (type !== 'caption' && item.style.size > bodySize * 0.95) return 1;
    if (item.style.size > bodySize * 1.05) return 1;
    return Math.min(1, ...near.map((b) => b.scale));
  };
}

/** A block set in a column run, with the boxes of its lines as set (layout coordinates). */
interface FlowedSetting {
  setting: BlockSetting;
  lines: BBox[];
}

/**
 * `run` cut into the parts between the members `cutBefore` names (a part ends before each),
 * leaving out the members `drop` names.
 */
function cutRun<T>(
  run: readonly T[],
  cutBefore: (k: number) => boolean,
  drop: (k: number) => boolean,
): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  run.forEach((m, k) => {
    if (cutBefore(k)) {
      parts.push(part);
      part = [];
    }
    if (!drop(k)) part.push(m);
  });
  parts.push(part);
  return parts;
}

/**
 * Where the translations of one page may grow: around each block, the space no other
 * block, kept glyph, line already set or drawn ink (the page rendered, on first need)
 * takes. A one-line block (a heading, a label) grows sideways first, to the side its
 * alignment leaves open, then down; a centred block of any length grows to both sides; a
 * longer block grows down. All stay within the page's text area.
 */
class RoomFinder {
  private space: Promise<FreeSpace> | undefined;
  private bare: Promise<FreeSpace> | undefined;
  private readonly obstacles: { box: BBox; owner: Block }[];
  private readonly setLines: BBox[] = [];
  private readonly limits: BBox;

  constructor(
    blocks: readonly Block[],
    private readonly drawn: readonly BBox[],
    private readonly cleared: readonly BBox[],
    private readonly ink: () => Promise<InkMap>,
  ) {
    // Lines, not only block boxes: a paragraph whose first line follows a run-in heading
    // has a box that holds the heading's. A table's or figure's box holds free space between
    // its cells; a figure's box is its graphics too.
    this.obstacles = blocks.flatMap((b) => {
      // A block of leader dots is filler (its dots are told apart with the page's glyphs).
      if (isLeaderBlock(b)) return [];
      const own = b.lines.map((l) => ({ box: l.bbox, owner: b }));
      if (b.type === 'table' && own.length > 0) return own;
      return [...own, { box: b.bbox, owner: b }];
    });
    // The text margins: a figure's box may reach the page edge.
    const text = blocks.filter((b) => b.type !== 'figure');
    const all = text.length > 0 ? text : blocks;
    this.limits = [
      Math.min(...all.map((b) => b.bbox[0])),
      0,
      Math.max(...all.map((b) => b.bbox[2])),
      Math.max(...blocks.map((b) => b.bbox[3])),
    ];
  }

  taken(lines: readonly BBox[]): void {
    this.setLines.push(...lines);
  }

  private free(inked: boolean): Promise<FreeSpace> {
    if (!inked) {
      this.bare ??= Promise.resolve(
        new FreeSpace(
          [...this.obstacles.map((o) => o.box), ...this.drawn],
          undefined,
          this.cleared,
        ),
      );
      return this.bare;
    }
    this.space ??= this.ink().then(
      (ink) =>
        new FreeSpace([...this.obstacles.map((o) => o.box), ...this.drawn], ink, this.cleared),
      // A page pdf.js cannot render still has the layout's obstacles.
      () =>
        new FreeSpace(
          [...this.obstacles.map((o) => o.box), ...this.drawn],
          undefined,
          this.cleared,
        ),
    );
    return this.space;
  }

  /** Whether `box` holds drawn ink besides the source text removed from it (the page rendered, on first need). */
  async inked(box: BBox): Promise<boolean> {
    return (await this.free(true)).inked(box);
  }

  /** The room around an item, or undefined when it has none beyond its box; `inked`: the page's drawn ink counts. */
  async around(
    item: Item,
    sourceAlign: SourceStyle['align'],
    inked: boolean,
    box: BBox = item.box,
  ): Promise<BBox | undefined> {
    const space = await this.free(inked);
    const own = new Set(
      this.obstacles
        .filter(
          (o) =>
            o.owner === item.block && (item.cell === undefined || centreInside(o.box, item.box)),
        )
        .map((o) => o.box),
    );
    const oneLine = rowsOf(item.lines) <= 1;
    // Centred lines (a title over several lines) widen evenly before they take more lines.
    const sideways =
      sourceAlign === 'center'
        ? 'both'
        : !oneLine
          ? 'none'
          : sourceAlign === 'right'
            ? 'left'
            : 'right';
    const size = item.style.size;
    const grown = space.room(
      box,
      {
        down: true,
        sideways,
        limits: this.limits,
        gapX: Math.max(3, size * 0.5),
        gapY: Math.max(1.5, size * 0.3),
      },
      (o) => own.has(o),
      this.setLines,
    );
    return grown.every((v, i) => Math.abs(v - box[i]!) < 0.5) ? undefined : grown;
  }
}
