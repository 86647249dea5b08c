import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, type PDFRef } from 'pdf-lib';
import type { LayoutDocument } from '@docat/contracts';
import { translateOutlineTitles } from './outline-titles.js';

/** A layout of headings only: what the matching reads (page numbers, ids, text). */
function layoutOf(pages: string[][]): LayoutDocument {
  return {
    pages: pages.map((texts, p) => ({
      number: p + 1,
      blocks: texts.map((text, b) => ({ id: `p${p + 1}b${b}`, type: 'heading', text })),
    })),
  } as unknown as LayoutDocument;
}

/** Bookmarks, each `[title, page number, children]`, on a document of `pageCount` pages. */
async function withOutline(
  pageCount: number,
  items: [string, number, [string, number][]][],
): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pageCount; i++) doc.addPage([600, 800]);
  const ctx = doc.context;
  const root = ctx.nextRef();
  const make = (list: [string, number, [string, number][]?][], parent: PDFRef): PDFRef[] => {
    const refs = list.map(() => ctx.nextRef());
    list.forEach(([title, page, kids], i) => {
      const dict = ctx.obj({
        Title: PDFString.of(title),
        Parent: parent,
        Dest: [doc.getPage(page - 1).ref, PDFName.of('Fit')],
      });
      if (i > 0) dict.set(PDFName.of('Prev'), refs[i - 1]!);
      if (i < list.length - 1) dict.set(PDFName.of('Next'), refs[i + 1]!);
      if (kids && kids.length > 0) {
        const children = make(kids, refs[i]!);
        dict.set(PDFName.of('First'), children[0]!);
        dict.set(PDFName.of('Last'), children[children.length - 1]!);
      }
      ctx.assign(refs[i]!, dict);
    });
    return refs;
  };
  const top = make(items, root);
  ctx.assign(root, ctx.obj({ Type: 'Outlines', First: top[0]!, Last: top[top.length - 1]! }));
  doc.catalog.set(PDFName.of('Outlines'), root);
  return doc;
}

function titles(doc: PDFDocument): string[] {
  const out: string[] = [];
  const visit = (ref: unknown) => {
    for (let node = ref; node;) {
      const dict = doc.context.lookup(node as PDFRef) as PDFDict;
      out.push((dict.lookup(PDFName.of('Title')) as PDFString | PDFHexString).decodeText());
      visit(dict.get(PDFName.of('First')));
      node = dict.get(PDFName.of('Next'));
    }
  };
  visit((doc.catalog.lookup(PDFName.of('Outlines')) as PDFDict).get(PDFName.of('First')));
  return out;
}

test('bookmarks take the translation of the heading they name, numbered as they were', async () => {
  const layout = layoutOf([
    ['1 Introduction', 'Results', 'Summary', 'Summary of the data'],
    ['2 Methods', 'Results', 'Appendix'],
  ]);
  const translations = new Map<string, string>([
    ['p1b0', '1 Einleitung'],
    ['p1b1', 'Ergebnisse (vorläufig)'],
    ['p1b2', 'Zusammenfassung'],
    ['p1b3', 'Zusammenfassung der Daten'],
    ['p2b0', '2 Methoden'],
    ['p2b1', 'Ergebnisse'],
    // 'Appendix' has no translation (a block left in the source language).
  ]);
  const doc = await withOutline(2, [
    ['1  Introduction', 1, [['Results', 2]]],
    ['Methods', 2, []],
    ['3 Appendix', 2, []],
    ['Résumé', 1, []],
    ['Summary', 1, []],
  ]);
  const count = translateOutlineTitles(doc, layout, translations);
  assert.deepEqual(titles(doc), [
    '1 Einleitung', // spacing aside, the heading's own text
    'Ergebnisse', // "Results" is a heading on both pages: the bookmark's page decides
    'Methoden', // the bookmark has no number: the translation's is dropped
    '3 Appendix', // no translation: left as it is
    'Résumé', // names no heading
    'Zusammenfassung', // the block whose whole text is the title, not one that starts so
  ]);
  assert.equal(count, 4);
});

test('a title that several different translations could stand for is left alone', async () => {
  const layout = layoutOf([['Notes'], ['Notes']]);
  const translations = new Map([
    ['p1b0', 'Anmerkungen'],
    ['p2b0', 'Notizen'],
  ]);
  // The bookmark points at neither page's heading directly: page 1 holds one, page 2 another.
  const doc = await withOutline(3, [['Notes', 3, []]]);
  assert.equal(translateOutlineTitles(doc, layout, translations), 0);
  assert.deepEqual(titles(doc), ['Notes']);
});

test('a document without bookmarks is left as it is', async () => {
  const doc = await PDFDocument.create();
  doc.addPage();
  assert.equal(translateOutlineTitles(doc, layoutOf([['Title']]), new Map([['p1b0', 'Titel']])), 0);
  assert.equal(doc.catalog.get(PDFName.of('Outlines')), undefined);
});
