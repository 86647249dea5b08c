import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import { corpusFile, requireCorpus } from '@docat/testing';
import { pseudoTranslate } from '@docat/translate';
import { extractLayout } from '../extract/index.js';
import { loadPdfjs } from '../extract/pdfjs.js';
import { FontLibrary } from '../fonts/font-library.js';
import { renderDualPdf } from './render-dual.js';
import { renderTranslatedPdf } from './render-translated.js';
import { translateBlocks } from './render-fixtures.test-support.js';
import { renderGray } from './render-checks.test-support.js';
import { requireAll, requireTools } from '@docat/testing';

/** What a viewer finds on a page and in the outline, read by pdf.js. */
async function navigation(bytes: Uint8Array) {
  const pdfjs = await loadPdfjs();
  const task = pdfjs.getDocument({ data: bytes.slice() });
  const doc = await task.promise;
  const target = async (dest: unknown) => {
    const explicit = (typeof dest === 'string' ? await doc.getDestination(dest) : dest) as
      unknown[] | null;
    if (!explicit) return null;
    const page = await doc.getPageIndex(explicit[0] as { num: number; gen: number });
    const fit = (explicit[1] as { name: string }).name;
    return [page + 1, fit, ...explicit.slice(2)];
  };
  const pages = [];
  for (let p = 1; p <= doc.numPages; p++) {
    const page = await doc.getPage(p);
    const links = [];
    for (const a of await page.getAnnotations()) {
      if (a.subtype !== 'Link') continue;
      links.push({
        rect: (a.rect as number[]).map((v) => Math.round(v)),
        url: a.url as string | undefined,
        to: a.dest ? await target(a.dest) : null,
      });
    }
    pages.push({ width: Math.round(page.view[2]!), links });
  }
  const outline: { title: string; to: unknown; children: number }[] = [];
  const walk = async (items: Awaited<ReturnType<typeof doc.getOutline>>) => {
    for (const item of items ?? []) {
      outline.push({ title: item.title, to: await target(item.dest), children: item.items.length });
      await walk(item.items);
    }
  };
  await walk(await doc.getOutline());
  await task.destroy();
  return { pages, outline };
}

/**
 * Two pages: on page 1 a link to a named destination on page 2 (in the `Names` tree), a
 * GoTo action with an explicit destination, a web link and a script link; an outline of
 * two items, the second closed with one child.
 */
async function linkedDocument(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const p1 = doc.addPage([612, 792]);
  const p2 = doc.addPage([612, 792]);
  const ctx = doc.context;
  const link = (rect: number[], extra: Record<string, unknown>) =>
    ctx.register(ctx.obj({ Type: 'Annot', Subtype: 'Link', Rect: rect, ...extra }));
  p1.node.set(
    PDFName.of('Annots'),
    ctx.obj([
      link([100, 700, 200, 720], { Dest: PDFString.of('sec2') }),
      link([100, 650, 200, 670], {
        A: { S: 'GoTo', D: [p2.ref, PDFName.of('FitH'), 500] },
      }),
      link([100, 600, 200, 620], { A: { S: 'URI', URI: PDFString.of('https://example.org/') } }),
      link([100, 550, 200, 570], { A: { S: 'JavaScript', JS: PDFString.of('app.alert(1)') } }),
    ]),
  );
  const names = ctx.obj({
    Dests: ctx.obj({ Names: [PDFString.of('sec2'), [p2.ref, PDFName.of('XYZ'), 50, 600, null]] }),
  });
  doc.catalog.set(PDFName.of('Names'), ctx.register(names));
  const [root, one, two, child] = [ctx.nextRef(), ctx.nextRef(), ctx.nextRef(), ctx.nextRef()];
  ctx.assign(root, ctx.obj({ Type: 'Outlines', First: one, Last: two, Count: 2 }));
  ctx.assign(
    one,
    ctx.obj({
      Title: PDFHexString.fromText('Eins'),
      Parent: root,
      Next: two,
      Dest: [p1.ref, PDFName.of('Fit')],
    }),
  );
  ctx.assign(
    two,
    ctx.obj({
      Title: PDFString.of('Two'),
      Parent: root,
      Prev: one,
      First: child,
      Last: child,
      Count: -1,
      Dest: PDFString.of('sec2'),
    }),
  );
  ctx.assign(
    child,
    ctx.obj({
      Title: PDFString.of('Two, first part'),
      Parent: two,
      Dest: [p2.ref, PDFName.of('XYZ'), 10, 300, 2],
    }),
  );
  doc.catalog.set(PDFName.of('Outlines'), root);
  return doc.save();
}

