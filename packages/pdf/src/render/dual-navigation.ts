import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFRef,
  PDFString,
  type PDFContext,
  type PDFDocument,
  type PDFObject,
  type PDFPage,
} from 'pdf-lib';
import { applyPoint, transformBox } from '../content/matrix.js';
import type { Matrix } from '../content/content-types.js';

/**
 * Where one page of a source document (the original or its translation) lands in the
 * bilingual PDF: the output page and the map from the source page's user space to it.
 */
export interface PagePlacement {
  page: PDFPage;
  /** Source page user space -> output page user space. */
  toOut: Matrix;
}

/** Pages of one input document by their object reference (`"12 0 R"`). */
export type PlacementMap = ReadonlyMap<string, PagePlacement>;

/** Outline items copied at most (a hostile file's outline is not walked for ever). */
const MAX_OUTLINE_ITEMS = 20_000;
/** Nesting of a name tree followed at most. */
const MAX_NAME_TREE_DEPTH = 32;

/**
 * Takes the link annotations off `page` (its other annotations stay) and returns them:
 * copied as they are, their targets would point into the input documents.
 */
export function detachLinks(source: PDFDocument, page: PDFPage): PDFDict[] {
  const annots = page.node.lookup(PDFName.of('Annots'));
  if (!(annots instanceof PDFArray)) return [];
  const links: PDFDict[] = [];
  const kept: PDFObject[] = [];
  for (const item of annots.asArray()) {
    const annot = source.context.lookup(item);
    if (annot instanceof PDFDict && annot.get(PDFName.of('Subtype')) === PDFName.of('Link'))
      links.push(annot);
    else kept.push(item);
  }
  page.node.set(PDFName.of('Annots'), source.context.obj(kept));
  return links;
}

/**
 * The link annotations taken from a page (`detachLinks`) placed on the output page where `from` is drawn, their
 * targets moved to where those pages now are. Links to pages the bilingual PDF does not
 * hold, and actions other than URI, GoTo and Named, are left out. Returns how many were
 * placed.
 */
export function carryLinks(
  source: PDFDocument,
  links: readonly PDFDict[],
  placement: PagePlacement,
  pages: PlacementMap,
  out: PDFDocument,
): number {
  const ctx = source.context;
  let placed = 0;
  for (const annot of links) {
    const rect = numbers(ctx, annot.lookup(PDFName.of('Rect')));
    if (rect.length !== 4) continue;
    const target = linkTarget(source, annot, pages, out.context);
    if (!target) continue;
    const [x0, y0, x1, y1] = transformBox(placement.toOut, rect[0]!, rect[1]!, rect[2]!, rect[3]!);
    const entries: Record<string, PDFObject> = {
      Type: PDFName.of('Annot'),
      Subtype: PDFName.of('Link'),
      Rect: out.context.obj([x0, y0, x1, y1].map(round)),
      // No border: the original draws none on screen either unless it says so below.
      Border: out.context.obj([0, 0, 0]),
      ...target,
    };
    const quads = numbers(ctx, annot.lookup(PDFName.of('QuadPoints')));
    if (quads.length >= 8 && quads.length % 8 === 0) {
      const moved: number[] = [];
      for (let i = 0; i < quads.length; i += 2)
        moved.push(...applyPoint(placement.toOut, quads[i]!, quads[i + 1]!).map(round));
      entries.QuadPoints = out.context.obj(moved);
    }
    const border = numbers(ctx, annot.lookup(PDFName.of('Border')));
    if (border.length >= 3) entries.Border = out.context.obj(border.slice(0, 3));
    const colour = numbers(ctx, annot.lookup(PDFName.of('C')));
    if (colour.length > 0 && colour.length <= 4) entries.C = out.context.obj(colour);
    const highlight = annot.lookup(PDFName.of('H'));
    if (highlight instanceof PDFName) entries.H = highlight;
    placement.page.node.addAnnot(out.context.register(out.context.obj(entries)));
    placed++;
  }
  return placed;
}

/** A bookmark to write: its dictionary (title and target), made open or closed. */
export interface OutlineItem {
  ref: PDFRef;
  dict: PDFDict;
  children: OutlineItem[];
  open: boolean;
}

/**
 * Writes `top` as the outline of `doc`: each item linked to its parent and siblings, with
 * the count of its visible descendants (negative when closed).
 */
