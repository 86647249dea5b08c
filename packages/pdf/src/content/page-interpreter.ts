import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFRef,
  PDFStream,
} from 'pdf-lib';
import { parseContent } from './content-tokenizer.js';
import type { Box, ContentOp, ContentValue, Matrix } from './content-types.js';
import { fontInfo, type FontInfo } from './fonts/font-info.js';
import { IDENTITY, multiply, transformBox, unionBox } from './matrix.js';
import type { PdfFile } from './pdf-file.js';
import { decodeStreamData } from './stream-data.js';

/** One glyph of a text-showing operator. */
export interface GlyphBox {
  code: number;
  unicode: string;
  /** Glyph box in page space (see GlyphRun). */
  bbox: Box;
  /** Which string of the operator: the TJ array index, or the string operand's index. */
  element: number;
  /** Byte range of the code inside that string. */
  offset: number;
  length: number;
  /** Text-space displacement this glyph causes (width, Tc, Tw, scaled by Tz). */
  advance: number;
}

/**
 * One text-showing operator (Tj, TJ, ', "). Coordinates are in the page's default user
 * space: PDF units (1/72 in), y up, as the page's own content and MediaBox are written:
 * neither /Rotate nor the MediaBox origin is applied.
 */
export interface GlyphRun {
  pageIndex: number;
  /**
   * Stable address: operator indexes joined by '/', from the page's content (all of
   * /Contents taken as one stream) through each `Do` of a form XObject, e.g. "12/40".
   */
  address: string;
  path: number[];
  operator: string;
  /** Font resource name and the font's /BaseFont. */
  font: string;
  baseFont: string;
  fontSize: number;
  renderMode: number;
  horizontalScaling: number;
  charSpacing: number;
  wordSpacing: number;
  vertical: boolean;
  codes: number[];
  unicode: string;
  glyphs: GlyphBox[];
  bbox: Box | null;
  /** Page-space point the first glyph is drawn from: on its baseline (text rise applied). */
  origin: [number, number] | null;
  /** The form XObjects the run is drawn through, outermost first. */
  forms: FormUse[];
}

export interface FormUse {
  ref: string;
  name: string;
  /** Pages whose resources reach this XObject: more than one means it is shared. */
  pages: number[];
}

/** The operations of the page or of one form XObject invocation. */
export interface ContentScope {
  /** Address of the `Do` that drew the form; empty for the page itself. */
  path: number[];
  ops: ContentOp[];
  form?: { ref: PDFRef | undefined; stream: PDFStream; name: string };
  resources: PDFDict | undefined;
}

export interface PageContent {
  pageIndex: number;
  runs: GlyphRun[];
  scopes: ContentScope[];
  /** Graphics-state depth and open text object left at the end of the page content. */
  end: { qDepth: number; inText: boolean };
  /** Limits hit while interpreting (deep or cyclic forms, operation budget). */
  warnings: string[];
}

interface TextState {
  font: FontInfo | null;
  fontName: string;
  fontSize: number;
  charSpacing: number;
  wordSpacing: number;
  hScale: number;
  leading: number;
  rise: number;
  render: number;
}

interface GState {
  ctm: Matrix;
  text: TextState;
}

const MAX_FORM_DEPTH = 12;
const MAX_FORM_INVOCATIONS = 5000;
const MAX_OPS = 5_000_000;
const MAX_Q_DEPTH = 1024;

function resolve(context: PDFContext, obj: PDFObject | undefined): PDFObject | undefined {
  let v = obj;
  for (let i = 0; i < 8 && v instanceof PDFRef; i++) v = context.lookup(v);
  return v;
}

function numbers(operands: ContentValue[], n: number): number[] | null {
  if (operands.length < n) return null;
  const tail = operands.slice(operands.length - n);
  const out: number[] = [];
  for (const v of tail) {
    if (v.kind !== 'number') return null;
    out.push(v.value);
  }
  return out;
}

