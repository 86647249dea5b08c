import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import type { Block, LayoutDocument } from '@docat/contracts';
import { extractLayout } from '../extract/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { renderTranslatedPdf, type BlockPlacement } from './render-translated.js';

const HEIGHT = 792;
const WORDS =
  'the tracing compiler records one path through the loop and compiles it to native code while guards check that later iterations take the same path through every branch'.split(
    ' ',
  );

/** `n` words of running text, starting at word `from`. */
function words(n: number, from = 0): string {
  return Array.from({ length: n }, (_, i) => WORDS[(from + i) % WORDS.length]).join(' ');
}

/**
 * One column (72-300 pt) of three paragraphs of 10 pt Helvetica on 12 pt leading, each
 * with a first-line indent and 10 pt between them, and nothing else on the page; with
 * `note`, a two-line note in 8 pt type just below them.
 */
async function columnPdf(note = false): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  let top = 100;
  for (const [p, lines] of [
    [0, 4],
    [1, 4],
    [2, 4],
  ] as const) {
    for (let l = 0; l < lines; l++) {
      const text = words(l === 0 ? 6 : 7, p * 29 + l * 7);
      page.drawText(text, {
        x: l === 0 ? 84 : 72,
        y: HEIGHT - top - 8,
        size: 10,
        font,
        color: rgb(0, 0, 0),
      });
      top += 12;
    }
    top += 10;
  }
  if (note) {
    // A note in 8 pt type just below the column, in its width.
    for (let l = 0; l < 2; l++)
      page.drawText(words(9, 40 + l * 9), {
        x: 72,
        y: HEIGHT - 284 - l * 10 - 6,
        size: 8,
        font,
        color: rgb(0, 0, 0),
      });
  }
  return doc.save();
}

/** The page's paragraphs, top to bottom. */
function paragraphs(layout: LayoutDocument): Block[] {
  return layout.pages[0]!.blocks.filter((b) => b.type === 'paragraph').sort(
    (a, b) => a.bbox[1] - b.bbox[1],
  );
}

/** A translation `factor` times as long as the block's text, in words of the same kind. */
function longer(block: Block, factor: number): string {
  const n = Math.max(1, Math.round(block.text.split(/\s+/u).length * factor));
  return words(n, 5).replace(/^./u, (c) => c.toUpperCase());
}

async function render(
  source: Uint8Array,
  layout: LayoutDocument,
  factors: number[],
): Promise<BlockPlacement[]> {
  const blocks = paragraphs(layout);
  const translations = new Map(blocks.map((b, i) => [b.id, longer(b, factors[i]!)]));
  const result = await renderTranslatedPdf(source, layout, translations, {
    targetLanguage: 'de',
    fonts: new FontLibrary(),
  });
  return blocks.map((b) => result.placements.find((p) => p.blockId === b.id)!);
}

const top = (p: BlockPlacement): number => Math.min(...p.lines.map((l) => l[1]));
const foot = (p: BlockPlacement): number => Math.max(...p.lines.map((l) => l[3]));

describe('column runs', () => {
  let source: Uint8Array;
  let layout: LayoutDocument;

  before(async () => {
    source = await columnPdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
    assert.equal(paragraphs(layout).length, 3, 'the page reads as three paragraphs');
  });

  test('a long translation takes the room its shorter neighbours leave, at the source size', async () => {
    const [a, b, c] = await render(source, layout, [1.45, 0.6, 0.6]);
    for (const p of [a!, b!, c!]) {
      assert.equal(p.overflow, false);
      assert.ok(Math.abs(p.size - 10) < 0.01, `size ${p.size}: set at the source size`);
    }
    // The first paragraph runs past its own box, and the next ones start below it.
    assert.ok(foot(a!) > a!.box[3] + 5, 'the first paragraph took more lines than its box');
    assert.ok(top(b!) >= foot(a!) - 0.5, 'the second starts below the first');
    assert.ok(top(c!) >= foot(b!) - 0.5, 'the third starts below the second');
    assert.ok(foot(c!) <= c!.box[3] + 1.5, 'the run ends where the column did');
  });

  test('when the column is short of room, every paragraph is set at one size', async () => {
    const placed = await render(source, layout, [1.45, 1.3, 1.2]);
    const sizes = placed.map((p) => p.size);
    assert.ok(
      sizes.every((s) => Math.abs(s - sizes[0]!) < 0.01),
      `one size down the column: ${sizes.join(', ')}`,
    );
    assert.ok(sizes[0]! < 10 && sizes[0]! >= 6, `shrunk within the limit: ${sizes[0]}`);
    for (let i = 1; i < placed.length; i++)
      assert.ok(top(placed[i]!) >= foot(placed[i - 1]!) - 0.5, `paragraph ${i + 1} below ${i}`);
    assert.ok(foot(placed[2]!) <= placed[2]!.box[3] + 1.5, 'the run ends where the column did');
  });

  test('a note in smaller type is not left larger than the body the run shrank', async () => {
    const withNote = await columnPdf(true);
    const noted = (await extractLayout(withNote, { ocr: 'off' })).document;
    assert.equal(paragraphs(noted).length, 4, 'three paragraphs and the note');
    const [a, b, c, note] = await render(withNote, noted, [1.45, 1.3, 1.2, 0.9]);
    const scale = a!.size / 10;
    assert.ok(scale < 1, `the column is shrunk: ${a!.size}`);
    assert.ok(
      [b!, c!].every((p) => Math.abs(p.size - a!.size) < 0.01),
      'the column is one run',
    );
    // Alone the note fits at 8 pt; beside a body at 10 pt * scale it is set at 8 pt * scale.
    assert.ok(
      note!.size <= 8 * scale + 0.01,
      `note at ${note!.size} pt, body at ${a!.size} pt (scale ${scale.toFixed(3)})`,
    );
    assert.equal(note!.overflow, false);
  });

  test('paragraphs that fit their boxes stay where they were', async () => {
    const placed = await render(source, layout, [0.8, 0.8, 0.8]);
    for (const p of placed) {
      assert.ok(Math.abs(p.size - 10) < 0.01);
      assert.ok(Math.abs(top(p) - p.box[1]) < 1.5, `top ${top(p)} vs box ${p.box[1]}`);
    }
  });
});
