import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Block, LayoutDocument } from '@docat/contracts';
import { toMarkdown } from './markdown.js';

function doc(blocks: Partial<Block>[]): LayoutDocument {
  return {
    schemaVersion: 1,
    pageCount: 1,
    pages: [
      {
        number: 1,
        width: 600,
        height: 800,
        rotation: 0,
        scanned: false,
        blocks: blocks.map((b, i) => ({
          id: `b${i}`,
          type: 'paragraph',
          order: i,
          bbox: [0, 0, 1, 1],
          lines: [],
          text: '',
          ...b,
        })),
      },
    ],
  };
}

test('inline marks become Markdown emphasis and links', () => {
  const text = 'Zahlen. Der Interpreter prüft jede Zahl sorgfältig, siehe die Projektseite heute.';
  const at = (w: string) => ({ start: text.indexOf(w), end: text.indexOf(w) + w.length });
  const md = toMarkdown(
    doc([
      {
        text,
        marks: [
          { ...at('Zahlen.'), bold: true },
          { ...at('sorgfältig'), italic: true },
          { ...at(' Projektseite '), href: 'https://example.com/a b' },
        ],
      },
      {
        type: 'heading',
        level: 2,
        text: 'Ergebnisse im Überblick',
        marks: [
          { start: 0, end: 10, bold: false },
          { start: 14, end: 23, href: 'https://example.com' },
        ],
      },
    ]),
  );
  assert.equal(
    md,
    '**Zahlen.** Der Interpreter prüft jede Zahl *sorgfältig*, siehe die [Projektseite](https://example.com/a%20b) heute.\n\n## Ergebnisse im [Überblick](https://example.com)\n',
  );
});
