import type { PDFContext } from 'pdf-lib';
import { num, name, str, type ContentOp, type ContentValue } from '../content/index.js';
import { EmbeddedFont, pdfTextString, subsetTag } from '../fonts/embedded-font.js';
import type { FontFace } from '../fonts/font-files.js';
import type { FontLibrary } from '../fonts/font-library.js';
import type { PlacedLine } from './block-setter.js';

/** The subset fonts of one output document, shared by all its pages. */
export class FontSet {
  private readonly fonts = new Map<string, EmbeddedFont>();
  private readonly names = new Map<string, string>();

  constructor(
    private readonly library: FontLibrary,
    private readonly context: PDFContext,
  ) {}

  get(face: FontFace): EmbeddedFont {
    let font = this.fonts.get(face.key);
    if (!font) {
      const fk = this.library.font(face);
      const ps = (fk.postscriptName ?? face.key).replace(/[^A-Za-z0-9-]/gu, '');
      font = new EmbeddedFont(
        face,
        fk,
        this.context,
        `${subsetTag(this.fonts.size * 7727 + ps.length * 31 + 11)}+${ps}`,
      );
      this.fonts.set(face.key, font);
      this.names.set(face.key, `DcF${this.fonts.size}`);
    }
    return font;
  }

  resourceName(face: FontFace): string {
    this.get(face);
    return this.names.get(face.key)!;
  }

  all(): EmbeddedFont[] {
    return [...this.fonts.values()];
  }

  async write(): Promise<void> {
    for (const font of this.fonts.values()) await font.write(this.context);
  }
}

const r = (v: number): number => Math.round(v * 1000) / 1000;

function hexCids(cids: number[]): ContentValue {
  const bytes = new Uint8Array(cids.length * 2);
  cids.forEach((c, i) => {
    bytes[i * 2] = c >> 8;
    bytes[i * 2 + 1] = c & 0xff;
  });
  return str(bytes, true);
}

export interface PaintedLine {
  ops: ContentOp[];
  /** Resource name -> font, for the page's /Font dictionary. */
  fonts: Map<string, EmbeddedFont>;
  /** Glyphs drawn (CIDs per font) and the text they were drawn for, for checks. */
  glyphCount: number;
  /** Where each stretch with a link target was drawn: boxes in drawing space (x0, y0, x1, y1, y up). */
  links: { href: string; link: number; box: [number, number, number, number] }[];
  /**
   * Fills to draw behind stretches that had one in the source (highlights, shaded inline
   * code), one box per stretch per line, in drawing space; `backgroundOps` draws them.
   */
  backgrounds: { color: [number, number, number]; box: [number, number, number, number] }[];
}

/** Padding of a fill drawn behind words, as shares of the font size. */
const BACKGROUND_PAD = { x: 0.15, below: 0.3, above: 0.95 };

/** Operations filling each background box in its colour (drawn before the text). */
export function backgroundOps(backgrounds: PaintedLine['backgrounds']): ContentOp[] {
  if (backgrounds.length === 0) return [];
  const ops: ContentOp[] = [{ op: 'q', operands: [] }];
  for (const { color, box } of backgrounds) {
    ops.push({ op: 'rg', operands: color.map((v) => num(r(v))) });
    ops.push({
      op: 're',
      operands: [box[0], box[1], box[2] - box[0], box[3] - box[1]].map((v) => num(r(v))),
    });
    ops.push({ op: 'f', operands: [] });
  }
  ops.push({ op: 'Q', operands: [] });
  return ops;
}

/**
 * Text operators for placed lines: each run is positioned with Tm, glyphs by CID with
 * TJ adjustments carrying the shaper's advances and offsets (GPOS kerning and mark
 * placement), vertical offsets through text rise. Runs whose glyphs do not read back
 * as their text carry ActualText.
 */
