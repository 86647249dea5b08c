import { PDFArray, PDFName } from 'pdf-lib';
import type { PdfFile } from '../content/index.js';

/**
 * Puts a `q` before the page's own content, so the text appended after it starts from
 * the page's default state even when the page changes the transformation matrix at its
 * top level and never restores it (browsers' print-to-PDF pages do).
 */
export function isolatePageContent(file: PdfFile, pageIndex: number): void {
  const page = file.doc.getPage(pageIndex);
  const context = file.doc.context;
  const save = context.register(context.stream('q\n'));
  const contents = page.node.get(PDFName.of('Contents'));
  const resolved = contents ? context.lookup(contents) : undefined;
  const list = context.obj([]) as PDFArray;
  list.push(save);
  if (resolved instanceof PDFArray) for (const item of resolved.asArray()) list.push(item);
  else if (contents) list.push(contents);
  page.node.set(PDFName.of('Contents'), list);
}
