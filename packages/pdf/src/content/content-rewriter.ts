import { PDFArray, PDFContext, PDFDict, PDFName, PDFObject, PDFRef, PDFStream } from 'pdf-lib';
import { serializeContent } from './content-serializer.js';
import { parseContent } from './content-tokenizer.js';
import type { Box, ContentOp, ContentValue, Matrix } from './content-types.js';
import { IDENTITY, applyPoint, boxCenterInside, multiply, unionBox } from './matrix.js';
import {
  interpretPage,
  pageContentBytes,
  type ContentScope,
  type GlyphRun,
} from './page-interpreter.js';
import type { PdfFile } from './pdf-file.js';

export interface TextSelector {
  /** Whole runs by address (GlyphRun.address). */
  addresses?: string[];
  /** Glyphs whose box centre lies in any of these page-space boxes. */
  regions?: Box[];
  /** Also remove invisible text (render mode 3, e.g. OCR layers). Default false. */
  includeInvisible?: boolean;
  /** Glyphs whose box centre lies in any of these page-space boxes stay, whatever else selects them. */
  keep?: Box[];
}

export interface RemovalResult {
  removedGlyphs: number;
  /** Runs touched, by address. */
  runs: string[];
  /** Form XObjects copied because they were edited (the originals stay for other users). */
  copiedForms: number;
}

const INVISIBLE = 3;
// Clipping-only text (mode 7) shapes later drawing; removing it would change the page.
const CLIP_ONLY = 7;

function resolve(context: PDFContext, obj: PDFObject | undefined): PDFObject | undefined {
  let v = obj;
  for (let i = 0; i < 8 && v instanceof PDFRef; i++) v = context.lookup(v);
  return v;
}

function selectGlyphs(
  runs: GlyphRun[],
  selector: TextSelector,
): Map<string, { run: GlyphRun; glyphs: Set<number> }> {
  const byAddress = new Set(selector.addresses ?? []);
  const picked = new Map<string, { run: GlyphRun; glyphs: Set<number> }>();
  for (const run of runs) {
    if (run.renderMode === CLIP_ONLY) continue;
    if (run.renderMode === INVISIBLE && !selector.includeInvisible) continue;
    if (run.fontSize === 0 || run.horizontalScaling === 0) continue;
    const glyphs = new Set<number>();
    if (byAddress.has(run.address)) run.glyphs.forEach((_, i) => glyphs.add(i));
    for (const region of selector.regions ?? []) {
      run.glyphs.forEach((g, i) => {
        if (boxCenterInside(g.bbox, region)) glyphs.add(i);
      });
    }
    for (const region of selector.keep ?? []) {
      run.glyphs.forEach((g, i) => {
        if (boxCenterInside(g.bbox, region)) glyphs.delete(i);
      });
    }
    if (glyphs.size > 0) picked.set(run.address, { run, glyphs });
  }
  return picked;
}

/**
 * The operations replacing one text-showing operator once some of its glyphs are gone:
 * each removed stretch becomes a TJ displacement equal to its advance, so the text
 * position afterwards, and every kept glyph, stay exactly where they were.
 */
