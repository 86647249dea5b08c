import type { BBox, Block, Line, Page } from '@docat/contracts';
import type { PageContent, PathShape } from '../extract/page-reader.js';
import { area, coverage, intersection, median, roundBox, union, unionAll } from './geometry.js';
import { attachSpacingAccents } from './accents.js';
import { buildLines, splitLeaders, type LineBox } from './lines.js';
import { markTextBackgrounds } from './text-backgrounds.js';
import {
  classifyText,
  isMathFont,
  looksLikeCaption,
  looksLikeProse,
  mathFeatures,
  startsLikeListItem,
} from './classify.js';
import { detectTable, type TableRegion } from './tables.js';
import { frameShapes, gridsOf, readGrid, rulesOf } from './ruled-tables.js';
import { joinLines } from './hyphenation.js';

interface FigureRegion {
  bbox: BBox;
  lines: LineBox[];
}

type Item =
  | { kind: 'line'; bbox: BBox; line: LineBox }
  | { kind: 'table'; bbox: BBox; table: TableRegion }
  | { kind: 'figure'; bbox: BBox; figure: FigureRegion };

/** A run of lines, with the boxes of the tables and figures of its region, which no paragraph spans. */
type Group =
  | { kind: 'lines'; lines: LineBox[]; obstacles?: BBox[] }
  | { kind: 'table'; table: TableRegion }
  | { kind: 'figure'; figure: FigureRegion };

/** Turn what was read from a page into ordered blocks. Pure: same content, same page. */
export function layoutPage(content: PageContent): Page {
  const pageArea = content.width * content.height;
  // A span with no text is a glyph run extraction could not read: a line holding one is
  // left out whole (see extract-layout), only read in part it would be mistranslated.
  const lines = splitLeaders(
    buildLines(attachSpacingAccents(content.spans)).filter(
      (l) => l.text.length > 0 && l.spans.every((s) => s.text !== ''),
    ),
  );
  const em = median(lines.map((l) => l.size)) || 10;
  // Fills behind some words of a line (highlights, shaded inline code) go with those words.
  markTextBackgrounds(lines, content.shapes ?? []);

  const figures = figureRegions(content, lines, pageArea, em);
  absorbLabels(figures, lines, em);
  // A ruled region holding much of the page's text and its form fields is a form, not a
  // picture: its lines are read as text (a form's labels are translated like any text).
  const kept = figures.filter((f) => !isForm(f, content, lines.length, pageArea) && !isTextBand(f));
  const items: Item[] = [];
  const free = lines.filter((line) => !kept.some((f) => f.lines.includes(line)));
  const tabled = new Set<LineBox>();
  const leftOver: LineBox[] = [];
  for (const grid of gridsOf(rulesOf(frameShapes(content.shapes ?? [], content.spans)))) {
    if (kept.some((f) => intersection(f.bbox, grid.bbox) > 0)) continue;
    const inside = free.filter((l) => !tabled.has(l) && coverage(l.bbox, grid.bbox) > 0.5);
    if (inside.length === 0) continue;
    const table = readGrid(
      grid,
      inside.flatMap((l) => l.spans),
    );
    if (!table) continue;
    for (const l of inside) {
      tabled.add(l);
      // The part of a line that runs on past the grid ("do not | check box 6a") is not the
      // table's: it stays text of its own rather than being lost.
      const past = l.spans.filter((sp) => !centreInside(sp.bbox, grid.bbox));
      if (past.length > 0) leftOver.push(...splitLeaders(buildLines(past)));
    }
    items.push({ kind: 'table', bbox: table.bbox, table });
  }
  for (const line of free)
    if (!tabled.has(line)) items.push({ kind: 'line', bbox: line.bbox, line });
  for (const line of leftOver) items.push({ kind: 'line', bbox: line.bbox, line });
  for (const f of kept) items.push({ kind: 'figure', bbox: f.bbox, figure: f });

  const monospace = monospaceTest(content, lines);
  const groups: Group[] = [];
  xyCut(items, em, content.width, groups, 0, monospace);

  const bodyLines = lines.filter((l) => l.text.length > 20);
  const bodySize = weightedMode(bodyLines.length ? bodyLines : lines);
  const bodyBold =
    bodyLines.length > 0 && bodyLines.filter((l) => l.bold).length / bodyLines.length > 0.5;

  const blocks: Block[] = [];
  // The text blocks' sizes, for the check after the loop.
  const texts: TextBlockSize[] = [];
  const push = (b: Omit<Block, 'id' | 'order'>) => {
    const order = blocks.length;
    blocks.push({ id: `p${content.number}-b${order}`, order, ...b });
  };
  for (const g of groups) {
    if (g.kind === 'figure') {
      const sorted = [...g.figure.lines].sort(
        (a, b) => a.bbox[1] - b.bbox[1] || a.bbox[0] - b.bbox[0],
      );
      const labels = sorted.filter(isClearTextRun);
      push({
        type: 'figure',
        bbox: roundBox(g.figure.bbox),
        lines: sorted.map(toLine),
        text: sorted.map((l) => l.text).join(' '),
        ...(labels.length > 0
          ? {
              cells: labels.map((l, i) => ({
                row: i,
                col: 0,
                bbox: roundBox(l.bbox),
                text: l.text,
              })),
            }
          : {}),
      });
    } else if (g.kind === 'table' && isMatrix(g.table)) {
      const sorted = mergeRowFragments(g.table.lines);
      push({
        type: 'formula',
        bbox: roundBox(g.table.bbox),
        lines: sorted.map(toLine),
        text: sorted.map((l) => l.text).join(' '),
      });
    } else if (g.kind === 'table') {
      const t = g.table;
      push({
        type: 'table',
        bbox: roundBox(t.bbox),
        lines: t.lines.map(toLine),
        text: t.cells.map((c) => c.text).join(' '),
        cells: t.cells,
      });
    } else {
      for (const run of codeRuns(g.lines, monospace, em)) {
        if (run.code) {
          push({
            type: 'code',
            bbox: roundBox(unionAll(run.lines.map((l) => l.bbox))),
            lines: run.lines.map(toLine),
            text: codeText(run.lines),
          });
          continue;
        }
        for (const para of splitParagraphs(run.lines, em, g.obstacles ?? [])) {
          const text = joinLines(para.map((l) => l.text));
          const size = weightedMode(para);
          const bold = para.every((l) => l.bold);
          const type = classifyText(
            {
              text,
              lineCount: para.length,
              size,
              bold,
              math: mathFeatures(para.flatMap((l) => l.spans)),
            },
            bodySize,
            bodyBold,
          );
          texts.push({ index: blocks.length, size, bold });
          push({
            type,
            bbox: roundBox(unionAll(para.map((l) => l.bbox))),
            lines: para.map(toLine),
            text,
          });
        }
      }
    }
  }
  demoteBodySizedHeadings(blocks, texts);
  for (const f of content.fields) {
    push({
      type: 'form_field',
      bbox: roundBox(f.bbox),
      lines: [],
      text: f.value,
      field: { name: f.name, value: f.value },
    });
  }
  return {
    number: content.number,
    width: content.width,
    height: content.height,
    rotation: content.rotation,
    scanned: false,
    blocks,
  };
}

