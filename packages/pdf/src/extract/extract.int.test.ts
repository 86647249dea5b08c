import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireCorpus } from '@docat/testing';
import type { LayoutDocument } from '@docat/contracts';
import { extractLayout } from './extract-layout.js';
import { mergeChunks } from '../layout/document-level.js';
import { toPlainText } from '../output/plain-text.js';
import { toMarkdown } from '../output/markdown.js';
import { toJson } from '../output/json.js';

const read = (name: string) => new Uint8Array(readFileSync(corpusFile(name)));
const squash = (s: string) => s.replace(/\s+/g, '').toLowerCase();

describe('extractLayout on the corpus', () => {
  const req = requireCorpus(
    'tracemonkey.pdf',
    'TAMReview.pdf',
    'issue16538.pdf',
    'prefilled_f1040.pdf',
  );
  let tracemonkey: LayoutDocument;

  before(async () => {
    if (req.skip) return;
    tracemonkey = (await extractLayout(read('tracemonkey.pdf'), { ocr: 'off' })).document;
  });

  test('TAMReview: the section headings, in order', { skip: req.skip }, async () => {
    const { document } = await extractLayout(read('TAMReview.pdf'), { ocr: 'off' });
    const headings = document.pages.flatMap((p) =>
      p.blocks.filter((b) => b.type === 'heading').map((b) => squash(b.text)),
    );
    // Read off the document: the bold section titles of pages 2-18.
    const expected = [
      'Abstract',
      'Introduction',
      'The Theory of Reasoned Action',
      'Related studies on perceived usefulness and perceived ease of use',
      'Developing measurement scales for perceived usefulness and perceived ease of use',
      'TAM evolving',
      'Adapting and extending TAM',
      'Conclusions',
      'Acknowledgements',
      'Bibliography',
    ].map(squash);
    let at = headings.indexOf(
      squash(
        'Overview of the Technology Acceptance Model: Origins, Developments and Future Directions',
      ),
    );
    assert.ok(at >= 0, 'document title is a heading');
    for (const h of expected) {
      const next = headings.indexOf(h, at + 1);
      assert.ok(next > at, `heading "${h}" after position ${at} in ${JSON.stringify(headings)}`);
      at = next;
    }
    const levels = document.pages.flatMap((p) =>
      p.blocks.filter((b) => b.type === 'heading').map((b) => b.level),
    );
    assert.ok(levels.every((l) => l !== undefined && l >= 1 && l <= 6));
  });

  test('tracemonkey: column 1 is read before column 2', { skip: req.skip }, () => {
    const text = toPlainText({ ...tracemonkey, pages: tracemonkey.pages.slice(0, 1) });
    const bottomOfColumn1 = text.indexOf(
      'Dynamic languages such as JavaScript, Python, and Ruby, are popular',
    );
    const topOfColumn2 = text.indexOf(
      'and is used for the application logic of browser-based productivity',
    );
    const abstract = text.indexOf(
      'Dynamic languages such as JavaScript are more difficult to compile',
    );
    assert.ok(
      abstract >= 0 && bottomOfColumn1 > abstract,
      'abstract then introduction in column 1',
    );
    assert.ok(topOfColumn2 > bottomOfColumn1, 'column 2 after column 1');
  });

  test(
    'tracemonkey: the trace statistics table of page 12 comes out as its grid',
    { skip: req.skip },
    () => {
      const table = tracemonkey.pages[11]!.blocks.find(
        (b) => b.type === 'table' && b.text.includes('3d-cube'),
      );
      assert.ok(table?.cells, 'a table block with cells');
      const rows = Math.max(...table.cells.map((c) => c.row)) + 1;
      const cols = Math.max(...table.cells.map((c) => c.col)) + 1;
      assert.equal(rows, 27);
      assert.equal(cols, 10);
      const row = (r: number) =>
        table
          .cells!.filter((c) => c.row === r)
          .sort((a, b) => a.col - b.col)
          .map((c) => c.text);
      assert.deepEqual(row(0), [
        'Loops',
        'Trees',
        'Traces',
        'Aborts',
        'Flushes',
        'Trees/Loop',
        'Traces/Tree',
        'Traces/Loop',
        'Speedup',
      ]);
      assert.deepEqual(row(1), [
        '3d-cube',
        '25',
        '27',
        '29',
        '3',
        '0',
        '1.1',
        '1.1',
        '1.2',
        '2.20x',
      ]);
      assert.deepEqual(row(4), [
        'access-binary-trees',
        '0',
        '0',
        '0',
        '5',
        '0',
        '-',
        '-',
        '-',
        '0.93x',
      ]);
      assert.deepEqual(row(26), [
        'string-validate-input',
        '6',
        '10',
        '13',
        '1',
        '0',
        '1.7',
        '1.3',
        '2.2',
        '1.86x',
      ]);
      assert.match(
        toMarkdown({ ...tracemonkey, pages: [tracemonkey.pages[11]!] }),
        /\| 3d-cube \| 25 \| 27 \| 29 \|/,
      );
    },
  );

  test('tracemonkey: figures, captions and headings with levels', { skip: req.skip }, () => {
    const p2 = tracemonkey.pages[1]!.blocks;
    assert.ok(
      p2.some((b) => b.type === 'figure'),
      'the state machine of figure 2 is a figure',
    );
    assert.ok(p2.some((b) => b.type === 'caption' && b.text.startsWith('Figure 2.')));
    const intro = tracemonkey.pages[0]!.blocks.find(
      (b) => b.type === 'heading' && b.text === '1. Introduction',
    );
    assert.ok(intro?.level);
  });

  test(
    'issue16538: Japanese text comes from the text layer, not OCR',
    { skip: req.skip },
    async () => {
      const { document, warnings } = await extractLayout(read('issue16538.pdf'));
      assert.equal(document.pages[0]!.scanned, false);
      assert.deepEqual(warnings, []);
      const text = toPlainText(document);
      assert.ok(text.includes('マーケットモデルは'), text.slice(0, 200));
      assert.ok(text.includes('リスク中立確率は一意ではなく'));
    },
  );

  test(
    'prefilled_f1040: every form field is a block, filled ones with their value; the form is read as text',
    { skip: req.skip },
    async () => {
      const { document } = await extractLayout(read('prefilled_f1040.pdf'), { ocr: 'off' });
      const fields = document.pages.flatMap((p) =>
        p.blocks
          .filter((b) => b.type === 'form_field')
          .map((b) => [p.number, b.field!.name, b.field!.value] as const),
      );
      // One block per widget: 120 on page 1, 122 on page 2.
      assert.deepEqual(
        [1, 2].map((n) => fields.filter((f) => f[0] === n).length),
        [120, 122],
      );
      assert.deepEqual(
        fields.filter((f) => f[2] !== ''),
        [
          [2, 'topmostSubform[0].Page2[0].c1_01_0_[0]', 'Yes'],
          [2, 'topmostSubform[0].Page2[0].p2-t124[0]', 'foobar'],
        ],
      );
      // The ruled form is not one picture: its labels are text blocks.
      const page1 = document.pages[0]!.blocks;
      assert.ok(
        !page1.some(
          (b) =>
            b.type === 'figure' &&
            (b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1]) > 612 * 792 * 0.3,
        ),
        'no page-sized figure',
      );
      assert.ok(
        page1.some((b) => b.type !== 'form_field' && b.text.includes('Filing Status')),
        'the form labels are text',
      );
      // Empty fields are structure for the JSON layout, not text.
      assert.ok(!toPlainText(document).includes('topmostSubform[0].Page1[0]'));
    },
  );

  test(
    'tracemonkey: program listings are code blocks, one per listing, a line per row',
    { skip: req.skip },
    async () => {
      const page2 = tracemonkey.pages[1]!.blocks;
      const code = page2.filter((b) => b.type === 'code');
      assert.equal(code.length, 1, code.map((b) => b.text).join(' | '));
      assert.equal(code[0]!.text.split('\n').length, 6);
      assert.ok(
        code[0]!.text.startsWith('1 for (var i = 2; i < 100; ++i) {\n2 if (!primes[i])'),
        code[0]!.text,
      );
      // Prose with a word in the typewriter face stays prose.
      assert.ok(
        page2.some(
          (b) =>
            b.type === 'paragraph' &&
            b.text.startsWith('initialized to an array of 100 false values'),
        ),
      );
      assert.ok(toMarkdown(tracemonkey).includes('```\n1 for (var i = 2; i < 100; ++i) {'));
    },
  );

  test('chunks merged give the same bytes as one pass', { skip: req.skip }, async () => {
    const bytes = read('tracemonkey.pdf');
    const parts = await Promise.all(
      [
        { from: 1, to: 5 },
        { from: 6, to: 14 },
      ].map((r) => extractLayout(bytes, { pages: [r], ocr: 'off', documentLevel: false })),
    );
    const merged = mergeChunks(parts.map((p) => p.document));
    assert.equal(toJson(merged), toJson(tracemonkey));
    const again = (await extractLayout(bytes, { ocr: 'off' })).document;
    assert.equal(toJson(again), toJson(tracemonkey));
  });
});