function rewriteShow(op: ContentOp, run: GlyphRun, removed: Set<number>): ContentOp[] {
  const o = op.operands;
  const isArray = op.op === 'TJ';
  const source = isArray ? o[o.length - 1] : o[o.length - 1];
  const items: ContentValue[] =
    isArray && source?.kind === 'array' ? source.items : source ? [source] : [];
  const elementBase = isArray ? 0 : o.length - 1;
  const scale = run.vertical ? run.fontSize : run.fontSize * run.horizontalScaling;
  const out: ContentValue[] = [];
  // Bytes of the string being built; closed at every number and at element boundaries.
  let open: { bytes: number[]; hex: boolean } | null = null;
  const closeString = (): void => {
    if (open) out.push({ kind: 'string', bytes: Uint8Array.from(open.bytes), hex: open.hex });
    open = null;
  };
  const addNumber = (value: number): void => {
    closeString();
    const last = out[out.length - 1];
    if (last?.kind === 'number')
      out[out.length - 1] = { kind: 'number', value: last.value + value };
    else out.push({ kind: 'number', value });
  };
  let glyphIndex = 0;
  items.forEach((item, k) => {
    const element = elementBase + k;
    if (item.kind === 'number') {
      addNumber(item.value);
      return;
    }
    if (item.kind !== 'string') return;
    closeString();
    while (glyphIndex < run.glyphs.length && run.glyphs[glyphIndex]!.element === element) {
      const g = run.glyphs[glyphIndex]!;
      if (removed.has(glyphIndex)) addNumber((-g.advance * 1000) / scale);
      else {
        open ??= { bytes: [], hex: item.hex };
        for (let b = g.offset; b < g.offset + g.length; b++) open.bytes.push(item.bytes[b]!);
      }
      glyphIndex++;
    }
    closeString();
  });
  while (
    out.length > 0 &&
    out[out.length - 1]!.kind === 'number' &&
    (out[out.length - 1] as { value: number }).value === 0
  )
    out.pop();
  const prefix: ContentOp[] = [];
  if (op.op === "'") prefix.push({ op: 'T*', operands: [] });
  if (op.op === '"') {
    const aw = o[o.length - 3];
    const ac = o[o.length - 2];
    if (aw) prefix.push({ op: 'Tw', operands: [aw] });
    if (ac) prefix.push({ op: 'Tc', operands: [ac] });
    prefix.push({ op: 'T*', operands: [] });
  }
  if (out.length === 0) return prefix;
  return [...prefix, { op: 'TJ', operands: [{ kind: 'array', items: out }] }];
}

function cloneDict(context: PDFContext, dict: PDFDict | undefined): PDFDict {
  const copy = context.obj({});
  if (dict) for (const [k, v] of dict.entries()) copy.set(k, v);
  return copy;
}

function uniqueName(dict: PDFDict, base: string): string {
  for (let i = 1; ; i++) {
    const candidate = `${base}_${i}`;
    if (!dict.has(PDFName.of(candidate))) return candidate;
  }
}

function newContentStream(context: PDFContext, ops: ContentOp[], template?: PDFStream): PDFRef {
  const stream = context.flateStream(serializeContent(ops));
  if (template) {
    for (const [k, v] of template.dict.entries()) {
      const key = k.decodeText();
      if (key === 'Length' || key === 'Filter' || key === 'DecodeParms' || key === 'DL') continue;
      stream.dict.set(k, v);
    }
  }
  return context.register(stream);
}

/**
 * Removes the selected text from a page by rewriting its content streams. Everything
 * else draws as before. A form XObject holding selected text is copied and the copy
 * edited, so other pages and other invocations that use it keep their text.
 */
export function removeText(
  file: PdfFile,
  pageIndex: number,
  selector: TextSelector,
): RemovalResult {
  const context = file.doc.context;
  const content = interpretPage(file, pageIndex);
  const picked = selectGlyphs(content.runs, selector);
  const result: RemovalResult = { removedGlyphs: 0, runs: [...picked.keys()], copiedForms: 0 };
  if (picked.size === 0) return result;

  const scopeKey = (path: number[]): string => path.join('/');
  const scopes = new Map<string, ContentScope>(content.scopes.map((s) => [scopeKey(s.path), s]));
  // Per scope: op index -> replacement operations.
  const edits = new Map<string, Map<number, ContentOp[]>>();
  const edit = (path: number[], index: number, ops: ContentOp[]): void => {
    const key = scopeKey(path);
    let m = edits.get(key);
    if (!m) edits.set(key, (m = new Map()));
    m.set(index, ops);
  };
  for (const { run, glyphs } of picked.values()) {
    const scope = scopes.get(scopeKey(run.path.slice(0, -1)));
    const index = run.path[run.path.length - 1]!;
    const op = scope?.ops[index];
    if (!scope || !op) continue;
    edit(scope.path, index, rewriteShow(op, run, glyphs));
    result.removedGlyphs += glyphs.size;
  }

  // Deepest scopes first, so a parent sees the renamed Do of every edited child.
  const pending = [...edits.keys()]
    .map((k) => scopes.get(k)!)
    .sort((a, b) => b.path.length - a.path.length);
  const resourceClones = new Map<string, PDFDict>();
  const done = new Set<string>();
  while (pending.length > 0) {
    const scope = pending.shift()!;
    const key = scopeKey(scope.path);
    if (done.has(key)) continue;
    done.add(key);
    const scopeEdits = edits.get(key) ?? new Map<number, ContentOp[]>();
    const ops: ContentOp[] = [];
    scope.ops.forEach((op, i) => {
      const replacement = scopeEdits.get(i);
      if (replacement) ops.push(...replacement);
      else ops.push(op);
    });
    const resources = resourceClones.get(key);
    if (!scope.form) {
      const ref = newContentStream(context, ops);
      const page = file.doc.getPage(pageIndex);
      page.node.set(PDFName.of('Contents'), ref);
      if (resources) page.node.set(PDFName.of('Resources'), resources);
      continue;
    }
    const copyRef = newContentStream(context, ops, scope.form.stream);
    if (resources)
      (context.lookup(copyRef) as PDFStream).dict.set(PDFName.of('Resources'), resources);
    result.copiedForms++;
    const parentPath = scope.path.slice(0, -1);
    const parentKey = scopeKey(parentPath);
    const parent = scopes.get(parentKey);
    if (!parent) continue;
    let parentResources = resourceClones.get(parentKey);
    if (!parentResources) {
      parentResources = cloneDict(context, parent.resources);
      resourceClones.set(parentKey, parentResources);
    }
    const xobjects = cloneDict(
      context,
      resolvedDict(context, parentResources.get(PDFName.of('XObject'))),
    );
    parentResources.set(PDFName.of('XObject'), xobjects);
    const newName = uniqueName(xobjects, scope.form.name);
    xobjects.set(PDFName.of(newName), copyRef);
    const doIndex = scope.path[scope.path.length - 1]!;
    const doOp = parent.ops[doIndex]!;
    const operands = [...doOp.operands];
    operands[operands.length - 1] = { kind: 'name', value: newName };
    edit(parentPath, doIndex, [{ op: 'Do', operands }]);
    pending.push(parent);
    pending.sort((a, b) => b.path.length - a.path.length);
  }
  return result;
}

