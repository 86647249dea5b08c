import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAYOUT_SCHEMA_VERSION, type LayoutDocument, type Page } from '@docat/contracts';
import { joinLines } from './hyphenation.js';
import { normalizeText, stripGarbage, dominantScript } from './text-normalize.js';
import { classifyText, isMathFont, mathFeatures } from './classify.js';
import { mergeChunks } from './document-level.js';
import { toMarkdown } from '../output/markdown.js';
import { toPlainText } from '../output/plain-text.js';

describe('text normalisation', () => {
  test('joins words broken at line ends, keeps real hyphens', () => {
    assert.equal(joinLines(['the interpre-', 'ter runs']), 'the interpreter runs');
    assert.equal(joinLines(['type-', 'Specialized']), 'type- Specialized');
    assert.equal(joinLines(['日本', '語']), '日本語');
  });
  test('expands ligatures and composes to NFC', () => {
    assert.equal(normalizeText('e\uFB03cient \uFB01le'), 'efficient file');
    assert.equal(normalizeText('Cafe\u0301'), 'Café');
  });
  test("the Symbol and Wingdings fonts' list bullets read as the bullets they draw", () => {
    assert.equal(normalizeText('\uF0B7'), '•');
    assert.equal(normalizeText('\uF0A7 Item'), '▪ Item');
  });
  test('garbage control codes become spaces', () => {
    assert.equal(stripGarbage('Overview\u0002of\u0002the'), 'Overview of the');
  });
  test('detects the dominant script', () => {
    assert.equal(dominantScript('これは日本語です'), 'Hiragana');
    assert.equal(dominantScript('Привет мир'), 'Cyrillic');
    assert.equal(dominantScript('123'), undefined);
  });
  test('classifies headings, list items, captions', () => {
    assert.equal(
      classifyText({ text: 'Introduction', lineCount: 1, size: 12, bold: true }, 10, false),
      'heading',
    );
    assert.equal(
      classifyText(
        { text: '• first point of the list', lineCount: 1, size: 10, bold: false },
        10,
        false,
      ),
      'list_item',
    );
    assert.equal(
      classifyText(
        { text: 'Figure 3. A state machine.', lineCount: 1, size: 9, bold: false },
        10,
        false,
      ),
      'caption',
    );
    assert.equal(
      classifyText(
        { text: 'A plain sentence of body text.', lineCount: 1, size: 10, bold: false },
        10,
        false,
      ),
      'paragraph',
    );
  });
  test('a block set in math fonts is a formula, however many lines; prose beside math is not', () => {
    const m = (spans: [string, string][]) =>
      mathFeatures(spans.map(([text, font]) => ({ text, font })));
    const matrix = m([
      ['a', 'BKSOJG+CMMI10'],
      ['b', 'BKSOJG+CMMI10'],
      ['=', 'AAABNJ+CMR10'],
      ['c', 'BKSOJG+CMMI10'],
      ['d', 'BKSOJG+CMMI10'],
    ]);
    assert.deepEqual(matrix, { mathChars: 4, textWords: 0 });
    assert.equal(
      classifyText(
        { text: 'a b = c d', lineCount: 6, size: 10, bold: false, math: matrix },
        10,
        false,
      ),
      'formula',
    );
    const listOfEquations = m([
      ['1) ', 'FJKNGJ+SFRM1095'],
      ['χ', 'BKSOJG+CMMI10'],
      ['(∆1) = 2 − 1 = 1', 'AAABNJ+CMR10'],
      ['χ', 'BKSOJG+CMMI10'],
      ['(∆2) = 3 − 3 + 1 = 1', 'AAABNJ+CMR10'],
    ]);
    assert.equal(
      classifyText(
        {
          text: '1) χ(∆1) = 2 − 1 = 1',
          lineCount: 3,
          size: 10,
          bold: false,
          math: listOfEquations,
        },
        10,
        false,
      ),
      'formula',
    );
    const prose = m([
      ['Es gilt ', 'FJKNGJ+SFRM1095'],
      ['σ', 'BKSOJG+CMMI10'],
      [' für alle Elemente der Gruppe.', 'FJKNGJ+SFRM1095'],
    ]);
    assert.equal(
      classifyText(
        {
          text: 'Es gilt σ für alle Elemente der Gruppe.',
          lineCount: 1,
          size: 10,
          bold: false,
          math: prose,
        },
        10,
        false,
      ),
      'paragraph',
    );
    // GeoTopo p. 20: a line of prose dense with inline mathematics, few long words.
    const dense = m([
      ['Sei', 'FJKNGJ+SFRM1095'],
      ['U', 'BKSOJG+CMMI10'],
      ['x', 'GBBWBG+CMMI8'],
      [':=', 'AAABNJ+CMR10'],
      ['⋂', 'YMYJLL+CMEX10'],
      ['. Da', 'FJKNGJ+SFRM1095'],
      ['X', 'BKSOJG+CMMI10'],
      ['kompakt ist, gibt es', 'FJKNGJ+SFRM1095'],
      ['x', 'BKSOJG+CMMI10'],
      ['∈', 'BIKXFS+CMSY10'],
      ['X', 'BKSOJG+CMMI10'],
      ['mit', 'FJKNGJ+SFRM1095'],
      ['⋃', 'YMYJLL+CMEX10'],
      ['U', 'BKSOJG+CMMI10'],
      ['=', 'AAABNJ+CMR10'],
      ['X', 'BKSOJG+CMMI10'],
    ]);
    const denseText = 'Sei U x := ⋂ U. Da X kompakt ist, gibt es x ∈ X mit ⋃ U = X';
    const block = { text: denseText, lineCount: 1, size: 10, bold: false };
    assert.equal(classifyText({ ...block, math: dense }, 10, false), 'paragraph');
    // Without fonts to tell (OCR, a text-only read) the characters decide, as before.
    assert.equal(classifyText(block, 10, false), 'formula');
    assert.equal(isMathFont('NotoSansMath-Regular'), true);
    assert.equal(isMathFont('Cambria Math'), true);
    assert.equal(isMathFont('YPEZKV+SFBX1095'), false);
    assert.equal(isMathFont('Times-Roman'), false);
  });
});