/** Concatenated decoded bytes of a page's /Contents (a stream or an array of streams). */
export function pageContentBytes(file: PdfFile, pageIndex: number): Uint8Array {
  const context = file.doc.context;
  const page = file.doc.getPage(pageIndex);
  const contents = resolve(context, page.node.get(PDFName.of('Contents')));
  const streams: PDFStream[] = [];
  if (contents instanceof PDFStream) streams.push(contents);
  else if (contents instanceof PDFArray) {
    for (const item of contents.asArray()) {
      const s = resolve(context, item);
      if (s instanceof PDFStream) streams.push(s);
    }
  }
  const parts: Uint8Array[] = [];
  for (const s of streams) {
    parts.push(decodeStreamData(context, s));
    // Streams of one page split only between tokens; a separator keeps them apart.
    parts.push(new Uint8Array([0x0a]));
  }
  return new Uint8Array(Buffer.concat(parts));
}

const XOBJECT_INDEX = Symbol('xobject-pages');

/** Pages whose resources reach each form XObject, computed once per file. */
function formPages(file: PdfFile): Map<string, number[]> {
  const cached = file.cache.get(XOBJECT_INDEX as unknown as object);
  if (cached) return cached as Map<string, number[]>;
  const context = file.doc.context;
  const index = new Map<string, Set<number>>();
  const visit = (
    resources: PDFObject | undefined,
    page: number,
    depth: number,
    seen: Set<string>,
  ): void => {
    const res = resolve(context, resources);
    if (!(res instanceof PDFDict) || depth > MAX_FORM_DEPTH) return;
    const xobjects = resolve(context, res.get(PDFName.of('XObject')));
    if (!(xobjects instanceof PDFDict)) return;
    for (const [, value] of xobjects.entries()) {
      if (!(value instanceof PDFRef)) continue;
      const key = value.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      const stream = context.lookup(value);
      if (!(stream instanceof PDFStream)) continue;
      if (resolve(context, stream.dict.get(PDFName.of('Subtype'))) !== PDFName.of('Form')) continue;
      let set = index.get(key);
      if (!set) index.set(key, (set = new Set()));
      set.add(page);
      visit(stream.dict.get(PDFName.of('Resources')), page, depth + 1, seen);
    }
  };
  file.doc.getPages().forEach((page, i) => visit(page.node.Resources(), i, 0, new Set()));
  const out = new Map<string, number[]>();
  for (const [k, v] of index)
    out.set(
      k,
      [...v].sort((a, b) => a - b),
    );
  file.cache.set(XOBJECT_INDEX as unknown as object, out);
  return out;
}

/**
 * Runs the page's content through graphics and text state and reports every
 * text-showing operator with its glyph boxes. Never throws on content; limits on form
 * nesting, cycles and work are reported in `warnings`.
 */