function resolvedDict(context: PDFContext, obj: PDFObject | undefined): PDFDict | undefined {
  const v = resolve(context, obj);
  return v instanceof PDFDict ? v : undefined;
}

export type ResourceCategory =
  'Font' | 'XObject' | 'ExtGState' | 'ColorSpace' | 'Pattern' | 'Shading' | 'Properties';
export type ResourceMap = Partial<Record<ResourceCategory, Record<string, PDFObject>>>;

/** Which operand of which operator names a resource of which category. */
function renameOperands(ops: ContentOp[], renames: Map<string, string>): void {
  const rename = (
    category: ResourceCategory,
    v: ContentValue | undefined,
  ): ContentValue | undefined => {
    if (v?.kind !== 'name') return v;
    const to = renames.get(`${category}/${v.value}`);
    return to ? { kind: 'name', value: to } : v;
  };
  for (const op of ops) {
    const o = op.operands;
    const last = o.length - 1;
    switch (op.op) {
      case 'Tf':
        if (o.length >= 2) o[o.length - 2] = rename('Font', o[o.length - 2])!;
        break;
      case 'Do':
        if (last >= 0) o[last] = rename('XObject', o[last])!;
        break;
      case 'gs':
        if (last >= 0) o[last] = rename('ExtGState', o[last])!;
        break;
      case 'cs':
      case 'CS':
        if (last >= 0) o[last] = rename('ColorSpace', o[last])!;
        break;
      case 'scn':
      case 'SCN':
        if (last >= 0) o[last] = rename('Pattern', o[last])!;
        break;
      case 'sh':
        if (last >= 0) o[last] = rename('Shading', o[last])!;
        break;
      case 'BDC':
      case 'DP':
        if (last >= 0) o[last] = rename('Properties', o[last])!;
        break;
      default:
        break;
    }
  }
}

/**
 * Appends content to a page inside its own `q ... Q` group, so the new content draws in
 * the page's default state whatever the original content did: the original is wrapped
 * in `q ... Q` (a page may change the matrix, colour or clip at its top level and never
 * restore it; browsers' print-to-PDF pages do), and whatever it left open (an unfinished
 * text object, unbalanced `q`) is closed first. Resources are merged into (a copy of)
 * the page's resources; names that collide are renamed in the appended operations.
 * Returns the names used, as "Category/name" -> name.
 */
