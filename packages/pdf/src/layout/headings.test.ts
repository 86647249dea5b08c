import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '@docat/contracts';
import { layoutPage } from './page-layout.js';
import { pageContent as page } from './page-content.test-support.js';

const WORDS =
  'the agency has determined that final corrective action is necessary to address the unsafe condition on these products and proposes to require new software'.split(
    ' ',
  );

/** A line of `n` words at (x, y), `size` pt, half an em per character. */
function line(n: number, from: number, x: number, y: number, size: number): Span {
  const text = Array.from({ length: n }, (_, i) => WORDS[(from + i) % WORDS.length]).join(' ');
  return { text, bbox: [x, y, x + text.length * size * 0.5, y + size * 1.2], font: 'Times', size };
}

/** `count` lines of `size` pt text from `top`, 1.25 sizes apart. */
function lines(count: number, top: number, size: number, words: number, x = 72): Span[] {
  return Array.from({ length: count }, (_, i) =>
    line(words, i * 3, x, top + i * size * 1.25, size),
  );
}

describe('headings by size', () => {
  test('two lines of body text at the foot of a column stay a paragraph when notes outweigh the body', () => {
    const body = lines(6, 100, 9, 8);
    // The first two lines of the next paragraph, the last text of the column.
    const start = lines(2, 180, 9, 8);
    // Half a page of notes in 7 pt type: more characters than the body.
    const notes = lines(30, 300, 7, 10);
    const laid = layoutPage(page([...body, ...start, ...notes]));
    const foot = laid.blocks.find((b) => Math.abs(b.bbox[1] - 180) < 1);
    assert.ok(foot, JSON.stringify(laid.blocks.map((b) => [b.type, b.bbox])));
    assert.equal(foot.type, 'paragraph');
  });

  test('a heading larger than the text around it stays a heading', () => {
    const body = lines(6, 100, 9, 8);
    const heading = [line(4, 0, 72, 180, 12)];
    const after = lines(6, 200, 9, 8);
    const notes = lines(30, 300, 7, 10);
    const laid = layoutPage(page([...body, ...heading, ...after, ...notes]));
    const found = laid.blocks.find((b) => Math.abs(b.bbox[1] - 180) < 1);
    assert.equal(found?.type, 'heading');
  });
});
