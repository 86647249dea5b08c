import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LAYOUT_SCHEMA_VERSION,
  TRANSLATION_SCOPE_DEFAULTS,
  type InlineMark,
  type LayoutDocument,
} from '@docat/contracts';
import { translateStep } from './translate.step.js';

const layout: LayoutDocument = {
  schemaVersion: LAYOUT_SCHEMA_VERSION,
  pageCount: 1,
  pages: [
    {
      number: 1,
      width: 600,
      height: 800,
      rotation: 0,
      scanned: false,
      blocks: [
        {
          id: 'p1-b0',
          type: 'paragraph',
          order: 0,
          bbox: [50, 100, 300, 112],
          lines: [{ bbox: [50, 100, 300, 112], spans: [] }],
          text: 'Read the notes first.',
        },
      ],
    },
  ],
};

describe('translateStep', () => {
  test('passes on the marks reassembly gives a block and its cells', async () => {
    const marks: InlineMark[] = [{ start: 0, end: 4, bold: true, background: '#ffff00' }];
    const cellMarks = new Map<number, readonly InlineMark[]>([
      [0, [{ start: 0, end: 2, italic: true }]],
    ]);
    const result = await translateStep(layout, {
      segmenter: {
        segmentBlocks: (blocks) => blocks.map((b) => ({ id: `${b.id}:0`, blockId: b.id })),
        reassemble: (segments) =>
          new Map(
            segments.map((s) => [
              s.blockId,
              {
                blockId: s.blockId,
                text: 'Lies zuerst die Hinweise.',
                marks,
                cells: new Map([[0, 'Ja']]),
                cellMarks,
              },
            ]),
          ),
      },
      translator: {
        translate: async (req) => ({
          texts: new Map(req.segments.map((s) => [s.id, 'Lies zuerst die Hinweise.'])),
          billedCharacters: {},
          requests: {},
          memoryHits: 0,
          warnings: [],
        }),
      },
      accountId: 'a',
      engines: [{ name: 'pseudo', model: 'pseudo-2' }],
      target: 'de',
      useMemory: false,
      scope: TRANSLATION_SCOPE_DEFAULTS,
    });
    assert.deepEqual(result.blocks, [
      {
        id: 'p1-b0',
        text: 'Lies zuerst die Hinweise.',
        marks,
        cells: [{ index: 0, text: 'Ja', marks: cellMarks.get(0) }],
      },
    ]);
  });
});