export function writeOutline(doc: PDFDocument, top: readonly OutlineItem[]): void {
  if (top.length === 0) return;
  const ctx = doc.context;
  const visible = (items: readonly OutlineItem[]): number =>
    items.reduce((n, i) => n + 1 + (i.open ? visible(i.children) : 0), 0);
  const link = (items: readonly OutlineItem[], parent: PDFRef): void => {
    items.forEach((item, i) => {
      item.dict.set(PDFName.of('Parent'), parent);
      if (i > 0) item.dict.set(PDFName.of('Prev'), items[i - 1]!.ref);
      if (i < items.length - 1) item.dict.set(PDFName.of('Next'), items[i + 1]!.ref);
      if (item.children.length > 0) {
        item.dict.set(PDFName.of('First'), item.children[0]!.ref);
        item.dict.set(PDFName.of('Last'), item.children[item.children.length - 1]!.ref);
        const below = visible(item.children);
        item.dict.set(PDFName.of('Count'), PDFNumber.of(item.open ? below : -below));
        link(item.children, item.ref);
      }
      ctx.assign(item.ref, item.dict);
    });
  };
  const root = ctx.nextRef();
  link(top, root);
  ctx.assign(
    root,
    ctx.obj({
      Type: 'Outlines',
      First: top[0]!.ref,
      Last: top[top.length - 1]!.ref,
      Count: visible(top),
    }),
  );
  doc.catalog.set(PDFName.of('Outlines'), root);
}

/**
 * The outline (bookmarks) of `source` rebuilt in `out`, each item's destination moved to
 * where its page now is; items whose page is not in `out` keep their place in the tree
 * without a destination. Returns the number of items, 0 when the source has none.
 */
export function carryOutline(source: PDFDocument, pages: PlacementMap, out: PDFDocument): number {
  const ctx = source.context;
  const root = source.catalog.lookup(PDFName.of('Outlines'));
  if (!(root instanceof PDFDict)) return 0;
  const seen = new Set<PDFObject>();
  let count = 0;
  const walk = (first: PDFObject | undefined, depth: number): OutlineItem[] => {
    const items: OutlineItem[] = [];
    let node = first;
    while (node instanceof PDFRef && !seen.has(node) && count < MAX_OUTLINE_ITEMS && depth < 64) {
      seen.add(node);
      const dict = ctx.lookup(node);
      if (!(dict instanceof PDFDict)) break;
      count++;
      const title = dict.lookup(PDFName.of('Title'));
      const entries: Record<string, PDFObject> = {
        Title:
          title instanceof PDFString || title instanceof PDFHexString ? title : PDFString.of(''),
      };
      const target = linkTarget(source, dict, pages, out.context);
      if (target?.Dest) entries.Dest = target.Dest;
      else if (target?.A) entries.A = target.A;
      const colour = numbers(ctx, dict.lookup(PDFName.of('C')));
      if (colour.length === 3) entries.C = out.context.obj(colour);
      const flags = dict.lookup(PDFName.of('F'));
      if (flags instanceof PDFNumber) entries.F = flags;
      const item: OutlineItem = {
        ref: out.context.nextRef(),
        dict: out.context.obj(entries),
        children: [],
        open: (numbers(ctx, dict.lookup(PDFName.of('Count')))[0] ?? 0) > 0,
      };
      item.children = walk(dict.get(PDFName.of('First')), depth + 1);
      items.push(item);
      node = dict.get(PDFName.of('Next'));
    }
    return items;
  };
  const top = walk(root.get(PDFName.of('First')), 0);
  if (top.length === 0) return 0;
  writeOutline(out, top);
  const mode = source.catalog.lookup(PDFName.of('PageMode'));
  if (mode === PDFName.of('UseOutlines')) out.catalog.set(PDFName.of('PageMode'), mode);
  return count;
}

/** The `Dest` or `A` entry for `out` of a link or outline item, or undefined to drop it. */
function linkTarget(
  source: PDFDocument,
  dict: PDFDict,
  pages: PlacementMap,
  out: PDFContext,
): { Dest?: PDFObject; A?: PDFObject } | undefined {
  const dest = dict.get(PDFName.of('Dest'));
  if (dest !== undefined) {
    const moved = moveDestination(source, dest, pages, out);
    return moved ? { Dest: moved } : undefined;
  }
  const action = dict.lookup(PDFName.of('A'));
  if (!(action instanceof PDFDict)) return undefined;
  const kind = action.lookup(PDFName.of('S'));
  if (kind === PDFName.of('GoTo')) {
    const moved = moveDestination(source, action.get(PDFName.of('D')) ?? PDFNull, pages, out);
    return moved ? { Dest: moved } : undefined;
  }
  if (kind === PDFName.of('URI')) {
    const uri = action.lookup(PDFName.of('URI'));
    if (!(uri instanceof PDFString || uri instanceof PDFHexString)) return undefined;
    return { A: out.obj({ Type: 'Action', S: 'URI', URI: uri }) };
  }
  if (kind === PDFName.of('Named')) {
    const named = action.lookup(PDFName.of('N'));
    return named instanceof PDFName
      ? { A: out.obj({ Type: 'Action', S: 'Named', N: named }) }
      : undefined;
  }
  return undefined;
}

/**
 * An explicit destination in `out` for a destination of `source` (explicit, or a name in
 * the catalog's `Dests` dictionary or `Names`/`Dests` tree), or undefined when its page
 * is not in the bilingual PDF.
 */
