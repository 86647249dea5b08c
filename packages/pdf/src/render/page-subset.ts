import {
  PDFArray,
  PDFDict,
  PDFName,
  PDFRef,
  PDFStream,
  type PDFContext,
  type PDFObject,
} from 'pdf-lib';
import type { PdfFile } from '../content/index.js';

/**
 * Keeps only the given pages (1-based) of a document, in their order, and drops what
 * only the removed pages used, so the file shrinks with its page count. Form fields
 * whose widgets were all on removed pages go; bookmarks, named destinations and the
 * structure tree are dropped (they point into the removed pages).
 */
export function keepPages(file: PdfFile, pages: readonly number[]): void {
  const doc = file.doc;
  const keep = new Set(pages.filter((p) => p >= 1 && p <= doc.getPageCount()));
  if (keep.size === doc.getPageCount()) return;
  // Read before removing: pdf-lib's page list is not refreshed by removePage.
  const all = doc.getPages();
  const kept = new Set<PDFRef>();
  const removed = new Set<PDFRef>();
  all.forEach((page, i) => {
    if (!keep.has(i + 1)) {
      removed.add(page.ref);
      return;
    }
    const annots = page.node.lookup(PDFName.of('Annots'));
    if (annots instanceof PDFArray)
      for (const a of annots.asArray()) if (a instanceof PDFRef) kept.add(a);
  });
  for (let i = all.length - 1; i >= 0; i--) if (!keep.has(i + 1)) doc.removePage(i);
  const context = doc.context;
  const form = doc.catalog.lookup(PDFName.of('AcroForm'));
  if (form instanceof PDFDict) {
    const fields = form.lookup(PDFName.of('Fields'));
    if (fields instanceof PDFArray)
      form.set(PDFName.of('Fields'), context.obj(pruneFields(context, fields.asArray(), kept)));
  }
  for (const key of ['Outlines', 'StructTreeRoot', 'MarkInfo', 'PageLabels'])
    doc.catalog.delete(PDFName.of(key));
  const names = doc.catalog.lookup(PDFName.of('Names'));
  if (names instanceof PDFDict) names.delete(PDFName.of('Dests'));
  doc.catalog.delete(PDFName.of('Dests'));
  const open = doc.catalog.lookup(PDFName.of('OpenAction'));
  if (open instanceof PDFArray && open.asArray().some((v) => v instanceof PDFRef && removed.has(v)))
    doc.catalog.delete(PDFName.of('OpenAction'));
  dropUnreachable(context);
}

/** Fields that still have a widget on a kept page (a field's own dictionary may be its widget). */
function pruneFields(
  context: PDFContext,
  fields: PDFObject[],
  widgets: ReadonlySet<PDFRef>,
): PDFObject[] {
  const out: PDFObject[] = [];
  for (const ref of fields) {
    const field = context.lookup(ref);
    if (!(field instanceof PDFDict)) continue;
    const kids = field.lookup(PDFName.of('Kids'));
    if (kids instanceof PDFArray) {
      const left = pruneFields(context, kids.asArray(), widgets);
      if (left.length === 0) continue;
      field.set(PDFName.of('Kids'), context.obj(left));
      out.push(ref);
    } else if (ref instanceof PDFRef && widgets.has(ref)) {
      out.push(ref);
    } else if (field.get(PDFName.of('Subtype')) !== PDFName.of('Widget')) {
      // A field without widgets shows nowhere; it costs nothing to keep.
      out.push(ref);
    }
  }
  return out;
}

/** Deletes every indirect object the trailer no longer reaches. */
export function dropUnreachable(context: PDFContext): void {
  const seen = new Set<PDFRef>();
  const stack: PDFObject[] = [];
  const { Root, Info } = context.trailerInfo;
  if (Root) stack.push(Root);
  if (Info) stack.push(Info);
  while (stack.length > 0) {
    const obj = stack.pop()!;
    if (obj instanceof PDFRef) {
      if (seen.has(obj)) continue;
      seen.add(obj);
      const target = context.lookup(obj);
      if (target) stack.push(target);
    } else if (obj instanceof PDFStream) {
      stack.push(obj.dict);
    } else if (obj instanceof PDFDict) {
      for (const [, v] of obj.entries()) stack.push(v);
    } else if (obj instanceof PDFArray) {
      for (const v of obj.asArray()) stack.push(v);
    }
  }
  for (const [ref] of context.enumerateIndirectObjects()) if (!seen.has(ref)) context.delete(ref);
}
