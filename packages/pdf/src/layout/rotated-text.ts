import type { BBox, Block, Line, Page, Span } from '@docat/contracts';
import type { PageContent } from '../extract/page-reader.js';

/**
 * Text set at an angle (a sideways table heading, a margin note running up the page, a
 * label along a slanted axis) is laid out in its own frame: the page turned so that its
 * lines run left to right. Blocks found there keep that frame (`Block.frame`, with
 * `Block.angle`) for the renderer, and an axis-aligned `bbox` on the page as displayed.
 */

/** Spans whose baselines differ by less than this many degrees share a frame. */
const ANGLE_STEP = 2;

/** Unit vectors of a frame turned by `angle` degrees (counter-clockwise as displayed, y down). */
export function frameAxes(angle: number): { u: [number, number]; d: [number, number] } {
  const t = (angle * Math.PI) / 180;
  // Along the baseline, and across it towards the line's bottom.
  return { u: [Math.cos(t), -Math.sin(t)], d: [Math.sin(t), Math.cos(t)] };
}

function toFrame(angle: number, x: number, y: number): [number, number] {
  const { u, d } = frameAxes(angle);
  return [x * u[0] + y * u[1], x * d[0] + y * d[1]];
}

function fromFrame(angle: number, fx: number, fy: number): [number, number] {
  const { u, d } = frameAxes(angle);
  return [u[0] * fx + d[0] * fy, u[1] * fx + d[1] * fy];
}

/** The axis-aligned page box around a box of the frame. */
export function frameBoxToPage(angle: number, b: BBox): BBox {
  const corners = [
    fromFrame(angle, b[0], b[1]),
    fromFrame(angle, b[2], b[1]),
    fromFrame(angle, b[0], b[3]),
    fromFrame(angle, b[2], b[3]),
  ];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/**
 * The frame box of an axis-aligned page box, for a frame turned by a right angle (where
 * the two are the same rectangle); `undefined` at other angles, where the page box is
 * larger than what it came from.
 */
export function pageBoxToFrame(angle: number, b: BBox): BBox | undefined {
  const quarter = angle / 90;
  if (Math.abs(quarter - Math.round(quarter)) > 0.02) return undefined;
  const corners = [
    toFrame(angle, b[0], b[1]),
    toFrame(angle, b[2], b[1]),
    toFrame(angle, b[0], b[3]),
    toFrame(angle, b[2], b[3]),
  ];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/**
 * A span's box in its frame, from its axis-aligned page box: the run is a rectangle
 * `size` high whose length is what the page box's extent leaves for it.
 */
function spanFrameBox(span: Span, angle: number): BBox {
  const [x0, y0, x1, y1] = span.bbox;
  const t = (angle * Math.PI) / 180;
  const c = Math.abs(Math.cos(t));
  const s = Math.abs(Math.sin(t));
  const h = span.size;
  const len =
    c >= s ? (x1 - x0 - h * s) / Math.max(c, 1e-6) : (y1 - y0 - h * c) / Math.max(s, 1e-6);
  const [cx, cy] = toFrame(angle, (x0 + x1) / 2, (y0 + y1) / 2);
  const half = Math.max(len, h * 0.3) / 2;
  return [cx - half, cy - h / 2, cx + half, cy + h / 2];
}

function quantize(angle: number): number {
  const a = Math.round(angle / ANGLE_STEP) * ANGLE_STEP;
  return a <= -180 ? a + 360 : a > 180 ? a - 360 : a;
}

/**
 * Lay out a page whose text may run at angles: upright text as usual (what the page
 * shows, then what it does not), then each group of spans sharing an angle in its own
 * frame. Angled blocks come after the upright ones in reading order.
 */
export function layoutAngled(content: PageContent, layout: (content: PageContent) => Page): Page {
  const groups = new Map<number, Span[]>();
  const upright: Span[] = [];
  for (const span of content.spans) {
    const angle = span.angle === undefined ? 0 : quantize(span.angle);
    if (angle === 0) {
      upright.push(span);
      continue;
    }
    const list = groups.get(angle) ?? [];
    list.push(span);
    groups.set(angle, list);
  }
  // Text the page does not show is laid out apart from what it shows: a hidden word on a
  // shown line would otherwise make the line's translation hidden, or shown.
  const shown = upright.filter((s) => !s.hidden);
  const unshown = upright.filter((s) => s.hidden);
  const apart = shown.length > 0 && unshown.length > 0;
  if (groups.size === 0 && !apart) return layout(content);
  const page = layout({ ...content, spans: apart ? shown : upright });
  if (apart) {
    const hidden = layout({ ...content, spans: unshown, images: [], paths: [], fields: [] });
    for (const block of hidden.blocks) {
      const order = page.blocks.length;
      page.blocks.push({ ...block, id: `p${content.number}-b${order}`, order });
    }
  }
  for (const [angle, spans] of [...groups].sort((a, b) => a[0] - b[0])) {
    const framed = spans.map((s) => ({ span: s, box: spanFrameBox(s, angle) }));
    // The frame's origin moves to the text's corner, so its layout sees a page of the usual kind.
    const minX = Math.min(...framed.map((f) => f.box[0])) - 10;
    const minY = Math.min(...framed.map((f) => f.box[1])) - 10;
    const maxX = Math.max(...framed.map((f) => f.box[2])) + 10;
    const maxY = Math.max(...framed.map((f) => f.box[3])) + 10;
    const shift = (b: BBox): BBox => [b[0] - minX, b[1] - minY, b[2] - minX, b[3] - minY];
    const unshift = (b: BBox): BBox => [b[0] + minX, b[1] + minY, b[2] + minX, b[3] + minY];
    const original = new Map<string, Span>();
    const inFrame: Span[] = framed.map(({ span, box }, i) => {
      const { angle: _angle, ...rest } = span;
      const key = `${i}`;
      const s: Span = { ...rest, bbox: shift(box), ref: key };
      original.set(key, span);
      return s;
    });
    const laid = layout({
      ...content,
      width: maxX - minX,
      height: maxY - minY,
      rotation: 0,
      spans: inFrame,
      images: [],
      paths: [],
      fields: [],
    });
    for (const block of laid.blocks) {
      const frame = unshift(block.bbox);
      const lines: Line[] = block.lines.map((l) => ({
        bbox: frameBoxToPage(angle, unshift(l.bbox)),
        spans: l.spans
          .map((s) => {
            const source = s.ref !== undefined ? original.get(s.ref) : undefined;
            // Back to the page: the source span's own box, ref and angle.
            return source
              ? {
                  ...s,
                  bbox: source.bbox,
                  angle: source.angle ?? angle,
                  ...(source.ref ? { ref: source.ref } : { ref: undefined }),
                }
              : { ...s, bbox: frameBoxToPage(angle, unshift(s.bbox)), angle };
          })
          .map((s) => {
            if (s.ref === undefined) delete s.ref;
            return s;
          }),
      }));
      const order = page.blocks.length;
      const placed: Block = {
        ...block,
        id: `p${content.number}-b${order}`,
        order,
        bbox: frameBoxToPage(angle, frame),
        lines,
        angle,
        frame,
        ...(block.cells
          ? {
              cells: block.cells.map((c) => ({
                ...c,
                bbox: frameBoxToPage(angle, unshift(c.bbox)),
              })),
            }
          : {}),
      };
      page.blocks.push(placed);
    }
  }
  return page;
}