function moveDestination(
  source: PDFDocument,
  dest: PDFObject,
  pages: PlacementMap,
  out: PDFContext,
): PDFArray | undefined {
  const explicit = explicitDestination(source, dest);
  if (!explicit) return undefined;
  const pageRef = explicit.get(0);
  const placement = pageRef instanceof PDFRef ? pages.get(pageRef.toString()) : undefined;
  if (!placement) return undefined;
  const fit = explicit.lookup(1);
  const arg = (i: number): number | null => {
    const v = explicit.lookup(i);
    return v instanceof PDFNumber ? v.asNumber() : null;
  };
  const m = placement.toOut;
  const upright = m[1] === 0 && m[2] === 0 && m[0] > 0 && m[3] > 0;
  const target = placement.page.ref;
  // A page drawn turned: its coordinates would swap axes; the whole page is shown instead.
  if (!upright || !(fit instanceof PDFName)) return out.obj([target, PDFName.of('Fit')]);
  const x = (v: number | null) => (v === null ? null : round(v * m[0] + m[4]));
  const y = (v: number | null) => (v === null ? null : round(v * m[3] + m[5]));
  if (fit === PDFName.of('XYZ')) return out.obj([target, fit, x(arg(2)), y(arg(3)), arg(4)]);
  if (fit === PDFName.of('FitH') || fit === PDFName.of('FitBH'))
    return out.obj([target, fit, y(arg(2))]);
  if (fit === PDFName.of('FitV') || fit === PDFName.of('FitBV'))
    return out.obj([target, fit, x(arg(2))]);
  const [l, b, r, t] = [arg(2), arg(3), arg(4), arg(5)];
  if (fit === PDFName.of('FitR') && l !== null && b !== null && r !== null && t !== null)
    return out.obj([target, fit, ...transformBox(m, l, b, r, t).map(round)]);
  return out.obj([target, PDFName.of('Fit')]);
}

/**
 * The explicit destination (`[page fit ...]`) a destination of `source` stands for: as
 * given, or a name looked up in the catalog's `Dests` dictionary or `Names`/`Dests` tree.
 */
export function explicitDestination(source: PDFDocument, dest: PDFObject): PDFArray | undefined {
  let explicit = source.context.lookup(dest);
  if (
    explicit instanceof PDFName ||
    explicit instanceof PDFString ||
    explicit instanceof PDFHexString
  )
    explicit = namedDestination(source, explicit);
  if (explicit instanceof PDFDict) explicit = explicit.lookup(PDFName.of('D'));
  return explicit instanceof PDFArray && explicit.size() >= 2 ? explicit : undefined;
}

/**
 * The destination of a link or outline item (`Dest`, or a GoTo action's `D`), or undefined
 * when it has none.
 */
export function destinationOf(dict: PDFDict): PDFObject | undefined {
  const dest = dict.get(PDFName.of('Dest'));
  if (dest !== undefined) return dest;
  const action = dict.lookup(PDFName.of('A'));
  if (action instanceof PDFDict && action.lookup(PDFName.of('S')) === PDFName.of('GoTo'))
    return action.get(PDFName.of('D'));
  return undefined;
}

/** A named destination's value, from the catalog's `Dests` or its `Names` tree. */
function namedDestination(source: PDFDocument, key: PDFObject): PDFObject | undefined {
  const ctx = source.context;
  const catalog = source.catalog;
  if (key instanceof PDFName) {
    const dests = catalog.lookup(PDFName.of('Dests'));
    return dests instanceof PDFDict ? ctx.lookup(dests.get(key)) : undefined;
  }
  const wanted = (key as PDFString | PDFHexString).decodeText();
  const names = catalog.lookup(PDFName.of('Names'));
  const tree = names instanceof PDFDict ? names.lookup(PDFName.of('Dests')) : undefined;
  const seen = new Set<PDFObject>();
  const search = (node: PDFObject | undefined, depth: number): PDFObject | undefined => {
    if (!(node instanceof PDFDict) || seen.has(node) || depth > MAX_NAME_TREE_DEPTH)
      return undefined;
    seen.add(node);
    const list = node.lookup(PDFName.of('Names'));
    if (list instanceof PDFArray) {
      for (let i = 0; i + 1 < list.size(); i += 2) {
        const k = list.lookup(i);
        if ((k instanceof PDFString || k instanceof PDFHexString) && k.decodeText() === wanted)
          return ctx.lookup(list.get(i + 1));
      }
    }
    const kids = node.lookup(PDFName.of('Kids'));
    if (kids instanceof PDFArray) {
      for (let i = 0; i < kids.size(); i++) {
        const found = search(kids.lookup(i), depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  return search(tree, 0);
}

function numbers(ctx: PDFContext, value: PDFObject | undefined): number[] {
  if (!(value instanceof PDFArray)) return [];
  return value.asArray().map((v) => {
    const n = ctx.lookup(v);
    return n instanceof PDFNumber ? n.asNumber() : 0;
  });
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
