import type { BBox } from '@docat/contracts';
import { closeDocument, openDocument } from '../extract/pdfjs.js';
import { renderToCanvas } from '../ocr/render-page.js';
import { LINE_BOX } from './block-setter.js';
import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';

/** Resolution of the ink maps: a pixel is a point. */
const INK_DPI = 72;
/** Colour distance (0-255, largest channel) from a block's background that counts as ink. */
const INK_DISTANCE = 48;

/** A page as it renders, in RGB at `scale` pixels per point (displayed page, top-left origin). */
export interface InkMap {
  width: number;
  height: number;
  scale: number;
  rgb: Uint8Array;
}

/**
 * Renders pages of a document into ink maps, one pdf.js document for all of them, opened
 * on first use: only pages with a block that does not fit its box are ever rendered.
 */
export class InkMaps {
  private doc: Promise<PDFDocumentProxy> | undefined;
  private readonly maps = new Map<number, Promise<InkMap>>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly password?: string,
  ) {}

  page(number: number): Promise<InkMap> {
    let map = this.maps.get(number);
    if (!map) {
      map = this.render(number);
      this.maps.set(number, map);
    }
    return map;
  }

  private async render(number: number): Promise<InkMap> {
    // The renderer has opened the file already: its permissions were checked there.
    this.doc ??= openDocument(this.bytes, {
      ...(this.password ? { password: this.password } : {}),
      respectPermissions: false,
      fontExtraProperties: false,
    });
    const doc = await this.doc;
    const page = await doc.getPage(number);
    try {
      const { canvas, context, scale } = await renderToCanvas(page, INK_DPI);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const rgb = new Uint8Array(canvas.width * canvas.height * 3);
      for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
        rgb[o] = data[i]!;
        rgb[o + 1] = data[i + 1]!;
        rgb[o + 2] = data[i + 2]!;
      }
      return { width: canvas.width, height: canvas.height, scale, rgb };
    } finally {
      page.cleanup();
    }
  }

  /**
   * Lets a page's map go once the page is set: pages are set one after the other, and a
   * book's maps kept to the end held about 1.5 MB a page.
   */
  release(number: number): void {
    this.maps.delete(number);
  }

  /** The pages whose maps are held now. */
  get held(): number[] {
    return [...this.maps.keys()];
  }

  async close(): Promise<void> {
    if (this.doc) await closeDocument(await this.doc).catch(() => undefined);
    this.doc = undefined;
    this.maps.clear();
  }
}

export interface RoomOptions {
  /** May the box grow downwards (more lines) and sideways (a longer line), and to which side. */
  down: boolean;
  sideways: 'none' | 'left' | 'right' | 'both';
  /** The box may not grow past these edges (the page's text area). */
  limits: BBox;
  /** Space kept free between the grown box and ink beside it, and below it. */
  gapX: number;
  gapY: number;
}

/**
 * What is drawn on one page around the blocks being set: where a translation that does
 * not fit its box may grow before its text is shrunk. Obstacles are boxes (other blocks,
 * kept glyphs, lines already set); the ink map adds what the layout does not list (rules,
 * images, vector art, form widgets). `cleared` are the regions whose source text was
 * removed: their ink is gone.
 */
export class FreeSpace {
  /** Pixels of the ink map whose ink was removed (the source text of set blocks). */
  private readonly clearedMask: Uint8Array | undefined;

  constructor(
    private readonly obstacles: readonly BBox[],
    private readonly ink: InkMap | undefined,
    cleared: readonly BBox[],
  ) {
    if (ink) {
      const mask = new Uint8Array(ink.width * ink.height);
      for (const c of cleared) {
        const x0 = Math.max(0, Math.floor(c[0] * ink.scale));
        const x1 = Math.min(ink.width - 1, Math.ceil(c[2] * ink.scale));
        const y0 = Math.max(0, Math.floor(c[1] * ink.scale));
        const y1 = Math.min(ink.height - 1, Math.ceil(c[3] * ink.scale));
        for (let y = y0; y <= y1 && x1 >= x0; y++)
          mask.fill(1, y * ink.width + x0, y * ink.width + x1 + 1);
      }
      this.clearedMask = mask;
    }
  }

