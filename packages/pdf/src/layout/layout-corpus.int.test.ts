import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireCorpus } from '@docat/testing';
import type { Block, Page } from '@docat/contracts';
import { extractLayout } from '../extract/extract-layout.js';
import { looksLikeProse } from './classify.js';

const read = (name: string) => new Uint8Array(readFileSync(corpusFile(name)));

async function page(name: string, n: number): Promise<Page> {
  const { document } = await extractLayout(read(name), { ocr: 'off', pages: [{ from: n, to: n }] });
  return document.pages[0]!;
}

const area = (b: Block['bbox']): number => (b[2] - b[0]) * (b[3] - b[1]);
const find = (p: Page, start: string): Block | undefined => p.blocks.find((b) => b.text.startsWith(start));

describe('figures, captions and ruled tables on real pages', () => {
  const req = requireCorpus('tracemonkey.pdf', 'korean-report-4p.pdf', 'persian-form-rtl.pdf', 'prefilled_f1040.pdf');

  test('tracemonkey page 7: two figures bounded by their drawings; columns, headings and lists are text', { skip: req.skip }, async () => {
    const p = await page('tracemonkey.pdf', 7);
    const figures = p.blocks.filter((b) => b.type === 'figure');
    assert.equal(figures.length, 2);
    for (const f of figures) {
      assert.ok(area(f.bbox) < p.width * p.height * 0.08, `figure ${f.bbox.join(',')} stays small`);
      assert.ok(f.bbox[3] < 215, 'figures end above their captions');
      for (const l of f.lines) assert.ok(!looksLikeProse(l.spans.map((s) => s.text).join(' ')), 'no prose in a figure');
    }
    assert.equal(find(p, 'Figure 7.')?.type, 'caption');
    assert.equal(find(p, 'Figure 8.')?.type, 'caption');
    assert.equal(find(p, '4.1 Nesting Algorithm')?.type, 'heading');
    assert.equal(find(p, '5. Trace Tree Optimization')?.type, 'heading');
    assert.equal(p.blocks.filter((b) => b.type === 'list_item').length, 2);
  });

  test('tracemonkey page 6: the panels of Figure 6 and the labels between them are one figure', { skip: req.skip }, async () => {
    const p = await page('tracemonkey.pdf', 6);
    const caption = find(p, 'Figure 6.');
    assert.equal(caption?.type, 'caption');
    const above = p.blocks.filter((b) => b.bbox[0] > 300 && b.bbox[1] > 280 && b.bbox[3] < caption.bbox[1]);
    // Panels (a) and (b) are small drawings of rules and arcs; their labels sit between them and panel (c).
    assert.deepEqual(above.map((b) => b.type), ['figure']);
    for (const label of ['Trace 1', 'Trace 2', 'Boolean', 'Linked', '(a)', '(c)']) assert.ok(above[0]!.text.includes(label), label);
    assert.equal(find(p, '3.3 Blacklisting')?.type, 'heading');
  });

  test('Korean report: the boxed abstract is a paragraph, the ruled table a table under its caption', { skip: req.skip }, async () => {
    const p1 = await page('korean-report-4p.pdf', 1);
    assert.equal(find(p1, '2020.1.1. 「감염병예방법」')?.type, 'paragraph');
    const p2 = await page('korean-report-4p.pdf', 2);
    const caption = find(p2, '[표 1]');
    assert.equal(caption?.type, 'caption');
    assert.equal(caption.text, '[표 1] 감염병예방법 제2조제2호 개정전·후 비교');
    const table = p2.blocks[p2.blocks.indexOf(caption) + 1];
    assert.equal(table?.type, 'table');
    assert.deepEqual(table.cells?.slice(0, 3).map((c) => c.text), ['구분', '개정전', '개정후']);
  });

  test('Persian form drawn with rules: tables of cells, not a figure', { skip: req.skip }, async () => {
    const p = await page('persian-form-rtl.pdf', 1);
    assert.equal(p.blocks.filter((b) => b.type === 'figure').length, 0);
    const cells = p.blocks.filter((b) => b.type === 'table').flatMap((b) => b.cells ?? []);
    assert.ok(cells.length >= 20, `${cells.length} cells`);
    // Label and value of a row are cells of their own.
    assert.ok(cells.some((c) => c.text === 'تاريخ پذيرش'));
    assert.ok(cells.some((c) => c.text === '1403/10/04'));
  });

  test('tax form: entry boxes and rules make no figure', { skip: req.skip }, async () => {
    const p = await page('prefilled_f1040.pdf', 1);
    assert.equal(p.blocks.filter((b) => b.type === 'figure').length, 0);
    assert.ok(p.blocks.some((b) => b.text.startsWith('Taxable interest')));
    // The form number, the small print above the title and the title are blocks of their own,
    // and labels on either side of a grid are not joined across it.
    assert.equal(find(p, '1040')?.text, '1040');
    assert.equal(find(p, 'Department of the Treasury')?.text, 'Department of the Treasury—Internal Revenue Service');
    assert.ok(find(p, 'U.S. Individual Income Tax Return'));
    assert.equal(find(p, 'Election Campaign')?.text, 'Election Campaign');
    assert.equal(find(p, 'Spouse’s social security number')?.text, 'Spouse’s social security number');
  });
});
