import type { BBox, Page } from '@docat/contracts';

export type Turn = 90 | 180 | 270;

/** Size of a `width` x `height` page once turned clockwise by `turn`. */
export function uprightBox(
  width: number,
  height: number,
  turn: Turn,
): { width: number; height: number } {
  return turn === 180 ? { width, height } : { width: height, height: width };
}

/** A point of the upright frame (see `boxFromUpright`) on the page as displayed. */
export function pointFromUpright(
  x: number,
  y: number,
  width: number,
  height: number,
  turn: Turn,
): [number, number] {
  if (turn === 90) return [y, height - x];
  if (turn === 180) return [width - x, height - y];
  return [width - y, x];
}

/**
 * A box in the upright frame (the page as displayed, turned clockwise by `turn`) back on
 * the page as displayed, whose size is `width` x `height`.
 */
export function boxFromUpright(box: BBox, width: number, height: number, turn: Turn): BBox {
  const point = (x: number, y: number) => pointFromUpright(x, y, width, height, turn);
  const [ax, ay] = point(box[0], box[1]);
  const [bx, by] = point(box[2], box[3]);
  return [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)];
}

/** A page laid out in the upright frame, with every box put back on the page as displayed. */
export function fromUpright(page: Page, width: number, height: number, turn: Turn): Page {
  return { ...mapBoxes(page, (b) => boxFromUpright(b, width, height, turn)), width, height };
}

/** A page with every box of its blocks, lines, spans and cells passed through `map`. */
export function mapBoxes(page: Page, map: (box: BBox) => BBox): Page {
  return {
    ...page,
    blocks: page.blocks.map((block) => ({
      ...block,
      bbox: map(block.bbox),
      lines: block.lines.map((line) => ({
        ...line,
        bbox: map(line.bbox),
        spans: line.spans.map((s) => ({ ...s, bbox: map(s.bbox) })),
      })),
      ...(block.cells ? { cells: block.cells.map((c) => ({ ...c, bbox: map(c.bbox) })) } : {}),
    })),
  };
}