  /**
   * The largest box around `box` free of obstacles and ink (in `box`'s background colour):
   * first as far sideways as allowed on the box's own band, then down over that width.
   * Obstacles that hold the whole box (an enclosing panel) and those `ignore` tells
   * (the block's own lines) do not stop it; one that reaches into the box from below or
   * beside it leaves no room on that side. `more` are obstacles added since (lines set).
   */
  room(
    box: BBox,
    opts: RoomOptions,
    ignore: (o: BBox) => boolean = () => false,
    more: readonly BBox[] = [],
  ): BBox {
    const blockers = [...this.obstacles, ...more].filter((o) => !contains(o, box) && !ignore(o));
    const background = this.ink ? backgroundOf(this.ink, box) : undefined;
    const [bx0, y0, bx1, y1] = box;
    const cx = (bx0 + bx1) / 2;
    const cy = (y0 + y1) / 2;
    const lim = opts.limits;
    // Beside the box: sharing more than a quarter of its height (a field's box just above
    // or below a label touches its band), or lying mostly within it (a line of text beside
    // a table cell several lines high).
    const onBand = (o: BBox): boolean => {
      const shared = Math.min(o[3], y1) - Math.max(o[1], y0);
      return shared > (y1 - y0) * 0.25 || (shared > (o[3] - o[1]) * 0.5 && o[3] - o[1] >= 4);
    };
    let x0 = bx0;
    let x1 = bx1;
    if (opts.sideways === 'right' || opts.sideways === 'both') {
      let right = Math.max(bx1, lim[2]);
      for (const o of blockers)
        if (onBand(o) && (o[0] + o[2]) / 2 > cx) right = Math.min(right, o[0] - opts.gapX);
      if (right > bx1)
        right = Math.min(
          right,
          this.firstInk('x', bx1, right + opts.gapX, body(box), background) - opts.gapX,
        );
      x1 = Math.max(bx1, right);
    }
    if (opts.sideways === 'left' || opts.sideways === 'both') {
      let left = Math.min(bx0, lim[0]);
      for (const o of blockers)
        if (onBand(o) && (o[0] + o[2]) / 2 < cx) left = Math.max(left, o[2] + opts.gapX);
      if (left < bx0)
        left = Math.max(
          left,
          this.firstInk('x', bx0, left - opts.gapX, body(box), background) + opts.gapX,
        );
      x0 = Math.min(bx0, left);
    }
    if (opts.sideways === 'both') {
      // Centred text grows the same on both sides.
      const grow = Math.min(bx0 - x0, x1 - bx1);
      x0 = bx0 - grow;
      x1 = bx1 + grow;
    }
    let bottom = y1;
    if (opts.down) {
      bottom = Math.max(y1, lim[3]);
      // Text beside the grown width, closer than the gap kept sideways, would run on into
      // it on the same baseline (one block's last word against another's first): it blocks.
      for (const o of blockers)
        if (o[1] > cy && o[0] < x1 + opts.gapX - 0.5 && o[2] > x0 - opts.gapX + 0.5)
          bottom = Math.min(bottom, o[1] - opts.gapY);
      if (bottom > y1)
        bottom = Math.min(
          bottom,
          this.firstInk('y', y1, bottom + opts.gapY, [x0, x1], background) - opts.gapY,
        );
      bottom = Math.max(y1, bottom);
    }
    return [x0, y0, x1, bottom];
  }