describe('bilingual PDF: links and bookmarks', () => {
  test('side by side: links work on both halves and the outline opens the wide pages', async () => {
    const source = await linkedDocument();
    // The navigation does not depend on what the translated pages show: the source stands in.
    const dual = await renderDualPdf(source, source, { mode: 'side' });
    const { pages, outline } = await navigation(dual);
    assert.equal(pages.length, 2);
    assert.equal(pages[0]!.width, 1224);
    const [left, right] = [pages[0]!.links.slice(0, 3), pages[0]!.links.slice(3)];
    assert.deepEqual(left, [
      { rect: [100, 700, 200, 720], url: undefined, to: [2, 'XYZ', 50, 600, null] },
      { rect: [100, 650, 200, 670], url: undefined, to: [2, 'FitH', 500] },
      { rect: [100, 600, 200, 620], url: 'https://example.org/', to: null },
    ]);
    // The translation's half: the same links 612 points to the right, to its own half.
    assert.deepEqual(right, [
      { rect: [712, 700, 812, 720], url: undefined, to: [2, 'XYZ', 662, 600, null] },
      { rect: [712, 650, 812, 670], url: undefined, to: [2, 'FitH', 500] },
      { rect: [712, 600, 812, 620], url: 'https://example.org/', to: null },
    ]);
    assert.deepEqual(outline, [
      { title: 'Eins', to: [1, 'Fit'], children: 0 },
      { title: 'Two', to: [2, 'XYZ', 50, 600, null], children: 1 },
      { title: 'Two, first part', to: [2, 'XYZ', 10, 300, 2], children: 0 },
    ]);
  });

  test('alternating pages: each link goes to the page of its own document', async () => {
    const source = await linkedDocument();
    const dual = await renderDualPdf(source, source, { mode: 'alternate' });
    const { pages, outline } = await navigation(dual);
    assert.equal(pages.length, 4);
    // Original page 1 links to original page 2 (third page); its translation to the fourth.
    assert.deepEqual(
      pages[0]!.links.map((l) => l.to?.[0] ?? l.url),
      [3, 3, 'https://example.org/'],
    );
    assert.deepEqual(
      pages[1]!.links.map((l) => l.to?.[0] ?? l.url),
      [4, 4, 'https://example.org/'],
    );
    // A bookmark opens the original page; its translation follows it.
    assert.deepEqual(
      outline.map((o) => (o.to as unknown[])[0]),
      [1, 3, 3],
    );
  });

  const req = requireCorpus('pdfjs_wikipedia.pdf', 'file_pdfjs_test.pdf', 'TAMReview.pdf');
  test(
    'real documents: web links on both halves, the outline kept',
    { skip: req.skip },
    async () => {
      const wiki = new Uint8Array(readFileSync(corpusFile('pdfjs_wikipedia.pdf')));
      const before = await navigation(wiki);
      const after = await navigation(await renderDualPdf(wiki, wiki, { mode: 'side' }));
      const web = (links: { url?: string | undefined; rect: number[] }[]) =>
        links.filter((l) => l.url !== undefined);
      for (const [i, page] of before.pages.entries()) {
        const expected = [
          ...web(page.links),
          ...web(page.links).map((l) => ({
            ...l,
            rect: [l.rect[0]! + page.width, l.rect[1]!, l.rect[2]! + page.width, l.rect[3]!],
          })),
        ];
        const found = web(after.pages[i]!.links);
        assert.ok(i > 0 || expected.length > 0, 'the first page has web links');
        assert.deepEqual(
          found.map((l) => l.url),
          expected.map((l) => l.url),
        );
        // Rounded to whole points on both sides: each corner within a point of its place.
        found.forEach((l, k) =>
          l.rect.forEach((v, c) =>
            assert.ok(
              Math.abs(v - expected[k]!.rect[c]!) <= 1,
              `${l.url}: ${l.rect} vs ${expected[k]!.rect}`,
            ),
          ),
        );
      }
      const manual = new Uint8Array(readFileSync(corpusFile('file_pdfjs_test.pdf')));
      const source = await navigation(manual);
      assert.ok(source.outline.length > 5);
      const dual = await navigation(await renderDualPdf(manual, manual, { mode: 'side' }));
      assert.deepEqual(dual.outline, source.outline);
    },
  );

  test(
    'bookmarks of the translated PDF read in the target language',
    { skip: req.skip },
    async () => {
      const manual = new Uint8Array(readFileSync(corpusFile('file_pdfjs_test.pdf')));
      const { document: layout } = await extractLayout(manual, { ocr: 'off' });
      const pages = layout.pages.map((p) => p.number);
      const translated = await renderTranslatedPdf(
        manual,
        layout,
        translateBlocks(layout, pages, (s) => pseudoTranslate(s, 'de')),
        { targetLanguage: 'de', fonts: new FontLibrary() },
      );
      const before = (await navigation(manual)).outline;
      const after = (await navigation(translated.bytes)).outline;
      assert.equal(after.length, before.length);
      // Every bookmark here names a heading: each reads as that heading's translation.
      assert.deepEqual(
        after.map((o) => o.title),
        before.map((o) => pseudoTranslate(o.title.trim(), 'de')),
      );
      assert.deepEqual(
        after.map((o) => o.to),
        before.map((o) => o.to),
      );
    },
  );

  test(
    'the translated PDF names its language, and its title is the translated title',
    { skip: req.skip },
    async () => {
      const paper = new Uint8Array(readFileSync(corpusFile('TAMReview.pdf')));
      const { document: layout } = await extractLayout(paper, {
        pages: [{ from: 1, to: 1 }],
        ocr: 'off',
      });
      const title = (await PDFDocument.load(paper)).getTitle()!.trim();
      assert.ok(
        layout.pages[0]!.blocks.some((b) => b.text.replace(/\s+/gu, ' ').trim() === title),
        "the information title is the first page's title",
      );
      const translated = await renderTranslatedPdf(
        paper,
        layout,
        translateBlocks(layout, [1], (s) => pseudoTranslate(s, 'fr')),
        { targetLanguage: 'fr', fonts: new FontLibrary() },
      );
      const out = await PDFDocument.load(translated.bytes);
      assert.equal(out.getTitle(), pseudoTranslate(title, 'fr'));
      assert.equal(out.catalog.lookup(PDFName.of('Lang'), PDFString).decodeText(), 'fr');
    },
  );

  const paper = requireCorpus('tracemonkey.pdf');
  test(
    'the interleaved bilingual PDF has a bookmark per heading, in the target language',
    { skip: paper.skip },
    async () => {
      const source = new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf')));
      const { document: layout } = await extractLayout(source, {
        pages: [{ from: 1, to: 3 }],
        ocr: 'off',
      });
      const translations = translateBlocks(layout, [1, 2, 3], (s) => pseudoTranslate(s, 'de'));
      const headings = layout.pages.flatMap((p) => p.blocks.filter((b) => b.type === 'heading'));
      assert.ok(headings.length >= 3, 'the paper has headings on its first pages');
      const dual = await renderDualPdf(source, source, {
        mode: 'interleaved',
        plan: { layout, translations, targetLanguage: 'de', fonts: new FontLibrary() },
      });
      const { pages, outline } = await navigation(dual);
      assert.deepEqual(
        outline.map((o) => o.title),
        headings.map((h) => translations.get(h.id)!.replace(/\s+/gu, ' ').trim()),
      );
      // Each opens a page of the document at the heading, in reading order.
      const at = outline.map((o) => o.to as [number, string, null, number, null]);
      assert.ok(at.every(([page, fit]) => page >= 1 && page <= pages.length && fit === 'XYZ'));
      for (let i = 1; i < at.length; i++)
        assert.ok(
          at[i]![0] > at[i - 1]![0] || (at[i]![0] === at[i - 1]![0] && at[i]![3] < at[i - 1]![3]),
          `bookmark ${i} after bookmark ${i - 1}`,
        );
    },
  );

  const drawn = requireAll(requireTools('pdftoppm'), requireCorpus('file_pdfjs_test.pdf'));
  test(
    'side by side, notes and text boxes on the original show as they do in a viewer',
    { skip: drawn.skip },
    async () => {
      const manual = new Uint8Array(readFileSync(corpusFile('file_pdfjs_test.pdf')));
      const dual = await renderDualPdf(manual, manual, { mode: 'side' });
      // pdftoppm draws annotations from their appearances, as viewers do.
      const source = renderGray(manual, 1, 50);
      const both = renderGray(dual, 1, 50);
      let differing = 0;
      let annotationInk = 0;
      const plain = renderGray(await withoutAnnotations(manual), 1, 50);
      for (let y = 0; y < source.height; y++)
        for (let x = 0; x < source.width; x++) {
          const i = y * source.width + x;
          if (Math.abs(source.pixels[i]! - both.pixels[y * both.width + x]!) > 8) differing++;
          if (Math.abs(source.pixels[i]! - plain.pixels[i]!) > 8) annotationInk++;
        }
      // Page 1 carries six text boxes and four notes: without them much of the page differs.
      assert.ok(annotationInk > 500, `the annotations draw ${annotationInk} pixels`);
      assert.ok(
        differing < annotationInk / 20,
        `${differing} pixels differ (annotations: ${annotationInk})`,
      );
    },
  );
});

/** The document with every page's annotations removed. */
async function withoutAnnotations(bytes: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.load(bytes);
  for (const page of doc.getPages()) page.node.delete(PDFName.of('Annots'));
  return doc.save();
}