interface TextBlockSize {
  index: number;
  size: number;
  bold: boolean;
}

/**
 * A short block is a heading when it is larger than the page's body text; on a page whose
 * notes outweigh its body (a Federal Register page with half a page of footnotes) the
 * "body" size is the notes', and the two lines of a paragraph at the foot or the head of a
 * column came out as headings. A heading by size alone (not bold) set at the size of the
 * paragraph right above or below it in its column is a paragraph: a heading is larger than
 * the text around it.
 */
function demoteBodySizedHeadings(blocks: Block[], texts: readonly TextBlockSize[]): void {
  const same = (a: number, b: number) => Math.abs(a - b) <= Math.max(a, b) * 0.05;
  const column = (a: Block, b: Block) =>
    Math.min(a.bbox[2], b.bbox[2]) - Math.max(a.bbox[0], b.bbox[0]) >
    Math.min(a.bbox[2] - a.bbox[0], b.bbox[2] - b.bbox[0]) * 0.5;
  const demoted: number[] = [];
  for (const t of texts) {
    const block = blocks[t.index]!;
    if (block.type !== 'heading' || t.bold) continue;
    // The nearest text block above and below in the same column.
    let above: TextBlockSize | undefined;
    let below: TextBlockSize | undefined;
    for (const n of texts) {
      const other = blocks[n.index]!;
      if (n === t || !column(block, other)) continue;
      if (other.bbox[3] <= block.bbox[1] + 1) {
        if (!above || other.bbox[3] > blocks[above.index]!.bbox[3]) above = n;
      } else if (other.bbox[1] >= block.bbox[3] - 1) {
        if (!below || other.bbox[1] < blocks[below.index]!.bbox[1]) below = n;
      }
    }
    const body = [above, below].some(
      (n) => n !== undefined && blocks[n.index]!.type === 'paragraph' && same(n.size, t.size),
    );
    if (body) demoted.push(t.index);
  }
  for (const k of demoted) blocks[k]!.type = 'paragraph';
}

/**
 * A figure label that can be translated in place (`translateFigureText`): a horizontal
 * run of words, two letters or more, not a number or a symbol string.
 */
function isClearTextRun(l: LineBox): boolean {
  const horizontal = l.spans.every((s) => s.bbox[3] - s.bbox[1] <= s.size * 2);
  return (
    horizontal &&
    /\p{L}{2}/u.test(l.text) &&
    (l.text.match(/\p{L}/gu)?.length ?? 0) >= l.text.replace(/\s+/gu, '').length * 0.5
  );
}

function toLine(l: LineBox): Line {
  return {
    bbox: roundBox(l.bbox),
    spans: l.spans.map((s) => ({ ...s, bbox: roundBox(s.bbox) })),
  };
}

/** The font size carrying the most characters. */
function weightedMode(lines: readonly LineBox[]): number {
  const w = new Map<number, number>();
  for (const l of lines) w.set(l.size, (w.get(l.size) ?? 0) + l.text.length);
  let best = 0;
  let bestN = -1;
  for (const [k, n] of w) if (n > bestN || (n === bestN && k < best)) [best, bestN] = [k, n];
  return best;
}

/**
 * Figures: images and vector drawings, each bounded by its own graphics. Boxes, shaded
 * panels, table grids and form cells hold text and are frames, not drawings: a rectilinear
 * shape with a text line inside, an outlined rectilinear shape (entry boxes, grids), a
 * shape holding a form field, a text background (a chip, a highlight) or any shape with
 * a line of prose inside, never seeds or
 * grows a figure. Rules (thin in one direction) do not either. A page-sized image
 * is a background or a scan, and an image under prose or under one line of text (a
 * line's shadow) is a background too.
 */
