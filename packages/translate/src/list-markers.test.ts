import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryTranslationMemory } from './memory/in-memory.memory.js';
import { MemoryRateLimiter } from '@docat/request-limiter';
import { pseudoTranslate } from './engines/pseudo.engine.js';
import { FakeEngine } from './testing/fake-engine.js';
import { listMarker, reassemble, segmentBlocks } from './segment.js';
import { Translator } from './translator.js';

const ITEM = 'A translated PDF keeps the layout of its source.';

/** What the engine is sent (translatable segments) and the block after a pseudo translation. */
function throughPseudo(block: Parameters<typeof segmentBlocks>[0][number]): {
  sent: string[];
  text: string;
  marks: unknown[];
} {
  const segments = segmentBlocks([block]);
  const texts = new Map(
    segments.map((s) => [s.id, s.untranslatable ? s.text : pseudoTranslate(s.text, 'de')]),
  );
  const back = reassemble(segments, texts).get(block.id)!;
  return {
    sent: segments.filter((s) => !s.untranslatable).map((s) => s.text),
    text: back.text,
    marks: back.marks ?? [],
  };
}

describe('list markers stay out of the text an engine sees', () => {
  test('a bullet is a segment of its own, set back in front of the translation', () => {
    const out = throughPseudo({ id: 'l', type: 'list_item', text: `• ${ITEM}` });
    assert.deepEqual(out.sent, [ITEM]);
    assert.match(out.text, /^• ⟪[^•]+⟫$/u);
  });

  test('numbers, letters and roman numerals of list items; not in a paragraph', () => {
    for (const marker of [
      '1.',
      '12)',
      '(3)',
      '2.1.',
      'a.',
      'b)',
      '(c)',
      'B)',
      '(iv)',
      'xii.',
      'IV.',
    ])
      assert.equal(listMarker(`${marker} ${ITEM}`, 'list_item'), marker, marker);
    for (const marker of ['–', '-', '◦', '▪', '*'])
      assert.equal(listMarker(`${marker} ${ITEM}`, 'paragraph'), marker, marker);
    assert.equal(listMarker(`1. ${ITEM}`, 'paragraph'), undefined);
    for (const number of ['1.', '2)', '2.1', '3.2.1.'])
      assert.equal(listMarker(`${number} Results`, 'heading'), number, number);
    assert.equal(listMarker('3 Ways to Translate', 'heading'), undefined);
    assert.equal(listMarker('a) Results', 'heading'), undefined);
    assert.equal(listMarker(`1.5 kg of flour`, 'list_item'), undefined);
    assert.equal(listMarker(`A. Smith wrote it.`, 'list_item'), undefined);
    assert.equal(listMarker(`•${ITEM}`, 'list_item'), undefined);
    const numbered = throughPseudo({ id: 'n', type: 'list_item', text: `(iv) ${ITEM}` });
    assert.deepEqual(numbered.sent, [ITEM]);
    assert.match(numbered.text, /^\(iv\) ⟪/u);
  });

  test("the marker keeps its own style (a coloured bullet), apart from the item's words", () => {
    const out = throughPseudo({
      id: 'l',
      type: 'list_item',
      text: `▪ ${ITEM}`,
      marks: [{ start: 0, end: 1, color: '#c00000' }],
    });
    assert.deepEqual(out.sent, [ITEM]);
    assert.deepEqual(out.marks, [{ start: 0, end: 1, color: '#c00000' }]);
  });

  test('a long item split into sentences: the marker, then each sentence in order', () => {
    const long = `${ITEM} ${'Its figures and tables stay where they were on the page. '.repeat(3).trim()}`;
    const segments = segmentBlocks([{ id: 'l', type: 'list_item', text: `– ${long}` }], {
      shortBlockChars: 60,
    });
    assert.equal(segments[0]!.text, '–');
    assert.ok(segments[0]!.untranslatable);
    assert.equal(segments[1]!.text, ITEM);
    const back = reassemble(segments, new Map()).get('l')!;
    assert.equal(back.text, `– ${long}`);
  });

  test('the same item under another bullet, in another document, comes from memory', async () => {
    const memory = new InMemoryTranslationMemory();
    const engine = new FakeEngine();
    const translator = new Translator({ limiter: new MemoryRateLimiter(), memory });
    const run = (text: string) =>
      translator.translate({
        accountId: 'acc',
        engines: [engine],
        source: 'en',
        target: 'de',
        segments: segmentBlocks([{ id: 'l', type: 'list_item', text }]),
      });
    await run(`• ${ITEM}`);
    await new Promise((r) => setImmediate(r));
    const requests = engine.requests;
    const second = await run(`3. ${ITEM}`);
    assert.equal(engine.requests, requests, 'no engine request for the known item');
    assert.equal(second.memoryHits, 1);
    assert.match(second.texts.get('l:0')!, /^3\.$/u);
  });
});
