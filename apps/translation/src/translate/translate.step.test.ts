import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LAYOUT_SCHEMA_VERSION,
  TRANSLATION_SCOPE_DEFAULTS,
  type Block,
  type BlockType,
  type LayoutDocument,
} from '@docat/contracts';
import { translateStep } from '@docat/pipeline/translate';
import {
  InMemoryTranslationMemory,
  MemoryRateLimiter,
  PseudoEngine,
  Translator,
  createGlossary,
  reassemble,
  segmentBlocks,
} from '@docat/translate';
import { FakeEngine, engineError } from '@docat/translate/testing';

function block(id: string, type: BlockType, order: number, text: string): Block {
  const y = 40 + order * 30;
  return { id, type, order, bbox: [50, y, 500, y + 12], lines: [{ bbox: [50, y, 500, y + 12], spans: [] }], text };
}

/** One page with a running head, prose, a list item, a code listing and a footer. */
function layout(): LayoutDocument {
  return {
    schemaVersion: LAYOUT_SCHEMA_VERSION,
    pageCount: 1,
    title: 'Quarterly report',
    pages: [
      {
        number: 1,
        width: 600,
        height: 800,
        rotation: 0,
        scanned: false,
        blocks: [
          block('head', 'header', 0, 'Quarterly report'),
          block('p1', 'paragraph', 1, 'The engine keeps the layout. It translates every sentence.'),
          block('li', 'list_item', 2, 'A queue holds the work.'),
          block('code', 'code', 3, 'for (;;) { run(); }'),
          block('foot', 'footer', 4, 'Page 1'),
        ],
      },
    ],
  };
}

const segmenter = { segmentBlocks, reassemble };

/**
 * The translate step (segment, translate, reassemble) on in-memory adapters: translation
 * memory in a Map, the request limiter in this process, offline engines. The service runs
 * the same function with the PostgreSQL memory and the Redis limiter.
 */
describe('translate step on in-memory adapters', () => {
  test('translates what the scope translates, keeps code, and the second run comes from memory', async () => {
    const memory = new InMemoryTranslationMemory();
    const engine = new FakeEngine({ name: 'openai', paid: true });
    const translator = new Translator({ limiter: new MemoryRateLimiter(), memory });
    const progress: [number, number][] = [];
    const input = {
      segmenter,
      translator,
      accountId: 'account-1',
      engines: [engine],
      target: 'de',
      source: 'en',
      useMemory: true,
      scope: TRANSLATION_SCOPE_DEFAULTS,
      onProgress: (done: number, total: number) => progress.push([done, total]),
    };
    const first = await translateStep(layout(), input);
    const byId = new Map(first.blocks.map((b) => [b.id, b.text]));
    assert.deepEqual([...byId.keys()].sort(), ['foot', 'head', 'li', 'p1'], 'code is never translated');
    assert.equal(byId.get('p1'), '[de] The engine keeps the layout. It translates every sentence.');
    assert.equal(byId.get('li'), '[de] A queue holds the work.');
    assert.equal(first.engine.name, 'openai');
    assert.ok(first.billedCharacters > 0);
    assert.equal(first.outcome.memoryHits, 0);
    assert.deepEqual(progress[0], [0, first.segments]);
    assert.deepEqual(progress.at(-1), [first.segments, first.segments]);

    const requests = engine.requests;
    const second = await translateStep(layout(), input);
    assert.deepEqual(second.blocks, first.blocks, 'the same text from memory');
    assert.equal(second.outcome.memoryHits, second.segments);
    assert.equal(second.billedCharacters, 0, 'nothing billed twice');
    assert.equal(engine.requests, requests, 'the engine is not asked again');

    const otherAccount = await translateStep(layout(), { ...input, accountId: 'account-2' });
    assert.equal(otherAccount.outcome.memoryHits, 0, 'memory is private to each account');
  });

  test('running heads stay out when the scope leaves them', async () => {
    const translator = new Translator({ limiter: new MemoryRateLimiter() });
    const result = await translateStep(layout(), {
      segmenter,
      translator,
      accountId: 'a',
      engines: [new PseudoEngine()],
      target: 'fr',
      useMemory: false,
      scope: { ...TRANSLATION_SCOPE_DEFAULTS, headersFooters: false },
    });
    assert.deepEqual(result.blocks.map((b) => b.id).sort(), ['li', 'p1']);
    assert.equal(result.billedCharacters, 0, 'the pseudo engine bills nothing');
  });

  test('a glossary term reaches the output as the glossary says', async () => {
    const translator = new Translator({ limiter: new MemoryRateLimiter(), memory: new InMemoryTranslationMemory() });
    const glossary = createGlossary({ source: 'en', target: 'de' }, [{ term: 'engine', translation: 'Triebwerk' }]);
    const result = await translateStep(layout(), {
      segmenter,
      translator,
      accountId: 'a',
      engines: [new FakeEngine({ name: 'openai' })],
      target: 'de',
      source: 'en',
      glossary,
      glossaryId: 'g1',
      useMemory: true,
      scope: TRANSLATION_SCOPE_DEFAULTS,
    });
    const p1 = result.blocks.find((b) => b.id === 'p1')!.text;
    assert.match(p1, /Triebwerk/);
    assert.doesNotMatch(p1, /\bengine\b/);
  });

  test('an engine that fails for good hands the chunk to the next engine of the chain', async () => {
    const translator = new Translator(
      { limiter: new MemoryRateLimiter() },
      { retry: { attempts: 1, baseMs: 1, maxMs: 1 } },
    );
    const broken = new FakeEngine({ name: 'openai', fail: () => engineError('openai', 'unavailable') });
    const fallback = new FakeEngine({ name: 'deepl', translate: (text) => `<${text}>` });
    const result = await translateStep(layout(), {
      segmenter,
      translator,
      accountId: 'a',
      engines: [broken, fallback],
      target: 'de',
      source: 'en',
      useMemory: false,
      scope: TRANSLATION_SCOPE_DEFAULTS,
    });
    assert.ok(broken.requests >= 1);
    assert.ok(fallback.requests >= 1);
    assert.equal(result.blocks.find((b) => b.id === 'li')!.text, '<A queue holds the work.>');
    assert.ok(result.outcome.billedCharacters.deepl! > 0);
    assert.equal(result.outcome.billedCharacters.openai ?? 0, 0);
  });
});