export function paintLines(
  lines: PlacedLine[],
  size: number,
  color: [number, number, number],
  fonts: FontSet,
  opts: { invisible?: boolean } = {},
): PaintedLine {
  const ops: ContentOp[] = [];
  const used = new Map<string, EmbeddedFont>();
  let glyphCount = 0;
  ops.push({ op: 'BT', operands: [] });
  // Text the source does not show is set invisible (mode 3): there, searchable, unseen.
  // The mode is part of the graphics state and outlives ET, so every block sets its own.
  ops.push({ op: 'Tr', operands: [num(opts.invisible ? 3 : 0)] });
  const fill = (c: [number, number, number]): ContentOp => ({
    op: 'rg',
    operands: c.map((v) => num(r(v))),
  });
  ops.push(fill(color));
  let current = color;
  // Horizontal scale in percent (`Tz`): part of the text state, which outlives ET.
  let scaled = 100;
  const links: PaintedLine['links'] = [];
  const backgrounds: PaintedLine['backgrounds'] = [];
  for (const line of lines) {
    let x = line.x;
    // The link of the run drawn just before on this line: only next to each other do the
    // runs of one link make one box (in a right-to-left line, a link over words of both
    // directions may stand in two places, other words between them).
    let previousLink: number | undefined;
    for (const run of line.shaped.runs) {
      const runStart = x;
      const wanted = run.color ?? color;
      if (wanted.some((v, i) => v !== current[i])) {
        ops.push(fill(wanted));
        current = wanted;
      }
      const font = fonts.get(run.face);
      const resource = fonts.resourceName(run.face);
      used.set(resource, font);
      const upm = run.unitsPerEm;
      if (run.reordered) {
        ops.push({
          op: 'BDC',
          operands: [
            name('Span'),
            {
              kind: 'dict',
              entries: [['ActualText', str(hexBytes(pdfTextString(run.text).asString()), true)]],
            },
          ],
        });
      }
      // Inline mathematics: a piece at its own size, its baseline raised or lowered.
      const runSize = size * (run.scale ?? 1);
      const lift = (run.rise ?? 0) * size;
      const h = run.hscale ?? 1;
      ops.push({ op: 'Tf', operands: [name(resource), num(r(runSize))] });
      if (r(h * 100) !== scaled) {
        scaled = r(h * 100);
        ops.push({ op: 'Tz', operands: [num(scaled)] });
      }
      ops.push({
        op: 'Tm',
        operands: [num(1), num(0), num(0), num(1), num(r(x)), num(r(line.baseline))],
      });
      let items: ContentValue[] = [];
      let cids: number[] = [];
      let rise = 0;
      const flushCids = (): void => {
        if (cids.length > 0) items.push(hexCids(cids));
        cids = [];
      };
      const flushShow = (): void => {
        flushCids();
        if (items.length > 0) ops.push({ op: 'TJ', operands: [{ kind: 'array', items }] });
        items = [];
      };
      const adjust = (v: number): void => {
        if (Math.abs(v) < 0.001) return;
        flushCids();
        const last = items[items.length - 1];
        if (last?.kind === 'number') items[items.length - 1] = num(r(last.value + v));
        else items.push(num(r(v)));
      };
      for (const g of run.glyphs) {
        const cid = font.use(g.glyph, g.text);
        glyphCount++;
        const yRise = r(lift + (g.yOffset / upm) * runSize);
        if (yRise !== rise) {
          flushShow();
          ops.push({ op: 'Ts', operands: [num(yRise)] });
          rise = yRise;
        }
        const xOff = (g.xOffset * 1000) / upm;
        const extra = (g.space ? line.extraPerSpace : 0) + line.extraPerGlyph;
        adjust(-xOff);
        cids.push(cid);
        // Under `Tz` every advance in text space is drawn `h` as wide: a justifying extra
        // (in points) is taken out of it.
        const wanted = (g.xAdvance * 1000) / upm + (extra * 1000) / (runSize * h);
        adjust(font.width(cid) - wanted + xOff);
        x += (g.xAdvance / upm) * runSize * h + extra;
      }
      flushShow();
      if (rise !== 0) ops.push({ op: 'Ts', operands: [num(0)] });
      if (run.reordered) ops.push({ op: 'EMC', operands: [] });
      if (run.href && x > runStart) {
        // Runs of one stretch on one line (a font change inside it) make one box.
        const last = links[links.length - 1];
        const box: [number, number, number, number] = [
          runStart,
          line.baseline - size * 0.25,
          x,
          line.baseline + size * 0.85,
        ];
        if (last && previousLink === (run.link ?? -1))
          last.box = [Math.min(last.box[0], box[0]), box[1], Math.max(last.box[2], box[2]), box[3]];
        else links.push({ href: run.href, link: run.link ?? -1, box });
      }
      const back = run.background;
      if (back && x > runStart) {
        // Runs of one stretch on one line (a font change inside it) share one fill.
        const last = backgrounds[backgrounds.length - 1];
        const pad = BACKGROUND_PAD;
        const box: [number, number, number, number] = [
          runStart - size * pad.x,
          line.baseline - size * pad.below,
          x + size * pad.x,
          line.baseline + size * pad.above,
        ];
        if (
          last &&
          last.color.every((v, i) => v === back[i]) &&
          Math.abs(last.box[1] - box[1]) < 0.01 &&
          runStart - (last.box[2] - size * pad.x) < 0.01
        )
          last.box = [Math.min(last.box[0], box[0]), box[1], Math.max(last.box[2], box[2]), box[3]];
        else backgrounds.push({ color: back, box });
      }
      if (x > runStart) previousLink = run.href ? (run.link ?? -1) : undefined;
    }
  }
  if (scaled !== 100) ops.push({ op: 'Tz', operands: [num(100)] });
  ops.push({ op: 'ET', operands: [] });
  return { ops, fonts: used, glyphCount, links, backgrounds };
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
