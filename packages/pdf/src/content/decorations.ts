import { PATH_ENDS, PATH_OPS, dropPageOps } from './content-rewriter.js';
import type { Box, ContentOp, Matrix } from './content-types.js';
import { IDENTITY, applyPoint, multiply } from './matrix.js';
import { interpretPage } from './page-interpreter.js';
import type { PdfFile } from './pdf-file.js';

/**
 * A thin horizontal stroke the page's own content draws on its own: the shape of an
 * underline or a strike-through (a filled bar, or a straight stroked line).
 */
export interface Decoration {
  /** Indexes (in the page's own content) of its first construction operator and of its painting operator. */
  from: number;
  to: number;
  /** Page-space box (default user space, y up), as thick as the line drawn. */
  box: Box;
  /** How thick it is drawn, in points. */
  thickness: number;
  /**
   * Operators that set its colour as a fill colour, to draw it again in the same colour
   * (the page's own colour-space names; a stroke's colour taken as the fill's).
   */
  color: ContentOp[];
}

/** Thicker than this (points) is a bar or a rule, not a line under words. */
const MAX_THICKNESS = 3;

const FILL_COLOUR = new Set(['g', 'rg', 'k', 'sc', 'scn']);
const STROKE_COLOUR = new Set(['G', 'RG', 'K', 'SC', 'SCN']);

interface State {
  ctm: Matrix;
  lineWidth: number;
  fill: ContentOp[];
  stroke: ContentOp[];
  fillPattern: boolean;
  strokePattern: boolean;
}

/**
 * The page's own content's decorations (see `Decoration`): a path of one straight
 * horizontal segment stroked and not filled, or of one thin closed shape (a rectangle)
 * filled and not outlined, in a plain colour, not clipping, at most `MAX_THICKNESS`
 * points thick and at least three times as long. Paths in form XObjects are not listed.
 */
export function findDecorations(file: PdfFile, pageIndex: number): Decoration[] {
  const page = interpretPage(file, pageIndex).scopes.find((s) => s.path.length === 0);
  return page ? decorationsIn(page.ops) : [];
}

export function decorationsIn(ops: readonly ContentOp[]): Decoration[] {
  const out: Decoration[] = [];
  let s: State = {
    ctm: IDENTITY,
    lineWidth: 1,
    fill: [],
    stroke: [],
    fillPattern: false,
    strokePattern: false,
  };
  const stack: State[] = [];
  let from = -1;
  let subpaths = 0;
  let curved = false;
  let clip = false;
  let points: [number, number][] = [];
  const reset = (): void => {
    from = -1;
    subpaths = 0;
    curved = false;
    clip = false;
    points = [];
  };
  ops.forEach((op, i) => {
    const n = op.operands.map((v) => (v.kind === 'number' ? v.value : NaN));
    if (PATH_OPS.has(op.op)) {
      if (from < 0) from = i;
      // A move right after a move only moves the pen: it starts no second subpath.
      if (op.op === 'm' && ops[i - 1]?.op === 'm' && from < i) points.pop();
      else if (op.op === 'm' || op.op === 're') subpaths++;
      if (op.op === 'c' || op.op === 'v' || op.op === 'y') curved = true;
      const p = (x: number, y: number) => points.push(applyPoint(s.ctm, x, y));
      if (op.op === 're' && n.length === 4) {
        const [x, y, w, h] = n as [number, number, number, number];
        p(x, y);
        p(x + w, y);
        p(x + w, y + h);
        p(x, y + h);
      } else if (op.op === 'm' || op.op === 'l') {
        if (n.length >= 2 && !isNaN(n[0]!) && !isNaN(n[1]!)) p(n[0]!, n[1]!);
      } else if (op.op !== 'h') for (let k = 0; k + 1 < n.length; k += 2) p(n[k]!, n[k + 1]!);
      return;
    }
    if (op.op === 'W' || op.op === 'W*') {
      clip = true;
      return;
    }
    if (PATH_ENDS.has(op.op)) {
      const d = from >= 0 && subpaths === 1 && !clip && !curved ? shapeOf(op.op, points, s) : null;
      if (d) out.push({ from, to: i, ...d });
      reset();
      return;
    }
    reset();
    switch (op.op) {
      case 'q':
        stack.push({ ...s });
        break;
      case 'Q':
        s = stack.pop() ?? s;
        break;
      case 'cm':
        if (n.length === 6 && n.every((v) => !isNaN(v)))
          s = { ...s, ctm: multiply(n as Matrix, s.ctm) };
        break;
      case 'w':
        if (n.length === 1 && !isNaN(n[0]!)) s = { ...s, lineWidth: n[0]! };
        break;
      case 'cs':
        s = { ...s, fill: [op], fillPattern: isPatternSpace(op) };
        break;
      case 'CS':
        s = {
          ...s,
          stroke: [{ op: 'cs', operands: op.operands }],
          strokePattern: isPatternSpace(op),
        };
        break;
      default:
        if (FILL_COLOUR.has(op.op)) s = { ...s, ...colourSet(s.fill, op, s.fillPattern, 'fill') };
        else if (STROKE_COLOUR.has(op.op))
          s = {
            ...s,
            ...colourSet(
              s.stroke,
              { op: op.op.toLowerCase(), operands: op.operands },
              s.strokePattern,
              'stroke',
            ),
          };
        break;
    }
  });
  return out;
}