  /** Whether `box` holds ink (against the colour around it) besides what was cleared. */
  inked(box: BBox): boolean {
    if (!this.ink) return false;
    const background = backgroundOf(this.ink, box);
    const step = 1 / this.ink.scale;
    for (let y = box[1] + step / 2; y < box[3]; y += step)
      for (let x = box[0] + step / 2; x < box[2]; x += step)
        if (this.isInk(x, y, background)) return true;
    return false;
  }

  private isInk(x: number, y: number, background: [number, number, number] | undefined): boolean {
    const ink = this.ink;
    if (!ink || !background) return false;
    const px = Math.floor(x * ink.scale);
    const py = Math.floor(y * ink.scale);
    if (px < 0 || py < 0 || px >= ink.width || py >= ink.height) return false;
    const o = (py * ink.width + px) * 3;
    const d = Math.max(
      Math.abs(ink.rgb[o]! - background[0]),
      Math.abs(ink.rgb[o + 1]! - background[1]),
      Math.abs(ink.rgb[o + 2]! - background[2]),
    );
    return d > INK_DISTANCE && this.clearedMask?.[py * ink.width + px] !== 1;
  }

  /**
   * The first ink (in points) met moving along `axis` from `from` towards `limit` (either
   * way), looking across the span `across` of the other axis at each step; `limit` if none.
   */
  private firstInk(
    axis: 'x' | 'y',
    from: number,
    limit: number,
    across: readonly [number, number],
    background: [number, number, number] | undefined,
  ): number {
    if (!this.ink || !background) return limit;
    const step = 1 / this.ink.scale;
    const dir = limit >= from ? 1 : -1;
    for (let t = from + (dir * step) / 2; dir > 0 ? t < limit : t > limit; t += dir * step) {
      for (let s = across[0]; s <= across[1]; s += step)
        if (axis === 'x' ? this.isInk(t, s, background) : this.isInk(s, t, background)) return t;
    }
    return limit;
  }
}

/**
 * The rows of a line's box its letters fill: a rule just above or below the text often
 * touches the box's edge, and must not stop the line from growing along it.
 */
function body(box: BBox): [number, number] {
  const h = box[3] - box[1];
  return [box[1] + h * 0.25, box[3] - h * 0.2];
}

function contains(outer: BBox, inner: BBox): boolean {
  return (
    outer[0] <= inner[0] + 0.5 &&
    outer[2] >= inner[2] - 0.5 &&
    outer[1] <= inner[1] + 0.5 &&
    outer[3] >= inner[3] - 0.5
  );
}

/** The colour most of a ring just outside the box has: what the box's text is set on. */
function backgroundOf(ink: InkMap, box: BBox): [number, number, number] {
  const s = ink.scale;
  const seen = new Map<number, number>();
  const px = (x: number, y: number): void => {
    const xi = Math.floor(x * s);
    const yi = Math.floor(y * s);
    if (xi < 0 || yi < 0 || xi >= ink.width || yi >= ink.height) return;
    const o = (yi * ink.width + xi) * 3;
    // Colours quantised to 16 levels a channel, so anti-aliased edges do not split the vote.
    const key = ((ink.rgb[o]! >> 4) << 8) | ((ink.rgb[o + 1]! >> 4) << 4) | (ink.rgb[o + 2]! >> 4);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  };
  const pad = 2 / s;
  const step = 1 / s;
  for (let x = box[0] - pad; x <= box[2] + pad; x += step) {
    px(x, box[1] - pad);
    px(x, box[3] + pad);
  }
  for (let y = box[1] - pad; y <= box[3] + pad; y += step) {
    px(box[0] - pad, y);
    px(box[2] + pad, y);
  }
  let best = 0xfff;
  let count = -1;
  for (const [key, n] of seen) {
    if (n > count) {
      best = key;
      count = n;
    }
  }
  return [((best >> 8) & 15) * 17, ((best >> 4) & 15) * 17, (best & 15) * 17];
}

const LEADER_DOT = /^[.\u00b7\u2024\u2027\u2219\u22c5]$/u;