export function appendContent(
  file: PdfFile,
  pageIndex: number,
  content: ContentOp[] | Uint8Array,
  resources: ResourceMap = {},
): Map<string, string> {
  const context = file.doc.context;
  const page = file.doc.getPage(pageIndex);
  const ops =
    content instanceof Uint8Array
      ? parseContent(content)
      : content.map((op) => ({ ...op, operands: [...op.operands] }));
  let depth = 0;
  let inText = false;
  // A `Q` with nothing saved is an error viewers skip; inside the wrapper it would pop
  // the wrapper's own `q`, so one more `q` per such `Q` keeps the wrapper's state saved.
  let strayRestores = 0;
  for (const op of parseContent(pageContentBytes(file, pageIndex))) {
    if (op.op === 'q') depth++;
    else if (op.op === 'Q') {
      if (depth > 0) depth--;
      else strayRestores++;
    } else if (op.op === 'BT') inText = true;
    else if (op.op === 'ET') inText = false;
  }
  const pageResources = cloneDict(context, page.node.Resources());
  const used = new Map<string, string>();
  const renames = new Map<string, string>();
  for (const [category, entries] of Object.entries(resources) as [
    ResourceCategory,
    Record<string, PDFObject>,
  ][]) {
    const sub = cloneDict(context, resolvedDict(context, pageResources.get(PDFName.of(category))));
    pageResources.set(PDFName.of(category), sub);
    for (const [wanted, value] of Object.entries(entries)) {
      const existing = sub.get(PDFName.of(wanted));
      const finalName = existing && existing !== value ? uniqueName(sub, wanted) : wanted;
      sub.set(PDFName.of(finalName), value);
      used.set(`${category}/${wanted}`, finalName);
      if (finalName !== wanted) renames.set(`${category}/${wanted}`, finalName);
    }
  }
  if (renames.size > 0) renameOperands(ops, renames);
  const prelude: ContentOp[] = [];
  if (inText) prelude.push({ op: 'ET', operands: [] });
  // Close the original's own open groups, then the wrapper (the spares went to the stray `Q`s).
  for (let i = 0; i < depth + 1; i++) prelude.push({ op: 'Q', operands: [] });
  const ref = newContentStream(context, [
    ...prelude,
    { op: 'q', operands: [] },
    ...ops,
    { op: 'Q', operands: [] },
  ]);
  const save = newContentStream(
    context,
    Array.from({ length: 1 + strayRestores }, () => ({ op: 'q', operands: [] })),
  );
  const existing = resolve(context, page.node.get(PDFName.of('Contents')));
  const list = context.obj([]) as PDFArray;
  const original = page.node.get(PDFName.of('Contents'));
  list.push(save);
  if (existing instanceof PDFArray) for (const item of existing.asArray()) list.push(item);
  else if (original) list.push(original);
  list.push(ref);
  page.node.set(PDFName.of('Contents'), list);
  page.node.set(PDFName.of('Resources'), pageResources);
  return used;
}

/** Operators that build a path, and those that end it (painting it, or not: `n`). */
export const PATH_OPS: ReadonlySet<string> = new Set(['m', 'l', 'c', 'v', 'y', 'h', 're']);
export const PATH_ENDS: ReadonlySet<string> = new Set([
  'S',
  's',
  'f',
  'F',
  'f*',
  'B',
  'B*',
  'b',
  'b*',
  'n',
]);
const FILL_ONLY = new Set(['f', 'F', 'f*']);

/** A path of the page's own content filled in a plain colour and nothing else. */
interface PlainFill {
  /** Indexes of its first construction operator and of its painting operator. */
  from: number;
  to: number;
  /** Page-space box (default user space, y up). */
  box: Box;
}

/**
 * Fills the page's own content draws as one closed shape (a rectangle, or one subpath: a
 * rounded box) in a plain colour, neither outlined nor clipping. Paths in form XObjects,
 * paths of several shapes and fills in a pattern are not listed: removing them could take
 * other graphics away.
 */