function isPatternSpace(op: ContentOp): boolean {
  const v = op.operands[op.operands.length - 1];
  return v?.kind === 'name' && v.value === 'Pattern';
}

/** The colour state after one colour operator (given as its fill form). */
function colourSet(
  current: ContentOp[],
  op: ContentOp,
  pattern: boolean,
  which: 'fill' | 'stroke',
): Partial<State> {
  const space = current[0]?.op === 'cs' ? current[0] : undefined;
  let ops: ContentOp[];
  let isPattern = pattern;
  if (op.op === 'sc' || op.op === 'scn') {
    ops = space ? [space, op] : [op];
    // A pattern's name as the last operand.
    if (op.operands[op.operands.length - 1]?.kind === 'name') isPattern = true;
  } else {
    ops = [op];
    isPattern = false;
  }
  return which === 'fill'
    ? { fill: ops, fillPattern: isPattern }
    : { stroke: ops, strokePattern: isPattern };
}

function shapeOf(
  paint: string,
  points: readonly [number, number][],
  s: State,
): Omit<Decoration, 'from' | 'to'> | null {
  if (points.length < 2) return null;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const length = x1 - x0;
  if (paint === 'f' || paint === 'F' || paint === 'f*') {
    if (s.fillPattern || points.length < 3) return null;
    const thickness = y1 - y0;
    if (thickness <= 0 || thickness > MAX_THICKNESS || length < thickness * 3) return null;
    return { box: [x0, y0, x1, y1], thickness, color: s.fill.length > 0 ? s.fill : [GRAY0] };
  }
  if (paint === 'S') {
    if (s.strokePattern || y1 - y0 > 0.01) return null;
    // The pen's width across the line: the matrix's scale along y.
    const thickness = s.lineWidth * Math.hypot(s.ctm[2], s.ctm[3]);
    if (thickness <= 0 || thickness > MAX_THICKNESS || length < thickness * 3) return null;
    return {
      box: [x0, y0 - thickness / 2, x1, y0 + thickness / 2],
      thickness,
      color: s.stroke.length > 0 ? s.stroke : [GRAY0],
    };
  }
  return null;
}

/** The initial colour, black. */
const GRAY0: ContentOp = { op: 'g', operands: [{ kind: 'number', value: 0 }] };

/**
 * Removes the given decorations (as `findDecorations` listed them, the page's content
 * unchanged since) from the page's own content: their path operators go, everything else
 * draws as before.
 */
export function removeDecorations(
  file: PdfFile,
  pageIndex: number,
  decorations: readonly Decoration[],
): void {
  if (decorations.length === 0) return;
  const page = interpretPage(file, pageIndex).scopes.find((s) => s.path.length === 0);
  if (!page) return;
  const drop = new Set<number>();
  for (const d of decorations) for (let i = d.from; i <= d.to; i++) drop.add(i);
  dropPageOps(file, pageIndex, page.ops, drop);
}
