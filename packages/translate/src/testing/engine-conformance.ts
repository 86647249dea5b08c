import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../engines/engine-error.js';
import { createGlossary } from '../glossary.js';
import { MemoryRateLimiter } from '@docat/request-limiter';
import { segmentBlocks } from '../segment.js';
import { Translator } from '../translator.js';
import type { TranslationEngine } from '../types.js';
import type { FakeProviderServer, FakeServerOptions } from './fake-server.js';

export interface EngineConformance<S extends FakeProviderServer> {
  label: string;
  server: (options: FakeServerOptions) => S;
  engine: (server: S) => TranslationEngine;
  /** LLM engines re-ask and split on bad replies; machine translation engines are retried. */
  protocol: 'llm' | 'mt';
  /** Whether the SDK lets the engine see Retry-After (deepl-node does not). */
  seesRetryAfter: boolean;
  /** Extra assertions after a glossary run (e.g. a native glossary was created). */
  glossaryCheck?: (server: S) => void;
}

const SEGMENTS = [
  { id: 's1', text: 'Revenue rose ⟦0⟧ in ⟦1⟧.' },
  { id: 's2', text: 'Fish & chips <cost> ⟦0⟧ "each".' },
];

function translator(): Translator {
  return new Translator({ limiter: new MemoryRateLimiter() }, { retry: { attempts: 3, baseMs: 40, maxMs: 200 } });
}

function document(): ReturnType<typeof segmentBlocks> {
  return segmentBlocks([
    { id: 'b1', type: 'paragraph', text: 'Revenue rose 12% in 2024.' },
    { id: 'b2', type: 'paragraph', text: 'See https://example.com/report for the full report.' },
  ]);
}

/** The behaviour every engine must show against its fake provider server. */
export function describeEngineConformance<S extends FakeProviderServer>(spec: EngineConformance<S>): void {
  describe(`${spec.label} engine against its fake server`, () => {
    const servers: S[] = [];
    const start = async (options: FakeServerOptions = {}): Promise<{ server: S; engine: TranslationEngine }> => {
      const server = await spec.server(options).start();
      servers.push(server);
      return { server, engine: spec.engine(server) };
    };
    after(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });

    test('translates a batch in one request, placeholders and markup characters intact', async () => {
      const { server, engine } = await start();
      const result = await engine.translateBatch({ source: 'en', target: 'de', segments: SEGMENTS });
      assert.deepEqual(result.translations, SEGMENTS.map((s) => ({ id: s.id, text: `[de] ${s.text}` })));
      assert.equal(server.translationRequests, 1);
      assert.deepEqual(server.rejections, []);
      assert.ok(server.characters > 0);
      assert.ok(result.billedCharacters >= SEGMENTS.reduce((n, s) => n + s.text.length, 0));
    });

    test('429 surfaces as rate_limited with its Retry-After, and the translator waits for it', async () => {
      const { server, engine } = await start({ faults: { 1: { kind: 'status', status: 429, retryAfter: '1' } } });
      await assert.rejects(engine.translateBatch({ source: 'en', target: 'de', segments: SEGMENTS }), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.kind, 'rate_limited');
        if (spec.seesRetryAfter) assert.equal(err.retryAfterMs, 1000);
        return true;
      });
      const { server: s2, engine: e2 } = await start({ faults: { 1: { kind: 'status', status: 429, retryAfter: '1' } } });
      const out = await translator().translate({ accountId: 'a', engines: [e2], source: 'en', target: 'de', segments: document() });
      assert.equal(s2.translationRequests, 2);
      const [first, second] = s2.startTimes();
      if (spec.seesRetryAfter) assert.ok(second! - first! >= 990, `retried after ${Math.round(second! - first!)} ms`);
      assert.match(out.texts.get('b1:0')!, /^\[de\] Revenue rose 12% in 2024\.$/u);
      assert.equal(server.translationRequests, 1);
    });

    test('5xx is retried', async () => {
      const { server, engine } = await start({ faults: { 1: { kind: 'status', status: 503 }, 2: { kind: 'status', status: 500 } } });
      const out = await translator().translate({ accountId: 'a', engines: [engine], source: 'en', target: 'de', segments: document() });
      assert.equal(server.translationRequests, 3);
      assert.equal(out.texts.get('b2:0'), '[de] See https://example.com/report for the full report.');
    });

    if (spec.protocol === 'llm') {
      test('a bad reply is re-asked once', async () => {
        const { server, engine } = await start({ faults: { 1: { kind: 'malformed' } } });
        const result = await engine.translateBatch({ source: 'en', target: 'de', segments: SEGMENTS });
        assert.equal(server.translationRequests, 2);
        assert.deepEqual(result.translations.map((t) => t.id), ['s1', 's2']);
      });
      test('a reply bad twice splits the batch', async () => {
        const { server, engine } = await start({ faults: { 1: { kind: 'malformed' }, 2: { kind: 'malformed' } } });
        const result = await engine.translateBatch({ source: 'en', target: 'de', segments: SEGMENTS });
        assert.equal(server.translationRequests, 4);
        assert.deepEqual(result.translations, SEGMENTS.map((s) => ({ id: s.id, text: `[de] ${s.text}` })));
      });
    } else {
      test('an unparsable reply is retried', async () => {
        const { server, engine } = await start({ faults: { 1: { kind: 'malformed' } } });
        const out = await translator().translate({ accountId: 'a', engines: [engine], source: 'en', target: 'de', segments: document() });
        assert.equal(server.translationRequests, 2);
        assert.equal(out.texts.get('b1:0'), '[de] Revenue rose 12% in 2024.');
      });
      test('a lost placeholder is caught and the segment re-sent alone', async () => {
        const { server, engine } = await start({ faults: { 1: { kind: 'lose-placeholder' } } });
        const out = await translator().translate({ accountId: 'a', engines: [engine], source: 'en', target: 'de', segments: document() });
        assert.equal(out.texts.get('b1:0'), '[de] Revenue rose 12% in 2024.');
        assert.equal(out.texts.get('b2:0'), '[de] See https://example.com/report for the full report.');
        assert.equal(server.translationRequests, 3);
        assert.ok(out.segments.every((s) => !s.repaired));
      });
    }

    test('glossary terms appear in the output', async () => {
      const { server, engine } = await start({ translate: (text, target) => `[${target}] ${text}` });
      const glossary = createGlossary({ source: 'en', target: 'de' }, [{ term: 'Revenue', translation: 'Umsatz' }, { term: 'full report', translation: 'Gesamtbericht' }]);
      const out = await translator().translate({ accountId: 'a', engines: [engine], source: 'en', target: 'de', segments: document(), glossary });
      assert.equal(out.texts.get('b1:0'), '[de] Umsatz rose 12% in 2024.');
      assert.equal(out.texts.get('b2:0'), '[de] See https://example.com/report for the Gesamtbericht.');
      spec.glossaryCheck?.(server);
    });

    test('lists languages and reports health', async () => {
      const { engine } = await start();
      const languages = await engine.languages();
      assert.ok(languages.target.includes('de'));
      const health = await engine.health();
      assert.equal(health.ok, true, health.detail);
    });
  });
}