function figureRegions(
  content: PageContent,
  lines: readonly LineBox[],
  pageArea: number,
  em: number,
): FigureRegion[] {
  const prose = lines.filter((l) => looksLikeProse(l.text));
  const centreIn = (l: LineBox, b: BBox): boolean => {
    const cx = (l.bbox[0] + l.bbox[2]) / 2;
    const cy = (l.bbox[1] + l.bbox[3]) / 2;
    return cx >= b[0] && cx <= b[2] && cy >= b[1] && cy <= b[3];
  };
  const boxes: BBox[] = [];
  for (const img of content.images) {
    const b = clip(img.bbox, content.width, content.height);
    const a = area(b);
    if (a < pageArea * 0.005 || a > pageArea * 0.8) continue;
    if (prose.filter((l) => centreIn(l, b)).length >= 2) continue;
    if (lines.some((l) => isTextBackground(b, l, centreIn))) continue;
    boxes.push(b);
  }
  const merged: BBox[] = [];
  const add = (b: BBox) => {
    let box = b;
    for (
      let hit = merged.findIndex((m) => intersection(m, box) > 0);
      hit >= 0;
      hit = merged.findIndex((m) => intersection(m, box) > 0)
    ) {
      box = union(merged[hit]!, box);
      merged.splice(hit, 1);
    }
    merged.push(box);
  };
  for (const b of boxes) add(b);
  const shapes: PathShape[] =
    content.shapes ??
    content.paths.map((bbox) => ({ bbox, filled: true, stroked: false, rectilinear: false }));
  const drawing = shapes.filter((s) => {
    const b = s.bbox;
    if (s.rectilinear && lines.some((l) => centreIn(l, b))) return false;
    // Outlined boxes and grids are frames (entry boxes of a form, table cells) even when empty.
    if (s.rectilinear && !s.filled) return false;
    if (content.fields.some((f) => coverage(f.bbox, b) > 0.6)) return false;
    // A text background (a chip, a highlight, a pill button): a wide shape about one line
    // high whose width a line of text mostly fills. (A diagram's node is not wide.)
    const wide = b[2] - b[0] >= (b[3] - b[1]) * 2;
    if (wide && lines.some((l) => isTextBackground(b, l, centreIn))) return false;
    if (prose.some((l) => centreIn(l, b))) return false;
    // Horizontal and vertical rules are table borders, form lines, separators and
    // underlines; drawn alone they do not make a drawing, and they would chain a figure
    // to the text around it.
    return b[2] - b[0] > 2 && b[3] - b[1] > 2;
  });
  for (const b of boxDiagrams(shapes, lines, content, em)) add(b);
  const tags = labelCandidates(lines, em)
    .filter(isTag)
    .map((l) => l.bbox);
  for (const b of vectorFigures(
    drawing.map((s) => s.bbox),
    content.width,
    content.height,
    prose.map((l) => l.bbox),
    tags,
    em,
  ))
    add(b);
  return merged
    .map((bbox) => ({ bbox, lines: [] as LineBox[] }))
    .filter((f) => {
      // Graphics scattered among paragraphs (decorations, marginal rules) are no figure.
      const inside = prose.filter((l) => coverage(l.bbox, f.bbox) > 0.6);
      const proseArea = inside.reduce((n, l) => n + area(l.bbox), 0);
      return !(inside.length >= 3 && proseArea > area(f.bbox) * 0.2);
    });
}

/**
 * Whether a graphic is the background of one line of text: no more than about a line high,
 * with the line across at least half its width (a chip, a highlight, or the soft shadow or
 * glow a slide or flyer draws behind each line as an image). The line is text to translate,
 * not a figure's label.
 */
function isTextBackground(
  b: BBox,
  l: LineBox,
  centreIn: (l: LineBox, b: BBox) => boolean,
): boolean {
  return (
    centreIn(l, b) &&
    l.bbox[2] - l.bbox[0] >= (b[2] - b[0]) * 0.5 &&
    b[3] - b[1] <= (l.bbox[3] - l.bbox[1]) * 2.5
  );
}

/**
 * Give each figure the labels inside its drawn region: lines no larger than body text,
 * neither prose nor a caption. A tag of up to three words (a node name running past its
 * box, a panel's "(a)" under it) may lie up to two ems outside. The figure's box grows to
 * hold them, which lets it reach the next tag.
 */
function absorbLabels(figures: FigureRegion[], lines: readonly LineBox[], em: number): void {
  const taken = new Set<LineBox>();
  const candidates = labelCandidates(lines, em).filter((l) => !continuesProse(l, lines));
  for (let changed = true; changed;) {
    changed = false;
    for (const line of candidates) {
      if (taken.has(line)) continue;
      const tag = isTag(line);
      const f =
        figures.find((fig) => coverage(line.bbox, fig.bbox) > 0.6) ??
        (tag
          ? figures.find((fig) => coverage(line.bbox, grow(fig.bbox, em * 2)) > 0.6)
          : undefined);
      if (!f) continue;
      f.lines.push(line);
      f.bbox = union(f.bbox, line.bbox);
      taken.add(line);
      changed = true;
    }
  }
}

/**
 * Whether a line is the last line of running text, not a label: set right under a line of
 * prose at its left edge and size, at the text's line spacing ("Herzlich Ihr" closing a
 * letter, over the picture of the signature under it).
 */
function continuesProse(line: LineBox, lines: readonly LineBox[]): boolean {
  const h = line.bbox[3] - line.bbox[1];
  return lines.some(
    (l) =>
      l !== line &&
      Math.abs(l.bbox[0] - line.bbox[0]) <= 1 &&
      Math.abs(l.size - line.size) <= line.size * 0.05 &&
      line.bbox[1] - l.bbox[3] >= -h * 0.1 &&
      line.bbox[1] - l.bbox[3] <= h * 0.6 &&
      looksLikeProse(l.text),
  );
}

/** Whether two boxes touch or lie within `d` of each other (a rule's box may have no width). */
function near(a: BBox, b: BBox, d: number): boolean {
  return a[0] <= b[2] + d && b[0] <= a[2] + d && a[1] <= b[3] + d && b[1] <= a[3] + d;
}

/**
 * Diagrams drawn only of straight lines: boxes that each hold a short label (a flowchart's
 * steps, an architecture's components) joined by connectors (rules, and small marks such
 * as arrowheads). Such a group is a figure when it has two labelled boxes or more, no two
 * of them touch (the cells of a table or a form share their borders) and no prose lies in
 * its region. Its labels are then a figure's labels, kept as drawn by default.
 */
