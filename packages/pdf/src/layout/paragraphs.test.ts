import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '@docat/contracts';
import { layoutPage } from './page-layout.js';
import { pageContent as page } from './page-content.test-support.js';

/** A 10.8 pt Arial span from x0 to x1 on the line whose top is `top`. */
function span(text: string, x0: number, x1: number, top: number, size = 10.8): Span {
  return { text, bbox: [x0, top, x1, top + size * 1.1], font: 'ArialMT', size };
}

const texts = (spans: Span[]) => layoutPage(page(spans)).blocks.map((b) => b.text);

describe('paragraphs', () => {
  test('a label with its value beside it is read apart from the paragraph above it', () => {
    // As the Cupertino school board's agenda sets an item: two lines, then labels in one
    // column and their values in another.
    const blocks = texts([
      span('The public may address the Board on any agenda item and any item.', 104, 536, 520),
      span('The Board will not respond or take action on any non-agenda item.', 104, 500, 533),
      span(
        '2.1 Public Employee Performance Evaluation – Pursuant to Government Code',
        106,
        491,
        560,
      ),
      span('Section 54957', 128, 199, 573),
      span('District Representatives:', 128, 248, 586),
      span('Board President Josephine Lucey and', 263, 449, 586),
      span('Vice-President Anjali Kausar', 263, 402, 598),
      span('Unrepresented Employee: Superintendent Wendy Gudalewicz', 128, 434, 611),
    ]);
    assert.deepEqual(
      blocks.slice(-4),
      [
        '2.1 Public Employee Performance Evaluation – Pursuant to Government Code Section 54957',
        'District Representatives:',
        'Board President Josephine Lucey and Vice-President Anjali Kausar',
        'Unrepresented Employee: Superintendent Wendy Gudalewicz',
      ],
      JSON.stringify(blocks),
    );
  });
});