function page(number: number, blocks: { text: string; y: number; size?: number }[]): Page {
  return {
    number,
    width: 600,
    height: 800,
    rotation: 0,
    scanned: false,
    blocks: blocks.map((b, i) => ({
      id: `p${number}-b${i}`,
      type: 'paragraph',
      order: i,
      bbox: [50, b.y, 550, b.y + 12],
      lines: [
        {
          bbox: [50, b.y, 550, b.y + 12],
          spans: [{ text: b.text, bbox: [50, b.y, 550, b.y + 12], font: 'F', size: b.size ?? 10 }],
        },
      ],
      text: b.text,
    })),
  };
}

function doc(pages: Page[]): LayoutDocument {
  return { schemaVersion: LAYOUT_SCHEMA_VERSION, pageCount: 3, pages };
}

describe('mergeChunks', () => {
  const pages = [
    page(1, [
      { text: 'Annual report 2024', y: 20 },
      { text: 'The results of the year were', y: 400 },
      { text: '1', y: 770 },
    ]),
    page(2, [
      { text: 'Annual report 2024', y: 20 },
      { text: 'better than expected. New text.', y: 100 },
      { text: '2', y: 770 },
    ]),
    page(3, [
      { text: 'Annual report 2024', y: 20 },
      { text: 'Closing words.', y: 100 },
      { text: '3', y: 770 },
    ]),
  ];
  test('finds running headers, footers and continuing paragraphs across chunks', () => {
    const merged = mergeChunks([doc([pages[2]!]), doc([pages[0]!, pages[1]!])]);
    assert.deepEqual(
      merged.pages.map((p) => p.number),
      [1, 2, 3],
    );
    assert.deepEqual(
      merged.pages.map((p) => p.blocks[0]!.type),
      ['header', 'header', 'header'],
    );
    assert.deepEqual(
      merged.pages.map((p) => p.blocks[2]!.type),
      ['footer', 'footer', 'footer'],
    );
    assert.equal(merged.pages[0]!.blocks[1]!.continues, true);
    assert.equal(merged.pages[1]!.blocks[1]!.continues, undefined);
    assert.match(
      toPlainText(merged),
      /The results of the year were better than expected\. New text\./,
    );
    assert.doesNotMatch(toMarkdown(merged), /Annual report/);
  });
  test('is deterministic whatever the chunking', () => {
    const a = JSON.stringify(mergeChunks([doc([pages[0]!]), doc([pages[1]!]), doc([pages[2]!])]));
    const b = JSON.stringify(mergeChunks([doc([pages[0]!, pages[1]!, pages[2]!])]));
    assert.equal(a, b);
  });
  test('rejects a page present in two chunks', () => {
    assert.throws(() => mergeChunks([doc([pages[0]!]), doc([pages[0]!])]), /two chunks/);
  });
});