function boxDiagrams(
  shapes: readonly PathShape[],
  lines: readonly LineBox[],
  content: PageContent,
  em: number,
): BBox[] {
  const centre = (b: BBox): [number, number] => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  const holds = (b: BBox, l: LineBox): boolean => {
    const [x, y] = centre(l.bbox);
    return x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];
  };
  const labels = new Set(labelCandidates(lines, em));
  const pageArea = content.width * content.height;
  const boxes: BBox[] = [];
  const connectors: BBox[] = [];
  for (const s of shapes) {
    const b = s.bbox;
    const w = b[2] - b[0];
    const h = b[3] - b[1];
    const inside = lines.filter((l) => holds(b, l));
    if (s.rectilinear && w > em && h > em && area(b) < pageArea * 0.05) {
      if (
        inside.length > 0 &&
        inside.length <= 3 &&
        inside.every((l) => labels.has(l) && coverage(l.bbox, b) > 0.9)
      )
        boxes.push(b);
      continue;
    }
    if (inside.length > 0) continue;
    // A connector: a straight line (a rule, horizontal, vertical or slanted) or a small mark (an arrowhead).
    if (Math.min(w, h) <= 2 || (w <= em && h <= em)) connectors.push(b);
  }
  if (boxes.length < 2) return [];
  // Groups of boxes and connectors that touch, through each other.
  const items = [
    ...boxes.map((b) => ({ b, box: true })),
    ...connectors.map((b) => ({ b, box: false })),
  ];
  const group = items.map((_, i) => i);
  const find = (i: number): number => (group[i] === i ? i : (group[i] = find(group[i]!)));
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (!items[i]!.box && !items[j]!.box) {
        if (!near(items[i]!.b, items[j]!.b, 1)) continue;
      } else if (!near(items[i]!.b, items[j]!.b, 3)) continue;
      group[find(i)] = find(j);
    }
  }
  const members = new Map<number, { b: BBox; box: boolean }[]>();
  items.forEach((it, i) => {
    const g = find(i);
    members.set(g, [...(members.get(g) ?? []), it]);
  });
  const out: BBox[] = [];
  for (const m of members.values()) {
    const inGroup = m.filter((it) => it.box).map((it) => it.b);
    if (inGroup.length < 2 || inGroup.length === m.length) continue;
    if (inGroup.some((a, i) => inGroup.some((b, j) => j > i && near(a, b, 1)))) continue;
    const region = unionAll(m.map((it) => it.b));
    if (lines.some((l) => holds(region, l) && !labels.has(l))) continue;
    out.push(region);
  }
  return out;
}

/** Lines that may label a figure: no larger than body text, neither prose nor a caption. */
function labelCandidates(lines: readonly LineBox[], em: number): LineBox[] {
  return lines.filter(
    (l) => !looksLikeProse(l.text) && !looksLikeCaption(l.text) && l.size <= em * 1.25,
  );
}

/** A tag: up to three words that are not a numbered heading ("(a)", "Trace 1", "Exit Guard"). */
function isTag(line: LineBox): boolean {
  return line.text.split(/\s+/u).length <= 3 && !/^\d+(?:\.\d+)*\.?\s+\p{L}/u.test(line.text);
}

/**
 * Vector drawings: clusters of nearby shapes with real area (boxes, curves, diagonal
 * strokes), merged with nearby clusters when no prose lies between them. A handful of
 * small marks (check boxes, bullets, icons) is no figure.
 */
function vectorFigures(
  paths: readonly BBox[],
  pageWidth: number,
  pageHeight: number,
  prose: readonly BBox[],
  tags: readonly BBox[],
  em: number,
): BBox[] {
  const pageArea = pageWidth * pageHeight;
  let clusters: { box: BBox; count: number; solid: number }[] = [];
  for (const p of paths) {
    const b = clip(p, pageWidth, pageHeight);
    if (area(b) > pageArea * 0.5) continue;
    // A large painted shape is a drawing on its own (a chart's bars drawn as one path).
    const weight = area(b) >= pageArea * 0.02 ? 6 : 1;
    const solid = b[2] - b[0] > 2 && b[3] - b[1] > 2 ? weight : 0;
    const near: BBox = [b[0] - 6, b[1] - 6, b[2] + 6, b[3] + 6];
    let target = clusters.find((c) => intersection(c.box, near) > 0);
    if (!target) {
      target = { box: b, count: 0, solid: 0 };
      clusters.push(target);
    }
    target.box = union(target.box, b);
    target.count += weight;
    target.solid += solid;
  }
  // Merge clusters that grew into each other until none overlap.
  for (let changed = true; changed;) {
    changed = false;
    const merged: typeof clusters = [];
    for (const c of clusters) {
      const hit = merged.find((m) => intersection(m.box, c.box) > 0);
      if (hit) {
        hit.box = union(hit.box, c.box);
        hit.count += c.count;
        hit.solid += c.solid;
        changed = true;
      } else merged.push({ ...c });
    }
    clusters = merged;
  }
  // Parts of one figure (panels (a) and (b), a chart and its legend) sit apart with some
  // white space between them, but with no running text in it. A part is measured with the
  // tags around it (a panel's "(a)", its node names), as the labels that separate two
  // panels belong to them.
  const parts = clusters.filter((c) => c.count >= 2);
  for (const part of parts) {
    for (let grown = true; grown;) {
      grown = false;
      for (const t of tags) {
        if (coverage(t, part.box) > 0.6 || coverage(t, grow(part.box, em * 2)) <= 0.6) continue;
        part.box = union(part.box, t);
        grown = true;
      }
    }
  }
  // Pairwise joining is quadratic in the parts per pass: a page of thousands of separate
  // marks (a map, a scatter plot) keeps the clusters of the first pass.
  for (let changed = parts.length <= 400; changed;) {
    changed = false;
    for (let i = 0; i < parts.length && !changed; i++) {
      for (let j = i + 1; j < parts.length && !changed; j++) {
        const a = parts[i]!;
        const b = parts[j]!;
        if (intersection([a.box[0] - 24, a.box[1] - 24, a.box[2] + 24, a.box[3] + 24], b.box) === 0)
          continue;
        const box = union(a.box, b.box);
        if (prose.some((l) => coverage(l, box) > 0.5)) continue;
        parts[i] = { box, count: a.count + b.count, solid: a.solid + b.solid };
        parts.splice(j, 1);
        changed = true;
      }
    }
  }
  return parts
    .filter(
      (c) =>
        c.count >= 6 && c.solid >= 4 && area(c.box) >= pageArea * 0.01 && c.box[3] - c.box[1] >= 30,
    )
    .map((c) => c.box);
}

function clip(b: BBox, w: number, h: number): BBox {
  return [Math.max(0, b[0]), Math.max(0, b[1]), Math.min(w, b[2]), Math.min(h, b[3])];
}

