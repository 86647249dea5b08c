import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryTranslationMemory } from './memory/in-memory.memory.js';
import { MemoryRateLimiter } from '@docat/request-limiter';
import { FakeEngine } from './testing/fake-engine.js';
import { reassemble, segmentBlocks } from './segment.js';
import { Translator } from './translator.js';
import type { InlineMark } from '@docat/contracts';

const raised = { scale: 0.66, rise: 0.43 };

/**
 * A paragraph with footnote marks set raised: `marks` are the mark texts, each put where
 * `{}` stands in `template`, and each a script mark of the block.
 */
function paragraph(id: string, template: string, notes: string[]) {
  let text = '';
  const marks: InlineMark[] = [];
  const pieces = template.split('{}');
  pieces.forEach((piece, i) => {
    text += piece;
    const note = notes[i];
    if (i < pieces.length - 1 && note !== undefined) {
      marks.push({
        start: text.length,
        end: text.length + note.length,
        script: true,
        parts: [{ length: note.length, ...raised }],
      });
      text += note;
    }
  });
  return { id, type: 'paragraph' as const, text, marks };
}

const FIRST =
  'But many operators, in particular array accesses{} and bitwise operators, really operate on integers, so they convert any integer result back to a double.{}';

describe('translation memory and footnote marks', () => {
  test('the same sentence with other footnote numbers comes from memory, with this document’s marks', async () => {
    const memory = new InMemoryTranslationMemory();
    const engine = new FakeEngine();
    const translator = new Translator({ limiter: new MemoryRateLimiter(), memory });
    const run = async (block: ReturnType<typeof paragraph>) => {
      const segments = segmentBlocks([block], { shortBlockChars: 40 });
      const outcome = await translator.translate({
        accountId: 'acc',
        engines: [engine],
        source: 'en',
        target: 'de',
        segments,
      });
      return { outcome, block: reassemble(segments, outcome.texts).get(block.id)! };
    };
    await run(
      paragraph(
        'a',
        `${FIRST} Clearly, a fast virtual machine must operate on integers directly.`,
        ['3', '4'],
      ),
    );
    await new Promise((r) => setImmediate(r));
    const sent = engine.characters;
    const second = await run(
      paragraph('b', `${FIRST} The next section shows how the tracer does it.`, ['12', '13']),
    );
    assert.equal(second.outcome.memoryHits, 1, 'the first sentence comes from memory');
    const newSentence = 'The next section shows how the tracer does it.'.length;
    assert.equal(engine.characters - sent, newSentence, 'only the new sentence is sent');
    const { text, marks } = second.block;
    assert.deepEqual(
      (marks ?? []).map((m) => [text.slice(m.start, m.end), m.script, m.parts]),
      [
        ['12', true, [{ length: 2, ...raised }]],
        ['13', true, [{ length: 2, ...raised }]],
      ],
    );
    assert.match(text, /\.13 /u);
  });

  test('a script glued to the last word of a segment stays in it (CO₂, m²)', () => {
    const block = paragraph('c', 'Emissions of CO{}', ['2']);
    const segments = segmentBlocks([block]);
    assert.deepEqual(
      segments.map((s) => s.text),
      ['Emissions of CO⟦0⟧'],
    );
  });
});