export function interpretPage(file: PdfFile, pageIndex: number): PageContent {
  const context = file.doc.context;
  const page = file.doc.getPage(pageIndex);
  const runs: GlyphRun[] = [];
  const scopes: ContentScope[] = [];
  const warnings: string[] = [];
  const opsCache = new Map<PDFStream, ContentOp[]>();
  let invocations = 0;
  let opBudget = MAX_OPS;
  const sharing = formPages(file);

  const initialText: TextState = {
    font: null,
    fontName: '',
    fontSize: 0,
    charSpacing: 0,
    wordSpacing: 0,
    hScale: 1,
    leading: 0,
    rise: 0,
    render: 0,
  };

  const run = (
    ops: ContentOp[],
    resources: PDFDict | undefined,
    base: GState,
    path: number[],
    forms: FormUse[],
    activeRefs: Set<PDFStream>,
  ): { qDepth: number; inText: boolean } => {
    let gs: GState = { ctm: base.ctm, text: { ...base.text } };
    const stack: GState[] = [];
    let tm: Matrix = IDENTITY;
    let tlm: Matrix = IDENTITY;
    let inText = false;
    const fonts = resolve(context, resources?.get(PDFName.of('Font')));
    const xobjects = resolve(context, resources?.get(PDFName.of('XObject')));

    const show = (
      opIndex: number,
      op: ContentOp,
      items: ContentValue[],
      firstElement: number,
    ): void => {
      const t = gs.text;
      const font = t.font ?? fontInfo(context, undefined, file.cache);
      const glyphs: GlyphBox[] = [];
      let bbox: Box | null = null;
      let origin: [number, number] | null = null;
      const fs = t.fontSize;
      items.forEach((item, k) => {
        const element = firstElement + k;
        if (item.kind === 'number') {
          const d = (-item.value / 1000) * fs;
          tm = font.vertical
            ? multiply([1, 0, 0, 1, 0, d], tm)
            : multiply([1, 0, 0, 1, d * t.hScale, 0], tm);
          return;
        }
        if (item.kind !== 'string') return;
        for (const c of font.splitCodes(item.bytes)) {
          const w0 = font.width(c.code);
          const spacing = t.charSpacing + (font.isWordSpace(c) ? t.wordSpacing : 0);
          const trm = multiply(multiply([fs * t.hScale, 0, 0, fs, 0, t.rise], tm), gs.ctm);
          origin ??= [trm[4], trm[5]];
          let box: Box;
          let advance: number;
          if (font.vertical) {
            const v = font.verticalMetrics(c.code);
            box = transformBox(trm, -v.vx, v.w1, w0 - v.vx, 0);
            advance = v.w1 * fs + spacing;
            tm = multiply([1, 0, 0, 1, 0, advance], tm);
          } else {
            box = transformBox(trm, 0, font.descent, w0, font.ascent);
            advance = (w0 * fs + spacing) * t.hScale;
            tm = multiply([1, 0, 0, 1, advance, 0], tm);
          }
          glyphs.push({
            code: c.code,
            unicode: font.unicode(c.code),
            bbox: box,
            element,
            offset: c.offset,
            length: c.length,
            advance,
          });
          bbox = unionBox(bbox, box);
        }
      });
      const address = [...path, opIndex];
      runs.push({
        pageIndex,
        address: address.join('/'),
        path: address,
        operator: op.op,
        font: t.fontName,
        baseFont: font.baseFont,
        fontSize: fs,
        renderMode: t.render,
        horizontalScaling: t.hScale,
        charSpacing: t.charSpacing,
        wordSpacing: t.wordSpacing,
        vertical: font.vertical,
        codes: glyphs.map((g) => g.code),
        unicode: glyphs.map((g) => g.unicode).join(''),
        glyphs,
        bbox,
        origin,
        forms,
      });
    };

    const nextLine = (): void => {
      tlm = multiply([1, 0, 0, 1, 0, -gs.text.leading], tlm);
      tm = tlm;
    };

    for (let i = 0; i < ops.length; i++) {
      if (--opBudget < 0) {
        if (opBudget === -1) warnings.push('operation budget exhausted');
        break;
      }
      const op = ops[i]!;
      const o = op.operands;
      switch (op.op) {
        case 'q':
          if (stack.length < MAX_Q_DEPTH) stack.push({ ctm: gs.ctm, text: { ...gs.text } });
          break;
        case 'Q': {
          const prev = stack.pop();
          if (prev) gs = prev;
          break;
        }
        case 'cm': {
          const m = numbers(o, 6);
          if (m) gs = { ...gs, ctm: multiply(m as Matrix, gs.ctm) };
          break;
        }
        case 'BT':
          inText = true;
          tm = IDENTITY;
          tlm = IDENTITY;
          break;
        case 'ET':
          inText = false;
          break;
        case 'Tf': {
          const size = o[o.length - 1];
          const fname = o[o.length - 2];
          if (fname?.kind === 'name') {
            const ref = fonts instanceof PDFDict ? fonts.get(PDFName.of(fname.value)) : undefined;
            gs.text.font = fontInfo(context, ref, file.cache);
            gs.text.fontName = fname.value;
          }
          if (size?.kind === 'number') gs.text.fontSize = size.value;
          break;
        }
        case 'Tc': {
          const n = numbers(o, 1);
          if (n) gs.text.charSpacing = n[0]!;
          break;
        }
        case 'Tw': {
          const n = numbers(o, 1);
          if (n) gs.text.wordSpacing = n[0]!;
          break;
        }
        case 'Tz': {
          const n = numbers(o, 1);
          if (n) gs.text.hScale = n[0]! / 100;
          break;
        }
        case 'TL': {
          const n = numbers(o, 1);
          if (n) gs.text.leading = n[0]!;
          break;
        }
        case 'Ts': {
          const n = numbers(o, 1);
          if (n) gs.text.rise = n[0]!;
          break;
        }
        case 'Tr': {
          const n = numbers(o, 1);
          if (n) gs.text.render = n[0]!;
          break;
        }
        case 'Td':
        case 'TD': {
          const n = numbers(o, 2);
          if (!n) break;
          if (op.op === 'TD') gs.text.leading = -n[1]!;
          tlm = multiply([1, 0, 0, 1, n[0]!, n[1]!], tlm);
          tm = tlm;
          break;
        }
        case 'Tm': {
          const m = numbers(o, 6);
          if (m) {
            tlm = m as Matrix;
            tm = tlm;
          }
          break;
        }
        case 'T*':
          nextLine();
          break;
        case 'Tj': {
          const s = o[o.length - 1];
          if (s?.kind === 'string') show(i, op, [s], o.length - 1);
          break;
        }
        case "'": {
          nextLine();
          const s = o[o.length - 1];
          if (s?.kind === 'string') show(i, op, [s], o.length - 1);
          break;
        }
        case '"': {
          const n =
            o.length >= 3 &&
            o[o.length - 3]!.kind === 'number' &&
            o[o.length - 2]!.kind === 'number';
          if (n) {
            gs.text.wordSpacing = (o[o.length - 3] as { value: number }).value;
            gs.text.charSpacing = (o[o.length - 2] as { value: number }).value;
          }
          nextLine();
          const s = o[o.length - 1];
          if (s?.kind === 'string') show(i, op, [s], o.length - 1);
          break;
        }
        case 'TJ': {
          const a = o[o.length - 1];
          if (a?.kind === 'array') show(i, op, a.items, 0);
          break;
        }
        case 'Do': {
          const n = o[o.length - 1];
          if (n?.kind !== 'name' || !(xobjects instanceof PDFDict)) break;
          const raw = xobjects.get(PDFName.of(n.value));
          const stream = resolve(context, raw);
          if (!(stream instanceof PDFStream)) break;
          if (resolve(context, stream.dict.get(PDFName.of('Subtype'))) !== PDFName.of('Form'))
            break;
          if (activeRefs.has(stream)) {
            warnings.push(`form XObject ${n.value} draws itself`);
            break;
          }
          if (path.length >= MAX_FORM_DEPTH) {
            warnings.push('form XObjects nested too deeply');
            break;
          }
          if (++invocations > MAX_FORM_INVOCATIONS) {
            if (invocations === MAX_FORM_INVOCATIONS + 1)
              warnings.push('too many form XObject invocations');
            break;
          }
          let formOps = opsCache.get(stream);
          if (!formOps) {
            try {
              formOps = parseContent(decodeStreamData(context, stream));
            } catch {
              formOps = [];
              warnings.push(`form XObject ${n.value} could not be decoded`);
            }
            opsCache.set(stream, formOps);
          }
          const matrixObj = resolve(context, stream.dict.get(PDFName.of('Matrix')));
          let fm: Matrix = IDENTITY;
          if (matrixObj instanceof PDFArray && matrixObj.size() === 6) {
            const vals = matrixObj.asArray().map((v) => resolve(context, v));
            if (vals.every((v) => v instanceof PDFNumber))
              fm = vals.map((v) => (v as PDFNumber).asNumber()) as Matrix;
          }
          const formRes = resolve(context, stream.dict.get(PDFName.of('Resources')));
          const res = formRes instanceof PDFDict ? formRes : resources;
          const ref = raw instanceof PDFRef ? raw : undefined;
          const key = ref?.toString() ?? '';
          const use: FormUse = { ref: key, name: n.value, pages: sharing.get(key) ?? [pageIndex] };
          const formPath = [...path, i];
          scopes.push({
            path: formPath,
            ops: formOps,
            form: { ref, stream, name: n.value },
            resources: res,
          });
          activeRefs.add(stream);
          // Forms start with the current state and a fresh text state object (§8.10.1).
          run(
            formOps,
            res,
            { ctm: multiply(fm, gs.ctm), text: { ...gs.text } },
            formPath,
            [...forms, use],
            activeRefs,
          );
          activeRefs.delete(stream);
          break;
        }
        default:
          break;
      }
    }
    return { qDepth: stack.length, inText };
  };

  const resources = page.node.Resources();
  let ops: ContentOp[] = [];
  try {
    ops = parseContent(pageContentBytes(file, pageIndex));
  } catch (err) {
    warnings.push(`page content could not be decoded: ${(err as Error).message}`);
  }
  scopes.unshift({ path: [], ops, resources });
  const end = run(ops, resources, { ctm: IDENTITY, text: initialText }, [], [], new Set());
  scopes.sort((a, b) => a.path.length - b.path.length);
  return { pageIndex, runs, scopes, end, warnings };
}