function plainFills(ops: readonly ContentOp[]): PlainFill[] {
  const out: PlainFill[] = [];
  let ctm: Matrix = IDENTITY;
  let pattern = false;
  const stack: { ctm: Matrix; pattern: boolean }[] = [];
  let from = -1;
  let subpaths = 0;
  let clip = false;
  let box: Box | null = null;
  const point = (x: number, y: number): void => {
    const [px, py] = applyPoint(ctm, x, y);
    box = unionBox(box, [px, py, px, py]);
  };
  const reset = (): void => {
    from = -1;
    subpaths = 0;
    clip = false;
    box = null;
  };
  ops.forEach((op, i) => {
    const n = op.operands.map((v) => (v.kind === 'number' ? v.value : NaN));
    if (PATH_OPS.has(op.op)) {
      if (from < 0) from = i;
      if (op.op === 'm' || op.op === 're') subpaths++;
      if (op.op === 're' && n.length === 4) {
        const [x, y, w, h] = n as [number, number, number, number];
        point(x, y);
        point(x + w, y + h);
        point(x, y + h);
        point(x + w, y);
      } else for (let k = 0; k + 1 < n.length; k += 2) if (!isNaN(n[k]!)) point(n[k]!, n[k + 1]!);
      return;
    }
    if (op.op === 'W' || op.op === 'W*') {
      clip = true;
      return;
    }
    if (PATH_ENDS.has(op.op)) {
      const b = box as Box | null;
      if (FILL_ONLY.has(op.op) && from >= 0 && subpaths === 1 && !clip && !pattern && b)
        out.push({ from, to: i, box: b });
      reset();
      return;
    }
    reset();
    switch (op.op) {
      case 'q':
        stack.push({ ctm, pattern });
        break;
      case 'Q':
        ({ ctm, pattern } = stack.pop() ?? { ctm, pattern });
        break;
      case 'cm':
        if (n.length === 6 && n.every((v) => !isNaN(v))) ctm = multiply(n as Matrix, ctm);
        break;
      case 'cs':
        pattern = op.operands[0]?.kind === 'name' && op.operands[0].value === 'Pattern';
        break;
      case 'scn':
        // A pattern's name as the last operand.
        if (op.operands[op.operands.length - 1]?.kind === 'name') pattern = true;
        break;
      case 'g':
      case 'rg':
      case 'k':
        pattern = false;
        break;
      default:
        break;
    }
  });
  return out;
}

/**
 * Removes fills drawn behind words (a highlight, shaded inline code) from the page's own
 * content: each group of page-space boxes (default user space, y up) goes only when a
 * plain fill (see `plainFills`) matches every box of it within `tolerance` points, so a
 * block's fills go together or not at all. Returns, per group, whether it was removed.
 */
export function removeFills(
  file: PdfFile,
  pageIndex: number,
  groups: readonly (readonly Box[])[],
  tolerance = 1.5,
): boolean[] {
  const done = groups.map(() => false);
  if (groups.every((g) => g.length === 0)) return done;
  const content = interpretPage(file, pageIndex);
  const page = content.scopes.find((s) => s.path.length === 0);
  if (!page) return done;
  const fills = plainFills(page.ops);
  const used = new Set<PlainFill>();
  const matches = (a: Box, b: Box): boolean =>
    Math.abs(Math.min(a[0], a[2]) - Math.min(b[0], b[2])) <= tolerance &&
    Math.abs(Math.max(a[0], a[2]) - Math.max(b[0], b[2])) <= tolerance &&
    Math.abs(Math.min(a[1], a[3]) - Math.min(b[1], b[3])) <= tolerance &&
    Math.abs(Math.max(a[1], a[3]) - Math.max(b[1], b[3])) <= tolerance;
  const drop = new Set<number>();
  groups.forEach((group, g) => {
    if (group.length === 0) return;
    const picked: PlainFill[] = [];
    for (const box of group) {
      const fill = fills.find((f) => !used.has(f) && !picked.includes(f) && matches(f.box, box));
      if (!fill) return;
      picked.push(fill);
    }
    for (const f of picked) {
      used.add(f);
      for (let i = f.from; i <= f.to; i++) drop.add(i);
    }
    done[g] = true;
  });
  if (drop.size > 0) dropPageOps(file, pageIndex, page.ops, drop);
  return done;
}

/**
 * Replaces the page's content with its own operators `ops` (as `interpretPage` read them)
 * less those at the indexes in `drop`: everything else draws as before.
 */
export function dropPageOps(
  file: PdfFile,
  pageIndex: number,
  ops: readonly ContentOp[],
  drop: ReadonlySet<number>,
): void {
  const ref = newContentStream(
    file.doc.context,
    ops.filter((_, i) => !drop.has(i)),
  );
  file.doc.getPage(pageIndex).node.set(PDFName.of('Contents'), ref);
}