/** Whitespace gaps along one axis, as [start, end] of each uncovered interval. */
function gaps(items: readonly Item[], axis: 0 | 1, minGap: number): [number, number][] {
  const spans = items
    .map((i) => [i.bbox[axis], i.bbox[axis + 2]] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let end = spans[0]![1];
  for (let i = 1; i < spans.length; i++) {
    const [s, e] = spans[i]!;
    if (s - end >= minGap) out.push([end, s]);
    end = Math.max(end, e);
  }
  return out;
}

/**
 * Recursive XY-cut. A vertical whitespace channel (columns) is cut before
 * horizontal gaps, so a column is read to its end before the next one starts;
 * full-width elements (titles, wide figures) block the channel and are cut off
 * horizontally first. A region that forms a grid becomes a table.
 */
function xyCut(
  items: Item[],
  em: number,
  pageWidth: number,
  out: Group[],
  depth: number,
  isCode: (line: LineBox) => boolean,
): void {
  if (items.length === 0) return;
  if (items.length === 1 || depth > 60) {
    emitLeaf(items, out);
    return;
  }
  const xGaps = gaps(items, 0, Math.max(em * 0.8, 4));
  if (xGaps.length > 0) {
    const lineItems = items.filter((i): i is Extract<Item, { kind: 'line' }> => i.kind === 'line');
    // A listing's columns (line numbers, operands, comments) are not a table, nor are the
    // columns of a contents page or an index (entries with leaders).
    const leaders = lineItems.filter((i) => i.line.leader === true).length;
    if (
      lineItems.length === items.length &&
      lineItems.filter((i) => isCode(i.line)).length * 2 < lineItems.length &&
      leaders * 5 < lineItems.length &&
      !isContentsList(
        lineItems.map((i) => i.line),
        em,
      )
    ) {
      const table = detectTable(
        lineItems.map((i) => i.line),
        pageWidth,
        em,
      );
      if (table) {
        out.push({ kind: 'table', table });
        return;
      }
    }
    let widest = xGaps[0]!;
    for (const g of xGaps) if (g[1] - g[0] > widest[1] - widest[0]) widest = g;
    const cutAt = (widest[0] + widest[1]) / 2;
    const left = items.filter((i) => (i.bbox[0] + i.bbox[2]) / 2 < cutAt);
    const right = items.filter((i) => (i.bbox[0] + i.bbox[2]) / 2 >= cutAt);
    if (left.length > 0 && right.length > 0) {
      xyCut(left, em, pageWidth, out, depth + 1, isCode);
      xyCut(right, em, pageWidth, out, depth + 1, isCode);
      return;
    }
  }
  const yGaps = gaps(items, 1, Math.max(em * 0.6, 3));
  if (yGaps.length > 0) {
    const sorted = [...items].sort((a, b) => a.bbox[1] - b.bbox[1]);
    const cuts = yGaps.map((g) => (g[0] + g[1]) / 2);
    let ci = 0;
    const parts: Item[][] = [];
    let current: Item[] = [];
    for (const item of sorted) {
      while (ci < cuts.length && (item.bbox[1] + item.bbox[3]) / 2 > cuts[ci]!) {
        if (current.length) parts.push(current);
        current = [];
        ci++;
      }
      current.push(item);
    }
    if (current.length) parts.push(current);
    if (parts.length > 1) {
      for (const p of parts) xyCut(p, em, pageWidth, out, depth + 1, isCode);
      return;
    }
  }
  emitLeaf(items, out);
}

/** A page number of a contents entry: arabic (up to four digits) or roman. */
const PAGE_NUMBER_RE = /^(?:\d{1,4}|[ivxlcdm]{1,7})$/iu;

/**
 * Whether lines are a contents list whose leaders are drawn (dashed rules) or left out: four
 * entries or more, each a title with its page number flush right on the same row, the
 * numbers never falling down the page and the titles words, not figures. A table of
 * figures has columns of numbers that do not rise in order, or no words beside them.
 */
function isContentsList(lines: readonly LineBox[], em: number): boolean {
  const numbers = lines.filter((l) => PAGE_NUMBER_RE.test(l.text.trim()));
  if (numbers.length < 4 || numbers.length * 4 < lines.length) return false;
  const right = Math.max(...numbers.map((l) => l.bbox[2]));
  const entries = numbers
    .filter((n) => n.bbox[2] >= right - em * 0.5)
    .sort((a, b) => a.bbox[1] - b.bbox[1]);
  if (entries.length < 4 || entries.length * 2 < numbers.length) return false;
  const titled = entries.filter((n) =>
    lines.some(
      (l) =>
        l !== n &&
        sameRow(l, n) &&
        l.bbox[2] < n.bbox[0] &&
        /\p{L}{2}/u.test(l.text) &&
        !PAGE_NUMBER_RE.test(l.text.trim()),
    ),
  );
  if (titled.length * 4 < entries.length * 3) return false;
  const arabic = entries.filter((n) => /^\d+$/u.test(n.text.trim())).map((n) => Number(n.text));
  return arabic.every((v, i) => i === 0 || v >= arabic[i - 1]!);
}

function emitLeaf(items: Item[], out: Group[]): void {
  const sorted = [...items].sort((a, b) => a.bbox[1] - b.bbox[1] || a.bbox[0] - b.bbox[0]);
  const obstacles = items.filter((i) => i.kind !== 'line').map((i) => i.bbox);
  let lines: LineBox[] = [];
  const flush = () => {
    if (lines.length)
      out.push({ kind: 'lines', lines, ...(obstacles.length ? { obstacles } : {}) });
    lines = [];
  };
  for (const item of sorted) {
    if (item.kind === 'line') {
      lines.push(item.line);
      continue;
    }
    flush();
    out.push(
      item.kind === 'table'
        ? { kind: 'table', table: item.table }
        : { kind: 'figure', figure: item.figure },
    );
  }
  flush();
}

/** Font names of fixed-pitch typefaces (TeX's `cmtt`, Courier, the *Mono families...). */
const MONOSPACE_NAME =
  /mono|courier|consol|menlo|monaco|inconsolata|typewriter|cmtt|sftt|lmtt|txtt|letter ?gothic|andale|source ?code|lucida ?console|fira ?code|fixedsys/iu;
/** Characters that mark a line as program text rather than prose set in a typewriter face. */
const CODE_SYNTAX = /[{}();=<>[\]#$\\]|::|->|\/\//u;

/**
 * Whether a line is part of a program listing: every span in a fixed-pitch font. On a
 * page set mostly in such a font (a typewritten or plain-text document) only lines that
 * also read like code count.
 */
function monospaceTest(
  content: PageContent,
  lines: readonly LineBox[],
): (line: LineBox) => boolean {
  const isMono = (font: string): boolean =>
    MONOSPACE_NAME.test(font) || (content.monospaceFonts?.has(font) ?? false);
  const allMono = (l: LineBox): boolean =>
    l.spans.length > 0 && l.spans.every((s) => isMono(s.font));
  const chars = lines.reduce((n, l) => n + l.text.length, 0);
  const monoChars = lines.filter(allMono).reduce((n, l) => n + l.text.length, 0);
  const mostlyMono = chars > 0 && monoChars / chars > 0.6;
  return (l) => allMono(l) && readsAsCode(l.text) && (!mostlyMono || CODE_SYNTAX.test(l.text));
}

/**
 * Program text is mostly ASCII and has a letter or digit: this keeps out CJK text (whose
 * fonts are often flagged fixed-pitch) and lone symbols (arrows, bullets).
 */
function readsAsCode(text: string): boolean {
  const chars = [...text.replace(/\s+/gu, '')];
  const ascii = chars.filter((c) => c <= '\u007f').length;
  return chars.length > 0 && ascii >= chars.length * 0.8 && /[\p{L}\p{N}]/u.test(text);
}

/**
 * Cuts a run of lines into listings (consecutive code lines, a line-number column
 * included) and the rest, in reading order. A blank gap of two lines ends a listing.
 * A run of fixed-pitch lines that reads as sentences is prose set in a typewriter face.
 */
function codeRuns(
  lines: readonly LineBox[],
  isCode: (line: LineBox) => boolean,
  em: number,
): { code: boolean; lines: LineBox[] }[] {
  const sorted = mergeRowFragments(lines);
  const out: { code: boolean; lines: LineBox[] }[] = [];
  for (const line of sorted) {
    const code = isCode(line);
    const last = out[out.length - 1];
    const prev = last?.lines[last.lines.length - 1];
    const near = prev !== undefined && line.bbox[1] - prev.bbox[3] <= em * 2;
    if (last && last.code === code && (!code || near)) last.lines.push(line);
    else out.push({ code, lines: [line] });
  }
  const joined: { code: boolean; lines: LineBox[] }[] = [];
  for (const run of out) {
    const code =
      run.code &&
      readsAsListing(
        run.lines.map((l) => l.text),
        run.lines.map((l) => l.bbox[0]),
        em,
      );
    const last = joined[joined.length - 1];
    if (last && !last.code && !code) last.lines.push(...run.lines);
    else joined.push({ code, lines: [...run.lines] });
  }
  return joined;
}

/**
 * Whether lines set in a fixed-pitch font read as a program listing: syntax characters,
 * indentation steps, or short lines of identifiers. Lines that are mostly sentences
 * (many words, no syntax) are prose, whatever the font.
 */
export function readsAsListing(
  texts: readonly string[],
  starts: readonly number[],
  em: number,
): boolean {
  if (texts.length === 0) return false;
  const syntax = texts.filter((t) => CODE_SYNTAX.test(t) || /[;{}]\s*$/u.test(t)).length;
  const sentences = texts.filter((t) => looksLikeProse(t) && !CODE_SYNTAX.test(t)).length;
  const x0 = Math.min(...starts);
  const indents = new Set(starts.map((x) => Math.round((x - x0) / Math.max(em * 0.5, 1)))).size;
  if (sentences / texts.length >= 0.5 && syntax / texts.length < 0.3) return false;
  return syntax > 0 || indents > 1 || sentences === 0;
}

/** A listing's text: one line per row, fragments of a row (line number, code) joined by a space. */
function codeText(lines: readonly LineBox[]): string {
  const rows: LineBox[][] = [];
  for (const l of lines) {
    const row = rows[rows.length - 1];
    const first = row?.[0];
    if (
      first &&
      Math.min(first.bbox[3], l.bbox[3]) - Math.max(first.bbox[1], l.bbox[1]) >
        0.5 * Math.min(first.bbox[3] - first.bbox[1], l.bbox[3] - l.bbox[1])
    )
      row!.push(l);
    else rows.push([l]);
  }
  return rows.map((r) => r.map((l) => l.text).join(' ')).join('\n');
}

/**
 * A figure region that is a form: it holds much of the page's text (more than 40 lines
 * and a third of the page's lines, over a third of the page) and form fields. Without the
 * fields such a region may be a diagram merged with text around it, which stays a figure.
 */
function isForm(
  figure: FigureRegion,
  content: PageContent,
  pageLines: number,
  pageArea: number,
): boolean {
  if (
    figure.lines.length <= 40 ||
    figure.lines.length < pageLines / 3 ||
    area(figure.bbox) <= pageArea / 3
  )
    return false;
  return content.fields.filter((f) => coverage(f.bbox, figure.bbox) > 0.6).length >= 3;
}

/**
 * A band of graphics no taller than about two lines of the text it holds: a heading set
 * on a coloured bar, a highlighted line, a banner. Its text is read as text.
 */
function isTextBand(figure: FigureRegion): boolean {
  if (figure.lines.length === 0) return false;
  const tallest = Math.max(...figure.lines.map((l) => l.bbox[3] - l.bbox[1]));
  return (
    figure.bbox[3] - figure.bbox[1] <= tallest * 2.5 &&
    figure.lines.some((l) => /\p{L}{2}/u.test(l.text))
  );
}

/**
 * Split a run of lines with even spacing into paragraphs, list items and headings. Two
 * lines whose joint box reaches over a table or figure of the same region (`obstacles`)
 * are never one block: a form's label on the left and a check box's label on the right of
 * a table, a label and a letter of a vertical "PRINT CLEARLY" beside the form's grid.
 */
function splitParagraphs(
  lines: readonly LineBox[],
  em: number,
  obstacles: readonly BBox[] = [],
): LineBox[][] {
  const sorted = mergeRowFragments(lines);
  const x0 = Math.min(...sorted.map((l) => l.bbox[0]));
  const x1 = Math.max(...sorted.map((l) => l.bbox[2]));
  const measure = textMeasure(sorted);
  const out: LineBox[][] = [];
  let current: LineBox[] = [];
  // Where the value beside a label starts, while the block read is that value.
  let valueX: number | undefined;
  sorted.forEach((line, i) => {
    const prev = sorted[i - 1];
    let brk = false;
    if (prev) {
      const sizeChange = Math.abs(line.size - prev.size) > Math.max(prev.size, line.size) * 0.12;
      const boldChange = line.bold !== prev.bold;
      const indent = line.bbox[0] - x0 > em * 0.8 && prev.bbox[0] - x0 <= em * 0.8;
      const prevShort = prev.bbox[2] < x1 - em * 3 && /[.!?:;)"'”。]$/.test(prev.text);
      const gap = line.bbox[1] - prev.bbox[3];
      // Two lines whose joint box reaches over a table or figure of the region are not one block.
      const joint = union(prev.bbox, line.bbox);
      const acrossObstacle = obstacles.some((o) => intersection(joint, grow(o, -1)) > 0);
      brk =
        acrossObstacle ||
        // A contents entry's title ends at its leader; the leader and page number stand alone.
        line.leader === true ||
        prev.leader === true ||
        // A contents entry whose leader runs to the end of its line, the page number set
        // apart: the next line is the next entry.
        /(?:[.·…]\s*){5,}$/u.test(prev.text) ||
        sizeChange ||
        boldChange ||
        (indent && /[.!?:;)"'”。]$/.test(prev.text)) ||
        prevShort ||
        startsLikeListItem(line.text) ||
        startsWithNoteMarker(line) ||
        looksLikeCaption(line.text) ||
        // A one-line caption ends where its line ends short of the column.
        (looksLikeCaption(prev.text) &&
          current.length === 1 &&
          prev.bbox[2] < line.bbox[2] - em * 3) ||
        // A label with its value set beside it is a block of its own, and so is the value,
        // which ends where a line starts left of it (the next label's row).
        isLabelBeside(sorted, i) ||
        isLabelBeside(sorted, i - 1) ||
        apartFromLineNumber(sorted, i, em) ||
        (isDisplayMath(prev) && prev.bbox[0] > x0 + em && isTextLine(line)) ||
        // Set in from the paragraph it follows, not from the region (whose left edge may
        // be a heading's, set out from the paragraphs under it).
        (isDisplayMath(line) && line.bbox[0] > leftOf(current, x0) + em && isTextLine(prev)) ||
        (valueX !== undefined && line.bbox[0] < valueX - em) ||
        endsBeforeRoomRunsOut(prev, line, measure, obstacles) ||
        gap > em * 1.2;
    }
    if (brk && current.length) {
      out.push(current);
      current = [];
      valueX = undefined;
    }
    if (current.length === 0 && i > 0 && isLabelBeside(sorted, i - 1)) valueX = line.bbox[0];
    current.push(line);
  });
  if (current.length) out.push(current);
  return out;
}

/**
 * The measure of a run of lines: the left and right edges of the lines that stand alone on
 * their row (a label's value or a date set on the row of a title does not widen it).
 */
function textMeasure(lines: readonly LineBox[]): [number, number] {
  const solo = lines.filter((l) => !lines.some((o) => o !== l && sameRow(o, l)));
  const from = solo.length > 0 ? solo : lines;
  return [Math.min(...from.map((l) => l.bbox[0])), Math.max(...from.map((l) => l.bbox[2]))];
}

/**
 * Whether a line ends where the first word of the next line would still have fitted: the
 * break was set by hand (a name under "Members:", a byline, a title over its date, an entry
 * of a contents list), not by the measure running out, so the next line starts a block of
 * its own. A line set flush left has the room up to the measure's right edge (or a figure
 * beside it); a centred line has the room left over on both sides. Only lines shorter than
 * 70% of the measure are judged: ragged text ends its lines anywhere in the last word's
 * width or so.
 */
function endsBeforeRoomRunsOut(
  prev: LineBox,
  line: LineBox,
  [left, right]: readonly [number, number],
  obstacles: readonly BBox[],
): boolean {
  if (sameRow(prev, line) || /[-‐‑­]$/u.test(prev.text)) return false;
  // OCR'd words (a scanned diagram's labels, a scan's lines) have boxes too rough to judge
  // the room by.
  if ([...prev.spans, ...line.spans].some((s) => s.font === 'ocr')) return false;
  // Mathematics has its own rules (displayed lines are centred), and a line most of the
  // measure long may have ended where a wide word did not fit (the estimate below is an
  // average letter's width).
  if (!isTextLine(prev) || !isTextLine(line)) return false;
  if (prev.bbox[2] - prev.bbox[0] > (right - left) * 0.7) return false;
  const word = /^\S+/u.exec(line.text.trim())?.[0];
  if (!word) return false;
  const width = line.bbox[2] - line.bbox[0];
  const wordWidth = (width * word.length) / Math.max(1, line.text.length);
  const em = prev.size;
  let end = right;
  for (const o of obstacles)
    if (o[0] >= prev.bbox[2] && o[1] < prev.bbox[3] && o[3] > prev.bbox[1])
      end = Math.min(end, o[0]);
  const slackLeft = prev.bbox[0] - left;
  const slackRight = end - prev.bbox[2];
  const centred = slackLeft > em && slackRight > em && Math.abs(slackLeft - slackRight) <= em;
  const room = centred ? slackLeft + slackRight : slackRight;
  return room > wordWidth + em * 0.8;
}

/** The left edge of the lines of a paragraph being read (the region's, before its first line). */
function leftOf(lines: readonly LineBox[], regionLeft: number): number {
  return lines.length ? Math.min(...lines.map((l) => l.bbox[0])) : regionLeft;
}

/** A footnote's mark: a number, a letter or a reference symbol. */
const NOTE_MARK_RE = /^(?:\d{1,3}|[a-z]|[*†‡§¶#]{1,3})$/u;

/**
 * Whether a line starts with a footnote's mark set raised and small ("¹ 2021 estimate"):
 * each note is a paragraph of its own, however short the one before it. A mark inside
 * running text hangs on the word before it, so a line does not start with one.
 */
function startsWithNoteMarker(line: LineBox): boolean {
  const [mark, next] = line.spans;
  if (!mark || !next || !NOTE_MARK_RE.test(mark.text.trim())) return false;
  return (
    mark.size <= next.size * 0.8 &&
    mark.bbox[3] < next.bbox[3] - next.size * 0.2 &&
    /\p{L}|\p{N}/u.test(next.text)
  );
}

/**
 * Whether `lines[i]` is a label with its value set beside it on the same row, as a form or
 * an agenda sets them ("District Representatives:   Board President ..."): a short line
 * (six words at most) ending in a colon, the next line of the row starting an em or more
 * to its right.
 */
function isLabelBeside(lines: readonly LineBox[], i: number): boolean {
  const label = lines[i];
  const value = lines[i + 1];
  if (!label || !value || !/:$/u.test(label.text.trim())) return false;
  if (label.text.trim().split(/\s+/u).length > 6) return false;
  const overlap =
    Math.min(label.bbox[3], value.bbox[3]) - Math.max(label.bbox[1], value.bbox[1]) >
    0.5 * Math.min(label.bbox[3] - label.bbox[1], value.bbox[3] - value.bbox[1]);
  return overlap && value.bbox[0] - label.bbox[2] >= Math.min(label.size, value.size);
}

/**
 * A line of mathematics: four characters or more in math fonts and at most one word of
 * text ("g ∘ h := g · h und ι(g) := g⁻¹", "h ↦ g · h"), no more letters in text fonts than
 * characters in math fonts. Set in from the left edge of the lines around it, it is
 * displayed: TeX sets it apart from the sentence that leads into it, and read into that
 * sentence's paragraph it was set inline, in the text face, when the paragraph was
 * translated. At the left edge it is a sentence's inline formula wrapped onto a line.
 */
function isDisplayMath(l: LineBox): boolean {
  const { mathChars, textWords } = mathFeatures(l.spans);
  if (mathChars < 4 || textWords > 1) return false;
  const textLetters = l.spans
    .filter((s) => !isMathFont(s.font))
    .reduce((n, s) => n + (s.text.match(/\p{L}/gu)?.length ?? 0), 0);
  return textLetters <= mathChars;
}

/** A line with words in a text font that is not displayed mathematics (an equation's number is neither). */
function isTextLine(l: LineBox): boolean {
  return !isDisplayMath(l) && l.spans.some((s) => !isMathFont(s.font) && /\p{L}{2}/u.test(s.text));
}

/**
 * A grid set in math fonts with no word of text (a matrix: "a₁₁ … a₁ₙ" over "aₙ₁ … aₙₙ")
 * is a formula, kept as set: read as a table, its entries were counted as words left
 * untranslated, and a translation could set each cell on its own.
 */
function isMatrix(t: TableRegion): boolean {
  const { mathChars, textWords } = mathFeatures(t.lines.flatMap((l) => l.spans));
  return mathChars >= 4 && textWords === 0;
}

/** A form's line number, set bold ("7", "8b", "20b", the "b" below "8a"): a line label, not a word. */
function isLineNumber(l: LineBox): boolean {
  return l.bold && /^(?:\d{1,2}[a-z]?|[a-z])$/u.test(l.text.trim());
}

/**
 * Whether `lines[i]` is kept apart from the line read before it because one of them is a
 * form's line number that is not the other's: one on another row with no width in common
 * (the number of a box at the right of one row and the note in the left margin on the
 * next, as Form 1040 sets them), or the number of the text that follows it on its row, set
 * an em or more after the line before it (the next line's number beside a margin note).
 * A number before its own row's text stays with it.
 */
function apartFromLineNumber(lines: readonly LineBox[], i: number, em: number): boolean {
  const prev = lines[i - 1];
  const line = lines[i]!;
  if (!prev || (!isLineNumber(prev) && !isLineNumber(line))) return false;
  const gap = Math.max(line.bbox[0] - prev.bbox[2], prev.bbox[0] - line.bbox[2]);
  if (!sameRow(prev, line)) return gap > 0;
  const next = lines[i + 1];
  return (
    isLineNumber(line) &&
    line.bbox[0] - prev.bbox[2] >= em &&
    next !== undefined &&
    sameRow(line, next) &&
    next.bbox[0] > line.bbox[2]
  );
}

/** Whether two lines overlap vertically by half the height of the lower one or more. */
function sameRow(a: LineBox, b: LineBox): boolean {
  return (
    Math.min(a.bbox[3], b.bbox[3]) - Math.max(a.bbox[1], b.bbox[1]) >
    0.5 * Math.min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])
  );
}

/** Fragments of one visual row inside a leaf (e.g. a label and its value) read left to right. */
function mergeRowFragments(lines: readonly LineBox[]): LineBox[] {
  return [...lines].sort((a, b) => {
    const sameRow =
      Math.min(a.bbox[3], b.bbox[3]) - Math.max(a.bbox[1], b.bbox[1]) >
      0.5 * Math.min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]);
    return sameRow ? a.bbox[0] - b.bbox[0] : a.bbox[1] - b.bbox[1];
  });
}

/** Whether a box's centre lies in a grid's area, as `readGrid` assigns spans to its cells. */
function centreInside(b: BBox, box: BBox): boolean {
  const x = (b[0] + b[2]) / 2;
  const y = (b[1] + b[3]) / 2;
  return x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
}

function grow(b: BBox, d: number): BBox {
  return [b[0] - d, b[1] - d, b[2] + d, b[3] + d];
}
