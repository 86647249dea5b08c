/**
 * Fewer arrays per glyph in pdf.js's text layer.
 *
 * pdf.js's worker half builds the text layer glyph by glyph, and for each glyph it asks
 * twice where the glyph lies (`getCurrentTextTransform`): once to compare it with the last
 * position (read and dropped), once to keep it as the previous one. Each call builds the
 * text-space matrix and two products with the shared `Util.transform`: three new arrays, the
 * first product only to be multiplied again. `Util.transform` is called all over pdf.js with
 * plain arrays and typed arrays alike, so its element reads are generic. On a book this was
 * the largest single entry of the children's profiles after the garbage collector (7.6% of
 * the busy samples), and the arrays a good share of what the collector then swept.
 *
 * In a sandbox child the worker's source is rewritten as it is loaded: the last statement of
 * `getCurrentTextTransform` calls `docatTextTransform`, appended to the module, which does
 * the same two products (the same multiplications and additions in the same order, so the
 * same numbers to the last bit) into one array; `compareWithLastPosition` has them written
 * into one scratch array it reads and drops. Three statements change, nothing else. When any
 * of them is not found exactly once (another pdf.js), the source is loaded unchanged.
 */
import { registerHooks } from 'node:module';

const ANCHOR =
  /return Util\.transform\((\w+)\.ctm,\s*Util\.transform\(\1\.textMatrix,\s*(\w+)\)\);?(\s*)\}(\s*)function ensureTextContentItem\(\)/g;
const DECLARATION = /function getCurrentTextTransform\(\)(\s*)\{/g;
const COMPARE =
  /(function compareWithLastPosition\(\w*\)\s*\{\s*const\s+\w+\s*=\s*)getCurrentTextTransform\(\)/g;

/**
 * `Util.transform(c, Util.transform(m, t))`, term for term, without the middle array; into
 * `out` when it is given (the position compared with the last one is read and dropped).
 */
export const TEXT_TRANSFORM_SOURCE = `function docatTextTransform(c, m, t, out) {
  const a0 = m[0] * t[0] + m[2] * t[1];
  const a1 = m[1] * t[0] + m[3] * t[1];
  const a2 = m[0] * t[2] + m[2] * t[3];
  const a3 = m[1] * t[2] + m[3] * t[3];
  const a4 = m[0] * t[4] + m[2] * t[5] + m[4];
  const a5 = m[1] * t[4] + m[3] * t[5] + m[5];
  if (out) {
    out[0] = c[0] * a0 + c[2] * a1;
    out[1] = c[1] * a0 + c[3] * a1;
    out[2] = c[0] * a2 + c[2] * a3;
    out[3] = c[1] * a2 + c[3] * a3;
    out[4] = c[0] * a4 + c[2] * a5 + c[4];
    out[5] = c[1] * a4 + c[3] * a5 + c[5];
    return out;
  }
  return [
    c[0] * a0 + c[2] * a1,
    c[1] * a0 + c[3] * a1,
    c[0] * a2 + c[2] * a3,
    c[1] * a2 + c[3] * a3,
    c[0] * a4 + c[2] * a5 + c[4],
    c[1] * a4 + c[3] * a5 + c[5],
  ];
}
const docatScratchTransform = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];`;

/**
 * The worker's source with `getCurrentTextTransform` calling `docatTextTransform`, or
 * undefined when its last statement does not occur exactly once. Line numbers are kept (the
 * function is appended; a function declaration is hoisted).
 */
export function patchTextTransform(source: string): string | undefined {
  for (const re of [ANCHOR, DECLARATION, COMPARE])
    if (source.match(re)?.length !== 1) return undefined;
  return (
    source
      .replace(
        ANCHOR,
        'return docatTextTransform($1.ctm, $1.textMatrix, $2, out);$3}$4function ensureTextContentItem()',
      )
      .replace(DECLARATION, 'function getCurrentTextTransform(out)$1{')
      .replace(COMPARE, '$1getCurrentTextTransform(docatScratchTransform)') +
    '\n' +
    TEXT_TRANSFORM_SOURCE.replace(/\n\s*/g, ' ') +
    '\n'
  );
}

let patched = false;

/**
 * From now on pdf.js's worker half (either build) loads with `patchTextTransform` applied.
 * Call before pdf.js is loaded; for the sandbox children.
 */
export function usePatchedTextTransform(): void {
  if (patched) return;
  patched = true;
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      if (!/\/pdfjs-dist\/.*\/pdf\.worker(\.min)?\.mjs$/.test(url) || loaded.source == null)
        return loaded;
      const source =
        typeof loaded.source === 'string'
          ? loaded.source
          : new TextDecoder().decode(loaded.source as ArrayBuffer | Uint8Array);
      const out = patchTextTransform(source);
      return out === undefined ? loaded : { ...loaded, source: out };
    },
  });
}