/**
 * Dots drawn as a leader: three or more dot glyphs in a row on one baseline, each within
 * a few of their heights of the next; and any dot inside one of `filler`, the boxes of
 * blocks the layout read as nothing but dots. A form's leader is often a few dots set far
 * apart, each its own block: once the label before it is translated (and its own first
 * dots removed with it), two may be all that is left of the row.
 */
export function leaderDots<T extends { box: BBox; text: string }>(
  glyphs: readonly T[],
  filler: readonly BBox[] = [],
): Set<T> {
  const out = new Set<T>();
  for (const g of glyphs) {
    if (!LEADER_DOT.test(g.text)) continue;
    const cx = (g.box[0] + g.box[2]) / 2;
    const cy = (g.box[1] + g.box[3]) / 2;
    if (filler.some((f) => cx >= f[0] && cx <= f[2] && cy >= f[1] && cy <= f[3])) out.add(g);
  }
  const dots = glyphs
    .filter((g) => LEADER_DOT.test(g.text) && !out.has(g))
    .sort((a, b) => a.box[3] - b.box[3] || a.box[0] - b.box[0]);
  let row: T[] = [];
  const flush = (): void => {
    if (row.length >= 3) row.forEach((g) => out.add(g));
    row = [];
  };
  for (const d of dots) {
    const last = row[row.length - 1];
    const h = Math.max(1, d.box[3] - d.box[1]);
    if (last && Math.abs(last.box[3] - d.box[3]) < h * 0.2 && d.box[0] - last.box[2] < h * 2.5)
      row.push(d);
    else {
      flush();
      row = [d];
    }
  }
  flush();
  return out;
}

/** A small box at the centre of `b`: a removal region that takes that glyph and no other. */
export function shrinkToCentre(b: BBox): BBox {
  const cx = (b[0] + b[2]) / 2;
  const cy = (b[1] + b[3]) / 2;
  return [cx - 0.2, cy - 0.2, cx + 0.2, cy + 0.2];
}

/** Lines of a block on distinct baselines (a leader's dots set apart on a label's line are on its row). */
export function rowsOf(lines: readonly { bbox: BBox }[]): number {
  const rows: BBox[] = [];
  for (const l of [...lines].sort((a, b) => a.bbox[1] - b.bbox[1])) {
    const last = rows[rows.length - 1];
    const h = Math.min(l.bbox[3] - l.bbox[1], last ? last[3] - last[1] : Infinity);
    if (last && Math.min(last[3], l.bbox[3]) - Math.max(last[1], l.bbox[1]) > h * 0.5) continue;
    rows.push(l.bbox);
  }
  return rows.length;
}

/**
 * The box a block's translation is set in: its source `box`, with its foot raised to the
 * top of the first line of other text (`others`) that starts inside it below the block's
 * own last line (`own`: its line boxes), never above that line's foot at `size`. Line boxes
 * are taller than their letters, so the boxes of two blocks one under the other often
 * overlap (a form's tight labels, rows OCR read); the source's letters do not meet there,
 * but a translation that takes one more line, set down to the box's foot, runs its letters
 * into the next block's. Text beside one of the block's rows (a reference's next entry
 * starting on its last line) is beside it, not below it, and does not count.
 */
export function footClear(
  box: BBox,
  own: readonly BBox[],
  size: number,
  others: readonly BBox[],
): BBox {
  const last = own.reduce<BBox | undefined>((a, l) => (!a || l[1] > a[1] ? l : a), undefined);
  if (!last) return box;
  const below = last[1] + Math.min(last[3] - last[1], size) * 0.5;
  let foot = box[3];
  for (const o of others)
    if (o[1] > below && o[1] < foot && o[0] < box[2] - 1 && o[2] > box[0] + 1) foot = o[1];
  // The height of the block's own lines at its size, at least: what its source took.
  foot = Math.max(foot, last[1] + size * LINE_BOX);
  return foot < box[3] ? [box[0], box[1], box[2], foot] : box;
}
